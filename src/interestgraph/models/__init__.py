"""Graph models. LightGCN is PyG's own (library first); :func:`propagate` runs its propagation
over a symmetric adjacency with a cheaper backward pass."""

from torch_geometric.nn.models import LightGCN

from interestgraph.models.propagation import propagate

__all__ = ["LightGCN", "propagate"]
