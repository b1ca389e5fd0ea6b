// 05 Why this recommendation: paths from a user to the items recommended to them
// Answers: which items does the model recommend to this user, and how are they connected in
//   the graph? The top items by inner product of the LightGCN vectors (vector index
//   item_search_vector, as the GraphQL API ranks them, purchases left out), each with one
//   shortest real path user -> ... -> item over behaviour, brand, category and topic edges.
//   Switch Browser to the graph view to see the paths; `steps` spells them out.
// Parameters:
//   $user     graph id of the user: the pseudonym (README, Privacy), not the shop's user id
//   $first  recommended items to show
// :param {user: "a11ce000000000000000000000000001", first: 5}
// Paths are searched up to 6 hops; an item farther away comes back with a null path.
MATCH (u:User {id: $user})
WHERE u.embedding IS NOT NULL
// The user's vector with a 0 appended is the nearest-neighbour query for the MIPS-augmented
// search vectors; asking for as many extra items as the user bought leaves $first unbought ones.
WITH u, toInteger($first) + COUNT { (u)-[:PURCHASED]->(:Item) } AS k
CALL db.index.vector.queryNodes('item_search_vector', k, u.embedding + [0.0])
YIELD node AS item
WITH u, item
WHERE NOT (u)-[:PURCHASED]->(item)
WITH u, item,
     reduce(dot = 0.0, d IN range(0, size(u.embedding) - 1)
            | dot + u.embedding[d] * item.embedding[d]) AS score
ORDER BY score DESC, item.id
LIMIT toInteger($first)
OPTIONAL CALL (u, item) {
  MATCH p = SHORTEST 1 (u)-[:VIEWED|CLICKED|ADDED_TO_CART|PURCHASED|RATED|MADE_BY|IN_CATEGORY|SUBCATEGORY_OF|HAS_TOPIC|INTERESTED_IN]-{1,6}(item)
  RETURN p
}
RETURN item.id AS item, item.brand AS brand, score,
       length(p) AS hops,
       [n IN nodes(p) | labels(n)[0] + ' ' + coalesce(n.label, n.name, n.id)] AS steps,
       [r IN relationships(p) | type(r)] AS via,
       p AS path
ORDER BY score DESC, item;
