"""How reasons name items: a title, else what the graph knows of the item, else its id."""

from __future__ import annotations

import pytest

from interestgraph.serving.explain import explanation, item_name


@pytest.mark.parametrize(
    ("item", "name"),
    [
        (
            {"id": "B1", "title": "OPI Nail Lacquer", "brand": "OPI", "category": "Nail Polish"},
            "OPI Nail Lacquer",
        ),
        (
            {"id": "B2", "title": None, "brand": "Aquis", "category": "Hair Extensions"},
            "Aquis Hair Extensions (B2)",
        ),
        (
            {"id": "B3", "title": "", "brand": None, "category": "Hair Extensions"},
            "Hair Extensions (B3)",
        ),
        ({"id": "B4", "title": None, "brand": "Aquis", "category": None}, "Aquis (B4)"),
        ({"id": "B5", "title": None, "brand": None, "category": None}, "B5"),
        ({"id": "B6"}, "B6"),
    ],
)
def test_item_name(item: dict[str, str | None], name: str) -> None:
    assert item_name(item) == name


def test_an_untitled_item_is_named_in_the_reason_and_the_path() -> None:
    via = {"id": "B008L23HFO", "title": None, "brand": "Aquis", "category": "Hair Extensions"}
    best = {
        "kind": "brand",
        "strength": 0.25,
        "n": 2,
        "via": via,
        "hub": {"id": "aq", "name": "Aquis"},
    }
    item = {"id": "B00006598X", "title": None, "brand": "Aquis", "category": "Wigs"}

    found = explanation("pseudo", item, True, best)

    assert found.reason == "you bought 2 items by Aquis"
    assert [n.name for n in found.path] == [
        "pseudo",
        "Aquis Hair Extensions (B008L23HFO)",
        "Aquis",
        "Aquis Wigs (B00006598X)",
    ]
