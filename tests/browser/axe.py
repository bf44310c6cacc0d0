"""axe-core, the accessibility checker, run inside a page opened by the browser tests.

axe-core comes from npm (``tests/browser/package.json`` and its lock file, installed by
``npm ci --prefix tests/browser``). The pages' Content-Security-Policy allows scripts from the
page's own origin only: an inline ``<script>`` (what ``add_script_tag(path=…)`` writes) would be
refused. Rather than turning the policy off for the test (``bypass_csp=True``, which would also
let through the inline styles the policy refuses, so that axe would judge a page users never
see), the browser context answers one address of the service's own origin with the npm file
(``context.route``), and the page loads it from there as any script of the app: the policy
stays on, the page is the one users get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The checker as npm installed it.
AXE_SCRIPT = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
#: An address of the service's origin that only the test's browser context answers.
AXE_PATH = "/__tests__/axe.min.js"
#: The impacts that fail a page.
FAILING = ("serious", "critical")
#: Rules run: WCAG 2.1 A and AA (what RGAA 4.1 follows) and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def missing_reason() -> str | None:
    """Why axe-core cannot run here, or None."""
    if AXE_SCRIPT.exists():
        return None
    return f"axe-core absent ({AXE_SCRIPT}) : npm ci --prefix tests/browser"


def serve_axe(context: Any, origin: str) -> None:
    """Make ``origin + AXE_PATH`` answer axe-core's script in this browser context."""
    body = AXE_SCRIPT.read_bytes()
    context.route(
        origin + AXE_PATH,
        lambda route: route.fulfill(
            status=200, body=body, headers={"Content-Type": "text/javascript; charset=utf-8"}
        ),
    )


def violations(page: Any, origin: str) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core finds in the page as it is shown."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=origin + AXE_PATH)
    found = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes:
        ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
        help: v.help, targets: v.nodes.map(n => n.target.join(' ')),
        summaries: v.nodes.map(n => n.failureSummary)})))""",
        TAGS,
    )
    return [v for v in found if v["impact"] in FAILING]


def describe(where: str, found: list[dict[str, Any]]) -> list[str]:
    """One line per violation: where, rule, impact, what it asks, the elements (at most 5)."""
    lines = []
    for violation in found:
        targets = violation["targets"]
        shown = ", ".join(targets[:5]) + (f" (+{len(targets) - 5})" if len(targets) > 5 else "")
        lines.append(
            f"{where} : {violation['id']} ({violation['impact']}) — {violation['help']} : {shown}"
        )
    return lines
