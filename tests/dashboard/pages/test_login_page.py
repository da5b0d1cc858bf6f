"""The login form, the navbar of a logged-in user and logging out, in a real headless Chromium."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from dashboard.app import create_app
from tests.dashboard.helpers import make_user, screenshot, start, submit_login

pytestmark = pytest.mark.browser

#: An address with more than one query parameter: all of it must survive the trip through the login.
ASKED = "/data-masuk?tanggal=2026-11-20&bank=002"


def path_of(dash_duo) -> str:
    """The address the browser shows, without the server: `/login?m=logged_out`."""
    parts = urlsplit(dash_duo.driver.current_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def navbar_pages(dash_duo) -> list[str]:
    return [link.text for link in dash_duo.find_elements(".mpn-navbar .nav-link")]


def open_logged_out(dash_duo, engine, username: str, role: str, full_name: str) -> None:
    """A user exists; the browser, not logged in, asks for ASKED."""
    make_user(engine, username, role, full_name=full_name)
    start(dash_duo, create_app())
    dash_duo.driver.get(f"{dash_duo.server_url}{ASKED}")
    dash_duo.wait_for_element("#login-submit")


def test_a_page_opened_logged_out_shows_the_login_form_and_keeps_the_address(dash_duo, engine) -> None:
    open_logged_out(dash_duo, engine, "sari", "pelaksana", "Sari Wulandari")

    assert urlsplit(dash_duo.driver.current_url).path == "/login"
    assert dash_duo.find_element("input[name=next]").get_attribute("value") == ASKED
    assert dash_duo.find_element("h1").text == "Masuk"
    assert dash_duo.find_elements("#login-message") == []
    assert dash_duo.find_elements("#navbar-user") == []
    screenshot(dash_duo, "login.png")


def test_a_wrong_password_is_refused_on_the_login_page(dash_duo, engine) -> None:
    open_logged_out(dash_duo, engine, "sari", "pelaksana", "Sari Wulandari")

    submit_login(dash_duo, "sari", "bukan-sandinya")

    dash_duo.wait_for_text_to_equal("#login-message", "Nama pengguna atau kata sandi salah.")
    assert urlsplit(dash_duo.driver.current_url).path == "/login"
    assert dash_duo.find_element("#username").get_attribute("value") == "sari"
    assert dash_duo.find_element("#password").get_attribute("value") == ""
    assert dash_duo.find_element("input[name=next]").get_attribute("value") == ASKED
    assert dash_duo.find_elements("#navbar-user") == []

    submit_login(dash_duo, "sari")  # the right password, after a wrong one: still goes to the page asked for

    dash_duo.wait_for_element("#data-masuk-tanggal")
    assert path_of(dash_duo) == ASKED


@pytest.mark.parametrize(
    ("role", "title", "pages"),
    [
        (
            "pelaksana",
            "Pelaksana",
            [
                "Kelengkapan harian",
                "Data masuk",
                "Surat Pernyataan",
                "Surat Himbauan",
                "Rekonsiliasi",
                "Distribusi",
                "Rapor bank",
                "Laporan",
                "Penjadwal",
            ],
        ),
        (
            "kasubdit",
            "Kepala Subdirektorat",
            [
                "Kelengkapan harian",
                "Data masuk",
                "Surat Pernyataan",
                "Surat Himbauan",
                "Rekonsiliasi",
                "Distribusi",
                "Penerimaan",
                "Rapor bank",
                "Laporan",
                "Penjadwal",
                "Kotak keluar",
                "Jejak audit",
            ],
        ),
    ],
)
def test_the_right_password_lands_on_the_page_with_the_user_and_the_pages_of_the_role(
    dash_duo, engine, role: str, title: str, pages: list[str]
) -> None:
    open_logged_out(dash_duo, engine, "sari", role, "Sari Wulandari")
    dash_duo.get_logs()  # the login page is Flask's, not Dash's: only the Dash page's console counts

    submit_login(dash_duo, "sari")

    dash_duo.wait_for_text_to_equal("#navbar-user .mpn-user-name", "Sari Wulandari")
    assert dash_duo.find_element("#navbar-user .mpn-user-role").text == title
    assert path_of(dash_duo) == ASKED
    dash_duo.wait_for_element("#data-masuk-tanggal")
    assert navbar_pages(dash_duo) == pages
    assert dash_duo.get_logs() == []


def test_logging_out_returns_to_the_login_form_and_closes_the_page(dash_duo, engine) -> None:
    open_logged_out(dash_duo, engine, "sari", "kasi", "Sari Wulandari")
    submit_login(dash_duo, "sari")
    dash_duo.wait_for_element("#data-masuk-tanggal")
    assert dash_duo.get_logs() == []

    dash_duo.find_element("#navbar-logout").click()

    dash_duo.wait_for_text_to_equal("#login-message", "Anda telah keluar.")
    assert path_of(dash_duo) == "/login?m=logged_out"

    dash_duo.driver.back()  # the browser's Back button: no page from the cache, the login form again

    dash_duo.wait_for_element("#login-submit")
    assert urlsplit(dash_duo.driver.current_url).path == "/login"
    assert dash_duo.find_elements("#navbar-user") == []

    dash_duo.driver.get(f"{dash_duo.server_url}/data-masuk")

    dash_duo.wait_for_element("#login-submit")
    assert dash_duo.find_element("input[name=next]").get_attribute("value") == "/data-masuk"
    assert dash_duo.find_elements("#data-masuk-tanggal") == []
