"""The signals the introduction life cycle sends, for features built on introductions (meetings)
to act on without introductions importing them.

``ended`` is sent with the introduction as sender, in the caller's transaction, each time one
stops running (declined, expired, withdrawn for any reason, or completed); the receivers change
the session and queue mail there too, so the end and what follows from it commit together.
"""

from blinker import Namespace

_signals = Namespace()

ended = _signals.signal("introduction-ended")
