"""Every recommender behind one interface, selectable by name, and the harness that scores them."""

from interestgraph.recommenders.base import FitContext, FitReport, Recommender
from interestgraph.recommenders.harness import MODELS, build_recommender, train_model

__all__ = [
    "MODELS",
    "FitContext",
    "FitReport",
    "Recommender",
    "build_recommender",
    "train_model",
]
