"""Read side of the graph: recommendations, similar items, interests, item details."""
