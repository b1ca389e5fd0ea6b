"""The demo's subject comes from the dataset (the graph holds only pseudonyms) and is trained."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from graph_builder import TEST_PSEUDONYMIZER, pseudonym
from interestgraph.demo import longest_histories, pick_demo_subjects

pytestmark = pytest.mark.integration

SEQUENCES = """\
short i1 i2
longest i1 i2 i3 i4 i5
second i3 i1 i2 i4 i9
tie i2 i4 i1 i3
lonely
"""


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    (tmp_path / "sequences.txt").write_text(SEQUENCES, encoding="utf-8")
    return tmp_path


def _write(driver: Driver, trained_users: list[str], trained_items: list[str]) -> None:
    driver.execute_query(
        """
        UNWIND $users AS u
        CREATE (n:User {id: u.id}) SET n.embedding = CASE WHEN u.trained THEN [1.0] END
        """,
        users=[
            {"id": pseudonym(name), "trained": name in trained_users}
            for name in ("short", "longest", "second", "tie")
        ],
    )
    driver.execute_query(
        """
        UNWIND $items AS i
        CREATE (n:Item {id: i.id}) SET n.embedding = CASE WHEN i.trained THEN [1.0] END
        """,
        items=[{"id": f"i{n}", "trained": f"i{n}" in trained_items} for n in range(1, 10)],
    )


def test_longest_histories_in_order(dataset: Path) -> None:
    assert longest_histories(dataset / "sequences.txt", limit=3) == [
        ("longest", ["i1", "i2", "i3", "i4", "i5"]),
        ("second", ["i3", "i1", "i2", "i4", "i9"]),
        ("tie", ["i2", "i4", "i1", "i3"]),
    ]


def test_subject_is_the_longest_trained_user_by_shop_id_and_its_last_item(
    empty_db: Driver, dataset: Path
) -> None:
    _write(empty_db, ["short", "longest", "second"], [f"i{n}" for n in range(1, 10)])

    assert pick_demo_subjects(empty_db, dataset, TEST_PSEUDONYMIZER) == {
        "user": "longest",
        "item": "i5",
    }


def test_untrained_users_and_items_are_skipped(empty_db: Driver, dataset: Path) -> None:
    # "longest" got no embedding; "second"'s last item (i9) neither
    _write(empty_db, ["short", "second"], ["i1", "i2", "i3", "i4", "i5"])

    assert pick_demo_subjects(empty_db, dataset, TEST_PSEUDONYMIZER) == {
        "user": "second",
        "item": "i4",
    }


def test_nothing_trained_or_no_dataset_is_none(empty_db: Driver, dataset: Path) -> None:
    _write(empty_db, [], [])

    assert pick_demo_subjects(empty_db, dataset, TEST_PSEUDONYMIZER) is None
    assert pick_demo_subjects(empty_db, dataset / "missing", TEST_PSEUDONYMIZER) is None
