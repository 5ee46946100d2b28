"""The app's side of the matching engine: a round's people as the engine's arrays, a round's
settings as weights and rules, the board of advisors solved seat by seat, and re-matching.

It reads the database and calls :mod:`matcher.matching`; it never writes and imports no
feature package, so rounds (drafts, publishing) and introductions (re-matching) both build on
it.
"""
