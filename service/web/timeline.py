"""The timeline of a contract's obligations, drawn as SVG by the app: one row per obligation,
one mark per period, placed on the contract's calendar and coloured by status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup, escape

from service.deliveries.board import Timeline
from service.deliveries.schedule import STATUS_LABELS
from service.documents.environment import STATUS_COLOURS
from service.french import plural

#: Mark colours, the hues of the status badges in clausier.css.
COLOURS = STATUS_COLOURS
#: Geometry (SVG user units): label column, drawing width, row height, mark height.
LABEL, WIDTH, ROW, MARK, TOP, AXIS = 250, 760, 30, 16, 8, 24
#: Closest two year labels may be on the axis (a contract starting in December…).
YEAR_GAP = 32


def timeline_svg(lines: Sequence[Timeline], start: dt.date, end: dt.date, at: dt.date) -> Markup:
    """The SVG of the timelines, with a tooltip per mark and a line on day ``at``."""
    span = max((end - start).days + 1, 1)

    def x(day: dt.date) -> float:
        return LABEL + WIDTH * min(max((day - start).days, 0), span) / span

    height = TOP + ROW * len(lines) + AXIS
    parts = [
        f'<svg class="timeline" viewBox="0 0 {LABEL + WIDTH + 10} {height}" role="img"'
        ' aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">'
        '<title id="timeline-title">Frise des livraisons attendues, une ligne par jeu de'
        " données, une marque par période colorée selon son état</title>"
    ]
    # Each mark is written from pieces prepared once per period (obligations of the same
    # frequency share theirs), status, label, due date and count: a contract of twelve years
    # has hundreds of marks (the page's costliest drawing).
    first = start.toordinal()
    after_status = {
        status: (
            f"{escape(' : ' + STATUS_LABELS[status])}",
            f'" fill="{COLOURS[status]}" data-status="{status.value}"><title>',
        )
        for status in COLOURS
    }
    places: dict[tuple[dt.date, dt.date], tuple[str, str]] = {}
    labels: dict[str, str] = {}
    dues: dict[dt.date, str] = {}
    counts: dict[int, str] = {}
    for row, line in enumerate(lines):
        y = TOP + row * ROW
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + MARK - 3}" text-anchor="end" class="timeline__label">'
            f"{escape(_short(line.obligation.title))}</text>"
        )
        for mark in line.marks:
            place = places.get((mark.start, mark.end))
            if place is None:
                # x(day) below, with days counted by ordinals: the same floats, no timedelta.
                left = LABEL + WIDTH * min(max(mark.start.toordinal() - first, 0), span) / span
                right = LABEL + WIDTH * min(max(mark.end.toordinal() + 1 - first, 0), span) / span
                width = max(right - left - 1, 1.5)
                place = places[mark.start, mark.end] = (
                    f'<rect x="{left:.1f}" y="',
                    f'" width="{width:.1f}" height="{MARK}',
                )
            label = labels.get(mark.label)
            if label is None:
                label = labels[mark.label] = str(escape(mark.label))
            status, attributes = after_status[mark.status]
            due = dues.get(mark.due)
            if due is None:
                due = dues[mark.due] = f", échéance le {mark.due:%d/%m/%Y}"
            tip = f"{label}{status} ({mark.days} j){due}" if mark.days else f"{label}{status}{due}"
            if mark.deliveries:
                count = counts.get(mark.deliveries)
                if count is None:
                    count = counts[mark.deliveries] = str(
                        escape(f", {plural(mark.deliveries, 'livraison')}")
                    )
                tip += count
            parts.append(f"{place[0]}{y}{place[1]}{attributes}{tip}</title></rect>")
    axis = TOP + ROW * len(lines)
    last = -YEAR_GAP
    for year in range(start.year, end.year + 1):
        left = x(max(dt.date(year, 1, 1), start))
        first_is_short = (
            year == start.year < end.year and x(dt.date(year + 1, 1, 1)) - left < YEAR_GAP
        )
        if first_is_short or left - last < YEAR_GAP:
            continue  # the label would overlap its neighbour
        parts.append(f'<text x="{left:.1f}" y="{axis + 14}" class="timeline__year">{year}</text>')
        last = left
    if start <= at <= end:
        parts.append(
            f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="0" y2="{axis}" class="timeline__today">'
            f"<title>Jour du calcul : {at:%d/%m/%Y}</title></line>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(title: str, length: int = 32) -> str:
    """A title cut to fit the label column."""
    return title if len(title) <= length else title[: length - 1].rstrip() + "…"
