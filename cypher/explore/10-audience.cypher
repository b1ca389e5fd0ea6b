// 10 Audience of a category, brand or topic
// Answers: who is interested in this? Users with an INTERESTED_IN edge to the category, brand or
//   topic with id $target and a score of at least $minScore, strongest first, with the size of
//   the whole audience. Ids are pseudonyms (README, Privacy): target users through the shop's
//   own pseudonymisation key, never by exporting ids elsewhere.
// Parameters:
//   $target    id of a category ("Makeup > Nails"), brand (its normalised key, e.g. "essie")
//              or topic ("topic-0")
//   $minScore  lowest interest score to count (0..1; 1 = the user's strongest interest)
//   $first     users to list
// :param {target: "Makeup > Nails", minScore: 0.5, first: 25}
CALL () {
  MATCH (t:Category {id: $target}) RETURN t, 'category' AS kind
  UNION
  MATCH (t:Brand {id: $target}) RETURN t, 'brand' AS kind
  UNION
  MATCH (t:Topic {id: $target}) RETURN t, 'topic' AS kind
}
WITH t, kind,
     COUNT { (:User)-[r:INTERESTED_IN]->(t) WHERE r.score >= $minScore } AS audience
MATCH (u:User)-[r:INTERESTED_IN]->(t)
WHERE r.score >= $minScore
RETURN kind, t.id AS target, audience,
       u.id AS user, r.score AS score, r.evidence AS evidence,
       r.last_at AS last_at, r.last_seq AS last_seq
ORDER BY score DESC, evidence DESC, user
LIMIT toInteger($first);
