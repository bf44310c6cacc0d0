"""The audit log's CSV: a cell a spreadsheet would run as a formula is written as text
(service/accounts/audit.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from service.accounts.audit import entries_csv
from service.accounts.models import AuditEntry


def test_a_typed_formula_is_exported_as_text() -> None:
    entry = AuditEntry(
        id=7,
        at=dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC),
        actor='=HYPERLINK("http://evil.example","clic")',
        action="signin_failed",
        object="-2+3",
        detail={"reason": "unknown"},
    )
    (row,) = list(csv.DictReader(io.StringIO(entries_csv([entry]))))
    assert row["acteur"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row["objet"] == "'-2+3"
    assert row["date_paris"] == "2026-12-07T10:30:00+01:00"
    assert row["detail"] == '{"reason": "unknown"}'
