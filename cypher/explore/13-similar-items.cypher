// 13 Items similar to an item
// Answers: which items does the model place next to this one? Nearest items by cosine similarity
//   of the LightGCN item vectors (vector index item_embedding, as the GraphQL `similar` field),
//   with their brand and how many buyers the two share.
// Parameters:
//   $item   id of the item (the shop's item id, e.g. an ASIN)
//   $first  similar items to show
// :param {item: "B000NAIL01", first: 10}
MATCH (anchor:Item {id: $item})
// An item added after the last training run has no vector yet: no rows rather than an error.
WHERE anchor.embedding IS NOT NULL
// One more than asked for: the item finds itself first.
CALL db.index.vector.queryNodes('item_embedding', toInteger($first) + 1, anchor.embedding)
YIELD node AS other, score
WITH anchor, other, score
WHERE other <> anchor
RETURN other.id AS item, other.brand AS brand,
       // The index scores cosine as (1 + cos) / 2; this is the cosine itself.
       2 * score - 1 AS cosine,
       COUNT { (anchor)<-[:PURCHASED]-(:User)-[:PURCHASED]->(other) } AS shared_buyers
ORDER BY cosine DESC, item
LIMIT toInteger($first);
