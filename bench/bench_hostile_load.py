"""Normal requests while hostile ones run: the latency of light reads and the server's memory.

Usage: .venv/bin/python bench/bench_hostile_load.py [--seconds 15] [--hostile 8] [--port 5098]
       [--honour-retry-after]

Serves the demo under ``clausier serve`` (gunicorn, its default workers) on SQLite, measures
``GET /api/families`` and a search with wrk (2 connections) while idle, then again while
``--hostile`` client threads send hostile requests without pause (with
``--honour-retry-after``, a client refused 503 or 429 first waits the Retry-After it was
given, as well-behaved clients and proxies do: what is measured is then the hostile requests
themselves, not a flood of refused ones): delivery uploads of a
30 MB interventions file (valid, long to validate: above ``DELIVERY_BACKGROUND_BYTES``, it is
answered 202 and validated by a background job), of a CSV row of 8,000 separators and of a
Latin-1 file, and analyses of a 300-page CCTP. Every request is signed with the demo contract
manager's API token. Prints each read's p50 / p95 idle and under load with their ratio (issue
14's aim: within 2×), what the hostile requests got back, the background validations they
started and how they ended, and the peak memory of the server (master and workers, then with
their budgeted children, resident and proportional, sampled from /proc; aim: under 1 GB).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from bench_analysis import build_docx
from bench_load import API_CONTRACT, ROOT, Instance, multipart, run_wrk, wait_until_up

READS = [
    ("families API", "GET", "/api/families", None, None),
    ("search API", "GET", "/api/search?q=r%C3%A9versibilit%C3%A9+donn%C3%A9es", None, None),
]
DELIVERY = f"{API_CONTRACT}/obligations/interventions/deliveries"


def hostile_requests(directory: Path) -> list[tuple[str, str, bytes, str]]:
    """(name, path, body, content type) of each kind of hostile request."""
    sample = sorted(
        (ROOT / "contracts/concession-eclairage/livraisons/interventions").glob("*.csv")
    )
    header, *rows = sample[-1].read_text(encoding="utf-8").splitlines()
    big = [header]
    while sum(len(r) for r in big) < 30 * 1024 * 1024:
        big += rows
    fields = {"period": "2025-03", "sender": "Banc d'essai", "sender_role": "titulaire"}
    cctp = directory / "cctp-300.docx"
    build_docx(300, cctp, random.Random(3))
    made = [
        ("valid 30 MB CSV", DELIVERY, "\n".join(big).encode("utf-8") + b"\n", "gros.csv"),
        ("8,000 separators", DELIVERY, b"code,nom\n" + b"a," * 8000 + b"b\n", "large.csv"),
        ("Latin-1 CSV", DELIVERY, ("\n".join([header, *rows[:50]])).encode("latin-1"), "l1.csv"),
        ("300-page CCTP", "/api/analyses", cctp.read_bytes(), cctp.name),
    ]
    requests = []
    for name, path, data, filename in made:
        body, kind = multipart(fields if path == DELIVERY else {}, filename, data)
        requests.append((name, path, body, kind))
    return requests


def _children(pid: int) -> list[int]:
    """The processes ``pid``'s threads forked (a budgeted child is a job thread's)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _field_kb(path: str, name: str) -> int:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:  # gone meanwhile
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith(name)), 0)


def memory_mb(instance: Instance) -> tuple[float, float, float]:
    """Memory of the server: the resident size of its master and workers (as measured before
    2026-12-07 evening), then of all its processes with the budgeted children of the workers
    (resident, and proportional: a page shared by forked processes counted once)."""
    master = instance.server.pid
    workers = _children(master)
    tree, todo = [master], list(workers)
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += _children(pid)
    rss = sum(_field_kb(f"/proc/{pid}/status", "VmRSS") for pid in [master, *workers])
    rss_tree = sum(_field_kb(f"/proc/{pid}/status", "VmRSS") for pid in tree)
    pss_tree = sum(_field_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in tree)
    return rss / 1024, rss_tree / 1024, pss_tree / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--hostile", type=int, default=8)
    parser.add_argument("--port", type=int, default=5098)
    parser.add_argument(
        "--honour-retry-after",
        action="store_true",
        help="a hostile client answered 503 or 429 waits the Retry-After it was given before "
        "sending again, as HTTP clients and proxies do (default: it sends again at once)",
    )
    args = parser.parse_args()
    args.connections, args.postgresql = 2, False
    with tempfile.TemporaryDirectory() as tmp:
        hostile = hostile_requests(Path(tmp))
        script = Path(tmp) / "report.lua"
        from bench_load import SCRIPT

        script.write_text(SCRIPT)
        instance = Instance(args, args.port)
        try:
            wait_until_up(instance.base, time.monotonic() + 120)
            token = instance.token
            idle = {
                read[0]: run_wrk(args, script, instance.base, read, {}, token) for read in READS
            }
            stop, answers, peak = threading.Event(), Counter(), [memory_mb(instance)]
            validations: list[str] = []
            durations: dict[str, list[float]] = {}

            def attack(number: int) -> None:
                name, path, body, kind = hostile[number % len(hostile)]
                while not stop.is_set():
                    request = urllib.request.Request(
                        instance.base + path,
                        data=body,
                        headers={"Content-Type": kind, "Authorization": f"Bearer {token}"},
                    )
                    started = time.monotonic()
                    try:
                        with urllib.request.urlopen(request, timeout=300) as response:
                            status = response.status
                            if status == 202:  # a large delivery, validated in the background
                                validations.append(response.headers["Location"])
                    except urllib.error.HTTPError as error:
                        status = error.code
                        wait = error.headers.get("Retry-After", "")
                        if status in (429, 503) and args.honour_retry_after and wait.isdigit():
                            stop.wait(int(wait))
                    except OSError:
                        status = 0
                    durations.setdefault(name, []).append(time.monotonic() - started)
                    answers[(name, status)] += 1

            def sample() -> None:
                while not stop.is_set():
                    peak.append(memory_mb(instance))
                    time.sleep(0.2)

            threads = [threading.Thread(target=attack, args=(n,)) for n in range(args.hostile)]
            threads.append(threading.Thread(target=sample))
            for thread in threads:
                thread.start()
            time.sleep(3)  # the hostile requests are under way
            loaded = {
                read[0]: run_wrk(args, script, instance.base, read, {}, token) for read in READS
            }
            stop.set()
            for thread in threads:
                thread.join()
            ended = Counter(_state(instance.base + url, token) for url in validations)
        finally:
            instance.close()
    print(
        "| read | idle p50 / p95 | under hostile load p50 / p95 | p95 ratio | req/s idle → loaded |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, before in idle.items():
        after = loaded[name]
        print(
            f"| {name} | {before['p50']:.0f} / {before['p95']:.0f} ms | {after['p50']:.0f} / "
            f"{after['p95']:.0f} ms | {after['p95'] / max(before['p95'], 0.1):.1f}× | "
            f"{before['rate']:.0f} → {after['rate']:.0f} |"
        )
    print()
    print("| hostile request | answers | median time |")
    print("|---|---|---:|")
    for name, *_ in hostile:
        got = ", ".join(
            f"{count} × {status}" for (n, status), count in answers.items() if n == name
        )
        times = durations.get(name) or [0.0]
        print(f"| {name} | {got} | {statistics.median(times):.1f} s |")
    print()
    for number, what in enumerate(
        (
            "resident, master and workers",
            "resident, with the budgeted children",
            "proportional (PSS), with the budgeted children",
        )
    ):
        print(
            f"Peak memory of the server, {what}: {max(m[number] for m in peak):.0f} MB "
            f"(before the hostile requests: {peak[0][number]:.0f} MB)"
        )
    states = ", ".join(f"{count} {state}" for state, count in sorted(ended.items()))
    print(f"Background validations started: {len(validations)} ({states or 'none'}, at the end)")


def _state(url: str, token: str) -> str:
    """The state of a background validation (queued, running, done, failed)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["state"]
    except (OSError, ValueError, KeyError):
        return "unreadable"


if __name__ == "__main__":
    main()
