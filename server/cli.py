"""The `helpdesk` command: serve, worker, migrate, demo, token create, backup, restore."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tortoise import Tortoise

from domain.enums import Role
from server.db import migrate, tortoise_config
from server.settings import Settings, load_settings

T = TypeVar("T")


async def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


def _cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from domain.services.sla_checks import ensure_default_policies
    from domain.services.triage import ensure_default_priority_rules

    asyncio.run(migrate(settings.database_url))
    created = asyncio.run(_with_db(settings, ensure_default_policies))
    rules = asyncio.run(_with_db(settings, ensure_default_priority_rules))
    print(
        "database schema is up to date"
        + (f"; {created} default SLA policies" if created else "")
        + (f"; {rules} default priority rules" if rules else "")
    )
    return 0


def _cmd_classify_eval(_: Settings, args: argparse.Namespace) -> int:
    from domain.triage import evaluate

    return evaluate.main(args.arguments)


def _cmd_demo(settings: Settings, _: argparse.Namespace) -> int:
    from domain.services import demo

    async def work() -> str:
        summary = await demo.load(now=datetime.now(UTC))
        return summary.describe()

    print(asyncio.run(_with_db(settings, work)))
    return 0


def _cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    from domain.errors import DomainError
    from domain.services import tokens

    async def work() -> str:
        user = await tokens.ensure_user(email=args.email, role=Role(args.role), name=args.name)
        return await tokens.issue(user=user, name="cli")

    try:
        token = asyncio.run(_with_db(settings, work))
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(token)  # the last line of stdout, as API.md promises
    return 0


def _cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from tortoise.exceptions import OperationalError

    from domain.rules.backup_format import BackupFormatError
    from domain.services import backup

    path = Path(args.file)

    async def work() -> str:
        summary = await backup.write_backup(
            path=path,
            attachments_dir=settings.attachments_dir,
            secret_key=settings.secret_key,
            now=datetime.now(UTC),
        )
        return summary.describe(path)

    try:
        print(asyncio.run(_with_db(settings, work)))
    except (BackupFormatError, OSError, OperationalError) as error:
        print(f"error: backup failed, nothing written: {error}", file=sys.stderr)
        return 2
    return 0


def _cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from tortoise.exceptions import IntegrityError, OperationalError

    from domain.rules.backup_format import BackupFormatError
    from domain.services import backup

    path = Path(args.file)

    async def check() -> backup.VerifiedBackup:
        return backup.verify(path)

    async def work(verified: backup.VerifiedBackup) -> str:
        summary = await backup.restore(
            backup=verified, attachments_dir=settings.attachments_dir, force=args.force
        )
        return summary.describe(path)

    try:
        # The whole file is checked before the database is touched at all.
        verified = asyncio.run(_with_db(settings, check))
        asyncio.run(migrate(settings.database_url))
        line = asyncio.run(_with_db(settings, lambda: work(verified)))
    except BackupFormatError as error:
        print(f"error: {path} cannot be restored, nothing was written: {error}", file=sys.stderr)
        return 2
    except backup.DeskNotEmpty as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (IntegrityError, OperationalError) as error:
        # Raised inside the one restore transaction, which rolled back.
        print(
            f"error: the restore failed and was rolled back, the desk is as it was: {error}", file=sys.stderr
        )
        return 2
    except OSError as error:
        # Placing the attachment files comes before the database transaction.
        print(f"error: the restore failed before the desk's data was changed: {error}", file=sys.stderr)
        return 2
    key_note = backup.adopt_secret_key(
        backup_key=verified.secret_key, effective_key=settings.secret_key, var_dir=settings.var_dir
    )
    print(key_note, file=sys.stderr)
    print(line)  # the one-line summary, last on stdout
    return 0


def _print_demo_tokens(settings: Settings, url: str) -> None:
    from domain.models import User
    from domain.services import demo, tokens

    async def work() -> list[tuple[str, str, str]]:
        rows = []
        for role, email in demo.DEMO_LOGINS.items():
            user = await User.get_or_none(email=email)
            if user is not None:
                rows.append((role, email, await tokens.issue(user=user, name="make run")))
        return rows

    rows = asyncio.run(_with_db(settings, work))
    print(f"\nhelpdesk: GraphQL at {url} (GraphiQL in a browser)")
    for role, email, token in rows:
        print(f"  {role:<10} {email:<34} Authorization: Bearer {token}")
    print()


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    if args.smtp_port is not None:
        settings = replace(settings, smtp_listen_port=args.smtp_port)
    if args.print_demo_tokens:
        _print_demo_tokens(settings, f"http://{args.host}:{args.port}/graphql")
    # No permessage-deflate: per-socket zlib state costs ~40 KiB per idle subscriber and
    # ~30% of fan-out CPU for frames of about 100 bytes (bench/subscribers.py).
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
    )
    return 0


def _cmd_smtp(settings: Settings, args: argparse.Namespace) -> int:
    import logging

    from server.smtp_receiver import run_alone

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_alone(settings, host=args.host, port=args.port))
    return 0


def _cmd_worker(settings: Settings, _: argparse.Namespace) -> int:
    if settings.redis_url is None:
        print(
            "error: `helpdesk worker` needs HELPDESK_REDIS_URL; in the embedded mode the "
            "jobs run inside `helpdesk serve`.",
            file=sys.stderr,
        )
        return 2
    from workers.settings import run_worker

    run_worker(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="the API: HTTP and WebSocket on one port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--print-demo-tokens",
        action="store_true",
        help="print fresh tokens for the demo admin, agent and customer",
    )
    serve.add_argument("--smtp-port", type=int, help="also receive mail by SMTP on this port")
    serve.set_defaults(handler=_cmd_serve)

    smtp = sub.add_parser("smtp", help="receive mail by SMTP into the desk (without the API)")
    smtp.add_argument("--host", help="default HELPDESK_SMTP_LISTEN_HOST or 127.0.0.1")
    smtp.add_argument("--port", type=int, help="default HELPDESK_SMTP_LISTEN_PORT or 2525")
    smtp.set_defaults(handler=_cmd_smtp)

    sub.add_parser("worker", help="an arq worker for SLA timers (needs HELPDESK_REDIS_URL)").set_defaults(
        handler=_cmd_worker
    )
    sub.add_parser("migrate", help="bring the schema up to date").set_defaults(handler=_cmd_migrate)
    sub.add_parser("demo", help="load the demo data set (idempotent)").set_defaults(handler=_cmd_demo)

    evaluate = sub.add_parser(
        "classify-eval",
        help="the classifier on a labelled CSV: accuracy, macro-F1, confusion, accuracy at coverage",
        add_help=False,  # --help belongs to the evaluator, which owns the options
    )
    evaluate.add_argument("arguments", nargs=argparse.REMAINDER)
    evaluate.set_defaults(handler=_cmd_classify_eval)

    backup = sub.add_parser("backup", help="the whole desk to one portable file (a zip)")
    backup.add_argument("file")
    backup.set_defaults(handler=_cmd_backup)
    restore = sub.add_parser("restore", help="the whole desk from a backup file, into an empty desk")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="replace a desk that already holds data")
    restore.set_defaults(handler=_cmd_restore)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create the user if missing and print a token")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name")
    create.set_defaults(handler=_cmd_token_create)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["classify-eval"]:
        # argparse's REMAINDER refuses a first argument that looks like an option
        # ("classify-eval --help", "classify-eval --train A.csv B.csv"), so the evaluator,
        # which owns those options, gets them untouched.
        return _cmd_classify_eval(load_settings(), argparse.Namespace(arguments=argv[1:]))
    args = build_parser().parse_args(argv)
    settings = load_settings()
    return int(args.handler(settings, args))


if __name__ == "__main__":
    sys.exit(main())
