"""Shared pieces of the HTTP benchmarks: a scratch PostgreSQL database, a real server, wrk, pgbench."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True).stdout


@contextmanager
def scratch_database(url: str, name: str) -> Iterator[str]:
    """A fresh database beside the configured one, migrated; dropped afterwards."""
    admin = _with_database(url, "postgres")
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')
    scratch = _with_database(url, name)
    try:
        manage("migrate", "--noinput", env={"DATABASE_URL": scratch})
        yield scratch
    finally:
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_env(**extra: str) -> dict[str, str]:
    data_dir = Path(tempfile.mkdtemp(prefix="junction-bench-"))
    return {**os.environ, "JUNCTION_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings", **extra}


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env={**os.environ, **env}, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def process(argv: list[str], env: dict[str, str], ready: str | None = None) -> Iterator[subprocess.Popen]:
    """A background process (server, worker); ``ready`` is a URL to poll until it answers."""
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while ready and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(ready, timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def web_server(env: dict[str, str], port: int, workers: int, threads: int = 4):
    """The web server as `make run` starts it (uvicorn, Django on ``threads`` threads per process)."""
    from apps.core.launcher import web_server_argv

    argv = web_server_argv(host="127.0.0.1", port=port, workers=workers)
    return process(argv, {**env, "WEB_THREADS": str(threads), "LOG_LEVEL": "WARNING"},
                   ready=f"http://127.0.0.1:{port}/healthz")  # fmt: skip


def celery_worker(env: dict[str, str], concurrency: int):
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING",
            "--concurrency", str(concurrency), "--without-mingle", "--without-gossip"]  # fmt: skip
    return process(argv, env)


#: wrk's Lua (LuaJIT) has no clock finer than a second but its FFI: the wall clock in milliseconds.
_WRK_CLOCK = """
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_usec; } junction_timeval;
           int gettimeofday(junction_timeval *tv, void *tz); ]]
local tv = ffi.new("junction_timeval")
local function now_ms() ffi.C.gettimeofday(tv, nil); return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000 end
"""


def wrk(
    url: str,
    *,
    body: str,
    headers: dict[str, str],
    connections: int,
    seconds: int,
    method: str = "POST",
    rate: float | None = None,
) -> dict[str, float]:
    """Requests/s and latency percentiles from wrk (a C load generator, Debian package `wrk`).

    With ``rate``, requests are sent on a schedule of ``rate`` a second in all (each of wrk's threads
    keeps its share, on whichever of its connections is free), as producers send: the latency is then
    that of the hub at that load, not of a hub kept saturated by clients that send again at once."""
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for this benchmark: apt-get install wrk")
    threads = min(2, connections)
    lines = [f"wrk.method = '{method}'", f"wrk.body = [[{body}]]"]
    lines += [f"wrk.headers['{name}'] = '{value}'" for name, value in headers.items()]
    if rate:
        lines += [
            _WRK_CLOCK,
            f"local interval, slot = {1000 * threads / rate}, nil",
            "delay = function()",
            "  local now = now_ms()",
            "  slot = slot and math.max(slot + interval, now - 1000) or now",  # a stall is not made up in a burst
            "  return math.max(0, slot - now)",
            "end",
        ]
    lines += [
        "done = function(summary, latency, requests)",
        "  for _, p in pairs({50, 99}) do io.write(string.format('P%d %f\\n', p, latency:percentile(p) / 1000)) end",
        "end",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines))
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", script.name, url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": float(re.search(r"(\d+) requests in", out).group(1)),
        "errors": float(errors.group(1)) if errors else 0.0,
        "p50_ms": float(re.search(r"P50 ([\d.]+)", out).group(1)),
        "p99_ms": float(re.search(r"P99 ([\d.]+)", out).group(1)),
    }


def pgbench_insert_rate(url: str, *, clients: int, seconds: int) -> float:
    """Single-row INSERT + COMMIT transactions per second on this machine's PostgreSQL: the limit."""
    _psql(url, "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, payload jsonb)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("""INSERT INTO bench_insert (payload) VALUES ('{"customer": {"id": 1}}');\n""")
    parts = urlsplit(url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    pgbench = shutil.which("pgbench") or next(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), None)
    out = subprocess.run(
        [str(pgbench), "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "postgres", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", script.name,
         parts.path.lstrip("/")],
        check=True, capture_output=True, text=True, env=env,
    ).stdout  # fmt: skip
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def cpu_seconds(root: int) -> float:
    """CPU time used so far by process ``root`` and every process under it (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(times.get(pid, 0.0) for pid in tree)


def print_table(title: str, header: tuple[str, ...], rows: list[tuple], notes: list[str]) -> None:
    cells = [tuple(str(c) for c in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in
                        enumerate(zip(row, widths, strict=True))))  # fmt: skip
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for note in notes:
        print(f"* {note}")
