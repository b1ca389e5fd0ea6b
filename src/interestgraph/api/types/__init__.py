"""GraphQL object types, one per module, each built from a serving record by ``from_record``."""
