"""One set of labels: every audit action the code records has an Indonesian name, and summaries read as Indonesian."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from queries import labels
from queries.accounts.audit import Actor, audit_entries, record
from queries.labels import ACTIONS, action_name, actor_name, change_text, value_text

ROOT = Path(__file__).resolve().parents[2]
#: Calls that write an audit row: `record(conn, actor, ACTION, …)` or an area's `_audit(conn, actor, ACTION, …)`.
WRITERS = ("record", "_audit")
#: Actions built at run time, with every value they take.
DYNAMIC = {
    'f"approval.{act}"': ("approval.approve", "approval.reject"),
    'f"{kind}.report"': ("daily.report", "distribution.report"),
}
#: Names holding an action, with the module constants or literals they are set from.
NAMED = {"action": None, "HANDLED_ACTION": ("import.handled",)}
ACTION_LITERAL = re.compile(r'"([a-z_]+\.[a-z_]+)"')


def sources() -> list[Path]:
    return [
        p
        for part in ("queries", "jobs", "dashboard", "cli")
        for p in (ROOT / part).rglob("*.py")
        if "migrations" not in p.parts
    ]


def _literals(node: ast.expr) -> list[str]:
    """The action codes an expression can be: a string, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _writes(tree: ast.AST) -> list[tuple[ast.Call, ast.FunctionDef | ast.AsyncFunctionDef | None]]:
    """Every audit-writing call of a module, with the function it sits in."""
    found = []

    def visit(node: ast.AST, enclosing: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else enclosing
            if isinstance(child, ast.Call):
                name = child.func.id if isinstance(child.func, ast.Name) else getattr(child.func, "attr", "")
                first = child.args[0] if child.args else None
                if name in WRITERS and len(child.args) >= 3 and isinstance(first, ast.Name) and first.id == "conn":
                    found.append((child, enclosing))
            visit(child, inner)

    visit(tree, None)
    return found


def recorded_actions() -> dict[str, str]:
    """Every action code the product's code can write, with the file that writes it."""
    found: dict[str, str] = {}
    for path in sources():
        source = path.read_text(encoding="utf-8")
        for call, enclosing in _writes(ast.parse(source)):
            argument = call.args[2]
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            written = ast.unparse(argument).replace("'", '"')
            codes = _literals(argument)
            dynamic = DYNAMIC.get(written)
            name = argument.id if isinstance(argument, ast.Name) else ""
            parameters = {a.arg for a in enclosing.args.args + enclosing.args.kwonlyargs} if enclosing else set()
            if not codes and name in parameters:
                continue  # a helper's parameter: its callers' literals are scanned as `_audit(conn, actor, "…")`
            if dynamic:
                codes = list(dynamic)
            elif not codes and name in NAMED:
                # a variable: the literals of this file that look like actions are its values
                codes = list(NAMED[name] or ())
                if NAMED[name] is None:
                    assigned = re.findall(rf'{name} = ("[a-z_.]+"(?: if [^\n]+ else "[a-z_.]+")?)', source)
                    codes = [c for a in assigned for c in ACTION_LITERAL.findall(a)]
            assert codes, f"{where}: cannot tell which action {written[:60]!r} records; add it to DYNAMIC or NAMED"
            for code in codes:
                found.setdefault(code, where)
    return found


def test_every_action_the_code_records_has_an_indonesian_name() -> None:
    found = recorded_actions()
    assert len(found) >= 60, sorted(found)  # the scan really found the product's calls
    missing = {code: where for code, where in found.items() if code not in ACTIONS}
    assert missing == {}


def test_the_audit_page_and_the_trail_use_the_same_labels() -> None:
    from queries.accounts import audit

    assert audit.ACTIONS is labels.ACTIONS
    assert action_name("distribution.prepare") == "Siapkan distribusi"
    assert action_name("letter.sign") == "Tanda tangani surat himbauan"


@pytest.mark.parametrize(
    "codes",
    [
        labels.ACTIONS,
        labels.ROLES,
        labels.CATEGORIES,
        labels.STATES,
        labels.TARGETS,
        labels.RULES,
        labels.EXCEPTION_STATUSES,
        labels.APPROVAL_STATUSES,
        labels.OBJECTS,
        labels.STATUS_WORDS,
        labels.FIELDS,
    ],
)
def test_no_label_is_a_raw_code(codes: dict[str, str]) -> None:
    raw = {code: text for code, text in codes.items() if re.search(r"[a-z]_[a-z]|^[a-z]+\.[a-z_]+$", text)}
    assert raw == {}


def test_area_modules_reuse_the_labels_instead_of_copies() -> None:
    from queries.accounts import users
    from queries.reconciliation import classify as reconcile

    assert users.ROLES == labels.ROLES
    assert reconcile.CATEGORY_LABELS == labels.CATEGORIES


def test_a_summary_reads_as_indonesian_with_formatted_values() -> None:
    text = change_text(
        {"role": "pelaksana", "active": True},
        {
            "role": "kasi",
            "active": False,
            "held": 271,
            "rows": 5344,
            "amount": 1234567,
            "business_date": "2026-12-04",
            "status": "prepared",
            "deadline": "2026-12-04T09:00:00+00:00",
        },
    )
    assert text == (
        "peran: Pelaksana → Kepala Seksi; aktif: ya → tidak; ditahan: 271; baris: 5.344; "
        "jumlah: Rp 1.234.567; tanggal buku: 04/12/2026; status: Disiapkan; "
        "batas waktu: 04/12/2026 16:00 WIB"
    )


def test_values_of_every_shape_are_formatted() -> None:
    assert value_text("first_date", date(2026, 12, 1)) == "01/12/2026"
    assert value_text("at", datetime(2026, 12, 1, 2, 0, tzinfo=UTC)) == "01/12/2026 09:00 WIB"
    assert value_text("category", "missing_in_bank") == "Tidak ada di bank"
    assert value_text("sha256", "a" * 64) == "aaaaaaaaaaaa…"
    assert value_text("dates", ["2026-12-01", "2026-12-02"]) == "01/12/2026, 02/12/2026"
    assert value_text("note", None) == "—"


def test_system_actors_are_named_in_indonesian() -> None:
    assert actor_name("system:scheduler") == "sistem (penjadwal)"
    assert actor_name("system:cli") == "sistem (baris perintah)"
    assert actor_name("budi") == "budi"


def test_a_recorded_row_reads_back_with_its_indonesian_name(engine: Engine) -> None:
    with engine.begin() as conn:
        record(
            conn,
            Actor.system("scheduler"),
            "distribution.prepare",
            object_type="distribution",
            object_id="7",
            after={"held": 271, "rows": 5344},
        )
        entry = audit_entries(conn).rows[0]
    assert (entry.action_label, change_text(entry.before, entry.after)) == (
        "Siapkan distribusi",
        "ditahan: 271; baris: 5.344",
    )


def test_kelengkapan_states_are_the_one_label_set_with_anomaly_and_excused() -> None:
    from queries import labels
    from queries.letters.notices import EXCUSED, EXCUSED_TITLE
    from queries.monitoring import completeness
    from queries.timeline import ANOMALY, ANOMALY_TITLE

    assert completeness.STATES is labels.STATES
    assert labels.STATES[ANOMALY] == ANOMALY_TITLE and labels.STATES[EXCUSED] == EXCUSED_TITLE
