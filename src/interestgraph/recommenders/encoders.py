"""Graph encoders that turn the user–item graph into user and item vectors, from PyG's layers.

Each encoder maps the interaction graph of a phase to ``[U + I, d]`` node vectors (users first);
the score of (u, i) is the inner product of their vectors. Users are nodes ``0..U-1`` and items
``U..U+I-1``. ``graph`` builds, once per phase, what ``forward`` propagates over.

- :class:`MatrixFactorization`: no graph, one free vector per node (MF-BPR).
- :class:`LightGCNEncoder`: PyG's LightGCN over the symmetric-normalised CSR adjacency.
- :class:`GCNEncoder`, :class:`GATEncoder`: PyG's ``GCN`` / ``GAT`` stacks over learnt id vectors.
- :class:`HeteroSAGEEncoder`: GraphSAGE made heterogeneous with PyG's ``HeteroConv``: users,
  items, brands and categories, one relation per behaviour, item text vectors as features.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any

import torch
from torch import Tensor, nn
from torch_geometric.nn import HeteroConv, SAGEConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.nn.models import GAT, GCN, LightGCN
from torch_geometric.utils import to_torch_csr_tensor

from interestgraph.models import propagate
from interestgraph.training.recdata import RecData
from interestgraph.training.run import TrainingConfig


def bipartite_adjacency(
    edges: Tensor, num_users: int, num_items: int, *, self_loops: bool = False
) -> Tensor:
    """The normalised user–item adjacency ``D^-1/2 A D^-1/2`` (optionally ``A + I``).

    Args:
        edges: ``[2, E]`` (user, item) indices.

    Returns:
        A sparse CSR ``[U + I, U + I]`` float32 matrix, symmetric, ``2E`` non-zeros (plus the
        diagonal with ``self_loops``).
    """
    edge_index = homogeneous_edges(edges, num_users)
    num_nodes = num_users + num_items
    edge_index, weight = gcn_norm(edge_index, None, num_nodes, add_self_loops=self_loops)
    with warnings.catch_warnings():  # torch flags sparse CSR as "beta"; PyG relies on it
        warnings.filterwarnings("ignore", message="Sparse", category=UserWarning)
        return to_torch_csr_tensor(edge_index, weight, size=(num_nodes, num_nodes))


def homogeneous_edges(edges: Tensor, num_users: int) -> Tensor:
    """``[2, 2E]`` both directions of the (user, item) edges, items offset by ``num_users``."""
    user, item = edges[0], edges[1] + num_users
    return torch.stack([torch.cat([user, item]), torch.cat([item, user])])


class GraphEncoder(nn.Module, ABC):
    """Node vectors ``[U + I, d]`` from a graph; ``ego`` rows are what BPR regularises."""

    def __init__(self, data: RecData, config: TrainingConfig) -> None:
        super().__init__()
        self.num_users = data.split.num_users
        self.num_items = data.split.num_items
        self.config = config

    @abstractmethod
    def graph(self, data: RecData, edges: Tensor, target: Tensor) -> Any:
        """What ``forward`` propagates over, from all input ``edges`` and the ``target``
        behaviour's edges among them (both ``[2, E]`` on the model's device)."""

    @abstractmethod
    def forward(self, graph: Any) -> Tensor:
        """``[U + I, d]`` vectors, users first."""

    @abstractmethod
    def ego(self, node_id: Tensor) -> Tensor:
        """Layer-0 vectors ``[N, d]`` of nodes ``[N]``, for the L2 penalty."""


class MatrixFactorization(GraphEncoder):
    """One free ``d``-vector per user and item: MF trained with BPR (Rendle et al., 2009)."""

    def __init__(self, data: RecData, config: TrainingConfig) -> None:
        super().__init__(data, config)
        self.embedding = nn.Embedding(self.num_users + self.num_items, config.embedding_dim)
        nn.init.normal_(self.embedding.weight, std=0.1)

    def graph(self, data: RecData, edges: Tensor, target: Tensor) -> None:
        return None

    def forward(self, graph: Any) -> Tensor:
        return self.embedding.weight

    def ego(self, node_id: Tensor) -> Tensor:
        return self.embedding(node_id)


class LightGCNEncoder(GraphEncoder):
    """PyG's :class:`LightGCN`, propagated as one sparse product per layer."""

    def __init__(self, data: RecData, config: TrainingConfig) -> None:
        super().__init__(data, config)
        self.model = LightGCN(
            self.num_users + self.num_items,
            config.embedding_dim,
            config.num_layers,
            normalize=False,
        )

    def graph(self, data: RecData, edges: Tensor, target: Tensor) -> Tensor:
        return bipartite_adjacency(edges, self.num_users, self.num_items)

    def forward(self, graph: Any) -> Tensor:
        return propagate(self.model, graph)

    def ego(self, node_id: Tensor) -> Tensor:
        return self.model.embedding(node_id)


class _IdVectorGNN(GraphEncoder):
    """Learnt id vectors through a PyG GNN stack; the layers' outputs are concatenated and
    projected (``jk="cat"``, as NGCF combines layers) and added to the id vectors."""

    def __init__(self, data: RecData, config: TrainingConfig) -> None:
        super().__init__(data, config)
        dim = config.embedding_dim
        self.embedding = nn.Embedding(self.num_users + self.num_items, dim)
        nn.init.normal_(self.embedding.weight, std=0.1)
        self.gnn = self.build_gnn(dim, max(config.num_layers, 1))

    @abstractmethod
    def build_gnn(self, dim: int, num_layers: int) -> nn.Module:
        """The PyG stack mapping ``[N, dim]`` to ``[N, dim]``."""

    def forward(self, graph: Any) -> Tensor:
        x = self.embedding.weight
        out: Tensor = x + self.gnn(x, graph)
        return out

    def ego(self, node_id: Tensor) -> Tensor:
        return self.embedding(node_id)


class GCNEncoder(_IdVectorGNN):
    """PyG's ``GCN`` (Kipf & Welling) over the normalised adjacency with self-loops."""

    def build_gnn(self, dim: int, num_layers: int) -> nn.Module:
        return GCN(dim, dim, num_layers, dim, jk="cat", normalize=False)

    def graph(self, data: RecData, edges: Tensor, target: Tensor) -> Tensor:
        return bipartite_adjacency(edges, self.num_users, self.num_items, self_loops=True)


class GATEncoder(_IdVectorGNN):
    """PyG's ``GAT`` (Veličković et al.): two attention heads over each node's neighbours."""

    def build_gnn(self, dim: int, num_layers: int) -> nn.Module:
        return GAT(dim, dim, num_layers, dim, heads=2, jk="cat")

    def graph(self, data: RecData, edges: Tensor, target: Tensor) -> Tensor:
        return homogeneous_edges(edges, self.num_users)


class HeteroSAGEEncoder(GraphEncoder):
    """GraphSAGE over a heterogeneous graph: users, items and (when known) brands and categories.

    The target behaviour and the auxiliary behaviours are separate relations, each with its own
    weights, so views and carts inform without being taken for purchases. An item's input is its
    id vector plus a projection of its text vector (when the data have text), so items with few
    interactions still get a content-based vector. Layer outputs are summed with the input.
    """

    def __init__(self, data: RecData, config: TrainingConfig) -> None:
        super().__init__(data, config)
        dim = config.embedding_dim
        self.embedding = nn.Embedding(self.num_users + self.num_items, dim)
        nn.init.normal_(self.embedding.weight, std=0.1)
        groups = data.side.groups if data.side is not None else {}
        self.group_embedding = nn.ModuleDict(
            {name: nn.Embedding(max(count, 1), dim) for name, (_, count) in groups.items()}
        )
        for table in self.group_embedding.values():
            nn.init.normal_(table.weight, std=0.1)  # type: ignore[arg-type]
        text = data.text_embedding
        self.text_projection = nn.Linear(text.size(1), dim) if text is not None else None
        self.register_buffer("text", text if text is not None else torch.empty(0))
        relations = [("user", "bought", "item"), ("item", "bought_by", "user")]
        if data.split.aux.size(1):
            relations += [("user", "engaged", "item"), ("item", "engaged_by", "user")]
        for name in groups:
            relations += [("item", f"has_{name}", name), (name, f"{name}_of", "item")]
        self.relations = relations
        self.convs = nn.ModuleList(
            HeteroConv({rel: SAGEConv((-1, -1), dim) for rel in relations}, aggr="sum")
            for _ in range(max(config.num_layers, 1))
        )

    def graph(
        self, data: RecData, edges: Tensor, target: Tensor
    ) -> dict[tuple[str, str, str], Tensor]:
        device = edges.device
        keys = target[0] * self.num_items + target[1]
        engaged = edges[:, ~torch.isin(edges[0] * self.num_items + edges[1], keys)]
        graph = {
            ("user", "bought", "item"): target,
            ("item", "bought_by", "user"): target.flip(0),
        }
        if ("user", "engaged", "item") in self.relations:
            graph[("user", "engaged", "item")] = engaged
            graph[("item", "engaged_by", "user")] = engaged.flip(0)
        groups = data.side.groups if data.side is not None else {}
        for name, (group_edges, _) in groups.items():
            group_edges = group_edges.to(device)
            graph[("item", f"has_{name}", name)] = group_edges
            graph[(name, f"{name}_of", "item")] = group_edges.flip(0)
        return graph

    def forward(self, graph: Any) -> Tensor:
        item = self.embedding.weight[self.num_users :]
        if self.text_projection is not None:
            item = item + self.text_projection(self.text)
        x = {"user": self.embedding.weight[: self.num_users], "item": item}
        x |= {name: table.weight for name, table in self.group_embedding.items()}  # type: ignore[misc]
        out = {"user": x["user"], "item": x["item"]}
        for layer, conv in enumerate(self.convs):
            h = conv(x, graph)
            if layer < len(self.convs) - 1:
                h = {name: torch.tanh(value) for name, value in h.items()}
            x = {name: h.get(name, x[name]) for name in x}
            out = {name: out[name] + x[name] for name in out}
        return torch.cat([out["user"], out["item"]])

    def ego(self, node_id: Tensor) -> Tensor:
        return self.embedding(node_id)


ENCODERS: dict[str, type[GraphEncoder]] = {
    "mf-bpr": MatrixFactorization,
    "lightgcn": LightGCNEncoder,
    "gcn": GCNEncoder,
    "gat": GATEncoder,
    "hetero-sage": HeteroSAGEEncoder,
}
