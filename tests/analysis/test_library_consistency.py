"""Every approved clause of the library, analysed alone, is « présente » for its family.

A buyer who takes a clause from Clausier's library must never be told to add what is already
there: the clause's text (as a Markdown document) and the project's own annex DOCX made of that
one clause are analysed, and the clause's family must be present, no family contradicted. The
test walks the library folder, so a new clause cannot break this unseen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.analysis.analyze import analyze_bytes
from service.analysis.rules import Ruleset, ruleset_from_files
from service.library.files import VersionSource, read_library
from service.settings import PROJECT_ROOT

LIBRARY = PROJECT_ROOT / "clauses"
SAMPLES = {
    "text": "la commune de Valmont-sur-Loire",
    "integer": "2",
    "url": "https://donnees.valmont.example/",
    "email": "dpo@valmont.example",
    "date": "31/03/2027",
}


def current_versions() -> list[VersionSource]:
    """The newest approved version of every clause of the library folder."""
    source = read_library(LIBRARY)
    versions = []
    for clause_versions in source.versions.values():
        approved = [v for v in clause_versions if v.header["status"] == "approved"]
        if approved:
            versions.append(max(approved, key=lambda v: v.number))
    return sorted(versions, key=lambda v: v.clause)


def sample_values(version: VersionSource) -> dict[str, Any]:
    """A plausible value for every variable: its default, its first choice, or a sample."""
    values = {}
    for variable in version.content()["variables"]:
        value = variable["default"]
        if value in (None, ""):
            choices = variable["choices"] or []
            value = choices[0] if choices else SAMPLES.get(variable["type"], "à préciser")
        if variable["name"] == "titulaire":
            value = "la société Lumen"
        values[variable["name"]] = value
    return values


def fill(version: VersionSource) -> str:
    """The clause's body with its placeholders filled."""
    from service.library.rules import PLACEHOLDER

    values = sample_values(version)
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "2")), version.body)


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return ruleset_from_files(LIBRARY)


def verdicts(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {family["family"]: family for family in report["families"]}


VERSIONS = current_versions()


def test_the_library_has_an_approved_clause_in_every_family() -> None:
    assert len({v.family for v in VERSIONS}) == 10
    assert len(VERSIONS) >= 30


@pytest.mark.parametrize("version", VERSIONS, ids=[v.clause for v in VERSIONS])
def test_an_approved_clause_alone_is_present(version: VersionSource, ruleset: Ruleset) -> None:
    text = f"# {version.header['title']}\n\n{fill(version)}\n"
    found = verdicts(analyze_bytes(text.encode("utf-8"), f"{version.clause}.md", ruleset))
    family = found[version.family]
    assert family["verdict"] == "present", family["explanation"]
    contradicted = [f["family"] for f in found.values() if f["verdict"] == "contradicted"]
    assert contradicted == []


def test_every_approved_clause_in_the_annex_docx_is_present(
    reference_library: Path, db_session: Session
) -> None:
    from service.annexes.render import annex_context, render_annex

    rules = ruleset_from_files(LIBRARY)
    wrong = []
    for version in VERSIONS:
        values = sample_values(version)
        title = {"acheteur": values.pop("acheteur", "Commune de Valmont-sur-Loire")}
        context = annex_context(
            db_session,
            [(version.clause, version.number)],
            values,
            title_block=title | {"objet": "Marché de test"},
        )
        docx = render_annex(context)
        found = verdicts(analyze_bytes(docx, "annexe.docx", rules))
        if found[version.family]["verdict"] != "present":
            wrong.append((version.clause, found[version.family]["explanation"]))
        wrong += [
            (version.clause, f["family"]) for f in found.values() if f["verdict"] == "contradicted"
        ]
    assert wrong == []
