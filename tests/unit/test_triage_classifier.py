"""The ticket classifier on small example sets written here, with the real model and a fake.

The real model (loaded once per process by shared_embedder) shows that the behaviour holds
on meaning; the fake encoder makes the call-counting and shape tests exact and fast.
"""

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import pytest

from domain.triage.classifier import Prediction, Regression, TrainingConfig, TriageClassifier
from domain.triage.embedder import Embedder, Vector, shared_embedder

EXAMPLES = {
    "billing": [
        "I was charged twice for my subscription",
        "Please refund the duplicate payment",
        "Why is there an extra fee on my invoice",
        "My credit card was billed the wrong amount",
    ],
    "technical": [
        "The app crashes when I open it",
        "The login page shows error 500",
        "The password reset link is broken",
        "The website is very slow today",
    ],
    "account": [
        "How do I change my email address",
        "I want to close my account",
        "Add a second user to my account",
        "Update my company name on the profile",
    ],
}
TEXTS = [text for label in EXAMPLES for text in EXAMPLES[label]]
LABELS = [label for label in EXAMPLES for _ in EXAMPLES[label]]


class HashingEncoder:
    """Bag of hashed words, L2-normalised: deterministic, instant, and counts its calls."""

    name = "hashing"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> Vector:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture(scope="module")
def trained(embedder: Embedder) -> TriageClassifier:
    return TriageClassifier.train(TEXTS, LABELS, encoder=embedder)


def test_predicts_the_meaning_of_unseen_wording(trained: TriageClassifier) -> None:
    assert trained.labels == ("account", "billing", "technical")
    assert trained.model_name.startswith("all-MiniLM-L6-v2+lr")
    assert trained.classify("I got charged two times this month").label == "billing"
    assert trained.classify("the app keeps crashing on startup").label == "technical"
    assert trained.classify("change the e-mail on my profile").label == "account"


def test_prediction_shape(trained: TriageClassifier) -> None:
    prediction = trained.classify("refund please")
    assert isinstance(prediction, Prediction)
    assert len(prediction.ranking) == 3
    assert prediction.ranking[0] == (prediction.label, prediction.confidence)
    probabilities = [p for _, p in prediction.ranking]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[-1] >= 0.0 and sum(probabilities) == pytest.approx(1.0)
    assert {label for label, _ in prediction.ranking} == set(trained.labels)


def test_ranking_holds_at_most_three(embedder: Embedder) -> None:
    labels = [f"label{i}" for i in range(5)]
    texts = ["card", "invoice", "crash", "password", "address"]
    prediction = TriageClassifier.train(texts, labels, encoder=embedder).classify("my card")
    assert len(prediction.ranking) == 3
    assert sum(p for _, p in prediction.ranking) < 1.0


def test_in_domain_text_is_more_confident_than_gibberish_or_ambiguous(trained: TriageClassifier) -> None:
    clear = trained.classify("I was charged two times, please refund one payment")
    gibberish = trained.classify("xkq zzv plomb frr")
    ambiguous = trained.classify("hello")
    assert clear.confidence > 0.9
    assert gibberish.confidence < 0.6
    assert clear.confidence > ambiguous.confidence
    assert clear.confidence > gibberish.confidence


def test_moving_an_example_moves_the_prediction(embedder: Embedder) -> None:
    texts = [
        "I was charged twice",
        "Refund my payment",
        "The app crashes",
        "Error 500 on login",
        "The payment page crashes on checkout",
    ]
    query = "the payment page crashes when I pay"
    as_billing = TriageClassifier.train(texts, ["billing", "billing", "technical", "technical", "billing"],
                                        encoder=embedder)
    as_technical = TriageClassifier.train(texts, ["billing", "billing", "technical", "technical", "technical"],
                                          encoder=embedder)
    assert as_billing.classify(query).label == "billing"
    assert as_technical.classify(query).label == "technical"


def test_adding_an_example_adds_a_label(trained: TriageClassifier, embedder: Embedder) -> None:
    query = "Where can I download the tax receipt for last year"
    assert trained.classify(query).label != "documents"
    texts = [*TEXTS, "I need a copy of my yearly tax receipt", "Send me the annual tax statement"]
    labels = [*LABELS, "documents", "documents"]
    assert TriageClassifier.train(texts, labels, encoder=embedder).classify(query).label == "documents"


def test_batch_equals_one_by_one(trained: TriageClassifier) -> None:
    queries = ["double charge on my card", "cannot log in", "close my account", "zzz", "a" * 3000]
    batch = trained.classify_batch(queries)
    for query, together in zip(queries, batch, strict=True):
        alone = trained.classify(query)
        assert alone.label == together.label
        # Padding in a batch shifts float32 sums in the last digits only.
        assert alone.confidence == pytest.approx(together.confidence, abs=1e-4)
        assert [label for label, _ in alone.ranking] == [label for label, _ in together.ranking]


def test_batch_embeds_in_one_encoder_call() -> None:
    encoder = HashingEncoder()
    classifier = TriageClassifier.train(TEXTS, LABELS, encoder=encoder)
    encoder.calls.clear()
    predictions = classifier.classify_batch(["refund", "crash", "email", "fee"])
    assert encoder.calls == [4]
    assert len(predictions) == 4
    assert classifier.classify_batch([]) == []
    assert encoder.calls == [4]


def test_precomputed_vectors_are_used_instead_of_encoding() -> None:
    encoder = HashingEncoder()
    vectors = encoder.encode(TEXTS)
    encoder.calls.clear()
    classifier = TriageClassifier.train(TEXTS, LABELS, encoder=encoder, vectors=vectors)
    assert encoder.calls == []
    queries = ["refund the fee", "the app crashes"]
    by_vectors = classifier.classify_vectors(queries, encoder.encode(queries))
    assert by_vectors == classifier.classify_batch(queries)


def test_training_is_deterministic(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    queries = ["refund", "slow website", "hello there", "new user"]
    query_vectors = embedder.encode(queries)
    first = TriageClassifier.train(TEXTS, LABELS, encoder=embedder, vectors=vectors)
    second = TriageClassifier.train(TEXTS, LABELS, encoder=embedder, vectors=vectors.copy())
    assert first.temperature == second.temperature
    assert first.classify_vectors(queries, query_vectors) == second.classify_vectors(queries, query_vectors)


def test_training_order_of_labels_does_not_matter() -> None:
    encoder = HashingEncoder()
    forward = TriageClassifier.train(TEXTS, LABELS, encoder=encoder)
    backward = TriageClassifier.train(TEXTS[::-1], LABELS[::-1], encoder=encoder)
    assert forward.labels == backward.labels
    assert forward.classify("refund the fee").label == backward.classify("refund the fee").label


@pytest.mark.parametrize(
    ("texts", "labels", "vectors", "message"),
    [
        ([], [], None, "no training texts"),
        (["a", "b"], ["x"], None, "2 texts but 1 labels"),
        (["a", "b"], ["x", "y"], np.zeros((3, 64), np.float32), "shape"),
        (["a", "b"], ["x", "y"], np.zeros(64, np.float32), "shape"),
        (["a", "b"], ["x", "y"], np.zeros((2, 0), np.float32), "shape"),
        (["a", "b"], ["x", "y"], np.full((2, 64), np.nan, np.float32), "NaN"),
    ],
)
def test_bad_training_input_raises(
    texts: list[str], labels: list[str], vectors: Vector | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TriageClassifier.train(texts, labels, encoder=HashingEncoder(), vectors=vectors)


def test_bad_vectors_at_prediction_raise() -> None:
    classifier = TriageClassifier.train(TEXTS, LABELS, encoder=HashingEncoder())
    with pytest.raises(ValueError, match="shape"):
        classifier.classify_vectors(["a", "b"], np.zeros((1, 64), np.float32))
    with pytest.raises(ValueError, match="dimension"):
        classifier.classify_vectors(["a"], np.zeros((1, 32), np.float32))


def test_one_label_is_always_that_label_with_full_confidence(embedder: Embedder) -> None:
    classifier = TriageClassifier.train(["The app crashes"], ["technical"], encoder=embedder)
    for text in ["The app crashes", "refund my payment", ""]:
        assert classifier.classify(text) == Prediction("technical", 1.0, (("technical", 1.0),))


def test_one_example_per_label(embedder: Embedder) -> None:
    classifier = TriageClassifier.train(
        ["I was charged twice", "The app crashes"], ["billing", "technical"], encoder=embedder
    )
    assert not classifier.calibrated
    assert classifier.temperature == TrainingConfig().default_temperature
    billing = classifier.classify("refund my double payment")
    technical = classifier.classify("the application keeps crashing")
    assert (billing.label, technical.label) == ("billing", "technical")
    assert 0.5 < billing.confidence < 1.0
    assert len(billing.ranking) == 2


@pytest.mark.parametrize("weighted", [False, True])
def test_the_examples_choose_the_regression(weighted: bool) -> None:
    """The regression that predicts the held-out examples best is used, not the first listed.

    A regression with almost no freedom (C 1e-4) cannot tell the labels apart; the other can.
    The two differ in n-gram weighting too, which the model name shows.
    """
    useless = Regression(c=1e-4, term_weight_smoothing=0.0 if weighted else 1.0)
    useful = Regression(c=10.0, term_weight_smoothing=1.0 if weighted else 0.0)
    config = TrainingConfig(regressions=(useless, useful), knn_weights=(0.0,))
    classifier = TriageClassifier.train(TEXTS, LABELS, encoder=HashingEncoder(), config=config)
    assert classifier.calibrated
    assert classifier.model_name == ("hashing+nblr" if weighted else "hashing+lr")
    assert classifier.classify("refund the duplicate payment").label == "billing"


def test_too_few_examples_to_choose_take_the_first_regression() -> None:
    first = Regression(c=10.0, term_weight_smoothing=1.0)
    config = TrainingConfig(regressions=(first, Regression(c=1.0, term_weight_smoothing=0.0)))
    classifier = TriageClassifier.train(TEXTS[2:6], LABELS[2:6], encoder=HashingEncoder(), config=config)
    assert not classifier.calibrated and classifier.model_name.startswith("hashing+nblr")


def test_unbalanced_labels(embedder: Embedder) -> None:
    technical = [f"{text}{tail}" for tail in ("", " again", " since Monday") for text in EXAMPLES["technical"]]
    texts = [*technical, "Refund my payment"]
    labels = ["technical"] * len(technical) + ["billing"]
    classifier = TriageClassifier.train(texts, labels, encoder=embedder)
    assert classifier.calibrated  # the lone billing example is held out by one fold only
    assert classifier.classify("please refund my payment").label == "billing"
    assert classifier.classify("the website is down").label == "technical"


def test_texts_without_words_still_train(embedder: Embedder) -> None:
    # No n-gram vocabulary at all: the embedding carries the decision alone.
    classifier = TriageClassifier.train(["!!!", "???", "...", ":-)"], ["a", "a", "b", "b"], encoder=embedder)
    assert classifier.classify("!!").label in {"a", "b"}


def test_long_text_is_classified(trained: TriageClassifier) -> None:
    body = "Steps to reproduce: open the invoice page and look at the total. " * 320
    text = "Charged twice for the same invoice\n" + body
    assert len(text) > 20_000
    prediction = trained.classify(text)
    assert prediction.label == "billing"
    assert prediction == trained.classify_batch([text])[0]


def test_long_text_chunking_and_subject_weighting(embedder: Embedder) -> None:
    from domain.triage.embedder import LongTextPolicy

    subject = "Charged twice for my subscription"
    text = subject + "\n" + "The weather was lovely and we walked along the river bank. " * 400
    assert len(text) > 20_000
    # The loaded model is shared rather than loaded three times; only the policy differs.
    chunked = embedder.with_options(policy=LongTextPolicy(chunk=True, max_chunks=8, subject_weight=0.0))
    weighted = embedder.with_options(policy=LongTextPolicy(chunk=True, max_chunks=8, subject_weight=0.5))
    [subject_vector] = embedder.encode([subject])
    plain = float(chunked.encode([text])[0] @ subject_vector)
    leaning = float(weighted.encode([text])[0] @ subject_vector)
    assert leaning > plain + 0.1
    classifier = TriageClassifier.train(TEXTS, LABELS, encoder=weighted)
    assert classifier.classify(text).label == "billing"
