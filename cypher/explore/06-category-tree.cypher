// 06 Category tree with item counts
// Answers: how is the catalogue spread over the category tree? Every category under $root (or
//   the whole tree when $root is null) in tree order, with the items filed directly under it and
//   the distinct items anywhere in its subtree.
// Parameters:
//   $root  id of the category whose subtree to show (its path joined with " > "), or null
// :param {root: "Makeup"}
MATCH (c:Category)
WHERE $root IS NULL OR EXISTS { (c)-[:SUBCATEGORY_OF*0..]->(:Category {id: $root}) }
RETURN c.id AS id,
       c.level AS level,
       reduce(indent = '', _ IN range(1, c.level) | indent + '    ') + c.name AS tree,
       COUNT { (c)<-[:SUBCATEGORY_OF]-(:Category) } AS subcategories,
       COUNT { (c)<-[:IN_CATEGORY]-(:Item) } AS direct_items,
       COUNT { MATCH (c)<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(i:Item)
               RETURN DISTINCT i } AS subtree_items
// Sorting by the path lists a parent right before its children.
ORDER BY c.path;
