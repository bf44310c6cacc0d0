"""Schema migrations with Alembic, and on PostgreSQL the role the application connects as.

Migrations run on the engine they are given: the application's own (one URL, the default), or
the owner's (``DATABASE_OWNER_URL``), in which case ``grant_app_role`` then gives the role of
``DATABASE_URL`` the least it needs (see ``clausier db upgrade``).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, bindparam, make_url, text

from service.errors import DatabaseRoleRefused


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration bound to the migrations shipped in ``service``."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """Return the newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


#: The trigger functions of the append-only tables (deliveries, ticks and amendments since
#: migration 0004; the accounts' audit log, migration 0008): a table one of them guards is never
#: updated nor deleted from, so the application's role is granted neither.
KEPT_FUNCTIONS = ("clausier_kept_record", "clausier_audit_kept")
#: Tables the application only reads and adds to, beside the append-only ones: a stored file is
#: named by its SHA-256, so its bytes never change; the schema revision is the owner's.
INSERT_ONLY = ("stored_file",)
READ_ONLY = ("alembic_version",)


def grant_app_role(engine: Engine, app_url: str) -> str:
    """Create or update the role the application connects as (PostgreSQL), from the user name
    and password of ``app_url``, with the least it needs on the tables ``engine`` (the owner's)
    has migrated; return the role's name.

    The role logs in and is nothing else (no superuser, no role or database creation, no
    replication, no row-security bypass): it cannot set ``session_replication_role``, and
    owning no table it can neither alter nor truncate one. An owner without CREATEROLE may
    use a role an administrator made beforehand: it is then checked, not altered.

    On every table of the schema the role gets SELECT and INSERT; UPDATE and DELETE on all
    but the append-only tables (those guarded by a ``KEPT_FUNCTIONS`` trigger), ``stored_file`` and
    ``alembic_version`` (read only); USAGE and SELECT on the sequences. Privileges are revoked
    then granted again in one transaction, so a table that became append-only loses its UPDATE
    at the next ``clausier db upgrade``.
    """
    url = make_url(app_url)
    owner = engine.url
    if engine.dialect.name != "postgresql" or url.get_backend_name() != "postgresql":
        raise DatabaseRoleRefused(
            "Un rôle applicatif distinct n'existe que sur PostgreSQL : avec SQLite, les droits"
            " du fichier de la base sont la seule frontière."
        )
    if not url.username or url.username == owner.username:
        raise DatabaseRoleRefused(
            "DATABASE_URL doit nommer un rôle applicatif distinct du propriétaire du schéma"
            f" (DATABASE_OWNER_URL) : « {url.username or 'aucun'} »."
        )
    with engine.begin() as connection:
        sql = import_module(f"{connection.dialect.dbapi.__name__}.sql")  # psycopg or psycopg2
        cursor = connection.connection.cursor()

        def run(statement: str, *names: str, password: str | None = None) -> None:
            parts = {f"n{i}": sql.Identifier(name) for i, name in enumerate(names)}
            if password is not None:
                parts["password"] = sql.Literal(password)
            cursor.execute(sql.SQL(statement).format(**parts))

        role = url.username
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        may_alter = connection.execute(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).scalar_one()
        attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        password = " PASSWORD {password}" if url.password is not None else ""
        if not exists or may_alter:  # else: made beforehand by an administrator, checked below
            try:
                run(
                    f"{'ALTER' if exists else 'CREATE'} ROLE {{n0}} {attributes}{password}",
                    role,
                    password=url.password,
                )
            except connection.dialect.dbapi.Error as error:
                raise DatabaseRoleRefused(
                    f"Le rôle « {role} » ne peut pas être créé ou modifié par le propriétaire"
                    f" « {owner.username} » (il lui faut CREATEROLE) : {error}"
                ) from error
        powers = connection.execute(
            text(
                "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls"
                " FROM pg_roles WHERE rolname = :role"
            ),
            {"role": role},
        ).scalar_one()
        if powers:
            raise DatabaseRoleRefused(
                f"Le rôle applicatif « {role} » a des pouvoirs d'administration (superutilisateur,"
                " création de rôles ou de bases, réplication ou contournement de la sécurité des"
                " lignes) : retirez-les."
            )
        _refuse_owner_powers(connection, role, schema)
        tables = (
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :schema ORDER BY 1"),
                {"schema": schema},
            )
            .scalars()
            .all()
        )
        kept = set(
            connection.execute(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t"
                    " JOIN pg_proc p ON p.oid = t.tgfoid"
                    " JOIN pg_class c ON c.oid = t.tgrelid"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE p.proname IN :functions AND n.nspname = :schema"
                ).bindparams(bindparam("functions", expanding=True)),
                {"functions": list(KEPT_FUNCTIONS), "schema": schema},
            ).scalars()
        )
        run("REVOKE ALL ON ALL TABLES IN SCHEMA {n0} FROM {n1}", schema, role)
        run("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {n0} FROM {n1}", schema, role)
        run("REVOKE CREATE ON SCHEMA {n0} FROM {n1}", schema, role)
        run("GRANT USAGE ON SCHEMA {n0} TO {n1}", schema, role)
        run("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {n0} TO {n1}", schema, role)
        for table in tables:
            if table in READ_ONLY:
                rights = "SELECT"
            elif table in kept or table in INSERT_ONLY:
                rights = "SELECT, INSERT"
            else:
                rights = "SELECT, INSERT, UPDATE, DELETE"
            run(f"GRANT {rights} ON TABLE {{n0}}.{{n1}} TO {{n2}}", schema, table, role)
        cursor.close()
    return role


def _refuse_owner_powers(connection: Connection, role: str, schema: str) -> None:
    """Refuse a role that would hold more than its grants: one that owns a table of the schema
    or the schema, or is a member of a role that does (it would inherit the owner's rights)."""
    owners = connection.execute(
        text(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = :schema"
            " UNION SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = :schema"
        ),
        {"schema": schema},
    ).scalars()
    for owner in owners:
        if connection.execute(
            text("SELECT pg_has_role(:role, :owner, 'MEMBER')"), {"role": role, "owner": owner}
        ).scalar_one():
            raise DatabaseRoleRefused(
                f"Le rôle applicatif « {role} » est (ou hérite de) « {owner} », propriétaire du"
                f" schéma « {schema} » ou de ses tables : il pourrait les modifier ou les vider."
            )
