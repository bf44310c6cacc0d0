"""Load benchmark: the app under its production server (``clausier serve``, gunicorn), driven by
wrk from another process on 127.0.0.1, endpoint by endpoint, for a bounded time each.

Usage: .venv/bin/python bench/bench_load.py [--seconds 10] [--connections 8] [--postgresql]
       [--baseline ../main] [--only NAME] [--warmup 1]

It prepares a data directory with the demo (reference library, sample analyses, the lighting
concession and its deliveries) on SQLite — or on PostgreSQL with ``--postgresql``
(``CLAUSIER_TEST_POSTGRES_URL``, a schema of its own) — serves it, then runs wrk (Debian package
``wrk``) on a mix of pages, API reads, a search, an analysis upload and a delivery upload.
Prints a Markdown table: requests per second, p50 / p95 / p99 latency, errors (non-2xx/3xx or
socket errors), the server's CPU time per request (its master and workers, from /proc: the
figure that a busy machine disturbs least), per endpoint, and the machine's load average before
and after.

With ``--baseline TREE`` a second copy of the demo is served from another checkout of the code
(the main branch, say) and each endpoint is measured on it just before this tree's (both after
the same second of unmeasured load, so that every worker has drawn the page once): on a shared,
noisy machine the two columns and their p95 ratio are comparable where two runs are not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORG, REF = "valmont-sur-loire", "EP-2024-01"
#: The domain of the demo's accounts (service/cli/demo_accounts.py).
DEMO_DOMAIN = "demo.clausier.example"
CONTRACT = f"/organisations/{ORG}/contrats/{REF}"
API_CONTRACT = f"/api/organisations/{ORG}/contracts/{REF}"
#: (name, method, path, body file or None, content type)
ENDPOINTS = [
    ("home page (library)", "GET", "/", None, None),
    ("clause page", "GET", "/clauses/reversibilite-concession", None, None),
    ("contract page", "GET", CONTRACT, None, None),
    ("checklist page", "GET", f"{CONTRACT}/reversibilite", None, None),
    ("deliveries dashboard", "GET", "/suivi", None, None),
    ("analysis report page", "GET", "/analyses/1", None, None),
    ("contract API", "GET", API_CONTRACT, None, None),
    ("contract dashboard API", "GET", f"{API_CONTRACT}/dashboard", None, None),
    ("search API", "GET", "/api/search?q=r%C3%A9versibilit%C3%A9+donn%C3%A9es", None, None),
    ("analysis upload API", "POST", "/api/analyses", "analysis", None),
    (
        "delivery upload API",
        "POST",
        f"{API_CONTRACT}/obligations/interventions/deliveries",
        "delivery",
        None,
    ),
]
SCRIPT = """
wrk.method = os.getenv("METHOD")
-- Every route but the sign-in page asks who calls: the demo contract manager's API token.
local authorization = os.getenv("AUTHORIZATION")
if authorization ~= nil and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end
local body = os.getenv("BODY_FILE")
if body ~= nil and body ~= "" then
  local f = io.open(body, "rb"); wrk.body = f:read("*a"); f:close()
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE")
end
-- A delivery body names its period « 2026-10 »: each request takes the next month of the
-- contract, so that concurrent uploads do not all supersede one period.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local count = 0
if wrk.body ~= nil and string.find(wrk.body, "2026%-10") then
  request = function()
    count = count + 1
    local month = (count * 7 + (id or 0) * 72) % 144
    local period = string.format("%04d-%02d", 2024 + math.floor((month + 6) / 12),
      (month + 6) % 12 + 1)
    return wrk.format(nil, nil, nil, string.gsub(wrk.body, "2026%-10", period, 1))
  end
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one file in ``file``."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def bodies(directory: Path) -> dict[str, tuple[Path, str]]:
    """The upload bodies: a sample CCTP, and a valid interventions file for a period."""
    sample = ROOT / "contracts" / "valmont_cctp_saas_sirh.docx"
    analysis, analysis_type = multipart({}, sample.name, sample.read_bytes())
    deliveries = ROOT / "contracts" / "concession-eclairage" / "livraisons"
    csv = sorted((deliveries / "interventions").glob("*.csv"))[-1]
    fields = {"period": "2026-10", "sender": "Banc d'essai", "sender_role": "titulaire"}
    delivery, delivery_type = multipart(fields, csv.name, csv.read_bytes())
    (directory / "analysis.body").write_bytes(analysis)
    (directory / "delivery.body").write_bytes(delivery)
    return {
        "analysis": (directory / "analysis.body", analysis_type),
        "delivery": (directory / "delivery.body", delivery_type),
    }


def wait_until_up(base: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


#: This benchmark measures what the server can do: one client (wrk, one address) sending
#: uploads without pause would otherwise be measured against its rate limit
#: (``UPLOAD_RATE_LIMIT``, which ``bench_hostile_load.py`` keeps as shipped).
UNBOUNDED = {"UPLOAD_RATE_LIMIT": "off"}


class Instance:
    """One served copy of the demo: its data directory, its PostgreSQL schema, its server."""

    def __init__(
        self,
        args: argparse.Namespace,
        port: int,
        tree: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="clausier-load-"))
        self.base = f"http://127.0.0.1:{port}"
        self.schema: str | None = None
        self.base_url = os.environ.get(
            "CLAUSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        env = (
            os.environ
            | {
                "CLAUSIER_DATA_DIR": str(self.directory / "data"),
                "SECRET_KEY": uuid.uuid4().hex,
            }
            | (settings or {})
        )
        env.pop("DATABASE_URL", None)
        # ``python -m`` puts the working directory first on the path: the code served is the
        # tree's (another checkout, e.g. the main branch, or this one).
        self.tree = tree or ROOT
        env["PYTHONPATH"] = str(self.tree)
        if args.postgresql:
            from sqlalchemy import create_engine, text

            self.schema = f"clausier_load_{uuid.uuid4().hex[:8]}"
            with create_engine(self.base_url).begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            env["DATABASE_URL"] = f"{self.base_url}?options=-csearch_path%3D{self.schema}"
        clausier = [sys.executable, "-m", "service.cli"]
        self.code = subprocess.run(
            [sys.executable, "-c", "import service; print(service.__file__)"],
            env=env,
            cwd=self.tree,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        subprocess.run(
            [*clausier, "demo", "--no-serve"],
            env=env,
            cwd=self.tree,
            check=True,
            capture_output=True,
        )
        # The demo's contract manager may read, analyse and deliver: its token signs each
        # request (the app answers 401 to anonymous ones, which would be measured instead).
        made = subprocess.run(
            [
                *clausier,
                *("tokens", "create", f"contract-manager@{DEMO_DOMAIN}"),
                *("--organisation", ORG, "--role", "contract_manager", "--name", "banc d'essai"),
            ],
            env=env,
            cwd=self.tree,
            check=True,
            capture_output=True,
            text=True,
        )
        self.token = made.stdout.strip().splitlines()[-1]
        self.server = subprocess.Popen(
            [*clausier, "serve", "--port", str(port)],
            env=env,
            cwd=self.tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server's master and workers have used so far."""
        ticks = 0
        pids = [self.server.pid]
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a worker replaced meanwhile
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=60)
        if self.schema is not None:
            from sqlalchemy import create_engine, text

            with create_engine(self.base_url).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        shutil.rmtree(self.directory, ignore_errors=True)


def run_wrk(
    args: argparse.Namespace,
    script: Path,
    base: str,
    endpoint: tuple,
    uploads: dict,
    token: str = "",
) -> dict[str, float]:
    """One wrk run of ``endpoint`` against the server at ``base`` (signed with ``token``):
    its summary."""
    _name, method, path, body, _ = endpoint
    run_env = os.environ | {"METHOD": method, "BODY_FILE": "", "CONTENT_TYPE": ""}
    run_env["AUTHORIZATION"] = f"Bearer {token}" if token else ""
    if body:
        run_env["BODY_FILE"], run_env["CONTENT_TYPE"] = map(str, uploads[body])
    done = subprocess.run(
        [
            *("wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s"),
            *("-s", str(script), base + path),
        ],
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rate"] = result["requests"] / result["seconds"]
    return result


def cells(result: dict[str, float]) -> str:
    return (
        f"{result['rate']:.0f} | {result['p50']:.0f} | {result['p95']:.0f}"
        f" | {result['p99']:.0f} | {result['errors']} | {result['cpu'] * 1000:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of the code (e.g. the main branch's worktree), served beside"
        " this one and measured endpoint by endpoint in the same run, just before it, so that"
        " both see the same load of the machine",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of unmeasured load before each GET"
    )
    parser.add_argument("--only", help="measure only the endpoints whose name contains this")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    endpoints = [e for e in ENDPOINTS if not args.only or args.only in e[0]]
    instances: list[Instance] = []
    rows = []
    load_before = os.getloadavg()
    try:
        if args.baseline is not None:
            instances.append(Instance(args, args.port + 1, args.baseline.resolve(), UNBOUNDED))
        instances.append(Instance(args, args.port, settings=UNBOUNDED))
        for instance in instances:
            wait_until_up(instance.base, time.monotonic() + 60)
        directory = instances[-1].directory
        script = directory / "report.lua"
        script.write_text(SCRIPT)
        uploads = bodies(directory)
        for endpoint in endpoints:
            name, method = endpoint[0], endpoint[1]
            if method == "GET" and args.warmup:  # every worker has drawn the page once
                quick = argparse.Namespace(**{**vars(args), "seconds": args.warmup})
                for instance in instances:
                    run_wrk(quick, script, instance.base, endpoint, uploads, instance.token)
            results = []
            for instance in instances:
                before = instance.cpu_seconds()
                result = run_wrk(args, script, instance.base, endpoint, uploads, instance.token)
                result["cpu"] = (instance.cpu_seconds() - before) / max(result["requests"], 1)
                results.append(result)
            row = f"| {name} | {method} | " + " | ".join(cells(r) for r in results)
            if len(results) == 2:
                row += f" | {results[1]['p95'] / results[0]['p95']:.2f}"
            rows.append(row + " |")
    finally:
        for instance in instances:
            instance.close()
    load_after = os.getloadavg()
    labels = ["baseline", "this tree"] if len(instances) == 2 else ["code"]
    for label, instance in zip(labels, instances, strict=True):
        print(f"{label}: {Path(instance.code).parent}")
    database = "PostgreSQL" if args.postgresql else "SQLite"
    print(
        f"{database}, c={args.connections}, {args.seconds} s per endpoint, {os.cpu_count()} cores;"
        f" load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    columns = "req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req"
    if args.baseline is not None:
        print(f"| endpoint | method | baseline {columns} | this tree {columns} | p95 ratio |")
        print("|---|---|" + "---:|" * 13)
    else:
        print(f"| endpoint | method | {columns} |")
        print("|---|---|" + "---:|" * 6)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
