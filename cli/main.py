"""`chipwatch <verb>`: the command line. Each verb imports only what it needs, so `analyze`
starts without Prefect or the database layer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from chipwatch import __version__

EXIT_CONFIG = 2  # bad config or arguments
EXIT_UNAVAILABLE = 3  # the run cannot proceed: database unreachable
# storage.models.ALERT_STATES, written out so that parsing arguments does not import SQLAlchemy (a test holds
# the two equal).
ALERT_STATE_NAMES = ("pending", "sending", "sent", "failed", "unknown", "dead", "cancelled")


CONFIG_HELP = "the YAML config file (CHIPWATCH_* environment variables override its keys)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chipwatch", description="Monitor claims about AI chips in zh/ja/en news.")
    p.add_argument("--version", action="version", version=f"chipwatch {__version__}")
    # -v on every verb: `chipwatch run -v` as people type it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,  # so `alerts -v test` and `alerts test -v` both count (no sub-parser default)
        help="log more: -v for INFO (libraries included), -vv for DEBUG; default: warnings and errors only",
    )
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        return parent.add_parser(name, help=help_text, description=help_text, parents=[common])

    demo = verb("demo", "one full cycle on bundled samples, offline")
    demo.add_argument("--data-dir", help="where the demo keeps its SQLite file (default: user data dir)")
    demo.add_argument("--reset", action="store_true", help="start from an empty demo database")
    demo.add_argument("--no-prefect", action="store_true", help="run the cycle without the Prefect flow")

    run = verb("run", "poll, extract, analyse, store and alert")
    run.add_argument("--config", required=True, help=CONFIG_HELP)
    run.add_argument("--once", action="store_true", help="one cycle (every enabled source), then exit")
    run.add_argument("--prefect", action="store_true", help="run each cycle as the Prefect `poll` flow")

    an = verb("analyze", "analyse files or URLs without storing anything")
    an.add_argument("inputs", nargs="+", metavar="FILE_OR_URL", help="documents to analyse (.html/.htm or text)")
    an.add_argument("--json", action="store_true", help="one JSON object per input (JSON Lines)")
    an.add_argument("--config", help="config for HTTP settings when analysing URLs")

    ex = verb("export", "everything stored, one record per line")
    ex.add_argument("kind", choices=["claims", "articles", "alerts"], help="what to export")
    ex.add_argument("--config", required=True, help=CONFIG_HELP)
    ex.add_argument(
        "--format",
        choices=["jsonl", "csv"],
        default="jsonl",
        help="jsonl: one JSON object per line (default); csv: a header row, lists joined with '; '",
    )

    src = verb("sources", "configured sources and their state")
    src_sub = src.add_subparsers(dest="action", required=True, metavar="ACTION")
    sl = verb("list", "one line (or JSON object) per source, with its recent polls", src_sub)
    sl.add_argument("--config", required=True, help=CONFIG_HELP)
    sl.add_argument("--json", action="store_true", help="one JSON object per source (JSON Lines)")

    al = verb("alerts", "alert targets and the outbox")
    al_sub = al.add_subparsers(dest="action", required=True, metavar="ACTION")
    at = verb("test", "send a test message to every target", al_sub)
    at.add_argument("--config", required=True, help=CONFIG_HELP)
    alst = verb("list", "outbox rows, newest first", al_sub)
    alst.add_argument("--config", required=True, help=CONFIG_HELP)
    alst.add_argument("--state", choices=ALERT_STATE_NAMES, help="only rows in this state")
    alst.add_argument("--json", action="store_true", help="one JSON object per row (JSON Lines)")
    ar = verb("retry", "re-queue failed or dead alerts", al_sub)
    ar.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox row ids to re-queue")
    ar.add_argument("--dead", action="store_true", help="re-queue every dead alert")
    ar.add_argument("--config", required=True, help=CONFIG_HELP)

    st = verb("stack", "a local Prefect server, work pool, deployments and workers on loopback")
    st.add_argument("action", choices=["up", "down", "status"], help="start, stop or report on the stack")
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

    sv = verb("serve", "dashboard, JSON API and Atom feed")
    sv.add_argument("--config", required=True, help=CONFIG_HELP)
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (not loopback: needs a token)")
    sv.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
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
    except BrokenPipeError:  # `chipwatch export ... | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    # Imported here so that `analyze` never loads SQLAlchemy unless a database was touched.
    if "chipwatch.storage.db" in sys.modules:
        from chipwatch.storage.db import DatabaseError

        return (DatabaseError,)
    return ()


def _dispatch(args: argparse.Namespace) -> int:
    from chipwatch.cli.logs import configure_logging

    verbosity = getattr(args, "verbose", 0)
    configure_logging(verbosity)
    if args.verb == "analyze":
        from chipwatch.cli.analyze_cmd import analyze_inputs

        return analyze_inputs(args.inputs, as_json=args.json, config=args.config)
    if args.verb == "demo":
        from chipwatch.cli.demo import run_demo

        return run_demo(data_dir=args.data_dir, reset=args.reset, use_prefect=not args.no_prefect)
    if args.verb == "run":
        from chipwatch.cli.run_cmd import run

        return run(args.config, once=args.once, use_prefect=args.prefect, verbosity=verbosity)
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

    db = open_database(settings.database)
    try:
        if args.verb == "export":
            from chipwatch.cli.export_cmd import write_export

            with db.session() as session:
                write_export(session, args.kind, args.format, sys.stdout)
            return 0
        if args.verb == "sources":
            from chipwatch.cli.sources_cmd import print_sources
            from chipwatch.pipeline.cycle import prepare_sources
            from chipwatch.pipeline.websub import push_note
            from chipwatch.storage.sources import source_summaries

            prepare_sources(db, settings, only_due=False)  # show configured sources never polled too
            with db.session() as session:
                rows = source_summaries(session)
            note = push_note(settings)
            if note:
                print(note, file=sys.stderr if args.json else sys.stdout)
            print_sources(rows, args.json)
            return 0
    finally:
        db.dispose()
    raise AssertionError(f"unhandled verb {args.verb}")
