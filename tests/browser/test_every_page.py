"""Every page of the web face, opened in Chromium at 390 and 1280 px on the demo data: it
answers, writes no error to the console, never scrolls sideways (nor at 360 px, its menu
unfolded) and axe-core finds no serious or critical violation in it. Its screenshots are kept
in tests/browser/screenshots/ (git-ignored), to be looked at.

The pages are the GET routes of the blueprints of ``service.web``, with the ids of the demo
data: a new page is visited as soon as it exists, or fails here until it gets its ids; the
routes that are not pages are named in ``NOT_PAGES`` with their reason."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from service.accounts.identity import operator_identity
from service.accounts.invitations import invite
from service.analysis.models import Analysis
from service.deliveries.models import Contract, Delivery, Period
from service.deliveries.pending import VALIDATION_JOB, receive_delivery
from service.jobs_models import Job
from service.library.models import ClauseVersion, TemplateSet
from service.organisations import Organisation
from tests.browser import axe
from tests.browser.conftest import (
    WIDTHS,
    ConsoleWatch,
    LiveServer,
    _unavailable,
    screenshot_path,
)

#: GET routes of the web face that are not visited, each with its reason: they answer
#: a file (PDF, DOCX, CSV, a delivered file) or a redirection to another site, not a page a
#: browser shows and axe-core could read.
NOT_PAGES = {
    "report_pdf.report_pdf": "fichier PDF du rapport d'analyse (ou redirection vers sa tâche)",
    "clause_pdf.version_pdf": "fichier PDF d'une version de clause",
    "clause_pdf.diff_pdf": "fichier PDF d'une comparaison de versions",
    "contracts.delivery_file": "fichier livré par le concessionnaire, tel qu'il a été reçu",
    "pending_deliveries.file": "fichier reçu pour une validation en arrière-plan, tel quel",
    "checklist.docx": "fichier DOCX de la liste de réversibilité",
    "checklist.pdf": "fichier PDF de la liste de réversibilité",
    "checklist.evidence": "pièce justificative déposée en cochant un point de la liste",
    "jobs.result": "fichier produit par une tâche de fond",
    "account.audit_export": "fichier CSV du journal d'audit",
    "oidc.start": "renvoie vers le fournisseur d'identité (404 sans fournisseur, comme la"
    " démonstration) ; la connexion OpenID Connect est essayée dans tests/oidc",
    "oidc.callback": "retour du fournisseur d'identité, essayé dans tests/oidc",
}
#: The addresses of a page worth seeing, when its bare address is not enough: a suffix for the
#: screenshot's name, the ids taken for its arguments (argument → key of ``demo_ids``) and a query
#: string written with those ids.
DRAFT = {"clause_id": "draft_clause_id", "number": "draft_number"}
VARIANTS: dict[str, list[tuple[str, dict[str, str], str]]] = {
    "search.search": [("", {}, ""), ("resultats", {}, "?q=restitution+des+donn%C3%A9es")],
    "library.version": [("", {}, ""), ("brouillon", DRAFT, "")],
    "editor.edit_version": [("", DRAFT, "")],
    "annexes.library_annex_form": [("", {}, "?ensemble={ensemble}&organisation={org}")],
}
#: A page that does not exist: the French error page.
MISSING = "/clauses/pas-de-clause-de-ce-nom"

#: How long the report's PDF job may take: its page is visited once the job is over, since an
#: unfinished job's page reloads itself when the job ends, in the middle of the visit.
JOB_WAIT_SECONDS = 120
#: Pages that draw their content with a script after they load: what shows that it is drawn.
#: Checked before, they would be judged empty (axe-core, widths).
DRAWN = {"reference.index": ".api-reference__operation"}


@dataclass(frozen=True)
class Page:
    """A page to visit: a name for its screenshot, its address, the status it answers, and
    what shows that its script has drawn it, if it draws anything."""

    name: str
    path: str
    status: int = 200
    drawn: str | None = None


def visit(tab: Any, origin: str, page: Page) -> Any:
    """Open ``page`` in ``tab`` and wait until it is drawn; the browser's response."""
    response = tab.goto(origin + page.path, wait_until="load")
    if page.drawn:
        tab.wait_for_selector(page.drawn)
    return response


def demo_ids(app: Any, server: LiveServer) -> dict[str, Any]:
    """Real ids of the demo data for each argument of the web routes."""
    with app.app_context():
        db = app.extensions["clausier"].db
        with db.sessions() as session:
            analysis = session.scalars(select(Analysis).order_by(Analysis.id)).first()
            # A clause with several versions, so that its diff compares two.
            clause_id = session.scalars(
                select(ClauseVersion.clause_id)
                .group_by(ClauseVersion.clause_id)
                .order_by(func.count().desc(), ClauseVersion.clause_id)
            ).first()
            number = session.scalar(
                select(func.max(ClauseVersion.number)).where(ClauseVersion.clause_id == clause_id)
            )
            contract = session.scalars(select(Contract).order_by(Contract.id)).first()
            organisation = session.get(Organisation, contract.organisation_id)
            # An invalid delivery: its page shows the row errors.
            delivery = session.scalars(
                select(Delivery).order_by(Delivery.valid, Delivery.id.desc())
            ).first()
            draft = session.scalars(
                select(ClauseVersion).where(ClauseVersion.status == "draft")
            ).first()
            ensemble = session.scalars(
                select(TemplateSet.id).where(TemplateSet.contract_type == "concession")
            ).first()
            # An invitation's one-time link: its page, as the person invited opens it.
            _, secret = invite(
                session, "invitee@example.fr", organisation, "dpo", by=operator_identity("tests")
            )
            validation = _failed_validation(session, contract)
            session.commit()
            ids = {
                "draft_clause_id": draft.clause_id,
                "draft_number": draft.number,
                "ensemble": ensemble,
                "analysis_id": analysis.id,
                "clause_id": clause_id,
                "number": number,
                "org": organisation.slug,
                "reference": contract.reference,
                "delivery_id": delivery.id,
                "validation_id": validation,
                "secret": secret,
            }
    ids["job_id"] = _finished_job(server, analysis.id)
    return ids


def _failed_validation(session: Any, contract: Contract) -> str:
    """A large delivery of the contract whose background validation failed: its page is the
    one that stays (an unfinished one reloads itself; a finished one sends to the delivery)."""
    obligation = contract.obligations[0]
    first = session.scalars(
        select(Period).where(Period.obligation_id == obligation.id).order_by(Period.start_on)
    ).first()
    accepted = receive_delivery(
        session,
        obligation,
        first.start_on.isoformat(),
        b"id\nPL-1\n",
        background_bytes=0,
        filename="inventaire-volumineux.csv",
        sender="Lumicité",
        sender_role="titulaire",
    )
    job = Job(
        id=str(uuid.uuid4()),
        kind=VALIDATION_JOB,
        key=uuid.uuid4().hex,
        params=accepted.params,
        state="failed",
        progress=10,
        message="Échec",
        error="La validation du fichier livré a duré plus de 3000 s.",
        organisation_id=contract.organisation_id,
    )
    session.add(job)
    return job.id


def _finished_job(server: LiveServer, analysis_id: int) -> str:
    """The id of the job making an analysis report's PDF, once it is done."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    url = f"{server.url}/analyses/{analysis_id}/rapport.pdf"
    signed_in = server.cookie_header()
    try:
        opener.open(urllib.request.Request(url, headers=signed_in), timeout=30)
    except urllib.error.HTTPError as answer:
        location = answer.headers["Location"]
    else:
        raise AssertionError(f"{url} made its PDF at once: no job to visit")
    job_id = location.rstrip("/").rsplit("/", 1)[-1]
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    while time.monotonic() < deadline:
        status = urllib.request.Request(f"{server.url}/api/jobs/{job_id}", headers=signed_in)
        with urllib.request.urlopen(status, timeout=30) as response:
            if json.load(response)["state"] in ("done", "failed"):
                return job_id
        time.sleep(1)
    raise AssertionError(f"job {job_id} still unfinished after {JOB_WAIT_SECONDS} s")


def web_pages(server: LiveServer) -> tuple[list[Page], list[str]]:
    """The pages of the web face with the demo's ids, and the routes no id could fill."""
    app = server.app()
    ids = demo_ids(app, server)
    app.extensions["clausier"].db.dispose()
    adapter = app.url_map.bind("127.0.0.1")
    pages: list[Page] = []
    unfilled: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        blueprint = rule.endpoint.rpartition(".")[0]
        if not blueprint or not app.blueprints[blueprint].import_name.startswith("service.web"):
            continue
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
            continue
        if not set(rule.arguments) <= ids.keys():
            unfilled.append(f"{rule.endpoint} {rule.rule}")
            continue
        name = rule.endpoint.replace(".", "-")
        for suffix, taken, query in VARIANTS.get(rule.endpoint, [("", {}, "")]):
            values = {arg: ids[taken.get(arg, arg)] for arg in rule.arguments}
            path = adapter.build(rule.endpoint, values) + query.format(**ids)
            title = f"{name}-{suffix}" if suffix else name
            pages.append(Page(title, path, drawn=DRAWN.get(rule.endpoint)))
    pages.append(Page("erreur-404", MISSING, 404))
    return pages, unfilled


@pytest.fixture(scope="session")
def pages(live_server: LiveServer) -> tuple[list[Page], list[str]]:
    """The pages to visit, found once for the session."""
    return web_pages(live_server)


def test_every_page_of_the_web_face_gets_ids_from_the_demo(
    pages: tuple[list[Page], list[str]],
) -> None:
    _, unfilled = pages
    assert not unfilled, "pages sans identifiant de démonstration (demo_ids) :\n" + "\n".join(
        unfilled
    )


#: Elements that reach beyond the window's right edge, innermost first: what to fix.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let scrolled = false;
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) {
        scrolled = true;
        break;
      }
    }
    if (scrolled) continue;
    const children = [...element.children];
    if (children.some(child => child.getBoundingClientRect().right > width + 1)) continue;
    const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
      + (element.className && typeof element.className === 'string'
         ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
    wide.push(`${name} (${Math.round(box.right)} px)`);
  }
  return wide.slice(0, 8);
}"""


#: Breakable spaces where French typography wants a no-break one: before » : ; ! ? ending a
#: word, after «. A line may start with what follows such a space.
BREAKABLE_MARKS = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const marks = /(\S{0,20})[ \t\n]+([»;:!?])(?=[\s»)]|$)|(«)[ \t\n]+(\S{0,20})/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('textarea, option, code, pre, script, style, svg')) continue;
    let text = node.data;
    const before = node.previousSibling;
    if (before && before.nodeType === Node.ELEMENT_NODE) text = 'x' + text;
    for (const match of text.matchAll(marks)) found.push(match[0].trim());
  }
  return found.slice(0, 5);
}"""


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized_page(
    browser: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[tuple[Any, int]]:
    """A page of a fresh browser context at one of the two widths, signed in."""
    width = request.param
    context = live_server.context(browser, viewport={"width": width, "height": 900}, locale="fr-FR")
    yield context.new_page(), width
    context.close()


def test_every_page_answers_cleanly_without_sideways_scrolling(
    live_server: LiveServer,
    pages: tuple[list[Page], list[str]],
    sized_page: tuple[Any, int],
) -> None:
    tab, width = sized_page
    watch = ConsoleWatch(tab)
    problems: list[str] = []
    for page in pages[0]:
        response = visit(tab, live_server.url, page)
        where = f"{page.path} à {width} px"
        if response is None or response.status != page.status:
            status = response.status if response else "aucune réponse"
            problems.append(f"{where} : statut {status}, attendu {page.status}")
        errors = watch.take()
        if page.status >= 400:  # the browser reports the page's own status as an error
            errors = [e for e in errors if f"status of {page.status}" not in e]
        problems += [f"{where} : console : {error}" for error in errors]
        if width == WIDTHS[0]:
            breakable = tab.evaluate(BREAKABLE_MARKS)
            if breakable:
                problems.append(f"{where} : espaces sécables : {breakable}")
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        inner = tab.evaluate("window.innerWidth")
        if scroll > inner:
            wide = ", ".join(tab.evaluate(OVERFLOWING))
            problems.append(f"{where} : défilement horizontal ({scroll} > {inner}) : {wide}")
        tab.screenshot(path=screenshot_path(page.name, width), full_page=True)
    assert not problems, "\n".join(problems)


def test_every_page_passes_axe_without_serious_violations(
    live_server: LiveServer,
    pages: tuple[list[Page], list[str]],
    sized_page: tuple[Any, int],
) -> None:
    """axe-core (WCAG 2.1 A and AA, best practices) finds nothing serious or critical on any
    page, at either width, the page's Content-Security-Policy on (tests/browser/axe.py)."""
    reason = axe.missing_reason()
    if reason:
        _unavailable(reason)
    tab, width = sized_page
    axe.serve_axe(tab.context, live_server.url)
    problems: list[str] = []
    for page in pages[0]:
        visit(tab, live_server.url, page)
        problems += axe.describe(f"{page.path} à {width} px", axe.violations(tab, live_server.url))
    assert not problems, "axe-core :\n" + "\n".join(problems)


#: The narrowest window Clausier is made for (issue 16): a small phone held upright.
NARROWEST = 360


def test_every_page_fits_the_narrowest_window_with_its_menu_open(
    live_server: LiveServer, pages: tuple[list[Page], list[str]], browser: Any
) -> None:
    context = browser.new_context(viewport={"width": NARROWEST, "height": 740}, locale="fr-FR")
    tab = context.new_page()
    problems: list[str] = []
    for page in pages[0]:
        visit(tab, live_server.url, page)
        tab.get_by_role("button", name="Menu").click()
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        if scroll > NARROWEST:
            wide = ", ".join(tab.evaluate(OVERFLOWING))
            problems.append(f"{page.path} : défilement horizontal ({scroll} px) : {wide}")
    context.close()
    assert not problems, "\n".join(problems)
