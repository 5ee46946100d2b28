"""The signed token of an unsubscribe link: it names one account and never expires, so a link
in an old email still works (RFC 8058 asks for that); it needs no log-in."""

from itsdangerous import BadData, URLSafeTimedSerializer

from matcher.signing import serializer

SALT = "mail-unsubscribe"


def signer() -> URLSafeTimedSerializer:
    return serializer(SALT)


def unsubscribe_token(user_id: int, sign: URLSafeTimedSerializer | None = None) -> str:
    return (sign or signer()).dumps({"uid": user_id})


def unsubscribing_user_id(token: str) -> int | None:
    """The account a genuine token names, else ``None``."""
    try:
        data = signer().loads(token)
    except BadData:
        return None
    uid = data.get("uid") if isinstance(data, dict) else None
    return uid if isinstance(uid, int) and not isinstance(uid, bool) else None
