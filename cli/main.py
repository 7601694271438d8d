"""`chipwatch <verb>`: the command line. Each verb imports only what it needs, so `analyze`
starts without Prefect or the database layer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chipwatch import __version__

EXIT_CONFIG = 2  # bad config or arguments
EXIT_UNAVAILABLE = 3  # the run cannot proceed: database unreachable
# storage.models.ALERT_STATES, written out so that parsing arguments does not import SQLAlchemy (a test holds
# the two equal).
ALERT_STATE_NAMES = ("pending", "sending", "sent", "failed", "unknown", "dead", "cancelled")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chipwatch", description="Monitor claims about AI chips in zh/ja/en news.")
    p.add_argument("--version", action="version", version=f"chipwatch {__version__}")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    demo = sub.add_parser("demo", help="one full cycle on bundled samples, offline")
    demo.add_argument("--data-dir", help="where the demo keeps its SQLite file (default: user data dir)")
    demo.add_argument("--reset", action="store_true", help="start from an empty demo database")
    demo.add_argument("--no-prefect", action="store_true", help="run the cycle without the Prefect flow")

    run = sub.add_parser("run", help="poll, extract, analyse, store and alert")
    run.add_argument("--config", required=True)
    run.add_argument("--once", action="store_true", help="one cycle, then exit")
    run.add_argument("--prefect", action="store_true", help="run each cycle as the Prefect `poll` flow")

    an = sub.add_parser("analyze", help="analyse files or URLs without storing anything")
    an.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
    an.add_argument("--json", action="store_true", help="one JSON object per input (JSON Lines)")
    an.add_argument("--config", help="config for HTTP settings when analysing URLs")

    ex = sub.add_parser("export", help="everything stored, one JSON object per line")
    ex.add_argument("kind", choices=["claims", "articles", "alerts"])
    ex.add_argument("--config", required=True)
    ex.add_argument("--format", choices=["jsonl"], default="jsonl")

    src = sub.add_parser("sources", help="configured sources and their state")
    src_sub = src.add_subparsers(dest="action", required=True)
    sl = src_sub.add_parser("list")
    sl.add_argument("--config", required=True)
    sl.add_argument("--json", action="store_true")

    al = sub.add_parser("alerts", help="alert targets")
    al_sub = al.add_subparsers(dest="action", required=True)
    at = al_sub.add_parser("test", help="send a test message to every target")
    at.add_argument("--config", required=True)
    alst = al_sub.add_parser("list", help="outbox rows, newest first")
    alst.add_argument("--config", required=True)
    alst.add_argument("--state", choices=ALERT_STATE_NAMES)
    alst.add_argument("--json", action="store_true")
    ar = al_sub.add_parser("retry", help="re-queue failed or dead alerts")
    ar.add_argument("ids", nargs="*", type=int, metavar="ID")
    ar.add_argument("--dead", action="store_true", help="re-queue every dead alert")
    ar.add_argument("--config", required=True)

    st = sub.add_parser("stack", help="a local Prefect server, work pool, deployments and workers on loopback")
    st.add_argument("action", choices=["up", "down", "status"])
    st.add_argument("--config", help="config file the deployments use (default: $CHIPWATCH_CONFIG)")
    st.add_argument("--workers", type=int, default=2, help="number of Prefect workers (default 2)")
    st.add_argument("--home", help="where the stack keeps its state and logs")
    st.add_argument("--port", type=_port, default=4200, help="Prefect API port on 127.0.0.1 (default 4200)")
    st.add_argument(
        "--web-port",
        type=_port,
        default=None,
        help="also run `chipwatch serve` (dashboard, WebSub callback) on this 127.0.0.1 port; "
        "default 8000 when the config has a public_url, else no web process",
    )
    st.add_argument(
        "--prefect-database",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/chipwatch_prefect",
        help="the Prefect server's own database (created if missing)",
    )

    sv = sub.add_parser("serve", help="dashboard, JSON API and Atom feed")
    sv.add_argument("--config", required=True)
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (not loopback: needs a token)")
    sv.add_argument("--port", type=_port, default=8000)
    return p


def _port(value: str) -> int:
    """A TCP port argument: argparse reports anything else as a usage error (exit 2) naming the option."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number; use 1-65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is outside 1-65535")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from chipwatch.config import ConfigError

    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"chipwatch: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except _unavailable_errors() as exc:
        print(f"chipwatch: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        return 130


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    # Imported here so that `analyze` never loads SQLAlchemy unless a database was touched.
    if "chipwatch.storage.db" in sys.modules:
        from chipwatch.storage.db import DatabaseError

        return (DatabaseError,)
    return ()


def _dispatch(args: argparse.Namespace) -> int:
    if args.verb == "analyze":
        from chipwatch.cli.analyze_cmd import analyze_inputs

        return analyze_inputs(args.inputs, as_json=args.json, config=args.config)
    if args.verb == "demo":
        from chipwatch.cli.demo import run_demo

        return run_demo(data_dir=args.data_dir, reset=args.reset, use_prefect=not args.no_prefect)
    if args.verb == "run":
        from chipwatch.cli.run_cmd import run

        return run(args.config, once=args.once, use_prefect=args.prefect)
    if args.verb == "stack":
        from chipwatch.cli.stack_cmd import run_stack

        return run_stack(
            args.action,
            config=args.config,
            workers=args.workers,
            home=args.home,
            port=args.port,
            prefect_db=args.prefect_database,
            web_port=args.web_port,
        )
    if args.verb == "serve":
        from chipwatch.cli.serve_cmd import serve

        return serve(args.config, host=args.host, port=args.port)

    from chipwatch.config import load_settings
    from chipwatch.storage.db import open_database

    settings = load_settings(args.config)
    if args.verb == "alerts":
        from chipwatch.cli import alerts_cmd

        if args.action == "list":
            return alerts_cmd.alerts_list(settings, args.state, args.json)
        if args.action == "retry":
            if not args.ids and not args.dead:
                print("chipwatch: alerts retry needs alert IDs or --dead", file=sys.stderr)
                return EXIT_CONFIG
            return alerts_cmd.alerts_retry(settings, args.ids, args.dead)
        return alerts_cmd.alerts_test(settings)
    from chipwatch.cli.terminal import json_line, printable

    db = open_database(settings.database)
    try:
        if args.verb == "export":
            from chipwatch.storage.export import export_rows

            with db.session() as session:
                for row in export_rows(session, args.kind):
                    sys.stdout.write(json_line(row) + "\n")
            return 0
        if args.verb == "sources":
            from chipwatch.pipeline.cycle import prepare_sources
            from chipwatch.pipeline.websub import push_note
            from chipwatch.storage.sources import fetch_counts_text, source_summaries

            prepare_sources(db, settings, only_due=False)  # show configured sources never polled too
            with db.session() as session:
                rows = source_summaries(session)
            note = push_note(settings)
            if note:
                print(note, file=sys.stderr if args.json else sys.stdout)
            for row in rows:
                if args.json:
                    print(json_line(row))
                else:
                    err = f"  {row['last_error']}" if row["last_error"] else ""
                    if row.get("failing_since"):
                        err = f"  FAILING since {row['failing_since']}: {row['health']}{err}"
                    line = f"{row['name']:<24} {row['kind']:<9} {row['status']:<8} {row['articles']:>6} articles"
                    line += f" ({fetch_counts_text(row)}){err}"
                    print(printable(line))
            return 0
    finally:
        db.dispose()
    raise AssertionError(f"unhandled verb {args.verb}")
