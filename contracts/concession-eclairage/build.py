"""Build the deliveries of the demo public-lighting concession (contracts/concession-eclairage/).

Run from the repository root:  .venv/bin/python contracts/concession-eclairage/build.py

Writes livraisons/<dataset>/<period>[-<n>].<ext> and the manifest livraisons.yaml: two years of
deliveries of Lumicité Exploitation SAS to the Commune de Valmont-sur-Loire, from the contract
start (2024-07-15) to 2026-10-31, with on-time, late, missing, invalid and corrected ones (the
README lists them). Everything is deterministic: a seeded generator, fixed dates, no clock, so
two runs give byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import io
import logging
import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
OUT = HERE / "livraisons"
MANIFEST = HERE / "livraisons.yaml"
START = date(2024, 7, 15)
CUTOFF = date(2026, 10, 31)
SENDER = "Lumicité Exploitation SAS"
PARIS = ZoneInfo("Europe/Paris")
CABINETS = 40
POINTS = 1200
# The commune sits on the Loire, between Orléans and Blois, in Lambert 93 metres.
CENTRE = (598_400.0, 6_740_200.0)


# -- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One period of an obligation: its bounds and the label used in file names."""

    start: date
    end: date
    label: str


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def monthly() -> Iterator[Period]:
    """Calendar months from the contract start (the first one starts mid-month)."""
    day = START
    while day <= CUTOFF:
        end = _month_end(day)
        yield Period(day, end, f"{day:%Y-%m}")
        day = end + timedelta(days=1)


def half_yearly() -> Iterator[Period]:
    """January–June and July–December, from the contract start."""
    day = START
    while day <= CUTOFF:
        end = date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)
        yield Period(day, end, f"{day.year}-S{1 if day.month <= 6 else 2}")
        day = end + timedelta(days=1)


def yearly() -> Iterator[Period]:
    """Calendar years, from the contract start."""
    day = START
    while day <= CUTOFF:
        end = date(day.year, 12, 31)
        yield Period(day, end, f"{day.year}")
        day = end + timedelta(days=1)


# -- the network --------------------------------------------------------------------------------

SUPPORTS = ["mât", "candélabre", "console murale", "poteau béton", "poteau bois"]
LAMPS = [
    ("SHP", 0.55),
    ("LED", 0.25),
    ("iodures métalliques", 0.12),
    ("fluorescence", 0.05),
    ("vapeur de mercure", 0.03),
]
POWERS = {
    "SHP": [70, 100, 150, 250],
    "LED": [18, 24, 36, 48, 60],
    "iodures métalliques": [70, 100, 150],
    "fluorescence": [26, 42, 57],
    "vapeur de mercure": [80, 125],
}
LANTERNS = {
    "SHP": ["Lanterne routière Ovoïde SHP", "Boule diffusante SHP", "Lanterne de style SHP"],
    "LED": ["Lanterne routière LED", "Lanterne piétonne LED", "Projecteur LED"],
    "iodures métalliques": ["Projecteur IM", "Lanterne de style IM"],
    "fluorescence": ["Hublot fluocompact", "Lanterne résidentielle fluo"],
    "vapeur de mercure": ["Boule diffusante BF"],
}


@dataclass(frozen=True)
class Point:
    """One light point of the network."""

    id: str
    support: str
    lantern: str
    heads: int
    lamp: str
    power: int
    installed: date | None
    cabinet: str
    x: float
    y: float
    state: str


def _pick_lamp(rng: random.Random) -> str:
    return rng.choices([name for name, _ in LAMPS], [weight for _, weight in LAMPS])[0]


def _new_point(
    rng: random.Random,
    number: int,
    centres: list[tuple[float, float]],
    installed: date | None,
    lamp: str | None = None,
) -> Point:
    cabinet = rng.randrange(CABINETS)
    lamp = lamp or _pick_lamp(rng)
    power = rng.choice(POWERS[lamp])
    cx, cy = centres[cabinet]
    return Point(
        id=f"PL-{number:05d}",
        support=rng.choice(SUPPORTS),
        lantern=f"{rng.choice(LANTERNS[lamp])} {power} W",
        heads=rng.choices([1, 2, 3], [0.86, 0.12, 0.02])[0],
        lamp=lamp,
        power=power,
        installed=installed,
        cabinet=f"AR-{cabinet + 1:03d}",
        x=round(cx + rng.uniform(-700, 700), 3),
        y=round(cy + rng.uniform(-700, 700), 3),
        state="en service",
    )


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def initial_network(rng: random.Random) -> tuple[list[Point], list[tuple[float, float]]]:
    """The network handed over at the contract start."""
    centres = [
        (CENTRE[0] + rng.uniform(-3500, 3500), CENTRE[1] + rng.uniform(-2500, 2500))
        for _ in range(CABINETS)
    ]
    points = []
    for number in range(1, POINTS + 1):
        known = rng.random() < 0.8
        installed = _random_day(rng, date(1988, 1, 1), date(2024, 6, 30)) if known else None
        points.append(_new_point(rng, number, centres, installed))
    return points, centres


def evolve(
    rng: random.Random, points: list[Point], centres: list[tuple[float, float]], period: Period
) -> list[Point]:
    """Six months of work: about 120 lanterns renewed to LED, a few new points, breakdowns."""
    renewed = set(rng.sample(range(len(points)), 120))
    result = []
    for index, point in enumerate(points):
        if index in renewed and point.lamp != "LED":
            power = rng.choice(POWERS["LED"][:4])
            point = replace(
                point,
                lamp="LED",
                power=power,
                lantern=f"Lanterne routière LED {power} W",
                installed=_random_day(rng, period.start, period.end),
            )
        roll = rng.random()
        state = "en service"
        if roll < 0.015:
            state = "en panne"
        elif roll < 0.03:
            state = "éteint (sobriété)"
        elif roll < 0.04 and point.lamp == "vapeur de mercure":
            state = "à remplacer"
        result.append(replace(point, state=state))
    for number in range(len(points) + 1, len(points) + 1 + rng.randint(6, 14)):
        day = _random_day(rng, period.start, period.end)
        result.append(_new_point(rng, number, centres, day, lamp="LED"))
    return result


# -- files --------------------------------------------------------------------------------------

INVENTORY = [
    "id_point",
    "type_support",
    "lanterne",
    "nombre_foyers",
    "type_lampe",
    "puissance_w",
    "date_pose",
    "id_armoire",
    "x",
    "y",
    "etat",
]
ENERGY = ["id_armoire", "pdl", "mois", "energie_kwh", "heures_fonctionnement", "source"]
INTERVENTIONS = [
    "id_intervention",
    "id_point",
    "date_signalement",
    "date_intervention",
    "type_intervention",
    "delai_jours",
    "cause",
]
CAUSES = [
    ("lampe hors d'usage", 0.34),
    ("défaut d'alimentation", 0.18),
    ("défaut d'appareillage", 0.16),
    ("vandalisme", 0.08),
    ("accident de circulation", 0.05),
    ("intempéries", 0.07),
    ("vieillissement", 0.09),
    ("autre", 0.03),
]


def to_csv(header: list[str], rows: list[list[object]], delimiter: str) -> bytes:
    """CSV bytes in UTF-8 with LF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def inventory_rows(points: list[Point]) -> list[list[object]]:
    """Rows of the inventory file."""
    return [
        [
            p.id,
            p.support,
            p.lantern,
            p.heads,
            p.lamp,
            p.power,
            p.installed.isoformat() if p.installed else "",
            p.cabinet,
            f"{p.x:.3f}",
            f"{p.y:.3f}",
            p.state,
        ]
        for p in points
    ]


def night_hours(period: Period) -> float:
    """Lighting hours over the period: long winter nights, less the 1 a.m.–5 a.m. switch-off."""
    # Hours of darkness per night, January to December, at latitude 47.6° N.
    night = [15.2, 13.9, 12.2, 10.4, 8.9, 8.1, 8.5, 9.8, 11.5, 13.2, 14.8, 15.6]
    days = (period.end - period.start).days + 1
    return days * (night[period.start.month - 1] - 4.0)


def energy_rows(
    rng: random.Random, points: list[Point], period: Period, pdl: list[str]
) -> list[list[object]]:
    """One row per cabinet: the power of its points times the lighting hours, with noise."""
    watts = [0.0] * CABINETS
    for point in points:
        if point.state == "en service":
            watts[int(point.cabinet[3:]) - 1] += point.power * point.heads * 1.1
    hours = night_hours(period)
    rows = []
    for index in range(CABINETS):
        measured = rng.random() < 0.88
        on = round(hours * rng.uniform(0.97, 1.03), 1)
        kwh = round(watts[index] * on / 1000 * (1 if measured else rng.uniform(0.9, 1.1)), 1)
        rows.append(
            [
                f"AR-{index + 1:03d}",
                pdl[index],
                f"{period.start:%Y-%m}",
                f"{kwh:.1f}",
                f"{on:.1f}",
                "relevé" if measured else "estimé",
            ]
        )
    return rows


def intervention_rows(
    rng: random.Random, points: list[Point], period: Period, counter: dict[int, int]
) -> list[list[object]]:
    """Between 20 and 60 interventions in the period (fewer in a short first month)."""
    days = (period.end - period.start).days + 1
    count = max(8, round(rng.randint(20, 60) * days / 31))
    rows = []
    for _ in range(count):
        reported = _random_day(rng, period.start, period.end)
        preventive = rng.random() < 0.3
        cause = (
            "maintenance programmée"
            if preventive
            else rng.choices([c for c, _ in CAUSES], [w for _, w in CAUSES])[0]
        )
        delay = 0 if preventive else rng.choices(range(11), [4, 8, 7, 5, 3, 2, 2, 1, 1, 1, 1])[0]
        done = reported + timedelta(days=delay)
        counter[reported.year] = counter.get(reported.year, 0) + 1
        ident = f"INT-{reported.year}-{counter[reported.year]:05d}"
        finished = done <= period.end
        rows.append(
            [
                ident,
                rng.choice(points).id,
                reported.isoformat(),
                done.isoformat() if finished else "",
                "préventif" if preventive else "correctif",
                delay if finished else "",
                cause,
            ]
        )
    return sorted(rows, key=lambda row: (row[2], row[0]))


PDF_CSS = """
@page { size: A4; margin: 2cm; @bottom-center { content: "Page " counter(page); font-size: 8pt; } }
body { font-family: "DejaVu Serif", serif; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 1.2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #999; padding: 2pt 6pt; }
"""


def pdf(title: str, body: str) -> bytes:
    """A small real PDF from French HTML, rendered by WeasyPrint."""
    # fontTools stamps the embedded font subsets with the current time unless this is set.
    os.environ["SOURCE_DATE_EPOCH"] = "1721001600"  # 2024-07-15, the contract start
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="author" content="{SENDER}"><style>{PDF_CSS}</style></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    return weasyprint.HTML(string=html).write_pdf()


def annual_report(year: int, points: list[Point], kwh: float, interventions: int) -> bytes:
    """The annual report of the concessionaire (article L3131-5)."""
    led = sum(p.lamp == "LED" for p in points)
    return pdf(
        f"Rapport annuel du délégataire — exercice {year}",
        f"<p>Concession du service public de l'éclairage public de la Commune de "
        f"Valmont-sur-Loire (contrat EP-2024-01). Rapport établi par {SENDER} en application "
        "de l'article L3131-5 du code de la commande publique.</p>"
        "<h2>1. Patrimoine</h2>"
        f"<p>Au 31 décembre {year}, le réseau compte {len(points)} points lumineux répartis sur "
        f"{CABINETS} armoires de commande, dont {led} équipés de sources LED "
        f"({100 * led / len(points):.0f} %).</p>"
        "<h2>2. Énergie</h2>"
        f"<p>Consommation de l'exercice : {kwh:,.0f} kWh".replace(",", " ")
        + ". L'extinction de 1 h à 5 h est appliquée sur l'ensemble de la commune.</p>"
        "<h2>3. Qualité du service</h2>"
        f"<p>{interventions} interventions ont été réalisées sur l'exercice. Les données "
        "détaillées sont transmises chaque mois à l'autorité concédante.</p>"
        "<h2>4. Comptes</h2><p>Le compte rendu financier figure en annexe (non reproduite dans "
        "ce jeu de démonstration).</p>",
    )


def reversibility_plan() -> bytes:
    """The reversibility plan due six months after the contract start."""
    return pdf(
        "Plan de réversibilité",
        "<p>Le présent plan décrit les conditions dans lesquelles Lumicité Exploitation SAS "
        "remettra à la Commune de Valmont-sur-Loire, ou au futur exploitant qu'elle désignera, "
        "les données, les outils et le savoir-faire nécessaires à la continuité du service.</p>"
        "<h2>1. Données remises</h2><table><tr><th>Jeu de données</th><th>Format</th></tr>"
        "<tr><td>Base patrimoniale (points, armoires, câbles)</td><td>Shapefile EPSG:2154</td>"
        "</tr><tr><td>Historique des interventions</td><td>CSV UTF-8</td></tr>"
        "<tr><td>Consommations d'énergie</td><td>CSV UTF-8</td></tr></table>"
        "<h2>2. Calendrier</h2><p>Un essai de restitution complète est conduit la troisième "
        "année du contrat ; la remise définitive intervient au plus tard soixante jours après "
        "la fin du contrat.</p><h2>3. Transfert de compétences</h2><p>Deux journées de "
        "formation des agents de la Commune sont prévues sur l'exploitation de la GMAO.</p>",
    )


# -- the deliveries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One entry of the manifest and the bytes of its file."""

    dataset: str
    period: Period
    received: datetime
    data: bytes
    ext: str


def at(day: date, hour: int, minute: int) -> datetime:
    """A Paris local time."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def received(rng: random.Random, period: Period, delay: int, late_by: int = 0) -> datetime:
    """On time (a few days before the due date) or ``late_by`` days after it."""
    due = period.end + timedelta(days=delay)
    day = due + timedelta(days=late_by) if late_by else due - timedelta(days=rng.randint(1, 8))
    # Offices send on working days: on time moves back to Friday, late forward to Monday.
    while day.weekday() >= 5:
        day += timedelta(days=1 if late_by else -1)
    return at(day, rng.randint(8, 17), rng.choice([0, 10, 15, 20, 30, 40, 45, 50]))


def break_x(data: bytes) -> bytes:
    """Three points exported in WGS 84 degrees instead of Lambert 93 metres."""
    lines = data.decode().split("\n")
    for index in (57, 58, 59):
        cells = lines[index].split(",")
        cells[8], cells[9] = "1.712", "47.589"
        lines[index] = ",".join(cells)
    return "\n".join(lines).encode()


def drop_column(data: bytes, name: str) -> bytes:
    """The file without one column (an export made with the wrong view)."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    drop = rows[0].index(name)
    return to_csv(
        [c for i, c in enumerate(rows[0]) if i != drop],
        [[c for i, c in enumerate(r) if i != drop] for r in rows[1:]],
        ",",
    )


def _replace_cell(
    data: bytes, delimiter: str, column: int, value: Callable[[str], str], rows: range
) -> bytes:
    lines = data.decode().split("\n")
    for index in rows:
        cells = lines[index].split(delimiter)
        cells[column] = value(cells[column])
        lines[index] = delimiter.join(cells)
    return "\n".join(lines).encode()


def build(rng: random.Random) -> list[Delivery]:
    """Every delivery of the demo, in the order the contract's calendar gives them."""
    points, centres = initial_network(rng)
    pdl = [f"{rng.randrange(10**13, 10**14)}" for _ in range(CABINETS)]
    deliveries: list[Delivery] = []
    snapshots: dict[str, list[Point]] = {}

    # Inventory, half-yearly, 30 days.
    for period in half_yearly():
        if period.end + timedelta(days=30) > CUTOFF:
            break
        points = evolve(rng, points, centres, period)
        snapshots[period.label] = points
        data = to_csv(INVENTORY, inventory_rows(points), ",")
        if period.label == "2025-S1":
            sent = received(rng, period, 30)
            deliveries.append(
                Delivery(
                    "inventaire_points_lumineux",
                    period,
                    sent - timedelta(days=7),
                    break_x(data),
                    "csv",
                )
            )
            deliveries.append(Delivery("inventaire_points_lumineux", period, sent, data, "csv"))
        elif period.label == "2025-S2":
            deliveries.append(
                Delivery(
                    "inventaire_points_lumineux",
                    period,
                    received(rng, period, 30, late_by=17),
                    data,
                    "csv",
                )
            )
        elif period.label == "2026-S1":
            deliveries.append(
                Delivery(
                    "inventaire_points_lumineux",
                    period,
                    received(rng, period, 30),
                    drop_column(data, "etat"),
                    "csv",
                )
            )
        else:
            deliveries.append(
                Delivery(
                    "inventaire_points_lumineux", period, received(rng, period, 30), data, "csv"
                )
            )

    def network_at(day: date) -> list[Point]:
        label = f"{day.year}-S{1 if day.month <= 6 else 2}"
        return snapshots.get(label, points)

    # Energy, monthly, 20 days.
    yearly_kwh: dict[int, float] = {}
    for period in monthly():
        if period.end + timedelta(days=20) > CUTOFF:
            break
        rows = energy_rows(rng, network_at(period.start), period, pdl)
        yearly_kwh[period.start.year] = yearly_kwh.get(period.start.year, 0) + sum(
            float(row[3]) for row in rows
        )
        data = to_csv(ENERGY, rows, ";")
        if period.label == "2025-11":
            continue  # never delivered
        if period.label == "2025-03":
            bad = _replace_cell(data, ";", 3, lambda _: "n.c.", range(12, 15))
            deliveries.append(
                Delivery("consommations_energie", period, received(rng, period, 20), bad, "csv")
            )
            deliveries.append(
                Delivery(
                    "consommations_energie",
                    period,
                    received(rng, period, 20, late_by=5),
                    data,
                    "csv",
                )
            )
        elif period.label == "2026-05":
            bad = _replace_cell(data, ";", 3, lambda v: v.replace(".", ","), range(1, 41))
            first = received(rng, period, 20)
            deliveries.append(Delivery("consommations_energie", period, first, bad, "csv"))
            deliveries.append(
                Delivery(
                    "consommations_energie", period, first + timedelta(days=2, hours=3), data, "csv"
                )
            )
        elif period.label == "2026-02":
            deliveries.append(
                Delivery(
                    "consommations_energie",
                    period,
                    received(rng, period, 20, late_by=13),
                    data,
                    "csv",
                )
            )
        else:
            deliveries.append(
                Delivery("consommations_energie", period, received(rng, period, 20), data, "csv")
            )

    # Interventions, monthly, 15 days.
    counter: dict[int, int] = {}
    yearly_interventions: dict[int, int] = {}
    for period in monthly():
        if period.end + timedelta(days=15) > CUTOFF:
            break
        rows = intervention_rows(rng, network_at(period.start), period, counter)
        year = period.start.year
        yearly_interventions[year] = yearly_interventions.get(year, 0) + len(rows)
        data = to_csv(INTERVENTIONS, rows, ",")
        if period.label in ("2024-12", "2025-08"):
            continue  # never delivered
        if period.label == "2025-10":
            duplicated = [*rows[:20], [rows[5][0], *rows[20][1:]], *rows[21:]]
            bad = to_csv(INTERVENTIONS, duplicated, ",")
            first = received(rng, period, 15, late_by=0)
            deliveries.append(Delivery("interventions", period, first, bad, "csv"))
            deliveries.append(
                Delivery("interventions", period, first + timedelta(days=3, hours=2), data, "csv")
            )
        elif period.label == "2026-01":
            deliveries.append(
                Delivery(
                    "interventions", period, received(rng, period, 15, late_by=27), data, "csv"
                )
            )
        else:
            deliveries.append(
                Delivery("interventions", period, received(rng, period, 15), data, "csv")
            )

    # Annual report, yearly, 150 days (before 1 June); reversibility plan, once.
    for period in yearly():
        if period.end + timedelta(days=150) > CUTOFF:
            break
        year = period.start.year
        data = annual_report(
            year, snapshots[f"{year}-S2"], yearly_kwh[year], yearly_interventions[year]
        )
        late = 20 if year == 2025 else 0
        deliveries.append(
            Delivery(
                "rapport_annuel", period, received(rng, period, 150, late_by=late), data, "pdf"
            )
        )
    plan = Period(START, date(2025, 1, 15), "unique")
    deliveries.append(
        Delivery(
            "plan_reversibilite", plan, at(date(2025, 3, 3), 11, 5), reversibility_plan(), "pdf"
        )
    )
    return deliveries


def write(deliveries: list[Delivery]) -> None:
    """Write the files and the manifest, numbering a period's second delivery ``-2``."""
    if OUT.exists():
        shutil.rmtree(OUT)
    seen: dict[tuple[str, str], int] = {}
    lines = [
        "# Livraisons reçues pour le contrat EP-2024-01 (généré par build.py, ne pas modifier).",
        "# Une entrée par fichier reçu ; une période absente n'a rien reçu.",
    ]
    for item in sorted(deliveries, key=lambda d: (d.dataset, d.period.start, d.received)):
        key = (item.dataset, item.period.label)
        seen[key] = seen.get(key, 0) + 1
        suffix = f"-{seen[key]}" if seen[key] > 1 else ""
        relative = f"livraisons/{item.dataset}/{item.period.label}{suffix}.{item.ext}"
        target = HERE / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data)
        lines += [
            f"- dataset: {item.dataset}",
            f"  period_start: {item.period.start.isoformat()}",
            f"  file: {relative}",
            f"  received_at: {item.received.isoformat()}",
            f"  sender: {SENDER}",
            "  sender_role: titulaire",
        ]
    MANIFEST.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Build the demo deliveries."""
    write(build(random.Random(20240715)))


if __name__ == "__main__":
    main()
