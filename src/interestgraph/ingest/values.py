"""Pure parsing of the values in shop exports: prices, currencies, event times, age bands.

Prices come written for people (``"$1,234.50"``, ``"12,50 €"``), times as ISO 8601 text or epoch
seconds, ages as bands, birth dates or years; the graph stores numbers, UTC datetimes, and only
coarse age bands.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from interestgraph.ingest.cleaning import is_missing

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_PRICE_SYMBOLS = re.compile(r"[$€£¥₹]|US\$")
AGE_BANDS = ((18, "<18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64"))
OLDEST_BAND = "65+"
_EPOCH = re.compile(r"[0-9]+(\.[0-9]+)?")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_BAND = re.compile(r"(?:(\d{1,3})\s*[-–]\s*(\d{1,3})|(\d{1,3})\s*\+|(?:<|under)\s*(\d{1,3}))")


def parse_price(raw: object) -> tuple[float | None, str | None]:
    """A price as a number, and the currency code written next to it (``"12.50 EUR"``), if any.

    Accepts numbers and text such as ``"12.50"``, ``"$12.50"``, ``"12,50"``, ``"1,234.50"``,
    ``"1.234,50 €"``: the last of ``.``/``,`` is the decimal mark when both occur; a lone ``,``
    is a decimal mark unless exactly three digits follow it.

    Raises:
        ValueError: ``"bad price"`` (not a number) or ``"negative price"``.
    """
    if is_missing(raw):
        return None, None
    if isinstance(raw, bool):
        raise ValueError("bad price")
    if isinstance(raw, int | float):
        value = float(raw)
        code = None
    elif isinstance(raw, str):
        value, code = _parse_price_text(raw)
    else:
        raise ValueError("bad price")
    if not math.isfinite(value):
        raise ValueError("bad price")
    if value < 0:
        raise ValueError("negative price")
    return value, code


def _parse_price_text(raw: str) -> tuple[float, str | None]:
    text = raw.strip().replace("\u00a0", " ")
    codes = [c for c in re.findall(r"[A-Za-z]{3}", text) if c.upper() == c]
    code = codes[0] if len(codes) == 1 else None
    if code is not None:
        text = text.replace(code, "")
    text = _PRICE_SYMBOLS.sub("", text).replace(" ", "").replace("'", "")
    negative = text.startswith("-")
    text = text.removeprefix("-").removeprefix("+")
    decimal: str | None = None
    thousands: str | None = None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
    elif "," in text:
        single = text.count(",") == 1 and len(text.rpartition(",")[2]) != 3
        decimal, thousands = ("," if single else None), (None if single else ",")
    elif "." in text:
        single = text.count(".") == 1
        decimal, thousands = ("." if single else None), (None if single else ".")
    integer, _, fraction = text.partition(decimal) if decimal else (text, "", "")
    if thousands is not None and thousands in integer:
        if not re.fullmatch(rf"[0-9]{{1,3}}(\{thousands}[0-9]{{3}})+", integer):
            raise ValueError("bad price")
        integer = integer.replace(thousands, "")
    if not integer.isdigit() or (decimal is not None and not fraction.isdigit()):
        raise ValueError("bad price")
    value = float(f"{integer}.{fraction or 0}")
    return (-value if negative else value), code


def clean_currency(raw: object) -> str | None:
    """An ISO 4217 currency code in upper case, or None when absent.

    Raises:
        ValueError: ``"bad currency"``: not three letters.
    """
    if is_missing(raw):
        return None
    if not isinstance(raw, str):
        raise ValueError("bad currency")
    code = raw.strip().upper()
    if not _CURRENCY_CODE.fullmatch(code):
        raise ValueError("bad currency")
    return code


def age_band(age: int) -> str:
    """The band of an age in years: ``<18``, ``18-24``, ``25-34``, ... , ``65+``."""
    for upper, band in AGE_BANDS:
        if age < upper:
            return band
    return OLDEST_BAND


def birth_age_band(raw: object, today: date) -> str | None:
    """The age band of a birth date (ISO text or date) or a birth year, on ``today``.

    Returns None when the value is absent or not a plausible birth date or year; the raw value
    itself is never kept.
    """
    if is_missing(raw):
        return None
    born: date | None = None
    if isinstance(raw, date):
        born = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        born = date(int(raw), 7, 1) if 1 <= int(raw) <= 9999 else None
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            born = date(int(text), 7, 1) if text.isdigit() else date.fromisoformat(text[:10])
        except ValueError:
            born = None
    if born is None or born > today or today.year - born.year > 120:
        return None
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age_band(age)


def clean_age_band(raw: object) -> str | None:
    """A coarse age band as given (``"25–34"`` → ``"25-34"``, ``"65 +"`` → ``"65+"``); an exact
    age is coarsened to its band; None when absent or not a band."""
    if is_missing(raw):
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        return age_band(int(raw)) if 0 <= raw <= 120 else None
    if not isinstance(raw, str):
        return None
    text = raw.strip().lower()
    if text.isdigit():
        return age_band(int(text)) if int(text) <= 120 else None
    match = _BAND.fullmatch(text)
    if match is None:
        return None
    low, high, plus, under = match.groups()
    if low is not None:
        return f"{int(low)}-{int(high)}" if int(high) - int(low) >= 4 else None
    return f"{int(plus)}+" if plus is not None else f"<{int(under)}"


def parse_timestamp(raw: object) -> datetime | None:
    """An event time in UTC from ISO 8601 text, epoch seconds, or a date/datetime; None when absent.

    Times without a zone are read as UTC.

    Raises:
        ValueError: ``"bad timestamp"``: unparseable, or outside the years 1970 to 2100.
    """
    if is_missing(raw):
        return None
    moment: datetime
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        moment = _from_epoch(float(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if _EPOCH.fullmatch(text):
            moment = _from_epoch(float(text))
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError as e:
                raise ValueError("bad timestamp") from e
    else:
        raise ValueError("bad timestamp")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not EARLIEST <= moment < LATEST:
        raise ValueError("bad timestamp")
    return moment


def _from_epoch(seconds: float) -> datetime:
    if not math.isfinite(seconds) or not 0 <= seconds < LATEST.timestamp():
        raise ValueError("bad timestamp")
    return datetime.fromtimestamp(seconds, UTC)
