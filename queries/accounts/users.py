"""Users and roles (DOMAIN §1): accounts, scrypt password hashes, login with lockout, audited changes.

Passwords are hashed with werkzeug's scrypt and never stored, returned or logged in clear. Every
change to an account bumps its `session_epoch`, which ends the sessions signed before it. Functions
never commit: the caller owns the transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, text
from werkzeug.security import check_password_hash, generate_password_hash

from queries import labels, plausibility
from queries.accounts.audit import Actor, record
from queries.permissions import Refused, require

#: Role codes with their Indonesian titles (DOMAIN §1), in the order the UI lists them.
ROLES: dict[str, str] = labels.ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
MAX_FAILURES = 5  # failed logins in a row before the account is locked ...
LOCK_MINUTES = 15  # ... for this long
SYSTEM_ACCOUNT = "sistem"  # migration 0005: disabled, no password; makes the approval requests of proposed drafts

#: Verified against unknown user names so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


class UserError(Refused, ValueError):
    """A request about accounts that cannot be done; the message says why, for the person asking.

    `str()` is the command line's (English) message; `indonesian` (and `message`, as every refusal's) is the same
    reason for the dashboard.
    """

    def __init__(self, message: str, indonesian: str = "") -> None:
        super().__init__(message)
        self.indonesian = self.message = indonesian or message


#: The action every change to someone's account needs (`queries.permissions`).
ADMINISTER = "accounts.administer"


def administering(actor: Actor, what: str) -> None:
    """Refuse (`UserError`) unless `actor` holds `accounts.administer`; `what` is the act in Indonesian. The product
    itself (the command line, the demo, the scheduler) always does."""
    if actor.role == "system":
        return
    try:
        require(actor, ADMINISTER, what)
    except Refused as why:
        raise UserError(f"only an administrator may do this (role {actor.role!r})", why.message) from None


@dataclass(frozen=True, slots=True)
class User:
    """An account as pages and commands see it (never its password hash)."""

    user_id: int
    username: str
    full_name: str
    nip: str
    role: str
    active: bool
    session_epoch: int
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    email: str = ""
    must_change_password: bool = False  # a temporary password an admin gave: change it before anything else

    @property
    def role_title(self) -> str:
        """The role in Indonesian."""
        return ROLES.get(self.role, self.role)

    @property
    def display_name(self) -> str:
        """Full name when known, else the user name."""
        return self.full_name or self.username

    def actor(self) -> Actor:
        """This user as the actor of an audited change."""
        return Actor(self.username, self.role, self.user_id)


_COLUMNS = """user_id, username, full_name, nip, role, active, session_epoch, failed_logins,
              locked_until, last_login_at, created_at, email, must_change_password"""


def user_columns(alias: str) -> str:
    """The columns a `User` is built from, in order, qualified by a table alias (for joins)."""
    return ", ".join(f"{alias}.{name.strip()}" for name in _COLUMNS.split(","))


def check_username(username: str) -> str:
    """The user name, or UserError saying what a valid one looks like."""
    if not USERNAME.match(username):
        raise UserError(
            f"invalid user name {username!r}: 2-32 characters, lower-case letters, digits, '.', '_', '-'",
            f"nama pengguna {username!r} tidak sah: 2-32 karakter, huruf kecil, angka, '.', '_', '-'",
        )
    return username


def check_role(role: str) -> str:
    """The role, or UserError listing the valid ones."""
    if role not in ROLES:
        raise UserError(
            f"unknown role {role!r}: choose one of {', '.join(ROLES)}",
            f"peran {role!r} tidak dikenal: pilih salah satu dari {', '.join(ROLES)}",
        )
    return role


def password_problem(username: str, password: str) -> str | None:
    """Why a new password is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return f"the password needs at least {MIN_PASSWORD} characters"
    if password.strip().lower() == username.lower():
        return "the password must differ from the user name"
    return None


def _check_password(username: str, password: str, policy: bool) -> None:
    if not password:
        raise UserError("the password is empty")
    if policy and (problem := password_problem(username, password)):
        raise UserError(problem)


def add_user(
    conn: Connection,
    *,
    username: str,
    role: str,
    password: str,
    actor: Actor,
    full_name: str = "",
    nip: str = "",
    policy: bool = True,
    email: str = "",
    temporary: bool = False,
) -> User:
    """Create an account; `policy=False` skips the strength rule (the demo's `demo` passwords only);
    `temporary=True` (an admin's temporary password) makes the user change it at first login."""
    administering(actor, "menambah pengguna")
    check_username(username)
    check_role(role)
    email = _checked_email(email) if email else ""
    full_name, nip = _checked_profile(full_name, nip)
    _check_password(username, password, policy)
    row = conn.execute(
        text(f"""INSERT INTO app_user (username, full_name, nip, role, password_hash, email, must_change_password)
                 VALUES (:username, :full_name, :nip, :role, :hash, :email, :temporary)
                 ON CONFLICT (username) DO NOTHING
                 RETURNING {_COLUMNS}"""),
        {
            "username": username,
            "full_name": full_name,
            "nip": nip,
            "role": role,
            "hash": generate_password_hash(password),
            "email": email,
            "temporary": temporary,
        },
    ).first()
    if row is None:
        raise UserError(f"user {username!r} already exists", f"pengguna {username!r} sudah ada")
    user = User(*row)
    record(
        conn,
        actor,
        "user.add",
        object_type="user",
        object_id=username,
        after={"role": role, "full_name": full_name, "nip": nip, **({"email": email} if email else {})},
    )
    return user


def users(conn: Connection) -> list[User]:
    """Every person's account (not the product's own `sistem`), by role order then name."""
    rows = conn.execute(
        text(f"SELECT {_COLUMNS} FROM app_user WHERE username <> :s ORDER BY username"), {"s": SYSTEM_ACCOUNT}
    ).all()
    order = list(ROLES)
    return sorted((User(*row) for row in rows), key=lambda u: (order.index(u.role), u.username))


def user_by_name(conn: Connection, username: str) -> User | None:
    """The account with this user name, or None."""
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM app_user WHERE username = :u"), {"u": username}).first()
    return None if row is None else User(*row)


def user_by_id(conn: Connection, user_id: int) -> User | None:
    """The account with this id, or None (the session cookie stores the id)."""
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM app_user WHERE user_id = :i"), {"i": user_id}).first()
    return None if row is None else User(*row)


def _require(conn: Connection, username: str) -> User:
    user = user_by_name(conn, username)
    if user is None:
        raise UserError(f"no user named {username!r}", f"tidak ada pengguna bernama {username!r}")
    if user.username == SYSTEM_ACCOUNT:
        raise UserError(
            f"{SYSTEM_ACCOUNT!r} is the product's own account (maker of proposed drafts); it cannot be changed",
            f"{SYSTEM_ACCOUNT!r} adalah akun produk sendiri; tidak dapat diubah",
        )
    return user


def _update(conn: Connection, username: str, assignments: str, params: dict[str, object]) -> User:
    row = conn.execute(
        text(f"""UPDATE app_user SET {assignments}, session_epoch = session_epoch + 1, updated_at = now()
                  WHERE username = :username RETURNING {_COLUMNS}"""),  # noqa: S608 - assignments are literals here
        {"username": username, **params},
    ).one()
    return User(*row)


def set_active(conn: Connection, username: str, active: bool, *, actor: Actor) -> User:
    """Disable (ending the user's sessions) or re-enable an account."""
    administering(actor, "mengaktifkan atau menonaktifkan pengguna")
    before = _require(conn, username)
    if before.active == active:
        return before
    if not active and before.role == "admin" and _active_admins(conn) <= 1:
        raise UserError(
            f"{username!r} is the last active admin: enable another admin first",
            f"{username!r} adalah admin aktif terakhir: aktifkan admin lain dulu",
        )
    user = _update(conn, username, "active = :active, failed_logins = 0, locked_until = NULL", {"active": active})
    record(
        conn,
        actor,
        "user.enable" if active else "user.disable",
        object_type="user",
        object_id=username,
        before={"active": before.active},
        after={"active": active},
    )
    return user


def _checked_email(email: str) -> str:
    """The address checked as the outbox checks it (`plausibility.email_address`), or UserError."""
    checked = plausibility.email_address(email)
    if checked is None:
        raise UserError(f"invalid e-mail address {email!r}", f"alamat e-mail tidak sah: {email.strip()!r}")
    return checked


def set_email(conn: Connection, username: str, email: str, *, actor: Actor) -> User:
    """Give the account an e-mail address for alerts and reports ('' removes it); audited, sessions kept."""
    administering(actor, "mengubah e-mail pengguna")
    before = _require(conn, username)
    email = _checked_email(email) if email.strip() else ""
    if before.email == email:
        return before
    row = conn.execute(
        text(f"""UPDATE app_user SET email = :email, updated_at = now() WHERE username = :username
                                RETURNING {_COLUMNS}"""),
        {"email": email, "username": username},
    ).one()
    record(
        conn,
        actor,
        "user.email",
        object_type="user",
        object_id=username,
        before={"email": before.email},
        after={"email": email},
    )
    return User(*row)


def set_role(conn: Connection, username: str, role: str, *, actor: Actor) -> User:
    """Give the account another role (its open sessions end, so the new rights apply at once)."""
    administering(actor, "mengubah peran pengguna")
    check_role(role)
    before = _require(conn, username)
    if before.role == role:
        return before
    if before.role == "admin" and before.active and _active_admins(conn) <= 1:
        raise UserError(
            f"{username!r} is the last active admin: make another admin first",
            f"{username!r} adalah admin aktif terakhir: jadikan pengguna lain admin dulu",
        )
    user = _update(conn, username, "role = :role", {"role": role})
    record(
        conn,
        actor,
        "user.role",
        object_type="user",
        object_id=username,
        before={"role": before.role},
        after={"role": role},
    )
    return user


def set_password(
    conn: Connection, username: str, password: str, *, actor: Actor, policy: bool = True, temporary: bool = False
) -> User:
    """Set a new password (an admin's reset, or the user's own change); unlocks the account.

    `temporary=True` (an admin's reset from the dashboard) makes the user change it at next login; any other
    new password clears that duty. Someone else's password only an administrator sets.
    """
    if actor.name != username:
        administering(actor, "menyetel ulang kata sandi pengguna lain")
    _require(conn, username)
    _check_password(username, password, policy)
    user = _update(
        conn,
        username,
        """password_hash = :hash, failed_logins = 0, locked_until = NULL,
                                      must_change_password = :temporary""",
        {"hash": generate_password_hash(password), "temporary": temporary},
    )
    action = "auth.password_change" if actor.name == username else "user.password_reset"
    record(
        conn, actor, action, object_type="user", object_id=username, after={"temporary": True} if temporary else None
    )
    return user


def temporary_password() -> str:
    """A random temporary password an admin hands over once (14 characters, no look-alike letters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def unlock(conn: Connection, username: str, *, actor: Actor) -> User:
    """Lift a lock left by too many failed logins (the password stays); audited with the lock it lifted."""
    administering(actor, "membuka kunci pengguna")
    before = _require(conn, username)
    if before.locked_until is None and before.failed_logins == 0:
        return before
    row = conn.execute(
        text(f"""UPDATE app_user SET failed_logins = 0, locked_until = NULL, updated_at = now()
                                 WHERE username = :username RETURNING {_COLUMNS}"""),
        {"username": username},
    ).one()
    record(
        conn,
        actor,
        "user.unlock",
        object_type="user",
        object_id=username,
        before={
            "locked_until": before.locked_until.isoformat() if before.locked_until else None,
            "failed_logins": before.failed_logins,
        },
        after={"locked_until": None, "failed_logins": 0},
    )
    return User(*row)


NIP = re.compile(r"^[0-9]{18}$")


def _checked_profile(full_name: str, nip: str) -> tuple[str, str]:
    """Full name (one line, at most 120 characters) and NIP (18 digits or empty), trimmed; else UserError."""
    full_name, nip = " ".join(full_name.split()), nip.strip()
    if len(full_name) > 120:
        raise UserError("the full name has more than 120 characters", "nama lengkap lebih dari 120 karakter")
    if nip and not NIP.match(nip):
        raise UserError(f"invalid NIP {nip!r}: 18 digits", f"NIP {nip!r} tidak sah: harus 18 angka (atau kosong)")
    return full_name, nip


def set_profile(conn: Connection, username: str, *, full_name: str, nip: str, actor: Actor) -> User:
    """Change the account's full name and NIP (shown on pages and letters); audited, sessions kept."""
    administering(actor, "mengubah nama lengkap dan NIP pengguna")
    before = _require(conn, username)
    full_name, nip = _checked_profile(full_name, nip)
    if (before.full_name, before.nip) == (full_name, nip):
        return before
    row = conn.execute(
        text(f"""UPDATE app_user SET full_name = :f, nip = :n, updated_at = now()
                                 WHERE username = :username RETURNING {_COLUMNS}"""),
        {"f": full_name, "n": nip, "username": username},
    ).one()
    record(
        conn,
        actor,
        "user.profile",
        object_type="user",
        object_id=username,
        before={"full_name": before.full_name, "nip": before.nip},
        after={"full_name": full_name, "nip": nip},
    )
    return User(*row)


def change_own_password(conn: Connection, user: User, current: str, new: str) -> User:
    """A user's own password change: the current password must be right (its other sessions end)."""
    stored = conn.execute(
        text("SELECT password_hash FROM app_user WHERE user_id = :i FOR UPDATE"), {"i": user.user_id}
    ).scalar_one()
    if not check_password_hash(stored, current):
        raise UserError("Kata sandi saat ini salah.")
    if new == current:
        raise UserError("Kata sandi baru harus berbeda dari yang lama.")
    return set_password(conn, user.username, new, actor=user.actor())


def _active_admins(conn: Connection) -> int:
    """Active admins, their rows locked: two transactions demoting two admins cannot both pass the check."""
    return conn.execute(
        text("""SELECT count(*) FROM (SELECT 1 FROM app_user WHERE role = 'admin' AND active
                                                      FOR UPDATE) AS admins""")
    ).scalar_one()


class LoginResult(NamedTuple):
    """The outcome of a login attempt: the user when `ok`, else why not (`bad`, `locked`, `disabled`)."""

    user: User | None
    outcome: str
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        """The password was right and the account may log in."""
        return self.outcome == "ok"


def authenticate(conn: Connection, username: str, password: str, *, now: datetime, source: str = "") -> LoginResult:
    """Check a login and record it; MAX_FAILURES wrong passwords in a row lock the account LOCK_MINUTES.

    The row is locked while checking so parallel guesses count one by one. An unknown name costs a
    hash check too, and reports `bad` like a wrong password, so names cannot be probed.
    """
    row = conn.execute(
        text(f"SELECT {_COLUMNS}, password_hash FROM app_user WHERE username = :u FOR UPDATE"),
        {"u": username.strip().lower()},
    ).first()
    where = {"source": source} if source else None
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        record(
            conn,
            Actor(username[:64] or "?", ""),
            "auth.login_failed",
            object_type="user",
            object_id=username[:64],
            after={"reason": "unknown user", **(where or {})},
        )
        return LoginResult(None, "bad")
    user, stored = User(*row[:-1]), row[-1]
    if user.locked_until is not None and user.locked_until > now:
        check_password_hash(_DUMMY_HASH, password)
        record(
            conn,
            user.actor(),
            "auth.login_failed",
            object_type="user",
            object_id=user.username,
            after={"reason": "locked", **(where or {})},
        )
        return LoginResult(None, "locked", user.locked_until)
    if not check_password_hash(stored, password):
        failures = user.failed_logins + 1
        locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        conn.execute(
            text("""UPDATE app_user SET failed_logins = :f, locked_until = :l WHERE user_id = :i"""),
            {"f": 0 if locked else failures, "l": locked, "i": user.user_id},
        )
        record(
            conn,
            user.actor(),
            "auth.locked" if locked else "auth.login_failed",
            object_type="user",
            object_id=user.username,
            after={"failures": failures, **(where or {})},
        )
        return LoginResult(None, "locked", locked) if locked else LoginResult(None, "bad")
    if not user.active:
        record(
            conn,
            user.actor(),
            "auth.login_failed",
            object_type="user",
            object_id=user.username,
            after={"reason": "disabled", **(where or {})},
        )
        return LoginResult(None, "disabled")
    row = conn.execute(
        text(f"""UPDATE app_user SET failed_logins = 0, locked_until = NULL, last_login_at = :now
                  WHERE user_id = :i RETURNING {_COLUMNS}"""),
        {"now": now, "i": user.user_id},
    ).one()
    record(conn, user.actor(), "auth.login", object_type="user", object_id=user.username, after=where)
    return LoginResult(User(*row), "ok")


def session_user(conn: Connection, user_id: int, epoch: int) -> User | None:
    """The logged-in user behind a session cookie, or None if disabled or changed since it was signed."""
    user = user_by_id(conn, user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


def system_user(conn: Connection) -> User:
    """The account `sistem`: the product's own, maker of the drafts and requests the system proposes."""
    user = user_by_name(conn, SYSTEM_ACCOUNT)
    if user is None:
        raise RuntimeError("the account 'sistem' is missing: run `mpn db upgrade`")
    return user


#: An account's editable facts, with the Indonesian name a person reads for each.
PROFILE_FIELDS = (("role", "peran"), ("email", "e-mail"), ("full_name", "nama lengkap"), ("nip", "NIP"))


def update_account(
    conn: Connection, username: str, *, role: str, email: str, full_name: str, nip: str, actor: Actor
) -> tuple[User, list[str]]:
    """The administrator's edit of one account (profile, e-mail, role), each change audited; the account after it
    and the Indonesian names of what changed (empty: nothing did)."""
    before = _require(conn, username)
    set_profile(conn, username, full_name=full_name, nip=nip, actor=actor)
    set_email(conn, username, email, actor=actor)
    after = set_role(conn, username, role, actor=actor)
    changed = [title for field, title in PROFILE_FIELDS if getattr(before, field) != getattr(after, field)]
    return after, changed


def toggle_active(conn: Connection, username: str, *, actor: Actor) -> User:
    """Disable an active account or re-enable a disabled one (`set_active`); nobody disables their own."""
    user = _require(conn, username)
    if user.active and actor.name == username:
        raise UserError("own account", "Anda tidak dapat menonaktifkan akun Anda sendiri.")
    return set_active(conn, username, not user.active, actor=actor)
