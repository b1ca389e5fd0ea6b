// 17 Members of a segment and what ties them together
// Answers: who is in this segment, and why? Its most central users, each with their strongest
//   interests and the fellow members most similar to them (SIMILAR_TO: the user–user projection
//   the segments were found in). Ids are pseudonyms (README, Privacy).
// Parameters:
//   $segment  segment id, e.g. "seg-0001" (query 16 lists them)
//   $first    members to list
// :param {segment: "seg-0001", first: 25}
MATCH (s:Segment {id: $segment})<-[m:IN_SEGMENT]-(u:User)
WITH s, u, m ORDER BY m.centrality DESC, u.id LIMIT toInteger($first)
CALL (u) {
  OPTIONAL MATCH (u)-[r:INTERESTED_IN]->(t)
  WITH t, r ORDER BY r.score DESC LIMIT 3
  RETURN collect(coalesce(t.name, t.label, t.id)) AS interests
}
CALL (s, u) {
  OPTIONAL MATCH (u)-[sim:SIMILAR_TO]-(other:User)-[:IN_SEGMENT]->(s)
  WITH other, sim ORDER BY sim.weight DESC, other.id LIMIT 3
  RETURN collect(other.id) AS most_similar_members
}
RETURN u.id AS user, m.centrality AS centrality, interests, most_similar_members
ORDER BY centrality DESC, user;
