"""The committed SDL matches the code, so schema changes show up in review."""

from __future__ import annotations

from interestgraph.api.schema import SDL_PATH, print_sdl


def test_committed_sdl_matches_schema() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == print_sdl(), (
        "schema.graphql is stale: run "
        "`python -c 'from interestgraph.api.schema import write_sdl; write_sdl()'` and commit it"
    )


def test_sdl_has_the_agreed_entry_points() -> None:
    sdl = print_sdl()
    for line in (
        "user(id: ID!): User!",
        "item(id: ID!): Item!",
        "recommendations(first: Int! = 10, filter: ItemFilter = null, exclude: Exclude! = "
        "INTERACTED): [Recommendation!]!",
        "interests(first: Int! = 10, kind: InterestKind = null): [Interest!]!",
        "reason: String!",
        "path: [PathNode!]!",
        "evidence: Int!",
        "similar(first: Int! = 10, filter: ItemFilter = null): [SimilarItem!]!",
        "brand: Brand",
        "categories: [Category!]!",
        "path: [String!]!",
    ):
        assert line in sdl
