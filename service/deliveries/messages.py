"""French messages for frictionless errors, and the collector that counts and keeps them.

The person who sent the file reads these: each says what is wrong in their terms (the column,
the value, the expected type) and, where it can, how to fix it.
"""

from __future__ import annotations

import re

import frictionless

from service.deliveries.report import FormatSpec, RowError
from service.errors import DeliveryRefused, NotUtf8, WrongFormat

TYPES = {
    "number": "un nombre (avec un point décimal)",
    "integer": "un nombre entier",
    "date": "une date au format AAAA-MM-JJ",
    "datetime": "une date et heure au format AAAA-MM-JJTHH:MM:SS",
    "time": "une heure au format HH:MM:SS",
    "yearmonth": "un mois au format AAAA-MM",
    "year": "une année au format AAAA",
    "boolean": "un booléen (true ou false)",
    "object": "un objet JSON",
    "array": "une liste JSON",
    "geopoint": "un point géographique",
    "duration": "une durée ISO 8601",
}
CONSTRAINTS = {
    "required": "valeur obligatoire manquante",
    "minimum": "« {cell} » est inférieur au minimum autorisé ({value})",
    "exclusiveMinimum": "« {cell} » doit être strictement supérieur à {value}",
    "maximum": "« {cell} » est supérieur au maximum autorisé ({value})",
    "exclusiveMaximum": "« {cell} » doit être strictement inférieur à {value}",
    "minLength": "« {cell} » est trop court (au moins {value} caractères)",
    "maxLength": "« {cell} » est trop long (au plus {value} caractères)",
    "pattern": "« {cell} » ne respecte pas le format attendu (motif {value})",
    "enum": "« {cell} » ne fait pas partie des valeurs admises : {value}",
}
DECIMAL_COMMA = re.compile(r"^[+-]?\d[\d\s\u202f\u00a0]*,\d+$")
CONSTRAINT_NOTE = re.compile(r'constraint "(\w+)" is "(.*)"$', re.S)
SAME_AS = re.compile(r"at position (\d+)")


def _constraint_message(cell: str, note: str) -> str:
    match = CONSTRAINT_NOTE.search(note)
    if not match or match.group(1) not in CONSTRAINTS:
        return f"« {cell} » ne respecte pas une contrainte du schéma ({note})"
    name, value = match.groups()
    if name == "enum":
        value = ", ".join(re.findall(r"'((?:[^'\\]|\\.)*)'", value)) or value
    return CONSTRAINTS[name].format(cell=cell, value=value)


def french_message(error: frictionless.Error, types: dict[str, str]) -> str:
    """Say in French what a frictionless error means for the person who sent the file."""
    kind = error.type
    cell = str(getattr(error, "cell", "") or "")
    name = getattr(error, "field_name", "") or ""
    label = getattr(error, "label", "") or ""
    note = getattr(error, "note", "") or ""
    same = SAME_AS.search(note)
    if kind == "type-error":
        expected = TYPES.get(types.get(name, ""), "du type attendu")
        if types.get(name) in ("number", "integer") and DECIMAL_COMMA.match(cell):
            fixed = re.sub(r"[\s\u202f\u00a0]", "", cell).replace(",", ".")
            return (
                f"« {cell} » : la virgule décimale n'est pas acceptée, écrivez {fixed} "
                "(point décimal, sans espace)"
            )
        return f"« {cell} » n'est pas {expected}"
    if kind == "constraint-error":
        return _constraint_message(cell, note)
    messages = {
        "missing-cell": f"cellule manquante pour la colonne « {name} » (ligne trop courte)",
        "extra-cell": f"cellule en trop « {cell} » : la ligne a plus de colonnes que l'en-tête",
        "blank-row": "ligne entièrement vide",
        "duplicate-label": f"la colonne « {label} » apparaît plusieurs fois dans l'en-tête",
        "missing-label": f"colonne « {name} » absente de l'en-tête, alors que le schéma la prévoit",
        "extra-label": f"colonne « {label} » non prévue par le schéma",
        "incorrect-label": f"en-tête « {label} » trouvé là où le schéma attend « {name} »",
        "blank-label": "une colonne de l'en-tête n'a pas de nom",
        "blank-header": "l'en-tête est vide",
        "unique-error": (
            f"valeur « {cell} » en double dans la colonne « {name} »"
            + (f" (déjà ligne {same.group(1)})" if same else "")
        ),
        "primary-key": (
            f"identifiant en double : même clé qu'à la ligne {same.group(1)}"
            if same
            else "identifiant (clé primaire) vide"
        ),
        "foreign-key": "valeur absente de la table de référence",
    }
    if kind in messages:
        return messages[kind]
    return f"erreur de contenu ({kind}) : {note or error.message}"


def _row_error(error: frictionless.Error, types: dict[str, str], key: str | None) -> RowError:
    name = getattr(error, "field_name", None) or getattr(error, "label", None) or None
    if error.type == "primary-key":
        name = key
    return RowError(
        row=getattr(error, "row_number", None),
        field=name,
        message=french_message(error, types),
        code=error.type,
    )


def refusal(error: frictionless.Error, spec: FormatSpec) -> DeliveryRefused:
    """Turn a frictionless error that stops reading the file into a French refusal."""
    note = error.note or error.message
    if error.type == "encoding-error":
        return NotUtf8(
            "Le fichier n'est pas encodé en UTF-8. Enregistrez le fichier en UTF-8 puis "
            "déposez-le de nouveau."
        )
    if error.type in ("format-error", "source-error", "scheme-error"):
        return WrongFormat(
            f"Le fichier ne peut pas être lu comme un fichier {spec.label} ({note}). "
            f"Vérifiez qu'il s'agit bien d'un fichier {spec.label} non protégé."
        )
    return DeliveryRefused(f"Le fichier ne peut pas être lu ({note}).")


class Collector:
    """Count every content error, keep the first ones."""

    def __init__(self, types: dict[str, str], keep: int, key: str | None = None) -> None:
        self.types = types
        self.key = key
        self.keep = keep
        self.kept: list[RowError] = []
        self.count = 0

    def add(self, errors: list[frictionless.Error]) -> None:
        """Count these errors and keep them, in French, while there is room."""
        for error in errors:
            self.count += 1
            if len(self.kept) < self.keep:
                self.kept.append(_row_error(error, self.types, self.key))
