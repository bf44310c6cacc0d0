"""Load benchmark: the app under its production server (``clausier serve``, gunicorn), driven by
wrk from another process on 127.0.0.1, endpoint by endpoint, for a bounded time each.

Usage: .venv/bin/python bench/bench_load.py [--seconds 10] [--connections 8] [--postgresql]

It prepares a data directory with the demo (reference library, sample analyses, the lighting
concession and its deliveries) on SQLite — or on PostgreSQL with ``--postgresql``
(``CLAUSIER_TEST_POSTGRES_URL``, a schema of its own) — serves it, then runs wrk (Debian package
``wrk``) on a mix of pages, API reads, a search, an analysis upload and a delivery upload.
Prints a Markdown table: requests per second, p50 / p95 / p99 latency, errors (non-2xx/3xx or
socket errors), per endpoint.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    directory = Path(tempfile.mkdtemp(prefix="clausier-load-"))
    env = os.environ | {
        "CLAUSIER_DATA_DIR": str(directory / "data"),
        "SECRET_KEY": uuid.uuid4().hex,
    }
    env.pop("DATABASE_URL", None)
    schema = None
    if args.postgresql:
        from sqlalchemy import create_engine, text

        base_url = os.environ.get(
            "CLAUSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        schema = f"clausier_load_{uuid.uuid4().hex[:8]}"
        with create_engine(base_url).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        env["DATABASE_URL"] = f"{base_url}?options=-csearch_path%3D{schema}"
    clausier = [sys.executable, "-m", "service.cli"]
    subprocess.run([*clausier, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*clausier, "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    rows = []
    try:
        wait_until_up(base, time.monotonic() + 60)
        script = directory / "report.lua"
        script.write_text(SCRIPT)
        uploads = bodies(directory)
        for name, method, path, body, _ in ENDPOINTS:
            run_env = os.environ | {"METHOD": method, "BODY_FILE": "", "CONTENT_TYPE": ""}
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
            rate = result["requests"] / result["seconds"]
            rows.append(
                f"| {name} | {method} | {rate:.0f} | {result['p50']:.0f} | {result['p95']:.0f}"
                f" | {result['p99']:.0f} | {result['errors']} |"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        if schema is not None:
            from sqlalchemy import create_engine, text

            with create_engine(base_url).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        shutil.rmtree(directory, ignore_errors=True)
    database = "PostgreSQL" if args.postgresql else "SQLite"
    print(
        f"{database}, c={args.connections}, {args.seconds} s per endpoint, {os.cpu_count()} cores"
    )
    print("| endpoint | method | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
