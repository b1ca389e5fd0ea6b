"""Reads the Amazon Beauty dataset into tidy frames, one per node and relationship kind.

Malformed rows never stop a run and never vanish: each becomes a :class:`Reject` (written to the
rejects file and counted by reason), and everything else is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from interestgraph.errors import BadInput
from interestgraph.ingest.cleaning import brand_key, category_id, clean_id, clean_name
from interestgraph.ingest.report import Reject

ITEMS_FILE = "items.jsonl"
SEQUENCES_FILE = "sequences.txt"


@dataclass(frozen=True)
class BeautyTables:
    """One tidy frame per node and relationship kind, plus what was refused or repaired.

    Columns: ``users`` (id); ``items`` (id, brand: display name or None); ``brands`` (id, name);
    ``categories`` (id, name, path, level, parent: id or None); ``item_categories`` (item,
    category); ``item_brands`` (item, brand); ``purchases`` (user, item, seq).
    """

    users: pd.DataFrame
    items: pd.DataFrame
    brands: pd.DataFrame
    categories: pd.DataFrame
    item_categories: pd.DataFrame
    item_brands: pd.DataFrame
    purchases: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    cleaned: Counter[str] = field(default_factory=Counter)


def _require_files(dataset_dir: Path) -> tuple[Path, Path]:
    if not dataset_dir.is_dir():
        raise BadInput(f"dataset folder not found: {dataset_dir}")
    paths = (dataset_dir / ITEMS_FILE, dataset_dir / SEQUENCES_FILE)
    for path in paths:
        if not path.is_file():
            raise BadInput(f"dataset file not found: {path}")
    return paths


def _read_lines(path: Path, rejects: list[Reject]) -> tuple[list[tuple[int, str]], int]:
    """Numbered lines (from 1) of a text file and their count; non-UTF-8 lines become rejects."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e
    raw_lines = data.splitlines()
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            rejects.append(Reject(path.name, number, "not utf-8", text))
    return lines, len(raw_lines)


def _category_paths(value: Any, reject: Callable[[str], None]) -> list[tuple[str, ...]]:
    """The cleaned category paths of one item; a bad path is refused, the item is kept."""
    if value is None:
        return []
    if not isinstance(value, list):
        reject("invalid categories")
        return []
    paths: list[tuple[str, ...]] = []
    for path in value:
        if not isinstance(path, list) or not all(isinstance(name, str) for name in path):
            reject("invalid category path")
            continue
        try:
            category_id(path)
        except ValueError as e:
            reject(str(e))
            continue
        paths.append(tuple(clean_name(name) for name in path))
    return paths


def _read_items(path: Path, rejects: list[Reject]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Item rows (item, raw_brand) and item category paths (item, path) from items.jsonl."""
    lines, line_count = _read_lines(path, rejects)
    items: list[tuple[str, str | None]] = []
    paths: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for number, text in lines:

        def reject(reason: str, number: int = number, text: str = text) -> None:
            rejects.append(Reject(path.name, number, reason, text))

        if not text.strip():
            reject("blank line")
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError:
            reject("invalid json")
            continue
        if not isinstance(row, dict):
            reject("not a json object")
            continue
        if row.get("asin") is None:
            reject("missing asin")
            continue
        asin = clean_id(row["asin"])
        if asin is None:
            reject("blank or odd asin")
            continue
        if asin in seen:
            reject("duplicate asin")
            continue
        seen.add(asin)
        brand = row.get("brand")
        if brand is not None and not isinstance(brand, str):
            reject("odd brand")
            brand = None
        items.append((asin, brand))
        paths.extend((asin, p) for p in _category_paths(row.get("categories"), reject))
    return (
        pd.DataFrame(items, columns=["item", "raw_brand"], dtype=object),
        pd.DataFrame(paths, columns=["item", "path"], dtype=object),
        line_count,
    )


def _brands(
    raw_items: pd.DataFrame, cleaned: Counter[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """Brands keyed by :func:`brand_key`; each key shows its most used cleaned spelling.

    Returns the frames (items, brands, item_brands) and the number of distinct raw spellings.
    """
    frame = raw_items.dropna(subset=["raw_brand"]).copy()
    frame["name"] = frame["raw_brand"].map(clean_name)
    blank = frame["name"] == ""
    cleaned["blank brand read as unknown"] += int(blank.sum())
    frame = frame[~blank]
    frame["id"] = frame["raw_brand"].map(brand_key)
    spellings = frame.drop_duplicates("raw_brand")
    cleaned["brand spelling decoded"] += int((spellings["name"] != spellings["raw_brand"]).sum())
    usage = frame.groupby(["id", "name"]).size().rename("uses").reset_index()
    usage = usage.sort_values(["id", "uses", "name"], ascending=[True, False, True])
    brands = usage.drop_duplicates("id")[["id", "name"]].reset_index(drop=True)
    cleaned["brand spelling merged"] += len(usage) - len(brands)
    item_brands = frame[["item", "id"]].rename(columns={"id": "brand"}).reset_index(drop=True)
    display = item_brands.merge(brands, left_on="brand", right_on="id")[["item", "name"]]
    items = raw_items[["item"]].merge(display, on="item", how="left")
    items = items.rename(columns={"item": "id", "name": "brand"})
    return items, brands, item_brands, len(spellings)


def _categories(item_paths: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every category on some path (inner ones too), and each item's leaf categories."""
    prefixes = {p[:k] for p in item_paths["path"] for k in range(1, len(p) + 1)}
    categories = pd.DataFrame(
        [
            {
                "id": category_id(p),
                "name": p[-1],
                "path": list(p),
                "level": len(p) - 1,
                "parent": category_id(p[:-1]) if len(p) > 1 else None,
            }
            for p in sorted(prefixes, key=lambda p: (len(p), p))
        ],
        columns=["id", "name", "path", "level", "parent"],
    )
    item_categories = pd.DataFrame(
        {"item": item_paths["item"], "category": item_paths["path"].map(category_id)},
        columns=["item", "category"],
    ).drop_duplicates(ignore_index=True)
    return categories, item_categories


def _read_purchases(
    path: Path, item_ids: pd.Series, rejects: list[Reject]
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Users and their purchases (user, item, seq) from sequences.txt, checked against items.

    ``seq`` counts the accepted purchases of a user in file order, so it stays 0..n-1.
    """
    lines, line_count = _read_lines(path, rejects)
    tokens: list[tuple[str, int, str]] = []
    texts: dict[str, tuple[int, str]] = {}
    for number, text in lines:
        parts = text.split()
        reason = None
        if not parts:
            reason = "blank line"
        elif text[0].isspace() or clean_id(parts[0]) is None:
            reason = "blank or odd user id"
        elif len(parts) == 1:
            reason = "no items"
        elif parts[0] in texts:
            reason = "duplicate user"
        if reason is not None:
            rejects.append(Reject(path.name, number, reason, text))
            continue
        texts[parts[0]] = (number, text)
        tokens.extend((parts[0], number, item) for item in parts[1:])
    frame = pd.DataFrame(tokens, columns=["user", "line", "item"])
    unknown = ~frame["item"].isin(item_ids)
    repeated = ~unknown & frame.duplicated(["user", "item"])
    for reason, mask in (("unknown item", unknown), ("repeated item", repeated)):
        rejects.extend(
            Reject(path.name, int(line), reason, item)
            for line, item in zip(frame.loc[mask, "line"], frame.loc[mask, "item"], strict=True)
        )
    purchases = frame.loc[~unknown & ~repeated, ["user", "item"]].reset_index(drop=True)
    purchases["seq"] = purchases.groupby("user").cumcount()
    users = pd.DataFrame({"id": purchases["user"].drop_duplicates(ignore_index=True)})
    for user in texts.keys() - set(users["id"]):
        number, text = texts[user]
        rejects.append(Reject(path.name, number, "no known items", text))
    return users, purchases, line_count, len(frame)


def read_amazon_beauty(dataset_dir: Path) -> BeautyTables:
    """Read and clean the dataset in ``dataset_dir`` (items.jsonl, sequences.txt) into frames.

    Raises:
        BadInput: the folder or one of its files is missing or unreadable.
    """
    items_path, sequences_path = _require_files(dataset_dir)
    rejects: list[Reject] = []
    cleaned: Counter[str] = Counter()
    raw_items, item_paths, item_lines = _read_items(items_path, rejects)
    items, brands, item_brands, brand_spellings = _brands(raw_items, cleaned)
    categories, item_categories = _categories(item_paths)
    users, purchases, user_lines, purchase_tokens = _read_purchases(
        sequences_path, raw_items["item"], rejects
    )
    read = {
        "items": item_lines,
        "brands": brand_spellings,
        "categories": item_paths["path"].nunique(),
        "users": user_lines,
        "purchases": purchase_tokens,
    }
    return BeautyTables(
        users=users,
        items=items,
        brands=brands,
        categories=categories,
        item_categories=item_categories,
        item_brands=item_brands,
        purchases=purchases,
        rejects=sorted(rejects, key=lambda r: (r.source, r.line)),
        read=read,
        cleaned=+cleaned,  # unary plus drops the zero counts
    )
