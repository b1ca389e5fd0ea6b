// 14 Data quality
// Answers: what in the graph is incomplete or too thin to learn from? One row per check with the
//   number of offending nodes and up to $examples of their ids: items without a category, items
//   without a brand, items nobody interacted with, users with a single behaviour event, and
//   users and items without an embedding (added after the last training run).
// Parameters:
//   $examples  ids to show per check
// :param {examples: 5}
// Each check aggregates without a grouping key, so it returns its row even when nothing fails.
CALL () {
  MATCH (i:Item) WHERE NOT EXISTS { (i)-[:IN_CATEGORY]->(:Category) }
  WITH i ORDER BY i.id
  WITH collect(i.id) AS ids
  RETURN 'items without category' AS check, ids
  UNION ALL
  MATCH (i:Item) WHERE NOT EXISTS { (i)-[:MADE_BY]->(:Brand) }
  WITH i ORDER BY i.id
  WITH collect(i.id) AS ids
  RETURN 'items without brand' AS check, ids
  UNION ALL
  MATCH (i:Item) WHERE NOT EXISTS { (:User)-[:VIEWED|CLICKED|ADDED_TO_CART|PURCHASED|RATED]->(i) }
  WITH i ORDER BY i.id
  WITH collect(i.id) AS ids
  RETURN 'items without behaviour' AS check, ids
  UNION ALL
  MATCH (u:User)
  CALL (u) {
    MATCH (u)-[r:VIEWED|CLICKED|ADDED_TO_CART|PURCHASED|RATED]->(:Item)
    RETURN sum(coalesce(r.count, 1)) AS events
  }
  WITH u WHERE events = 1
  WITH u ORDER BY u.id
  WITH collect(u.id) AS ids
  RETURN 'users with one event' AS check, ids
  UNION ALL
  MATCH (u:User) WHERE u.embedding IS NULL
  WITH u ORDER BY u.id
  WITH collect(u.id) AS ids
  RETURN 'users without embedding' AS check, ids
  UNION ALL
  MATCH (i:Item) WHERE i.embedding IS NULL
  WITH i ORDER BY i.id
  WITH collect(i.id) AS ids
  RETURN 'items without embedding' AS check, ids
}
RETURN check, size(ids) AS count, ids[..toInteger($examples)] AS examples
ORDER BY check;
