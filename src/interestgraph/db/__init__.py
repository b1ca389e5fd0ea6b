"""Neo4j access: the local server manager, the driver, the schema."""
