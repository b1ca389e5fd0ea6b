"""Leave-one-out split, LightGCN + BPR training, full-ranking metrics, run records."""

from interestgraph.training.lightgcn import bipartite_adjacency, train_lightgcn
from interestgraph.training.metrics import evaluate_ranking
from interestgraph.training.run import TrainingConfig, TrainingResult, save_run
from interestgraph.training.split import LeaveOneOutSplit, leave_one_out_split

__all__ = [
    "LeaveOneOutSplit",
    "TrainingConfig",
    "TrainingResult",
    "bipartite_adjacency",
    "evaluate_ranking",
    "leave_one_out_split",
    "save_run",
    "train_lightgcn",
]
