"""Full-text search of the clause library in French, with whoosh (the whoosh-reloaded fork).

The index is derived from the database: ``rebuild`` makes it anew, ``sync`` brings it up to
date with the versions changed since it last looked (every search starts with a sync, so
several processes each keeping their own index stay current). The analyzer gives the forms
of a French word one key, accents typed or not (``service.library.words``): "hébergées",
"hebergement" and "héberger" find the same clauses. The index records the version of the
analyzer that built it, and an index of another version is rebuilt before it is used.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker
from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.qparser import AndGroup, OrGroup, QueryParser
from whoosh.query import And, Or, Query, Term

from service.errors import FamilyNotFound, InvalidQuery, SearchError
from service.library.models import STATUSES, Clause, ClauseVersion, Family
from service.library.words import related_key, search_key

#: Versions changed this long before the last one seen are checked again at each sync, so a
#: transaction that committed late (another process) is not missed.
SYNC_MARGIN = dt.timedelta(seconds=10)
#: The grouping of the fallback query: any word, documents with more of them first.
ANY_WORD = OrGroup.factory(0.9)
#: Seconds to wait for the index's write lock held by another process.
WRITE_TIMEOUT = 30.0
#: Version of the analyzer: an index built by another one is rebuilt (1: fold, then stem;
#: 2: one key per word whatever its accents, ``search_key``; 3: verbs in -iser keep their
#: « -is- », a query looks up the related key).
ANALYZER_VERSION = 3
#: The file of the index directory that records the analyzer version that built it.
VERSION_FILE = "analyzer"


#: Snowball's French list misses these frequent words.
EXTRA_STOP_WORDS = frozenset({"les", "cet", "cette", "ceux", "celle", "celles", "dont", "lors"})


class FrenchKeyFilter(Filter):
    """Replace each word by its search key: its forms, accented or not, share one."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrenchKeyFilter)

    def __hash__(self) -> int:
        return hash(FrenchKeyFilter)

    def __call__(self, tokens: Any) -> Any:
        for token in tokens:
            token.text = search_key(token.text)
            yield token


def french_analyzer() -> Analyzer:
    """Tokenize, lowercase, drop French stop words, then key each word (``search_key``).

    The key depends on the word's folded spelling only, so a word typed without its
    accents ("penalites") finds the written one ("pénalités").
    """
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | StopFilter(stoplist=stopwords_for_language("fr") | EXTRA_STOP_WORDS)
        | FrenchKeyFilter()
    )


def make_schema() -> Schema:
    """The index schema: one document per clause version."""
    french = french_analyzer()
    return Schema(
        version_id=ID(stored=True, unique=True),
        clause_id=ID(stored=True, sortable=True),
        family=ID(stored=True),
        status=ID(stored=True),
        number=NUMERIC(stored=True),
        title=TEXT(analyzer=french, stored=True),
        legal_basis=TEXT(analyzer=french),
        # The default field: title, body and legal basis together, so that a query of
        # several words is one intersection of posting lists, not one per field.
        text=TEXT(analyzer=french, stored=True),
        updated=STORED(),
    )


@dataclass(frozen=True)
class Hit:
    """One search result: a clause version, its score and highlighted excerpts (HTML)."""

    clause_id: str
    number: int
    family: str
    status: str
    title: str
    score: float
    excerpt: str


@dataclass(frozen=True)
class SearchResults:
    """A page of results and the total number of matches."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    total_exact: bool = True


class SearchIndex:
    """The search index of one process, kept under ``directory``."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._index: Any = None
        self._watermark: dt.datetime | None = None
        self._signature: tuple[int, Any] | None = None
        self._open_searcher: Any = None
        self._parsers: dict[Any, QueryParser] = {}

    # -- building ----------------------------------------------------------------------

    def after_fork(self) -> None:
        """In a forked process: forget the parent's open files and locks, open anew when
        needed (a file descriptor shared across a fork shares its read position)."""
        self._lock = threading.Lock()
        self._index = None
        self._open_searcher = None
        self._parsers = {}

    def _open(self) -> Any:
        if self._index is None:
            if whoosh_index.exists_in(self.directory):
                self._index = whoosh_index.open_dir(self.directory)
            else:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._index = whoosh_index.create_in(self.directory, make_schema())
                self._save_version()
        return self._index

    def _outdated(self) -> bool:
        """Whether the index on disk was built by another analyzer (or before they had one)."""
        if self._index is not None or not whoosh_index.exists_in(self.directory):
            return False
        path = self.directory / VERSION_FILE
        return not path.is_file() or path.read_text().strip() != str(ANALYZER_VERSION)

    def _save_version(self) -> None:
        (self.directory / VERSION_FILE).write_text(str(ANALYZER_VERSION))

    def rebuild(self, session: Session) -> int:
        """Rebuild the whole index from the database; return the number of versions indexed."""
        with self._lock:
            return self._rebuild(session)

    def _rebuild(self, session: Session) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._open_searcher is not None:
            self._open_searcher.close()
            self._open_searcher = None
        self._parsers.clear()  # they hold the schema, and its analyzer, of the index replaced
        self._index = whoosh_index.create_in(self.directory, make_schema())
        rows = session.execute(_versions_query())
        count, newest = 0, None
        with self._index.writer(limitmb=256) as writer:
            for version, family in rows:
                writer.add_document(**_document(version, family))
                count += 1
                newest = max(newest or version.updated_at, version.updated_at)
        self._watermark = newest
        self._save_watermark()
        self._save_version()
        self._signature = _signature(session)
        return count

    def sync(self, session: Session) -> int:
        """Index the versions changed since the last sync; return how many were updated.

        A cheap signature of the table (row count, newest change) tells whether anything
        changed; only then are the recently changed versions compared with the index. An
        index left by another analyzer version is rebuilt (every version counts as updated).
        """
        with self._lock:
            if self._outdated():
                logger.info("search index built by another analyzer: rebuilding it")
                return self._rebuild(session)
            ix = self._open()
            signature = _signature(session)
            if signature == self._signature:
                return 0
            watermark = self._load_watermark()
            query = _versions_query()
            if watermark is not None:
                query = query.where(ClauseVersion.updated_at >= watermark - SYNC_MARGIN)
            rows = session.execute(query).all()
            with ix.searcher() as searcher:
                stale = [
                    (version, family)
                    for version, family in rows
                    if _stored_update(searcher, version.id) != version.updated_at.isoformat()
                ]
            if stale:
                # Another process sharing this directory may be writing: wait for it.
                with ix.writer(timeout=WRITE_TIMEOUT) as writer:
                    for version, family in stale:
                        writer.update_document(**_document(version, family))
                self._index = ix.refresh()
            newest = max((version.updated_at for version, _ in rows), default=None)
            if newest is not None and (watermark is None or newest > watermark):
                self._watermark = newest
                self._save_watermark()
            self._signature = signature
            return len(stale)

    def _load_watermark(self) -> dt.datetime | None:
        if self._watermark is None:
            path = self.directory / "watermark"
            if path.is_file():
                self._watermark = dt.datetime.fromisoformat(path.read_text().strip())
        return self._watermark

    def _save_watermark(self) -> None:
        if self._watermark is not None:
            (self.directory / "watermark").write_text(self._watermark.isoformat())

    # -- searching ---------------------------------------------------------------------

    def search(
        self,
        session: Session,
        text: str,
        *,
        family: str | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = 10,
        all_versions: bool = False,
    ) -> SearchResults:
        """Search the library; by default one result per clause, its best-ranked version.

        Words are all required; when no version has them all, any of them will do. The
        total is exact when every match was collected, else an estimate (``total_exact``).
        """
        if not text or not text.strip():
            raise InvalidQuery("La recherche est vide : saisissez un ou plusieurs mots.")
        if status is not None and status not in STATUSES:
            raise InvalidQuery(f"Statut inconnu « {status} » (draft, approved ou retired).")
        if family is not None and session.get(Family, family) is None:
            raise FamilyNotFound(f"La famille « {family} » n'existe pas.")
        self.sync(session)
        terms = [
            Term(name, value) for name, value in (("family", family), ("status", status)) if value
        ]
        restrict = And(terms) if terms else None
        with self._lock:
            searcher = self._searcher()
            found = self._collect(
                searcher, self._parse(text, AndGroup), restrict, page, per_page, all_versions
            )
            if found.total == 0 and len(text.split()) > 1:
                found = self._collect(
                    searcher,
                    self._parse(text, ANY_WORD),
                    restrict,
                    page,
                    per_page,
                    all_versions,
                )
        return SearchResults(text, found.total, page, per_page, found.hits, found.total_exact)

    def _searcher(self) -> Any:
        """The searcher kept open between searches, reopened when the index changed."""
        if self._open_searcher is None:
            self._open_searcher = self._open().searcher()
        else:
            self._open_searcher = self._open_searcher.refresh()
        return self._open_searcher

    def _parse(self, text: str, group: Any) -> Query:
        # A parser is built once per grouping: building one costs as much as parsing.
        parser = self._parsers.get(group)
        if parser is None:
            parser = self._parsers[group] = QueryParser("text", self._open().schema, group=group)
        try:
            return parser.parse(text).accept(_with_related_keys)
        except Exception as error:  # whoosh raises several kinds on odd syntax
            raise InvalidQuery(f"Recherche incompréhensible : {text!r}.") from error

    def _collect(
        self,
        searcher: Any,
        query: Query,
        restrict: Query | None,
        page: int,
        per_page: int,
        all_versions: bool,
    ) -> SearchResults:
        """Collect one page of hits, one per clause unless ``all_versions``.

        whoosh's own collapsing scores every match; taking the top versions with its fast
        top-N collector and keeping the best version of each clause here is much cheaper.
        """
        if searcher.doc_count() == 0:  # an empty index has no columns to read
            return SearchResults("", 0, page, per_page, [], True)
        wanted = page * per_page
        limit = wanted if all_versions else wanted * 4
        clause_of = searcher.reader().column_reader("clause_id")
        while True:
            try:
                results = searcher.search(query, limit=limit, filter=restrict)
            except Exception as error:
                raise SearchError("L'index de recherche n'a pas pu répondre.") from error
            exhausted = results.scored_length() < limit
            best: dict[Any, Any] = {}
            for hit in results:
                # The clause id comes from its column: no stored document is read for
                # the versions that will not be shown.
                key = hit.docnum if all_versions else clause_of[hit.docnum]
                best.setdefault(key, hit)
            if len(best) >= wanted or exhausted:
                break
            limit *= 4
        chosen = list(best.values())[(page - 1) * per_page : wanted]
        stems = {text for field, text in query.all_terms() if field == "text"}
        hits = [
            Hit(
                clause_id=hit["clause_id"],
                number=hit["number"],
                family=hit["family"],
                status=hit["status"],
                title=hit["title"],
                score=round(hit.score, 4),
                excerpt=excerpt(hit["text"], stems),
            )
            for hit in chosen
        ]
        if exhausted:
            return SearchResults("", len(best), page, per_page, hits, True)
        return SearchResults(
            "", max(results.estimated_length(), len(best)), page, per_page, hits, False
        )


logger = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")
_ANALYZER = french_analyzer()


#: The weight of a word's related key (``words.related_key``) against its own.
RELATED_WEIGHT = 0.4


def _with_related_keys(node: Query) -> Query:
    """A word of the text also looked up under its related key, at a lower weight."""
    if isinstance(node, Term) and node.fieldname in ("text", "title"):
        related = related_key(node.text) if isinstance(node.text, str) else None
        if related:
            return Or([node, Term(node.fieldname, related, boost=RELATED_WEIGHT)])
    return node


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str | None:
    """The indexed form of one word (None for a stop word), as the analyzer gives it."""
    return next((token.text for token in _ANALYZER(word.lower())), None)


def excerpt(text: str, stems: set[str], width: int = 240) -> str:
    """Return an HTML excerpt of ``text`` around the densest run of query words, in <mark>.

    Words are matched on their indexed form, so "penalite" marks "pénalités". Faster than
    whoosh's highlighter, which analyses the whole text again or needs positions stored.
    """
    # Distinct words first (a few hundred), then only the matching ones are located.
    matching = {word for word in set(_WORD.findall(text)) if _stem(word) in stems}
    found = []
    if matching:
        alternatives = "|".join(map(re.escape, sorted(matching, key=len, reverse=True)))
        found = list(re.finditer(rf"\b(?:{alternatives})\b", text))
    if not found:
        cut = text[:width]
        return str(escape(cut)) + ("…" if len(text) > width else "")
    best, best_count, last = 0, 0, 0
    for first, match in enumerate(found):  # the window holding the most matches
        while last < len(found) and found[last].end() - match.start() <= width:
            last += 1
        if last - first > best_count:
            best, best_count = first, last - first
    start = max(0, found[best].start() - width // 3)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + width)
    end = text.find(" ", end) if text.find(" ", end) != -1 else len(text)
    parts, cursor = ["…" if start else ""], start
    for match in found:
        if start <= match.start() and match.end() <= end:
            parts.append(str(escape(text[cursor : match.start()])))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            cursor = match.end()
    parts.append(str(escape(text[cursor:end])) + ("…" if end < len(text) else ""))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _versions_query() -> Any:
    return (
        select(ClauseVersion, Family.id)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .join(Family, Family.id == Clause.family_id)
        .order_by(ClauseVersion.id)
    )


_MARKUP = re.compile(r"\*\*|__|`|^#+\s*|^>\s*", re.M)


def plain_text(markdown: str) -> str:
    """Markdown without its emphasis, heading and quote marks, for excerpts that read well."""
    return _MARKUP.sub("", markdown)


def _signature(session: Session) -> tuple[int, Any]:
    """Newest id and newest change of the versions: moves whenever the library does.

    Versions are never deleted, so a new one raises the highest id; a change raises the
    newest ``updated_at``. Both are read from an index, in constant time.
    """
    newest_id = select(func.max(ClauseVersion.id)).scalar_subquery()
    newest_change = select(func.max(ClauseVersion.updated_at)).scalar_subquery()
    return tuple(session.execute(select(newest_id, newest_change)).one())


def _document(version: ClauseVersion, family: str) -> dict[str, Any]:
    return {
        "version_id": str(version.id),
        "clause_id": version.clause_id,
        "family": family,
        "status": version.status,
        "number": version.number,
        "title": version.title,
        "legal_basis": "\n".join(version.legal_basis),
        "text": plain_text("\n\n".join([version.title, version.body, *version.legal_basis])),
        "updated": version.updated_at.isoformat(),
    }


def _stored_update(searcher: Any, version_id: int) -> str | None:
    document = searcher.document(version_id=str(version_id))
    return document["updated"] if document else None


def keep_in_sync(sessions: sessionmaker[Session], search_index: SearchIndex) -> None:
    """Update the index after each commit that changed the library, without a rebuild."""

    @event.listens_for(sessions, "after_flush")
    def _note_change(session: Session, _context: Any) -> None:
        touched = list(session.new) + list(session.dirty)
        if any(isinstance(obj, (ClauseVersion, Family)) for obj in touched):
            session.info["library_changed"] = True

    @event.listens_for(sessions, "after_commit")
    def _sync(session: Session) -> None:
        if session.info.pop("library_changed", False):
            try:
                with sessions() as fresh:
                    search_index.sync(fresh)
            except Exception:  # the change is committed; the next search syncs again
                logger.exception("search index not updated after a library change")

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop("library_changed", None)
