"""Cypher for the read side, kept together so it can be reviewed and explained as a whole.

Every value comes in as a ``$`` parameter. Index names are the ones docs/graph-model.md fixes.
"""

USER_STATUS_QUERY = """
MATCH (u:User {id: $user_id})
RETURN u.embedding IS NOT NULL AS trained,
       COUNT { (u)-[:PURCHASED]->(:Item) } AS purchased,
       COUNT { (:Item) } AS items
"""

# The user's vector with a 0 appended is the nearest-neighbour query for the MIPS-augmented
# item vectors, so the euclidean top-k are the top-k by inner product. The index hands back its
# global top-k before any filter, hence the caller grows $k until $first unpurchased items remain.
# Candidates are re-ranked by the exact inner product of the raw embeddings.
RECOMMEND_QUERY = """
MATCH (u:User {id: $user_id})
CALL db.index.vector.queryNodes('item_search_vector', $k, u.embedding + [0.0])
YIELD node AS item
WITH u, item
WHERE NOT (u)-[:PURCHASED]->(item)
WITH item,
     reduce(dot = 0.0, i IN range(0, size(u.embedding) - 1)
            | dot + u.embedding[i] * item.embedding[i]) AS score
ORDER BY score DESC, item.id
LIMIT $first
RETURN item.id AS item_id, score
"""

ITEM_STATUS_QUERY = """
MATCH (item:Item {id: $item_id})
RETURN item.embedding IS NOT NULL AS trained, COUNT { (:Item) } AS items
"""

# vector.similarity.cosine is normalised to [0, 1]; 2s - 1 turns it back into the cosine.
SIMILAR_QUERY = """
MATCH (item:Item {id: $item_id})
CALL db.index.vector.queryNodes('item_embedding', $k, item.embedding)
YIELD node AS other
WITH item, other
WHERE other <> item
WITH other, 2 * vector.similarity.cosine(item.embedding, other.embedding) - 1 AS score
ORDER BY score DESC, other.id
LIMIT $first
RETURN other.id AS item_id, score
"""

# Each purchase counts once for its brand and once for every category it reaches: the item's
# leaf categories and all their ancestors (DISTINCT, so two leaves under one parent count once).
# OPTIONAL CALL keeps one row for a user without purchases, telling them apart from unknown ids.
INTERESTS_QUERY = """
MATCH (u:User {id: $user_id})
WITH u, COUNT { (u)-[:PURCHASED]->(:Item) } AS purchases
OPTIONAL CALL (u) {
  MATCH (u)-[:PURCHASED]->(i:Item)-[:MADE_BY]->(b:Brand)
  RETURN 'brand' AS kind, b.id AS id, b.name AS name, count(DISTINCT i) AS count
  UNION ALL
  MATCH (u)-[:PURCHASED]->(i:Item)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
  RETURN 'category' AS kind, c.id AS id, c.name AS name, count(DISTINCT i) AS count
}
WITH kind, id, name, count, CASE WHEN kind IS NULL THEN NULL
                                 ELSE toFloat(count) / purchases END AS score
ORDER BY score DESC, name, kind, id
LIMIT $first
RETURN kind, id, name, count, score
"""

ITEM_DETAILS_QUERY = """
UNWIND $ids AS item_id
MATCH (item:Item {id: item_id})
RETURN item.id AS id,
       head(COLLECT { MATCH (item)-[:MADE_BY]->(b:Brand) RETURN b {.id, .name} ORDER BY b.id })
         AS brand,
       COLLECT { MATCH (item)-[:IN_CATEGORY]->(c:Category)
                 RETURN c {.id, .name, .path} ORDER BY c.id } AS categories
"""
