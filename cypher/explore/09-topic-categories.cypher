// 09 How a topic spreads over categories
// Answers: where in the category tree do a topic's items sit? Every category reached by the
//   topic's items (their leaf categories and all ancestors), with the number of those items, their
//   share of the topic, their summed membership weight, and the lift: the share of the topic in
//   the category over the share of the whole catalogue in it (> 1 = the topic is concentrated there).
// Parameters:
//   $topic  id of the topic (e.g. "topic-0"; list them with 08-top-items-per-topic)
// :param {topic: "topic-0"}
MATCH (t:Topic {id: $topic})
WITH t, COUNT { (:Item)-[:HAS_TOPIC]->(t) } AS topic_items, COUNT { (:Item) } AS all_items
MATCH (t)<-[h:HAS_TOPIC]-(i:Item)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
// An item filed under two leaves of one parent reaches that parent twice: count it once.
WITH DISTINCT topic_items, all_items, c, i, h.weight AS weight
WITH topic_items, all_items, c, count(i) AS items, sum(weight) AS weight
WITH topic_items, all_items, c, items, weight,
     COUNT { MATCH (c)<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(x:Item)
             RETURN DISTINCT x } AS category_items
RETURN c.id AS category, c.level AS level, items,
       toFloat(items) / topic_items AS share,
       weight,
       (toFloat(items) / topic_items) / (toFloat(category_items) / all_items) AS lift
ORDER BY level, items DESC, category;
