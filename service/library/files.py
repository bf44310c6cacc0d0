"""The clause library as plain files (``clauses/``): read, import into the database, export.

The format is described in ``clauses/FORMAT.md``. An import is one transaction: every file is
read and checked first, and compared with the database, and a single problem aborts it with
the full list of problems (file, line, reason) before anything is written.

A version is known by its number. A file whose number the database lacks is created with that
number, its status, dates, author and note — even when its text repeats an earlier version's
(a revert). Same number, same text: « inchangée » (its status may move forward). Same number,
another text: a new draft after the last version, never an overwrite — unless the directory
also brings numbers the database lacks: then the two histories diverged, and the import is
refused rather than renumbered. Importing the same directory twice changes nothing, and
export → import → export of any library reproduces the files byte for byte.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session, selectinload

from service.errors import FileProblem, ImportRejected, VersionNumberTaken
from service.library import store
from service.library.models import STATUSES, Clause, ClauseVersion, Family, RequiredElement
from service.library.models import content_hash as hash_content
from service.library.rules import check_content, normalize_variable
from service.library.sets import (
    SETS_DIR,
    SetSource,
    check_references,
    export_sets,
    import_sets,
    read_sets,
)

VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.md$")
HEADER_KEYS = (
    "clause",
    "family",
    "version",
    "title",
    "status",
    "author",
    "created",
    "change_note",
    "approved_by",
    "approved_at",
    "retired_by",
    "retired_at",
    "contract_types",
    "legal_basis",
    "variables",
    "elements",
)
FAMILY_KEYS = ("id", "label", "description", "position", "legal_basis", "signals", "elements")
ELEMENT_KEYS = ("id", "label", "essential", "explanation", "hints")
#: libyaml's loader when PyYAML was built with it: ten times faster than the pure-Python one.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class VersionSource:
    """A version file, read and checked."""

    path: str
    clause: str
    family: str
    number: int
    header: dict[str, Any]
    body: str

    def content(self) -> dict[str, Any]:
        """Return the version content the file describes."""
        return {
            "title": str(self.header["title"]).strip(),
            "body": self.body,
            "legal_basis": list(self.header.get("legal_basis") or []),
            "variables": [normalize_variable(v) for v in self.header.get("variables") or []],
            "elements": list(self.header.get("elements") or []),
            "contract_types": list(self.header.get("contract_types") or []),
        }


@dataclass
class LibrarySource:
    """Everything read from a library directory."""

    families: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, list[VersionSource]] = field(default_factory=dict)
    sets: list[SetSource] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import changed."""

    families_created: list[str] = field(default_factory=list)
    families_updated: list[str] = field(default_factory=list)
    clauses_created: list[str] = field(default_factory=list)
    versions_created: list[str] = field(default_factory=list)
    status_changes: list[str] = field(default_factory=list)
    sets_created: list[str] = field(default_factory=list)
    sets_updated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything."""
        return bool(
            self.families_created
            or self.families_updated
            or self.versions_created
            or self.status_changes
            or self.sets_created
            or self.sets_updated
        )


# -- reading ------------------------------------------------------------------------------


def read_library(directory: Path) -> LibrarySource:
    """Read and check every file of a library directory; raise ``ImportRejected`` if any is bad."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportRejected([FileProblem(str(directory), 0, "ce dossier n'existe pas")])
    source, problems = LibrarySource(), []
    for family_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        if family_dir.name.startswith(".") or family_dir.name == SETS_DIR:
            continue
        family = _read_family(directory, family_dir, problems)
        if family is None:
            continue
        source.families[family["id"]] = family
        element_ids = [element["id"] for element in family["elements"]]
        for clause_dir in sorted(p for p in family_dir.iterdir() if p.is_dir()):
            versions = _read_clause(directory, family["id"], clause_dir, element_ids, problems)
            if versions:
                source.versions[clause_dir.name] = versions
    source.sets = read_sets(directory, problems)
    known = {
        clause: {v.number: str(v.header["status"]) for v in versions}
        for clause, versions in source.versions.items()
    }
    check_references(source.sets, known, problems)
    if problems:
        raise ImportRejected(problems)
    return source


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _key_line(text: str, key: str, offset: int = 0) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return offset + (text.count("\n", 0, match.start()) + 1 if match else 1)


def _read_family(root: Path, family_dir: Path, problems: list[FileProblem]) -> dict | None:
    path = family_dir / "family.yaml"
    name = _rel(root, path)
    if not path.is_file():
        problems.append(FileProblem(name, 0, "famille inconnue : fichier family.yaml absent"))
        return None
    text = _read_text(path, name, problems)
    data = None if text is None else _parse_mapping(text, name, 0, "le fichier", problems)
    if data is None:
        return None
    found = len(problems)
    if data.get("id") != family_dir.name:
        problems.append(
            FileProblem(
                name,
                _key_line(text, "id"),
                f"id « {data.get('id')} » ≠ dossier « {family_dir.name} »",
            )
        )
    if not str(data.get("label") or "").strip():
        problems.append(FileProblem(name, _key_line(text, "label"), "libellé absent"))
    elements = data.get("elements")
    if not isinstance(elements, list) or not elements:
        problems.append(
            FileProblem(
                name, _key_line(text, "elements"), "la famille doit lister ses éléments requis"
            )
        )
        elements = []
    seen: set[str] = set()
    for element in elements:
        if not isinstance(element, dict) or not element.get("id") or not element.get("label"):
            problems.append(
                FileProblem(
                    name, _key_line(text, "elements"), "chaque élément requis a un id et un libellé"
                )
            )
            continue
        if element["id"] in seen:
            problems.append(
                FileProblem(
                    name, _key_line(text, "elements"), f"élément « {element['id']} » en double"
                )
            )
        seen.add(element["id"])
    if len(problems) > found:
        return None
    return {
        "id": data["id"],
        "label": str(data["label"]).strip(),
        "description": str(data.get("description") or "").strip(),
        "position": int(data.get("position") or 0),
        "legal_basis": list(data.get("legal_basis") or []),
        "signals": list(data.get("signals") or []),
        "elements": [
            {
                "id": e["id"],
                "label": str(e["label"]).strip(),
                "essential": bool(e.get("essential", False)),
                "explanation": str(e.get("explanation") or "").strip(),
                "hints": list(e.get("hints") or []),
            }
            for e in elements
        ],
    }


def _read_text(path: Path, name: str, problems: list[FileProblem]) -> str | None:
    """The file's text with Unix line ends, or None (and a problem) if it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        problems.append(FileProblem(name, 0, "le fichier n'est pas encodé en UTF-8"))
        return None


def _parse_mapping(
    text: str, name: str, offset: int, what: str, problems: list[FileProblem]
) -> dict[str, Any] | None:
    """Parse YAML that must be a mapping; None (and a problem) when it is not."""
    try:
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader
    except yaml.YAMLError as error:
        problems.append(
            FileProblem(name, _yaml_line(error, offset), f"{what} est illisible : {error}")
        )
        return None
    if not isinstance(data, dict):
        problems.append(
            FileProblem(name, offset + 1, f"{what} doit être une suite « clé: valeur »")
        )
        return None
    return data


def _yaml_line(error: yaml.YAMLError, offset: int) -> int:
    # The context mark, when there is one, is where the broken construct starts.
    mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
    return offset + (mark.line + 1 if mark is not None else 1)


def _read_clause(
    root: Path,
    family: str,
    clause_dir: Path,
    element_ids: list[str],
    problems: list[FileProblem],
) -> list[VersionSource]:
    versions, found = [], len(problems)
    for path in sorted(clause_dir.iterdir()):
        match = VERSION_FILE.match(path.name)
        if not match:
            problems.append(
                FileProblem(
                    _rel(root, path), 0, "nom de fichier inattendu (attendu : v1.md, v2.md…)"
                )
            )
            continue
        version = _read_version(root, path, family, int(match.group(1)), element_ids, problems)
        if version is not None:
            versions.append(version)
    versions.sort(key=lambda v: v.number)
    numbers = [v.number for v in versions]
    if len(problems) == found and numbers != list(range(1, len(numbers) + 1)):
        problems.append(
            FileProblem(_rel(root, clause_dir), 0, f"versions non consécutives : {numbers}")
        )
    return versions


def _read_version(
    root: Path,
    path: Path,
    family: str,
    number: int,
    element_ids: list[str],
    problems: list[FileProblem],
) -> VersionSource | None:
    name = _rel(root, path)
    text = _read_text(path, name, problems)
    if text is None:
        return None
    parts = text.split("\n---\n", 1)
    if not text.startswith("---\n") or len(parts) != 2:
        problems.append(FileProblem(name, 1, "en-tête YAML absent (le fichier commence par ---)"))
        return None
    header_text, body = parts[0][4:], parts[1]
    header = _parse_mapping(header_text, name, 1, "l'en-tête", problems)
    if header is None:
        return None
    found = len(problems)

    def bad(key: str, reason: str, line: int | None = None) -> None:
        problems.append(FileProblem(name, line or _key_line(header_text, key, 1), reason))

    for key in ("clause", "family", "version", "title", "status", "author", "created"):
        if header.get(key) in (None, ""):
            bad(key, f"clé obligatoire « {key} » absente")
    if header.get("clause") not in (None, path.parent.name):
        bad("clause", f"clause « {header['clause']} » ≠ dossier « {path.parent.name} »")
    if header.get("family") not in (None, family):
        bad("family", f"famille inconnue « {header['family']} » (dossier : {family})")
    if header.get("version") not in (None, number):
        bad("version", f"version {header['version']} ≠ nom du fichier (v{number})")
    status = header.get("status")
    if status is not None and status not in STATUSES:
        bad("status", f"statut inconnu « {status} » (draft, approved ou retired)")
    for key in ("created", "approved_at", "retired_at"):
        if header.get(key) is not None and _parse_time(header[key]) is None:
            bad(key, f"date invalide pour « {key} » (attendu : 2026-01-12T09:00:00Z)")
    if status in ("approved", "retired") and not (
        header.get("approved_at") or header.get("retired_at")
    ):
        bad("status", "une version approuvée ou retirée indique sa date (approved_at)")
    if status == "retired" and not header.get("retired_at"):
        bad("retired_at", "une version retirée indique retired_by et retired_at")
    if len(problems) > found:
        return None
    version = VersionSource(
        name, path.parent.name, family, number, header, store.normalize_body(body)
    )
    body_offset = header_text.count("\n") + 3
    for problem in check_content(version.content(), element_ids):
        line = body_offset + problem.line if problem.line else None
        bad(problem.field, problem.reason, line)
    return None if len(problems) > found else version


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# -- importing ----------------------------------------------------------------------------


def import_library(session: Session, directory: Path) -> ImportReport:
    """Import a library directory into the database; idempotent, all or nothing."""
    source = read_library(directory)
    plans = [
        _plan_clause(session, clause_id, versions)
        for clause_id, versions in source.versions.items()
    ]
    problems = [problem for plan in plans for problem in plan.problems]
    if problems:
        raise ImportRejected(problems)
    report = ImportReport()
    for family in source.families.values():
        _upsert_family(session, family, report)
    session.flush()
    for plan in plans:
        _import_clause(session, plan, report)
    report.sets_created, report.sets_updated = import_sets(session, source.sets)
    return report


def _upsert_family(session: Session, data: dict[str, Any], report: ImportReport) -> None:
    family = session.get(Family, data["id"])
    if family is None:
        family = Family(id=data["id"])
        session.add(family)
        report.families_created.append(data["id"])
    elif _family_data(family) == data:
        return
    else:
        report.families_updated.append(data["id"])
    for key in ("label", "description", "position", "legal_basis", "signals"):
        setattr(family, key, data[key])
    existing = {element.key: element for element in family.elements}
    family.elements = [
        _element(existing.get(item["id"]), item, position)
        for position, item in enumerate(data["elements"], start=1)
    ]


def _element(element: RequiredElement | None, item: dict, position: int) -> RequiredElement:
    element = element or RequiredElement(key=item["id"])
    element.label, element.explanation = item["label"], item["explanation"]
    element.essential = item["essential"]
    element.hints, element.position = item["hints"], position
    return element


def _family_data(family: Family) -> dict[str, Any]:
    return {
        "id": family.id,
        "label": family.label,
        "description": family.description,
        "position": family.position,
        "legal_basis": family.legal_basis,
        "signals": family.signals,
        "elements": [element.as_dict() for element in family.elements],
    }


#: What the import does with a version file, by comparison with the database.
SAME, NEW, KNOWN, EDITED = "same", "new", "known", "edited"


@dataclass
class ClausePlan:
    """What importing one clause's files will do, decided before anything is written.

    Each step pairs a file with the database's version of the same number (if any) and
    what to do: ``same`` text (follow its status), ``new`` number (create it with that
    number, its status, dates and author), ``known`` (the file's changed text is already a
    later version) or ``edited`` (the changed text becomes a new draft).
    """

    clause_id: str
    sources: list[VersionSource]
    exists: bool = False
    steps: list[tuple[VersionSource, ClauseVersion | None, str]] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def _plan_clause(session: Session, clause_id: str, sources: list[VersionSource]) -> ClausePlan:
    """Compare a clause's files with its versions in the database, number by number."""
    plan = ClausePlan(clause_id, sources)
    clause = session.get(Clause, clause_id, options=[selectinload(Clause.versions)])
    if clause is None:
        plan.steps = [(source, None, NEW) for source in sources]
        return plan
    plan.exists = True
    if clause.family_id != sources[0].family:
        problem = f"la clause appartient à la famille {clause.family_id}"
        plan.problems.append(FileProblem(sources[0].path, 1, problem))
        return plan
    stored = {version.number: version for version in clause.versions}
    for source in sources:
        version, digest = stored.get(source.number), hash_content(source.content())
        if version is None:
            action = NEW
        elif version.content_hash == digest:
            action = SAME
        elif any(v.content_hash == digest for n, v in stored.items() if n > source.number):
            action = KNOWN
        else:
            action = EDITED
        plan.steps.append((source, version, action))
    added = [f"v{source.number}" for source, _, action in plan.steps if action == NEW]
    if added:
        # A changed text would become a new draft numbered after the database's last
        # version, the number the directory gives one of its own: the histories diverged.
        plan.problems += [
            FileProblem(
                source.path,
                0,
                f"v{source.number} diffère de la version {source.number} enregistrée, et le "
                f"dossier apporte aussi {', '.join(added)} : ses numéros de version sont en "
                "conflit avec ceux de la base (rien n'est renuméroté) ; exportez la "
                "bibliothèque de cette instance et reportez-y vos modifications",
            )
            for source, _, action in plan.steps
            if action in (KNOWN, EDITED)
        ]
    return plan


def _import_clause(session: Session, plan: ClausePlan, report: ImportReport) -> None:
    if not plan.exists:
        first = plan.sources[0]
        session.add(
            Clause(
                id=plan.clause_id,
                family_id=first.family,
                last_version=0,
                created_at=_parse_time(first.header["created"]),
            )
        )
        session.flush()
        report.clauses_created.append(plan.clause_id)
    for source, version, action in plan.steps:
        if action == SAME:
            _follow_status(session, version, source, report)
        elif action == NEW:
            _add_from_file(session, source, report)
        elif action == KNOWN:
            report.unchanged += 1  # this changed text was imported earlier, as a later version
        else:
            _add_edited(session, source, report)


def _add_from_file(session: Session, source: VersionSource, report: ImportReport) -> None:
    """Create the version a file describes, with its number, status, dates and author."""
    header = source.header
    try:
        store.add_version(
            session,
            source.clause,
            source.content(),
            author=str(header["author"]),
            change_note=str(header.get("change_note") or ""),
            status=header["status"],
            created_at=_parse_time(header["created"]),
            approved_by=header.get("approved_by"),
            approved_at=_parse_time(header.get("approved_at")),
            retired_by=header.get("retired_by"),
            retired_at=_parse_time(header.get("retired_at")),
            number=source.number,
        )
    except VersionNumberTaken as taken:  # another editor drafted meanwhile
        raise ImportRejected([FileProblem(source.path, 0, taken.detail)]) from taken
    report.versions_created.append(f"{source.clause} v{source.number}")


def _add_edited(session: Session, source: VersionSource, report: ImportReport) -> None:
    """Record a file whose text differs from the version of its number as a new draft."""
    version = store.add_version(
        session,
        source.clause,
        source.content(),
        author=str(source.header["author"]),
        change_note=f"Importé de {source.path}, dont le texte diffère de la version "
        f"{source.number} enregistrée.",
    )
    report.notes.append(
        f"{source.path} : texte modifié, enregistré comme projet v{version.number}."
    )
    report.versions_created.append(f"{source.clause} v{version.number}")


def _follow_status(
    session: Session, version: ClauseVersion, source: VersionSource, report: ImportReport
) -> None:
    order = {"draft": 0, "approved": 1, "retired": 2}
    wanted, header = source.header["status"], source.header
    if order[wanted] < order[version.status]:
        report.notes.append(
            f"{source.path} : statut {wanted} dans le fichier, {version.status} en base (gardé)."
        )
    elif wanted != version.status:
        if wanted == "approved" or (
            wanted == "retired" and version.status == "draft" and header.get("approved_at")
        ):
            store.approve_version(
                session,
                source.clause,
                source.number,
                approved_by=header.get("approved_by") or header["author"],
                at=_parse_time(header.get("approved_at")),
            )
        if wanted == "retired":
            store.retire_version(
                session,
                source.clause,
                source.number,
                retired_by=header.get("retired_by") or header["author"],
                at=_parse_time(header.get("retired_at")),
            )
        report.status_changes.append(f"{source.clause} v{source.number} → {wanted}")
        return
    report.unchanged += 1


# -- exporting ----------------------------------------------------------------------------


def export_library(session: Session, directory: Path) -> list[Path]:
    """Write every family and clause version of the database as library files."""
    directory = Path(directory)
    written = []
    for family in store.list_families(session):
        family_dir = directory / family.id
        family_dir.mkdir(parents=True, exist_ok=True)
        path = family_dir / "family.yaml"
        path.write_text(_dump(_family_data(family)), encoding="utf-8")
        written.append(path)
        for clause in sorted(family.clauses, key=lambda c: c.id):
            clause_dir = family_dir / clause.id
            clause_dir.mkdir(exist_ok=True)
            for version in clause.versions:
                path = clause_dir / f"v{version.number}.md"
                path.write_text(render_version(version), encoding="utf-8")
                written.append(path)
    return written + export_sets(session, directory)


def render_version(version: Any) -> str:
    """Return the text of a version file: YAML header, then the Markdown body."""
    header = {
        "clause": version.clause_id,
        "family": version.clause.family_id,
        "version": version.number,
        "title": version.title,
        "status": version.status,
        "author": version.author,
        "created": _time_text(version.created_at),
        "change_note": version.change_note,
        "approved_by": version.approved_by,
        "approved_at": _time_text(version.approved_at),
        "retired_by": version.retired_by,
        "retired_at": _time_text(version.retired_at),
        "contract_types": version.contract_types,
        "legal_basis": version.legal_basis,
        # JSONB (PostgreSQL) does not keep key order: put the canonical order back.
        "variables": [normalize_variable(v) for v in version.variables],
        "elements": version.elements,
    }
    return f"---\n{_dump(header)}---\n{version.body}"


def _time_text(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )
