"""DOCX templates: a strict sandboxed Jinja environment, their inspection and their checking."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from service.errors import TemplateRejected
from service.french import plural

#: Filters a template may use; none of them can reach Python objects or bypass escaping.
ALLOWED_FILTERS = frozenset(
    {
        "upper",
        "lower",
        "capitalize",
        "title",
        "trim",
        "length",
        "join",
        "first",
        "last",
        "default",
        "replace",
        "string",
        "wordcount",
        "truncate",
        "center",
    }
)
#: Jinja tests a template may use in ``if``: ``{% if x is defined %}``…
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "even", "odd"})
#: Syntax nodes of the allowed constructs (variables, filters, for/if, comparisons, literals).
ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.Filter,
    nodes.Test,
    nodes.For,
    nodes.If,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.CondExpr,
    nodes.Tuple,
    nodes.List,
    nodes.Concat,
)
#: French names of the constructs refused, by syntax node.
REFUSED_NAMES: dict[type[nodes.Node], str] = {
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Include: "{% include %}",
    nodes.Extends: "{% extends %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Block: "{% block %}",
    nodes.Call: "un appel de fonction",
    nodes.FilterBlock: "{% filter %}",
    nodes.With: "{% with %}",
    nodes.Scope: "{% with %}",
}
#: Limits on the uncompressed content of an uploaded DOCX (zip bombs).
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 200
WORD_QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "″": '"',
        "\u00a0": " ",
    }
)
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


#: Longest text one filter may produce: an annex value is a few lines, never megabytes.
MAX_FILTER_OUTPUT = 100_000


def sandboxed_environment() -> SandboxedEnvironment:
    """Return the strict sandboxed Jinja environment every annex template is rendered with:
    a few filters, their output bounded (``center(500000000)`` is refused, not allocated), and
    nothing written that is not a value (``{{ acheteur.upper }}`` is refused, not printed as
    a method and its address)."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_written)
    env.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.filters["center"] = _bounded(env.filters["center"], "center", width=1)
    env.filters["replace"] = _bounded(env.filters["replace"], "replace")
    env.tests = {name: env.tests[name] for name in ALLOWED_TESTS}
    return env


def _written(value: Any) -> Any:
    if callable(value):
        raise SecurityError("une méthode ou une fonction ne s'écrit pas dans une annexe")
    return value


def _bounded(function: Any, name: str, **sizes: int) -> Any:
    """The filter, refusing arguments or results larger than an annex can hold."""

    @functools.wraps(function)  # keeps what Jinja passes it (the evaluation context)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for position, keyword in enumerate(sizes, start=1):
            size = kwargs.get(keyword, args[position] if len(args) > position else 0)
            if isinstance(size, int) and size > MAX_FILTER_OUTPUT:
                raise SecurityError(f"argument démesuré du filtre « {name} » ({size})")
        result = function(*args, **kwargs)
        if isinstance(result, str) and len(result) > MAX_FILTER_OUTPUT:
            raise SecurityError(f"le filtre « {name} » produirait un texte démesuré")
        return result

    return bounded


def fix_quotes(xml: str) -> str:
    """Replace Word's curly quotes (and non-breaking spaces) inside ``{{ }}`` and ``{% %}``."""
    return JINJA_TAG.sub(lambda match: match.group(0).translate(WORD_QUOTES), xml)


class AnnexTemplate(DocxTemplate):
    """A docxtpl template whose Jinja tags have Word's curly quotes normalised."""

    def patch_xml(self, src_xml: str) -> str:
        """Clean the XML as docxtpl does, then straighten the quotes inside the tags."""
        return fix_quotes(super().patch_xml(src_xml))


@dataclass(frozen=True)
class TemplateInfo:
    """What a template asks for: the variables it uses and the Jinja constructs it contains."""

    variables: frozenset[str]
    constructs: frozenset[str]
    filters: frozenset[str] = field(default_factory=frozenset)
    problems: tuple[str, ...] = ()


def open_template(data: bytes) -> AnnexTemplate:
    """Return the DOCX as a docxtpl template, after guarding against zip bombs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise TemplateRejected("Le fichier n'est pas un document Word (.docx) lisible.") from error
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise TemplateRejected("Le modèle est trop volumineux une fois décompressé.")
    template = AnnexTemplate(io.BytesIO(data))
    try:
        template.init_docx()
    except Exception as error:  # python-docx raises many kinds for a broken package
        raise TemplateRejected("Le fichier n'est pas un document Word (.docx) lisible.") from error
    return template


def template_sources(template: AnnexTemplate) -> Iterator[tuple[str, str]]:
    """Yield (part name, Jinja source) for every part docxtpl renders, as docxtpl patches it."""
    yield "corps du document", template.patch_xml(template.get_xml())
    for uri, label in ((template.HEADER_URI, "en-tête"), (template.FOOTER_URI, "pied de page")):
        for _key, part in template.get_headers_footers(uri):
            yield label, template.patch_xml(template.xml_to_string(parse_xml(part.blob)))
    for part in template.docx.part.package.parts:
        if part.content_type == FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            yield "notes de bas de page", template.patch_xml(blob)
    for name in CORE_PROPERTIES:
        value = getattr(template.docx.core_properties, name) or ""
        yield "propriétés du document", fix_quotes(value)


def inspect_template(data: bytes) -> TemplateInfo:
    """Parse a DOCX template and list its variables, constructs and syntax problems."""
    template = open_template(data)
    env = sandboxed_environment()
    variables: set[str] = set()
    constructs: set[str] = set()
    filters: set[str] = set()
    problems: list[str] = []
    for label, source in template_sources(template):
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as error:
            problems.append(f"{label} : syntaxe Jinja invalide ({_plain(error.message)}).")
            continue
        for node in _walk(tree):
            constructs.add(type(node).__name__)
            if isinstance(node, nodes.Filter):
                filters.add(node.name)
        problems.extend(f"{label} : {reason}" for reason in _construct_problems(tree))
        try:  # compiles the tree: an unknown filter or test fails here
            variables |= meta.find_undeclared_variables(tree)
        except TemplateSyntaxError as error:
            problems.append(f"{label} : {_plain(error.message)}.")
    return TemplateInfo(
        frozenset(variables), frozenset(constructs), frozenset(filters), tuple(problems)
    )


def check_template(data: bytes, known_variables: Iterable[str]) -> list[str]:
    """Check an uploaded template; raise ``TemplateRejected`` listing every problem in French."""
    info = inspect_template(data)
    problems = list(info.problems)
    known = set(known_variables)
    problems.extend(
        f"variable inconnue « {name} » (variables disponibles : {', '.join(sorted(known))})."
        for name in sorted(info.variables - known)
    )
    if problems:
        raise TemplateRejected(
            f"Modèle refusé : {plural(len(problems), 'problème')}.",
            errors=[{"message": reason} for reason in problems],
        )
    return problems


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    """Yield a node and every node under it."""
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _construct_problems(tree: nodes.Template) -> list[str]:
    """Return a French reason for each construct outside the allowed set."""
    problems: list[str] = []
    for node in _walk(tree):
        kind = type(node)
        if kind in REFUSED_NAMES:
            problems.append(f"construction interdite : {REFUSED_NAMES[kind]}.")
        elif not isinstance(node, ALLOWED_NODES):
            problems.append(f"construction Jinja non autorisée : {kind.__name__}.")
        elif isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            problems.append(f"filtre non autorisé : « {node.name} ».")
        elif isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
            problems.append(f"test non autorisé : « {node.name} ».")
        elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append(f"accès interdit à l'attribut « {node.attr} ».")
        elif isinstance(node, nodes.Getitem) and not _safe_key(node.arg):
            problems.append("accès par clé interdit (seule une clé littérale est admise).")
        elif isinstance(node, nodes.Name) and node.name == "self":
            problems.append("accès interdit à « self ».")
    return problems


def _safe_key(arg: Any) -> bool:
    """Tell whether a subscript is a literal index or a key that does not start with "_"."""
    if not isinstance(arg, nodes.Const):
        return False
    value = arg.value
    return isinstance(value, int) or (isinstance(value, str) and not value.startswith("_"))


def _plain(message: str | None) -> str:
    """Return a Jinja error message, or a generic French one."""
    return message or "erreur de syntaxe"
