"""The accessibility statement (« Déclaration d'accessibilité », RGAA 4.1): public, linked
from the footer of every page. It states what was tested and how, and nothing more: no RGAA
audit has been made, so the state is the one the RGAA gives a service without one."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request

bp = Blueprint("accessibility", __name__)

#: The state of compliance with RGAA 4.1, as every page's footer and the statement say it.
#: « partiellement conforme » needs an audit finding at least half of the criteria met, « totalement
#: conforme » all of them; without an audit's results, the RGAA's word is « non conforme ».
COMPLIANCE = "non conforme"

#: When this statement was written, and the tools it names: the browser tests run axe-core at
#: the version locked in tests/browser/package-lock.json (a test keeps the two equal) in the
#: Chromium of Debian 12.
STATEMENT_DATE = dt.date(2026, 12, 7)
AXE_CORE_VERSION = "4.14.1"
CHROMIUM_VERSION = "Chromium 156.0.8078.129 (Debian 12 « bookworm »)"
#: The window widths every page is tried at (tests/browser/test_every_page.py).
TESTED_WIDTHS = (360, 390, 1280)


def contact_link(contact: str) -> tuple[str | None, str]:
    """The address a reader follows to report a defect, and its text: a mailto for an
    e-mail address, the page itself for a web address, none for words (« le service… »)."""
    contact = contact.strip()
    if contact.startswith(("https://", "http://")):
        return contact, contact
    if "@" in contact and " " not in contact:
        return f"mailto:{contact}", contact
    return None, contact


@bp.app_context_processor
def compliance() -> dict[str, str]:
    """The state of compliance, for the footer of every page."""
    return {"accessibility_compliance": COMPLIANCE}


@bp.get("/accessibilite")
def statement() -> str:
    """The accessibility statement of this deployment of Clausier."""
    href, text = contact_link(current_app.config["ACCESSIBILITY_CONTACT"])
    return render_template(
        "accessibility.html",
        site=request.url_root,
        contact_href=href,
        contact_text=text,
        statement_date=STATEMENT_DATE,
        axe_version=AXE_CORE_VERSION,
        chromium=CHROMIUM_VERSION,
        widths=TESTED_WIDTHS,
    )
