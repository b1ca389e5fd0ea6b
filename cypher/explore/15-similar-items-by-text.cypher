// 15 Items whose text is closest to an item's
// Answers: which items are described like this one, whatever their buyers? Nearest items by
//   cosine similarity of the text embeddings (vector index item_text_embedding, title,
//   description, brand and category paths), with whether they share the item's topic and brand
//   and how many buyers they share: text neighbours nobody buys together are cross-sell leads.
// Parameters:
//   $item   id of the item (the shop's item id, e.g. an ASIN)
//   $first  similar items to show
// :param {item: "B000NAIL01", first: 10}
MATCH (anchor:Item {id: $item})
// An item not yet encoded has no text vector: no rows rather than an error.
WHERE anchor.text_embedding IS NOT NULL
// One more than asked for: the item finds itself first.
CALL db.index.vector.queryNodes('item_text_embedding', toInteger($first) + 1, anchor.text_embedding)
YIELD node AS other, score
WITH anchor, other, score
WHERE other <> anchor
RETURN other.id AS item, other.brand AS brand,
       // The index scores cosine as (1 + cos) / 2; this is the cosine itself.
       2 * score - 1 AS cosine,
       EXISTS { (anchor)-[:HAS_TOPIC]->(:Topic)<-[:HAS_TOPIC]-(other) } AS same_topic,
       EXISTS { (anchor)-[:MADE_BY]->(:Brand)<-[:MADE_BY]-(other) } AS same_brand,
       COUNT { (anchor)<-[:PURCHASED]-(:User)-[:PURCHASED]->(other) } AS shared_buyers
ORDER BY cosine DESC, item
LIMIT toInteger($first);
