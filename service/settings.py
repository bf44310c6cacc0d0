"""Every setting of Clausier, declared once with its default and its help text.

Settings come, in order of precedence (last wins): the defaults below, the environment variable
of the same name, the instance settings file named by ``CLAUSIER_SETTINGS`` (a Python file of
``NAME = value`` lines), and the overrides given to ``create_app`` (tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The project root: ``clauses/`` and ``templates/`` live beside the ``service`` package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


#: The secret a development checkout runs with; never a production one.
DEVELOPMENT_SECRET = "dev-only-change-me"


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default value and what it is for."""

    name: str
    default: Any
    help: str

    def from_environ(self) -> Any:
        """Return the value of the environment variable of the same name, typed like the default."""
        raw = os.environ.get(self.name)
        if raw is None or raw == "":
            return self.default
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CLAUSIER_DATA_DIR",
        str(PROJECT_ROOT / "instance"),
        "Directory holding the SQLite database, the search index and stored files.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL of the database; empty means a SQLite file `clausier.sqlite3` in the "
        "data directory. PostgreSQL: `postgresql+psycopg://user@host:5432/name`.",
    ),
    Setting(
        "DATABASE_OWNER_URL",
        "",
        "PostgreSQL only: URL of the role that owns the schema, which `clausier db upgrade` "
        "migrates with; it then creates or updates the role of DATABASE_URL (user name and "
        "password of that URL) with SELECT/INSERT and only the UPDATE/DELETE it needs. Empty: "
        "migrations run as DATABASE_URL's role and no role is touched.",
    ),
    Setting(
        "SEARCH_INDEX_DIR",
        "",
        "Directory of the full-text search index; empty means `index/` in the data directory. "
        "Each process may keep its own: the index is derived from the database.",
    ),
    Setting(
        "LIBRARY_DIR",
        str(PROJECT_ROOT / "clauses"),
        "The reference clause library imported by `clausier demo`.",
    ),
    Setting(
        "DEMO_CONTRACTS_DIR",
        str(PROJECT_ROOT / "contracts"),
        "Sample contract drafts analysed by `clausier demo`.",
    ),
    Setting(
        "SECRET_KEY",
        DEVELOPMENT_SECRET,
        "Key signing the session cookie; `clausier serve` refuses the development value unless "
        "given `--development`.",
    ),
    Setting(
        "PREFERRED_URL_SCHEME",
        "http",
        "Scheme of the addresses the app is reached at: `https` behind a TLS reverse proxy "
        "(it also makes the session cookie Secure, see SESSION_COOKIE_SECURE).",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        "",
        "Whether the session cookie is sent over HTTPS only (`true`/`false`); empty: true when "
        "PREFERRED_URL_SCHEME is `https`. The cookie is always HttpOnly and SameSite=Lax.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Number of reverse proxies in front of the app whose `X-Forwarded-For`, `-Proto`, "
        "`-Host` and `-Prefix` headers are believed (1 behind one nginx). 0: the headers are "
        "ignored, as anyone can send them; behind a proxy, every client would then share its "
        "address and the sign-in limit.",
    ),
    Setting(
        "SESSION_LIFETIME_HOURS",
        12,
        "Hours a signed-in session lasts before one signs in again.",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        20 * 1024 * 1024,
        "Largest accepted request body, in bytes; larger requests get HTTP 413.",
    ),
    Setting(
        "DELIVERY_MAX_BYTES",
        200 * 1024 * 1024,
        "Largest delivery upload, in bytes (it replaces MAX_CONTENT_LENGTH for deliveries); "
        "larger uploads get HTTP 413 before being read.",
    ),
    Setting(
        "DELIVERY_BACKGROUND_BYTES",
        2 * 1024 * 1024,
        "Size in bytes above which a delivery is stored at once and validated by a background "
        "job (its page shows the progress, then the verdict) rather than within the upload "
        "request; about 1 s of validation for a CSV, 15 to 20 s for a workbook.",
    ),
    Setting(
        "DELIVERY_BACKGROUND_WAITING",
        4,
        "Most deliveries of one organisation waiting for or in their background validation at "
        "once; beyond, a large upload is answered 503 with Retry-After before it is stored.",
    ),
    Setting(
        "DELIVERY_VALIDATIONS",
        1,
        "Background validations of large deliveries run at once on the machine, across the "
        "server's workers and the `clausier worker` processes sharing the data directory (a "
        "lock file per place under `validations/`); the others wait, queued (their page says "
        "« En attente »), and are run in order of arrival. 0: no bound.",
    ),
    Setting(
        "DELIVERY_VALIDATION_MEMORY_MB",
        768,
        "Memory in MB one background validation may take (the address space of its child "
        "process, beyond what it inherits); a file needing more is refused as too heavy, the "
        "file kept. A CSV is streamed (the benchmark's 30 MB file takes about 6 MB); what grows "
        "is the index of a Table Schema's primary key, about 230 bytes a row, so the largest "
        "CSV allowed (200 MB, some 2.5 million rows) needs about 600 MB.",
    ),
    Setting("PAGE_SIZE", 20, "Default number of items per page in lists."),
    Setting("MAX_PAGE_SIZE", 100, "Largest number of items per page a client may ask for."),
    Setting(
        "REDIS_URL",
        "",
        "Redis URL of the RQ queue background jobs go to, run by `clausier worker`; empty means "
        "jobs run in a small pool of threads of the web process.",
    ),
    Setting(
        "SIGNIN_RATE_LIMIT",
        "30 per minute; 300 per hour",
        "Requests per client address on the sign-in and password-change forms (flask-limiter "
        "notation), on top of the per-account delay and lock-out; counted in Redis when "
        "REDIS_URL is set, else in each process's memory.",
    ),
    Setting("JOB_QUEUE", "clausier", "Name of the RQ queue of background jobs (with REDIS_URL)."),
    Setting(
        "JOB_TIMEOUT",
        3600,
        "Seconds after which a background job still queued or running is taken as abandoned "
        "(failed; asking for it again restarts it); also the RQ time limit of a job.",
    ),
    Setting(
        "REPORT_BACKGROUND_PAGES",
        15,
        "Estimated page count above which an analysis report PDF is made in the background "
        "(a job page shows its progress) rather than within the request; at about 0.13 s a "
        "page, 15 pages hold a request for about 2 s.",
    ),
    Setting(
        "SERVE_WORKERS",
        0,
        "Processes of `clausier serve` (gunicorn); 0: two per core of the machine.",
    ),
    Setting(
        "SERVE_TIMEOUT",
        120,
        "Seconds a request may take before `clausier serve` restarts its worker.",
    ),
    Setting(
        "UPLOAD_SLOTS",
        -1,
        "Uploads (analyses, deliveries, templates) served at once across the workers; another "
        "is answered 503 with Retry-After at once, so that reads keep workers. -1: half the "
        "workers of `clausier serve` (at least 1); 0: no bound.",
    ),
    Setting(
        "UPLOAD_RATE_LIMIT",
        "60 per minute",
        "Uploads (analyses, deliveries, templates) per client address, beyond which one is "
        "answered 429 with Retry-After before it is read (flask-limiter notation; off: no "
        "limit); counted in Redis when REDIS_URL is set, else in each process's memory.",
    ),
    Setting(
        "SERVE_MAX_REQUESTS",
        20000,
        "Requests after which a worker of `clausier serve` is replaced (0: never), so that "
        "memory cannot creep.",
    ),
    Setting(
        "OIDC_ISSUER",
        "",
        "Issuer URL of the OpenID provider agents sign in with (ProConnect, a commune's own); "
        "its discovery document is read from `<issuer>/.well-known/openid-configuration`. "
        "Empty: no sign-in by OpenID Connect.",
    ),
    Setting(
        "OIDC_CLIENT_ID", "", "Client identifier Clausier is registered under at the provider."
    ),
    Setting("OIDC_CLIENT_SECRET", "", "Client secret given by the provider with the identifier."),
    Setting(
        "OIDC_SIRET_CLAIM",
        "siret",
        "Claim naming the SIRET of the agent's establishment (ProConnect's `siret`), which "
        "chooses the organisation the agent acts in.",
    ),
    Setting(
        "OIDC_TRUST_EMAIL",
        False,
        "Take the provider's `email` as verified when it sends no `email_verified` (ProConnect "
        "sends none: the agents' professional addresses are checked upstream); an explicit "
        "`email_verified: false` is never trusted.",
    ),
    Setting("OIDC_LABEL", "ProConnect", "Name of the provider on the sign-in button."),
    Setting(
        "OIDC_SCOPES",
        "openid email given_name usual_name siret",
        "Scopes asked of the provider, separated by spaces (`openid` among them).",
    ),
    Setting(
        "ACCESSIBILITY_CONTACT",
        "l'administrateur de Clausier dans votre organisation",
        "Whom the accessibility statement (`/accessibilite`) tells readers to write to about an "
        "accessibility defect: an e-mail address (shown as a mailto link), a web address (a "
        "contact form), or words.",
    ),
    Setting(
        "CLAUSIER_SETTINGS",
        "",
        "Path of an instance settings file (Python `NAME = value` lines) read after the "
        "environment.",
    ),
)


def defaults() -> dict[str, Any]:
    """Return every setting at its default value, overridden by the environment."""
    return {setting.name: setting.from_environ() for setting in SETTINGS}


def resolve_paths(config: dict[str, Any]) -> None:
    """Fill the settings derived from the data directory when they were left empty."""
    data_dir = Path(config["CLAUSIER_DATA_DIR"])
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{data_dir / 'clausier.sqlite3'}"
    if not config.get("SEARCH_INDEX_DIR"):
        config["SEARCH_INDEX_DIR"] = str(data_dir / "index")


def serve_workers(configured: int) -> int:
    """The worker processes of `clausier serve`: the setting, or two per core."""
    return configured if configured > 0 else 2 * (os.cpu_count() or 1)
