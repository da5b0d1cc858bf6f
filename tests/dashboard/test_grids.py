"""Grid column helpers: numbers sort as numbers, text is what users read, widths follow the data."""

from __future__ import annotations

from dashboard.components.grids import AMOUNT_MIN_WIDTH, fit_to_text, formatted_column, shown, text_column


def test_formatted_column_sorts_on_the_value_and_shows_the_text() -> None:
    column = formatted_column("mpn_amount", "Nilai MPN")
    row = {"bank_code": "002", **shown("mpn_amount", 1_234_567, "Rp 1.234.567")}

    assert column["field"] == "mpn_amount" and row["mpn_amount"] == 1_234_567
    assert column["valueFormatter"] == {"function": "params.data['mpn_amount_text']"}
    assert row["mpn_amount_text"] == "Rp 1.234.567"
    assert column["type"] == "rightAligned"


def test_fit_to_text_widens_for_trillions_and_never_narrows() -> None:
    columns = [text_column("name", "Bank/Pos", flex=1), formatted_column("mpn_amount", "Nilai MPN", width=130)]
    small = [shown("mpn_amount", 5, "Rp 5")]
    huge = [*small, shown("mpn_amount", 12_345_678_901_234, "Rp 12.345.678.901.234")]

    # an amount column is never narrower than a readable amount (AMOUNT_MIN_WIDTH), whatever width was asked
    assert columns[1]["width"] == AMOUNT_MIN_WIDTH
    assert fit_to_text(columns, small, ["mpn_amount"])[1]["width"] == AMOUNT_MIN_WIDTH
    assert fit_to_text(columns, huge, ["mpn_amount"])[1]["width"] >= len("Rp 12.345.678.901.234") * 8 + 30
    assert fit_to_text(columns, huge, ["mpn_amount"])[0] == columns[0]
