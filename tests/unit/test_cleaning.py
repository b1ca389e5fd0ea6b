"""The pure cleaning helpers on hand-picked catalogue noise."""

from __future__ import annotations

import pytest

from interestgraph.ingest.cleaning import (
    brand_key,
    category_id,
    clean_category_name,
    clean_description,
    clean_id,
    clean_name,
    split_category_paths,
)


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
        (["Makeup", 3], "not text"),
        ("Makeup", "empty category path"),
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
        ("alice@shop.example", "alice@shop.example"),
        ("U@6", "U@6"),
        ("X" * 128, "X" * 128),
        (12345, "12345"),
        ("", None),
        ("   ", None),
        ("X" * 129, None),
        ("bad\x00id", None),
        ("tab\tinside", None),
        (12.0, None),
        (True, None),
        (None, None),
        (["U1"], None),
    ],
)
def test_clean_id(raw: object, expected: str | None) -> None:
    assert clean_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SKIN CARE", "Skin Care"),
        ("hair &amp; scalp care", "Hair & Scalp Care"),
        ("TOOLS AND ACCESSORIES", "Tools and Accessories"),
        ("men's grooming", "Men's Grooming"),
        ("iPhone Cases", "iPhone Cases"),
        ("Creams &amp; Moisturizers", "Creams & Moisturizers"),
        ("  Nail   Polish ", "Nail Polish"),
        ("3D", "3D"),
        ("tv", "Tv"),
    ],
)
def test_clean_category_name_normalises_shouting_and_lower_case(raw: str, expected: str) -> None:
    assert clean_category_name(raw) == expected


def test_category_ids_merge_case_variants() -> None:
    assert category_id(["SKIN CARE", "face"]) == category_id(["Skin Care", "Face"])


def test_split_category_paths() -> None:
    assert split_category_paths("Office > Pens | Office > Paper > Notebooks") == [
        ["Office", "Pens"],
        ["Office", "Paper", "Notebooks"],
    ]
    assert split_category_paths("  ") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Amazon Office: an A+ page's stylesheet pasted after the text
        (
            "USB cablediv.aplusAnnotate {font-family: Arial, Helvetica, sans-serif; font-size: "
            "13px;}div.aplusChartName {padding-top:.4em;} Prints fast.",
            "USB Prints fast.",
        ),
        ("Fine &amp; smooth<br/><b>Blue</b> ink", "Fine & smooth Blue ink"),
        ("Set of {3} pens", "Set of {3} pens"),  # braces without a declaration are text
        ("<p> </p>", None),
        (None, None),
    ],
)
def test_clean_description_drops_markup(raw: str | None, expected: str | None) -> None:
    assert clean_description(raw) == expected
