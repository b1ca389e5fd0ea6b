"""Trains PyG's LightGCN with BPR on the leave-one-out split and keeps the best validation epoch.

Users are nodes ``0..U-1`` and items ``U..U+I-1`` of one homogeneous graph with both edge
directions. The symmetric-normalised adjacency is built once as a sparse CSR matrix, so each
layer is a single sparse-dense product (about 4× faster on CPU than normalising and scattering
along ``edge_index`` at every step), propagated by :func:`interestgraph.models.propagate`.
"""

from __future__ import annotations

import logging
import random
import time
import warnings
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import to_torch_csr_tensor

from interestgraph.models import LightGCN, propagate
from interestgraph.training.metrics import evaluate_ranking
from interestgraph.training.run import TrainingConfig, TrainingResult, new_run_id
from interestgraph.training.split import LeaveOneOutSplit

if TYPE_CHECKING:
    from rich.progress import Progress

logger = logging.getLogger(__name__)


def bipartite_adjacency(train: Tensor, num_users: int, num_items: int) -> Tensor:
    """The normalised user–item adjacency ``D^-1/2 A D^-1/2`` that LightGCN propagates over.

    Args:
        train: ``[2, E]`` (user, item) indices.

    Returns:
        A sparse CSR ``[U + I, U + I]`` float32 matrix with ``2E`` non-zeros, symmetric.
    """
    user, item = train[0], train[1] + num_users
    edge_index = torch.stack([torch.cat([user, item]), torch.cat([item, user])])
    num_nodes = num_users + num_items
    edge_index, weight = gcn_norm(edge_index, None, num_nodes, add_self_loops=False)
    with warnings.catch_warnings():  # torch flags sparse CSR as "beta"; PyG relies on it
        warnings.filterwarnings("ignore", message="Sparse", category=UserWarning)
        return to_torch_csr_tensor(edge_index, weight, size=(num_nodes, num_nodes))


def train_lightgcn(
    split: LeaveOneOutSplit,
    config: TrainingConfig | None = None,
    *,
    device: str | torch.device | None = None,
    progress: Progress | None = None,
) -> TrainingResult:
    """Train on ``split.train``, select the epoch by validation, report test metrics on it.

    Each step scores a mini-batch of positive (user, item) train edges against one uniformly
    sampled item per positive (a sampled item the user did buy is left in: with ~10 purchases in
    10⁴ items that noise is negligible and the sampler stays a single ``randint``).

    The weights only ever see train edges. LightGCN embeddings are propagated over a graph, and
    each evaluation propagates over everything known before its target, as a deployed model
    would: validation over train edges (train items masked), test over train + validation edges
    (both masked). The returned embeddings are the best weights propagated over all interactions,
    the graph that serving sees.

    Args:
        split: the leave-one-out split (indices as in the exported graph).
        config: hyper-parameters; :class:`TrainingConfig` defaults when ``None``.
        device: where to train; CUDA when available, else CPU.
        progress: a running ``rich`` progress display to add an epoch bar to.
    """
    config = config or TrainingConfig()
    started = time.perf_counter()
    dev = torch.device(device) if device is not None else _default_device()
    _seed_everything(config.seed)
    generator = torch.Generator(device=dev).manual_seed(config.seed)

    num_users, num_items = split.num_users, split.num_items
    train = split.train.to(dev)
    adjacency = bipartite_adjacency(train, num_users, num_items)
    model = LightGCN(
        num_users + num_items, config.embedding_dim, config.num_layers, normalize=False
    ).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    task = progress.add_task("LightGCN", total=config.epochs) if progress is not None else None

    epoch_seconds: list[float] = []
    history: list[dict[str, float]] = []
    eval_seconds = 0.0
    best_score, best_epoch, evals_since_best = -1.0, 0, 0
    best_val: dict[str, float] = {}
    best_weight = model.embedding.weight.detach().clone()  # epoch 0, replaced when evaluated
    for epoch in range(1, config.epochs + 1):
        model.train()
        tick = time.perf_counter()
        loss = _train_epoch(
            model, optimizer, adjacency, train, num_users, num_items, config, generator
        )
        _synchronize(dev)
        epoch_seconds.append(time.perf_counter() - tick)
        if epoch % config.eval_every == 0 or epoch == config.epochs:
            tick = time.perf_counter()
            emb = _embed(model, adjacency)
            val = evaluate_ranking(
                emb[:num_users],
                emb[num_users:],
                split.val,
                split.train,
                ks=config.ks,
                batch_size=config.eval_batch_size,
            )
            eval_seconds += time.perf_counter() - tick
            history.append({"epoch": epoch, "loss": loss} | val)
            logger.info("epoch %d loss %.4f val %s", epoch, loss, val)
            if val[config.select_metric] > best_score:
                best_score, best_epoch, best_val = val[config.select_metric], epoch, val
                best_weight = model.embedding.weight.detach().clone()
                evals_since_best = 0
            else:
                evals_since_best += 1
        if progress is not None and task is not None:
            progress.update(
                task,
                advance=1,
                description=(
                    f"LightGCN loss {loss:.4f} "
                    f"best val {config.select_metric} {max(best_score, 0):.4f}"
                ),
            )
        if evals_since_best >= config.patience:
            logger.info("early stop at epoch %d: best was epoch %d", epoch, best_epoch)
            break

    with torch.no_grad():
        model.embedding.weight.copy_(best_weight)
    tick = time.perf_counter()
    known = torch.cat([split.train, split.val], dim=1)
    emb = _embed(model, bipartite_adjacency(known.to(dev), num_users, num_items))
    test = evaluate_ranking(
        emb[:num_users],
        emb[num_users:],
        split.test,
        known,
        ks=config.ks,
        batch_size=config.eval_batch_size,
    )
    eval_seconds += time.perf_counter() - tick
    every = torch.cat([known, split.test], dim=1).to(dev)
    final = _embed(model, bipartite_adjacency(every, num_users, num_items)).float().cpu()
    return TrainingResult(
        run_id=new_run_id(),
        config=config,
        device=str(dev),
        epoch_seconds=epoch_seconds,
        eval_seconds=eval_seconds,
        total_seconds=time.perf_counter() - started,
        best_epoch=best_epoch,
        val_metrics=best_val,
        test_metrics=test,
        dataset=split.counts(),
        user_embedding=final[:num_users],
        item_embedding=final[num_users:],
        history=history,
    )


def _train_epoch(
    model: LightGCN,
    optimizer: torch.optim.Optimizer,
    adjacency: Tensor,
    train: Tensor,
    num_users: int,
    num_items: int,
    config: TrainingConfig,
    generator: torch.Generator,
) -> float:
    """One pass over the shuffled train edges in mini-batches; returns the mean BPR loss."""
    num_edges = train.size(1)
    perm = torch.randperm(num_edges, generator=generator, device=train.device)
    negatives = torch.randint(num_items, (num_edges,), generator=generator, device=train.device)
    total = torch.zeros((), device=train.device)
    for start in range(0, num_edges, config.batch_size):
        batch = perm[start : start + config.batch_size]
        user = train[0, batch]
        pos = train[1, batch] + num_users
        neg = negatives[start : start + batch.numel()] + num_users
        emb = propagate(model, adjacency)  # [U + I, d]
        pos_score = (emb[user] * emb[pos]).sum(dim=-1)
        neg_score = (emb[user] * emb[neg]).sum(dim=-1)
        loss = model.recommendation_loss(
            pos_score, neg_score, node_id=torch.cat([user, pos, neg]), lambda_reg=config.reg
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.detach() * batch.numel()
    return float(total) / max(num_edges, 1)


def _embed(model: LightGCN, adjacency: Tensor) -> Tensor:
    """All node embeddings ``[U + I, d]`` after propagation, without building a graph."""
    model.eval()
    with torch.no_grad():
        return propagate(model, adjacency)


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _synchronize(device: torch.device) -> None:
    """Wait for queued GPU work so wall-clock timings are real."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
