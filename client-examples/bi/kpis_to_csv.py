#!/usr/bin/env python3
"""Pulls the help desk's `kpis` for a period and grouping and writes them as CSV to stdout.

Standard library only, so it runs wherever a BI job runs. See README.md.
"""

import argparse
import csv
import json
import os
import sys
import urllib.error
import urllib.request
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FIGURES = """ticketsCreated ticketsResolved ticketsClosed ticketsReopened
  firstResponse { met breached pending metPercent }
  resolution { met breached pending metPercent }
  firstResponseTime { count meanSeconds medianSeconds p90Seconds }
  resolutionTime { count meanSeconds medianSeconds p90Seconds }
  satisfaction { count averageStars satisfiedPercent distribution { stars count } }"""
QUERY = f"""query Kpis($from: DateTime!, $to: DateTime!, $groupBy: KpiDimension, $timeZone: String) {{
  kpis(from: $from, to: $to, groupBy: $groupBy, timeZone: $timeZone) {{
    total {{ {FIGURES} }}
    rows {{ key label figures {{ {FIGURES} }} }}
  }}
}}"""
DIMENSIONS = ("AGENT", "GROUP", "CUSTOMER", "PRODUCT", "CATEGORY", "TOP_CATEGORY", "PRIORITY", "DAY", "NONE")
TOTAL_KEY = "TOTAL"


class Failure(Exception):
    """Ends the program with a message on stderr and exit code 1."""


def moment(text: str, zone: ZoneInfo) -> str:
    """An ISO date-time with an offset, or a plain date meaning its midnight in `zone`."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Failure(f"not a date or date-time: {text!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.isoformat()
    return datetime.combine(day, time(0), tzinfo=zone).isoformat()


def fetch(url: str, token: str, variables: dict[str, Any], timeout: float) -> dict[str, Any]:
    body = json.dumps({"query": QUERY, "variables": variables}).encode()
    request = urllib.request.Request(
        f"{url.rstrip('/')}/graphql",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as error:
        raise Failure(f"HTTP {error.code} from {url}: {error.read()[:300]!r}") from None
    except (urllib.error.URLError, OSError) as error:
        raise Failure(f"cannot reach {url}: {error}") from None
    if answer.get("errors"):
        first = answer["errors"][0]
        extensions = first.get("extensions") or {}
        field = f" ({extensions['field']})" if extensions.get("field") else ""
        raise Failure(f"{extensions.get('code', 'ERROR')}{field}: {first.get('message')}")
    report: dict[str, Any] = answer["data"]["kpis"]
    return report


def columns() -> list[str]:
    names = ["key", "label", "tickets_created", "tickets_resolved", "tickets_closed", "tickets_reopened"]
    for target in ("first_response", "resolution"):
        names += [f"{target}_met", f"{target}_breached", f"{target}_pending", f"{target}_met_percent"]
    for target in ("first_response", "resolution"):
        names += [
            f"{target}_count",
            f"{target}_mean_seconds",
            f"{target}_median_seconds",
            f"{target}_p90_seconds",
        ]
    names += ["ratings", "average_stars", "satisfied_percent", *(f"stars_{n}" for n in range(1, 6))]
    return names


# A cell starting with one of these is a formula to a spreadsheet (CSV injection): a customer
# named "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def flatten(key: str, label: str, f: dict[str, Any]) -> list[Any]:
    """One CSV line; an empty cell where the API says null (e.g. no ratings: no average).
    Labels (names people chose) that a spreadsheet would run as a formula get a leading '."""
    line: list[Any] = [
        key,
        as_text(label),
        f["ticketsCreated"],
        f["ticketsResolved"],
        f["ticketsClosed"],
        f["ticketsReopened"],
    ]
    for target in ("firstResponse", "resolution"):
        a = f[target]
        line += [a["met"], a["breached"], a["pending"], a["metPercent"]]
    for target in ("firstResponseTime", "resolutionTime"):
        d = f[target]
        line += [d["count"], d["meanSeconds"], d["medianSeconds"], d["p90Seconds"]]
    s = f["satisfaction"]
    per_star = {c["stars"]: c["count"] for c in s["distribution"]}
    line += [s["count"], s["averageStars"], s["satisfiedPercent"], *(per_star.get(n, 0) for n in range(1, 6))]
    return ["" if value is None else value for value in line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Help-desk KPIs as CSV on stdout.")
    parser.add_argument("--url", default=os.environ.get("HELPDESK_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("HELPDESK_TOKEN"), help="prefer HELPDESK_TOKEN")
    parser.add_argument(
        "--from", dest="start", required=True, help="YYYY-MM-DD or an ISO date-time (included)"
    )
    parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD or an ISO date-time (excluded)")
    parser.add_argument("--group-by", default="DAY", choices=DIMENSIONS, help="NONE: the total only")
    parser.add_argument("--time-zone", default="UTC", help="IANA zone for plain dates and DAY rows")
    parser.add_argument("--total", action="store_true", help=f"add a last line keyed {TOTAL_KEY}")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    try:
        if not args.token:
            raise Failure("no token: set HELPDESK_TOKEN (a REPORTER token is enough)")
        try:
            zone = ZoneInfo(args.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Failure(f"unknown time zone {args.time_zone!r}") from None
        variables = {
            "from": moment(args.start, zone),
            "to": moment(args.end, zone),
            "groupBy": None if args.group_by == "NONE" else args.group_by,
            "timeZone": args.time_zone,
        }
        report = fetch(args.url, args.token, variables, args.timeout)
    except Failure as failure:
        print(f"kpis_to_csv: {failure}", file=sys.stderr)
        return 1
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(columns())
    for row in report["rows"]:
        out.writerow(flatten(row["key"], row["label"], row["figures"]))
    if args.total or args.group_by == "NONE":
        out.writerow(flatten(TOTAL_KEY, "Total", report["total"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
