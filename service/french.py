"""French for people: dates in Paris time, written out as French readers expect."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(moment: dt.datetime | dt.date) -> str:
    """A date in French ("1er mars 2026"), in Paris time for a timestamp (naive = UTC)."""
    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        moment = aware.astimezone(PARIS).date()
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year}"


def french_datetime(moment: dt.datetime | None) -> str:
    """A UTC timestamp as Paris time in French: « 12 janvier 2026 à 10 h 00 »."""
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    return f"{french_date(local)} à {local.hour} h {local.minute:02d}"


def today_in_paris() -> dt.date:
    """Today's date in Paris (the day a French contract manager lives in)."""
    return dt.datetime.now(PARIS).date()
