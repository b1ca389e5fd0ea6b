"""Cleans chunks of the canonical ``users`` and ``follows`` tables: pseudonyms and coarse
attributes only.

A user keeps its pseudonym and at most an age band, a gender and a region. A birth date, birth
year or exact age becomes an age band; every other column (names, e-mails, phone numbers,
addresses, zip codes, anything unknown) is dropped and counted per column, never stored and never
written to the rejects file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from interestgraph.ingest.cleaning import clean_id, clean_text, is_missing
from interestgraph.ingest.report import Reject
from interestgraph.ingest.rows import RowLocator, raw_row, records, shown_user
from interestgraph.ingest.source import FOLLOW_COLUMNS, LINE_COLUMN, SOURCE_COLUMN
from interestgraph.ingest.values import birth_age_band, clean_age_band

ATTRIBUTES = ("age_band", "gender", "region")
BIRTH_COLUMNS = ("birth_date", "birth_year", "date_of_birth", "dob", "age")
MAX_GENDER_CHARS = 32
MAX_REGION_CHARS = 64


@dataclass
class UserRows:
    """Users to write (``id`` = pseudonym, ``age_band``, ``gender``, ``region``) and refusals."""

    users: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


class UserCleaner:
    """Cleans user chunks of one run; remembers pseudonyms to refuse a second row per user."""

    def __init__(self, pseudonym: Callable[[str], str], cleaned: Counter[str], today: date) -> None:
        self.pseudonym = pseudonym
        self.cleaned = cleaned
        self.today = today
        self._seen: set[str] = set()
        self._locator = RowLocator("users")

    def clean(self, frame: pd.DataFrame) -> UserRows:
        out = UserRows()
        meta = {SOURCE_COLUMN, LINE_COLUMN}
        for column in frame.columns:
            if column not in ("id", *ATTRIBUTES, *BIRTH_COLUMNS, *meta):
                dropped = int((~frame[column].map(is_missing)).sum())
                if dropped:
                    self.cleaned[f"user column {column!r} dropped"] += dropped
        columns = ["id", *ATTRIBUTES, *BIRTH_COLUMNS]
        locations = self._locator.locate(frame)
        for (source, line), row in zip(locations, records(frame, columns), strict=True):
            user: dict[str, Any] = {"age_band": self._age_band(row), **self._gender_region(row)}
            user_id = clean_id(row["id"])
            reason = None
            if user_id is None:
                reason = "missing user id" if is_missing(row["id"]) else "bad user id"
            else:
                user["id"] = self.pseudonym(user_id)
                if user["id"] in self._seen:
                    reason = "duplicate user"
            if reason is not None:
                shown = {"id": shown_user(row["id"], self.pseudonym), **user}
                out.rejects.append(Reject(source, line, reason, raw_row(shown), "users"))
                continue
            self._seen.add(user["id"])
            out.users.append(user)
        return out

    def _age_band(self, row: dict[str, Any]) -> str | None:
        band = clean_age_band(row["age_band"])
        if band is None and not is_missing(row["age_band"]):
            self.cleaned["age_band not a band, dropped"] += 1
        if band is not None and band != row["age_band"]:
            self.cleaned["age_band normalised"] += 1
        for column in BIRTH_COLUMNS:
            raw = row[column]
            if is_missing(raw):
                continue
            derived = clean_age_band(raw) if column == "age" else birth_age_band(raw, self.today)
            self.cleaned[f"user column {column!r} coarsened to an age band"] += 1
            band = band or derived
        return band

    def _gender_region(self, row: dict[str, Any]) -> dict[str, str | None]:
        gender = clean_text(row["gender"])
        if gender is not None:
            gender = gender.lower()
            if len(gender) > MAX_GENDER_CHARS:
                self.cleaned["gender too long, dropped"] += 1
                gender = None
        region = clean_text(row["region"])
        if region is not None and (
            any(c.isdigit() for c in region) or len(region) > MAX_REGION_CHARS
        ):
            self.cleaned["region not coarse (digits or too long), dropped"] += 1
            region = None
        return {"gender": gender, "region": region}


@dataclass
class FollowRows:
    """FOLLOWS edges to write (``follower``, ``followee``: pseudonyms) and refusals."""

    follows: list[dict[str, str]] = field(default_factory=list)
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)


class FollowCleaner:
    """Cleans follows chunks: both ends pseudonymised; self-follows and repeats refused."""

    def __init__(self, pseudonym: Callable[[str], str]) -> None:
        self.pseudonym = pseudonym
        self._locator = RowLocator("follows")

    def clean(self, frame: pd.DataFrame) -> FollowRows:
        out = FollowRows()
        seen: set[tuple[str, str]] = set()
        locations = self._locator.locate(frame)
        for (source, line), row in zip(locations, records(frame, FOLLOW_COLUMNS), strict=True):
            ends: list[str] = []
            reason = None
            for column in FOLLOW_COLUMNS:
                user_id = clean_id(row[column])
                if user_id is None:
                    reason = reason or (
                        f"missing {column}" if is_missing(row[column]) else f"bad {column}"
                    )
                else:
                    ends.append(self.pseudonym(user_id))
            if reason is None and ends[0] == ends[1]:
                reason = "self follow"
            if reason is not None:
                shown = {c: shown_user(row[c], self.pseudonym) for c in FOLLOW_COLUMNS}
                out.rejects.append(Reject(source, line, reason, raw_row(shown), "follows"))
                continue
            pair = (ends[0], ends[1])
            if pair in seen:
                out.duplicates += 1
                continue
            seen.add(pair)
            out.follows.append({"follower": pair[0], "followee": pair[1]})
        return out
