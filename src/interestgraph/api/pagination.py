"""Relay cursor pagination: ``PageInfo`` and opaque cursors (base64 of a small JSON value).

A cursor a client altered or made up is BAD_INPUT, never a server error.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import strawberry

from interestgraph.errors import BadInput


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(kind: str, value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, value]).encode("utf-8")).decode("ascii")


def decode_cursor(kind: str, cursor: str) -> Any:
    """The value in a cursor of ``kind``; BAD_INPUT for anything else."""
    try:
        decoded_kind, value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, TypeError, UnicodeError, binascii.Error) as e:
        raise BadInput(f"not a cursor of this list: '{cursor}'") from e
    if decoded_kind != kind:
        raise BadInput(f"not a cursor of this list: '{cursor}'")
    return value
