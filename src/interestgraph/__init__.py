"""interestgraph: a user interest graph in Neo4j, learned with PyG, served over GraphQL."""

__version__ = "0.1.0"
