"""Benchmark of the clause library: index build, search latency, import of clauses/.

Usage: .venv/bin/python bench/bench_library.py [--sizes 200 2000 20000] [--repeat 15]

For each size, builds a synthetic library of that many clause versions (sentences recombined
from the reference library, so the vocabulary is real French contract language) in a SQLite
database, rebuilds the search index, then times one- to three-word French queries through the
same call the API uses (``SearchIndex.search``, which includes the database freshness check).
Prints a Markdown table of medians; BENCHMARKS.md holds the figures of a run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from whoosh.qparser import AndGroup, QueryParser

from service import migrate
from service.db import Database, utcnow
from service.library.files import import_library, read_library
from service.library.models import Clause, ClauseVersion, content_hash
from service.library.search import SearchIndex
from service.settings import PROJECT_ROOT

QUERIES = [
    "réversibilité",
    "penalite",
    "hébergement",
    "licence ouverte",
    "format ouvert",
    "restitution données",
    "sous-traitant ultérieur",
    "certificat suppression",
    "délai de restitution",
    "violation données personnelles",
    "union européenne",
    "plan assurance sécurité",
    "clause revoyure annuelle",
    "indicateurs environnementaux",
    "code source algorithme",
    "notification incident heures",
    "open data portail",
    "propriété bases données",
]


def sentences() -> dict[str, list[str]]:
    """Sentences of the reference library, by family."""
    source = read_library(PROJECT_ROOT / "clauses")
    found: dict[str, list[str]] = {family: [] for family in source.families}
    for versions in source.versions.values():
        for version in versions:
            for part in version.body.replace("\n", " ").split(". "):
                if len(part) > 40 and "{{" not in part:
                    found[version.family].append(part.strip().rstrip(".") + ".")
    return found


def fill(database: Database, size: int, rng: random.Random) -> None:
    """Create ``size`` versions, three per clause, each clause written in its family's words.

    A real library's clauses use their family's vocabulary (a réversibilité clause speaks of
    restitution, an RGPD clause of sous-traitants), so sentences are drawn from the clause's
    own family, as in the reference library.
    """
    pools = sentences()
    family_ids = sorted(pools)
    now = utcnow()
    clauses, versions = [], []
    number_of_clauses = max(1, size // 3)
    for index in range(number_of_clauses):
        clause_id = f"synthetique-{index:05d}"
        clauses.append(
            {
                "id": clause_id,
                "family_id": family_ids[index % len(family_ids)],
                "created_at": now,
                "last_version": 0,
            }
        )
    for index in range(size):
        clause = clauses[index % number_of_clauses]
        clause["last_version"] += 1
        pool = pools[clause["family_id"]]
        content = {
            "title": " ".join(rng.choice(pool).split()[:8]),
            "body": "\n\n".join(rng.sample(pool, 6)) + "\n",
            "legal_basis": ["Code de la commande publique"],
            "variables": [],
            "elements": [],
            "contract_types": ["marche_services"],
        }
        versions.append(
            {
                "clause_id": clause["id"],
                "number": clause["last_version"],
                "status": "draft",
                "author": "bench",
                "change_note": "",
                "content_hash": content_hash(content),
                "created_at": now,
                "updated_at": now,
                **content,
            }
        )
    with database.session() as session:
        session.execute(insert(Clause), clauses)
        session.execute(insert(ClauseVersion), versions)


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_size(size: int, repeat: int, workdir: Path) -> dict[str, float]:
    """Measure index build and search latency for one library size."""
    database = Database(f"sqlite:///{workdir / f'bench-{size}.sqlite3'}")
    migrate.upgrade(database.engine)
    with database.session() as session:
        import_library(session, PROJECT_ROOT / "clauses")  # families, and real clauses too
    fill(database, size, random.Random(size))
    index = SearchIndex(workdir / f"index-{size}")
    with database.sessions() as session:
        started = time.perf_counter()
        count = index.rebuild(session)
        build = time.perf_counter() - started
        timings, bare_timings, matches = [], [], []
        for query in QUERIES:
            matches.append(index.search(session, query).total)  # warms the reader and caches
        parser = QueryParser("text", index._open().schema, group=AndGroup)
        parsed = [parser.parse(query) for query in QUERIES]
        with index._open().searcher() as searcher:
            for _ in range(repeat):
                for query, bare in zip(QUERIES, parsed, strict=True):
                    started = time.perf_counter()
                    index.search(session, query)
                    timings.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    searcher.search(bare, limit=10).scored_length()
                    bare_timings.append((time.perf_counter() - started) * 1000)
    database.dispose()
    return {
        "versions": count,
        "build_s": build,
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "bare_ms": statistics.median(bare_timings),
        "matches": statistics.median(matches),
    }


def time_import(repeat: int, workdir: Path) -> float:
    """Median time to import clauses/ into an empty database."""
    timings = []
    for attempt in range(repeat):
        database = Database(f"sqlite:///{workdir / f'import-{attempt}.sqlite3'}")
        migrate.upgrade(database.engine)
        started = time.perf_counter()
        with database.session() as session:
            import_library(session, PROJECT_ROOT / "clauses")
        timings.append(time.perf_counter() - started)
        database.dispose()
    return statistics.median(timings)


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print(f"Import of clauses/ (median of 5): {time_import(5, workdir) * 1000:.0f} ms")
        print()
        print(
            "| synthetic versions | indexed | index build | search median | search p95 "
            "| bare whoosh top-10 median | median matches per query |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            row = run_size(size, args.repeat, workdir)
            print(
                f"| {size:,} | {row['versions']:,} | {row['build_s']:.1f} s | "
                f"{row['median_ms']:.1f} ms | {row['p95_ms']:.1f} ms | {row['bare_ms']:.1f} ms "
                f"| {row['matches']:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
