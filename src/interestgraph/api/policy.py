"""What every operation must pass before it runs: the caller's key and scope, and the limits.

A schema extension sees the parsed operation with its variables, so ``first`` passed as a
variable counts as given (a validation rule would see only the variable's name). A refusal is
set as the operation's result, so nothing of the operation executes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from interestgraph.api.access import Scope
from interestgraph.api.complexity import operation_complexity
from interestgraph.errors import InterestGraphError, TooComplex


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_cost: int


class RequestPolicy(SchemaExtension):
    """Refuses unauthenticated, forbidden and too complex operations with their code."""

    def __init__(self, *, limits: Limits) -> None:
        self.limits = limits

    def on_execute(self) -> Iterator[None]:
        try:
            self._check()
        except InterestGraphError as e:
            self.execution_context.result = ExecutionResult(
                data=None, errors=[GraphQLError(str(e), extensions={"code": e.code})]
            )
        yield

    def _check(self) -> None:
        context = self.execution_context
        operation_type = context.operation_type
        needed = Scope.WRITE if operation_type is OperationType.MUTATION else Scope.READ
        context.context.access.require(needed)
        document = context.graphql_document
        if document is None:
            return
        complexity = operation_complexity(
            context.schema._schema, document, context.operation_name, context.variables
        )
        if complexity is None:
            return
        if complexity.depth > self.limits.max_depth:
            raise TooComplex(
                f"the query nests {complexity.depth} fields deep; at most "
                f"{self.limits.max_depth} are allowed"
            )
        if complexity.cost > self.limits.max_cost:
            raise TooComplex(
                f"the query would resolve about {complexity.cost} fields; at most "
                f"{self.limits.max_cost} are allowed: ask for smaller pages (first) or fewer "
                "nested lists"
            )
