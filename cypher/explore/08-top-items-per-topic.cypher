// 08 Top items per topic
// Answers: what is each topic about, in items? For every topic (label, size), its items with
//   the most distinct buyers, then the strongest membership weight.
// Parameters:
//   $first  items to show per topic
// :param {first: 5}
MATCH (t:Topic)
CALL (t) {
  MATCH (i:Item)-[h:HAS_TOPIC]->(t)
  WITH i, h.weight AS weight, COUNT { (:User)-[:PURCHASED]->(i) } AS buyers
  ORDER BY buyers DESC, weight DESC, i.id
  LIMIT toInteger($first)
  RETURN i, weight, buyers
}
RETURN t.id AS topic, t.label AS label, t.size AS size,
       i.id AS item, i.brand AS brand, weight, buyers
ORDER BY topic, buyers DESC, weight DESC, item;
