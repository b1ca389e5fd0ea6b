"""Parsing prices, currencies, event times and age bands as shops write them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from interestgraph.ingest.values import (
    age_band,
    birth_age_band,
    clean_age_band,
    clean_currency,
    parse_price,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.50", (12.5, None)),
        ("$12.50", (12.5, None)),
        ("12,50", (12.5, None)),
        ("1,234.50", (1234.5, None)),
        ("1.234,50 €", (1234.5, None)),
        ("1 234,50", (1234.5, None)),
        ("1,234", (1234.0, None)),
        ("12.50 EUR", (12.5, "EUR")),
        ("USD 3", (3.0, "USD")),
        (7, (7.0, None)),
        (0.5, (0.5, None)),
        (None, (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_price(raw: object, expected: tuple[float | None, str | None]) -> None:
    assert parse_price(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-3.00", "negative price"),
        (-1, "negative price"),
        ("abc", "bad price"),
        ("12.5.3,1", "bad price"),
        (True, "bad price"),
        (float("inf"), "bad price"),
    ],
)
def test_parse_price_refuses(raw: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_price(raw)


def test_clean_currency() -> None:
    assert clean_currency(" eur ") == "EUR"
    assert clean_currency(None) is None
    for bad in ("euro", "€", 978):
        with pytest.raises(ValueError, match="bad currency"):
            clean_currency(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01T10:05:00+01:00", datetime(2024, 3, 1, 9, 5, tzinfo=UTC)),
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01 10:00:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        (1709287800, datetime(2024, 3, 1, 10, 10, tzinfo=UTC)),
        ("1709287800.5", datetime(2024, 3, 1, 10, 10, 0, 500000, tzinfo=UTC)),
        (date(2024, 3, 1), datetime(2024, 3, 1, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_parse_timestamp(raw: object, expected: datetime | None) -> None:
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize(
    "raw", ["yesterday", "2024-13-01", "1700000000000", -5, "1850-01-01", True, [2024]]
)
def test_parse_timestamp_refuses(raw: object) -> None:
    with pytest.raises(ValueError, match="bad timestamp"):
        parse_timestamp(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-06-15", "25-34"),  # 34 on 2025-06-14
        ("1990-06-14", "35-44"),  # 35 that day
        (1990, "25-34"),  # a year alone counts from 1 July: 34 on 2025-06-14
        ("2010", "<18"),
        ("1950-01-01", "65+"),
        ("2030-01-01", None),
        ("not a date", None),
        (None, None),
    ],
)
def test_birth_age_band(raw: object, expected: str | None) -> None:
    assert birth_age_band(raw, date(2025, 6, 14)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("25\u201334", "25-34"),
        ("25 - 34", "25-34"),
        ("65 +", "65+"),
        ("under 18", "<18"),
        ("34", "25-34"),
        (41, "35-44"),
        ("30-31", None),  # two years is not a band
        ("adult", None),
        (None, None),
    ],
)
def test_clean_age_band(raw: object, expected: str | None) -> None:
    assert clean_age_band(raw) == expected


def test_age_band_edges() -> None:
    assert [age_band(a) for a in (17, 18, 24, 25, 64, 65)] == [
        "<18",
        "18-24",
        "18-24",
        "25-34",
        "55-64",
        "65+",
    ]
