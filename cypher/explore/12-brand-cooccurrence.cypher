// 12 Brands bought by the same users, with lift
// Answers: which brands go together in customers' baskets? Pairs of brands purchased by at least
//   $minUsers common users, ranked by lift: together x all buyers / (buyers of a x buyers of b),
//   where buyers are users who purchased at least one branded item. Lift > 1: the two brands share
//   customers more than chance; counts alone would only repeat the biggest brands.
// Parameters:
//   $minUsers  fewest common buyers for a pair to count (small counts give noisy lifts; on
//              Amazon Beauty 20 keeps about 2,300 of 50,000 pairs)
//   $first     pairs to show
// :param {minUsers: 1, first: 20}
CALL () {
  MATCH (u:User) WHERE EXISTS { (u)-[:PURCHASED]->(:Item)-[:MADE_BY]->(:Brand) }
  RETURN count(u) AS buyers
}
// Each user's set of purchased brands is one basket, sorted so each pair comes once (a < b).
// Starting from the brands is 3x faster than from the users (items have many buyers, one brand).
MATCH (b:Brand)<-[:MADE_BY]-(:Item)<-[:PURCHASED]-(u:User)
WITH DISTINCT buyers, u, b
ORDER BY b.id
WITH buyers, u, collect(b) AS basket
// Pairs stream into the count basket by basket (collecting all baskets into one list first runs
// out of transaction memory on the real data); i = j pairs a brand with itself, counting its buyers.
UNWIND range(0, size(basket) - 1) AS i
UNWIND range(i, size(basket) - 1) AS j
WITH buyers, basket[i] AS a, basket[j] AS b
WITH buyers, a, b, count(*) AS together
// Grouping by each side in turn puts the brand's own count next to its pairs: one pass instead
// of a count per pair (which took 7 s on Amazon Beauty).
WITH buyers, a, collect({b: b, together: together}) AS pairs
WITH buyers, a, pairs, [p IN pairs WHERE p.b = a | p.together][0] AS buyers_a
UNWIND pairs AS p
WITH buyers, a, buyers_a, p.b AS b, p.together AS together
WITH buyers, b, collect({a: a, buyers_a: buyers_a, together: together}) AS pairs
WITH buyers, b, pairs, [p IN pairs WHERE p.a = b | p.buyers_a][0] AS buyers_b
UNWIND pairs AS p
WITH buyers, p.a AS a, p.buyers_a AS buyers_a, b, buyers_b, p.together AS together
WHERE a <> b AND together >= $minUsers
RETURN a.name AS brand_a, b.name AS brand_b, together, buyers_a, buyers_b,
       toFloat(together) * buyers / (buyers_a * buyers_b) AS lift
ORDER BY lift DESC, together DESC, brand_a, brand_b
LIMIT toInteger($first);
