"""The "Akun saya" page in a real headless Chromium: who I am, and changing my own password."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from tests.dashboard.helpers import PASSWORD, make_user, start, submit_login

pytestmark = pytest.mark.browser

NEW_PASSWORD = "sandi-baru-456"


def open_account(dash_duo, engine) -> None:
    """Kasi Dewi, logged in through the form, on her account page."""
    make_user(engine, "dewi", "kasi", full_name="Dewi Lestari")
    start(dash_duo, create_app())
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next=/akun")
    submit_login(dash_duo, "dewi")
    dash_duo.wait_for_element("#akun-simpan")


def change(dash_duo, current: str, new: str, repeat: str) -> str:
    """Fill in the password form, save, and return the answer once it has changed."""
    for selector, value in (("#akun-sandi-lama", current), ("#akun-sandi-baru", new), ("#akun-sandi-ulang", repeat)):
        field = dash_duo.find_element(selector)
        field.clear()
        field.send_keys(value)
    old = dash_duo.find_element("#akun-hasil").text
    dash_duo.find_element("#akun-simpan").click()
    dash_duo._wait_for(
        lambda driver: dash_duo.find_element("#akun-hasil").text not in ("", old),
        None,
        "no new answer under the password form",
    )
    return dash_duo.find_element("#akun-hasil").text


def facts(dash_duo) -> dict[str, str]:
    """The account card as label → value."""
    labels = [e.text for e in dash_duo.find_elements(".mpn-page dl dt")]
    values = [e.text for e in dash_duo.find_elements(".mpn-page dl dd")]
    return dict(zip(labels, values, strict=True))


def test_the_account_page_shows_who_is_logged_in(dash_duo, engine) -> None:
    open_account(dash_duo, engine)

    shown = facts(dash_duo)
    assert shown["Nama pengguna"] == "dewi"
    assert shown["Nama lengkap"] == "Dewi Lestari"
    assert shown["Peran"] == "Kepala Seksi"
    assert shown["Terakhir masuk"].endswith("WIB")
    assert dash_duo.find_element("#navbar-user .mpn-user-role").text == "Kepala Seksi"
    assert dash_duo.get_logs() == []


def test_a_too_short_or_mismatched_new_password_is_refused_in_indonesian(dash_duo, engine) -> None:
    open_account(dash_duo, engine)

    assert change(dash_duo, PASSWORD, "pendek", "pendek") == "Kata sandi baru minimal 8 karakter."
    assert change(dash_duo, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x") == "Ulangan kata sandi baru tidak sama."
    assert change(dash_duo, "bukan-sandinya", NEW_PASSWORD, NEW_PASSWORD) == "Kata sandi saat ini salah."
    assert "alert-danger" in dash_duo.find_element("#akun-hasil .alert").get_attribute("class")
    assert dash_duo.get_logs() == []


def test_a_changed_password_is_the_one_that_works_at_the_next_login(dash_duo, engine) -> None:
    open_account(dash_duo, engine)

    assert change(dash_duo, PASSWORD, NEW_PASSWORD, NEW_PASSWORD) == "Kata sandi telah diganti."
    assert [dash_duo.find_element(f"#akun-sandi-{f}").get_attribute("value") for f in ("lama", "baru", "ulang")] == [
        "",
        "",
        "",
    ]
    dash_duo.driver.refresh()  # this session goes on after the change
    dash_duo.wait_for_text_to_equal("#navbar-user .mpn-user-name", "Dewi Lestari")
    assert dash_duo.get_logs() == []

    dash_duo.find_element("#navbar-logout").click()
    dash_duo.wait_for_text_to_equal("#login-message", "Anda telah keluar.")
    submit_login(dash_duo, "dewi", PASSWORD)
    dash_duo.wait_for_text_to_equal("#login-message", "Nama pengguna atau kata sandi salah.")
    submit_login(dash_duo, "dewi", NEW_PASSWORD)

    dash_duo.wait_for_text_to_equal("#navbar-user .mpn-user-name", "Dewi Lestari")
