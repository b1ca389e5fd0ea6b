"""One root exception for everything the product expects to go wrong, with specific subclasses.

The CLI prints these as one line; the GraphQL layer maps each to an error code. Anything else is a
bug and is masked.

Subclass names say what went wrong (``NotFound``, ``BadInput``), as STYLE.md and the GraphQL codes
do, rather than carry an ``Error`` suffix; hence the ``noqa: N818`` on those classes.
"""


class InterestGraphError(Exception):
    """Root of every error interestgraph raises on purpose."""

    code = "INTERNAL"


class BadInput(InterestGraphError):  # noqa: N818
    """The caller gave something unusable: a bad argument, a missing file, a malformed dataset."""

    code = "BAD_INPUT"


class NotFound(InterestGraphError):  # noqa: N818
    """An id that does not exist in the graph."""

    code = "NOT_FOUND"


class Unauthenticated(InterestGraphError):  # noqa: N818
    """An API request without a valid API key where keys are required."""

    code = "UNAUTHENTICATED"


class Forbidden(InterestGraphError):  # noqa: N818
    """A valid API key whose scope does not allow the operation (a read key and a mutation)."""

    code = "FORBIDDEN"


class TooComplex(InterestGraphError):  # noqa: N818
    """A query nested deeper, or asking for more fields, than the API's limits allow."""

    code = "TOO_COMPLEX"


class DatabaseUnavailable(InterestGraphError):  # noqa: N818
    """Neo4j cannot be reached (not started, wrong address, stopped while running)."""

    code = "UNAVAILABLE"


class DatabaseAuthError(InterestGraphError):
    """Neo4j refused the configured credentials."""

    code = "UNAUTHENTICATED"


class ServerStartError(InterestGraphError):
    """The local Neo4j server could not be installed or did not come up."""

    code = "UNAVAILABLE"


class SchemaError(InterestGraphError):
    """A schema statement was refused, or an index failed or did not come ONLINE in time."""

    code = "NOT_READY"


class NotTrained(InterestGraphError):  # noqa: N818
    """A query needs embeddings that no training run has written yet."""

    code = "NOT_READY"
