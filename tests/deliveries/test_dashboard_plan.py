"""On PostgreSQL with statistics, an organisation's dashboard reads its contracts' periods by
the contract index, never the whole period table (service/deliveries/dashboard.py): a table of
the benchmark's shape (500 contracts, 600,000 periods), analysed, and the plans read."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from service.deliveries.dashboard import Scope, tally_queries
from service.organisations import Organisation

#: 50 organisations of 10 contracts, 10 monthly obligations each over ten years.
FILL = """
INSERT INTO organisation (id, slug, name, created_at)
  SELECT o, 'org-' || o, 'Organisation ' || o, now() FROM generate_series(1, 50) AS o;
INSERT INTO contract (id, organisation_id, reference, title, kind, titulaire_name, start_on,
    end_on, created_at)
  SELECT c, 1 + c % 50, 'C-' || c, 'Contrat', 'concession', 'T', DATE '2020-01-01',
    DATE '2029-12-31', now() FROM generate_series(1, 500) AS c;
INSERT INTO obligation (id, contract_id, dataset, title, description, format, frequency,
    delay_days, deliverer, created_at)
  SELECT o, 1 + (o - 1) / 10, 'jeu_' || o, 'Jeu', '', 'csv', 'monthly', 20, 'titulaire', now()
  FROM generate_series(1, 5000) AS o;
INSERT INTO obligation_terms (id, obligation_id, effective_on, format, frequency, delay_days,
    created_at)
  SELECT o, o, DATE '2020-01-01', 'csv', 'monthly', 20, now() FROM generate_series(1, 5000) AS o;
INSERT INTO period (obligation_id, contract_id, terms_id, start_on, end_on, due_on,
    first_received_on, first_valid_on)
  SELECT o, 1 + (o - 1) / 10, o, month, next - 1, next + 19,
    CASE WHEN m % 7 = 0 THEN NULL ELSE next + 5 END,
    CASE WHEN m % 5 = 0 THEN NULL ELSE next + 5 END
  FROM generate_series(1, 5000) AS o, generate_series(0, 119) AS m,
    LATERAL (SELECT (DATE '2020-01-01' + make_interval(months => m))::date AS month,
                    (DATE '2020-01-01' + make_interval(months => m + 1))::date AS next) AS d;
ANALYZE;
"""


def _plan(session: Session, query: object) -> str:
    compiled = query.compile(  # type: ignore[attr-defined]
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return "\n".join(session.execute(text(f"EXPLAIN {compiled}")).scalars())


def test_an_organisations_dashboard_reads_by_the_contract_index(db_session: Session) -> None:
    if db_session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("the plan that matters is PostgreSQL's, with statistics")
    for statement in FILL.split(";"):
        if statement.strip():
            db_session.execute(text(statement))
    db_session.commit()
    organisation = db_session.get(Organisation, 7)
    at = dt.date(2026, 6, 1)
    for query in tally_queries(db_session, at, Scope(organisation=organisation)):
        plan = _plan(db_session, query)
        assert "ix_period_contract_due" in plan, plan
        assert "Seq Scan on period" not in plan, plan
