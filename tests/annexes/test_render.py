"""The DOCX annex: built from the reference library, reopened, hostile templates."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy.orm import Session

from service.annexes import (
    DRAFT_MARK,
    TEMPLATE_VARIABLES,
    AnnexContext,
    annex_context,
    check_template,
    inspect_template,
    missing_values,
    render_annex,
)
from service.annexes.render import DEFAULT_TEMPLATE, paragraphs
from service.annexes.template_check import fix_quotes
from service.annexes.wording import place_buyer
from service.errors import (
    DraftRefused,
    InvalidInput,
    InvalidValues,
    MissingValues,
    TemplateRejected,
    TemplateTooHeavy,
)
from service.library import store
from service.limits import Budget
from tests.annexes.samples import sample_value
from tests.library.factories import content, make_family

SELECTION: list[tuple[str, int | None]] = [
    ("open-data-concession", None),
    ("reversibilite-concession", None),
    ("donnees-publiques-concession", None),
]
TITLE = {"acheteur": "Ville de Lyon", "objet": "Éclairage public", "reference": "2025-EP-01"}
DELIVERIES = [
    {"dataset": "Points lumineux", "format": "GeoJSON", "frequency": "annuelle", "delay": "30 j"},
    {"dataset": "Consommations", "format": "CSV", "frequency": "mensuelle", "delay": "15 j"},
]


def complete_values(session: Session, selection: list[tuple[str, int | None]]) -> dict[str, str]:
    """Values for every required variable the selection reports missing (the title block gives
    « acheteur »)."""
    missing = missing_values(session, selection, {}, title_block=TITLE)
    return {item.name: sample_value(item) for item in missing}


def build(session: Session, values: dict[str, str] | None = None, **options: object) -> bytes:
    """Render the default template for the concession selection."""
    context = annex_context(
        session,
        SELECTION,
        values or complete_values(session, SELECTION),
        title_block=TITLE,
        contract_type="concession",
        deliveries=DELIVERIES,
        **options,
    )
    return render_annex(context)


def all_xml(data: bytes) -> str:
    """The text of every XML part of a DOCX."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


def docx_with(text: str, header: str | None = None) -> bytes:
    """A small DOCX holding one paragraph (and optionally a header)."""
    document = Document()
    document.add_paragraph(text)
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_annex_has_numbered_articles_and_traceability(
    db_session: Session, reference_library: Path
) -> None:
    context = annex_context(
        db_session,
        SELECTION,
        complete_values(db_session, SELECTION),
        title_block=TITLE,
        contract_type="concession",
        deliveries=DELIVERIES,
    )
    data = render_annex(context)
    document = Document(io.BytesIO(data))

    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [h.text for h in headings] == [c.heading for c in context.clauses]
    style_num = document.styles["Heading 1"].element.pPr.find(qn("w:numPr"))
    num_id = style_num.find(qn("w:numId")).get(qn("w:val"))
    numbering = document.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(
        a
        for a in numbering.findall(qn("w:abstractNum"))
        if a.get(qn("w:abstractNumId")) == abstract_id
    )
    level = abstract.find(qn("w:lvl"))
    assert level.find(qn("w:lvlText")).get(qn("w:val")).startswith("Article %1")
    assert level.find(qn("w:pStyle")).get(qn("w:val")) == "Heading1"
    assert all(h._p.pPr is None or h._p.pPr.numPr is None for h in headings)  # via the style

    trace = document.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in trace.rows[1:]]
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (c.id, str(c.version), c.filled_text_hash) for c in context.clauses
    ]
    for clause in context.clauses:
        assert clause.filled_text_hash == hashlib.sha256(clause.text.encode()).hexdigest()
        assert clause.status == "approved"
    assert all(r[2] and r[2][0].isdigit() for r in rows)  # a French date

    deliveries = document.tables[-2]
    assert [c.text for c in deliveries.rows[1].cells] == list(DELIVERIES[0].values())
    assert len(deliveries.rows) == 1 + len(DELIVERIES)
    assert [c.text for c in document.tables[0].columns[1].cells][:3] == list(TITLE.values())

    xml = all_xml(data)
    assert "{{" not in xml and "{%" not in xml
    assert DRAFT_MARK not in xml
    body = "\n".join(p.text for p in document.paragraphs)
    assert "**" not in body
    assert "9. Pénalités." in body


def test_no_deliveries_table_outside_a_concession(
    db_session: Session, reference_library: Path
) -> None:
    values = complete_values(db_session, SELECTION)
    context = annex_context(db_session, SELECTION, values, title_block=TITLE, deliveries=DELIVERIES)
    document = Document(io.BytesIO(render_annex(context)))
    assert len(document.tables) == 2  # title block and traceability


def test_values_come_out_as_typed(db_session: Session, reference_library: Path) -> None:
    values = complete_values(db_session, SELECTION) | {"titulaire": 'Éclair <b>&" SAS'}
    data = build(db_session, values)
    body = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert 'Éclair <b>&" SAS' in body


def test_missing_required_values_are_listed_and_block_rendering(
    db_session: Session, reference_library: Path
) -> None:
    missing = missing_values(db_session, SELECTION, {}, title_block={"acheteur": "Ville de Lyon"})
    names = {(m.clause, m.name) for m in missing}
    assert ("open-data-concession", "titulaire") in names
    assert ("open-data-concession", "acheteur") not in names
    assert ("open-data-concession", "licence_ouverte") not in names  # has a default
    assert all(m.label for m in missing)
    context = annex_context(db_session, SELECTION, {}, title_block=TITLE)
    with pytest.raises(MissingValues) as raised:
        render_annex(context)
    assert {e["field"] for e in raised.value.errors} == {f"values.{m.name}" for m in missing}


def test_drafts_need_asking_and_carry_the_mark(
    db_session: Session, reference_library: Path
) -> None:
    selection: list[tuple[str, int | None]] = [("hebergement-saas", 2)]
    with pytest.raises(DraftRefused):
        annex_context(db_session, selection, {})
    values = complete_values_drafts(db_session, selection)
    context = annex_context(db_session, selection, values, title_block=TITLE, allow_drafts=True)
    assert context.draft
    document = Document(io.BytesIO(render_annex(context)))
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert DRAFT_MARK in header
    assert document.tables[-1].rows[1].cells[2].text == "non approuvée (projet)"


def complete_values_drafts(
    session: Session, selection: list[tuple[str, int | None]]
) -> dict[str, str]:
    """Values for every required variable of a selection holding drafts."""
    missing = missing_values(session, selection, {}, title_block=TITLE, allow_drafts=True)
    return {item.name: sample_value(item) for item in missing}


def test_current_version_is_the_approved_one(db_session: Session, reference_library: Path) -> None:
    context = annex_context(db_session, [("hebergement-saas", None)], {"x": "y"})
    assert context.clauses[0].version == 1 and not context.draft


def test_default_template_gets_every_variable_it_asks_for(
    db_session: Session, reference_library: Path
) -> None:
    info = inspect_template(DEFAULT_TEMPLATE.read_bytes())
    context: AnnexContext = annex_context(
        db_session, SELECTION, complete_values(db_session, SELECTION), title_block=TITLE
    )
    provided = set(context.template_context())
    assert info.variables <= provided
    assert provided == TEMPLATE_VARIABLES
    assert not info.problems


HOSTILE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ lipsum.__globals__ }}",
    "{% import 'os' as os %}",
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ self }}",
    "{{ inconnue }}",
    "{% set x = 1 %}{{ x }}",
    "{% include 'x' %}",
    "{% macro m() %}x{% endmacro %}",
    "{{ acheteur|safe }}",
    "{{ clauses.pop() }}",
    "{{ acheteur['__class__'] }}",
    "{{ acheteur.__class__ }}",
    "{% for x in clauses %}{{ x.__dict__ }}{% endfor %}",
    "{{ acheteur ",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_templates_are_rejected(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = docx_with(source.replace("MARKER", str(tmp_path / "pwned")))
    with pytest.raises(TemplateRejected) as raised:
        check_template(data, TEMPLATE_VARIABLES)
    assert raised.value.errors
    context = AnnexContext(clauses=[], missing=[], draft=False, title_block=TITLE)
    with pytest.raises(TemplateRejected):
        render_annex(context, data)
    assert not (tmp_path / "pwned").exists()


def test_hostile_header_and_properties_are_checked_too() -> None:
    with pytest.raises(TemplateRejected):
        check_template(docx_with("x", header="{{ lipsum.__globals__ }}"), TEMPLATE_VARIABLES)
    document = Document()
    document.core_properties.title = "{{ ''.__class__ }}"
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(TemplateRejected):
        check_template(out.getvalue(), TEMPLATE_VARIABLES)


def test_not_a_docx_is_rejected() -> None:
    with pytest.raises(TemplateRejected):
        check_template(b"pas un docx", TEMPLATE_VARIABLES)


def test_word_curly_quotes_are_fixed() -> None:
    assert fix_quotes("{{ a|default(“x”) }} “texte”") == '{{ a|default("x") }} “texte”'
    data = docx_with(
        "{% if acheteur != “” %}Pour {{ acheteur|replace(‘Ville’, ’Cité’) }}{% endif %}"
    )
    assert check_template(data, TEMPLATE_VARIABLES) == []
    context = AnnexContext(clauses=[], missing=[], draft=False, title_block=TITLE)
    out = render_annex(context, data)
    assert "Pour Cité de Lyon" in "\n".join(p.text for p in Document(io.BytesIO(out)).paragraphs)


def test_markdown_paragraphs() -> None:
    body = "Intro **gras**\nsuite.\n\n1. **Un.** a\n2. Deux\n- puce\n\nFin."
    assert paragraphs(body) == ["Intro gras suite.", "1. Un. a", "2. Deux", "– puce", "Fin."]


def test_template_build_is_deterministic() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_templates", DEFAULT_TEMPLATE.parent / "build_templates.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == DEFAULT_TEMPLATE.read_bytes()


@pytest.mark.parametrize("source", [HOSTILE[0], HOSTILE[1], HOSTILE[3], HOSTILE[-3]])
def test_the_sandbox_blocks_what_the_check_would_miss(source: str, tmp_path: Path) -> None:
    from jinja2 import TemplateError

    from service.annexes import sandboxed_environment

    with pytest.raises(TemplateError):
        sandboxed_environment().from_string(
            source.replace("MARKER", str(tmp_path / "pwned"))
        ).render(acheteur="x")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ acheteur|center(500000000) }}", "démesuré"),
        ('{{ acheteur|replace("", "x" ~ "y" ~ "z") }}', "démesuré"),
        ("{{ acheteur.upper }}", "méthode"),
    ],
)
def test_the_sandbox_bounds_what_a_template_writes(source: str, words: str) -> None:
    """A filter cannot allocate gigabytes, and a method is refused, not written with its
    address (issue 14)."""
    import tracemalloc

    from jinja2.sandbox import SecurityError

    from service.annexes import sandboxed_environment

    tracemalloc.start()
    with pytest.raises(SecurityError) as refused:
        sandboxed_environment().from_string(source).render(acheteur="Ville " * 20_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert words in str(refused.value)
    assert peak < 50 * 1024 * 1024


def test_the_sandbox_still_centres_and_replaces_what_fits() -> None:
    from service.annexes import sandboxed_environment

    env = sandboxed_environment()
    assert env.from_string("[{{ a|center(9) }}]").render(a="Lyon") == "[   Lyon  ]"
    assert env.from_string('{{ a|replace("Ly", "Bé") }}').render(a="Lyon") == "Béon"


def test_an_analysis_selects_the_suggested_clauses_of_its_gaps() -> None:
    from service.annexes.render import selection_from_analysis

    report = {
        "families": [
            {
                "family": "reversibilite",
                "verdict": "weak",
                "suggested_clause": {"id": "reversibilite-marche", "version": 3},
            },
            {
                "family": "open_data",
                "verdict": "present",
                "suggested_clause": {"id": "open-data-marche", "version": 2},
            },
            {
                "family": "rgpd",
                "verdict": "missing",
                "suggested_clause": {"id": "rgpd-renforcee", "version": 1},
            },
            {"family": "sobriete", "verdict": "contradicted", "suggested_clause": None},
        ]
    }
    assert selection_from_analysis(report) == [("reversibilite-marche", 3), ("rgpd-renforcee", 1)]
    assert selection_from_analysis(report, leave_out={"rgpd"}) == [("reversibilite-marche", 3)]


def test_values_not_of_their_type_are_refused_naming_each_variable(
    db_session: Session, reference_library: Path
) -> None:
    values = complete_values(db_session, SELECTION) | {
        "penalite_jour_euros": "trois",
        "portail_open_data": "data.lyon.fr",
        "licence_ouverte": "CC-BY",
    }
    with pytest.raises(InvalidValues) as raised:
        annex_context(db_session, SELECTION, values, title_block=TITLE)
    errors = {error["field"].removeprefix("values."): error for error in raised.value.errors}
    assert set(errors) == {"penalite_jour_euros", "portail_open_data", "licence_ouverte"}
    assert errors["penalite_jour_euros"]["message"] == (
        "La variable « penalite_jour_euros » attend un nombre entier : « trois » n'en est pas un."
    )
    invalid = {item.name: item for item in raised.value.invalid}
    assert invalid["penalite_jour_euros"].value == "trois"
    assert invalid["portail_open_data"].clause == "open-data-concession"
    assert "« CC-BY » n'en fait pas partie" in errors["licence_ouverte"]["message"]
    assert raised.value.detail.startswith("La variable « ")


def _dated_clause(session: Session) -> list[tuple[str, int | None]]:
    """An approved clause with a date variable and an e-mail variable."""
    make_family(session)
    variables = [
        {"name": "date_plan", "label": "Date de remise du plan", "type": "date"},
        {"name": "contact", "label": "Contact", "type": "email", "default": "dpo@lyon.fr"},
    ]
    body = "Le titulaire remet le plan avant le {{ date_plan }} à {{ contact }}.\n"
    store.create_clause(
        session,
        "plan-date",
        "reversibilite",
        content(body=body, variables=variables),
        author="Juriste",
    )
    store.approve_version(session, "plan-date", 1, approved_by="Direction juridique")
    return [("plan-date", None)]


@pytest.mark.parametrize("typed", ["2027-01-15", "15/01/2027", " 15/01/2027 "])
def test_a_date_is_written_in_french_in_the_annex(db_session: Session, typed: str) -> None:
    selection = _dated_clause(db_session)
    context = annex_context(db_session, selection, {"date_plan": typed}, title_block=TITLE)
    assert context.clauses[0].text == (
        "Le titulaire remet le plan avant le 15 janvier 2027 à dpo@lyon.fr.\n"
    )
    document = Document(io.BytesIO(render_annex(context)))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "avant le 15 janvier 2027 à dpo@lyon.fr" in body


def test_a_date_or_an_email_not_of_its_type_is_refused(db_session: Session) -> None:
    selection = _dated_clause(db_session)
    values = {"date_plan": "pas une date", "contact": "dpo.lyon.fr"}
    with pytest.raises(InvalidValues) as raised:
        annex_context(db_session, selection, values, title_block=TITLE)
    assert [error["message"] for error in raised.value.errors] == [
        "La variable « date_plan » attend une date (15/01/2027 ou 2027-01-15) : "
        "« pas une date » n'en est pas une.",
        "La variable « contact » attend une adresse électronique (nom@domaine.fr) : "
        "« dpo.lyon.fr » n'en est pas une.",
    ]


def test_the_title_block_fills_the_variable_of_the_same_name(
    db_session: Session, reference_library: Path
) -> None:
    missing = missing_values(db_session, SELECTION, {}, title_block=TITLE)
    assert "acheteur" not in {item.name for item in missing}
    context = annex_context(
        db_session, SELECTION, complete_values(db_session, SELECTION), title_block=TITLE
    )
    for clause in context.clauses:
        assert "{{ acheteur }}" not in clause.text
    assert any("Ville de Lyon" in clause.text for clause in context.clauses)
    without = missing_values(db_session, SELECTION, {}, title_block={"objet": "Éclairage"})
    assert ("open-data-concession", "acheteur") in {(m.clause, m.name) for m in without}


def test_a_title_block_value_given_again_as_a_variable_is_refused(
    db_session: Session, reference_library: Path
) -> None:
    values = complete_values(db_session, SELECTION) | {"acheteur": "Ville de Lyon"}
    with pytest.raises(InvalidInput) as raised:
        annex_context(db_session, SELECTION, values, title_block=TITLE)
    assert "« acheteur » se donne une seule fois, dans le cartouche" in raised.value.detail
    assert raised.value.errors == [{"field": "values.acheteur", "message": "valeur du cartouche"}]


def test_the_traceability_gives_the_library_version_hash_and_the_filled_text_hash(
    db_session: Session, reference_library: Path
) -> None:
    context = annex_context(
        db_session, SELECTION, complete_values(db_session, SELECTION), title_block=TITLE
    )
    document = Document(io.BytesIO(render_annex(context)))
    trace = document.tables[-1]
    header = [cell.text for cell in trace.rows[0].cells]
    assert header == [
        "Clause",
        "Version",
        "Approbation",
        "Empreinte de la version",
        "Empreinte du texte complété",
    ]
    rows = [[cell.text for cell in row.cells] for row in trace.rows[1:]]
    assert len(rows) == len(SELECTION)
    for row, clause in zip(rows, context.clauses, strict=True):
        library = store.get_version(db_session, clause.id, clause.version)
        assert row[3] == clause.version_content_hash == library.content_hash
        assert row[4] == clause.filled_text_hash
        assert clause.filled_text_hash == hashlib.sha256(clause.text.encode()).hexdigest()
        assert row[3] != row[4]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "L'empreinte de la version est celle que la bibliothèque enregistre" in body, (
        "the annex says what the version hash is"
    )
    assert "content_hash" not in body, "in words for people, not the column's name"


# -- budgets (issue 14): filling runs in a child held to RENDER_BUDGET ----------------------

#: Three loops over the buyer's name: 600 letters make 216 million turns (9.9 s inline).
CUBIC = (
    "{% for a in acheteur %}{% for b in acheteur %}{% for c in acheteur %}"
    "{{ objet }}{% endfor %}{% endfor %}{% endfor %}"
)
#: Each filter stays under the sandbox's bound; the loops multiply what it writes.
MULTIPLIED = (
    "{% for a in acheteur %}{% for b in acheteur %}"
    "{{ objet|center(90000) }}{% endfor %}{% endfor %}"
)


def _title_only(acheteur: str) -> AnnexContext:
    return AnnexContext(
        clauses=[], missing=[], draft=False, title_block={"acheteur": acheteur, "objet": "Objet"}
    )


def test_an_annex_filled_within_its_budget_is_the_one_filled_inline(
    db_session: Session, reference_library: Path
) -> None:
    from service.annexes.render import fill_template

    context = annex_context(
        db_session, SELECTION, complete_values(db_session, SELECTION), title_block=TITLE
    )
    budgeted = render_annex(context)
    inline = fill_template(DEFAULT_TEMPLATE.read_bytes(), context.template_context())
    assert all_xml(budgeted) == all_xml(inline)


def test_a_template_whose_loops_outrun_the_deadline_is_refused_cleanly() -> None:
    template = docx_with(CUBIC)
    started = time.monotonic()
    with pytest.raises(TemplateTooHeavy) as refused:
        render_annex(_title_only("x" * 600), template, budget=Budget(256, 0.3))
    assert time.monotonic() - started < 1
    assert refused.value.resource == "time"
    assert "le remplissage du modèle a duré plus de 0.3 s" in refused.value.detail
    # The process is whole: the same template with a short name fills at once.
    assert "ObjetObjet" in all_xml(render_annex(_title_only("xy"), template))


def test_a_template_that_multiplies_its_text_past_the_memory_budget_is_refused() -> None:
    with pytest.raises(TemplateTooHeavy) as refused:
        render_annex(_title_only("x" * 200), docx_with(MULTIPLIED), budget=Budget(64, 10))
    assert refused.value.resource == "memory"
    assert "plus de 64 Mo de mémoire" in refused.value.detail


def _articles(data: bytes) -> tuple[list[str], str]:
    """The headings of an annex's articles and the text of its paragraphs."""
    document = Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    return headings, "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize(
    ("contract_type", "theirs", "ours"),
    [
        (
            "concession",
            ("l'acheteur", "le titulaire"),
            ("l'autorité concédante", "concessionnaire"),
        ),
        ("marche_services", ("l'autorité concédante", "le concessionnaire"), ("l'acheteur",)),
    ],
)
def test_an_annex_speaks_the_defined_terms_of_its_contract_type(
    db_session: Session,
    reference_library: Path,
    contract_type: str,
    theirs: tuple[str, ...],
    ours: tuple[str, ...],
) -> None:
    """Clauses written for a marché and for a concession in one annex: every article says
    « l'autorité concédante » / « le concessionnaire » in a concession, « l'acheteur » / « le
    titulaire » in a marché; headings are subjects; the buyer's name takes its article."""
    selection: list[tuple[str, int | None]] = [
        ("reversibilite-marche", None),
        ("open-data-concession", None),
        ("donnees-publiques-renforcee", None),
    ]
    title = TITLE | {"acheteur": "Commune de Valmont-sur-Loire"}
    missing = missing_values(db_session, selection, {}, title_block=title)
    values = {item.name: sample_value(item) for item in missing}
    context = annex_context(
        db_session, selection, values, title_block=title, contract_type=contract_type
    )
    headings, body = _articles(render_annex(context))
    lowered = body.lower()
    for term in theirs:
        assert term not in lowered, f"« {term} » dans une annexe de type {contract_type}"
    for term in ours:
        assert term in lowered
    assert headings and all(" — " not in heading for heading in headings)
    assert "renforcée" not in " ".join(headings)
    assert "Commune de Valmont-sur-Loire" in body
    assert "de Commune" not in body and "à Commune" not in body
    assert "la Commune de Valmont-sur-Loire" in body


@pytest.mark.parametrize(
    ("name", "after_de", "after_a"),
    [
        ("Commune de Valmont-sur-Loire", "de la Commune de Valmont-sur-Loire", "à la Commune"),
        ("Syndicat des eaux du Val", "du Syndicat des eaux du Val", "au Syndicat des eaux"),
        ("Valmont-sur-Loire", "de Valmont-sur-Loire", "à Valmont-sur-Loire"),
        ("Agglomération du Val", "de l'Agglomération du Val", "à l'Agglomération"),
        ("Angers", "d'Angers", "à Angers"),
    ],
)
def test_the_buyers_name_takes_its_article(name: str, after_de: str, after_a: str) -> None:
    text = place_buyer("Les données de {{ acheteur }} sont remises à {{ acheteur }}.", name)
    assert after_de in text and after_a in text
    assert place_buyer("{{ acheteur }} publie.", name)[0].isupper()


def test_the_title_block_names_the_buyer_by_the_contract_type(
    db_session: Session, reference_library: Path
) -> None:
    concession = Document(io.BytesIO(build(db_session)))
    assert concession.tables[0].rows[0].cells[0].text == "Autorité concédante"
    context = annex_context(
        db_session,
        [("reversibilite-marche", None)],
        complete_values(db_session, [("reversibilite-marche", None)]),
        title_block=TITLE,
        contract_type="marche_services",
    )
    marche = Document(io.BytesIO(render_annex(context)))
    assert marche.tables[0].rows[0].cells[0].text == "Acheteur"
