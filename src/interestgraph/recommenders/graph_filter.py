"""Training-free graph filters over the normalised interaction matrix: GF-CF and BSPM.

With ``R̃ = D_U^-1/2 R D_I^-1/2`` and the item–item filter ``P̃ = R̃ᵀ R̃``, a user's interaction
row ``r`` is scored by a low-pass filter of the item graph:

- **GF-CF** (Shen et al., CIKM 2021): ``s = r P̃ + β · r D_I^-1/2 V Vᵀ D_I^1/2``, the linear filter
  plus the ideal low-pass filter of the top ``k`` right singular vectors ``V`` of ``R̃``; published
  settings ``β = 0.3``, ``k = 256``.
- **BSPM** (Choi et al., SIGIR 2023): blur, merge the ideal filter, then sharpen. Blurring is
  the heat equation ``ds/dt = s P̃ − s`` (one Euler step to ``T_b = 1`` gives ``r P̃``);
  sharpening runs ``ds/dt = −s P̃`` from ``x = r P̃ + β · ideal(r)`` over ``T_s`` in one RK4
  step, which for this linear equation is exactly ``s = x Σ_{k≤4} (−T_s P̃)^k / k!``, the
  authors' Gowalla recipe (Euler blur, RK4 sharpen, ``K_s = 1``, ``T_s = 2.5``, ``β = 0.2``,
  ``k = 448``). ``T_s = 0`` is GF-CF. ``β`` and ``T_s`` are picked on validation over up to
  32,768 validation users: with one held-out item per user a 2,048-user sample is too noisy to
  separate the settings (on Gowalla it picked no sharpening).

Everything is sparse products and one truncated SVD: no training, no epochs. ``P̃`` is never
formed (it would be dense ``I × I``); ``x P̃`` is computed as ``(x R̃ᵀ) R̃``.
"""

from __future__ import annotations

import itertools
import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from scipy.sparse.linalg import svds
from torch import Tensor

from interestgraph.recommenders.base import FitContext, FitReport, Recommender
from interestgraph.training.metrics import Scorer, evaluate_scores
from interestgraph.training.recdata import RecData
from interestgraph.training.split import Phase

logger = logging.getLogger(__name__)

GF_CF_BETA = 0.3
GF_CF_RANK = 256
BSPM_BETAS = (0.1, 0.2, 0.3, 0.5, 0.8)
BSPM_SHARPEN = (0.0, 0.5, 1.0, 1.5, 2.5, 3.5)
BSPM_RANK = 448
BSPM_PAPER = (0.2, 2.5)  # the authors' Gowalla β and T_s (with k = 448)
RK4_ORDER = 4
TUNING_USERS = 32768


@dataclass(frozen=True)
class FilterSettings:
    """Coefficients of ``x = r P̃ + β ideal_k(r)``, ``s = x Σ_{j≤4} (−T_s P̃)^j / j!``."""

    beta: float
    sharpen: float
    rank: int


class ItemGraphFilter:
    """The filters of one interaction matrix ``[U, I]``: normalised matrix and top singular
    vectors, with the per-batch terms every setting is a combination of."""

    def __init__(self, edges: Tensor, num_users: int, num_items: int, rank: int) -> None:
        user, item = edges.numpy()
        matrix = sp.csr_matrix(
            (np.ones(user.size, dtype=np.float32), (user, item)), shape=(num_users, num_items)
        )
        user_degree = np.asarray(matrix.sum(axis=1)).ravel()
        item_degree = np.asarray(matrix.sum(axis=0)).ravel()
        user_scale = np.where(user_degree > 0, user_degree, 1.0) ** -0.5
        item_scale = np.where(item_degree > 0, item_degree, 1.0) ** -0.5
        normalised = sp.diags(user_scale) @ matrix @ sp.diags(item_scale)
        self.matrix = matrix
        self.rank = min(rank, min(num_users, num_items) - 1)
        tick = time.perf_counter()
        _, _, vt = svds(normalised.astype(np.float64), k=self.rank, random_state=0)
        logger.info(
            "top-%d SVD of %s in %.1f s", self.rank, matrix.shape, time.perf_counter() - tick
        )
        # svds returns ascending singular values: flip so V[:, :k] is the top k.
        self.singular = torch.from_numpy(np.ascontiguousarray(vt[::-1].T)).float()  # [I, k]
        self.item_scale = torch.from_numpy(item_scale).float()
        self.normalised = _torch_csr(normalised)
        self.normalised_t = _torch_csr(normalised.T.tocsr())

    def rows(self, users: Tensor) -> Tensor:
        """``[B, I]`` dense interaction rows."""
        return torch.from_numpy(self.matrix[users.numpy()].toarray())

    def linear(self, x: Tensor) -> Tensor:
        """``x P̃`` for ``x`` ``[B, I]``, as ``(R̃ᵀ (R̃ xᵀ))ᵀ``."""
        return torch.sparse.mm(self.normalised_t, torch.sparse.mm(self.normalised, x.T)).T

    def ideal(self, r: Tensor, rank: int) -> Tensor:
        """``r D_I^-1/2 V_k V_kᵀ D_I^1/2`` for ``r`` ``[B, I]``."""
        v = self.singular[:, :rank]
        return ((r * self.item_scale) @ v) @ v.T / self.item_scale

    def terms(self, users: Tensor, ranks: tuple[int, ...], order: int) -> dict[str, Tensor]:
        """``r P̃^(j+1)`` and, per rank, ``ideal(r) P̃^j`` of ``users`` for ``j = 0..order``."""
        r = self.rows(users)
        out = {"linear0": self.linear(r)}
        for rank in ranks:
            out[f"ideal{rank}_0"] = self.ideal(r, rank)
        for power in range(1, order + 1):
            out[f"linear{power}"] = self.linear(out[f"linear{power - 1}"])
            for rank in ranks:
                out[f"ideal{rank}_{power}"] = self.linear(out[f"ideal{rank}_{power - 1}"])
        return out


def sharpening_order(settings: FilterSettings) -> int:
    """Powers of ``P̃`` the sharpening step needs: none without sharpening, else RK4's four."""
    return RK4_ORDER if settings.sharpen > 0 else 0


def combine(terms: dict[str, Tensor], settings: FilterSettings) -> Tensor:
    """The scores ``s = Σ_j (−T_s)^j / j! · x P̃^j``, ``x = r P̃ + β ideal(r)``, from the terms."""
    scores = torch.zeros_like(terms["linear0"])
    coefficient = 1.0
    for power in range(sharpening_order(settings) + 1):
        if power:
            coefficient *= -settings.sharpen / power
        x_power = terms[f"linear{power}"] + settings.beta * terms[f"ideal{settings.rank}_{power}"]
        scores += coefficient * x_power
    return scores


class GraphFilterRecommender(Recommender):
    """GF-CF (``name="gf-cf"``, published settings) or BSPM (``name="bspm"``, tuned on val;
    ``name="bspm-paper"``, the authors' Gowalla settings everywhere)."""

    def __init__(self, config: object, name: str) -> None:
        super().__init__(config)  # type: ignore[arg-type]
        self.name = name
        self.settings = FilterSettings(GF_CF_BETA, 0.0, GF_CF_RANK)
        self._filters: dict[str, ItemGraphFilter] = {}

    def fit(self, data: RecData, context: FitContext) -> FitReport:
        self._filters = {}
        rank = GF_CF_RANK if self.name == "gf-cf" else BSPM_RANK
        filters = self._filter(data, "val", rank)
        rank = filters.rank
        report = FitReport()
        if self.name == "gf-cf":
            self.settings = FilterSettings(GF_CF_BETA, 0.0, rank)
        elif self.name == "bspm-paper":
            self.settings = FilterSettings(*BSPM_PAPER, rank)
        else:
            grid = [
                FilterSettings(beta, sharpen, rank)
                for beta, sharpen in itertools.product(BSPM_BETAS, BSPM_SHARPEN)
            ]
            tuned, every_user = self._tune(data, filters, grid)
            select = self.config.select_metric
            best = max(range(len(grid)), key=lambda index: tuned[index][select])
            self.settings = grid[best]
            report.history = [
                {"beta": settings.beta, "sharpen": settings.sharpen} | metrics
                for settings, metrics in zip(grid, tuned, strict=True)
            ]
            if every_user:  # the tuning already scored the chosen setting on all of val
                report.val_metrics = tuned[best]
        if not report.val_metrics:
            report.val_metrics = self.evaluate(data, "val")
        report.chosen = {
            "beta": self.settings.beta,
            "sharpen": self.settings.sharpen,
            "rank": float(self.settings.rank),
        }
        logger.info("%s settings %s val %s", self.name, self.settings, report.val_metrics)
        return report

    def _tune(
        self, data: RecData, filters: ItemGraphFilter, grid: list[FilterSettings]
    ) -> tuple[list[dict[str, float]], bool]:
        """Validation metrics (all but coverage) of every setting over up to ``TUNING_USERS``
        users, and whether those were all the validation users. Batch by batch: the terms of a
        batch are computed once and every setting combines them."""
        split = data.split
        users = torch.unique(split.val[0])
        order = torch.randperm(users.numel(), generator=torch.Generator().manual_seed(0))
        sample = torch.sort(users[order[:TUNING_USERS]]).values
        totals: list[dict[str, float]] = [{} for _ in grid]
        row_of = torch.full((split.num_users,), -1, dtype=torch.long)
        batches = sample.split(self.config.eval_batch_size)
        for number, batch in enumerate(batches, 1):
            terms = filters.terms(batch, (filters.rank,), RK4_ORDER)
            row_of[batch] = torch.arange(batch.numel())
            target = split.val[:, torch.isin(split.val[0], batch)]
            known = split.train[:, torch.isin(split.train[0], batch)]
            for total, settings in zip(totals, grid, strict=True):
                scores = combine(terms, settings)

                def scored(users: Tensor, scores: Tensor = scores) -> Tensor:
                    return scores[row_of[users]]

                metrics = evaluate_scores(
                    scored,
                    target,
                    known,
                    num_items=split.num_items,
                    ks=self.config.ks,
                    batch_size=batch.numel(),
                )
                for name, value in metrics.items():
                    if not name.startswith("coverage"):  # a per-user mean: batches average
                        total[name] = total.get(name, 0.0) + value * batch.numel()
            row_of[batch] = -1
            logger.info("%s tuning: batch %d/%d", self.name, number, len(batches))
        means = [{name: value / sample.numel() for name, value in t.items()} for t in totals]
        return means, sample.numel() == users.numel()

    def scorer(self, data: RecData, phase: Phase) -> Scorer:
        filters = self._filter(data, phase, self.settings.rank)
        settings = FilterSettings(
            self.settings.beta, self.settings.sharpen, min(self.settings.rank, filters.rank)
        )
        order = sharpening_order(settings)
        return lambda users: combine(filters.terms(users.cpu(), (settings.rank,), order), settings)

    def _filter(self, data: RecData, phase: Phase, rank: int) -> ItemGraphFilter:
        """The filter of ``phase``'s inputs, built once; only one phase is held in memory."""
        if phase not in self._filters:
            split = data.split
            self._filters = {
                phase: ItemGraphFilter(
                    data.inputs(phase).cpu(), split.num_users, split.num_items, rank
                )
            }
        return self._filters[phase]


def _torch_csr(matrix: sp.csr_matrix) -> Tensor:
    matrix = matrix.astype(np.float32)
    with warnings.catch_warnings():  # torch flags sparse CSR as "beta"
        warnings.filterwarnings("ignore", message="Sparse", category=UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(matrix.indptr).long(),
            torch.from_numpy(matrix.indices).long(),
            torch.from_numpy(matrix.data),
            size=matrix.shape,
            check_invariants=False,  # built by scipy: sorted and in range
        )
