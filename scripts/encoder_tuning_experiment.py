"""Experiment, not a feature: how much tuning MiniLM's top layers on a desk's examples would add.

    .venv/bin/python -m scripts.encoder_tuning_experiment --fold 0 [--layers 3] [--epochs 2]
                                                         [--lr 1e-4] [--data CSV]

One fold of the 5-fold split that `helpdesk classify-eval` uses (label-stratified, seed 0).
The baseline, measured in the same run: the desk's classifier (regression, n-grams and
neighbour vote, as shipped) on the frozen encoder. Then the top --layers transformer layers
are tuned on the training side only (cross-entropy through a cosine head, AdamW, warm-up
then linear decay), and the same classifier is trained on the tuned encoder's vectors and
tested on the held-out side. The test side never reaches the tuning, so its accuracy is a
fair one; the classifier's own calibration is not (the tuned encoder has seen every training
label), which is why this stays an experiment. README (AI triage: accuracy) has the figures.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer

from domain.triage.classifier import PLAIN_REGRESSION, TrainingConfig, TriageClassifier
from domain.triage.embedder import DIMENSION, Vector, model_directory, shared_embedder
from domain.triage.splits import fold_ids

SHARED_DATA = Path("/work/shared/datasets/banking77-train.csv")
BATCH = 32
HEAD_LR = 1e-2
COSINE_SCALE = 20.0
WARMUP_STEPS = 50


class NamedEncoder:
    def __init__(self, name: str, encode: Callable[[Sequence[str]], Vector]) -> None:
        self.name = name
        self.encode = encode


def accuracy(
    encoder: NamedEncoder, texts: list[str], labels: list[str], train: np.ndarray, test: np.ndarray
) -> float:
    vectors = encoder.encode(texts)
    classifier = TriageClassifier.train(
        [texts[i] for i in train],
        [labels[i] for i in train],
        encoder=encoder,
        # BANKING77 picks the plain regression in every fold; skipping the choice saves fits.
        config=TrainingConfig(regressions=(PLAIN_REGRESSION,)),
        vectors=vectors[train],
    )
    predictions = classifier.classify_vectors([texts[i] for i in test], vectors[test])
    return float(np.mean([p.label == labels[i] for i, p in zip(test, predictions, strict=True)]))


def tuned_encoder(texts: list[str], label_ids: np.ndarray, args: argparse.Namespace) -> NamedEncoder:
    torch.manual_seed(0)
    model = SentenceTransformer(model_directory(), device="cpu")
    layers = model[0].auto_model.encoder.layer
    for parameter in model.parameters():
        parameter.requires_grad = False
    tuned = [p for layer in layers[len(layers) - args.layers :] for p in layer.parameters()]
    for parameter in tuned:
        parameter.requires_grad = True
    head = torch.nn.Linear(DIMENSION, int(label_ids.max()) + 1, bias=False)
    optimiser = torch.optim.AdamW(
        [{"params": tuned, "lr": args.lr}, {"params": head.parameters(), "lr": HEAD_LR}], weight_decay=0.01
    )
    total_steps = args.epochs * ((len(texts) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, step / WARMUP_STEPS) * max(0.0, 1 - step / total_steps)
    )
    targets = torch.tensor(label_ids)
    for epoch in range(args.epochs):
        model.train()
        started, loss_sum = time.perf_counter(), 0.0
        order = np.random.default_rng(epoch).permutation(len(texts))
        for start in range(0, len(texts), BATCH):
            batch = order[start : start + BATCH]
            embedded = model(model.preprocess([texts[i] for i in batch]))["sentence_embedding"]
            logits = COSINE_SCALE * F.normalize(embedded, dim=-1) @ F.normalize(head.weight, dim=-1).T
            loss = F.cross_entropy(logits, targets[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += float(loss.detach()) * len(batch)
        print(f"  epoch {epoch + 1}: loss {loss_sum / len(texts):.3f}, {time.perf_counter() - started:.0f} s")
    model.eval()

    def encode(batch: Sequence[str]) -> Vector:
        with torch.inference_mode():
            vectors = model.encode(
                list(batch), batch_size=64, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)

    return NamedEncoder(f"MiniLM, top {args.layers} layers tuned", encode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--fold", type=int, default=0, help="which of the 5 folds is tested")
    parser.add_argument("--layers", type=int, default=3, help="top transformer layers tuned (of 6)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    args = parser.parse_args()
    with args.data.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    names = sorted(set(labels))
    label_ids = np.array([names.index(label) for label in labels])
    folds = fold_ids(label_ids, 5, 0)
    train, test = np.flatnonzero(folds != args.fold), np.flatnonzero(folds == args.fold)
    print(f"{args.data.name}: fold {args.fold}, {len(train):,} training and {len(test):,} tested texts")
    frozen = shared_embedder()
    baseline = accuracy(NamedEncoder(frozen.name, frozen.encode), texts, labels, train, test)
    print(f"frozen encoder (baseline)       accuracy {baseline:.4f}")
    tuned = tuned_encoder([texts[i] for i in train], label_ids[train], args)
    result = accuracy(tuned, texts, labels, train, test)
    print(f"top {args.layers} layers tuned, {args.epochs} epochs  accuracy {result:.4f}"
          f"  ({result - baseline:+.4f})")


if __name__ == "__main__":
    main()
