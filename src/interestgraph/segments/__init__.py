"""User segments for marketers: communities of the user–user similarity projection of the
interest graph, stored in Neo4j with stable ids, profiled by interest lift, reported."""
