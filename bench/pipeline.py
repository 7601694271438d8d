"""The whole pipeline against bare extraction, per core and on every core.

Corpus (bench/corpus_pages.py): real pages from the htmldate and trafilatura test suites (their sdists,
fetched by pip into a cache directory, never committed) plus pages built from ../shared/seeds, each
written `--copies` times as distinct marked copies into a directory source.

For 1 core and then for every core (each in a child process pinned to that many cores), in one run:
- bare `trafilatura.extract()` over the same pages, in one process (the floor: every page parsed once),
  measured before and after the pipeline and averaged;
- `chipwatch run --once` (the CLI's own `main`, after start-up) on a fresh SQLite database, with the
  directory source and one alert rule aimed at a loopback receiver; `processing.workers` = the cores;
- the `process` flow (Prefect, a local server started before timing) over the same pages stored by a
  plain poll on another fresh database.
Then one cProfile of `run --once` on 1 core, its time split into stages: read, decode, extract, analyse,
store, queue (alerts: enqueue, digests, delivery) and the rest.

Prints pages per minute, each pipeline's cost per page as a multiple of bare extraction, and N cores
against 1. Ratios within one run are what travel; on a shared machine re-run it quiet.

    python bench/pipeline.py [--copies 3] [--quick] [--skip-flow] [--cache DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from corpus_pages import DEFAULT_CACHE, built_pages, real_pages, write_corpus  # bench/ is on sys.path
from cpu_meter import CpuMeter

HERE = Path(__file__).resolve().parent


def pin(cores: int) -> None:
    """Run this process (and the workers it starts) on the first `cores` allowed CPUs."""
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, allowed[:cores])


def bare_extraction(files: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds of `trafilatura.extract()` over the files' bytes, read beforehand."""
    import trafilatura

    datas = [f.read_bytes() for f in files]
    started, cpu = time.perf_counter(), time.process_time()
    for data in datas:
        trafilatura.extract(data)
    return time.perf_counter() - started, time.process_time() - cpu


def write_config(home: Path, inbox: Path, receiver: str, workers: int, name: str) -> Path:
    config = home / f"{name}.yaml"
    config.write_text(
        f"database: sqlite:///{home / (name + '.db')}\n"
        f"sources:\n  - {{name: inbox, kind: directory, path: '{inbox}'}}\n"
        f"alerts:\n  - {{name: bench, min_score: 0.6, notify: ['json://{receiver[7:]}/hook']}}\n"
        "http: {allow_private_networks: true}\n"
        f"processing: {{workers: {workers}}}\n",
        encoding="utf-8",
    )
    return config


def start_up() -> None:
    """What a running `chipwatch run` has paid once before its first cycle: imports, the language model,
    the vocabulary. The times below are "after start-up", as in the issue; bare extraction is warmed too."""
    import chipwatch.cli.main
    import chipwatch.cli.run_cmd
    import chipwatch.pipeline.cycle  # noqa: F401
    from chipwatch.pipeline.pool import warm_up

    warm_up()


def time_run_once(config: Path) -> tuple[float, float]:
    """(wall, CPU of this process and its workers) seconds of `chipwatch run --once`."""
    from chipwatch.cli.main import main

    started = time.perf_counter()
    with CpuMeter() as cpu:
        code = main(["run", "--config", str(config), "--once"])
    took = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"chipwatch run --once exited {code}")
    return took, cpu.seconds


def time_process_flow(config: Path, pages: int) -> tuple[float, float]:
    """Poll (plain, untimed) to store the pages, then time one `process` flow run over all of them."""
    from chipwatch.config import load_settings
    from chipwatch.flows.process import process
    from chipwatch.pipeline.cycle import http_client, prepare_sources
    from chipwatch.pipeline.poll import poll_sources
    from chipwatch.storage.db import open_database

    settings = load_settings(config)
    db = open_database(settings.database)
    try:
        with http_client(settings) as client:
            poll_sources(db, client, prepare_sources(db, settings, only_due=False))
    finally:
        db.dispose()
    process(config=str(config), limit=0)  # warm-up: the local Prefect server starts here, untimed
    started = time.perf_counter()
    with CpuMeter() as cpu:  # the local Prefect server is a descendant too: its share counts
        result = process(config=str(config), limit=pages + 10)
    took = time.perf_counter() - started
    done = result["processed"] + result["failed"]
    print(f"  ({args_cores()} core(s)) process flow: {done} articles done ({result['failed']} failed)", flush=True)
    return took, cpu.seconds


def args_cores() -> int:
    return len(os.sched_getaffinity(0))


def child(args: argparse.Namespace) -> None:
    """One measurement set on `args.cores` cores; prints one JSON line last."""
    pin(args.cores)
    logging.disable(logging.WARNING)  # trafilatura's per-page warnings, for bare and pipeline alike
    from chipwatch.cli.loopback import LoopbackServer

    inbox = Path(args.inbox)
    files = sorted(inbox.iterdir())
    hits = []
    with LoopbackServer(lambda req: (hits.append(1) or 200, {}, b"{}")) as receiver:  # type: ignore[func-returns-value]
        home = Path(tempfile.mkdtemp(prefix=f"chipwatch-bench-{args.cores}c-"))
        start_up()
        bare_before = bare_extraction(files)
        run_once = time_run_once(write_config(home, inbox, receiver.url, args.cores, "run"))
        flow = None
        if not args.skip_flow:
            flow = time_process_flow(write_config(home, inbox, receiver.url, args.cores, "flow"), len(files))
        bare_after = bare_extraction(files)
    out = {
        "cores": args.cores,
        "pages": len(files),
        "bare": (bare_before[0] + bare_after[0]) / 2,
        "bare_cpu": (bare_before[1] + bare_after[1]) / 2,
        "bare_spread": abs(bare_before[0] - bare_after[0]),
        "run_once": run_once[0],
        "run_once_cpu": run_once[1],
        "flow": flow[0] if flow else None,
        "flow_cpu": flow[1] if flow else None,
        "alerts_received": len(hits),
        "load": os.getloadavg()[0],
    }
    print("RESULT " + json.dumps(out), flush=True)


STAGES = {
    # stage: functions whose cumulative time counts for it (qualified by file suffix and name)
    "read": [("connectors/directory.py", "fetch")],
    "decode": [("trafilatura/utils.py", "decode_file"), ("analysis/decode.py", "decode_text")],
    "extract": [("analysis/extract.py", "extract_document")],
    "analyse": [("analysis/document.py", "analyse_bytes")],  # less extract, below (the engine is compiled)
    "near-duplicate": [("pipeline/neardup.py", "simhash"), ("pipeline/dedup.py", "find_original")],
    "store": [
        ("pipeline/poll.py", "_store"),
        ("pipeline/poll.py", "_record"),
        ("pipeline/process.py", "claim_batch"),
        ("pipeline/process.py", "store_batch"),
    ],
    "queue": [
        ("alerts/enqueue.py", "enqueue_alerts"),
        ("alerts/digest.py", "queue_digests"),
        ("alerts/delivery.py", "deliver_due"),
    ],
}


def profile(args: argparse.Namespace) -> None:
    """cProfile of `run --once` on one core; cumulative time per stage (profiling slows all of it)."""
    pin(1)
    logging.disable(logging.WARNING)
    from chipwatch.cli.loopback import LoopbackServer

    with LoopbackServer(lambda req: (200, {}, b"{}")) as receiver:
        home = Path(tempfile.mkdtemp(prefix="chipwatch-bench-profile-"))
        config = write_config(home, Path(args.inbox), receiver.url, 1, "profile")
        start_up()
        from chipwatch.cli.main import main

        prof = cProfile.Profile()
        prof.enable()
        main(["run", "--config", str(config), "--once"])
        prof.disable()
    if args.dump:
        prof.dump_stats(args.dump)
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _callers) in stats.items())
    cum: dict[str, float] = {}
    for stage, wanted in STAGES.items():
        cum[stage] = sum(
            ct
            for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if any(file.endswith(suffix) and name == fn for suffix, fn in wanted)
        )
    # Nested stages: analyse_bytes holds extract, which holds decode (trafilatura decodes what it parses).
    cum["analyse"] -= cum["extract"]
    cum["extract"] -= cum["decode"]
    cum["other"] = total - sum(cum.values())
    print(f"stages of run --once under cProfile, 1 core ({total:.2f} s in all):", flush=True)
    for stage, took in cum.items():
        print(f"  {stage:<15} {took:6.2f} s  {took / total:6.1%}", flush=True)


def spawn_child(mode: str, inbox: Path, cores: int, skip_flow: bool) -> dict[str, Any] | None:
    cmd = [sys.executable, str(HERE / "pipeline.py"), "--child", mode, "--inbox", str(inbox), "--cores", str(cores)]
    if skip_flow:
        cmd.append("--skip-flow")
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.setdefault("DO_NOT_TRACK", "1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        elif line.strip() and not line.startswith(("polled ", "20")):
            print(line, flush=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the {mode} child on {cores} core(s) failed ({proc.returncode})")
    return result


def report(results: list[dict[str, Any]]) -> None:
    """Wall time: what this run got of the machine. CPU time: what the work cost, whatever the load."""
    base = results[0]
    for r in results:
        n, bare, bare_cpu = r["pages"], r["bare"], r["bare_cpu"]
        print(
            f"{r['cores']} core(s), {n} pages, load average {r['load']:.1f}: bare extract {bare:.2f} s wall "
            f"({n / bare * 60:,.0f} pages/min; its two runs {r['bare_spread']:.2f} s apart), {bare_cpu:.2f} s CPU",
            flush=True,
        )
        for key, label in (("run_once", "chipwatch run --once"), ("flow", "process flow")):
            took, cpu = r.get(key), r.get(key + "_cpu")
            if took is None:
                continue
            line = (
                f"  {label:<21} {took:6.2f} s wall {n / took * 60:7,.0f} pages/min {took / bare:5.2f}x bare | "
                f"{cpu:6.2f} s CPU {cpu / bare_cpu:5.2f}x bare CPU"
            )
            if r is not base and base.get(key):
                line += f" | {base[key] / took:4.2f}x the pages/min of 1 core, {cpu / base[key + '_cpu']:4.2f}x its CPU"
            print(line, flush=True)
        print(f"  alerts received by the loopback target: {r['alerts_received']}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=3, help="marked copies of each page")
    ap.add_argument("--quick", action="store_true", help="one copy of each page, no profile (about 3 minutes)")
    ap.add_argument("--skip-flow", action="store_true", help="leave out the Prefect process flow")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the sdists are kept")
    ap.add_argument("--child", choices=["measure", "profile"], help=argparse.SUPPRESS)
    ap.add_argument("--inbox", help=argparse.SUPPRESS)
    ap.add_argument("--cores", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--dump", help=argparse.SUPPRESS)  # profile child: also write the cProfile data here
    args = ap.parse_args()
    if args.child == "measure":
        return child(args)
    if args.child == "profile":
        return profile(args)
    pages = real_pages(args.cache) + built_pages()
    copies = 1 if args.quick else args.copies
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-corpus-") as tmp:
        inbox = Path(tmp) / "inbox"
        files = write_corpus(inbox, pages, copies)
        real = sum(p.real for p in pages)
        cores = len(os.sched_getaffinity(0))
        print(
            f"corpus: {real} real pages + {len(pages) - real} built, {copies} copies each = {len(files)} files; "
            f"{cores} cores; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results = []
        for n in sorted({1, cores}):
            result = spawn_child("measure", inbox, n, args.skip_flow)
            if result:
                results.append(result)
        report(results)
        if not args.quick:
            spawn_child("profile", inbox, 1, True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
