"""Which emails may wait for the daily digest and carry an unsubscribe link, and which never.

A message's kind is its template's name (``auth/reset_password``), or for the introduction
emails, which share one template, ``introductions/<key>``. A kind not named here is essential:
a new email is sent at once and to everyone until someone decides it may wait.

Essential (sent at once, to everyone, unsubscribed or not; no unsubscribe link):

- ``auth/*``: confirming a sign-up, invitations and fresh invitation links, password resets,
  "your password was changed", "you already have an account" — sign-in and security notices.
- ``groups/asked_to_join``, ``groups/invitation``: invitations to a group.
- ``groups/join_request``: a coordinator is asked to approve someone.
- ``introductions/ask``, ``ask_several``, ``reminder``, ``reminder_several``: a mentor is asked
  to answer (and reminded), with a date after which the request expires.
- ``introductions/introduction_student``, ``introduction_mentor``: the introduction itself,
  with each side's contact details; both are asked to get in touch now.
- ``introductions/request``, ``request_reminder``: a student's request between rounds, for the
  mentor to answer, and its one reminder.
- ``meetings/*``: proposed times to pick from, calendar invitations, their updates and
  cancellations, and the reminder the day before.

Non-urgent (held for the digest of those who chose it; dropped for those who unsubscribed; an
unsubscribe link and ``List-Unsubscribe`` headers when sent):

- ``board/published``: a round's summary of the student's board (the mentors are asked
  separately; nothing waits on the student).
- ``groups/request_approved``: the student's request to join went through.
- ``introductions/declined``, ``expired``, ``withdrawn``: news of an introduction that ended;
  the seat is re-matched by the site without the student doing anything;
  ``request_withdrawn``: a mentor's note that a student's request to them was withdrawn
  because another mentor took the seat first.
- ``introductions/checkin``, ``thanks``, ``early_rating``, ``closing``: check-ins, thank-you
  nudges, rating asks and the end-of-cycle note.
- ``mail/digest``: the digest itself.
"""

DIGEST = "mail/digest"

NON_URGENT = frozenset(
    {
        "board/published",
        "groups/request_approved",
        "introductions/declined",
        "introductions/expired",
        "introductions/withdrawn",
        "introductions/request_withdrawn",
        "introductions/checkin",
        "introductions/thanks",
        "introductions/early_rating",
        "introductions/closing",
        DIGEST,
    }
)


def essential(kind: str) -> bool:
    """Whether a message of ``kind`` always goes, at once, to everyone."""
    return kind not in NON_URGENT
