"""Reading a canonical folder: CSV, JSON Lines and Parquet, record by record, bad lines as rejects.

tests/fixtures/canonical_shop holds one table per format and a bad line of each kind the reader
itself refuses (malformed CSV, unparseable JSON, not an object, blank, wrong encoding); the rows
whose values are wrong go on to the ingest path (tests/unit/test_canonical_rows.py).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from interestgraph.errors import BadInput
from interestgraph.ingest.adapters import ADAPTERS
from interestgraph.ingest.adapters.canonical import read_canonical
from interestgraph.ingest.source import EVENT_COLUMNS, ITEM_COLUMNS, CanonicalSource

SHOP = Path(__file__).parents[1] / "fixtures" / "canonical_shop"


def _read(source: CanonicalSource) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in ("items", "users", "events", "follows"):
        frames = list(getattr(source, name))
        tables[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return tables


def test_registered_under_its_cli_name() -> None:
    assert ADAPTERS["canonical"] is read_canonical


def test_reads_every_table_with_locations() -> None:
    source = read_canonical(SHOP)
    tables = _read(source)
    assert {name: len(frame) for name, frame in tables.items()} == {
        "items": 10,
        "users": 5,
        "events": 25,
        "follows": 6,
    }
    assert set(ITEM_COLUMNS) <= set(tables["items"].columns)
    assert set(EVENT_COLUMNS) <= set(tables["events"].columns)
    items = tables["items"].drop_duplicates("id").set_index("id", drop=False)
    assert items["_line"].tolist()[:3] == [2, 4, 5]  # P1's description spans lines 2-3
    assert items.loc["P1", "description"] == "Smooth   ink,\nrefillable"
    assert items["_source"].unique().tolist() == ["items.csv"]


def test_csv_values_are_text_and_extra_item_columns_are_attributes() -> None:
    items = _read(read_canonical(SHOP))["items"].drop_duplicates("id").set_index("id", drop=False)
    assert items.loc["P1", "attributes"] == {"color": "blue", "pack": 2}
    assert items.loc["P1", "price"] == "$2.50"
    assert items.loc["P2", "categories"] == "OFFICE SUPPLIES > paper | Office > Paper > Notebooks"
    assert items.loc["P2", "attributes"] is None
    assert "color" not in items.columns


def test_bad_lines_become_rejects() -> None:
    source = read_canonical(SHOP)
    _read(source)
    assert Counter((r.source, r.line, r.table, r.reason) for r in source.rejects) == Counter(
        {
            ("items.csv", 12, "items", "malformed line (12 fields)"): 1,
            ("users.csv", 7, "users", "wrong encoding"): 1,
            ("events.jsonl", 26, "events", "unparseable json"): 1,
            ("events.jsonl", 27, "events", "not a json object"): 1,
            ("events.jsonl", 28, "events", "blank line"): 1,
            ("events.jsonl", 29, "events", "wrong encoding"): 1,
        }
    )


def test_users_keep_every_column_for_the_ingest_path_to_drop() -> None:
    users = _read(read_canonical(SHOP))["users"]
    assert {"id", "age_band", "gender", "region", "birth_year", "email", "zip"} <= set(
        users.columns
    )


def test_chunks_are_bounded(tmp_path: Path) -> None:
    source = read_canonical(SHOP, chunk_rows=4)
    assert [len(frame) for frame in source.events] == [4, 4, 4, 4, 4, 4, 1]


def test_bad_csv_quoting_is_one_reject_and_the_file_goes_on(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(
        'user_id,item_id,type\nu1,"i1"x,view\nu2,i2,view\nu3,i3\n\nu4,i4,view\n',
        encoding="utf-8",
    )
    source = read_canonical(tmp_path)
    events = _read(source)["events"]
    assert events["user_id"].tolist() == ["u2", "u4"]
    assert [(r.line, r.reason) for r in source.rejects] == [
        (2, "malformed line"),
        (4, "malformed line (2 fields)"),
        (5, "blank line"),
    ]


def test_parquet_and_jsonl_tables(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "id": ["P1", "P2"],
                "title": ["Pen", None],
                "categories": [[["Office", "Pens"]], None],
                "price": [2.5, None],
            }
        ),
        tmp_path / "items.parquet",
    )
    pq.write_table(
        pa.table({"user_id": [7, None], "item_id": ["P1", "P2"], "type": ["view", "click"]}),
        tmp_path / "events.parquet",
    )
    rows = [{"follower_id": 1, "followee_id": "u2"}, {"follower_id": "u3", "followee_id": "u1"}]
    (tmp_path / "follows.jsonl").write_text("\n".join(map(json.dumps, rows)) + "\n")
    tables = _read(read_canonical(tmp_path, chunk_rows=1))
    items = tables["items"]
    assert items["categories"].tolist() == [[["Office", "Pens"]], None]
    assert items["_line"].tolist() == [1, 2]
    assert tables["events"]["user_id"].tolist() == [7, None]  # integers stay integers
    assert tables["follows"]["follower_id"].tolist() == [1, "u3"]
    assert tables["users"].empty


def test_corrupt_parquet_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "events.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(BadInput, match=r"cannot read .*events\.parquet as Parquet"):
        read_canonical(tmp_path)


def test_folder_errors_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="dataset folder not found"):
        read_canonical(tmp_path / "nowhere")
    with pytest.raises(BadInput, match="holds no canonical table"):
        read_canonical(tmp_path)
    (tmp_path / "events.csv").write_text("user_id,item_id,type\n", encoding="utf-8")
    (tmp_path / "events.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(BadInput, match="holds the events table twice"):
        read_canonical(tmp_path)


def test_missing_required_column_is_bad_input(tmp_path: Path) -> None:
    shutil.copy(SHOP / "items.csv", tmp_path / "items.csv")
    (tmp_path / "events.csv").write_text("user,item_id,type\nu1,P1,view\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"events\.csv has no column user_id"):
        read_canonical(tmp_path)
