"""Values of the right type for the variables an annex reports missing, for the tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.annexes import MissingValue

#: A value that fits each variable type (a choice takes its first choice).
SAMPLES = {
    "integer": "2",
    "date": "15/01/2027",
    "email": "dpo@valmont.example",
    "url": "https://donnees.valmont.example/",
}


def sample_value(item: MissingValue | Mapping[str, Any]) -> str:
    """A value of the missing variable's type (« valeur <name> » for a text)."""
    data = item.as_dict() if isinstance(item, MissingValue) else item
    if data.get("choices"):
        return str(data["choices"][0])
    return SAMPLES.get(data.get("type", "text"), f"valeur {data['name']}")
