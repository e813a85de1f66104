"""`classify-eval` end to end on a small CSV written by the test."""

import csv
import json
from pathlib import Path

import pytest

from domain.triage.evaluate import main

ROWS = {
    "billing": [
        "I was charged twice for my subscription",
        "Please refund the duplicate payment",
        "Why is there an extra fee on my invoice",
        "My credit card was billed the wrong amount",
        "The invoice total does not match the price",
        "Can I get a refund for last month",
        "You took money from my account without asking",
        "I want to change my payment method to PayPal",
    ],
    "technical": [
        "The app crashes when I open it",
        "The login page shows error 500",
        "The password reset link is broken",
        "The website is very slow today",
        "Uploading an attachment fails with a timeout",
        "Notifications stopped working after the update",
        "The export button does nothing",
        "I get a blank screen on the dashboard",
    ],
    "account": [
        "How do I change my email address",
        "I want to close my account",
        "Add a second user to my account",
        "Update my company name on the profile",
        "How can I transfer ownership to a colleague",
        "Please remove my old phone number",
        "I would like to rename my workspace",
        "Where do I change my display name",
    ],
}


@pytest.fixture
def tickets_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tickets.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["body", "queue"])
        for label, texts in ROWS.items():
            writer.writerows([text, label] for text in texts)
        writer.writerow(["a row without a label", ""])
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cross_validation_json(tickets_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, str(tickets_csv), "--text-column", "body", "--label-column", "queue", "--folds", "4", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert result["scheme"]["kind"] == "cross-validation" and result["scheme"]["folds"] == 4
    assert result["items"] == 24 and result["data"]["skipped_rows"] == 1
    assert result["accuracy"] >= 0.75
    assert 0.0 <= result["macro_f1"] <= 1.0
    assert len(result["split_accuracies"]) == 4
    assert {row["label"] for row in result["per_class"]} == set(ROWS)
    assert sum(map(sum, result["confusion"]["matrix"])) == 24
    thresholds = [row["threshold"] for row in result["accuracy_at_coverage"]]
    assert thresholds == sorted(thresholds) and thresholds[0] == 0.5
    coverages = [row["coverage"] for row in result["accuracy_at_coverage"]]
    assert coverages == sorted(coverages, reverse=True)
    assert result["coverage_at_target"]["target"] == 0.98
    assert result["model"].startswith("all-MiniLM-L6-v2")
    assert len(result["models"]) == 4 and all(name.startswith("all-MiniLM-L6-v2+") for name in result["models"])


def test_holdout_text_report(tickets_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, str(tickets_csv), "--text-column", "body", "--label-column", "queue",
        "--holdout", "0.25", "--thresholds", "0.5,0.9", "--target-accuracy", "0.9", "--seed", "3",
    )
    assert code == 0
    assert "stratified holdout of 0.25 (6 tested), seed 3" in out
    assert "accuracy" in out and "macro-F1" in out
    assert "confusion (rows: true, columns: predicted)" in out
    assert "coverage at accuracy >= 0.9" in out
    assert "\n           0.90" in out


def test_train_file_and_limit(tickets_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    test_csv = tmp_path / "new.csv"
    test_csv.write_text("body,queue\nrefund the double charge,billing\nthe app will not start,technical\n")
    code, out, _ = run(
        capsys, str(test_csv), "--train", str(tickets_csv), "--text-column", "body",
        "--label-column", "queue", "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["scheme"]["kind"] == "train-file"
    assert result["items"] == 2 and result["accuracy"] == 1.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--label-column", "nope"], "no column 'nope'"),
        (["--text-column", "text"], "no column 'text'"),
        (["--limit", "8"], "fewer than 2 labels"),
        (["--holdout", "1.5"], "must lie strictly between 0 and 1"),
        (["--folds", "1"], "must be at least 2"),
        (["--folds", "3", "--holdout", "0.2"], "not allowed with argument"),
        (["--thresholds", "0.5,high"], "not a comma-separated list"),
        (["--train", "/nonexistent/train.csv"], "no such file"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    tickets_csv: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    argv = [str(tickets_csv), "--text-column", "body", "--label-column", "queue", *extra]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "/nonexistent/tickets.csv")
    assert code == 2 and "no such file" in err


@pytest.fixture
def subcategories_csv(tmp_path: Path) -> Path:
    """Each queue of ROWS split into two subcategories of four texts."""
    path = tmp_path / "subcategories.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["body", "subcategory", "queue"])
        for label, texts in ROWS.items():
            writer.writerows([text, f"{label}-{i // 4}", label] for i, text in enumerate(texts))
    return path


def test_subcategories_are_reported_on_their_parents(
    subcategories_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, str(subcategories_csv), "--text-column", "body", "--label-column", "subcategory",
        "--parent-column", "queue", "--folds", "4", "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["data"]["labels"] == 6 and result["data"]["parents"] == 3
    assert {row["label"] for row in result["per_class"]} == set(ROWS)
    assert sum(map(sum, result["confusion"]["matrix"])) == 24
    assert result["accuracy"] >= 0.75
    assert "reported on its parents in 'queue'" in result["data"]["summary"]


def test_a_subcategory_with_two_parents_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clash.csv"
    path.write_text("text,label,parent\nrefund me,refund,billing\nrefund please,refund,account\n"
                    "app crashes,crash,technical\n")
    code, out, err = run(capsys, str(path), "--parent-column", "parent", "--folds", "2")
    assert code == 2 and out == ""
    assert "label 'refund' has two parents: 'billing' and 'account'" in err
