// 03 User behaviour history
// Answers: what did this user do, by behaviour type? Per type the number of items and events,
//   then the most recent items with their counts, times or sequence numbers, quantity and rating.
// Parameters:
//   $user   graph id of the user: the pseudonym (README, Privacy), not the shop's user id
//   $first  most recent items to show per behaviour type
// :param {user: "a11ce000000000000000000000000001", first: 10}
MATCH (u:User {id: $user})-[r:VIEWED|CLICKED|ADDED_TO_CART|PURCHASED|RATED]->(i:Item)
ORDER BY coalesce(r.last_at, datetime({epochSeconds: 0})) DESC, r.last_seq DESC, i.id
WITH type(r) AS behaviour, collect({r: r, item: i}) AS edges
WITH behaviour, size(edges) AS items,
     reduce(total = 0, e IN edges | total + coalesce(e.r.count, 1)) AS events,
     edges[..toInteger($first)] AS recent
UNWIND recent AS e
WITH behaviour, items, events, e.r AS r, e.item AS i
RETURN behaviour, items, events,
       i.id AS item, i.brand AS brand,
       r.count AS count, r.first_at AS first_at, r.last_at AS last_at,
       r.first_seq AS first_seq, r.last_seq AS last_seq,
       r.quantity AS quantity, r.rating AS rating
ORDER BY behaviour, coalesce(last_at, datetime({epochSeconds: 0})) DESC, last_seq DESC, item;
