"""Settings from the environment, in one place, built once at start and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from interestgraph.errors import BadInput

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD_FILE_NAME = "neo4j-password"
PSEUDONYM_KEY_FILE_NAME = "pseudonym-key"


class Settings(BaseSettings):
    """Every knob of interestgraph; environment variables override the defaults.

    Neo4j credentials use the conventional ``NEO4J_*`` names; everything else is prefixed
    ``INTERESTGRAPH_``. When ``NEO4J_URI`` is unset, interestgraph manages a local server under
    ``home`` and generates its password there.
    """

    model_config = SettingsConfigDict(
        env_prefix="INTERESTGRAPH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    home: Path = Field(default=Path(".interestgraph"), description="data, logs, runs")
    data_dir: Path = Field(
        default=REPO_ROOT.parent / "shared" / "datasets",
        validation_alias=AliasChoices("INTERESTGRAPH_DATA", "data_dir"),
        description="folder holding the datasets (amazon-beauty/, ...)",
    )
    neo4j_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri")
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user")
    )
    neo4j_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password")
    )
    bolt_port: int = 7687
    http_port: int = 7474
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "512m"
    neo4j_runtime: Path = Field(
        default=REPO_ROOT / "neo4j" / "target",
        description="lib/ and plugins/ laid out by `mvn -f neo4j/pom.xml package`",
    )
    neo4j_start_timeout_s: float = 120.0
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_db_connection_timeout_s: float = Field(
        default=2.0,
        gt=0,
        description="API: seconds to get a working Neo4j connection, login included "
        "(CLI: 5 to connect, 60 in all)",
    )
    api_db_retry_s: float = Field(
        default=1.0,
        ge=0,
        description="API: seconds a read is retried while Neo4j is unreachable, before "
        "UNAVAILABLE (CLI: 15)",
    )
    api_request_timeout_s: float = Field(
        default=10.0, gt=0, description="API: longest a GraphQL request runs before TIMEOUT"
    )
    api_keys: SecretStr | None = Field(
        default=None,
        description="API keys as 'name:scope:secret' entries separated by commas, scope 'read' "
        "or 'write' (write includes read); unset: the API is open to anyone who reaches it",
    )
    api_production: bool = Field(
        default=False,
        description="production mode: API keys required, introspection and GraphiQL off",
    )
    api_max_depth: int = Field(
        default=10, ge=1, description="deepest field nesting a query may have"
    )
    api_max_cost: int = Field(
        default=5000,
        ge=1,
        description="most fields a query may resolve, each list counted `first` times",
    )
    api_max_events: int = Field(
        default=500, ge=1, description="most events one recordEvents call may send"
    )
    batch_size: int = 5000
    interest_weight_view: float = Field(default=1.0, ge=0, description="weight of one view")
    interest_weight_click: float = Field(default=1.0, ge=0, description="weight of one click")
    interest_weight_cart: float = Field(default=3.0, ge=0, description="weight of one add to cart")
    interest_weight_purchase: float = Field(default=5.0, ge=0, description="weight of a purchase")
    interest_weight_rating: float = Field(
        default=5.0, ge=0, description="weight of a rated item, times rating / 5"
    )
    interest_half_life_days: float = Field(
        default=90.0, ge=0, description="time decay half-life; 0 = no decay"
    )
    interest_category_damping: float = Field(
        default=0.5, gt=0, le=1, description="factor per level up the category tree"
    )
    interest_batch_users: int = Field(
        default=1000, ge=1, description="users per interest-profile write transaction"
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="key of the HMAC that pseudonymises shop user ids (>= 16 bytes); "
        "unset: one is generated once into <home>/pseudonym-key",
    )

    @property
    def manages_local_server(self) -> bool:
        """True when no external server is configured, so interestgraph runs its own."""
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def password_file(self) -> Path:
        return self.home / PASSWORD_FILE_NAME

    @property
    def pseudonym_key_file(self) -> Path:
        return self.home / PSEUDONYM_KEY_FILE_NAME

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    def password(self) -> str:
        """The Neo4j password: ``NEO4J_PASSWORD``, else the one generated for the local server."""
        if self.neo4j_password is not None:
            return self.neo4j_password.get_secret_value()
        if self.password_file.is_file():
            return self.password_file.read_text(encoding="utf-8").strip()
        if self.manages_local_server:
            raise BadInput(
                f"no Neo4j password yet: start the local server with `interestgraph db start` "
                f"(it generates one in {self.password_file}) or set NEO4J_PASSWORD"
            )
        raise BadInput(f"NEO4J_URI is set to {self.neo4j_uri} but NEO4J_PASSWORD is not")
