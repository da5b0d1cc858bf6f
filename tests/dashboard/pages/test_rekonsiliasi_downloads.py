"""Downloads of the Rekonsiliasi page, through Dash's callback endpoint: the Berita Acara PDF, its roles."""

from __future__ import annotations

import base64
import io

import pytest
from dash import Dash
from pypdf import PdfReader
from sqlalchemy import Engine

from dashboard.app import create_app
from jobs.reconciliation.run import reconcile
from tests.builders.reconciliation import D2, Day, clean
from tests.dashboard.helpers import client_as, fire, log_in, make_user

BERITA_ACARA = "..rekon-ba-berkas.data...rekon-ba-pesan.children.."


@pytest.fixture
def app(engine: Engine) -> Dash:
    rows = clean(3)
    Day(rows).load(engine, bank=[rows[0], rows[1].but(amount=7)])
    reconcile(engine, D2)
    return create_app()


def ask_for_pdf(client, bank: str = "002", day: str = D2.isoformat()):
    return fire(
        client,
        BERITA_ACARA,
        [{"id": "rekon-ba-unduh", "property": "n_clicks", "value": 1}],
        state=[
            {"id": "rekon-ba-bank", "property": "value", "value": bank},
            {"id": "rekon-hari", "property": "data", "value": day},
        ],
    )


def pdf_text(answer) -> tuple[str, str]:
    data = answer.get_json()["response"]["rekon-ba-berkas"]["data"]
    reader = PdfReader(io.BytesIO(base64.b64decode(data["content"])))
    return data["filename"], "\n".join(page.extract_text() for page in reader.pages)


def test_the_kasubdit_downloads_a_signed_berita_acara(app: Dash, engine: Engine) -> None:
    make_user(engine, "hendra", "kasubdit", full_name="Dr. Hendra Wijaya")
    client = app.server.test_client()
    log_in(client, "hendra")

    name, text = pdf_text(ask_for_pdf(client))

    assert name == f"berita-acara-rekonsiliasi_002_{D2.isoformat()}.pdf"
    assert "BERITA ACARA REKONSILIASI" in text
    assert "Dr. Hendra Wijaya" in text


def test_staff_download_it_with_an_empty_signature_block(app: Dash, engine: Engine) -> None:
    make_user(engine, "hendra", "kasubdit", full_name="Dr. Hendra Wijaya")

    _name, text = pdf_text(ask_for_pdf(client_as(app, engine, "pelaksana", "ani")))

    assert "BERITA ACARA REKONSILIASI" in text
    assert "Hendra" not in text


def test_a_date_never_reconciled_is_explained_not_downloaded(app: Dash, engine: Engine) -> None:
    answer = ask_for_pdf(client_as(app, engine, "kasi"), day="2026-11-02")

    assert answer.status_code == 200
    assert "belum direkonsiliasi" in answer.get_data(as_text=True)


@pytest.mark.parametrize("role", ["tu", "manajemen"])
def test_other_roles_cannot_fetch_it(app: Dash, engine: Engine, role: str) -> None:
    assert ask_for_pdf(client_as(app, engine, role)).status_code == 403
