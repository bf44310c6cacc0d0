"""Check the re-read copies of the real documents against their recorded checksums.

Usage: python tests/real/check.py [--strict]

For each entry of ``sources.yaml``, looks for its copy under ``documents/`` (git-ignored) and
compares its SHA-256 with the recorded one. Prints one line per document: ``ok``, ``absent``
(not re-read yet: see ``reread``) or ``DIFFERENT`` (not the labelled bytes: do not evaluate
on it). Exit status: 1 if a copy differs, or with ``--strict`` if one is absent; else 0.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def check(strict: bool = False) -> int:
    """Print each document's state; return the exit status."""
    entries = yaml.safe_load((HERE / "sources.yaml").read_text(encoding="utf-8"))
    states = {"ok": 0, "absent": 0, "DIFFERENT": 0}
    for entry in entries:
        path = HERE / entry["file"]
        if not path.is_file():
            state = "absent"
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            state = "DIFFERENT"
        else:
            state = "ok"
        states[state] += 1
        print(f"{state:9} {entry['id']} ({entry['split']})")
        if state == "absent":
            print(f"          re-read: {entry['reread']}")
    print(
        f"{states['ok']} ok, {states['absent']} absent, {states['DIFFERENT']} different, "
        f"of {len(entries)}"
    )
    if states["DIFFERENT"] or (strict and states["absent"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(check(strict="--strict" in sys.argv[1:]))
