"""The `helpdesk` command as users run it: as processes, against this run's database."""

import csv
import json
from pathlib import Path

import httpx

from tests.conftest import run_cli, serve_process
from tests.gql import GraphQL


def test_migrate_is_safe_twice(cli_env: dict[str, str], migrated: None) -> None:
    for _ in range(2):
        result = run_cli(cli_env, "migrate")
        assert result.returncode == 0, result.stderr


def test_token_create_prints_the_token_last_and_creates_the_user_once(
    cli_env: dict[str, str], migrated: None
) -> None:
    tokens = []
    for _ in range(2):
        result = run_cli(cli_env, "token", "create", "--email", "bi@reports.test", "--role", "REPORTER")
        assert result.returncode == 0, result.stderr
        tokens.append(result.stdout.strip().splitlines()[-1])
    assert tokens[0] != tokens[1] and all(t.startswith("hd_") for t in tokens)
    with serve_process(cli_env) as base_url:
        gql = GraphQL(base_url)
        for token in tokens:
            assert gql.ok("{ me { email role } }", token=token)["me"] == {
                "email": "bi@reports.test",
                "role": "REPORTER",
            }
        assert httpx.get(f"{base_url}/readyz").json()["ready"] is True


def test_token_create_rejects_a_bad_email(cli_env: dict[str, str], migrated: None) -> None:
    result = run_cli(cli_env, "token", "create", "--email", "nope", "--role", "AGENT")
    assert result.returncode == 2 and "email" in result.stderr


def test_classify_eval_measures_a_labelled_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    """The command of API.md, end to end: cross-validation on a small file the test writes."""
    rows = {
        "billing": ["I was charged twice", "Send me my invoice", "My card payment failed",
                    "Refund my last payment", "Change my billing address", "Wrong amount on the invoice"],
        "access": ["I cannot log in", "Password reset mail never arrives", "My account is locked",
                   "Two-factor code rejected", "Forgot my username", "Login page says wrong password"],
    }
    path = tmp_path / "tickets.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["body", "kind"])
        for label, texts in rows.items():
            writer.writerows([text, label] for text in texts)
    # Options before the file, as in API.md's `--train A.csv B.csv`, reach the evaluator.
    result = run_cli(cli_env, "classify-eval", "--folds", "3", "--json", str(path), "--text-column", "body",
                     "--label-column", "kind", timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["items"] == 12 and 0.5 <= report["accuracy"] <= 1.0 and 0 <= report["macro_f1"] <= 1.0
    assert {row["label"] for row in report["per_class"]} == {"billing", "access"}
    assert sorted(report["confusion"]["labels"]) == ["access", "billing"]
    assert sum(map(sum, report["confusion"]["matrix"])) == 12 and report["accuracy_at_coverage"]
    missing = run_cli(cli_env, "classify-eval", str(path), "--text-column", "body", "--label-column", "nope")
    assert missing.returncode == 2 and "nope" in missing.stderr
    usage = run_cli(cli_env, "classify-eval", "--help")
    assert usage.returncode == 0 and "--parent-column" in usage.stdout
