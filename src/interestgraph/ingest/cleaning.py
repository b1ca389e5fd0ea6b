"""Pure cleaning of names and ids from exported catalogues, shared by every dataset reader.

Catalogue exports carry HTML entities, sometimes escaped twice (``&amp;#39;``), and stray
whitespace; the graph stores the text a person would read, and keys that merge spellings of the
same brand.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

CATEGORY_SEPARATOR = " > "
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def clean_name(raw: str) -> str:
    """Readable text from an exported name: entities decoded (repeatedly), whitespace collapsed.

    >>> clean_name("  Dolce &amp;amp;  Gabbana ")
    'Dolce & Gabbana'
    """
    text = raw
    while (decoded := html.unescape(text)) != text:
        text = decoded
    return " ".join(text.split())


def brand_key(raw: str) -> str:
    """The id of a brand: spellings differing only in case, entities or spacing share one key.

    >>> brand_key("L&#39;Oreal  PARIS")
    "l'oreal paris"
    """
    return clean_name(raw).casefold()


def category_id(path: Sequence[str]) -> str:
    """The id of the category at the end of ``path`` (top level first), names cleaned.

    Raises:
        ValueError: the path is empty, has a blank name, or a name contains the separator (the
            id would be ambiguous).
    """
    if not path:
        raise ValueError("empty category path")
    names = [clean_name(name) for name in path]
    if not all(names):
        raise ValueError("blank category name")
    if any(CATEGORY_SEPARATOR in name for name in names):
        raise ValueError(f"category name contains {CATEGORY_SEPARATOR.strip()!r}")
    return CATEGORY_SEPARATOR.join(names)


def clean_id(raw: object) -> str | None:
    """A dataset id with surrounding whitespace removed, or None when blank or odd.

    Ids (user ids, ASINs) are short ASCII tokens; anything else is a corrupt row, not an id.
    """
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    return value if ID_PATTERN.fullmatch(value) else None
