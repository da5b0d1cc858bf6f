"""Who may do what: one table mapping every action (and every page) to the roles that hold it (DOMAIN §1).

Each area enforces its own actions inside its commands by asking `may` or `require`, and answers the pages'
`acts_for(user, …)` from the same table; the pages' `roles=` come from it too. A role that is not in an
action's tuple does not hold it; an action that is not in the table is held by nobody (a typo refuses, it never
grants). Roles are `labels.ROLES`: kasubdit, kasi, pelaksana, petugas_mpn, tu, manajemen, admin.
"""

from __future__ import annotations

from typing import Any

from queries import labels

Roles = tuple[str, ...]

EVERYONE: Roles = tuple(labels.ROLES)
#: The monitoring section and its administrator: the operational pages.
OPERATIONS: Roles = ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "admin")

#: action -> the roles that hold it. Names are `<area>.<act>`; pages are `page.<url name>`.
ACTIONS: dict[str, Roles] = {
    # Pages (who may open them; the navbar shows a user only these).
    "page.kelengkapan": OPERATIONS,
    "page.data_masuk": OPERATIONS,
    "page.rekonsiliasi": OPERATIONS,
    "page.surat_pernyataan": ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "tu", "admin"),
    "page.surat_himbauan": ("kasubdit", "kasi", "pelaksana", "tu", "admin"),
    "page.pemberitahuan": (*OPERATIONS, "tu", "manajemen"),
    "page.distribusi": OPERATIONS,
    "page.penerimaan": ("manajemen", "kasubdit", "kasi", "admin"),
    "page.rapor_bank": ("kasubdit", "kasi", "pelaksana", "admin"),
    "page.laporan": ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "admin", "manajemen"),
    "page.penjadwal": OPERATIONS,
    "page.kotak_keluar": ("kasubdit", "kasi", "admin"),
    "page.peringatan": ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "admin"),
    "page.tugas": ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "tu"),
    "page.jejak_audit": ("kasubdit", "admin"),
    "page.lacak": OPERATIONS,
    "page.akun": EVERYONE,
    "page.admin": ("admin",),
    # Reconciliation (DOMAIN R7-R11).
    "reconciliation.read": ("kasubdit", "kasi", "pelaksana", "petugas_mpn"),
    "reconciliation.work": ("pelaksana", "petugas_mpn"),
    "reconciliation.be_assigned": ("kasi", "pelaksana", "petugas_mpn"),
    "reconciliation.assign_others": ("kasi", "kasubdit"),
    "reconciliation.bank_result_send": ("pelaksana", "petugas_mpn"),
    "reconciliation.approve": ("kasi",),
    # Letters (SE-127 steps 4-8) and disruption notices.
    "letters.statement_record": ("pelaksana", "kasi", "kasubdit", "tu"),
    # Appeal letters: a kasi may stand in for the pelaksana as drafter, but never initials their own draft.
    "letters.appeal_draft": ("pelaksana", "kasi"),
    "letters.appeal_revise": ("pelaksana", "kasi"),
    "letters.appeal_initial": ("kasi",),
    "letters.appeal_sign": ("kasubdit",),
    "letters.appeal_return": ("kasi", "kasubdit"),
    "letters.appeal_send": ("tu",),
    "letters.notice_record": ("pelaksana", "kasi", "kasubdit"),
    "letters.notice_withdraw": ("pelaksana", "kasi", "kasubdit"),
    # Distribution (SE-127 steps 9-17).
    "distribution.prepare": ("pelaksana", "petugas_mpn"),
    "distribution.request": ("pelaksana",),
    "distribution.approve": ("kasi", "kasubdit"),
    "distribution.redistribute": ("pelaksana", "petugas_mpn"),
    # Tugas saya's bulk acts.
    "tasks.have": ("kasubdit", "kasi", "pelaksana", "petugas_mpn", "tu"),
    "tasks.paraf": ("kasi",),
    "tasks.setujui": ("kasi", "kasubdit"),
    "tasks.tandai": ("pelaksana", "petugas_mpn"),
    # A returned appeal letter waits in Tugas saya for the pelaksana (a kasi may revise it too, unasked).
    "tasks.letter_revise": ("pelaksana",),
    # Rejected input files: who handles each kind (the MPN data the petugas's, letters the pelaksana's).
    "imports.handle_mpn": ("petugas_mpn",),
    "imports.handle_bank": ("petugas_mpn", "pelaksana"),
    "imports.handle_statements": ("pelaksana",),
    "imports.handle_notices": ("pelaksana",),
    # Reports, the scheduler, administration.
    "reports.make": ("pelaksana", "kasi", "kasubdit", "admin"),
    "scheduling.operate": ("admin", "petugas_mpn"),
    "accounts.administer": ("admin",),
    "mail.resend": ("kasubdit", "kasi", "admin"),
    # Alerts: who owns each rule's duty (acknowledges or snoozes it; the bell counts it for them).
    "alerts.batch_late": ("pelaksana", "kasi", "kasubdit"),
    "alerts.statement_late": ("pelaksana", "kasi", "kasubdit"),
    "alerts.result_late": ("pelaksana", "kasi", "kasubdit"),
    "alerts.distribution_late": ("petugas_mpn", "pelaksana", "kasi", "kasubdit"),
    "alerts.file_rejected": ("admin", "pelaksana", "petugas_mpn", "kasi"),
    "alerts.scheduler_down": ("admin", "pelaksana", "petugas_mpn", "kasi"),
    "alerts.storm": ("admin", "pelaksana", "petugas_mpn", "kasi", "kasubdit"),
    "audit.read": ("kasubdit", "admin"),
}


class Refused(Exception):
    """An act the product will not take; `message` says why, in Bahasa Indonesia. Nothing was written.

    Every area's refusal is one of these (`ApprovalRefused` and its kin), so a page turns any of them into its
    alert in one place (`dashboard.access.act`). Subclasses name refusals a page answers differently, e.g. the
    reconciliation's `NeedsNotaPerbaikan`.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def roles_for(action: str) -> Roles:
    """The roles that hold `action`; () for an action nobody holds (an unknown name included)."""
    return ACTIONS.get(action, ())


def may(user: Any, action: str) -> bool:  # noqa: ANN401 - a User, or anything with .role
    """Does `user` (None: nobody logged in) hold `action`?"""
    role = getattr(user, "role", None)
    return role is not None and role in ACTIONS.get(action, ())


def require(
    user: Any,
    action: str,
    what: str,  # noqa: ANN401 - a User, or anything with .role
    refusal: type[Refused] = Refused,
) -> None:
    """Refuse (`refusal`, naming who may) unless `user` holds `action`; `what` is the act in Indonesian."""
    if not may(user, action):
        role = getattr(user, "role", None) or ""
        raise refusal(
            f"Peran Anda ({labels.ROLES.get(role, role or '-')}) tidak berwenang untuk {what}; yang "
            f"berwenang: {role_titles(action)}."
        )


def role_titles(action: str) -> str:
    """The holders of `action` as people read them, e.g. "Kepala Seksi, Kepala Subdirektorat"."""
    return ", ".join(labels.ROLES.get(role, role) for role in roles_for(action))
