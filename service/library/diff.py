"""Word-level differences between two versions of a clause, like tracked changes."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from typing import Any

from markupsafe import Markup, escape

from service.library.models import ClauseVersion

#: Words (with their accents), runs of spaces, and single punctuation marks.
TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Operation:
    """One step from the old text to the new: equal, insert, delete or replace."""

    op: str
    old: str
    new: str


@dataclass(frozen=True)
class VersionDiff:
    """The differences between two versions: the body word by word, other fields as wholes."""

    clause_id: str
    old: int
    new: int
    body: list[Operation]
    fields: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """Return the diff as JSON-ready data."""
        return {
            "clause_id": self.clause_id,
            "from": self.old,
            "to": self.new,
            "operations": [asdict(op) for op in self.body],
            "fields": self.fields,
            "stats": self.stats(),
        }

    def stats(self) -> dict[str, int]:
        """Count the words inserted and deleted."""
        words = lambda text: len(re.findall(r"\w+", text))  # noqa: E731
        return {
            "inserted_words": sum(words(op.new) for op in self.body if op.op != "equal"),
            "deleted_words": sum(words(op.old) for op in self.body if op.op != "equal"),
        }


def diff_texts(old: str, new: str) -> list[Operation]:
    """Return the word-level operations that turn ``old`` into ``new``."""
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    operations: list[Operation] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        operations.append(Operation(tag, "".join(a[i1:i2]), "".join(b[j1:j2])))
    return _merge_small_equals(operations)


def _merge_small_equals(operations: list[Operation]) -> list[Operation]:
    """Fold a lone space between two changes into them, so changes read as phrases."""
    merged: list[Operation] = []
    for op in operations:
        previous = merged[-1] if merged else None
        if previous is not None and previous.op != "equal" and op.op != "equal":
            merged[-1] = Operation("replace", previous.old + op.old, previous.new + op.new)
        elif (
            previous is not None
            and op.op != "equal"
            and len(merged) >= 2
            and previous.op == "equal"
            and previous.old.isspace()
            and merged[-2].op != "equal"
        ):
            before = merged[-2]
            merged[-2:] = [
                Operation(
                    "replace",
                    before.old + previous.old + op.old,
                    before.new + previous.new + op.new,
                )
            ]
        else:
            merged.append(op)
    return [_name(op) for op in merged]


def _name(op: Operation) -> Operation:
    if op.op == "equal":
        return op
    if not op.old:
        return Operation("insert", "", op.new)
    if not op.new:
        return Operation("delete", op.old, "")
    return Operation("replace", op.old, op.new)


def diff_versions(old: ClauseVersion, new: ClauseVersion) -> VersionDiff:
    """Compare two versions of the same clause."""
    fields = {}
    for name in ("title", "legal_basis", "variables", "elements", "contract_types"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            fields[name] = {"old": before, "new": after}
    return VersionDiff(
        old.clause_id, old.number, new.number, diff_texts(old.body, new.body), fields
    )


def render_html(operations: list[Operation]) -> Markup:
    """Render operations as HTML with <ins> and <del>, like tracked changes."""
    parts = []
    for op in operations:
        if op.op == "equal":
            parts.append(escape(op.old))
            continue
        if op.old:
            parts.append(Markup('<del class="diff-del">{}</del>').format(op.old))
        if op.new:
            parts.append(Markup('<ins class="diff-ins">{}</ins>').format(op.new))
    return Markup("").join(parts)
