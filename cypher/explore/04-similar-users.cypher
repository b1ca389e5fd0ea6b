// 04 Users most similar to a user
// Answers: whose taste is closest to this user's? Nearest users by cosine similarity of the
//   LightGCN user vectors (vector index user_embedding), with the purchases they share.
// Parameters:
//   $user   graph id of the user: the pseudonym (README, Privacy), not the shop's user id
//   $first  similar users to show
// :param {user: "a11ce000000000000000000000000001", first: 10}
MATCH (u:User {id: $user})
// A user added after the last training run has no vector yet: no rows rather than an error.
WHERE u.embedding IS NOT NULL
// One more than asked for: the user finds itself first.
CALL db.index.vector.queryNodes('user_embedding', toInteger($first) + 1, u.embedding)
YIELD node AS other, score
WITH u, other, score
WHERE other <> u
RETURN other.id AS user,
       // The index scores cosine as (1 + cos) / 2; this is the cosine itself.
       2 * score - 1 AS cosine,
       COUNT { (u)-[:PURCHASED]->(:Item)<-[:PURCHASED]-(other) } AS shared_purchases
ORDER BY cosine DESC, user
LIMIT toInteger($first);
