"""Input files as the banks and MPN send them: headers, rows with sensible defaults, writing them, and reading back
what the importer stored or kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from queries import config

MPN_HEADER = (
    "record_type,ntpn,billing_code,bank_code,branch_code,ntb,paid_at,npwp,taxpayer_name,kap,kjs,"
    "tax_period,kpp_code,amount"
)
BANK_HEADER = "bank_code,business_date,ntpn,ntb,paid_at,npwp,kap,kjs,tax_period,kpp_code,amount"
STATEMENT_HEADER = "bank_code,business_date,letter_number,letter_date,received_at,declared_count,declared_amount,signer"
LETTER = "002,2026-11-20,SP-001/BRI/XI/2026,2026-11-21,2026-11-21T08:30:00+07:00,2,3000000,Budi Santoso"


def mpn_row(
    ntpn: str = "0000A1B2C3D4E5F6",
    *,
    paid_at: str = "2026-11-20T10:00:00+07:00",
    bank: str = "002",
    amount: str = "1500000",
    record_type: str = "payment",
    billing: str = "012345678901234",
    npwp: str = "012345678021000",
    kap: str = "411121",
    kpp: str = "021",
    period: str = "102026",
    ntb: str = "000123",
) -> str:
    return (
        f"{record_type},{ntpn},{billing},{bank},KC-01,{ntb},{paid_at},{npwp},PT Maju Jaya,{kap},100,"
        f"{period},{kpp},{amount}"
    )


def bank_row(
    ntpn: str = "0000A1B2C3D4E5F6",
    *,
    day: str = "2026-11-20",
    bank: str = "002",
    paid_at: str = "2026-11-20T10:00:00+07:00",
    amount: str = "1500000",
) -> str:
    return f"{bank},{day},{ntpn},000123,{paid_at},012345678021000,411121,100,102026,021,{amount}"


def letter(**changes: str) -> str:
    """A statement row with some of its columns replaced."""
    values = dict(zip(STATEMENT_HEADER.split(","), LETTER.split(","), strict=True)) | changes
    return ",".join(values.values())


def write(tmp_path: Path, name: str, header: str, rows: list[str], *, newline: str = "\n", prefix: bytes = b"") -> Path:
    path = tmp_path / name
    path.write_bytes(prefix + (newline.join([header, *rows]) + newline).encode())
    return path


def rows_of(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def kept_files() -> list[Path]:
    """Rejected copies (without their reports) under the data folder."""
    folder = config.rejected_dir()
    return sorted(p for p in folder.iterdir() if not p.name.endswith(".errors.txt")) if folder.exists() else []
