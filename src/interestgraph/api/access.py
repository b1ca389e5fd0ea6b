"""API keys and their scopes: who is calling, and whether they may read or also write.

Keys come from configuration only (``INTERESTGRAPH_API_KEYS``, entries ``name:scope:secret``),
never from git. The process keeps SHA-256 digests, not the secrets, and compares a presented key
with every digest in constant time, so neither logs nor timing tell which key nearly matched.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from interestgraph.config import Settings
from interestgraph.errors import BadInput, Forbidden, Unauthenticated

API_KEY_HEADER = "X-API-Key"
MIN_SECRET_LENGTH = 16


class Scope(StrEnum):
    """What a key may do: ``write`` includes ``read``."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class ApiKey:
    name: str
    scope: Scope
    digest: bytes


@dataclass(frozen=True)
class Access:
    """The caller of one request: a key's name and scope, or nobody (no or a wrong key)."""

    name: str | None
    scopes: frozenset[Scope]
    reason: str = ""

    def require(self, scope: Scope) -> None:
        """UNAUTHENTICATED without a valid key, FORBIDDEN when the key lacks ``scope``."""
        if self.name is None:
            raise Unauthenticated(self.reason or f"send a valid API key in {API_KEY_HEADER}")
        if scope not in self.scopes:
            raise Forbidden(f"API key '{self.name}' may not {scope.value}")


OPEN_ACCESS = Access("anonymous", frozenset(Scope))
"""Everyone's access when no keys are configured (development)."""


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


@dataclass(frozen=True)
class ApiKeys:
    """The configured keys; empty means the API is open."""

    keys: tuple[ApiKey, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiKeys:
        """Parse ``api_keys``; BAD_INPUT for a malformed entry, a short secret or a repeated
        name, and when production mode has no keys."""
        raw = settings.api_keys.get_secret_value() if settings.api_keys is not None else ""
        keys: list[ApiKey] = []
        for n, entry in enumerate(e.strip() for e in raw.split(",") if e.strip()):
            parts = entry.split(":", 2)
            if len(parts) != 3 or not parts[0].strip():
                raise BadInput(f"INTERESTGRAPH_API_KEYS entry {n + 1} is not 'name:scope:secret'")
            name, scope, secret = (p.strip() for p in parts)
            if scope not in {s.value for s in Scope}:
                raise BadInput(f"API key '{name}': scope must be 'read' or 'write', got '{scope}'")
            if len(secret) < MIN_SECRET_LENGTH:
                raise BadInput(
                    f"API key '{name}': the secret must have at least {MIN_SECRET_LENGTH} "
                    "characters"
                )
            if any(k.name == name for k in keys):
                raise BadInput(f"API key name '{name}' is given twice")
            keys.append(ApiKey(name, Scope(scope), _digest(secret)))
        if settings.api_production and not keys:
            raise BadInput("production mode needs API keys: set INTERESTGRAPH_API_KEYS")
        return cls(tuple(keys))

    @property
    def required(self) -> bool:
        return bool(self.keys)

    def authenticate(self, presented: str | None) -> Access:
        """The access of a request that sent ``presented`` in the key header (or nothing)."""
        if not self.required:
            return OPEN_ACCESS
        if not presented:
            return Access(None, frozenset(), f"this API needs a key in the {API_KEY_HEADER} header")
        digest = _digest(presented)
        found: ApiKey | None = None
        for key in self.keys:  # every key compared, so the time does not tell which matched
            if hmac.compare_digest(digest, key.digest):
                found = key
        if found is None:
            return Access(None, frozenset(), "unknown API key")
        scopes = frozenset(Scope) if found.scope is Scope.WRITE else frozenset({Scope.READ})
        return Access(found.name, scopes)
