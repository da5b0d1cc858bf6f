"""The administration pages in a real headless Chromium, as the admin: add a user (temporary password shown once,
changed at first login before anything else), change a role; change a setting (refused, then saved) and send the
test e-mail; edit a bank's head-office e-mail and cut-off; a bad master CSV refused with its line numbers and
nothing changed; the days off beside the `holidays` package's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine, text

from dashboard.app import create_app
from queries.accounts.audit import Actor
from queries.accounts.users import set_email
from tests.conftest import SmtpServer
from tests.dashboard.helpers import PASSWORD, centre, click, make_user, screenshot, sign_in, start, submit_login

pytestmark = pytest.mark.browser


def column(name: str) -> str:
    """CSS selector of the Data induk form's input for a file column (a pattern-matching id)."""
    return f"""[id='{json.dumps({"col": name, "type": "di-kolom"}, separators=(",", ":"))}']"""


def choose(dash_duo: Any, selector: str, value: str) -> None:
    Select(dash_duo.wait_for_element(selector)).select_by_value(value)


def type_into(dash_duo: Any, selector: str, value: str) -> None:
    field = dash_duo.wait_for_element(selector)
    field.send_keys(Keys.CONTROL, "a")  # clear() bypasses React: the old value would come back
    field.send_keys(Keys.DELETE)
    field.send_keys(value)


def both_sizes(dash_duo: Any, name: str, at: str | None = None) -> None:
    for width, height in ((1440, 900), (1280, 720)):
        dash_duo.driver.set_window_size(width, height)
        if at is None:
            dash_duo.driver.execute_script("window.scrollTo(0, 0)")
        else:
            centre(dash_duo, at)
        screenshot(dash_duo, f"{name}-{width}.png")
    dash_duo.driver.set_window_size(1440, 1000)


def one(engine: Engine, sql: str, **params: object) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def no_errors(dash_duo: Any) -> None:
    logs = [e for e in dash_duo.get_logs() if "favicon" not in e["message"]]
    assert logs == [], "\n".join(e["message"] for e in logs)


def test_a_new_user_gets_a_temporary_password_once_and_must_change_it_first(dash_duo, engine: Engine) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "rina", "admin", then="/pengguna")
    dash_duo.wait_for_contains_text("#pg-tabel", "rina")

    type_into(dash_duo, "#pg-baru-nama", "budi.s")
    type_into(dash_duo, "#pg-baru-lengkap", "Budi Santoso")
    type_into(dash_duo, "#pg-baru-nip", "198501012010011001")
    type_into(dash_duo, "#pg-baru-email", "budi@pajak.example")
    choose(dash_duo, "#pg-baru-peran", "pelaksana")
    click(dash_duo, "#pg-tambah")
    temporary = dash_duo.wait_for_element("#pg-sandi-sementara").text
    assert len(temporary) == 14 and "hanya ditampilkan sekali" in dash_duo.find_element("#pg-tambah-hasil").text
    dash_duo.wait_for_contains_text('#pg-tabel [data-kode="budi.s"]', "Wajib ganti sandi")
    row = dash_duo.find_element('#pg-tabel [data-kode="budi.s"]').text
    assert "Budi Santoso" in row and "Pelaksana" in row and "budi@pajak.example" in row and "belum pernah" in row
    both_sizes(dash_duo, "pengguna", at="#pg-tambah-hasil")

    choose(dash_duo, "#pg-pilih", "budi.s")
    dash_duo.wait_for_contains_text("#pg-keterangan", "Wajib ganti sandi")
    choose(dash_duo, "#pg-peran", "kasi")
    click(dash_duo, "#pg-simpan")
    dash_duo.wait_for_contains_text("#pg-ubah-hasil", "peran disimpan")
    dash_duo.wait_for_contains_text('#pg-tabel [data-kode="budi.s"]', "Kepala Seksi")
    account = one(engine, "SELECT role, must_change_password, nip FROM app_user WHERE username = 'budi.s'")
    assert tuple(account) == ("kasi", True, "198501012010011001")
    audit = one(engine, "SELECT actor, before, after FROM audit_log WHERE action = 'user.role'")
    assert audit.actor == "rina" and audit.before == {"role": "pelaksana"} and audit.after == {"role": "kasi"}
    no_errors(dash_duo)

    click(dash_duo, "#navbar-logout")
    submit_login(dash_duo, "budi.s", temporary)
    dash_duo.wait_for_element("#akun-wajib-ganti")
    dash_duo.driver.get(f"{dash_duo.server_url}/kelengkapan")
    dash_duo.wait_for_element("#akun-wajib-ganti")
    assert dash_duo.driver.current_url.endswith("/akun")
    type_into(dash_duo, "#akun-sandi-lama", temporary)
    type_into(dash_duo, "#akun-sandi-baru", PASSWORD + "-budi")
    type_into(dash_duo, "#akun-sandi-ulang", PASSWORD + "-budi")
    click(dash_duo, "#akun-simpan")
    dash_duo.wait_for_contains_text("#akun-hasil", "Kata sandi telah diganti")
    dash_duo.driver.get(f"{dash_duo.server_url}/kelengkapan")
    dash_duo.wait_for_element("#navbar-user")
    assert dash_duo.driver.current_url.endswith("/kelengkapan")
    assert dash_duo.find_elements("#akun-wajib-ganti") == []
    assert one(engine, "SELECT must_change_password FROM app_user WHERE username = 'budi.s'")[0] is False


def test_a_setting_is_checked_as_the_command_checks_it_and_the_test_mail_arrives(
    dash_duo, engine: Engine, smtp_server: SmtpServer
) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "rina", "admin", then="/akun")
    with engine.begin() as conn:
        set_email(conn, "rina", "rina@pajak.example", actor=Actor.system("test"))
    dash_duo.driver.get(f"{dash_duo.server_url}/pengaturan")
    dash_duo.wait_for_contains_text('#set-tabel [data-kode="letters.reply_days"]', "— (bawaan)")

    choose(dash_duo, "#set-kunci", "letters.reply_days")
    dash_duo.wait_for_contains_text("#set-keterangan", "Bawaan: 5")
    type_into(dash_duo, "#set-nilai", "99")
    click(dash_duo, "#set-simpan")
    dash_duo.wait_for_contains_text("#set-hasil", "letters.reply_days: harus bilangan bulat 1 sampai 60")
    assert one(engine, "SELECT count(*) FROM app_setting")[0] == 0
    type_into(dash_duo, "#set-nilai", "7")
    click(dash_duo, "#set-simpan")
    dash_duo.wait_for_contains_text("#set-hasil", "letters.reply_days = 7 disimpan")
    row = dash_duo.find_element('#set-tabel [data-kode="letters.reply_days"]').text
    assert "7" in row and "rina" in row and "WIB" in row
    audit = one(engine, "SELECT actor, before, after FROM audit_log WHERE action = 'settings.change'")
    assert (audit.actor, audit.before, audit.after) == ("rina", {"value": "5"}, {"value": "7"})

    click(dash_duo, "#set-uji")
    dash_duo.wait_for_contains_text("#uji-hasil", "Pesan uji terkirim ke rina@pajak.example", timeout=15)
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [("rina@pajak.example",)]
    assert smtp_server.handler.messages[0].message["Subject"] == "Uji surat elektronik MPN Monitor"
    both_sizes(dash_duo, "pengaturan")
    no_errors(dash_duo)


def test_a_bank_row_is_edited_and_a_bad_file_is_refused_with_line_numbers(
    dash_duo, engine: Engine, tmp_path: Path
) -> None:
    start(dash_duo, create_app())
    sign_in(dash_duo, engine, "rina", "admin", then="/data-induk")
    dash_duo.wait_for_contains_text('#di-tabel-banks [data-kode="002"]', "PT Bank Rakyat Indonesia")

    choose(dash_duo, "#di-pilih", "002")
    dash_duo.wait_for_element(column("cutoff"))
    WebDriverWait(dash_duo.driver, 5).until(
        lambda _: dash_duo.find_element(column("name")).get_attribute("value").startswith("PT Bank")
    )
    type_into(dash_duo, column("email"), "rekon@bri.example; Ops.Rekon@BRI.example")
    type_into(dash_duo, column("cutoff"), "16:00")
    click(dash_duo, "#di-simpan")
    dash_duo.wait_for_contains_text("#di-hasil", "002 disimpan")
    note = dash_duo.find_element("#di-catatan-jam-batas").text
    assert "15:00 menjadi 16:00" in note and "tanggal bisnis yang sudah tersimpan tidak berubah" in note
    dash_duo.wait_for_contains_text('#di-tabel-banks [data-kode="002"]', "Ops.Rekon@bri.example")
    bank = one(engine, "SELECT email, cutoff::text FROM bank WHERE bank_code = '002'")
    assert tuple(bank) == ("rekon@bri.example;Ops.Rekon@bri.example", "16:00:00")
    audit = one(engine, "SELECT actor, before, after FROM audit_log WHERE action = 'master.edit'")
    assert audit.actor == "rina" and audit.before["cutoff"] == "15:00" and audit.before["email"] == ""
    assert audit.after["cutoff"] == "16:00" and audit.after["email"] == "rekon@bri.example;Ops.Rekon@bri.example"

    bad = tmp_path / "banks-baru.csv"
    bad.write_text(
        "bank_code,name,kind,cutoff,email\n002,Nama Baru,bank,15:00,a@bri.example\n"
        "777,Bank Tujuh,bankk,25:00,bukan-alamat\n",
        encoding="utf-8",
    )
    dash_duo.find_element("#di-unggah input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_contains_text("#di-unggah-hasil", "ditolak seluruhnya; data induk tidak berubah")
    problems = dash_duo.find_element("#di-masalah").text
    assert "baris 3, kolom kind: harus salah satu dari bank, pos, other" in problems
    assert "baris 3, kolom cutoff: bukan jam yang ada" in problems
    assert "baris 3, kolom email: alamat e-mail tidak sah: 'bukan-alamat'" in problems
    assert one(engine, "SELECT name FROM bank WHERE bank_code = '002'")[0].startswith("PT Bank Rakyat")
    assert one(engine, "SELECT count(*) FROM bank WHERE bank_code = '777'")[0] == 0
    both_sizes(dash_duo, "data-induk")

    dash_duo.driver.find_element(By.LINK_TEXT, "Hari libur").click()
    dash_duo.wait_for_contains_text("#di-libur-paket", "Cuti Bersama")
    type_into(dash_duo, column("date"), f"{_year(dash_duo)}-12-31")
    type_into(dash_duo, column("description"), "Cuti bersama akhir tahun (SKB)")
    click(dash_duo, "#di-simpan")
    dash_duo.wait_for_contains_text("#di-libur-induk", "Cuti bersama akhir tahun (SKB)")
    both_sizes(dash_duo, "data-induk-libur")
    no_errors(dash_duo)


def _year(dash_duo: Any) -> str:
    return Select(dash_duo.find_element("#di-tahun")).first_selected_option.get_attribute("value")


def test_the_admin_unlocks_a_locked_account_and_resets_a_password_from_the_page(dash_duo, engine: Engine) -> None:
    start(dash_duo, create_app())
    make_user(engine, "sari", "pelaksana")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE app_user SET failed_logins = 5, locked_until = now() + interval '1 hour' "
                "WHERE username = 'sari'"
            )
        )
    sign_in(dash_duo, engine, "rina", "admin", then="/pengguna")
    dash_duo.wait_for_contains_text("#pg-tabel", "sari")

    choose(dash_duo, "#pg-pilih", "sari")
    click(dash_duo, "#pg-buka-kunci")
    dash_duo.wait_for_contains_text("#pg-ubah-hasil", "Kunci sari dibuka")
    account = one(engine, "SELECT failed_logins, locked_until FROM app_user WHERE username = 'sari'")
    assert tuple(account) == (0, None)

    click(dash_duo, "#pg-setel-ulang")
    temporary = dash_duo.wait_for_element("#pg-sandi-sementara").text
    assert len(temporary) == 14 and "Kata sandi sari disetel ulang" in dash_duo.find_element("#pg-ubah-hasil").text
    assert one(engine, "SELECT must_change_password FROM app_user WHERE username = 'sari'")[0] is True
    with engine.connect() as conn:
        actions = set(conn.execute(text("SELECT action FROM audit_log WHERE object_id = 'sari'")).scalars())
    assert {"user.unlock", "user.password_reset"} <= actions, actions
    no_errors(dash_duo)
