// 16 Segments of the current run
// Answers: which groups of users with shared interests are there, how large, and what sets each
//   apart? The segments of the latest `interestgraph segments run`, largest first: their top
//   categories with lift (share in the segment over share of all users) and brands, and their
//   key users (most similar to the rest of their segment). Ids are pseudonyms (README, Privacy).
// Parameters:
//   $keyUsers  key users to list per segment
// :param {keyUsers: 3}
MATCH (run:SegmentRun {current: true})
MATCH (s:Segment {run: run.id})
CALL (s) {
  MATCH (s)<-[m:IN_SEGMENT]-(u:User)
  WITH u, m ORDER BY m.centrality DESC, u.id
  RETURN collect(u.id)[..toInteger($keyUsers)] AS key_users
}
RETURN s.id AS segment, s.label AS label, s.size AS users, round(100 * s.share, 1) AS percent,
       [k IN range(0, size(coalesce(s.top_category, [])) - 1) |
        s.top_category[k] + ' ×' + toString(round(s.top_category_lift[k], 1))] AS categories,
       coalesce(s.top_brand, []) AS brands, key_users,
       run.algorithm + ' on ' + run.backend AS method, round(run.modularity, 3) AS modularity
ORDER BY users DESC, segment;
