"""How Clausier looks, checked where only a browser shows it: the zero-count badges readable
(WCAG AA), and a look of its own — no blue-white-red mark, no colours of the State's brand."""

from __future__ import annotations

import urllib.request
from typing import Any

from tests.browser.conftest import LiveServer

#: The contrast of a colour on its background, as the browser painted them: each badge's
#: text colour and background, faded by the opacity of the badge and of its ancestors.
CONTRAST = """element => {
  const rgb = text => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = value => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let opacity = 1;
  for (let node = element; node; node = node.parentElement) {
    opacity *= Number(getComputedStyle(node).opacity);
  }
  const style = getComputedStyle(element);
  const fg = rgb(style.color), bg = rgb(style.backgroundColor);
  const fgAlpha = (fg.length > 3 ? fg[3] : 1) * opacity;
  const bgAlpha = (bg.length > 3 ? bg[3] : 1) * opacity;
  // The page behind is white: blend the background on it, then the text on the background.
  const back = bg.slice(0, 3).map(v => v * bgAlpha + 255 * (1 - bgAlpha));
  const front = fg.slice(0, 3).map((v, i) => v * fgAlpha + back[i] * (1 - fgAlpha));
  const [a, b] = [luminance(front), luminance(back)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
#: Colours of the State's design system (bleu France, rouge Marianne), not Clausier's.
STATE_COLOURS = ("rgb(0, 0, 145)", "rgb(201, 25, 30)", "#000091", "#c9191e")


def test_zero_count_badges_pass_aa_contrast_and_still_read_as_zero(
    live_server: LiveServer, page: Any
) -> None:
    for path in ("/analyses/1", "/analyses"):
        page.goto(live_server.url + path)
        zeros = page.locator(".badge--zero")
        assert zeros.count() > 0, f"aucun compte nul sur {path}"
        for index in range(zeros.count()):
            badge = zeros.nth(index)
            assert (badge.text_content() or "").strip().startswith("0 ")
            ratio = badge.evaluate(CONTRAST)
            assert ratio >= 4.5, f"{path} : « {badge.text_content()} » à {ratio:.2f}:1"
            # Read as zero: it does not look like the counts that are not.
            assert badge.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"


def test_the_header_has_a_look_of_its_own(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url + "/")
    header = page.locator(".site-header__inner")
    stripes = header.evaluate("e => getComputedStyle(e, '::before').backgroundImage")
    assert "gradient" not in stripes, "la marque tricolore de l'État est de retour"
    mark = page.locator(".site-title img")
    assert mark.is_visible() and mark.get_attribute("alt") == ""
    link = page.locator(".site-nav a[aria-current='page']")
    for colour in (
        link.evaluate("e => getComputedStyle(e).color"),
        link.evaluate("e => getComputedStyle(e).borderBottomColor"),
    ):
        assert colour not in STATE_COLOURS
    with urllib.request.urlopen(live_server.url + "/static/favicon.svg") as answer:
        favicon = answer.read().decode().lower()
    assert not any(colour in favicon for colour in STATE_COLOURS)


def _luminance(colour: str) -> float:
    channels = []
    for value in (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)):
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_the_coverage_charts_words_pass_aa_contrast_on_white(
    live_server: LiveServer, page: Any
) -> None:
    """axe-core cannot judge text drawn in SVG (it says « to review »): the chart's words,
    labels and verdicts, are checked here against the white they are drawn on."""
    page.goto(live_server.url + "/analyses/1")
    fills = page.locator(".coverage__chart text, .coverage__chart tspan").evaluate_all(
        "nodes => nodes.map(n => [n.textContent.trim().slice(0, 30), n.getAttribute('fill')])"
    )
    assert len(fills) >= 20
    assert page.locator(".coverage__row--weak").count() > 0, "aucune famille insuffisante"
    for text, fill in fills:
        ratio = 1.05 / (_luminance(fill) + 0.05)
        assert ratio >= 4.5, f"« {text} » en {fill} sur blanc : {ratio:.2f}:1"
