"""Splits, the data models train on, full-ranking metrics, run records, benchmark loaders."""

from interestgraph.training.metrics import evaluate_ranking, evaluate_scores
from interestgraph.training.recdata import ItemSide, RecData
from interestgraph.training.run import TrainingConfig, TrainingResult, save_run
from interestgraph.training.split import InteractionSplit, leave_one_out_split

__all__ = [
    "InteractionSplit",
    "ItemSide",
    "RecData",
    "TrainingConfig",
    "TrainingResult",
    "evaluate_ranking",
    "evaluate_scores",
    "leave_one_out_split",
    "save_run",
]
