// 07 Top items in a category subtree
// Answers: what sells best in this part of the catalogue? Items anywhere under $category,
//   ranked by distinct buyers, with their brand and the leaf categories they are filed under.
// Parameters:
//   $category  id of the category (its path joined with " > ", e.g. "Makeup > Nails")
//   $first     items to show
// :param {category: "Makeup", first: 10}
MATCH (root:Category {id: $category})<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(i:Item)
WITH DISTINCT i
WITH i, COUNT { (:User)-[:PURCHASED]->(i) } AS buyers
ORDER BY buyers DESC, i.id
LIMIT toInteger($first)
RETURN i.id AS item, i.brand AS brand, buyers,
       COLLECT { MATCH (i)-[:IN_CATEGORY]->(c:Category) RETURN c.id ORDER BY c.id } AS categories
ORDER BY buyers DESC, item;
