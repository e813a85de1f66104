"""Ticket classification throughput: one classify_batch call versus classify one at a time.

    .venv/bin/python -m bench.classifier_throughput [--data CSV] [--train-rows 1000]
                                                     [--batch 1000] [--single 200] [--rounds 3]

Trains a classifier on the first --train-rows rows of the shared BANKING77 file (or, when
it is missing, on a generated set, and says so), then alternates rounds of the two ways of
classifying the rows after them: one classify_batch over --batch texts, and classify called
for each of --single texts, whose call times give the single-ticket latency. Medians of the
rounds; the batched rate is printed as a ratio of the one-at-a-time rate measured in the
same run. Each round also encodes the batch's texts alone, twice: with the Embedder
(token-count batches through the traced model) and with sentence-transformers' own encode()
on the eager model (batches of 64 sorted by characters), the baseline for the encoder.
Goals of the triage issue: at least 400 tickets/s batched on 2 cores, and a median
single-ticket latency of at most 15 ms.
"""

import argparse
import csv
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from domain.triage.classifier import TriageClassifier
from domain.triage.embedder import Embedder, shared_embedder

SHARED_DATA = Path("/work/shared/datasets/banking77-train.csv")
GOAL_BATCHED_PER_S = 400.0
GOAL_P50_MS = 15.0


@dataclass(frozen=True)
class Round:
    batched_per_s: float
    single_per_s: float
    latencies_ms: list[float]
    encoder_per_s: float  # the Embedder alone: token-count batches, traced model
    library_per_s: float  # sentence-transformers' own encode(): batches of 64 by characters


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="CSV with text and label columns")
    parser.add_argument("--train-rows", type=int, default=1000, help="an app's example set is hundreds")
    parser.add_argument("--batch", type=int, default=1000, help="texts in the one classify_batch call")
    parser.add_argument("--single", type=int, default=200, help="classify calls per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--int8", action="store_true", help="the encoder quantised to 8 bits")
    return parser.parse_args(argv)


def load_rows(path: Path, needed: int) -> tuple[list[str], list[str], str]:
    """(texts, labels, description); shuffled with a fixed seed, since the file is sorted by label."""
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [(row["text"], row["label"]) for row in csv.DictReader(handle)]
        random.Random(0).shuffle(rows)
        return [t for t, _ in rows], [label for _, label in rows], f"{path.name} ({len(rows):,} rows)"
    return (*synthetic_rows(needed), f"SYNTHETIC data ({needed:,} generated rows; {path} not found)")


def synthetic_rows(count: int) -> tuple[list[str], list[str]]:
    """Ticket-like sentences from a few templates per label: the shape, not the difficulty."""
    topics = {
        "billing": ["charged twice", "a refund", "the invoice total", "an unexpected fee", "my card payment"],
        "technical": ["the app crashing", "error 500 on login", "a broken reset link", "slow pages", "sync"],
        "account": ["my email address", "closing my account", "adding a user", "my profile name", "2FA"],
        "general": ["your opening hours", "the pricing plans", "a partnership", "the API docs", "feedback"],
    }
    frames = ["I have a question about {}.", "Help with {} please", "Since Monday: problem with {}",
              "Can you look at {} for me? Thanks", "{} again, second time this week"]
    rng = random.Random(0)
    texts, labels = [], []
    for _ in range(count):
        label = rng.choice(sorted(topics))
        texts.append(rng.choice(frames).format(rng.choice(topics[label])))
        labels.append(label)
    return texts, labels


def measure(classifier: TriageClassifier, embedder: Embedder, batch: list[str], single: list[str]) -> Round:
    started = time.perf_counter()
    classifier.classify_batch(batch)
    batched_s = time.perf_counter() - started
    latencies = []
    for text in single:
        started = time.perf_counter()
        classifier.classify(text)
        latencies.append(1000 * (time.perf_counter() - started))
    started = time.perf_counter()
    embedder.encode(batch)
    encoder_s = time.perf_counter() - started
    model = embedder.sentence_transformer()
    started = time.perf_counter()
    with torch.inference_mode():
        model.encode(batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    library_s = time.perf_counter() - started
    return Round(
        len(batch) / batched_s,
        1000 * len(single) / sum(latencies),
        latencies,
        len(batch) / encoder_s,
        len(batch) / library_s,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_at_start = os.getloadavg()
    needed = args.train_rows + max(args.batch, args.single)
    texts, labels, described = load_rows(args.data, needed)
    if len(texts) < needed:
        raise SystemExit(f"{described} has fewer than the {needed} rows needed")
    started = time.perf_counter()
    embedder = shared_embedder(int8=args.int8)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    classifier = TriageClassifier.train(
        texts[: args.train_rows], labels[: args.train_rows], encoder=embedder
    )
    train_s = time.perf_counter() - started
    rest = texts[args.train_rows :]
    batch, single = rest[: args.batch], rest[: args.single]
    classifier.classify_batch(rest[:64])  # warm-up: first calls pay allocator and kernel choice
    for text in single[:10]:
        classifier.classify(text)

    rounds = [measure(classifier, embedder, batch, single) for _ in range(args.rounds)]
    batched = statistics.median(r.batched_per_s for r in rounds)
    baseline = statistics.median(r.single_per_s for r in rounds)
    p50 = statistics.median(percentile(r.latencies_ms, 0.50) for r in rounds)
    p99 = statistics.median(percentile(r.latencies_ms, 0.99) for r in rounds)
    encoder = statistics.median(r.encoder_per_s for r in rounds)
    library = statistics.median(r.library_per_s for r in rounds)
    mean_chars = statistics.mean(len(t) for t in batch)

    print("### Ticket classifier throughput: classify_batch vs classify one at a time")
    print("```")
    print(f"data      {described}; trained on {args.train_rows:,} rows, {len(classifier.labels)} labels "
          f"({train_s:.1f} s with calibration; model load {load_s:.1f} s)")
    print(f"model     {classifier.model_name}, temperature {classifier.temperature:.3f}")
    print(f"stack     Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{load_at_start[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print(f"texts     mean {mean_chars:.0f} characters; {args.rounds} alternating rounds, medians")
    print("")
    print(f"batched        {batched:8.1f} tickets/s   (one classify_batch of {len(batch):,} texts)")
    print(f"one at a time  {baseline:8.1f} tickets/s   ({len(single)} classify calls)")
    print(f"ratio          {batched / baseline:8.2f} x       batched / one at a time")
    print(f"single latency p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(single)} calls")
    print(f"encoder alone  {encoder:8.1f} texts/s     (Embedder: token-count batches, traced model)")
    print(f"library encode {library:8.1f} texts/s     (sentence-transformers' encode(), same texts)")
    print(f"ratio          {encoder / library:8.2f} x       Embedder / library encode()")
    print("")
    print(f"goal batched >= {GOAL_BATCHED_PER_S:.0f} tickets/s: {verdict(batched >= GOAL_BATCHED_PER_S)}")
    print(f"goal p50 <= {GOAL_P50_MS:.0f} ms: {verdict(p50 <= GOAL_P50_MS)}")
    print("```")


if __name__ == "__main__":
    main()
