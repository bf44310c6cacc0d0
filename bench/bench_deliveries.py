"""Benchmark of the delivery dashboards at scale: 500 contracts × 20 monthly obligations over
ten years, about 1.2 million expected periods, on SQLite and on PostgreSQL.

Usage: .venv/bin/python bench/bench_deliveries.py [--contracts 500] [--repeat 5] [--skip-pg]

Contracts and obligations are created by the same functions the API uses (so the periods are
the real calendar). The periods' delivery facts (first delivery, first valid delivery) are then
drawn at random — 80 % on time, 8 % late, 4 % invalid then fixed, 3 % only invalid, the rest
never delivered — and written straight into the period table, as ``record_delivery`` would leave
them; the contract measured alone also gets real delivery rows so that its timelines count
them. Timed, medians of ``--repeat`` runs after a warm-up: the dashboard across every contract,
an organisation's dashboard, and one contract's page (dashboard and timelines).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable

from sqlalchemy import bindparam, create_engine, select, text

import service.models  # noqa: F401  (every table known to the metadata)
from service.db import Database
from service.deliveries.board import timelines
from service.deliveries.contracts import add_obligation, create_contract
from service.deliveries.dashboard import Scope, dashboard
from service.deliveries.models import Contract, Delivery, Period
from service.migrate import upgrade
from service.organisations import ensure_organisation
from service.storage import store_file

POSTGRES_URL = os.environ.get(
    "CLAUSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = dt.date(2020, 1, 1)
END = dt.date(2029, 12, 31)
AT = dt.date(2026, 11, 25)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``action()`` over ``repeat`` runs, after one warm-up."""
    action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def populate(database: Database, contracts: int, obligations: int) -> None:
    """Create the organisations, contracts, obligations and periods, then draw delivery facts."""
    rng = random.Random(2154)
    with database.session() as session:
        for number in range(contracts):
            organisation = ensure_organisation(
                session, f"org-{number % 50:02d}", f"Commune n° {number % 50}"
            )
            contract = create_contract(
                session,
                organisation,
                reference=f"C-{number:04d}",
                title=f"Concession n° {number}",
                kind="concession",
                titulaire_name="Exploitant SAS",
                titulaire_siren=None,
                start_on=START,
                end_on=END,
            )
            for index in range(obligations):
                add_obligation(
                    session,
                    contract,
                    dataset=f"jeu_{index:02d}",
                    title=f"Jeu de données {index}",
                    format="csv",
                    frequency="monthly",
                    delay_days=15 + index,
                )
    with database.session() as session:
        rows = session.execute(select(Period.id, Period.due_on).where(Period.due_on <= AT)).all()
        facts = []
        for period_id, due in rows:
            draw = rng.random()
            received = valid = None
            if draw < 0.80:
                received = valid = due - dt.timedelta(days=rng.randint(0, 14))
            elif draw < 0.88:
                received = valid = due + dt.timedelta(days=rng.randint(1, 60))
            elif draw < 0.92:
                received = due - dt.timedelta(days=3)
                valid = due + dt.timedelta(days=rng.randint(1, 20))
            elif draw < 0.95:
                received = due - dt.timedelta(days=1)
            if received is not None:
                facts.append({"pid": period_id, "r": received, "v": valid})
        table = Period.__table__
        session.execute(
            table.update()
            .where(table.c.id == bindparam("pid"))
            .values(first_received_on=bindparam("r"), first_valid_on=bindparam("v")),
            facts,
        )
        # The contract measured alone also gets delivery rows, one per delivered period.
        stored = store_file(session, b"id;valeur\n1;2\n", "text/csv")
        sample = session.scalars(
            select(Period)
            .join(Contract)
            .where(Contract.reference == "C-0000", Period.first_received_on.is_not(None))
        ).all()
        session.add_all(
            Delivery(
                period_id=period.id,
                file_sha256=stored.sha256,
                filename="livraison.csv",
                size=stored.size,
                received_at=dt.datetime.combine(period.first_received_on, dt.time(10), dt.UTC),
                sender="Exploitant SAS",
                sender_role="titulaire",
                valid=period.first_valid_on == period.first_received_on,
                report={"valid": True, "checks": [], "errors": []},
                note="",
            )
            for period in sample
        )


def measure(name: str, url: str, contracts: int, obligations: int, repeat: int) -> list[str]:
    """Populate one database and time the three pages; return Markdown table rows."""
    database = Database(url)
    upgrade(database.engine)
    started = time.perf_counter()
    populate(database, contracts, obligations)
    built = time.perf_counter() - started
    with database.engine.begin() as connection:
        # Plans as in production, where the tables have statistics.
        connection.execute(text("ANALYZE"))
    with database.sessions() as session:
        periods = session.scalar(select(text("count(*)")).select_from(Period))
        contract = session.scalar(select(Contract).where(Contract.reference == "C-0000"))
        organisation = contract.organisation

        def everything() -> object:
            return dashboard(session, AT)

        def one_organisation() -> object:
            return dashboard(session, AT, Scope(organisation=organisation))

        def one_contract() -> object:
            session.expire_all()
            return dashboard(session, AT, Scope(contract=contract)), timelines(
                session, contract, AT
            )

        tracemalloc.start()
        board = everything()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows = [
            f"| {name} | dashboard, all {contracts} contracts ({periods:,} periods)"
            f" | {median_seconds(everything, repeat) * 1000:.0f} ms"
            f" | peak {peak / 1e6:.1f} MB |",
            f"| {name} | dashboard, one organisation ({one_organisation().contracts} contracts)"
            f" | {median_seconds(one_organisation, repeat) * 1000:.0f} ms | |",
            f"| {name} | one contract's page data ({obligations} timelines)"
            f" | {median_seconds(one_contract, repeat) * 1000:.0f} ms | |",
            f"| {name} | building the data (not a target) | {built:.0f} s"
            f" | {sum(board.counts.values()):,} statuses counted |",
        ]
    database.dispose()
    return rows


def main() -> None:
    """Run on SQLite and PostgreSQL; print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=500)
    parser.add_argument("--obligations", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    rows = ["| database | what | median | notes |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        rows += measure("SQLite", url, args.contracts, args.obligations, args.repeat)
    if not args.skip_pg:
        schema = f"clausier_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            rows += measure("PostgreSQL", url, args.contracts, args.obligations, args.repeat)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
