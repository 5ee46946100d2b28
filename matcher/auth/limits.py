"""Log-in allowances with device cookies, and per-address budgets for the mail visitors cause.

Everything is counted in the limiter's storage (``RATELIMIT_STORAGE_URI``: the site's database
by default, or Redis), so it holds across workers and hosts.

**Log-in** follows OWASP's device cookies
(https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies). A
successful log-in gives the browser a cookie ``<user id>.<nonce>.<signature>``, signed with
the secret key over the account's id and email and the nonce. An attempt that presents a valid
device cookie for the account it names counts against that device's own allowance only; every
other attempt counts against the account's one allowance for untrusted browsers and against
its address. Someone guessing from elsewhere uses up the untrusted allowance, never the
owner's browser that logged in before.

Only failures count, ``LOGIN_FAILURES_PER_MINUTE`` of each. The account's or device's
allowance is taken before the password is checked, in one atomic increment, so guesses sent
at once cannot slip past it, and given back when the password was right. The address is
checked before and charged after a failure instead: many people may log in at the same moment
behind one address (a campus network).

**Mail** a visitor or user asks for (sign-up, password reset, the password-changed notice) has
a budget per recipient address and kind, ``ACCOUNT_MAILS_PER_HOUR``. Past it the page answers
as always, so nothing is revealed, and no mail is sent.
"""

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import Signer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from matcher.extensions import limiter
from matcher.models.user import User, normalize_email

DEVICE_COOKIE = "device"
DEVICE_SALT = "matcher.device-cookie"
NAMESPACE = "matcher"

T = TypeVar("T")
_memory: list[RateLimiter] = []


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _counted(operation: Callable[[RateLimiter], T]) -> T:
    """``operation`` on the limiter's counts; on this process's memory while the shared store
    is unreachable, as Flask-Limiter does for its own limits."""
    try:
        return operation(limiter.limiter)
    except Exception:
        if not current_app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]:
            raise
        current_app.logger.warning(
            "Rate limit storage unreachable: counting in this process's memory", exc_info=True
        )
        if not _memory:
            _memory.append(FixedWindowRateLimiter(MemoryStorage()))
        return operation(_memory[0])


@dataclass(frozen=True)
class Allowance:
    """One limit on one thing (an account, a device, an address)."""

    limit: RateLimitItem
    identifiers: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.limit.key_for(*self.identifiers)

    def left(self) -> bool:
        return _counted(lambda counts: counts.test(self.limit, *self.identifiers))

    def take(self) -> bool:
        """Count one; whether that was still within the limit."""
        return _counted(lambda counts: counts.hit(self.limit, *self.identifiers))

    def give_back(self) -> None:
        def refund(counts: RateLimiter) -> None:
            if counts.storage.get(self.key) > 0:
                counts.storage.incr(self.key, self.limit.get_expiry(), amount=-1)

        _counted(refund)

    def refusal(self) -> TooManyRequests:
        stats = _counted(lambda counts: counts.get_window_stats(self.limit, *self.identifiers))
        return TooManyRequests(retry_after=max(1, int(stats.reset_time - time.time())))


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT, digest_method=hashlib.sha256)


def _device_message(user: User, nonce: str) -> str:
    return f"{user.id}:{normalize_email(user.email)}:{nonce}"


def trusted_device(user: User | None) -> str | None:
    """The nonce of this browser's device cookie when it is valid for ``user``, else ``None``."""
    if user is None:
        return None
    user_id, _, rest = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    nonce, _, signature = rest.partition(".")
    if user_id != str(user.id) or not nonce or not signature:
        return None
    if not _signer().verify_signature(_device_message(user, nonce), signature):
        return None
    return nonce


def remember_device(response: Response, user: User) -> None:
    """Give the browser a fresh device cookie for ``user`` (after a successful log-in)."""
    nonce = secrets.token_urlsafe(16)
    signature = _signer().get_signature(_device_message(user, nonce)).decode()
    config = current_app.config
    response.set_cookie(
        DEVICE_COOKIE,
        f"{user.id}.{nonce}.{signature}",
        max_age=config["DEVICE_COOKIE_MAX_AGE"],
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


class LoginAttempt:
    """The allowances one log-in attempt for ``email`` (``user`` if it names one) counts
    against: ``begin`` before the password is checked, then ``succeeded`` or ``failed``."""

    def __init__(self, user: User | None, email: str) -> None:
        per_minute = parse(f"{current_app.config['LOGIN_FAILURES_PER_MINUTE']} per minute")
        device = trusted_device(user)
        self.address: Allowance | None = None
        if device is not None:
            self.reserved = Allowance(
                per_minute, (NAMESPACE, "login-device", f"{user.id}:{device}")
            )
        else:
            self.reserved = Allowance(
                per_minute, (NAMESPACE, "login-account", normalize_email(email))
            )
            self.address = Allowance(per_minute, (NAMESPACE, "login-address", get_remote_address()))
        self.enabled = _enabled()

    def begin(self) -> None:
        """Take the attempt's place; ``TooManyRequests`` (429) when an allowance is used up."""
        if not self.enabled:
            return
        if self.address is not None and not self.address.left():
            raise self.address.refusal()
        if not self.reserved.take():
            self.reserved.give_back()
            raise self.reserved.refusal()

    def succeeded(self) -> None:
        if self.enabled:
            self.reserved.give_back()

    def failed(self) -> None:
        if self.enabled and self.address is not None:
            self.address.take()


def mail_allowed(kind: str, address: str) -> bool:
    """Whether one more ``kind`` email may go to ``address`` this hour; counts it if so."""
    if not _enabled():
        return True
    per_hour = parse(f"{current_app.config['ACCOUNT_MAILS_PER_HOUR']} per hour")
    return Allowance(per_hour, (NAMESPACE, f"mail-{kind}", normalize_email(address))).take()
