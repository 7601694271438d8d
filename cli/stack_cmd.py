"""`chipwatch stack up|down|status`: a local Prefect stack on loopback, for running chipwatch as deployed.

`up` starts a Prefect server (backed by the local PostgreSQL through postgresql+asyncpg://; the
SQLite backend locks up under concurrent workers), creates the process work pool, deploys
prefect.yaml and starts N workers. PIDs and log paths go to a state file in the stack's home, so
`down` and `status` work from any shell. The plain `prefect` commands doing the same are in the README.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

POOL = "chipwatch-local"
DEFAULT_PORT = 4200
DEFAULT_WEB_PORT = 8000
DEFAULT_PREFECT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/chipwatch_prefect"
STATE_FILE = "stack.json"
# Processes started by this Python process, by PID (the state file keeps only the PIDs).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class StackError(RuntimeError):
    """The stack cannot start or stop; the message says what failed and where its log is."""


@dataclass
class StackState:
    home: str
    api_url: str
    config: str
    prefect_db: str  # masked
    server: int
    workers: list[int] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    started_at: float = 0.0
    web: int = 0  # `chipwatch serve` (dashboard and WebSub callback), when started
    web_url: str = ""


def stack_home(home: str | None = None) -> Path:
    """The stack's folder: --home, else $CHIPWATCH_HOME/stack, else the user data dir."""
    if home:
        return Path(home).resolve()
    if os.environ.get("CHIPWATCH_HOME"):
        return Path(os.environ["CHIPWATCH_HOME"]).resolve() / "stack"
    from platformdirs import user_data_dir

    return Path(user_data_dir("chipwatch")) / "stack"


def project_dir() -> Path:
    """Where prefect.yaml and flows/ live (the source checkout; deployments point at its files)."""
    import chipwatch

    root = Path(chipwatch.__file__).parent.parent
    if not (root / "prefect.yaml").is_file():
        raise StackError(
            f"prefect.yaml not found in {root}; run the stack from a source checkout "
            "(pip install -e .) or deploy with plain `prefect` commands (README)"
        )
    return root


def prefect_env(home: Path, api_url: str) -> dict[str, str]:
    """Environment for every process of the stack: its own PREFECT_HOME, the API, no telemetry."""
    env = dict(os.environ)
    # Flow runs start as `python -m prefect.engine` (prefect.yaml): the worker's own interpreter.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        PREFECT_HOME=str(home / "prefect-home"),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_WORKER_QUERY_SECONDS="1",  # emit-to-run latency 4-8 s instead of 8-20 s (STACK-NOTES)
        PREFECT_LOGGING_TO_API_BATCH_INTERVAL="1",
    )
    return env


def ensure_prefect_database(url: str) -> None:
    """Create the Prefect server's database on the local PostgreSQL if it does not exist yet."""
    import psycopg
    from sqlalchemy.engine import make_url

    from chipwatch.redact import mask_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or not parsed.database:
        raise StackError(f"--prefect-database {mask_url(url)} must be postgresql+asyncpg://user@host:port/name")
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{parsed.database}"')
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0]
        raise StackError(
            f"PostgreSQL for the Prefect server ({mask_url(url)}) is not usable: {reason}; "
            "start PostgreSQL or pass --prefect-database"
        ) from None


def start_stack(
    config: str,
    *,
    workers: int = 2,
    runs_per_worker: int = 2,
    home: Path,
    port: int = DEFAULT_PORT,
    prefect_db: str = DEFAULT_PREFECT_DB,
    say: object = print,
    web_port: int | None = None,
) -> StackState:
    """Start server, pool, deployments and workers; return the recorded state. Stops what it
    started if a step fails. Each worker runs at most `runs_per_worker` flow runs at once (each is
    a process: unlimited runs would swamp a small machine). `web_port`: also start `chipwatch serve` there
    (the WebSub callback for hubs; default 8000 when the config has a `public_url`)."""
    from chipwatch.config import load_settings
    from chipwatch.redact import mask_url

    config = str(Path(config).resolve())
    settings = load_settings(config)  # a bad config fails here, not in every flow run
    if web_port is None and settings.public_url:
        web_port = DEFAULT_WEB_PORT
    if read_state(home) is not None:
        raise StackError(f"a stack is already recorded in {home}; run `chipwatch stack down` first")
    root = project_dir()
    ensure_prefect_database(prefect_db)
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (home / "prefect-home").mkdir(exist_ok=True)
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(home, api_url)
    state = StackState(str(home), api_url, config, mask_url(prefect_db), 0, [], {}, time.time())

    server_env = {**env, "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db, "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    server_env.pop("PREFECT_API_URL")
    _say(say, f"starting the Prefect server on {api_url} (database {mask_url(prefect_db)})")
    server_args = ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
    state.server = _spawn(server_args, server_env, logs / "server.log")
    state.logs["server"] = str(logs / "server.log")
    write_state(home, state)
    try:
        _wait_healthy(api_url, state.server, logs / "server.log")
        _run(["work-pool", "create", POOL, "--type", "process", "--overwrite"], env, logs / "setup.log", cwd=root)
        _say(say, "deploying prefect.yaml (poll, process, deliver, digest)")
        _run(["--no-prompt", "deploy", "--all"], {**env, "CHIPWATCH_CONFIG": config}, logs / "setup.log", cwd=root)
        for i in range(1, workers + 1):
            log = logs / f"worker-{i}.log"
            name = f"chipwatch-worker-{i}"
            args = ["worker", "start", "--pool", POOL, "--name", name, "--limit", str(runs_per_worker)]
            state.workers.append(_spawn(args, env, log, cwd=root))
            state.logs[name] = str(log)
            write_state(home, state)
        _say(say, f"{workers} worker(s) polling pool {POOL}; UI at {api_url.removesuffix('/api')}")
        if web_port:
            log = logs / "web.log"
            serve = [sys.executable, "-m", "chipwatch", "serve", "--config", config, "--port", str(web_port)]
            state.web = _spawn(serve, {**env, "CHIPWATCH_CONFIG": config}, log, cwd=root, module=False)
            state.web_url, state.logs["web"] = f"http://127.0.0.1:{web_port}", str(log)
            write_state(home, state)
            _wait_web(state.web_url, state.web, log)
            _say(say, f"dashboard and WebSub callback at {state.web_url}")
    except BaseException:
        stop_stack(home)
        raise
    return state


def stop_stack(home: Path, say: object = print) -> bool:
    """Stop workers (two SIGINTs, as Prefect workers need) then the server (SIGTERM); forget the state.
    Returns False when no stack was recorded."""
    state = read_state(home)
    if state is None:
        return False
    for pid in state.workers:
        _signal_group(pid, signal.SIGINT)
    time.sleep(1.0)
    for pid in state.workers:
        _signal_group(pid, signal.SIGINT)
    for pid in state.workers:
        _wait_gone(pid, 20.0)
    if state.web:
        _signal_group(state.web, signal.SIGTERM)
        _wait_gone(state.web, 20.0)
    if state.server:
        _signal_group(state.server, signal.SIGTERM)
        _wait_gone(state.server, 20.0)
    (home / STATE_FILE).unlink(missing_ok=True)
    _say(say, f"stopped {len(state.workers)} worker(s) and the Prefect server")
    return True


def stack_status(home: Path) -> dict[str, object]:
    """What runs: each process alive or not, the API's health, the deployments and the pool's workers."""
    state = read_state(home)
    if state is None:
        return {"running": False, "home": str(home)}
    out: dict[str, object] = {
        "running": True,
        "home": str(home),
        "api_url": state.api_url,
        "config": state.config,
        "prefect_db": state.prefect_db,
        "server": {"pid": state.server, "alive": _alive(state.server)},
        "workers": [{"pid": p, "alive": _alive(p)} for p in state.workers],
        "web": {"pid": state.web, "alive": _alive(state.web), "url": state.web_url} if state.web else None,
        "logs": state.logs,
    }
    try:
        with httpx.Client(base_url=state.api_url, timeout=5) as client:
            out["api"] = "ok" if client.get("/health").status_code == 200 else "unhealthy"
            deps = client.post("/deployments/filter", json={}).json()
            out["deployments"] = sorted(d["name"] for d in deps)
            pool_workers = client.post(f"/work_pools/{POOL}/workers/filter", json={}).json()
            out["pool_workers"] = sorted(f"{w['name']} ({w.get('status', '?')})" for w in pool_workers)
    except httpx.HTTPError as exc:
        out["api"] = f"not answering ({type(exc).__name__})"
    return out


def read_state(home: Path) -> StackState | None:
    path = home / STATE_FILE
    if not path.is_file():
        return None
    return StackState(**json.loads(path.read_text(encoding="utf-8")))


def write_state(home: Path, state: StackState) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
    tmp.replace(home / STATE_FILE)


def _spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path | None = None, *, module: bool = True) -> int:
    """Start `python -m prefect ARGS` (or, with module=False, ARGS as given) in its own process group."""
    # Each process leads its own group, so stopping it also reaches the flow runs it started.
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", *args] if module else args,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def _run(args: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
    if done.returncode != 0:
        raise StackError(f"`prefect {' '.join(args)}` failed (exit {done.returncode}); see {log}")


def _wait_healthy(api_url: str, pid: int, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise StackError(f"the Prefect server exited during start-up; see {log}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StackError(f"the Prefect server did not answer on {api_url} within {timeout:.0f} s; see {log}")


def _wait_web(url: str, pid: int, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise StackError(f"`chipwatch serve` exited during start-up; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise StackError(f"`chipwatch serve` did not answer on {url} within {timeout:.0f} s; see {log}")


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:  # started by this process: its handle knows best
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _is_prefect(pid)


def _is_prefect(pid: int) -> bool:
    """Guards against signalling a stranger after PID reuse: ours run `python -m prefect`."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the recorded id
    return not cmdline or b"prefect" in cmdline or b"chipwatch" in cmdline  # empty while a process execs or exits


def _signal_group(pid: int, sig: signal.Signals) -> None:
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    _signal_group(pid, signal.SIGKILL)


def _say(say: object, message: str) -> None:
    if callable(say):
        say(message)


def run_stack(
    action: str,
    *,
    config: str | None,
    workers: int,
    home: str | None,
    port: int,
    prefect_db: str,
    web_port: int | None = None,
) -> int:
    """The CLI verb: 0 on success, 1 when the stack could not start or is not running."""
    where = stack_home(home)
    try:
        if action == "up":
            config = config or os.environ.get("CHIPWATCH_CONFIG")
            if not config:
                raise StackError("stack up needs --config FILE (or CHIPWATCH_CONFIG) for the deployments")
            start_stack(config, workers=workers, home=where, port=port, prefect_db=prefect_db, web_port=web_port)
            print(f"stack state in {where / STATE_FILE}; stop it with `chipwatch stack down`")
            return 0
        if action == "down":
            if not stop_stack(where):
                print(f"no stack recorded in {where}")
            return 0
        status = stack_status(where)
        print(json.dumps(status, indent=2))
        return 0 if status["running"] else 1
    except StackError as exc:
        print(f"chipwatch: {exc}", file=sys.stderr)
        return 1
