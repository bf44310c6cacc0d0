"""``clausier serve``: the application behind a pre-forking server (gunicorn) on Linux — one
process per worker, so pages use every core instead of one GIL — with waitress where gunicorn
cannot run (Windows).

The app is built once in the master and forked: each worker then drops the database
connections, index files and job threads it inherited and opens its own. ``SIGHUP`` reloads
the workers gracefully, ``SIGTERM`` stops after the requests under way. The same app object
serves under any WSGI server (``gunicorn 'service:create_app()'`` works too).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gc
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from flask.globals import _cv_app

from service.settings import serve_workers


def workers(configured: int) -> int:
    """The worker count: the setting, or two per core."""
    return serve_workers(configured)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` until stopped."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # gunicorn needs fcntl: Windows
        import waitress

        click.echo(f"Clausier sur http://{host}:{port}/ (waitress)")
        outside_app_context(lambda: waitress.serve(app, host=host, port=port, threads=8))
        return

    config = app.config
    from service.deliveries.record import sweep_spool

    # Spool files of workers killed mid-upload: older than any request may last.
    sweep_spool(dt.timedelta(seconds=2 * int(config["SERVE_TIMEOUT"])))
    options = {
        "bind": f"{host}:{port}",
        "workers": workers(int(config["SERVE_WORKERS"])),
        "timeout": int(config["SERVE_TIMEOUT"]),
        "graceful_timeout": 30,
        "max_requests": int(config["SERVE_MAX_REQUESTS"]),
        "max_requests_jitter": int(config["SERVE_MAX_REQUESTS"]) // 10,
        "accesslog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "preload_app": True,
        "post_fork": _fresh_connections(app),
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    click.echo(f"Clausier sur http://{host}:{port}/ (gunicorn, {options['workers']} processus)")
    # What the app holds once built never dies: out of the collector's sight, full collections
    # in the workers walk only what requests make (a collection over the whole app took
    # 90–170 ms, the tail of every page; see BENCHMARKS.md), and forked pages stay shared.
    gc.collect()
    gc.freeze()
    outside_app_context(Server().run)


def outside_app_context(run: Callable[[], None]) -> None:
    """Run a server outside the command line's application context. Inside it, every request
    of a worker would reuse that one context (Flask pushes its own only when none is): ``g``
    would carry one request's identity and database session to the next, and the session
    would never be closed."""
    contextvars.Context().run(run)


def _fresh_connections(app: Flask) -> Any:
    def post_fork(_server: Any, _worker: Any) -> None:
        app.extensions["clausier"].after_fork()
        # The command line's application context, pushed around ``serve``, is inherited by
        # the fork: Flask would then reuse it for every request (one ``g``, its database
        # session never closed — a stale snapshot — nor its request's identity). Each
        # request gets its own.
        _cv_app.set(None)

    return post_fork
