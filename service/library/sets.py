"""Template sets: the clauses (and concession deliveries) proposed for a contract type.

A set is one YAML file ``clauses/ensembles/<id>.yaml`` (see ``clauses/FORMAT.md``), imported
and exported with the rest of the library by ``service.library.files``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import FileProblem, TemplateSetNotFound
from service.library.models import TemplateSet
from service.library.rules import CONTRACT_TYPES

#: The folder of the library that holds the sets (not a clause family).
SETS_DIR = "ensembles"
SET_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
SET_KEYS = ("id", "contract_type", "title", "description", "position", "clauses", "deliveries")
DELIVERY_KEYS = ("dataset", "format", "frequency", "delay")
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SetSource:
    """A set file, read and checked against itself (its clause references come later)."""

    path: str
    data: dict[str, Any]
    #: Line of each clause reference, to report an unknown clause or version where it is.
    clause_lines: list[int]


# -- domain -------------------------------------------------------------------------------


def list_template_sets(session: Session, contract_type: str | None = None) -> list[TemplateSet]:
    """The template sets, in display order, optionally those of one contract type."""
    query = select(TemplateSet).order_by(TemplateSet.position, TemplateSet.id)
    if contract_type is not None:
        query = query.where(TemplateSet.contract_type == contract_type)
    return list(session.scalars(query))


def get_template_set(session: Session, set_id: str) -> TemplateSet:
    """The template set with this identifier, or ``TemplateSetNotFound``."""
    template_set = session.get(TemplateSet, set_id)
    if template_set is None:
        raise TemplateSetNotFound(f"L'ensemble de clauses « {set_id} » n'existe pas.")
    return template_set


def selection_from_set(template_set: TemplateSet) -> list[tuple[str, int | None]]:
    """The clauses of a set as an annex selection (``None``: the current approved version)."""
    return [(item["clause"], item.get("version")) for item in template_set.clauses]


def deliveries_from_set(template_set: TemplateSet) -> list[dict[str, str]]:
    """The deliveries table a set proposes, rows in order with their four fields."""
    rows = template_set.deliveries
    return [{key: str(row.get(key, "")) for key in DELIVERY_KEYS} for row in rows]


def set_data(template_set: TemplateSet) -> dict[str, Any]:
    """A set as plain data, keys in the file's order."""
    return {
        "id": template_set.id,
        "contract_type": template_set.contract_type,
        "title": template_set.title,
        "description": template_set.description,
        "position": template_set.position,
        # JSONB (PostgreSQL) does not keep key order: put the canonical order back.
        "clauses": [
            {"clause": item["clause"], "version": item.get("version")}
            for item in template_set.clauses
        ],
        "deliveries": deliveries_from_set(template_set),
    }


# -- reading ------------------------------------------------------------------------------


def read_sets(root: Path, problems: list[FileProblem]) -> list[SetSource]:
    """Read every ``ensembles/*.yaml`` of a library directory, appending problems found."""
    folder = root / SETS_DIR
    if not folder.is_dir():
        return []
    sources = []
    for path in sorted(folder.iterdir()):
        name = path.relative_to(root).as_posix()
        if path.suffix != ".yaml" or not path.is_file():
            problems.append(FileProblem(name, 0, "fichier inattendu (attendu : <id>.yaml)"))
            continue
        source = _read_set(path, name, problems)
        if source is not None:
            sources.append(source)
    return sources


def check_references(
    sources: list[SetSource],
    versions: Mapping[str, Mapping[int, str]],
    problems: list[FileProblem],
) -> None:
    """Check each set's clauses against the clauses read (clause → version number → status)."""
    for source in sources:
        for item, line in zip(source.data["clauses"], source.clause_lines, strict=True):
            clause, number = item["clause"], item["version"]
            if clause not in versions:
                problems.append(FileProblem(source.path, line, f"clause inconnue « {clause} »"))
            elif number is not None and number not in versions[clause]:
                problems.append(
                    FileProblem(source.path, line, f"version inconnue : {clause} v{number}")
                )
            elif number is not None and versions[clause][number] == "retired":
                problems.append(
                    FileProblem(
                        source.path,
                        line,
                        f"{clause} v{number} est retirée : elle ne peut"
                        " pas figurer dans une annexe",
                    )
                )


def _read_set(path: Path, name: str, problems: list[FileProblem]) -> SetSource | None:
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        node = yaml.compose(text, Loader=YAML_LOADER)
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader
    except UnicodeDecodeError:
        problems.append(FileProblem(name, 0, "le fichier n'est pas encodé en UTF-8"))
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(FileProblem(name, line, f"le fichier est illisible : {error}"))
        return None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        problems.append(FileProblem(name, 1, "le fichier doit être une suite « clé: valeur »"))
        return None
    lines = {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
    found = len(problems)

    def bad(key: str, reason: str, line: int | None = None) -> None:
        where = lines[key].start_mark.line + 1 if key in lines else 1
        problems.append(FileProblem(name, line or where, reason))

    for key in data:
        if key not in SET_KEYS:
            bad(str(key), f"clé inconnue « {key} »")
    if data.get("id") != path.stem or not SET_ID.match(path.stem):
        bad("id", f"id « {data.get('id')} » ≠ nom du fichier « {path.stem} »")
    if data.get("contract_type") not in CONTRACT_TYPES:
        bad(
            "contract_type",
            f"type de contrat inconnu « {data.get('contract_type')} »"
            f" (attendu : {', '.join(CONTRACT_TYPES)})",
        )
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        bad("title", "titre absent")
    if not isinstance(data.get("description", ""), str):
        bad("description", "la description doit être un texte")
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int):
        bad("position", "la position doit être un entier")
    clauses, clause_lines = _clauses(data.get("clauses"), lines.get("clauses"), bad)
    deliveries = _deliveries(data.get("deliveries"), lines.get("deliveries"), bad)
    if len(problems) > found:
        return None
    return SetSource(
        name,
        {
            "id": data["id"],
            "contract_type": data["contract_type"],
            "title": data["title"].strip(),
            "description": str(data.get("description") or "").strip(),
            "position": position,
            "clauses": clauses,
            "deliveries": deliveries,
        },
        clause_lines,
    )


def _items(value: Any, node: Any) -> list[tuple[Any, int]]:
    """The items of a YAML list with their line numbers."""
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        return []
    pairs = zip(value, node.value, strict=True)
    return [(item, child.start_mark.line + 1) for item, child in pairs]


def _clauses(value: Any, node: Any, bad: Any) -> tuple[list[dict[str, Any]], list[int]]:
    if not isinstance(value, list) or not value:
        bad("clauses", "l'ensemble doit lister ses clauses")
        return [], []
    clauses, lines, seen = [], [], set()
    for item, line in _items(value, node):
        if not isinstance(item, dict) or not isinstance(item.get("clause"), str):
            bad("clauses", "chaque clause s'écrit « clause: <id> » (et « version: N »)", line)
            continue
        number = item.get("version")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            bad("clauses", f"version invalide « {number} » (un entier, ou null)", line)
            continue
        if set(item) - {"clause", "version"}:
            bad("clauses", "une clause n'a que « clause » et « version »", line)
            continue
        if item["clause"] in seen:
            bad("clauses", f"clause « {item['clause']} » en double", line)
        seen.add(item["clause"])
        clauses.append({"clause": item["clause"], "version": number})
        lines.append(line)
    return clauses, lines


def _deliveries(value: Any, node: Any, bad: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        bad("deliveries", "les livraisons sont une liste")
        return []
    rows = []
    for item, line in _items(value, node):
        if (
            not isinstance(item, dict)
            or set(item) != set(DELIVERY_KEYS)
            or not all(isinstance(item[key], str) and item[key].strip() for key in DELIVERY_KEYS)
        ):
            bad(
                "deliveries",
                "livraison invalide : dataset, format, frequency et delay sont des textes"
                " non vides",
                line,
            )
            continue
        rows.append({key: item[key].strip() for key in DELIVERY_KEYS})
    return rows


# -- importing and exporting --------------------------------------------------------------


def import_sets(session: Session, sources: list[SetSource]) -> tuple[list[str], list[str]]:
    """Create or update the sets read; return the identifiers created and updated."""
    created, updated = [], []
    for source in sources:
        template_set = session.get(TemplateSet, source.data["id"])
        if template_set is None:
            template_set = TemplateSet(id=source.data["id"])
            session.add(template_set)
            created.append(source.data["id"])
        elif set_data(template_set) == source.data:
            continue
        else:
            updated.append(source.data["id"])
        for key in SET_KEYS[1:]:
            setattr(template_set, key, source.data[key])
    session.flush()
    return created, updated


def export_sets(session: Session, directory: Path) -> list[Path]:
    """Write every set as ``ensembles/<id>.yaml``; return the files written."""
    written = []
    for template_set in list_template_sets(session):
        folder = directory / SETS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{template_set.id}.yaml"
        path.write_text(dump_set(template_set), encoding="utf-8")
        written.append(path)
    return written


def dump_set(template_set: TemplateSet) -> str:
    """The text of a set file."""
    return yaml.safe_dump(
        set_data(template_set),
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
