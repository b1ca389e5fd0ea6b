// 05 Why this recommendation: paths from a user to the items recommended to them
// Answers: which items does the model recommend to this user, and how are they connected in
//   the graph? The top items by inner product of the LightGCN vectors (as the GraphQL API
//   ranks them with `exclude: PURCHASED`; here every item is scored), each with one shortest
//   real path user -> ... -> item over behaviour, brand, category and topic edges.
//   Switch Browser to the graph view to see the paths; `steps` spells them out.
// Parameters:
//   $user     graph id of the user: the pseudonym (README, Privacy), not the shop's user id
//   $first  recommended items to show
// :param {user: "a11ce000000000000000000000000001", first: 5}
// Paths are searched up to 6 hops; an item farther away comes back with a null path.
MATCH (u:User {id: $user})
WHERE u.embedding IS NOT NULL
// Inner products from the native cosine (u.i = cos * |u| * |i|), the best re-scored exactly.
WITH u, sqrt(reduce(s = 0.0, x IN u.embedding | s + x * x)) AS user_norm
MATCH (item:Item)
WHERE item.embedding IS NOT NULL
  AND NOT (u)-[:PURCHASED]->(item)
WITH u, item, (2 * vector.similarity.cosine(u.embedding, item.embedding) - 1) * user_norm
              * sqrt(reduce(s = 0.0, x IN item.embedding | s + x * x)) AS approximate
ORDER BY approximate DESC, item.id
LIMIT toInteger($first)
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
