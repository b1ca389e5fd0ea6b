"""Reads CSV, JSON Lines and Parquet files record by record; a bad record never stops a file.

Text files are read as bytes, line by line, so a line in the wrong encoding, a malformed CSV
record or unparseable JSON becomes a :class:`Reject` with its line number and the rest of the
file is read. Records come with the number of the line they start on; memory holds one record.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from interestgraph.errors import BadInput
from interestgraph.ingest.report import Reject

Record = dict[str, Any]
CSV_FIELD_LIMIT = 1 << 20  # 1 MiB: a stray quote ends as one refused record, not a stuck read


def numbered_lines(path: Path, rejects: list[Reject], table: str) -> Iterator[tuple[int, str]]:
    """``(number, text)`` of each line of ``path`` from 1, line ends removed.

    A line that is not UTF-8 becomes a ``wrong encoding`` reject; a byte order mark is dropped.

    Raises:
        BadInput: the file cannot be opened or read.
    """
    try:
        with path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                data = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    bad = data.decode("utf-8", errors="replace").rstrip("\r\n")
                    rejects.append(Reject(path.name, number, "wrong encoding", bad, table))
                    continue
                yield number, text.rstrip("\r\n")
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e


def json_records(path: Path, rejects: list[Reject], table: str) -> Iterator[tuple[int, Record]]:
    """``(line, object)`` of each JSON Lines record; blank lines, unparseable JSON and values
    that are not objects become rejects."""
    for number, text in numbered_lines(path, rejects, table):

        def reject(reason: str, number: int = number, text: str = text) -> None:
            rejects.append(Reject(path.name, number, reason, text, table))

        if not text.strip():
            reject("blank line")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            reject("unparseable json")
            continue
        if not isinstance(value, dict):
            reject("not a json object")
            continue
        yield number, value


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file (its first record), trimmed.

    Raises:
        BadInput: the file cannot be read, is empty, or its header is not UTF-8 CSV.
    """
    try:
        with path.open("rb") as lines:
            first = lines.readline().decode("utf-8-sig")
        header = next(csv.reader([first], strict=True), None)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise BadInput(f"cannot read the header of {path}: {e}") from e
    if not header:
        raise BadInput(f"{path} is empty: a CSV file starts with a header of column names")
    return [name.strip() for name in header]


def csv_records(path: Path, rejects: list[Reject], table: str) -> Iterator[tuple[int, Record]]:
    """``(line, {column: text})`` of each CSV record after the header; empty fields are None.

    Quoted fields may span lines. A record with the wrong number of fields, bad quoting or a
    blank line becomes a reject.
    """
    position = {"line": 0}
    physical: list[str] = []

    def texts() -> Iterator[str]:
        for number, text in numbered_lines(path, rejects, table):
            position["line"] = number
            physical.append(text)
            yield text + "\n"

    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(texts(), strict=True)
    header: list[str] | None = None
    while True:
        physical.clear()
        start = position["line"] + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            rejects.append(Reject(path.name, start, "malformed line", "\n".join(physical), table))
            continue
        if header is None:
            header = [name.strip() for name in fields]
            continue
        raw = "\n".join(physical)
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            rejects.append(Reject(path.name, start, "blank line", raw, table))
        elif len(fields) != len(header):
            rejects.append(
                Reject(path.name, start, f"malformed line ({len(fields)} fields)", raw, table)
            )
        else:
            yield (
                start,
                {k: (v if v.strip() else None) for k, v in zip(header, fields, strict=True)},
            )


def parquet_columns(path: Path) -> list[str]:
    """The column names of a Parquet file.

    Raises:
        BadInput: the file is not readable Parquet.
    """
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as e:
        raise BadInput(f"cannot read {path} as Parquet: {e}") from e


def parquet_records(path: Path, batch_rows: int) -> Iterator[tuple[int, Record]]:
    """``(row number from 1, record)`` of a Parquet file, read ``batch_rows`` rows at a time.

    Raises:
        BadInput: the file is not readable Parquet (a Parquet file has no lines to skip).
    """
    row = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            for record in batch.to_pylist():
                row += 1
                yield row, record
    except (OSError, pa.ArrowException) as e:
        raise BadInput(f"cannot read {path} as Parquet (after row {row}): {e}") from e
