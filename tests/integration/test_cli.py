"""The `helpdesk` command as users run it: as processes, against this run's database."""

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
