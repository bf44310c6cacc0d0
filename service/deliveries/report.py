"""The shared vocabulary of delivery validation: refusals, formats, limits and the report.

Every validation module builds on these: a ``DeliveryRefused`` (or one of its kinds) when a file
cannot be taken at all, a ``ValidationReport`` of ``Check`` and ``RowError`` when it can be read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from service.limits import MB, Limits

if TYPE_CHECKING:  # messages builds on this module
    from service.deliveries.messages import Collector


@dataclass(frozen=True)
class FormatSpec:
    """A delivery format: its French label, accepted file suffixes and media type."""

    key: str
    label: str
    suffixes: tuple[str, ...]
    media_type: str
    text: bool


FORMATS: dict[str, FormatSpec] = {
    spec.key: spec
    for spec in (
        FormatSpec("csv", "CSV (valeurs séparées)", (".csv",), "text/csv", True),
        FormatSpec("geojson", "GeoJSON", (".geojson", ".json"), "application/geo+json", True),
        FormatSpec("json", "JSON", (".json",), "application/json", True),
        FormatSpec(
            "xlsx",
            "Classeur Excel (.xlsx)",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            False,
        ),
        FormatSpec("zip_shp", "Shapefile zippé", (".zip",), "application/zip", False),
        FormatSpec("pdf", "PDF", (".pdf",), "application/pdf", False),
    )
}


#: How much the validation may take from one delivered file before refusing it. Shapefile .dbf
#: attributes are padded with spaces and compress far more than office files (real bombs reach
#: about 1,000), hence the ratio.
DEFAULT_LIMITS = Limits(
    max_members=200,
    max_member_bytes=1024 * MB,
    max_total_bytes=2048 * MB,
    max_ratio=250.0,
    max_json_bytes=100 * MB,
    max_errors=100,
    chunk_bytes=1 * MB,
)


@dataclass(frozen=True)
class Check:
    """One check run on a delivered file and its outcome."""

    key: str
    label: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class RowError:
    """One content error: where it is (row, field), what it is in French, and its type."""

    row: int | None
    field: str | None
    message: str
    code: str


@dataclass
class ValidationReport:
    """The outcome of the validation of a file that could be read."""

    valid: bool
    checks: list[Check] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int | None = None
    fields: list[str] = field(default_factory=list)
    error_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data with stable keys."""
        return {
            "valid": self.valid,
            "rows": self.rows,
            "fields": list(self.fields),
            "error_count": self.error_count,
            "errors_truncated": self.error_count > len(self.errors),
            "checks": [asdict(check) for check in self.checks],
            "errors": [asdict(error) for error in self.errors],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        """Rebuild a report from ``as_dict()`` output."""
        errors = [RowError(**error) for error in data.get("errors", [])]
        return cls(
            valid=data["valid"],
            checks=[Check(**check) for check in data.get("checks", [])],
            errors=errors,
            rows=data.get("rows"),
            fields=list(data.get("fields", [])),
            error_count=data.get("error_count", len(errors)),
        )


def build_report(
    checks: list[Check],
    collector: Collector | None,
    rows: int | None,
    fields: list[str],
    extra: list[RowError] | None = None,
) -> ValidationReport:
    """Build a report: valid when every check passed and no content error was found."""
    errors = list(extra or [])
    count = len(errors)
    if collector is not None:
        errors += collector.kept
        count += collector.count
    return ValidationReport(
        valid=all(check.passed for check in checks) and count == 0,
        checks=checks,
        errors=errors,
        rows=rows,
        fields=fields,
        error_count=count,
    )


def encoding_check(bom: bool) -> Check:
    """Return the passed UTF-8 check, saying whether the file starts with a BOM."""
    detail = "UTF-8 avec BOM." if bom else "UTF-8."
    return Check("encoding", "Encodage UTF-8", True, detail)
