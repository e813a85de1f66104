"""What ranking knowledge-base articles costs on top of encoding the question.

    .venv/bin/python -m bench.knowledge_suggest [--articles 500 5000] [--queries 100] [--sqlite]

On a throwaway PostgreSQL database (127.0.0.1:5432; --sqlite for a temporary SQLite file),
published public articles written from a small vocabulary of help-desk topics, then
`knowledge.suggest` as the help center calls it: one question at a time, and a page of 25
tickets at once (as `Ticket.suggestedArticles` on a workbench page). The first call encodes
and stores every article's vector; it is timed apart.

Baseline, measured in the same rounds: encoding the same questions alone, which every
semantic suggestion pays. The ratio says what reading the articles' vectors and ranking
them adds, and how that grows with the number of articles.
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

from tortoise import Tortoise

from bench.seed import database_bench_parser, throwaway_database
from domain.models import Article
from domain.rules.knowledge import ArticleFormat, ArticleStatus, ArticleVisibility
from domain.services import knowledge
from domain.triage.embedder import Embedder, shared_embedder
from server.db import migrate, tortoise_config

PAGE = 25
TOPICS = [
    ("reset my password", "password"), ("export a report to CSV", "export"),
    ("change the billing address", "billing"), ("a refund for a double charge", "refund"),
    ("add a user to the team", "users"), ("two-factor authentication codes", "2fa"),
    ("the mobile app crashes on start", "crash"), ("connect the Slack integration", "slack"),
    ("an invoice in another currency", "invoice"), ("delete my account and data", "gdpr"),
    ("the API returns error 429", "api"), ("import contacts from a spreadsheet", "import"),
]
FILLER = ("please", "steps", "settings", "page", "menu", "click", "account", "team", "email", "today",
          "screen", "button", "after", "update", "version", "browser", "works", "again", "when", "then")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def article_text(rng: random.Random, i: int) -> tuple[str, str]:
    topic, _ = TOPICS[i % len(TOPICS)]
    title = f"How to {topic} ({i})"
    body = " ".join(rng.choice(FILLER) for _ in range(60)) + f". This explains how to {topic}."
    return title, body


def question(rng: random.Random) -> str:
    topic, _ = rng.choice(TOPICS)
    return f"Hi, I need help: {topic}. " + " ".join(rng.choice(FILLER) for _ in range(8))


async def seed(count: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        title, body = article_text(rng, i)
        rows.append(Article(title=title, body=body, format=ArticleFormat.PLAIN_TEXT,
                            status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC,
                            tags=[], version=1, published_at=now, created_at=now, updated_at=now))
    await Article.bulk_create(rows, batch_size=500)


async def timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


async def measure(count: int, encoder: Embedder, questions: list[str]) -> dict[str, float]:
    rng = random.Random(count)
    await Article.all().delete()
    await seed(count, rng)
    first = await timed(knowledge.suggest(actor=None, queries=[knowledge.SuggestQuery("warm up", 5)],
                                          encoder=encoder))
    singles, encodes, pages, page_encodes = [], [], [], []
    for text in questions:  # alternating, so the host's load hits both alike
        encodes.append(await timed(asyncio.to_thread(encoder.encode, [text])))
        singles.append(await timed(knowledge.suggest(
            actor=None, queries=[knowledge.SuggestQuery(text, 5)], encoder=encoder)))
    for start in range(0, len(questions), PAGE):
        page = questions[start : start + PAGE]
        page_encodes.append(await timed(asyncio.to_thread(encoder.encode, page)))
        pages.append(await timed(knowledge.suggest(
            actor=None, queries=[knowledge.SuggestQuery(t, 5) for t in page], encoder=encoder)))
    found = await knowledge.suggest(actor=None, queries=[knowledge.SuggestQuery(questions[0], 5)],
                                    encoder=encoder)
    assert found[0], "the bench's questions must find articles, or ranking is not exercised"
    return {
        "first": first,
        "single": 1000 * statistics.median(singles),
        "encode": 1000 * statistics.median(encodes),
        "page": 1000 * statistics.median(pages),
        "page_encode": 1000 * statistics.median(page_encodes),
    }


async def run(url: str, sizes: list[int], queries: int) -> None:
    await migrate(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        encoder = shared_embedder()
        rng = random.Random(0)
        questions = [question(rng) for _ in range(queries)]
        print(f"knowledge suggestions: {queries} questions one at a time, then in pages of {PAGE}; "
              f"medians; load average {load_average():.1f} at start")
        for size in sizes:
            f = await measure(size, encoder, questions)
            print(f"{size:,} articles: the first call encoded and stored them all in {f['first']:.1f} s")
            print(f"  one question  suggest {f['single']:7.1f} ms   its encoding alone {f['encode']:7.1f} ms"
                  f"   ratio {f['single'] / f['encode']:.2f}")
            print(f"  page of {PAGE}    suggest {f['page']:7.1f} ms   their encoding alone "
                  f"{f['page_encode']:7.1f} ms   ratio {f['page'] / f['page_encode']:.2f}")
        print(f"load average {load_average():.1f} at end")
    finally:
        await Tortoise.close_connections()


async def main_async(args: argparse.Namespace) -> None:
    async with throwaway_database(sqlite=args.sqlite, prefix="knowledgebench") as url:
        await run(url, args.articles, args.queries)


def main() -> None:
    parser = database_bench_parser("bench.knowledge_suggest", __doc__ or "")
    parser.add_argument("--articles", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--queries", type=int, default=100)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
