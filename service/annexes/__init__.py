"""Annexes: the DOCX annex "Clauses relatives aux données" filled from the clause library."""

from service.annexes.render import (
    DRAFT_MARK,
    TEMPLATE_VARIABLES,
    TITLE_FIELDS,
    AnnexClause,
    AnnexContext,
    InvalidValue,
    MissingValue,
    annex_context,
    missing_values,
    render_annex,
)
from service.annexes.template_check import (
    TemplateInfo,
    check_template,
    inspect_template,
    sandboxed_environment,
)

__all__ = [
    "DRAFT_MARK",
    "TEMPLATE_VARIABLES",
    "TITLE_FIELDS",
    "AnnexClause",
    "AnnexContext",
    "InvalidValue",
    "MissingValue",
    "TemplateInfo",
    "annex_context",
    "check_template",
    "inspect_template",
    "missing_values",
    "render_annex",
    "sandboxed_environment",
]
