"""Check the labels of the corpus against the sources, and show the evidence to review by eye.

Run from the repository root:

  .venv/bin/python contracts/check_labels.py            consistency checks and verdict counts
  .venv/bin/python contracts/check_labels.py --show     plus, per document and family, the
                                                        sections whose text has the family's
                                                        signals or hints (what to read to confirm
                                                        a label), flagged when labelled missing
  .venv/bin/python contracts/check_labels.py --pages    plus a page count estimate per document

Checks made on the variants: every wording used exists, fits the contract type, and states all
essential elements if used as present, misses at least one if used as weak; families a wording
touches are not labelled missing; no two wordings in a document contradict each other outside
the family under test (e.g. a réversibilité clause refusing restitution next to a personal-data
clause that returns the data).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build


def family_terms() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per family: its signals, and its signals plus the hints of its elements."""
    signals, terms = {}, {}
    for fid in build.FAMILY_IDS:
        data = yaml.safe_load((build.FAMILIES_DIR / fid / "family.yaml").read_text("utf-8"))
        words = set(data.get("signals") or [])
        signals[fid] = sorted(words)
        for e in data["elements"]:
            words.update(e.get("hints") or [])
        # very short or generic hints match everywhere; keep the distinctive ones
        terms[fid] = sorted(w for w in words if len(w) > 5)
    return signals, terms


def sections(doc: build.Doc) -> list[tuple[str, str]]:
    """(heading, final text) per level-1 article, tracked deletions and contents left out."""
    out: list[tuple[str, list[str]]] = []
    current = ("(début)", [])
    out.append(current)
    style = doc.meta["numbering"]
    for b in doc.blocks:
        if b.track == "del" or b.kind in ("toc", "pagebreak"):
            continue
        if b.kind == "heading" and b.level == 1:
            current = (build.typed_heading(b, style), [])
            out.append(current)
            continue
        if b.kind == "heading":
            current[1].append(b.text)
        elif b.kind == "para":
            current[1].append(build.final_text(b.runs))
        elif b.kind in ("bullets", "numbers"):
            current[1].extend(build.final_text(i) for i in b.items)
        elif b.kind == "table":
            current[1].extend(" | ".join(r) for r in b.rows)
        elif b.kind == "textbox":
            current[1].extend(build.final_text(r) for r in b.paras)
    return [(h, "\n".join(t)) for h, t in out if t]


CONFLICTS = [
    # (family contradicted, other family, element the other wording must not state, why)
    ("reversibilite", "rgpd", "sort_donnees", "restitution refused but personal data returned"),
    ("hebergement", "rgpd", "localisation", "hosting anywhere but personal data kept in the EU"),
    (
        "donnees_publiques",
        "propriete_intellectuelle",
        "bases_de_donnees",
        "data owned by the titulaire but database rights given to the buyer",
    ),
    ("cybersecurite", "hebergement", "audit", "audits refused in one clause, granted in another"),
    ("cybersecurite", "rgpd", "audit", "audits refused in one clause, granted in another"),
]


def check_variants(families: dict) -> list[str]:
    errors: list[str] = []
    wordings = build.load_wordings()
    specs = yaml.safe_load((build.SOURCES / "variants.yaml").read_text("utf-8"))
    used: Counter = Counter()
    for spec in specs:
        chosen: dict[str, dict] = {}
        labels: dict[str, str] = {}
        for fid in build.FAMILY_IDS:
            slot = spec["families"].get(fid)
            if isinstance(slot, str):
                slot = {"wording": slot}
            if slot and "wording" in slot:
                w = wordings[slot["wording"]]
                used[w["id"]] += 1
                if w["family"] != fid:
                    errors.append(f"{spec['id']}: {w['id']} used for {fid}")
                if w.get("only") and spec["contract_type"] not in w["only"]:
                    errors.append(f"{spec['id']}: {w['id']} only fits {w['only']}")
                ess = set(families[fid]["essential"])
                stated = set(w["elements"])
                unknown = stated - set(families[fid]["elements"])
                if unknown:
                    errors.append(f"{w['id']}: unknown elements {sorted(unknown)}")
                if w["verdict"] == "present" and not ess <= stated:
                    errors.append(f"{w['id']}: present but misses {sorted(ess - stated)}")
                if w["verdict"] == "weak" and ess <= stated:
                    errors.append(f"{w['id']}: weak but states every essential element")
                if slot.get("track") == "del":
                    labels[fid] = "missing"
                else:
                    chosen[fid] = w
                    labels[fid] = "missing" if w["verdict"] == "mention" else w["verdict"]
            else:
                labels[fid] = "missing"
        for w in chosen.values():
            for other in w.get("touches") or []:
                if labels[other] == "missing":
                    errors.append(f"{spec['id']}: {w['id']} touches {other}, labelled missing")
        for fam, other, element, why in CONFLICTS:
            if (
                labels[fam] == "contradicted"
                and other in chosen
                and element in chosen[other]["elements"]
            ):
                errors.append(f"{spec['id']}: {chosen[other]['id']} vs {fam}: {why}")
        if labels["donnees_publiques"] == "contradicted" and labels["open_data"] in (
            "present",
            "weak",
        ):
            errors.append(f"{spec['id']}: open data of data owned by the titulaire")
        if (
            "rgpd" in chosen
            and chosen["rgpd"]["id"] == "rgpd-c1"
            and "hebergement" in chosen
            and "sous_hebergeurs" in chosen["hebergement"]["elements"]
        ):
            errors.append(f"{spec['id']}: free sub-processors next to approved sub-hosts")
    for wid, w in wordings.items():
        if w["verdict"] != "mention" and not used[wid]:
            errors.append(f"wording {wid} is never used")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the evidence per family")
    parser.add_argument("--doc", help="only this document id (with --show)")
    parser.add_argument("--pages", action="store_true", help="estimate page counts")
    args = parser.parse_args(argv)

    families = build.load_families()
    docs, entries = build.build_all()
    errors = check_variants(families)

    counts: dict[str, Counter] = defaultdict(Counter)
    for e in entries:
        for fid, v in e["families"].items():
            counts[fid][v] += 1
    print(f"{len(entries)} documents")
    print(f"{'family':28} present weak missing contradicted")
    for fid in build.FAMILY_IDS:
        c = counts[fid]
        print(f"{fid:28} {c['present']:7} {c['weak']:4} {c['missing']:7} {c['contradicted']:12}")
        if c["present"] < 6 or c["weak"] < 5 or c["missing"] < 8 or c["contradicted"] < 2:
            errors.append(f"{fid}: too few of some verdict {dict(c)}")
    formats = Counter(Path(e["file"]).suffix for e in entries)
    print("formats:", dict(formats))
    print("contract types:", dict(Counter(str(e["contract_type"]) for e in entries)))

    if args.show:
        signals, terms = family_terms()
        for doc, entry in zip(docs, entries, strict=True):
            if args.doc and doc.meta["id"] != args.doc:
                continue
            print(f"\n=== {entry['file']}")
            secs = sections(doc)
            for fid in build.FAMILY_IDS:
                verdict = entry["families"][fid]
                extra = entry["missing_elements"].get(fid, "")
                print(f"  -- {fid}: {verdict} {extra}")
                # for a missing family only its signals are shown (hints are too generic)
                words = signals[fid] if verdict == "missing" else terms[fid]
                for head, text in secs:
                    low = text.lower()
                    hits = [t for t in words if re.search(r"\b" + re.escape(t), low)]
                    if hits:
                        flag = "  !!" if verdict == "missing" else "    "
                        print(f"{flag}  {head[:60]:60} {', '.join(hits[:6])}")

    if args.pages:
        import weasyprint

        for doc, entry in zip(docs, entries, strict=True):
            if entry["file"].endswith(".pdf"):
                from pypdf import PdfReader

                n = len(PdfReader(build.ROOT / entry["file"]).pages)
            else:
                html = build.doc_html(doc).replace("10.5pt", "11pt")
                n = len(weasyprint.HTML(string=html).render().pages)
            print(f"{n:3} pages  {entry['file']}")

    for err in errors:
        print("ERROR", err)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
