// 11 Items bought together with an item
// Answers: what else do this item's buyers buy? Items purchased by users who also purchased
//   $item, by the number of such users (together), with confidence (together / the item's
//   buyers) and lift (how much more often than chance: together x all buyers / (buyers of
//   $item x buyers of the other item); > 1 = bought together more than independently).
// Parameters:
//   $item   id of the item (the shop's item id, e.g. an ASIN)
//   $first  items to show
// :param {item: "B000NAIL01", first: 10}
MATCH (anchor:Item {id: $item})
WITH anchor,
     COUNT { (:User)-[:PURCHASED]->(anchor) } AS anchor_buyers,
     COUNT { (u:User) WHERE EXISTS { (u)-[:PURCHASED]->(:Item) } } AS buyers
MATCH (anchor)<-[:PURCHASED]-(u:User)-[:PURCHASED]->(other:Item)
WHERE other <> anchor
WITH anchor_buyers, buyers, other, count(DISTINCT u) AS together
ORDER BY together DESC, other.id
LIMIT toInteger($first)
WITH anchor_buyers, buyers, other, together,
     COUNT { (:User)-[:PURCHASED]->(other) } AS other_buyers
RETURN other.id AS item, other.brand AS brand, together,
       toFloat(together) / anchor_buyers AS confidence,
       toFloat(together) * buyers / (anchor_buyers * other_buyers) AS lift
ORDER BY together DESC, lift DESC, item;
