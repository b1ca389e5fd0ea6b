"""Trains any graph encoder with BPR: the one loop behind MF, LightGCN, GCN, GAT and HeteroSAGE.

Each step scores a mini-batch of positive (user, item) edges against one uniformly sampled item
per positive. Sampling is one ``randint`` per epoch (a sampled item the user did interact with is
left in: with tens of items per user in 10⁴ that noise is negligible). Positives are every input
edge: purchases, plus views and carts on multi-behaviour data. The weights only ever see train
edges; each evaluation propagates over what is observed before its targets, as a deployed model
would.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from interestgraph.recommenders.base import FitContext, FitReport, Recommender
from interestgraph.recommenders.encoders import ENCODERS, GraphEncoder
from interestgraph.recommenders.epochs import run_epochs
from interestgraph.training.metrics import Scorer
from interestgraph.training.recdata import RecData
from interestgraph.training.run import TrainingConfig
from interestgraph.training.split import Phase

_ALL = "all"


class BPRRecommender(Recommender):
    """A :class:`GraphEncoder` trained with BPR; ``name`` picks the encoder from ``ENCODERS``."""

    needs_order: ClassVar[bool] = False

    def __init__(self, config: TrainingConfig, name: str) -> None:
        super().__init__(config)
        self.name = name
        self.encoder: GraphEncoder | None = None
        self._graphs: dict[str, Any] = {}
        self._device = torch.device("cpu")

    def fit(self, data: RecData, context: FitContext) -> FitReport:
        config, device = self.config, context.device
        torch.manual_seed(config.seed)
        self._device = device
        self._graphs = {}
        encoder = ENCODERS[self.name](data, config).to(device)
        self.encoder = encoder
        positives = data.inputs("val").to(device)
        graph = self._graph(data, "val")
        num_users, num_items = data.split.num_users, data.split.num_items
        optimizer = torch.optim.Adam(encoder.parameters(), lr=config.lr)
        generator = torch.Generator(device=device).manual_seed(config.seed)

        def train_epoch() -> float:
            num_edges = positives.size(1)
            perm = torch.randperm(num_edges, generator=generator, device=device)
            negatives = torch.randint(num_items, (num_edges,), generator=generator, device=device)
            total = torch.zeros((), device=device)
            for start in range(0, num_edges, config.batch_size):
                batch = perm[start : start + config.batch_size]
                user = positives[0, batch]
                pos = positives[1, batch] + num_users
                neg = negatives[start : start + batch.numel()] + num_users
                emb = encoder(graph)
                pos_score = (emb[user] * emb[pos]).sum(dim=-1)
                neg_score = (emb[user] * emb[neg]).sum(dim=-1)
                ego = encoder.ego(torch.cat([user, pos, neg]))
                loss = -torch.nn.functional.logsigmoid(pos_score - neg_score).mean()
                loss = loss + config.reg * ego.pow(2).sum() / (2 * batch.numel())
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.detach() * batch.numel()
            return float(total) / max(num_edges, 1)

        return run_epochs(
            name=self.name,
            module=encoder,
            optimizer=optimizer,
            generator=generator,
            train_epoch=train_epoch,
            evaluate=lambda: self.evaluate(data, "val"),
            config=config,
            context=context,
            fingerprint=data.split.counts() | {"text": data.text_embedding is not None},
        )

    def scorer(self, data: RecData, phase: Phase) -> Scorer:
        emb = self._embed(data, phase)
        users, items = emb[: data.split.num_users], emb[data.split.num_users :]
        return lambda batch: users[batch.to(users.device)] @ items.T

    def embeddings(self, data: RecData) -> tuple[Tensor, Tensor]:
        emb = self._embed(data, _ALL).float().cpu()
        return emb[: data.split.num_users], emb[data.split.num_users :]

    def _embed(self, data: RecData, phase: str) -> Tensor:
        if self.encoder is None:
            raise RuntimeError("fit the model first")
        self.encoder.eval()
        with torch.no_grad():
            out: Tensor = self.encoder(self._graph(data, phase))
            return out

    def _graph(self, data: RecData, phase: str) -> Any:
        """The encoder's graph of ``phase`` (``"all"``: every interaction), built once."""
        if phase not in self._graphs:
            if self.encoder is None:
                raise RuntimeError("fit the model first")
            if phase == _ALL:
                target = torch.cat([data.split.observed("test"), data.split.test], dim=1)
                edges = torch.unique(torch.cat([target, data.split.aux], dim=1), dim=1)
            else:
                target = data.split.observed(phase)  # type: ignore[arg-type]
                edges = data.inputs(phase)  # type: ignore[arg-type]
            self._graphs = {
                key: value for key, value in self._graphs.items() if key == "val"
            }  # keep at most two graphs in memory
            self._graphs[phase] = self.encoder.graph(
                data, edges.to(self._device), target.to(self._device)
            )
        return self._graphs[phase]
