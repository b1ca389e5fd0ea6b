"""Neo4j → PyG: the training graph as a ``HeteroData`` with stable id↔index maps."""

from interestgraph.export.training_graph import ExportedGraph, export_training_graph

__all__ = ["ExportedGraph", "export_training_graph"]
