"""client-examples/bi/kpis_to_csv.py (standard library only) against the session's server,
with a reporter's token."""

import csv
import importlib.util
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.api.desk import Desk, unique
from tests.clients.runner import CLIENT_EXAMPLES

CLIENT = CLIENT_EXAMPLES / "bi" / "kpis_to_csv.py"


def run(desk: Desk, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HELPDESK_URL": desk.gql.base_url, "HELPDESK_TOKEN": token}
    return subprocess.run(
        [sys.executable, str(CLIENT), *args],
        env=env,
        cwd=CLIENT.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_writes_one_csv_line_per_row_with_the_reporters_token(desk: Desk) -> None:
    assert desk.reporter is not None
    product = desk.gql.ok(
        "mutation($n: String!) { createProduct(input: {name: $n}) { id } }",
        {"n": unique("BI product")},
        desk.admin,
    )["createProduct"]["id"]
    start = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(2):
        ticket = desk.ticket(productId=product, priority="LOW")
    desk.gql.ok("mutation($t: ID!) { resolveTicket(ticketId: $t) { id } }", {"t": ticket["id"]}, desk.admin)
    end = datetime.now(UTC) + timedelta(minutes=5)
    result = run(
        desk,
        desk.reporter.token,
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--group-by",
        "PRODUCT",
        "--total",
    )
    assert result.returncode == 0, result.stderr
    lines = list(csv.DictReader(io.StringIO(result.stdout)))
    [mine] = [line for line in lines if line["key"] == product]
    assert mine["label"].startswith("BI product")
    assert (mine["tickets_created"], mine["tickets_resolved"], mine["ratings"]) == ("2", "1", "0")
    assert mine["average_stars"] == "" and mine["stars_5"] == "0"  # null: an empty cell
    assert lines[-1]["key"] == "TOTAL"
    assert sum(int(line["tickets_created"]) for line in lines[:-1]) == int(lines[-1]["tickets_created"])

    # The days are Berlin's: between 23:00 and 24:00 UTC, Berlin is already on the next date.
    berlin = ZoneInfo("Europe/Berlin")
    by_day = run(
        desk,
        desk.reporter.token,
        "--from",
        start.astimezone(berlin).date().isoformat(),
        "--to",
        (end.astimezone(berlin).date() + timedelta(days=1)).isoformat(),
        "--time-zone",
        "Europe/Berlin",
    )
    assert by_day.returncode == 0, by_day.stderr
    days = [line["key"] for line in csv.DictReader(io.StringIO(by_day.stdout))]
    assert days and days == sorted(days)


def test_refusals_end_with_code_1_and_the_reason(desk: Desk) -> None:
    assert desk.agent is not None
    period = ("--from", "2026-03-01", "--to", "2026-04-01")
    forbidden = run(desk, desk.agent.token, *period)
    assert forbidden.returncode == 1 and "FORBIDDEN" in forbidden.stderr and forbidden.stdout == ""
    refused = run(desk, "hd_not-a-token", *period)
    assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr
    backwards = run(desk, desk.admin, "--from", "2026-04-01", "--to", "2026-03-01")
    assert backwards.returncode == 1 and "BAD_USER_INPUT (to)" in backwards.stderr


def test_a_label_a_spreadsheet_would_run_stays_text() -> None:
    """Customer names are chosen by customers: "=HYPERLINK(...)" must not become a formula."""
    spec = importlib.util.spec_from_file_location("kpis_to_csv", CLIENT)
    assert spec is not None and spec.loader is not None
    client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(client)
    zero = {"met": 0, "breached": 0, "pending": 0, "metPercent": None}
    times = {"count": 0, "meanSeconds": None, "medianSeconds": None, "p90Seconds": None}
    figures = {
        "ticketsCreated": 1,
        "ticketsResolved": 0,
        "ticketsClosed": 0,
        "ticketsReopened": 0,
        "firstResponse": zero,
        "resolution": zero,
        "firstResponseTime": times,
        "resolutionTime": times,
        "satisfaction": {"count": 0, "averageStars": None, "satisfiedPercent": None, "distribution": []},
    }
    for label in ('=HYPERLINK("http://x.test","ok")', "+1", "-2+3", "@SUM(A1)"):
        assert client.flatten("7", label, figures)[1] == "'" + label
    assert client.flatten("7", "Ann Smith", figures)[1] == "Ann Smith"
