// 01 Graph overview
// Answers: how big is the graph? Nodes per label and relationships per type.
// Parameters: none.
// :param {}
CALL () {
  CALL db.labels() YIELD label
  CALL (label) {
    MATCH (n:$(label))
    RETURN count(n) AS count
  }
  RETURN 'node' AS kind, label AS name, count
  UNION ALL
  CALL db.relationshipTypes() YIELD relationshipType
  CALL (relationshipType) {
    MATCH ()-[r:$(relationshipType)]->()
    RETURN count(r) AS count
  }
  RETURN 'relationship' AS kind, relationshipType AS name, count
}
// db.labels() also lists labels that only an index or constraint names (IngestChunk before any
// ingest): only what the graph holds is shown.
WITH kind, name, count WHERE count > 0
RETURN kind, name, count
ORDER BY kind, count DESC, name;
