// 02 User interest profile
// Answers: what is this user interested in? The user's INTERESTED_IN edges by kind (category,
//   brand, topic), strongest first, with the score (1 = the user's strongest interest), the
//   number of behaviour events behind each (evidence) and the latest of them.
// Parameters:
//   $user   graph id of the user: the pseudonym (README, Privacy), not the shop's user id
//   $first  interests to show per kind
// :param {user: "a11ce000000000000000000000000001", first: 10}
MATCH (u:User {id: $user})-[r:INTERESTED_IN]->(target)
WITH CASE
       WHEN target:Category THEN 'category'
       WHEN target:Brand THEN 'brand'
       WHEN target:Topic THEN 'topic'
     END AS kind, target, r
ORDER BY r.score DESC, target.id
WITH kind, collect({target: target, r: r})[..toInteger($first)] AS top
UNWIND top AS interest
WITH kind, interest.target AS target, interest.r AS r
RETURN kind,
       target.id AS id,
       coalesce(target.label, target.name) AS name,
       r.score AS score,
       r.evidence AS evidence,
       r.last_at AS last_at,
       r.last_seq AS last_seq
ORDER BY kind, score DESC, id;
