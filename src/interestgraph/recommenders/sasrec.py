"""SASRec (Kang & McAuley, 2018): a causal self-attentive next-item model, trained with full
softmax cross-entropy over the catalogue at every position of every sequence.

Cross-entropy over all items, rather than the paper's one sampled negative, is what makes
SASRec strong on full-ranking evaluation (Klenitskiy & Vasilev, RecSys 2023), and it is cheap
here: the loss covers only real positions, and catalogues are 10⁴ items. An item is represented
by its id vector plus a projection of its text vector when the data have text, so the sequence
model and the content encoder share one item space. The encoder is PyTorch's own
``nn.TransformerEncoder`` (pre-norm, causal mask). Sequences are left-padded and padding is not
masked out of attention: a fully padded prefix would make the attention rows NaN, and train and
evaluation pad alike. Mixed precision (bfloat16) on CUDA.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor, nn

from interestgraph.recommenders.base import FitContext, FitReport, Recommender
from interestgraph.recommenders.epochs import run_epochs
from interestgraph.training.metrics import Scorer
from interestgraph.training.recdata import RecData
from interestgraph.training.run import TrainingConfig
from interestgraph.training.split import Phase

MAX_LENGTH = 50
HEADS = 2
DROPOUT = 0.2
PAD = 0


class SASRecModule(nn.Module):
    """Item sequences ``[B, L]`` (indices shifted by one, 0 pads) to states ``[B, L, d]``."""

    def __init__(self, num_items: int, config: TrainingConfig, text: Tensor | None) -> None:
        super().__init__()
        dim = config.embedding_dim
        self.item = nn.Embedding(num_items + 1, dim, padding_idx=PAD)
        self.position = nn.Embedding(MAX_LENGTH, dim)
        self.text_projection = nn.Linear(text.size(1), dim) if text is not None else None
        padded = torch.cat([torch.zeros(1, text.size(1)), text]) if text is not None else None
        self.register_buffer("text", padded if padded is not None else torch.empty(0))
        layer = nn.TransformerEncoderLayer(
            dim, HEADS, dim_feedforward=dim, dropout=DROPOUT, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(
            layer, max(config.num_layers, 1), enable_nested_tensor=False
        )
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(DROPOUT)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.item.weight, std=0.02)
        nn.init.normal_(self.position.weight, std=0.02)
        with torch.no_grad():
            self.item.weight[PAD].zero_()

    def item_vectors(self) -> Tensor:
        """``[I + 1, d]`` item representations (row 0: padding)."""
        vectors = self.item.weight
        if self.text_projection is not None:
            vectors = vectors + self.text_projection(self.text)
        return vectors

    def forward(self, sequences: Tensor) -> Tensor:
        length = sequences.size(1)
        positions = torch.arange(length, device=sequences.device)
        x = self.item_vectors()[sequences] + self.position(positions)
        causal = nn.Transformer.generate_square_subsequent_mask(length, device=sequences.device)
        h = self.encoder(self.dropout(x), mask=causal, is_causal=True)
        out: Tensor = self.norm(h)
        return out


class SASRec(Recommender):
    """Self-attentive sequential recommender over each user's time-ordered history."""

    name = "sasrec"
    needs_order: ClassVar[bool] = True

    def __init__(self, config: TrainingConfig) -> None:
        super().__init__(config)
        self.module: SASRecModule | None = None
        self._device = torch.device("cpu")

    def fit(self, data: RecData, context: FitContext) -> FitReport:
        config, device = self.config, context.device
        torch.manual_seed(config.seed)
        self._device = device
        text = data.text_embedding
        module = SASRecModule(data.split.num_items, config, text).to(device)
        self.module = module
        inputs, labels = _training_windows(data.split.sequences("val"))
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer = torch.optim.AdamW(module.parameters(), lr=config.lr, weight_decay=config.reg)
        generator = torch.Generator(device=device).manual_seed(config.seed)
        amp = device.type == "cuda"

        def train_epoch() -> float:
            perm = torch.randperm(inputs.size(0), generator=generator, device=device)
            total, count = torch.zeros((), device=device), 0
            for start in range(0, perm.numel(), config.batch_size):
                batch = perm[start : start + config.batch_size]
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                    states = module(inputs[batch])
                    target = labels[batch]
                    real = target != PAD
                    logits = states[real] @ module.item_vectors()[1:].T
                    loss = nn.functional.cross_entropy(logits.float(), target[real] - 1)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.detach() * batch.numel()
                count += batch.numel()
            return float(total) / max(count, 1)

        return run_epochs(
            name=self.name,
            module=module,
            optimizer=optimizer,
            generator=generator,
            train_epoch=train_epoch,
            evaluate=lambda: self.evaluate(data, "val"),
            config=config,
            context=context,
            fingerprint=data.split.counts() | {"text": text is not None, "len": MAX_LENGTH},
        )

    def scorer(self, data: RecData, phase: Phase) -> Scorer:
        if self.module is None:
            raise RuntimeError("fit the model first")
        module = self.module
        module.eval()
        histories = _left_padded(data.split.sequences(phase)).to(self._device)
        with torch.no_grad():
            items = module.item_vectors()[1:]

        def score(users: Tensor) -> Tensor:
            with torch.no_grad():
                states = module(histories[users.to(self._device)])[:, -1]
                return states @ items.T

        return score


def _left_padded(sequences: list[Tensor]) -> Tensor:
    """``[U, MAX_LENGTH]`` the last ``MAX_LENGTH`` items of each sequence, shifted by one and
    right-aligned (the newest item last; 0 pads the left)."""
    out = torch.zeros(len(sequences), MAX_LENGTH, dtype=torch.long)
    for row, items in enumerate(sequences):
        tail = items[-MAX_LENGTH:] + 1
        if tail.numel():
            out[row, MAX_LENGTH - tail.numel() :] = tail
    return out


def _training_windows(sequences: list[Tensor]) -> tuple[Tensor, Tensor]:
    """Inputs and next-item labels ``[N, MAX_LENGTH]`` of every training sequence.

    A sequence longer than ``MAX_LENGTH + 1`` gives several windows, so no interaction is unused.
    """
    inputs, labels = [], []
    for items in sequences:
        shifted = items + 1
        for end in range(shifted.numel(), 1, -MAX_LENGTH):
            window = shifted[max(0, end - MAX_LENGTH - 1) : end]
            inputs.append(window[:-1])
            labels.append(window[1:])
    return _right_aligned(inputs), _right_aligned(labels)


def _right_aligned(rows: list[Tensor]) -> Tensor:
    out = torch.zeros(len(rows), MAX_LENGTH, dtype=torch.long)
    for n, row in enumerate(rows):
        out[n, MAX_LENGTH - row.numel() :] = row
    return out
