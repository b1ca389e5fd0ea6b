"""The pure cleaning helpers on hand-picked catalogue noise."""

from __future__ import annotations

import pytest

from interestgraph.ingest.cleaning import brand_key, category_id, clean_id, clean_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("L&#39;Oreal Paris", "L'Oreal Paris"),
        ("Dolce &amp; Gabbana", "Dolce & Gabbana"),
        ("WEN&reg; by Chaz Dean", "WEN® by Chaz Dean"),
        ("Dolce &amp;amp; Gabbana", "Dolce & Gabbana"),
        ("Burt&amp;#39;s Bees", "Burt's Bees"),
        ("  Toni \t&amp;\n Guy  ", "Toni & Guy"),
        ("Fair&nbsp;&amp;&nbsp;White", "Fair & White"),
        ("OPI", "OPI"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_clean_name(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


def test_clean_name_is_idempotent() -> None:
    once = clean_name("Clean &amp;amp;amp; Clear")
    assert once == "Clean & Clear"
    assert clean_name(once) == once


@pytest.mark.parametrize("spelling", ["TIGI", "Tigi", " tigi ", "T&#73;GI", "&#84;igi"])
def test_brand_key_merges_spellings(spelling: str) -> None:
    assert brand_key(spelling) == "tigi"


def test_brand_key_keeps_distinct_brands_apart() -> None:
    assert brand_key("It&#39;s a 10") == "it's a 10"
    assert brand_key("Its a 10") != brand_key("It's a 10")
    assert brand_key("Toni  &amp;  Guy") == "toni & guy"


def test_category_id_joins_cleaned_names() -> None:
    path = ["Skin Care", " Face", "Creams &amp; Moisturizers"]
    assert category_id(path) == "Skin Care > Face > Creams & Moisturizers"
    assert category_id(("Makeup",)) == "Makeup"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ([], "empty category path"),
        (["Makeup", "  "], "blank category name"),
        (["Makeup", "Eyes > Liner"], "contains '>'"),
    ],
)
def test_category_id_refuses_bad_paths(path: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        category_id(path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("B004756YJA", "B004756YJA"),
        (" 7806397051\n", "7806397051"),
        ("A1YJEY40YUW4SE", "A1YJEY40YUW4SE"),
        ("", None),
        ("   ", None),
        ("U@6", None),
        ("B00 4756", None),
        ("-leading-dash", None),
        ("X" * 65, None),
        (12345, None),
        (None, None),
    ],
)
def test_clean_id(raw: object, expected: str | None) -> None:
    assert clean_id(raw) == expected
