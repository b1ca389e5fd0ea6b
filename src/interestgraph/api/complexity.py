"""How deep an operation nests and how many fields it may resolve, before it runs.

Cost counts every field once per object it is resolved on: a field with a ``first`` argument
multiplies what is below it by that ``first`` (the variable's value, the literal, or the
argument's default), so ``recommendations(first: 100) { item { similar(first: 100) ... } }``
costs what it would really make the server do. Introspection fields (``__schema`` and the
like) are left out of both: GraphiQL's introspection nests deeper than any data query, and
introspection has a switch of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast,
)
from graphql.type.definition import GraphQLInterfaceType

FIRST = "first"


@dataclass(frozen=True)
class Complexity:
    depth: int
    cost: int


def operation_complexity(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> Complexity | None:
    """Depth and cost of the operation that would run; None when there is no such operation
    (validation reports that)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return None
    operation = chosen[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    walker = _Walker(schema, fragments, dict(variables or {}))
    return walker.selection(root, operation.selection_set, 1, frozenset())


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]

    def selection(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        selection_set: SelectionSetNode,
        depth: int,
        seen_fragments: frozenset[str],
    ) -> Complexity:
        deepest, cost = depth - 1, 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                found = self.field(parent, node, depth, seen_fragments)
            else:
                inner = self._fragment(node, parent, seen_fragments)
                if inner is None:
                    continue
                fragment_type, fragment_selection, seen = inner
                found = self.selection(fragment_type, fragment_selection, depth, seen)
            deepest, cost = max(deepest, found.depth), cost + found.cost
        return Complexity(deepest, cost)

    def field(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        node: FieldNode,
        depth: int,
        seen_fragments: frozenset[str],
    ) -> Complexity:
        name = node.name.value
        definition = parent.fields.get(name)
        if name.startswith("__") or definition is None:
            return Complexity(depth - 1, 0)
        if node.selection_set is None:
            return Complexity(depth, 1)
        child = get_named_type(definition.type)
        if not isinstance(child, GraphQLObjectType | GraphQLInterfaceType):
            return Complexity(depth, 1)
        below = self.selection(child, node.selection_set, depth + 1, seen_fragments)
        return Complexity(below.depth, 1 + self._first(definition.args, node) * below.cost)

    def _first(self, args: Mapping[str, Any], node: FieldNode) -> int:
        """The page size the field asks for: 1 for fields without ``first``."""
        argument = args.get(FIRST)
        if argument is None:
            return 1
        given = next((a for a in node.arguments or () if a.name.value == FIRST), None)
        value = (
            value_from_ast(given.value, argument.type, self.variables)
            if given is not None
            else argument.default_value
        )
        return value if isinstance(value, int) and value > 0 else 1

    def _fragment(
        self,
        node: Any,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        seen: frozenset[str],
    ) -> tuple[GraphQLObjectType | GraphQLInterfaceType, SelectionSetNode, frozenset[str]] | None:
        """The type and selections of an inline fragment or a spread (a cycle ends the walk:
        validation refuses cyclic fragments anyway)."""
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition
            selection, name = node.selection_set, None
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = self.fragments.get(name)
            if fragment is None or name in seen:
                return None
            condition, selection = fragment.type_condition, fragment.selection_set
        else:
            return None
        target = self.schema.get_type(condition.name.value) if condition is not None else parent
        if not isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
            return None
        return target, selection, seen | {name} if name else seen
