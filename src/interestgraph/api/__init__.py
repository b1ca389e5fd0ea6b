"""GraphQL API over the read side: the ASGI app factory and the schema."""

from interestgraph.api.app import create_app
from interestgraph.api.schema import build_schema

__all__ = ["build_schema", "create_app"]
