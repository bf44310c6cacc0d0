"""What the pages and the API share over HTTP: integer and date arguments (and integers in
routes, bounded), JSON bodies read without recursion errors, files sent back with a safe name,
an analysis report's PDF under this app's settings, the security headers of every response,
and the answer to an error — ``application/problem+json`` under ``/api/``, the French error
page elsewhere — registered by ``create_app``.

The faces (``web``, ``api``) import this module; it imports neither of them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, current_app, g, redirect, render_template, request
from flask.json.provider import DefaultJSONProvider
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from service.deliveries import pending
from service.documents.report import ReportPdf, analysis_report_pdf
from service.errors import (
    ClausierError,
    MalformedRequest,
    UploadsBusy,
    UploadsTooFrequent,
    ValidationsBusy,
    status_for,
)
from service.extensions import db_session, job_timeout, state
from service.french import today_in_paris
from service.settings import serve_workers
from service.slots import Slots

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
#: Largest integer a parameter may carry (PostgreSQL's integer).
INT_MAX = 2**31 - 1

TITLES = {
    400: "Requête invalide",
    404: "Introuvable",
    405: "Méthode non autorisée",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
}
DETAILS = {
    404: "Aucune ressource à cette adresse.",
    405: "Cette méthode n'est pas autorisée à cette adresse.",
    413: "Le contenu envoyé dépasse la taille maximale acceptée.",
    415: "Le type de contenu envoyé n'est pas pris en charge.",
}
#: A contract or one of its obligations: changed by an amendment, not by PUT, PATCH or DELETE.
AMENDED = re.compile(r"^/api/organisations/[^/]+/contracts/[^/]+(/obligations/[^/]+)?/?$")

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


# -- arguments ------------------------------------------------------------------------------


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 1, maximum: int = INT_MAX
) -> int | None:
    """An integer parameter (query string or form) within bounds; ``MalformedRequest`` (400)
    when it is not one."""
    raw = request.values.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise MalformedRequest(f"Le paramètre « {name} » doit être un nombre entier.") from None
    if value < minimum or value > maximum:
        raise MalformedRequest(f"Le paramètre « {name} » doit être entre {minimum} et {maximum}.")
    return value


def requested_day(name: str = "au") -> tuple[dt.date, str | None]:
    """The day asked for in the query string (today in Paris when absent), and a French
    message when what was asked cannot be read (today is used then)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return today_in_paris(), None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return today_in_paris(), f"Date « {raw} » illisible (AAAA-MM-JJ) : calcul à ce jour."


# -- files ----------------------------------------------------------------------------------


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A ``Content-Disposition`` value: an ASCII name for old clients and the full name in
    UTF-8 (RFC 6266), neither able to break out of the header."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = _UNSAFE.sub("_", plain).strip() or "fichier"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_response(
    content: bytes, media_type: str, filename: str, *, inline: bool = False
) -> Response:
    """A file, named for the browser (see :func:`content_disposition`)."""
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response


def analysis_report(analysis_id: int, organisation_id: int | None) -> ReportPdf:
    """An analysis report's PDF (the organisation's analysis: another's is a 404), or the
    background job making a long one, under this app's settings
    (``REPORT_BACKGROUND_PAGES``, ``JOB_TIMEOUT``) — for the page and the API alike."""
    clausier = state()
    return analysis_report_pdf(
        db_session(),
        analysis_id,
        organisation_id=organisation_id,
        db=clausier.db,
        runner=clausier.jobs,
        background_pages=current_app.config["REPORT_BACKGROUND_PAGES"],
        stale_after=job_timeout(),
    )


def admit_large_delivery(organisation_id: int) -> None:
    """Before a delivery upload's body is read: when the organisation already has
    ``DELIVERY_BACKGROUND_WAITING`` large deliveries waiting and this one, by its declared
    length, would wait too, refuse it at once (503, ``Retry-After``) — its body read to the end
    unparsed (so that the client reads the answer), neither spooled nor hashed."""
    config = current_app.config
    if request.content_length is None:  # sent in chunks: checked once read, as before
        return
    try:
        pending.check_room(
            db_session(),
            organisation_id,
            waiting_limit=config["DELIVERY_BACKGROUND_WAITING"],
            stale_after=job_timeout(),
            declared_bytes=request.content_length,
            background_bytes=config["DELIVERY_BACKGROUND_BYTES"],
        )
    except ValidationsBusy:
        drain_body()
        raise


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser."""
    return file_response(data, "application/pdf", filename, inline=True)


# -- errors ---------------------------------------------------------------------------------


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """Build an RFC 9457 ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)


#: Headers every response carries: no script, style or frame from elsewhere, no inline script
#: or style, no sniffing of content types, no address leaked to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class BoundedJSON(DefaultJSONProvider):
    """Flask's JSON, where a body nested deeper than Python can recurse is malformed JSON
    (400) rather than a ``RecursionError`` (500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON imbriqué trop profondément") from None


class BoundedInteger(IntegerConverter):
    """``<int:…>`` in a route, within the database's integer: a larger number matches no
    route (404) instead of overflowing a query (500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Answer every error in the language of the face that was asked; give every response
    its security headers and the session cookie its flags; bound integers in routes."""
    app.url_map.converters["int"] = BoundedInteger
    app.json = BoundedJSON(app)
    app.register_error_handler(ClausierError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.before_request(_take_upload_slot)
    app.teardown_request(_give_back_upload_slot)
    app.after_request(_secure)
    session_cookie(app)
    app.wsgi_app = TrustedProxies(app)  # type: ignore[method-assign]


class TrustedProxies:
    """The client's address, scheme and host as the ``TRUSTED_PROXIES`` reverse proxies in
    front of the app saw them (werkzeug's ``ProxyFix``), so that the sign-in limit counts
    each client, not the proxy; the headers are ignored without a trusted proxy (read at
    each request: the setting may change while the app runs, in tests)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.fixed: dict[int, ProxyFix] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        hops = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if hops <= 0:
            return self.wsgi_app(environ, start_response)
        fixed = self.fixed.get(hops)
        if fixed is None:
            fixed = self.fixed[hops] = ProxyFix(
                self.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
            )
        return fixed(environ, start_response)


def session_cookie(app: Flask) -> None:
    """The session cookie's flags: never read by a script (HttpOnly), not sent by another
    site's form or frame (SameSite=Lax), sent over HTTPS only when the app is served so
    (``SESSION_COOKIE_SECURE``: empty follows ``PREFERRED_URL_SCHEME``), and a lifetime
    (``SESSION_LIFETIME_HOURS``) after which one signs in again."""
    config = app.config
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    secure = config.get("SESSION_COOKIE_SECURE")
    if secure in (None, ""):
        secure = config.get("PREFERRED_URL_SCHEME") == "https"
    elif isinstance(secure, str):
        secure = secure.strip().lower() in {"1", "true", "yes", "on"}
    config["SESSION_COOKIE_SECURE"] = bool(secure)
    config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=int(config["SESSION_LIFETIME_HOURS"]))


#: A refused upload larger than this is not read to its end (its client sees the connection
#: close): no route accepts more.
DRAIN_AT_MOST = 256 * 1024 * 1024
#: Seconds an upload refused for want of a slot is told to wait.
UPLOAD_RETRY_SECONDS = 5


def upload_slots(app: Flask) -> Slots:
    """The instance's upload slots (``UPLOAD_SLOTS``; -1: half the workers of ``serve``)."""
    count = int(app.config.get("UPLOAD_SLOTS", -1))
    if count < 0:
        count = max(1, serve_workers(int(app.config.get("SERVE_WORKERS", 0))) // 2)
    return Slots(Path(app.config["CLAUSIER_DATA_DIR"]) / "slots", count)


def _take_upload_slot() -> None:
    """Hold one of the instance's upload slots for a multipart upload, or refuse it at once."""
    if request.method not in {"POST", "PUT"} or request.mimetype != "multipart/form-data":
        return
    slots = current_app.extensions.get("clausier_upload_slots")
    if slots is None:
        slots = current_app.extensions["clausier_upload_slots"] = upload_slots(current_app)
    _count_upload()
    held = slots.take()
    if held is None:
        drain_body()
        raise UploadsBusy(
            "Trop de dépôts de fichiers sont en cours : le vôtre n'a pas été lu. Renvoyez-le "
            f"dans {UPLOAD_RETRY_SECONDS} secondes.",
            retry_after=UPLOAD_RETRY_SECONDS,
        )
    g.upload_slot = held


#: What ``UPLOAD_RATE_LIMIT`` says for no limit.
NO_LIMIT = frozenset({"", "off", "0"})


class UploadRate:
    """``UPLOAD_RATE_LIMIT``: the uploads one client address may send, counted in Redis when
    ``REDIS_URL`` is set (shared by every process), else in this process's memory (each worker
    of ``clausier serve`` then counts apart). A storage that does not answer lets uploads
    through: the slots still bound them."""

    def __init__(self, limit: str, storage: str) -> None:
        off = limit.strip().lower() in NO_LIMIT
        self.items = [] if off else parse_many(limit)
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage))

    def wait(self, client: str) -> int | None:
        """Count one upload of ``client``: None if it is within every limit, else the seconds
        until it would be."""
        try:
            for item in self.items:
                if not self.strategy.hit(item, "clausier-upload", client):
                    stats = self.strategy.get_window_stats(item, "clausier-upload", client)
                    return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception:  # the storage (Redis) is down: the slots still hold
            log.warning("upload rate limit: storage unavailable", exc_info=True)
        return None


def _count_upload() -> None:
    """Refuse an upload beyond the client's ``UPLOAD_RATE_LIMIT``, before it is read."""
    config = current_app.config
    rate = current_app.extensions.get("clausier_upload_rate")
    if rate is None:
        storage = config.get("REDIS_URL") or "memory://"
        rate = UploadRate(str(config.get("UPLOAD_RATE_LIMIT") or ""), storage)
        current_app.extensions["clausier_upload_rate"] = rate
    wait = rate.wait(request.remote_addr or "")
    if wait is not None:
        drain_body()
        raise UploadsTooFrequent(
            "Trop de fichiers déposés depuis votre adresse en peu de temps : le dernier n'a pas "
            f"été lu. Renvoyez-le dans {wait} secondes.",
            retry_after=wait,
        )


def drain_body() -> None:
    """Read the refused upload's body to its end (without keeping it), so that the client,
    still sending, reads the answer rather than a reset connection. Behind a reverse proxy
    the body is already buffered: this costs a copy."""
    # The raw input: the app-wide size limit is not the route's (a delivery may be larger).
    stream, left = request.environ["wsgi.input"], request.content_length or 0
    if left > DRAIN_AT_MOST:
        return
    while left > 0 and (chunk := stream.read(min(left, 1 << 20))):
        left -= len(chunk)


def _give_back_upload_slot(_error: BaseException | None) -> None:
    held = g.pop("upload_slot", None)
    if held is not None:
        Slots.give_back(held)


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def is_api() -> bool:
    """Whether the request addresses the JSON API."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_page(status: int, title: str, detail: str) -> tuple[str, int]:
    """The French error page."""
    return render_template("error.html", status=status, title=title, detail=detail), status


def _domain_error(error: ClausierError) -> Response | tuple[str, int]:
    status = status_for(error)
    retry = error.extra.get("retry_after")
    if status == 401 and not is_api():  # a page: the sign-in page, back here afterwards
        path = request.full_path if request.query_string else request.path
        code = 302 if request.method in {"GET", "HEAD"} else 303
        return redirect(f"/connexion?{urlencode({'suivant': path})}", code)
    if not is_api():
        page, status = error_page(status, error.title, error.detail)
        headers = {"Retry-After": str(retry)} if retry is not None else {}
        return current_app.make_response((page, status, headers))
    response = problem(
        status,
        error.title,
        error.detail,
        errors=getattr(error, "errors", None) or None,
        **error.extra,
    )
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    if status == 401:  # RFC 9110: a 401 names the scheme that would do
        response.headers["WWW-Authenticate"] = 'Bearer realm="clausier"'
    return response


def _found_for_another_method(error: MethodNotAllowed) -> bool:
    """Whether the address exists for one of the methods werkzeug says are allowed: it also
    answers 405 when the rule of another method matched the path but its ``<int:…>`` was out
    of bounds — an address that exists for no method, hence a 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in error.valid_methods or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, MethodNotAllowed) and not _found_for_another_method(error):
        error = NotFound()
    status = error.code or 500
    title = TITLES.get(status, error.name)
    if not is_api():
        response = current_app.make_response(
            error_page(status, title, DETAILS.get(status, error.description or ""))
        )
    else:
        detail = DETAILS.get(status) if status in DETAILS else (error.description or error.name)
        if status == 405 and AMENDED.match(request.path):
            detail += (
                " Un contrat et ses obligations se changent par avenant, à compter d'une date :"
                " POST …/contracts/{référence}/amendments."
            )
        response = problem(status, title, detail)
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:  # RFC 9110: a 405 names the methods the address accepts
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response
