"""`helpdesk backup` and `helpdesk restore` as admins run them: a whole desk (the demo desk
plus what only the API makes: tokens, attachments, a rating, chat intake, mail in the outbox,
on-call pages) backed up by the CLI, restored into fresh databases and compared table by
table. On the real backend the source is PostgreSQL and the copy goes PostgreSQL → SQLite →
PostgreSQL, so both directions are covered."""

import hashlib
import inspect
import json
import subprocess
import sys
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.models import Model

import domain.models
from domain.rules.backup_format import MANIFEST_MEMBER, BackupFormatError, MemberEntry, encode_row, sha256_hex
from domain.rules.webhook_signature import sign
from domain.services.backup import EXCLUDED, _read_member
from domain.services.satisfaction import survey_token
from tests.api.own_desk import wait_for
from tests.backends import Backend, create_backend, drop_backend
from tests.conftest import REPO, free_port, run_cli, serve_process
from tests.gql import GraphQL

SECRET = "backup-test-secret-key"
FILE_BYTES = b"%PDF-1.4 a contract\n" + bytes(range(256)) * 8


@dataclass
class Database:
    url: str
    env: dict[str, str]
    var_dir: Path


class Databases:
    """Fresh databases of either kind, each with its own var dir (attachments, secret key)."""

    def __init__(self, base_env: dict[str, str], tmp: Path) -> None:
        self.base_env = base_env
        self.tmp = tmp
        self.created: list[Backend] = []

    def new(self, kind: str, **extra: str) -> Database:
        label = uuid.uuid4().hex[:8]
        var_dir = self.tmp / f"var-{label}"
        var_dir.mkdir()
        if kind == "sqlite":
            url = f"sqlite://{self.tmp}/desk-{label}.sqlite3"
        else:
            # Only the real run asks for PostgreSQL desks; tests/backends.py makes and drops them.
            made = create_backend(var_dir)
            assert made.is_real, "a PostgreSQL desk needs HELPDESK_TEST_BACKEND=real"
            self.created.append(made)
            url = made.database_url
        env = {
            **self.base_env,
            "HELPDESK_DATABASE_URL": url,
            "HELPDESK_VAR_DIR": str(var_dir),
            "HELPDESK_ATTACHMENTS_DIR": str(var_dir / "attachments"),
            **extra,
        }
        # Embedded jobs (no Redis) whatever the database: these desks need no worker.
        env.pop("HELPDESK_REDIS_URL", None)
        if "HELPDESK_SECRET_KEY" not in extra:
            env.pop("HELPDESK_SECRET_KEY", None)
        return Database(url, env, var_dir)

    def drop_all(self) -> None:
        for made in self.created:
            drop_backend(made)


def tables(db: Database) -> dict[str, list[dict[str, Any]]]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.desk_tables"],
        env=db.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


@dataclass
class Source:
    db: Database
    backup: Path
    admin_token: str
    tables: dict[str, list[dict[str, Any]]]
    summary: str


def build_rich_desk(gql: GraphQL, admin: str, base_url: str) -> None:
    """What the demo does not make, through the API."""

    def mutate(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return gql.ok(query, variables, admin)

    mutate(
        "mutation($i: BusinessCalendarInput!) { upsertBusinessCalendar(input: $i) { id } }",
        {
            "i": {
                "name": "Office hours",
                "timezone": "Europe/Paris",
                "weeklyHours": {"0": [["09:00", "12:00"], ["13:00", "17:00"]]},
                "holidays": ["2026-12-25"],
            }
        },
    )
    # A subcategory whose parent was made after it: restoring must not need parents first.
    create_category = "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { id } }"
    child = mutate(create_category, {"i": {"name": "Backup refunds"}})["createCategory"]["id"]
    parent = mutate(create_category, {"i": {"name": "Backup billing"}})["createCategory"]["id"]
    mutate("mutation($i: UpdateCategoryInput!) { updateCategory(input: $i) { id } }",
           {"i": {"id": child, "parentId": parent}})
    group = mutate(
        "mutation($i: CreateGroupInput!) { createGroup(input: $i) { id } }", {"i": {"name": "Backup on call"}}
    )["createGroup"]["id"]
    agent = mutate(
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {"i": {"email": "oncall@backup.test", "name": "On Call", "role": "AGENT", "groupIds": [group]}},
    )["createUser"]["id"]
    now = datetime.now(UTC)
    mutate(
        "mutation($i: OnCallScheduleInput!) { upsertOnCallSchedule(input: $i) { id } }",
        {
            "i": {
                "groupId": group,
                "participantIds": [agent],
                "startsAt": (now - timedelta(hours=1)).isoformat(),
                "ackTimeoutSeconds": 3600,
                "webhookUrl": f"http://127.0.0.1:{free_port()}/pages",
            }
        },
    )
    mutate(
        "mutation($g: ID!, $u: ID!, $s: DateTime!, $e: DateTime!) { addOnCallOverride(groupId: $g, "
        "userId: $u, startsAt: $s, endsAt: $e) { id } }",
        {
            "g": group,
            "u": agent,
            "s": (now + timedelta(days=1)).isoformat(),
            "e": (now + timedelta(days=2)).isoformat(),
        },
    )
    create = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
    urgent = mutate(
        create,
        {
            "i": {
                "subject": "Everything is down",
                "description": "All of it",
                "customerEmail": "ops@backup.test",
                "priority": "URGENT",
                "groupId": group,
            }
        },
    )["createTicket"]["id"]
    pages = "query { pages(openOnly: false) { ticket { id } } }"
    wait_for(
        lambda: any(p["ticket"]["id"] == urgent for p in gql.ok(pages, None, admin)["pages"]), "the page"
    )

    ticket = mutate(
        create,
        {
            "i": {
                "subject": "Contract attached",
                "description": "See the file",
                "customerEmail": "legal@backup.test",
            }
        },
    )["createTicket"]["id"]
    uploaded = httpx.post(
        f"{base_url}/tickets/{ticket}/attachments",
        files=[("file", ("contract.pdf", FILE_BYTES, "application/pdf"))],
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    mutate(
        'mutation($t: ID!, $a: [ID!]) { addReply(ticketId: $t, body: "Signed copy", attachmentIds: $a) { id } }',
        {"t": ticket, "a": [uploaded.json()[0]["id"]]},
    )
    mutate("mutation($t: ID!) { resolveTicket(ticketId: $t) { id } }", {"t": ticket})
    mutate("mutation($t: ID!) { closeTicket(ticketId: $t) { id } }", {"t": ticket})
    token = survey_token(ticket_id=int(ticket), secret_key=SECRET, now=datetime.now(UTC))
    gql.ok(
        'mutation($t: String!) { rateTicket(token: $t, stars: 5, comment: "Quick") { stars } }', {"t": token}
    )

    channel = mutate(
        "mutation($i: ChatChannelInput!) { upsertChatChannel(input: $i) { name secret } }",
        {"i": {"name": "backup-im"}},
    )["upsertChatChannel"]
    body = json.dumps(
        {
            "message": {"id": "m-1", "text": "Hello from chat"},
            "sender": {"id": "u-1", "name": "Chatty"},
            "conversation": {"id": "c-1"},
        }
    ).encode()
    stamp = str(int(time.time()))
    posted = httpx.post(
        f"{base_url}/hooks/chat/{channel['name']}",
        content=body,
        timeout=30,
        headers={
            "content-type": "application/json",
            "X-Helpdesk-Timestamp": stamp,
            "X-Helpdesk-Signature": sign(channel["secret"], stamp, body),
        },
    )
    assert posted.status_code < 300, posted.text


@pytest.fixture(scope="module")
def databases(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(cli_env, tmp_path_factory.mktemp("backup"))
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def source(backend: Backend, databases: Databases) -> Source:
    # Mail goes to a port nobody listens on, so it waits in the outbox (and is backed up).
    db = databases.new(
        "postgres" if backend.is_real else "sqlite",
        HELPDESK_SECRET_KEY=SECRET,
        HELPDESK_TRIAGE="off",
        HELPDESK_SMTP_HOST="127.0.0.1",
        HELPDESK_SMTP_PORT=str(free_port()),
        HELPDESK_QUEUE_NAME=f"helpdesk-test-backup:{uuid.uuid4().hex[:8]}",
    )
    ok(run_cli(db.env, "migrate"))
    ok(run_cli(db.env, "demo", timeout=300))
    admin = ok(run_cli(db.env, "token", "create", "--email", "backup-admin@backup.test", "--role", "ADMIN"))
    with serve_process(db.env) as base_url:
        build_rich_desk(GraphQL(base_url), admin, base_url)
        # One backup while the server runs: it must be a valid, restorable file.
        live = db.var_dir / "live.zip"
        ok(run_cli(db.env, "backup", str(live)))
    path = db.var_dir / "desk.zip"
    summary = ok(run_cli(db.env, "backup", str(path)))
    return Source(db, path, admin, tables(db), summary)


def manifest_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return dict(json.loads(archive.read(MANIFEST_MEMBER)))


def test_the_backup_is_one_zip_with_a_manifest_and_a_line_of_summary(source: Source) -> None:
    assert source.summary.startswith("backed up ") and " rows, " in source.summary
    assert " 1 attachment files, " in source.summary
    manifest = manifest_of(source.backup)
    assert manifest["format"] == "helpdesk-backup" and manifest["format_version"] == 1
    assert manifest["migrations"]["level"] == manifest["migrations"]["applied"][-1]
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts == {table: len(rows) for table, rows in source.tables.items()}
    # the desk the test built reaches every table
    assert [table for table, rows in counts.items() if rows == 0] == []
    with zipfile.ZipFile(source.backup) as archive:
        for name, member in manifest["members"].items():
            assert sha256_hex(archive.read(name)) == member["sha256"]
        digest = hashlib.sha256(FILE_BYTES).hexdigest()
        assert archive.read(f"attachments/{digest[:2]}/{digest}") == FILE_BYTES
    # parents before children: each table's foreign keys point at tables listed earlier
    order = [t["table"] for t in manifest["tables"]]
    assert (
        order.index("users") < order.index("tickets") < order.index("messages") < order.index("attachments")
    )
    assert not list(source.db.var_dir.glob(".desk.zip.*")), "the temporary file was left behind"


def test_every_model_is_backed_up_or_excluded_with_a_reason(source: Source) -> None:
    models = {
        name: cls
        for name, cls in inspect.getmembers(domain.models, inspect.isclass)
        if issubclass(cls, Model) and cls is not Model and cls.__module__ == domain.models.__name__
    }
    manifest = manifest_of(source.backup)
    backed_up = {t["model"]: t for t in manifest["tables"]}
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert set(EXCLUDED) <= set(models), "EXCLUDED names a model that does not exist"
    assert not set(EXCLUDED) & set(backed_up)
    neither = sorted(set(models) - set(backed_up) - set(EXCLUDED))
    assert neither == [], f"models neither backed up nor excluded with a reason: {neither}"
    for name, entry in backed_up.items():
        # every stored column travels (foreign keys by their *_id columns)
        expected = set(models[name]._meta.fields_db_projection.values())
        assert expected <= set(entry["columns"]), name


@pytest.fixture(scope="module")
def restored(backend: Backend, source: Source, databases: Databases) -> Database:
    """The backup restored into the other kind of database (SQLite on the embedded run); on
    the real run also back again: PostgreSQL → SQLite → PostgreSQL."""
    first = databases.new("sqlite")
    line = ok(run_cli(first.env, "restore", str(source.backup)))
    assert line.startswith("restored ") and " 1 attachment files, " in line
    if not backend.is_real:
        return first
    assert tables(first) == source.tables
    again = first.var_dir / "from-sqlite.zip"
    ok(run_cli(first.env, "backup", str(again)))
    second = databases.new("postgres")
    ok(run_cli(second.env, "restore", str(again)))
    return second


def test_a_restored_desk_has_every_row_and_file(source: Source, restored: Database) -> None:
    assert tables(restored) == source.tables
    digest = hashlib.sha256(FILE_BYTES).hexdigest()
    assert (restored.var_dir / "attachments" / digest[:2] / digest).read_bytes() == FILE_BYTES
    # the secret key came along (none was configured here), so links already mailed still verify
    assert (restored.var_dir / "secret_key").read_text() == SECRET


def test_the_restored_desk_works_through_the_api(source: Source, restored: Database) -> None:
    before = max(row["id"] for row in source.tables["tickets"])
    with serve_process({**restored.env, "HELPDESK_TRIAGE": "off"}) as base_url:
        gql = GraphQL(base_url)
        assert gql.ok("{ me { email role } }", token=source.admin_token)["me"] == {
            "email": "backup-admin@backup.test",
            "role": "ADMIN",
        }
        created = gql.ok(
            "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id key } }",
            {"i": {"subject": "After the restore", "description": "New", "customerEmail": "new@backup.test"}},
            source.admin_token,
        )["createTicket"]
        assert int(created["id"]) > before and created["key"] == f"HD-{created['id']}"
        keys = {f"HD-{row['id']}" for row in source.tables["tickets"]}
        assert created["key"] not in keys
        attachment = source.tables["attachments"][0]
        download = httpx.get(
            f"{base_url}/attachments/{attachment['id']}",
            timeout=30,
            headers={"Authorization": f"Bearer {source.admin_token}"},
        )
        assert download.status_code == 200 and download.content == FILE_BYTES
        # a survey link signed by the old desk still rates (here: answers that it was used)
        token = survey_token(
            ticket_id=int(source.tables["satisfaction"][0]["ticket_id"]),
            secret_key=SECRET,
            now=datetime.now(UTC),
        )
        assert (
            gql.error(
                "mutation($t: String!) { rateTicket(token: $t, stars: 1) { stars } }", {"t": token}
            ).code
            == "CONFLICT"
        )


def test_a_desk_that_holds_data_is_refused_and_left_alone(source: Source, databases: Databases) -> None:
    target = databases.new("sqlite")
    ok(run_cli(target.env, "migrate"))
    ok(run_cli(target.env, "token", "create", "--email", "someone@else.test", "--role", "ADMIN"))
    before = tables(target)
    refused = run_cli(target.env, "restore", str(source.backup))
    assert refused.returncode == 2 and "already holds data" in refused.stderr and "--force" in refused.stderr
    assert tables(target) == before
    # --force replaces everything in it
    ok(run_cli(target.env, "restore", "--force", str(source.backup)))
    assert tables(target) == source.tables


def damaged_copies(path: Path, tmp: Path) -> dict[str, Path]:
    data = path.read_bytes()
    copies = {"truncated": data[: len(data) // 2], "not a zip": b"hello", "empty": b""}
    out = {name: tmp / f"{name.replace(' ', '-')}.zip" for name in copies}
    for name, content in copies.items():
        out[name].write_bytes(content)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members[MANIFEST_MEMBER])
    tickets = next(t["member"] for t in manifest["tables"] if t["table"] == "tickets")

    def rewrite(name: str, changed: dict[str, bytes]) -> None:
        out[name] = tmp / f"{name.replace(' ', '-')}.zip"
        with zipfile.ZipFile(out[name], "w") as archive:
            for member, content in {**members, **changed}.items():
                archive.writestr(member, content)

    rewrite(
        "altered row", {tickets: members[tickets].replace(b"HD", b"XX", 1).replace(b'"id":1,', b'"id":9,', 1)}
    )
    missing = {k: v for k, v in members.items() if k != tickets}
    out["missing member"] = tmp / "missing-member.zip"
    with zipfile.ZipFile(out["missing member"], "w") as archive:
        for member, content in missing.items():
            archive.writestr(member, content)
    newer = dict(manifest, format_version=manifest["format_version"] + 1)
    rewrite("newer format", {MANIFEST_MEMBER: json.dumps(newer).encode()})
    future = dict(
        manifest,
        migrations={"applied": [*manifest["migrations"]["applied"], "9999_future"], "level": "9999_future"},
    )
    rewrite("newer schema", {MANIFEST_MEMBER: json.dumps(future).encode()})
    # An attachment "digest" that is a path: its member's last part is the content's real
    # digest, so every checksum holds; restore would make it a path outside the store.
    digest = hashlib.sha256(FILE_BYTES).hexdigest()
    real = f"attachments/{digest[:2]}/{digest}"
    sneaky = f"../../../../{digest}"
    slipped = dict(
        manifest,
        attachments={"files": [sneaky], "missing": []},
        members={
            **{k: v for k, v in manifest["members"].items() if k != real},
            f"attachments/{sneaky[:2]}/{sneaky}": manifest["members"][real],
        },
    )
    out["zip slip"] = tmp / "zip-slip.zip"
    with zipfile.ZipFile(out["zip slip"], "w") as archive:
        for member, content in members.items():
            if member == real:
                archive.writestr(f"attachments/{sneaky[:2]}/{sneaky}", content)
            elif member == MANIFEST_MEMBER:
                archive.writestr(member, json.dumps(slipped).encode())
            else:
                archive.writestr(member, content)
    # The secret key member is not text: refused, not a traceback.
    key = b"\xff\xfe not utf-8"
    keyed = dict(
        manifest,
        members={**manifest["members"], "secret_key": {"sha256": sha256_hex(key), "bytes": len(key)}},
    )
    rewrite("binary secret key", {"secret_key": key, MANIFEST_MEMBER: json.dumps(keyed).encode()})
    return out


def test_a_damaged_file_is_refused_with_nothing_written(
    source: Source, restored: Database, databases: Databases, tmp_path: Path
) -> None:
    before = tables(restored)
    fresh = databases.new("sqlite")
    for name, path in damaged_copies(source.backup, tmp_path).items():
        for target, force in ((restored, True), (fresh, False)):
            result = run_cli(target.env, "restore", *(["--force"] if force else []), str(path))
            assert result.returncode == 2, (name, result.stdout, result.stderr)
            assert "nothing was written" in result.stderr, (name, result.stderr)
    assert tables(restored) == before
    # the file is checked before the database is touched: not even migrated
    assert not Path(fresh.url.removeprefix("sqlite://")).exists()
    assert not (fresh.var_dir / "attachments").exists()
    sneaky = f"../../../../{hashlib.sha256(FILE_BYTES).hexdigest()}"  # as in damaged_copies
    for target in (restored, fresh):
        escaped = (target.var_dir / "attachments" / sneaky[:2] / sneaky).resolve()
        assert not escaped.exists(), f"an attachment was placed outside its store: {escaped}"


def bomb(path: Path, name: str, size: int) -> None:
    """A zip whose one member inflates to `size` bytes of zeros (a few hundred KB on disk)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            for _ in range(size >> 20):
                member.write(bytes(1 << 20))


@pytest.mark.parametrize("name", ["tables/001-users.jsonl", MANIFEST_MEMBER])
def test_a_member_bigger_than_the_manifest_says_is_not_inflated(tmp_path: Path, name: str) -> None:
    """A zip bomb, or a manifest lying about a size: refused before the member is read into
    memory, not after (the check by checksum alone comes after inflating it all)."""
    path = tmp_path / "bomb.zip"
    size = 256 << 20
    bomb(path, name, size)
    assert path.stat().st_size < size // 100
    claimed = MemberEntry(sha256=sha256_hex(b"x" * 10), bytes=10)
    tracemalloc.start()
    try:
        with zipfile.ZipFile(path) as archive, pytest.raises(BackupFormatError, match="bytes"):
            _read_member(archive, name, None if name == MANIFEST_MEMBER else claimed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak} bytes held while refusing a {size}-byte member"


def test_a_restore_that_fails_midway_rolls_back(source: Source, restored: Database, tmp_path: Path) -> None:
    """A file whose checksums hold but whose rows break a constraint (two users with one
    email): the one transaction rolls back and the desk stays as it was."""
    with zipfile.ZipFile(source.backup) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members[MANIFEST_MEMBER])
    users = next(t for t in manifest["tables"] if t["table"] == "users")
    rows = [json.loads(line) for line in members[users["member"]].splitlines()]
    rows[-1]["email"] = rows[0]["email"]
    data = b"".join(encode_row(row) for row in rows)
    members[users["member"]] = data
    manifest["members"][users["member"]] = {"sha256": sha256_hex(data), "bytes": len(data)}
    members[MANIFEST_MEMBER] = json.dumps(manifest).encode()
    clash = tmp_path / "clash.zip"
    with zipfile.ZipFile(clash, "w") as out:
        for name, content in members.items():
            out.writestr(name, content)
    before = tables(restored)
    result = run_cli(restored.env, "restore", "--force", str(clash))
    assert result.returncode == 2 and "rolled back" in result.stderr, result.stderr
    assert tables(restored) == before


def test_a_failed_backup_leaves_no_file(source: Source, tmp_path: Path) -> None:
    target = tmp_path / "out.zip"
    broken = {**source.db.env, "HELPDESK_DATABASE_URL": f"sqlite://{tmp_path}/missing-dir/x/none.sqlite3"}
    # an unmigrated database: reading its tables fails
    result = run_cli(broken, "backup", str(target))
    assert result.returncode == 2 and "nothing written" in result.stderr, result.stderr
    assert [p.name for p in tmp_path.iterdir() if "out.zip" in p.name] == []


def test_an_explicit_secret_key_is_not_overwritten(source: Source, databases: Databases) -> None:
    target = databases.new("sqlite", HELPDESK_SECRET_KEY="configured-elsewhere")
    result = run_cli(target.env, "restore", str(source.backup))
    ok(result)
    assert "HELPDESK_SECRET_KEY is set and kept" in result.stderr
    assert not (target.var_dir / "secret_key").exists()


def test_attachment_files_that_cannot_be_placed_stop_the_restore_before_any_row(
    source: Source, databases: Databases
) -> None:
    target = databases.new("sqlite")
    blocker = target.var_dir / "not-a-directory"
    blocker.write_text("a file where the attachment store should be")
    target.env["HELPDESK_ATTACHMENTS_DIR"] = str(blocker)
    ok(run_cli(target.env, "migrate"))
    before = tables(target)
    result = run_cli(target.env, "restore", str(source.backup))
    assert result.returncode == 2, result.stderr
    assert "before the desk's data was changed" in result.stderr and "Traceback" not in result.stderr
    assert tables(target) == before
