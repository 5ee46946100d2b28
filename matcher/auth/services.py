"""Account rules: registration, authentication, password changes and resets.

Functions here change the session's objects and leave committing to the caller, so a change and
the mail it causes share one transaction.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from matcher import audit, clock, timezones
from matcher.auth import limits, passwords
from matcher.extensions import db
from matcher.mail import queue_mail
from matcher.models import Role, User
from matcher.models.released import released_at
from matcher.models.user import SIDES, normalize_email
from matcher.signing import serializer
from matcher.text import has_controls

RESET_SALT = "matcher.password-reset"
INVITATION_SALT = "matcher.invitation"


class AccountError(ValueError):
    """A request the account rules refuse; the message is safe to show."""


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


NAME_MAX = User.__table__.c.name.type.length
EMAIL_MAX = User.__table__.c.email.type.length


def _check_identity(email: str, name: str) -> None:
    """Refuse a name or email that is not one line fitting its column (forms check this
    first; the command line and other callers rely on it here)."""
    name = name.strip()
    if not name or len(name) > NAME_MAX or has_controls(name):
        raise AccountError(f"A name is one line of 1 to {NAME_MAX} characters.")
    address = normalize_email(email)
    if len(address) > EMAIL_MAX or has_controls(address) or "@" not in address:
        raise AccountError("That is not a valid email address.")


def _add_user(email: str, name: str, role: Role, password_hash: str, **fields) -> User:
    _check_identity(email, name)
    if find_user(email) is not None:
        raise AccountError("An account with that email already exists.")
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        roles={role},
        password_hash=password_hash,
        **fields,
    )
    db.session.add(user)
    return user


def create_user(
    email: str, name: str, password: str, role: Role, time_zone: str = timezones.DEFAULT_ZONE
) -> User:
    """A new account. Raises ``AccountError`` for a taken email, an unacceptable password or
    an unknown time zone."""
    problem = passwords.password_problem(password)
    if problem:
        raise AccountError(problem)
    return _add_user(
        email,
        name,
        role,
        passwords.hash_password(password),
        password_changed_at=clock.now(),
        time_zone=_checked_zone(time_zone),
    )


def _checked_zone(name: str) -> str:
    try:
        return timezones.checked_zone(name)
    except timezones.InvalidZoneError as exc:
        raise AccountError(str(exc)) from None


def set_time_zone(user: User, name: str) -> None:
    """Show ``user`` dates and times in the IANA zone ``name`` from now on (pages and
    emails); ``AccountError`` for a name zoneinfo does not know."""
    user.time_zone = _checked_zone(name)
    audit.record("auth.time_zone", actor=user, target=user, time_zone=user.time_zone)


UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105 (a marker, not a password)
LOOKUP_CHUNK = 500


def invite_users(
    people: list[tuple[str, str, Role]],
    template: str = "auth/invitation",
    on_progress: Callable[[int, int], None] | None = None,
    **context,
) -> list[User]:
    """Accounts with no usable password, each with an email inviting them to choose one.

    The stored hash is a random marker that no password verifies against, so inviting many
    people (roster imports) costs no password hashing; the emails are checked in chunks and
    the accounts written in one flush. ``template`` and ``context`` shape the invitation;
    ``on_progress(done, total)`` follows the invitations. The accounts start in the time zone
    of the ``group`` in ``context`` (UTC without one); their owners can change it.
    """
    for email, name, _ in people:
        _check_identity(email, name)
    emails = [normalize_email(email) for email, _, _ in people]
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        if db.session.scalar(select(User.id).where(User.email.in_(chunk)).limit(1)):
            raise AccountError("An account with that email already exists.")
    zone = timezones.zone_or_default(getattr(context.get("group"), "time_zone", None))
    users = [
        User(
            email=email,
            name=name.strip(),
            roles={role},
            password_hash=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(24),
            time_zone=zone,
        )
        for email, (_, name, role) in zip(emails, people, strict=True)
    ]
    db.session.add_all(users)
    db.session.flush()
    group = context.get("group")
    link = invitation_lifetime()
    for k, user in enumerate(users, 1):
        queue_mail(
            user,
            template,
            user=user,
            token=invitation_token(user),
            link=link,
            zone=user.time_zone,
            **context,
        )
        audit.record(
            "user.invite",
            target=user,
            group_id=getattr(group, "id", None),
            role=user.role_names,
        )
        if on_progress is not None:
            on_progress(k, len(users))
    return users


def invite_user(email: str, name: str, role: Role) -> User:
    """One invited account (see ``invite_users``)."""
    return invite_users([(email, name, role)])[0]


SIGNUP_SALT = "matcher.signup"


@dataclass(frozen=True)
class Signup:
    """A sign-up the owner of ``email`` confirmed by opening the emailed link."""

    email: str
    name: str
    role: Role
    time_zone: str = timezones.DEFAULT_ZONE


def request_signup(
    email: str, name: str, role: Role, time_zone: str = timezones.DEFAULT_ZONE
) -> None:
    """Start a self-service sign-up without telling whether the email is registered.

    A new address is sent a link to confirm it and choose a password (the account is made
    then, by the owner of the mailbox, so nobody can set up an account for someone else's
    address with a password they know). A registered address is sent a reminder with a reset
    link instead. Both branches do the same work: one look-up, one signature, one queued mail.
    Past the address's budget of sign-up mails (``ACCOUNT_MAILS_PER_HOUR``) neither is sent.
    """
    if role not in SIDES:
        raise AccountError("Choose student or mentor.")
    time_zone = _checked_zone(time_zone)
    address, name = normalize_email(email), name.strip()
    if not limits.mail_allowed("signup", address):
        return
    existing = find_user(address)
    if existing is None:
        token = _serializer(SIGNUP_SALT).dumps(
            {"email": address, "name": name, "role": role, "zone": time_zone}
        )
        queue_mail(address, "auth/confirm_signup", name=name, token=token, zone=time_zone)
        return
    if not existing.active:
        queue_mail(existing, "auth/signup_exists", user=existing, token=None)
    else:
        _queue_password_link(existing, "auth/signup_exists")


def signup_for_token(token: str) -> Signup:
    """The sign-up a valid, unexpired, unused confirmation link stands for; ``AccountError``
    otherwise. A link issued before an account with its address was deleted (or moved to
    another address) is not valid: it was for a state of the address that has passed."""
    invalid = AccountError("This confirmation link is not valid. Sign up again.")
    try:
        data, issued = _serializer(SIGNUP_SALT).loads(
            token, max_age=current_app.config["SIGNUP_CONFIRM_MAX_AGE"], return_timestamp=True
        )
        signup = Signup(
            email=data["email"],
            name=data["name"],
            role=Role(data["role"]),
            time_zone=timezones.zone_or_default(data.get("zone")),
        )
    except SignatureExpired:
        raise AccountError("This confirmation link has expired. Sign up again.") from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    if signup.role not in SIDES:
        raise invalid
    if find_user(signup.email) is not None:
        raise AccountError(
            "This link has already been used: the account exists. Log in, or reset the password."
        )
    released = released_at(signup.email)
    if released is not None and issued <= released:
        raise invalid
    return signup


def confirm_signup(signup: Signup, password: str) -> User:
    """The account a confirmed sign-up asked for, with the password its owner chose."""
    user = create_user(signup.email, signup.name, password, signup.role, signup.time_zone)
    db.session.flush()
    audit.record("auth.signup", actor=user, target=user, role=signup.role.value)
    return user


@dataclass(frozen=True)
class PasswordCheck:
    """A log-in's password, checked: the account the email names (``None``: none), the stored
    hash the password matched (``None``: it did not) and, where that hash's parameters are out
    of date, its replacement."""

    address: str
    user_id: int | None
    matched: str | None
    rehashed: str | None = None


def check_password(email: str, password: str) -> PasswordCheck:
    """The slow half of a log-in (argon2 at full cost), which only reads: run it before the
    transaction that records the log-in, so that on SQLite no write waits for it. An unknown
    email takes as long as a wrong password."""
    address = normalize_email(email)
    user = find_user(address)
    if user is None:
        passwords.burn_verification_time(password)
        return PasswordCheck(address, None, None)
    stored = user.password_hash
    if not passwords.verify_password(stored, password):
        return PasswordCheck(address, user.id, None)
    rehashed = passwords.hash_password(password) if passwords.needs_rehash(stored) else None
    return PasswordCheck(address, user.id, stored, rehashed)


def complete_login(check: PasswordCheck) -> User | None:
    """The active user whose password ``check`` found right, if that password is still theirs
    (read again here, so a password changed meanwhile refuses the log-in), else ``None`` (same
    answer for either miss).

    Either outcome is added to the audit log (never the password); the caller commits.
    """
    user = db.session.get(User, check.user_id) if check.user_id is not None else None
    if user is None:
        audit.record("auth.login_failed", email=check.address)
        return None
    if check.matched is None or user.password_hash != check.matched or not user.active:
        audit.record("auth.login_failed", target=user, email=check.address)
        return None
    if check.rehashed is not None:
        user.password_hash = check.rehashed
    user.last_login_at = clock.now()
    audit.record("auth.login", actor=user, target=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None`` (same answer for either miss):
    :func:`check_password` then :func:`complete_login` in one transaction; the caller commits."""
    return complete_login(check_password(email, password))


def set_password(user: User, new_password: str) -> None:
    """Replace the password and end every session issued before."""
    problem = passwords.password_problem(new_password)
    if problem:
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = clock.now()
    user.end_sessions()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not right.")
    set_password(user, new_password)
    audit.record("auth.password_change", actor=user, target=user)
    if limits.mail_allowed("password-changed", user.email):
        queue_mail(user, "auth/password_changed", user=user)


def reset_password(user: User, new_password: str) -> None:
    """Set the password chosen through a reset or invitation link."""
    set_password(user, new_password)
    audit.record("auth.password_reset", actor=user, target=user)


def _serializer(salt: str = RESET_SALT) -> URLSafeTimedSerializer:
    return serializer(salt)


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def has_password(user: User) -> bool:
    """Whether the account's owner has chosen a password (an invited account has none until
    its owner follows the invitation)."""
    return not user.password_hash.startswith(UNUSABLE_PASSWORD_PREFIX)


@dataclass(frozen=True)
class LinkLifetime:
    """How long an emailed link works, in words ("30 days") and until when (a UTC moment the
    email shows in its recipient's zone: ``{{ link.until|when("long") }}``)."""

    words: str
    until: datetime


def duration_words(seconds: int) -> str:
    """``seconds`` in the largest whole unit that fits: "30 days", "48 hours", "one hour"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"one {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def _lifetime(key: str) -> LinkLifetime:
    seconds = current_app.config[key]
    return LinkLifetime(duration_words(seconds), clock.now() + timedelta(seconds=seconds))


def invitation_lifetime() -> LinkLifetime:
    """How long an invitation link made now works (``INVITATION_MAX_AGE``)."""
    return _lifetime("INVITATION_MAX_AGE")


def reset_lifetime() -> LinkLifetime:
    """How long a password-reset link made now works (``PASSWORD_RESET_MAX_AGE``)."""
    return _lifetime("PASSWORD_RESET_MAX_AGE")


def reset_token(user: User) -> str:
    """A signed token for one password reset; it dies when the password changes or it expires."""
    return _serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def invitation_token(user: User) -> str:
    """A signed token inviting an account's owner to choose a first password: it works for
    ``INVITATION_MAX_AGE`` (as long as the requests waiting for them) and dies when a
    password is set."""
    return _serializer(INVITATION_SALT).dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def _queue_invitation_again(user: User) -> None:
    queue_mail(
        user,
        "auth/invitation_again",
        user=user,
        token=invitation_token(user),
        link=invitation_lifetime(),
        zone=user.time_zone,
    )


def _queue_password_link(user: User, reset_template: str) -> None:
    """A reset link in ``reset_template`` for an account with a password; a fresh invitation
    for one whose owner never chose a password."""
    if has_password(user):
        queue_mail(
            user,
            reset_template,
            user=user,
            token=reset_token(user),
            link=reset_lifetime(),
            zone=user.time_zone,
        )
    else:
        _queue_invitation_again(user)


def request_reset(email: str) -> None:
    """Mail a link to choose a password if the account exists and the address's budget of
    reset mails (``ACCOUNT_MAILS_PER_HOUR``) is not spent; say nothing either way. An account
    whose owner never chose a password gets a fresh invitation (which lasts as long as an
    invitation), any other a reset link."""
    if not limits.mail_allowed("reset", email):
        return
    user = find_user(email)
    if user is None or not user.active:
        return
    _queue_password_link(user, "auth/reset_password")


def user_for_reset_token(token: str) -> User:
    """The user a valid, unused, unexpired token was made for; ``AccountError`` otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise AccountError("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise AccountError("This reset link is not valid. Ask for a new one.") from None
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("pw") != _password_fingerprint(user):
        raise AccountError("This reset link has already been used or is no longer valid.")
    return user


class InvitationError(AccountError):
    """An invitation link that cannot be used. ``state`` says why: ``"expired"`` (its
    account still waits for a password: a fresh link can be sent), ``"used"`` (the password
    is set) or ``"invalid"``."""

    def __init__(self, message: str, state: str) -> None:
        super().__init__(message)
        self.state = state


def _invited_user(token: str) -> tuple[User | None, str]:
    """The account an invitation token names and the token's state: ``"valid"``,
    ``"expired"``, ``"used"`` (the password has been set since) or ``"gone"`` (no such account,
    or it is switched off); ``InvitationError`` for a token that is not ours."""
    try:
        data, issued = _serializer(INVITATION_SALT).loads(token, return_timestamp=True)
    except BadSignature:
        data, issued = None, None
    if not isinstance(data, dict):
        raise InvitationError(
            "This invitation link is not valid: it may have been cut short when it was copied.",
            "invalid",
        )
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active:
        return None, "gone"
    if data.get("pw") != _password_fingerprint(user):
        return user, "used"
    if clock.now() - issued > timedelta(seconds=current_app.config["INVITATION_MAX_AGE"]):
        return user, "expired"
    return user, "valid"


def user_for_invitation(token: str) -> User:
    """The account a valid, unused, unexpired invitation link was made for; otherwise
    ``InvitationError`` saying whether a fresh link can be asked for from it."""
    user, state = _invited_user(token)
    if state == "used":
        raise InvitationError(
            "This invitation link has already been used: your password is set. Log in with it, "
            "or reset it if you have forgotten it.",
            "used",
        )
    if state == "gone":
        raise InvitationError(
            "This invitation is no longer valid: the account it was for has been removed or "
            "switched off. Ask your coordinator if you think this is a mistake.",
            "invalid",
        )
    if state == "expired":
        raise InvitationError(
            "This invitation link has expired. We can email you a new one.", "expired"
        )
    return user


def renew_invitation(token: str) -> None:
    """Email a fresh invitation to the account an expired (or still valid) invitation link
    was made for, if it still waits for its password and the address's budget of these mails
    is not spent; say nothing either way. ``InvitationError`` for a link that is not ours."""
    user, state = _invited_user(token)
    if state not in ("valid", "expired") or has_password(user):
        return
    if limits.mail_allowed("reset", user.email):
        _queue_invitation_again(user)


def accept_invitation(user: User, new_password: str) -> None:
    """Set the first password chosen through an invitation link (which then dies)."""
    set_password(user, new_password)
    audit.record("auth.invitation_accepted", actor=user, target=user)
