"""Cypher for the read side, kept together so it can be reviewed and explained as a whole.

Every value comes in as a ``$`` parameter. Index names are the ones docs/graph-model.md fixes.
"""

# The items of a filter: the category's whole subtree, the brand's items, or both at once. A
# null $category or $brand matches no node, so the UNION branch of the other one decides.
_FILTER_ITEMS = """
  CALL () {
    MATCH (:Category {id: $category})<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(item:Item)
    WHERE $brand IS NULL OR EXISTS { (item)-[:MADE_BY]->(:Brand {id: $brand}) }
    RETURN item
    UNION
    MATCH (:Brand {id: $brand})<-[:MADE_BY]-(item:Item)
    WHERE $category IS NULL
    RETURN item
  }
"""

_IN_FILTER = """
  ($brand IS NULL OR EXISTS { (item)-[:MADE_BY]->(:Brand {id: $brand}) })
  AND ($category IS NULL OR EXISTS {
    (item)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category})
  })
"""


# Every read below that starts from users or items takes a list of them, so the API's DataLoaders
# send one query for all the objects of one field level.
USER_STATUS_QUERY = """
UNWIND $user_ids AS user_id
MATCH (u:User {id: user_id})
RETURN user_id, u.embedding IS NOT NULL AS trained,
       COUNT { (u)-[:PURCHASED]->(:Item) } AS purchased
"""


def recommend_context_query(seen_types: tuple[str, ...]) -> str:
    """What recommendations need from the graph, in one read for many users: each user's vector, the
    active model (whose item vectors serving/item_vectors.py holds) and the ids of the user's
    items of ``seen_types`` (relationship type names from export/graph_spec.py, never from a
    request)."""
    seen = (
        f"COLLECT {{ MATCH (u)-[:{'|'.join(seen_types)}]->(item:Item) RETURN DISTINCT item.id }}"
        if seen_types
        else "[]"
    )
    return f"""
CALL () {{
  OPTIONAL MATCH (m:EmbeddingModel {{active: true}})
  RETURN m ORDER BY m.trained_at DESC LIMIT 1
}}
UNWIND $user_ids AS user_id
MATCH (u:User {{id: user_id}})
RETURN user_id, u.embedding AS embedding, u.embedding_model AS user_model, m.id AS model_id,
       m.trained_at AS trained_at, {seen} AS seen
"""


# Whether the filter's category and brand exist, and how many items it admits.
FILTER_STATUS_QUERY = (
    """
RETURN EXISTS { (:Category {id: $category}) } AS category_found,
       EXISTS { (:Brand {id: $brand}) } AS brand_found,
       COUNT {"""
    + _FILTER_ITEMS
    + """    RETURN item } AS candidates
"""
)

# The ids a filter admits, for recommendations to score among.
FILTER_ITEMS_QUERY = (
    """
RETURN EXISTS { (:Category {id: $category}) } AS category_found,
       EXISTS { (:Brand {id: $brand}) } AS brand_found,
       COLLECT {"""
    + _FILTER_ITEMS
    + """    RETURN item.id } AS ids
"""
)

ITEM_STATUS_QUERY = """
UNWIND $item_ids AS item_id
MATCH (item:Item {id: item_id})
RETURN item_id, item.embedding IS NOT NULL AS trained, COUNT { (:Item) } AS items
"""

# vector.similarity.cosine is normalised to [0, 1]; 2s - 1 turns it back into the cosine.
SIMILAR_QUERY = f"""
UNWIND $item_ids AS self_id
MATCH (self:Item {{id: self_id}})
CALL (self) {{
  CALL db.index.vector.queryNodes('item_embedding', $k, self.embedding)
  YIELD node AS item
  WITH self, item
  WHERE item <> self AND {_IN_FILTER}
  WITH item, 2 * vector.similarity.cosine(self.embedding, item.embedding) - 1 AS score
  ORDER BY score DESC, item.id
  LIMIT $first
  RETURN collect([item.id, score]) AS found
}}
RETURN self_id, found
"""

SIMILAR_EXACT_QUERY = (
    """
UNWIND $item_ids AS self_id
MATCH (self:Item {id: self_id})
CALL (self) {"""
    + _FILTER_ITEMS
    + """
  WITH self, item
  WHERE item <> self AND item.embedding IS NOT NULL
  WITH item, 2 * vector.similarity.cosine(self.embedding, item.embedding) - 1 AS score
  ORDER BY score DESC, item.id
  LIMIT $first
  RETURN collect([item.id, score]) AS found
}
RETURN self_id, found
"""
)

# The user's INTERESTED_IN edges (interests.refresh_interests builds them), strongest first.
# One row per known user (with an empty list when it has no profile), so unknown ids stand out.
# Types, labels and properties go through type(), labels() and properties(), so a graph without
# profiles or topics yet raises no "does not exist" warning.
INTERESTS_QUERY = """
UNWIND $user_ids AS user_id
MATCH (u:User {id: user_id})
RETURN user_id, COLLECT {
  MATCH (u)-[r]->(t)
  WHERE type(r) = 'INTERESTED_IN'
  WITH properties(r) AS r, t, properties(t) AS node,
       CASE WHEN 'Category' IN labels(t) THEN 'category' WHEN 'Brand' IN labels(t) THEN 'brand'
            WHEN 'Topic' IN labels(t) THEN 'topic' END AS kind
  WHERE kind IS NOT NULL AND ($kind IS NULL OR kind = $kind)
  WITH kind, t.id AS id, coalesce(node.name, node.label, t.id) AS name, r.score AS score,
       r.evidence AS evidence, r.last_at AS last_at
  ORDER BY score DESC, name, kind, id
  LIMIT $first
  RETURN {kind: kind, id: id, name: name, score: score, evidence: evidence, last_at: last_at}
} AS interests
"""

ITEM_DETAILS_QUERY = """
UNWIND $ids AS item_id
MATCH (item:Item {id: item_id})
RETURN item.id AS id,
       head(COLLECT { MATCH (item)-[:MADE_BY]->(b:Brand) RETURN b {.id, .name} ORDER BY b.id })
         AS brand,
       COLLECT { MATCH (item)-[:IN_CATEGORY]->(c:Category)
                 RETURN c {.id, .name, .path} ORDER BY c.id } AS categories
"""

# Explanations (serving/explain.py), for many users' lists at once ($requests: {user_id,
# item_ids}): per recommended item, the best candidate path of each kind,
# then the strongest (ties: co_purchase, brand, category, topic, collaborative). `mine` is the
# user's history: purchases, else any interaction, most recent first, the item itself left out.
# `via` is the history item the path runs through: the most recent one that qualifies (for
# co_purchase and collaborative: the one with the most co-buyers). `neighbours` (who share an
# item of `mine`) is counted per item, as `mine` leaves that item out. `touched` gets its own
# WITH: Neo4j rejects a COLLECT with an aggregation inside a CASE next to other variables.
# Items come back as {id, title, brand, category (the deepest)}, for explain.item_name.
# Labels and optional properties go through labels() and properties(), as in INTERESTS_QUERY;
# the hot co-buyer and neighbour expansions name their relationship types, so Neo4j expands only
# those (1.5x faster on Amazon Office; db/connection.py turns "unknown type" notifications off).
EXPLAIN_QUERY = """
UNWIND $requests AS request
MATCH (u:User {id: request.user_id})
WITH u, request.item_ids AS item_ids, COLLECT {
  MATCH (u)-[p]->(x:Item)
  WHERE type(p) = 'PURCHASED'
  WITH x, properties(p) AS p
  RETURN x ORDER BY coalesce(p.last_at, datetime('1970-01-01T00:00:00Z')) DESC,
                    coalesce(p.last_seq, -1) DESC, x.id
} AS bought
WITH u, item_ids, bought, COLLECT {
  MATCH (u)-[p]->(x:Item)
  WHERE type(p) IN $behaviours
  WITH x, properties(p) AS p
  WITH x, max(coalesce(p.last_at, datetime('1970-01-01T00:00:00Z'))) AS at,
       max(coalesce(p.last_seq, -1)) AS seq
  RETURN x ORDER BY at DESC, seq DESC, x.id
} AS touched
WITH u, item_ids, size(bought) > 0 AS bought_any,
     CASE WHEN size(bought) > 0 THEN bought ELSE touched END AS history
UNWIND item_ids AS item_id
MATCH (r:Item {id: item_id})
WITH u, bought_any, r, [x IN history WHERE x <> r] AS mine
WITH u, bought_any, r, mine,
     COUNT {
       UNWIND mine AS x
       MATCH (x)<-[:VIEWED|CLICKED|ADDED_TO_CART|PURCHASED|RATED]-(v:User)
       WHERE v <> u
       RETURN DISTINCT v
     } AS neighbours
OPTIONAL CALL (u, r, mine, neighbours) {
  UNWIND range(0, size(mine) - 1) AS rank
  WITH mine[rank] AS x, rank
  MATCH (x)<-[:PURCHASED]-(v:User)-[:PURCHASED]->(r)
  WHERE v <> u
  WITH x, rank, count(DISTINCT v) AS n,
       COUNT { (x)<-[:PURCHASED]-(w:User) WHERE w <> u } AS buyers
  RETURN 'co_purchase' AS kind, 0 AS tie, toFloat(n) / (buyers + 1) AS strength, n,
         x AS via, null AS hub
  ORDER BY strength DESC, n DESC, rank LIMIT 1
  UNION ALL
  MATCH (r)-[m]->(b)
  WHERE type(m) = 'MADE_BY'
  WITH b, [x IN mine WHERE EXISTS { (x)-[xm]->(b) WHERE type(xm) = 'MADE_BY' }] AS xs
  WHERE size(xs) > 0
  RETURN 'brand' AS kind, 1 AS tie, toFloat(size(xs)) / (size(mine) + 1) AS strength,
         size(xs) AS n, xs[0] AS via, {id: b.id, name: properties(b).name} AS hub
  ORDER BY strength DESC, hub.id LIMIT 1
  UNION ALL
  MATCH (r)-[ic]->(leaf)-[up*0..]->(c)
  WHERE type(ic) = 'IN_CATEGORY' AND all(s IN up WHERE type(s) = 'SUBCATEGORY_OF')
  WITH c, max(properties(leaf).level) AS depth
  WITH c, depth,
       [x IN mine WHERE EXISTS {
          MATCH (x)-[xc]->()-[xu*0..]->(c)
          WHERE type(xc) = 'IN_CATEGORY' AND all(s IN xu WHERE type(s) = 'SUBCATEGORY_OF')
       }] AS xs
  WHERE size(xs) > 0
  WITH c, properties(c) AS node, depth, xs
  RETURN 'category' AS kind, 2 AS tie,
         toFloat(size(xs)) / (size(mine) + 1) * (coalesce(node.level, 0) + 1.0)
           / (coalesce(depth, 0) + 1.0) AS strength,
         size(xs) AS n, xs[0] AS via, {id: c.id, name: node.name, path: node.path} AS hub
  ORDER BY strength DESC, hub.id LIMIT 1
  UNION ALL
  MATCH (r)-[h]->(t)
  WHERE type(h) = 'HAS_TOPIC'
  WITH t, coalesce(properties(h).weight, 1.0) AS w,
       [x IN mine WHERE EXISTS { (x)-[xh]->(t) WHERE type(xh) = 'HAS_TOPIC' }] AS xs
  WHERE size(xs) > 0
  RETURN 'topic' AS kind, 3 AS tie, toFloat(size(xs)) / (size(mine) + 1) * w AS strength,
         size(xs) AS n, xs[0] AS via, {id: t.id, name: coalesce(properties(t).label, t.id)} AS hub
  ORDER BY strength DESC, hub.id LIMIT 1
  UNION ALL
  UNWIND range(0, size(mine) - 1) AS rank
  WITH mine[rank] AS x, rank
  MATCH (x)<-[:VIEWED|CLICKED|ADDED_TO_CART|PURCHASED|RATED]-(v:User)-[:PURCHASED]->(r)
  WHERE v <> u
  WITH x, rank, collect(DISTINCT v) AS similar
  ORDER BY size(similar) DESC, rank
  WITH collect(x)[0] AS via, collect(similar) AS groups
  UNWIND groups AS similar
  UNWIND similar AS v
  WITH via, count(DISTINCT v) AS n
  RETURN 'collaborative' AS kind, 4 AS tie, toFloat(n) / (neighbours + 1) AS strength, n,
         via, null AS hub
}
WITH u, r, bought_any, kind, tie, strength, n, via, hub
ORDER BY u.id, r.id, strength DESC, tie
WITH u, r, bought_any,
     collect(CASE WHEN kind IS NULL THEN NULL ELSE
       {kind: kind, strength: strength, n: n, hub: hub, via: via} END)[0] AS best
OPTIONAL CALL (best) {
  WITH best.via AS via
  MATCH (via)-[ic]->(c)
  WHERE type(ic) = 'IN_CATEGORY'
  RETURN properties(c).name AS via_category ORDER BY properties(c).level DESC, c.id LIMIT 1
}
OPTIONAL CALL (r) {
  MATCH (r)-[ic]->(c)
  WHERE type(ic) = 'IN_CATEGORY'
  RETURN properties(c).name AS item_category ORDER BY properties(c).level DESC, c.id LIMIT 1
}
RETURN u.id AS user_id,
       {id: r.id, title: properties(r).title, brand: properties(r).brand,
        category: item_category} AS item,
       bought_any,
       CASE WHEN best IS NULL THEN NULL ELSE best {
         .kind, .strength, .n, .hub,
         via: {id: best.via.id, title: properties(best.via).title,
               brand: properties(best.via).brand, category: via_category}} END AS best
"""
