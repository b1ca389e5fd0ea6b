"""Cleans and validates chunks of the canonical ``items`` table into rows for the graph.

An item row is refused (a :class:`Reject`) when its id is missing or unusable, when the id came
earlier in the run, or when its price or currency cannot be read; everything else is repaired
and counted: text cleaned, brand spellings merged under one key, bad category paths and
attributes dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from interestgraph.ingest.cleaning import (
    CATEGORY_SEPARATOR,
    brand_key,
    clean_category_path,
    clean_description,
    clean_id,
    clean_name,
    clean_text,
    is_missing,
    split_category_paths,
)
from interestgraph.ingest.report import Reject
from interestgraph.ingest.rows import RowLocator, raw_row, records
from interestgraph.ingest.source import ITEM_COLUMNS
from interestgraph.ingest.values import clean_currency, parse_price

ATTRIBUTE_PREFIX = "attr_"
_ATTRIBUTE_NAME = re.compile(r"[^0-9a-z]+")
MAX_ATTRIBUTE_NAME = 64


@dataclass
class ItemRows:
    """One chunk of items ready to write.

    ``items``: id, title, description, price, currency, brand (display name), brand_id,
    categories (ids of the leaf of each path), attributes (``attr_<name>`` → scalar).
    ``categories``: id, name, path, level, parent (id or None), every prefix of every path.
    ``brands``: id (key), name (this chunk's spelling).
    """

    items: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    brands: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class ItemCleaner:
    """Cleans item chunks of one run; remembers ids (to refuse repeats) and brand spellings.

    Memory grows with the catalogue (ids and distinct brand spellings), never with events.
    """

    def __init__(self, cleaned: Counter[str]) -> None:
        self.cleaned = cleaned
        self._seen: set[str] = set()
        self._spellings: Counter[tuple[str, str]] = Counter()
        self._raw_spellings: set[str] = set()
        self._locator = RowLocator("items")

    def clean(self, frame: pd.DataFrame) -> ItemRows:
        """Rows to write and rows refused for one chunk."""
        out = ItemRows()
        categories: dict[str, dict[str, Any]] = {}
        brands: dict[str, str] = {}
        locations = self._locator.locate(frame)
        for (source, line), row in zip(locations, records(frame, ITEM_COLUMNS), strict=True):
            item = self._item(row)
            if isinstance(item, str):
                out.rejects.append(Reject(source, line, item, raw_row(row), "items"))
                continue
            paths = self._paths(row["categories"])
            item["categories"] = sorted({CATEGORY_SEPARATOR.join(p) for p in paths})
            for path in paths:
                for depth in range(1, len(path) + 1):
                    prefix = path[:depth]
                    categories.setdefault(
                        CATEGORY_SEPARATOR.join(prefix),
                        {
                            "id": CATEGORY_SEPARATOR.join(prefix),
                            "name": prefix[-1],
                            "path": list(prefix),
                            "level": depth - 1,
                            "parent": CATEGORY_SEPARATOR.join(prefix[:-1]) if depth > 1 else None,
                        },
                    )
            if item["brand_id"] is not None:
                brands.setdefault(item["brand_id"], item["brand"])
            out.items.append(item)
        out.categories = sorted(categories.values(), key=lambda c: (c["level"], c["id"]))
        out.brands = [{"id": key, "name": name} for key, name in sorted(brands.items())]
        return out

    def brand_names(self) -> list[dict[str, str]]:
        """Each brand key of the run with its most used spelling (ties: alphabetical)."""
        best: dict[str, tuple[int, str]] = {}
        for (key, name), uses in self._spellings.items():
            current = best.get(key)
            if current is None or (-uses, name) < (-current[0], current[1]):
                best[key] = (uses, name)
        merged = len(self._spellings) - len(best)
        if merged:
            self.cleaned["brand spelling merged"] = merged
        return [{"id": key, "name": name} for key, (_, name) in sorted(best.items())]

    def _item(self, row: dict[str, Any]) -> dict[str, Any] | str:
        """The item's properties, or the reason it is refused."""
        if is_missing(row["id"]):
            return "missing item id"
        item_id = clean_id(row["id"])
        if item_id is None:
            return "bad item id"
        if item_id in self._seen:
            return "duplicate item"
        try:
            price, written_code = parse_price(row["price"])
            currency = clean_currency(row["currency"])
        except ValueError as e:
            return str(e)
        if currency is None and written_code is not None:
            currency = written_code
            self.cleaned["currency read from price"] += 1
        self._seen.add(item_id)
        brand, brand_id = self._brand(row["brand"])
        return {
            "id": item_id,
            "title": self._text("title", row["title"]),
            "description": self._text("description", row["description"], clean_description),
            "price": price,
            "currency": currency,
            "brand": brand,
            "brand_id": brand_id,
            "attributes": self._attributes(row["attributes"]),
        }

    def _text(
        self, name: str, raw: object, clean: Callable[[object], str | None] = clean_text
    ) -> str | None:
        text = clean(raw)
        if text is not None and text != raw:
            self.cleaned[f"{name} cleaned"] += 1
        return text

    def _brand(self, raw: object) -> tuple[str | None, str | None]:
        if is_missing(raw):
            if isinstance(raw, str):
                self.cleaned["blank brand read as unknown"] += 1
            return None, None
        if not isinstance(raw, str):
            self.cleaned["brand not text, dropped"] += 1
            return None, None
        name = clean_name(raw)
        if raw not in self._raw_spellings:
            self._raw_spellings.add(raw)
            if name != raw:
                self.cleaned["brand spelling decoded"] += 1
        key = brand_key(raw)
        self._spellings[(key, name)] += 1
        return name, key

    def _paths(self, raw: object) -> list[tuple[str, ...]]:
        """The item's distinct cleaned paths; a bad path is dropped and counted, the item kept."""
        if isinstance(raw, str):
            raw = split_category_paths(raw)
        elif raw is None or (not isinstance(raw, list | tuple) and is_missing(raw)):
            return []
        if not isinstance(raw, list | tuple):
            self.cleaned["categories not a list of paths, dropped"] += 1
            return []
        paths: list[tuple[str, ...]] = []
        for path in raw:
            try:
                cleaned = clean_category_path(path)
            except ValueError as e:
                self.cleaned[f"category path dropped ({e})"] += 1
                continue
            if cleaned not in paths:
                paths.append(cleaned)
        return paths

    def _attributes(self, raw: object) -> dict[str, Any]:
        """Extra scalar attributes as ``attr_<name>`` properties; others dropped and counted."""
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raw = "not an object"
        if raw is None or (not isinstance(raw, dict) and is_missing(raw)):
            return {}
        if not isinstance(raw, dict):
            self.cleaned["attributes not an object, dropped"] += 1
            return {}
        out: dict[str, Any] = {}
        for name, value in raw.items():
            key = _ATTRIBUTE_NAME.sub("_", str(name).lower()).strip("_")[:MAX_ATTRIBUTE_NAME]
            if not key:
                self.cleaned["attribute with a blank name, dropped"] += 1
            elif isinstance(value, str):
                text = clean_text(value)
                if text is not None:
                    out[ATTRIBUTE_PREFIX + key] = text
            elif isinstance(value, bool | int) or (
                isinstance(value, float) and not is_missing(value)
            ):
                out[ATTRIBUTE_PREFIX + key] = value
            elif value is not None and not is_missing(value):
                self.cleaned["attribute not a scalar, dropped"] += 1
        return out
