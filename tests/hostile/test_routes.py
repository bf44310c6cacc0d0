"""Every delivery upload route — the contract page's form, the API, ``clausier contracts
load`` — against every file of the hostile corpus: a clean refusal (problem+json on the API,
the French message on the page, the message on the CLI), or a stored delivery with its report;
never a 500, and never a delivery lost or altered.

A file above ``DELIVERY_BACKGROUND_BYTES`` (2 MB) is answered at once and validated in the
background: the page and the API are followed to the end of its validation, whose verdict or
refusal is held to the same expectations (the refusal then has no status of its own).

The corpus is written once per session (tests/hostile/corpus.py; the large files are never
committed). These tests read files, not the database, and run on SQLite only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from service.deliveries.files import load_contract
from service.deliveries.models import Delivery, Obligation
from service.http import PROBLEM_MIMETYPE
from service.storage import StoredFile
from tests.conftest import clausier
from tests.deliveries.factories import deliver, paris
from tests.hostile.corpus import CORPUS, Hostile, small_xlsx

REFERENCE = "HOSTILE-1"
PAGE = f"/organisations/valbrune/contrats/{REFERENCE}"
API = f"/api/organisations/valbrune/contracts/{REFERENCE}/obligations/{{}}/deliveries"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: what is tested here is the reading of files."""
    path = tmp_path / "clausier.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every file of the corpus, written once."""
    folder = tmp_path_factory.mktemp("hostile")
    return {item.key: item.make(folder / item.filename) for item in CORPUS}


def _control(format: str, folder: Path) -> tuple[str, bytes]:
    """A sound file of the format, delivered first: it must survive every hostile upload."""
    if format == "xlsx":
        return "controle.xlsx", small_xlsx(folder / "controle.xlsx").read_bytes()
    if format == "json":
        return "controle.json", b'[{"code": "A1"}]'
    return "controle.csv", b"code\naab\n"


def _contract_folder(folder: Path, deliveries: list[dict] | None = None) -> Path:
    """A contract folder owing one dataset per corpus entry, named by its key."""
    folder.mkdir(exist_ok=True)
    obligations = []
    for item in CORPUS:
        obligation = {
            "dataset": item.key,
            "title": item.key,
            "format": item.format,
            "frequency": "monthly",
            "delay_days": 20,
        }
        if item.schema is not None:
            (folder / f"{item.key}.json").write_text(json.dumps(item.schema), encoding="utf-8")
            obligation["schema"] = f"{item.key}.json"
        obligations.append(obligation)
    contract = {
        "organisation": {"slug": "valbrune", "name": "Commune de Valbrune"},
        "reference": REFERENCE,
        "title": "Concession d'essai",
        "kind": "concession",
        "titulaire": {"name": "Lumicité"},
        "start": "2025-01-01",
        "end": "2026-12-31",
        "obligations": obligations,
    }
    (folder / "contract.yaml").write_text(yaml.safe_dump(contract), encoding="utf-8")
    (folder / "livraisons.yaml").write_text(yaml.safe_dump(deliveries or []), encoding="utf-8")
    return folder


def _prepare(app: Flask, item: Hostile, folder: Path) -> bytes:
    """The contract with a sound delivery already received for the dataset; its bytes."""
    name, data = _control(item.format, folder)
    with clausier(app).db.session() as session:
        contract = load_contract(session, _contract_folder(folder / "contrat")).contract
        obligation = next(o for o in contract.obligations if o.dataset == item.key)
        deliver(session, obligation, "2025-01", data, paris(2025, 2, 1), filename=name)
        session.commit()
    return data


def _deliveries(app: Flask, item: Hostile) -> list[tuple[str, bytes]]:
    """The dataset's deliveries, oldest first, with the bytes kept for each."""
    with clausier(app).db.sessions() as session:
        rows = session.execute(
            select(Delivery.filename, StoredFile.content)
            .join(StoredFile, StoredFile.sha256 == Delivery.file_sha256)
            .join(Delivery.period)
            .join(Obligation)
            .where(Obligation.dataset == item.key)
            .order_by(Delivery.id)
        ).all()
    return [(name, bytes(content)) for name, content in rows]


def _post(client: FlaskClient, url: str, path: Path, name: str, fields: dict[str, str]):
    """A multipart upload, encoded in memory: the test client would spool a large one to a
    temporary file it never closes."""
    with path.open("rb") as stream:
        boundary, body = encode_multipart({**fields, "file": FileStorage(stream, name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _page(client: FlaskClient, item: Hostile, path: Path) -> tuple[int, str]:
    token = TOKEN.search(client.get(PAGE).get_data(as_text=True))
    assert token, "no form on the contract page"
    fields = {
        "csrf_token": token.group(1),
        "dataset": item.key,
        "period": "2025-01",
        "sender": "Lumicité",
    }
    response = _post(client, PAGE + "/livraisons", path, item.filename, fields)
    if response.status_code == 302 and "/livraisons/en-cours/" in response.headers["Location"]:
        return _page_finished(client, response.headers["Location"])
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
        return 201, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    return response.status_code, response.get_data(as_text=True)


#: What a face says of a large file its background validation refused: no status of its own
#: (the upload was answered at once), the refusal's text on the validation's page.
REFUSED_LATER = -1


def _page_finished(client: FlaskClient, page: str, seconds: float = 300) -> tuple[int, str]:
    """Follow the page of a background validation, as its reloads do, to its end."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(page)
        if response.status_code == 302:  # recorded: the delivery's page
            return 201, client.get(response.headers["Location"]).get_data(as_text=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, html[:500]
        if "validation en échec" in html:
            return REFUSED_LATER, html
        time.sleep(0.2)
    raise AssertionError(f"{page} : validation toujours en cours après {seconds} s")


def _api_finished(client: FlaskClient, url: str, seconds: float = 300) -> tuple[int, str]:
    """Follow a background validation through the API to its end."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(url).get_json()
        if body["state"] == "done":
            delivery = client.get(body["delivery"]).get_json()
            return 201, json.dumps(delivery["report"], ensure_ascii=False)
        if body["state"] == "failed":
            return REFUSED_LATER, body["error"]
        time.sleep(0.2)
    raise AssertionError(f"{url} : validation toujours en cours après {seconds} s")


def _api(client: FlaskClient, item: Hostile, path: Path) -> tuple[int, str]:
    fields = {"period": "2025-01", "sender": "Lumicité"}
    response = _post(client, API.format(item.key), path, item.filename, fields)
    body = response.get_json()
    if response.status_code == 202:
        return _api_finished(client, response.headers["Location"])
    if response.status_code == 201:
        assert body["valid"] is item.valid
        return 201, json.dumps(body["report"], ensure_ascii=False)
    assert response.mimetype == PROBLEM_MIMETYPE, response.data[:200]
    assert body["status"] == response.status_code and body["title"]
    return response.status_code, body["detail"]


def _cli(runner: FlaskCliRunner, item: Hostile, path: Path, folder: Path) -> tuple[int, str]:
    entry = {
        "dataset": item.key,
        "period_start": "2025-01-01",
        "file": str(path),
        "received_at": "2025-02-05T10:00:00+01:00",
        "sender": "Lumicité",
    }
    _contract_folder(folder / "contrat", [entry])
    result = runner.invoke(args=["contracts", "load", str(folder / "contrat")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if f"refusée : {item.filename} : " in result.output:
        assert result.exit_code == 1, result.output  # a refusal is seen by a cron job
        return item.status, result.output
    assert result.exit_code == 0, result.output
    assert "1 livraison enregistrée" in result.output, result.output
    with clausier(runner.app).db.sessions() as session:
        report = session.scalars(select(Delivery.report).order_by(Delivery.id.desc())).first()
    return 201, json.dumps(report, ensure_ascii=False)


FACES: dict[str, Callable[..., tuple[int, str]]] = {"page": _page, "api": _api, "cli": _cli}


@pytest.mark.parametrize("face", list(FACES))
@pytest.mark.parametrize("item", CORPUS, ids=[item.key for item in CORPUS])
def test_every_upload_route_answers_every_hostile_file_cleanly(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    corpus: dict[str, Path],
    tmp_path: Path,
    item: Hostile,
    face: str,
) -> None:
    control = _prepare(app, item, tmp_path)
    path = corpus[item.key]
    if face == "cli":
        status, said = _cli(runner, item, path, tmp_path)
    else:
        status, said = FACES[face](client, item, path)
    if status == REFUSED_LATER:  # a large file: refused by its background validation
        assert item.status >= 400, said[:500]
    else:
        assert status == item.status, said[:500]
    assert item.says in said.replace("&#39;", "'").replace("&#34;", '"'), said[:2000]
    kept = _deliveries(app, item)
    assert kept[0][1] == control, "the earlier delivery was altered"
    if item.status == 201:
        assert len(kept) == 2
        assert hashlib.sha256(kept[1][1]).digest() == hashlib.sha256(path.read_bytes()).digest()
    else:
        assert len(kept) == 1, "a refused file was stored"


def test_the_corpus_covers_the_probes_of_issue_14() -> None:
    kinds = {item.key for item in CORPUS}
    assert {
        "zip_bomb",
        "shared_strings",
        "lying_strings",
        "deep_json",
        "large_json",
        "redos_cell",
        "latin1_csv",
        "wide_csv",
        "far_cell_xlsx",
        "wrong_format",
        "truncated_xlsx",
        "truncated_json",
    } <= kinds
    assert dt.date.today()  # the corpus is made at test time, never committed


def test_a_huge_valid_csv_is_answered_at_once_and_validated_in_the_background(
    app: Flask, client: FlaskClient, corpus: dict[str, Path], tmp_path: Path
) -> None:
    item = next(item for item in CORPUS if item.key == "large_csv")
    _prepare(app, item, tmp_path)
    path = corpus[item.key]
    assert path.stat().st_size > app.config["DELIVERY_BACKGROUND_BYTES"]
    fields = {"period": "2025-01"}
    response = _post(client, API.format(item.key), path, item.filename, fields)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["state"] in ("queued", "running", "done")
    status, said = _api_finished(client, response.headers["Location"])
    assert status == 201 and item.says in said
    assert len(_deliveries(app, item)) == 2
