"""Splits category paths that were joined with ", " although some names contain ", " themselves.

The LC-Rec layout stores an item's category path as one string, levels joined with ", " from the
top down: ``"Office & School Supplies, Calendars, Planners & Personal Organizers, Wall
Calendars"`` is the path ``Office & School Supplies > Calendars, Planners & Personal Organizers
> Wall Calendars``. Splitting on every ", " would invent a category ``Calendars`` and a category
``Planners & Personal Organizers``.

The rule, applied to each ", " of a path (between fragments ``a`` and ``b``):

1. **Evidence from the whole file first.** The ", " is a level boundary when the text before it
   is a complete path of some item (``"Office Electronics"`` is an item's whole path), or when
   items continue that text with more than one different fragment (``"..., Calculators, "`` is
   followed by ``Basic``, ``Graphing``, ``Scientific``, ...): the rest of a name is always the
   same, so different continuations mean the name has ended.
2. **Otherwise, Amazon's list names.** Every category name with a comma has the form
   ``"A, B & C"``: a fragment without " & " followed by one with " & " whose words it does not
   repeat (``Calendars`` + ``Planners & Personal Organizers``). Such a pair is joined into one
   name. A child that repeats a word of its parent (``Index Card Filing`` > ``Index & Business
   Card Files``) is a refinement, not a list, and stays a level of its own.
3. Every other ", " is a level boundary.

The split of one path therefore depends on the other paths of the file (rule 1) and is
deterministic for a given file. On the Amazon Office data this finds the 13 comma names of the
catalogue (``Calendars, Planners & Personal Organizers``, ``Tape, Adhesives & Fasteners``,
``Envelopes, Mailers & Shipping Supplies``, ...) and no false one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

JOIN_SEPARATOR = ", "
LIST_CONJUNCTION = " & "
_WORD = re.compile(r"\w+")


def _words(fragment: str) -> set[str]:
    return set(_WORD.findall(fragment.casefold()))


def _is_list_name(first: str, second: str) -> bool:
    """Whether ``"first, second"`` reads as one list name ``"A, B & C"``."""
    return (
        LIST_CONJUNCTION not in first
        and LIST_CONJUNCTION in second
        and not _words(first) & _words(second)
    )


def split_category_paths(joined_paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The category path (top level first) of every ", "-joined path string of one file.

    Args:
        joined_paths: every path string of the file (repeats allowed); names already cleaned
            (entities decoded, whitespace collapsed), so that equal names are equal strings.

    Returns:
        Each distinct input string mapped to its names. A blank fragment stays a blank name;
        the caller refuses such a path.
    """
    fragments = {joined: tuple(joined.split(JOIN_SEPARATOR)) for joined in set(joined_paths)}
    # a path with a blank name is refused by the caller, so it is no evidence either
    whole_paths = {parts for parts in fragments.values() if all(parts)}
    continuations: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
    for parts in whole_paths:
        for k in range(1, len(parts)):
            continuations[parts[:k]].add(parts[k])

    def known_boundary(parts: tuple[str, ...], k: int) -> bool:
        prefix = parts[:k]
        return prefix in whole_paths or len(continuations[prefix]) > 1

    split: dict[str, tuple[str, ...]] = {}
    for joined, parts in fragments.items():
        names = [parts[0]]
        for k in range(1, len(parts)):
            first, second = parts[k - 1], parts[k]
            # a joined name ends with a fragment holding " & ", so it never starts another join
            if not known_boundary(parts, k) and _is_list_name(first, second):
                names[-1] = first + JOIN_SEPARATOR + second
            else:
                names.append(second)
        split[joined] = tuple(names)
    return split
