"""Pure cleaning of ids and names, shared by the ingest path.

Shop exports carry HTML entities, sometimes escaped twice (``&amp;#39;``), stray whitespace and
shouted or lower-cased category names; the graph stores the text a person would read, and keys
that merge spellings of the same brand or category. Values (prices, times, ages) are read by
:mod:`interestgraph.ingest.values`.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

CATEGORY_SEPARATOR = " > "
PATH_SEPARATOR = " | "
MAX_ID_CHARS = 128
ACRONYM_CHARS = 3
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Markup pasted into exported descriptions: tags, and CSS rules with the selector glued before them
# ("USB cablediv.aplusAnnotate {font-family: Arial;}"), which are no product text.
_HTML_TAG = re.compile(r"<[^<>]{1,500}>")
_CSS_RULE = re.compile(r"\S*\s*\{[^{}]*:[^{}]*\}")
_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the"})


def is_missing(value: object) -> bool:
    """True for None, NaN and blank text: the absent values of CSV, JSON and Parquet input."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def clean_name(raw: str) -> str:
    """Readable text from an exported name: entities decoded (repeatedly), whitespace collapsed.

    >>> clean_name("  Dolce &amp;amp;  Gabbana ")
    'Dolce & Gabbana'
    """
    text = raw
    while (decoded := html.unescape(text)) != text:
        text = decoded
    return " ".join(text.split())


def clean_text(raw: object) -> str | None:
    """A title or description as stored: :func:`clean_name` of its text; None when blank."""
    if is_missing(raw):
        return None
    text = clean_name(raw if isinstance(raw, str) else str(raw))
    return text or None


def clean_description(raw: object) -> str | None:
    """A description as stored: :func:`clean_text` without HTML tags and CSS rules (with the
    word glued to a rule's selector: it cannot be told apart from it).

    >>> clean_description("Ink &amp; toner<br/>cablediv.aplus {font-size: 13px;} Black")
    'Ink & toner Black'
    """
    text = clean_text(raw)
    if text is None:
        return None
    text = _CSS_RULE.sub(" ", _HTML_TAG.sub(" ", text))
    return " ".join(text.split()) or None


def brand_key(raw: str) -> str:
    """The id of a brand: spellings differing only in case, entities or spacing share one key.

    >>> brand_key("L&#39;Oreal  PARIS")
    "l'oreal paris"
    """
    return clean_name(raw).casefold()


def clean_category_name(raw: str) -> str:
    """A category name as shown: cleaned, and title-cased when it was all upper or all lower case.

    Mixed case is the shop's own spelling and stays (``"iPhone Cases"``), as do acronyms of up
    to three characters (``"TV"``); a shouted ``"SKIN CARE"`` or a lower-cased ``"skin care"``
    both read ``"Skin Care"``.

    >>> clean_category_name("HAIR &amp; SCALP CARE")
    'Hair & Scalp Care'
    """
    name = clean_name(raw)
    if not any(c.isalpha() for c in name) or (name != name.upper() and name != name.lower()):
        return name
    if name == name.upper() and len(name) <= ACRONYM_CHARS:
        return name  # "TV", "3D": an acronym, not shouting
    words = name.lower().split(" ")
    return " ".join(
        word if i and word in _SMALL_WORDS else word[:1].upper() + word[1:]
        for i, word in enumerate(words)
    )


def clean_category_path(path: Sequence[object]) -> tuple[str, ...]:
    """The cleaned names of one category path, top level first.

    Raises:
        ValueError: the path is empty, a name is not text or blank, or a name contains the
            separator (the category id would be ambiguous); the message is the reason.
    """
    if isinstance(path, str) or not path:
        raise ValueError("empty category path")
    names: list[str] = []
    for raw in path:
        if not isinstance(raw, str):
            raise ValueError("category name is not text")
        name = clean_category_name(raw)
        if not name:
            raise ValueError("blank category name")
        if CATEGORY_SEPARATOR.strip() in name:
            raise ValueError(f"category name contains {CATEGORY_SEPARATOR.strip()!r}")
        names.append(name)
    return tuple(names)


def category_id(path: Sequence[str]) -> str:
    """The id of the category at the end of ``path`` (top level first), names cleaned.

    Raises:
        ValueError: as :func:`clean_category_path`.
    """
    return CATEGORY_SEPARATOR.join(clean_category_path(path))


def split_category_paths(text: str) -> list[list[str]]:
    """Category paths written as text (CSV): paths separated by ``" | "``, levels by ``" > "``.

    >>> split_category_paths("Office > Pens | Office > Paper > Notebooks")
    [['Office', 'Pens'], ['Office', 'Paper', 'Notebooks']]
    """
    return [
        [name.strip() for name in path.split(CATEGORY_SEPARATOR.strip())]
        for path in text.split(PATH_SEPARATOR.strip())
        if path.strip()
    ]


def clean_id(raw: object) -> str | None:
    """An id (user, item, event) trimmed and NFC-normalised, or None when unusable.

    Text and integers are ids (JSON and Parquet exports often carry numeric ids); an id is 1 to
    128 characters without control characters. None, floats, booleans and anything else are not.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw)
    if not isinstance(raw, str):
        return None
    value = unicodedata.normalize("NFC", raw.strip())
    if not 0 < len(value) <= MAX_ID_CHARS:
        return None
    if any(unicodedata.category(c) in _CONTROL_CATEGORIES for c in value):
        return None
    return value
