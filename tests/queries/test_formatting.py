"""Indonesian formatting as users read it on the dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from queries.formatting import (
    angka,
    jam_wib,
    rentang_tanggal,
    rupiah,
    rupiah_short,
    tanggal_panjang,
    tanggal_pendek,
    ukuran_berkas,
    waktu_wib,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1_000, "1.000"),
        (1_234_567, "1.234.567"),
        (-45_000, "-45.000"),
    ],
)
def test_angka_groups_thousands_with_dots(n: int, text: str) -> None:
    assert angka(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1_234_567, "Rp 1.234.567"),
        (0, "Rp 0"),
        (500, "Rp 500"),
        (-2_500_000, "-Rp 2.500.000"),
    ],
)
def test_rupiah_is_whole_rupiah_with_dots(n: int, text: str) -> None:
    assert rupiah(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1_869_000_000_000, "Rp 1,87 T"),
        (1_869_000_000_000_000, "Rp 1.869,00 T"),
        (245_300_000_000, "Rp 245,3 M"),
        (245_250_000_000, "Rp 245,3 M"),  # half rounds up, not to even
        (12_500_000, "Rp 12,5 jt"),
        (1_000_000, "Rp 1,0 jt"),
        (999_960_000, "Rp 1,0 M"),  # rounds into the next unit
        (999_994_000_000, "Rp 1,00 T"),
        (987_654, "Rp 987.654"),  # under a million: the full amount
        (-12_500_000, "-Rp 12,5 jt"),
    ],
)
def test_rupiah_short_uses_triliun_miliar_juta(n: int, text: str) -> None:
    assert rupiah_short(n) == text


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2026, 11, 20), "Jumat, 20 November 2026"),
        (date(2026, 1, 5), "Senin, 5 Januari 2026"),
        (date(2026, 8, 17), "Senin, 17 Agustus 2026"),
        (date(2025, 3, 30), "Minggu, 30 Maret 2025"),
        (date(2024, 5, 1), "Rabu, 1 Mei 2024"),
    ],
)
def test_tanggal_panjang_uses_indonesian_day_and_month_names(d: date, text: str) -> None:
    assert tanggal_panjang(d) == text


def test_tanggal_pendek_is_day_month_year() -> None:
    assert tanggal_pendek(date(2026, 2, 3)) == "03/02/2026"


def test_times_are_shown_in_wib_whatever_the_source_zone() -> None:
    utc = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)  # 15:05 WIB
    assert jam_wib(utc) == "15:05 WIB"
    assert waktu_wib(utc) == "20/11/2026 15:05 WIB"


def test_jam_wib_shows_the_date_when_it_is_not_the_business_date() -> None:
    next_morning = datetime(2026, 11, 21, 2, 12, tzinfo=UTC)  # 09:12 WIB on the 21st
    assert jam_wib(next_morning, day=date(2026, 11, 20)) == "21/11 09:12 WIB"
    assert jam_wib(next_morning, day=date(2026, 11, 21)) == "09:12 WIB"


def test_rentang_tanggal_collapses_single_days_and_marks_unknown() -> None:
    assert rentang_tanggal(date(2026, 11, 19), date(2026, 11, 20)) == "19/11/2026 – 20/11/2026"
    assert rentang_tanggal(date(2026, 11, 20), date(2026, 11, 20)) == "20/11/2026"
    assert rentang_tanggal(None, None) == "—"


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (812, "812 B"),
        (2048, "2,0 KB"),
        (16_042_189, "15,3 MB"),
        (1_288_490_189, "1,2 GB"),
    ],
)
def test_ukuran_berkas_uses_binary_units_and_a_decimal_comma(size: int, text: str) -> None:
    assert ukuran_berkas(size) == text
