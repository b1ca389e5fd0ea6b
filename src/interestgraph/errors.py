"""One root exception for everything the product expects to go wrong, with specific subclasses.

The CLI prints these as one line; the GraphQL layer maps each to an error code. Anything else is a
bug and is masked.
"""


class InterestGraphError(Exception):
    """Root of every error interestgraph raises on purpose."""

    code = "INTERNAL"


class BadInput(InterestGraphError):
    """The caller gave something unusable: a bad argument, a missing file, a malformed dataset."""

    code = "BAD_INPUT"


class NotFound(InterestGraphError):
    """An id that does not exist in the graph."""

    code = "NOT_FOUND"


class DatabaseUnavailable(InterestGraphError):
    """Neo4j cannot be reached (not started, wrong address, stopped while running)."""

    code = "UNAVAILABLE"


class DatabaseAuthError(InterestGraphError):
    """Neo4j refused the configured credentials."""

    code = "UNAUTHENTICATED"


class ServerStartError(InterestGraphError):
    """The local Neo4j server could not be installed or did not come up."""

    code = "UNAVAILABLE"


class NotTrained(InterestGraphError):
    """A query needs embeddings that no training run has written yet."""

    code = "NOT_READY"
