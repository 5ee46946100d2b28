"""All-or-nothing roster import from CSV.

``validate`` reads the whole file and checks every row against the vocabulary and the existing
accounts before anything is written; ``apply`` then writes the lot in the caller's transaction.
Lookups are batched (accounts by email in chunks, the vocabulary in two queries, the
institutions' names and aliases in two), so a 10,000-row file costs a handful of reads. A school
or institution must be an institution's name or alias and is saved under its name; the closest
names are suggested for one that is not. Only values that differ are written, which is what
makes a second import of the same file change nothing.

An import creates accounts, and fills or changes only the accounts it created itself: made by an
import into the same group, never taken over by their owner (no log-in, no password chosen) and
in no other group. Every other account the file names is invited to join, and nothing of theirs
changes until they accept.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from matcher import clock
from matcher.auth.limits import mail_allowed
from matcher.auth.services import AccountError, invite_users
from matcher.extensions import db
from matcher.institutions import services as institutions
from matcher.mail import queue_mail
from matcher.models import (
    FocusArea,
    Institution,
    InterestGroup,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Role,
    Specialty,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.models.profile import mentor_focus, student_focus
from matcher.models.user import normalize_email
from matcher.rosters import columns
from matcher.spreadsheet import unescape_formula
from matcher.text import has_controls

MAX_ROWS = 10_000
MAX_SUGGESTED = 200
LOOKUP_CHUNK = 500
TEXT_COLUMNS = {
    "email": User.email,
    "name": User.name,
    "school": StudentProfile.school,
    "institution": MentorProfile.institution,
    "region": MentorProfile.region,
}
MAX_LENGTHS = {name: column.type.length for name, column in TEXT_COLUMNS.items()}
ROLES = {Role.STUDENT.value: Role.STUDENT, Role.MENTOR.value: Role.MENTOR}


CHECKING = "Checking rows"
INVITING = "Creating accounts and invitations"
SAVING = "Saving profiles and memberships"
UPDATING = "Updating people already here"


def _no_progress(done: int, total: int, stage: str) -> None:
    pass


class RosterImportError(ValueError):
    """The file was refused; ``errors`` says why, row by row. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


class RosterConflictError(ValueError):
    """Accounts changed while the file was being imported; nothing was written."""


@dataclass
class ImportSummary:
    """What an import did, in rows: ``created`` people are new accounts, each sent an email to
    choose a password; ``invited`` people already had an account and were asked to join;
    ``approved`` people had asked to join and are now members."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invited: int = 0
    approved: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.invited + self.approved

    def message(self) -> str:
        rows = "1 row" if self.rows == 1 else f"{self.rows} rows"
        people = "1 new person" if self.created == 1 else f"{self.created} new people"
        text = (
            f"Imported {rows}: {people} invited by email, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        )
        if self.invited:
            who = "person" if self.invited == 1 else "people"
            text += (
                f" {self.invited} {who} with an account already asked to join the group; "
                "they become members when they accept, and nothing of theirs was changed."
            )
        if self.approved:
            asks = "request" if self.approved == 1 else "requests"
            text += f" {self.approved} {asks} to join approved."
        return text


@dataclass
class Entry:
    """One valid row: the account it names and the profile values it sets (given cells only)."""

    row: int
    email: str
    name: str
    role: Role
    values: dict[str, Any]
    specialty_ids: list[int] | None
    focus_area_ids: list[int] | None
    user: User | None
    editable: bool = True


@dataclass
class ImportPlan:
    """A checked file, ready to write: its valid rows and the group's memberships of them."""

    group: InterestGroup
    entries: list[Entry]
    vocabulary: "Vocabulary"
    memberships: dict[int, Membership] = field(default_factory=dict)


def editable(user: User, group: InterestGroup, elsewhere: set[int]) -> bool:
    """Whether an import into ``group`` may change ``user``: an account an import into this
    group created, that its owner has not taken over and that is in no other group
    (``elsewhere`` holds the ids of accounts with a membership in another group)."""
    return user.imported_by_group_id == group.id and not user.claimed and user.id not in elsewhere


class Vocabulary:
    """Every specialty (retired ones too) and focus area, by name ignoring case and spacing."""

    def __init__(self) -> None:
        query = select(Specialty).options(selectinload(Specialty.focus_areas))
        self.specialties = list(db.session.scalars(query))
        self.by_name = {columns.folded(s.name): s for s in self.specialties}
        self.areas = {area.id: area for s in self.specialties for area in s.focus_areas}


class Places:
    """Every institution by its names and aliases (ignoring case and spacing), for a file's
    school and institution cells; the closest known names for a cell that names none (looked
    up once per name, for the first ``MAX_SUGGESTED`` unknown names: a page lists no more)."""

    def __init__(self) -> None:
        names = dict(db.session.execute(select(Institution.id, Institution.name)).all())
        self.by_name = {key: (names[i], i) for key, i in institutions.index().items()}
        self._closest: dict[str, list[str]] = {}

    def find(self, cell: str) -> tuple[str, int] | None:
        """The (name, id) of the institution ``cell`` names or is an alias of."""
        return self.by_name.get(institutions.folded(cell))

    def closest(self, cell: str) -> list[str]:
        key = institutions.folded(cell)
        if key not in self._closest:
            if len(self._closest) >= MAX_SUGGESTED:
                return []
            self._closest[key] = [found.name for found in institutions.suggest(cell)]
        return self._closest[key]


OnProgress = Callable[[int, int, str], None]


def import_roster(
    group: InterestGroup, data: bytes, on_progress: OnProgress | None = None
) -> ImportSummary:
    """Validate the whole file, then apply it; ``RosterImportError`` if any row is wrong.

    ``on_progress(done, total, stage)`` is called as rows are checked and again as they are
    written (each phase counts its own rows).
    """
    return apply(validate(group, data, on_progress), on_progress)


def import_roster_rows(
    group: InterestGroup, rows: list[tuple[int, dict[str, str]]]
) -> ImportSummary:
    """``import_roster`` for rows already read by ``read_rows``."""
    return apply(check_rows(group, rows))


# --- reading the file ------------------------------------------------------------------------


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The non-blank rows as (spreadsheet row number, {column: cell}); file-level errors raise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterImportError(
            [
                f"The file is not UTF-8 text (the first unreadable byte is on line {line}). "
                "In your spreadsheet, save it as “CSV UTF-8 (comma delimited)” and upload it again."
            ]
        ) from None
    if not text.strip():
        raise RosterImportError(["The file is empty. Start from the template below."])
    if "\x00" in text:
        raise RosterImportError(["The file is not a CSV text file (it contains NUL bytes)."])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        names = _check_header(header)
        rows = []
        for number, cells in enumerate(reader, start=2):
            row = _row_cells(names, cells)
            if row is None:
                continue
            if len(rows) == MAX_ROWS:
                raise RosterImportError(
                    [f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."]
                )
            rows.append((number, row))
    except csv.Error as exc:
        raise RosterImportError(
            [f"Line {reader.line_num} could not be read as CSV ({exc}). Check its quotes."]
        ) from None
    if not rows:
        raise RosterImportError(["The file has a header row but no people in it."])
    return rows


def _check_header(header: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    named = [name for name in names if name]
    errors = []
    if len(named) == 1 and ";" in named[0]:
        raise RosterImportError(
            [
                "The columns seem to be separated by semicolons. Save the file as "
                "“CSV UTF-8 (comma delimited)” so columns are separated by commas."
            ]
        )
    repeated = sorted({name for name in named if named.count(name) > 1})
    if repeated:
        errors.append(f"These columns appear more than once: {', '.join(repeated)}.")
    unknown = [name for name in dict.fromkeys(named) if name not in columns.NAMES]
    if unknown:
        errors.append(
            f"Unknown columns: {', '.join(repr(n) for n in unknown)}. "
            f"The columns are: {', '.join(columns.NAMES)}."
        )
    missing = [name for name in columns.REQUIRED if name not in named]
    if missing:
        errors.append(f"Missing required columns: {', '.join(missing)}.")
    if errors:
        raise RosterImportError(errors)
    return names


def _row_cells(names: list[str], cells: list[str]) -> dict[str, str] | None:
    """The row's cells by column name, trimmed and un-escaped; ``None`` for a blank row."""
    values = [unescape_formula(cell.strip()) for cell in cells]
    if not any(values):
        return None
    row = {name: "" for name in names if name}
    for index, value in enumerate(values):
        name = names[index] if index < len(names) else ""
        if name:
            row[name] = value
        elif value:
            row.setdefault("", f"column {index + 1}")
    return row


# --- checking every row ----------------------------------------------------------------------


def validate(
    group: InterestGroup, data: bytes, on_progress: OnProgress | None = None
) -> ImportPlan:
    """Check every row; ``RosterImportError`` listing each problem, or the plan to apply."""
    return check_rows(group, read_rows(data), on_progress)


def check_rows(
    group: InterestGroup,
    rows: list[tuple[int, dict[str, str]]],
    on_progress: OnProgress | None = None,
) -> ImportPlan:
    """``validate`` for rows already read by ``read_rows``."""
    report = on_progress or _no_progress
    report(0, len(rows), CHECKING)
    vocabulary = Vocabulary()
    places = Places()
    users = _users_by_email({normalize_email(cells["email"]) for _, cells in rows})
    elsewhere = _in_other_groups(group, [user.id for user in users.values()])
    changeable = {email for email, user in users.items() if editable(user, group, elsewhere)}
    errors: list[str] = []
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for k, (number, cells) in enumerate(rows, 1):
        problems: list[str] = []
        entry = _check_row(number, cells, users, changeable, vocabulary, places, seen, problems)
        label = cells["email"][:80]
        prefix = f"Row {number} ({label})" if label else f"Row {number}"
        errors.extend(f"{prefix}: {problem}" for problem in problems)
        if entry is not None and not problems:
            entries.append(entry)
        report(k, len(rows), CHECKING)
    if errors:
        raise RosterImportError(errors)
    plan = ImportPlan(group=group, entries=entries, vocabulary=vocabulary)
    plan.memberships = _memberships(group, [e.user.id for e in entries if e.user is not None])
    return plan


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _users_by_email(emails: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    options = (
        selectinload(User.student_profile).selectinload(StudentProfile.interests),
        selectinload(User.student_profile).selectinload(StudentProfile.focus_areas),
        selectinload(User.mentor_profile).selectinload(MentorProfile.focus_areas),
    )
    plausible = sorted(e for e in emails if "@" in e and len(e) <= MAX_LENGTHS["email"])
    for chunk in _chunks(plausible):
        query = select(User).where(User.email.in_(chunk)).options(*options)
        found.update((user.email, user) for user in db.session.scalars(query))
    return found


def _in_other_groups(group: InterestGroup, user_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(sorted(user_ids)):
        query = select(Membership.user_id).where(
            Membership.group_id != group.id, Membership.user_id.in_(chunk)
        )
        found.update(db.session.scalars(query))
    return found


def _memberships(group: InterestGroup, user_ids: list[int]) -> dict[int, Membership]:
    found: dict[int, Membership] = {}
    for chunk in _chunks(sorted(user_ids)):
        query = select(Membership).where(
            Membership.group_id == group.id, Membership.user_id.in_(chunk)
        )
        found.update((m.user_id, m) for m in db.session.scalars(query))
    return found


def _check_row(
    number: int,
    cells: dict[str, str],
    users: dict[str, User],
    changeable: set[str],
    vocabulary: Vocabulary,
    places: Places,
    seen: dict[str, int],
    problems: list[str],
) -> Entry | None:
    if "" in cells:
        problems.append(f"has a value in {cells['']}, which has no column name")
    email = _check_email(cells["email"], problems)
    if email:
        if email in seen:
            problems.append(f"the same email is already on row {seen[email]}")
        else:
            seen[email] = number
    name = cells["name"]
    if not name:
        problems.append("the name is empty")
    _check_lengths(cells, problems)
    role = _check_role(cells["role"], problems)
    user = users.get(email) if email else None
    if user is not None and role is not None and not user.has_role(role):
        problems.append(
            f"{email} cannot be used for a {role.value} here. "
            "Check the address, or use the one this person uses on matcher"
        )
    if role is None:
        return None
    wrong = columns.MENTOR_ONLY if role is Role.STUDENT else columns.STUDENT_ONLY
    for column in sorted(wrong & {name for name, value in cells.items() if value}):
        problems.append(f"{column} is for {'mentors' if role is Role.STUDENT else 'students'} only")
    values = _check_values(cells, role, user, places, problems)
    specialty_ids = _check_specialties(cells, role, user, vocabulary, problems)
    focus_ids = _check_focus_areas(cells, specialty_ids, vocabulary, problems)
    entry = Entry(number, email, name, role, values, specialty_ids, focus_ids, user)
    entry.editable = user is None or email in changeable
    return entry


def _check_email(raw: str, problems: list[str]) -> str:
    if not raw:
        problems.append("the email is empty")
        return ""
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        problems.append(f"{raw!r} is not a valid email address")
        return ""
    return normalize_email(raw)


def _check_lengths(cells: dict[str, str], problems: list[str]) -> None:
    """Each text cell fits its column and is one line with no control characters."""
    for column, limit in MAX_LENGTHS.items():
        value = cells.get(column, "")
        if len(value) > limit:
            problems.append(f"{column} is longer than {limit} characters")
        if has_controls(value):
            problems.append(f"{column} has a line break or another control character")


def _check_role(raw: str, problems: list[str]) -> Role | None:
    role = ROLES.get(raw.lower())
    if role is None:
        problems.append(f"role must be student or mentor, not {raw!r}" if raw else "role is empty")
    return role


def _number(cells, column, low, high, problems) -> int | None:
    raw = cells.get(column, "")
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    problems.append(f"{column} must be a whole number from {low} to {high}, not {raw!r}")
    return None


def _check_place(
    cells: dict[str, str],
    column: str,
    saved: str,
    places: Places,
    values: dict[str, Any],
    problems: list[str],
) -> None:
    """The school or institution cell: an institution's name or alias, saved under its name
    and linked to it. The person's own saved value, written unchanged, is kept as it is."""
    cell = cells.get(column, "")
    if not cell or len(cell) > MAX_LENGTHS[column] or has_controls(cell):
        return
    found = places.find(cell)
    if found is not None:
        values[column], values["institution_id"] = found
    elif institutions.folded(cell) != institutions.folded(saved):
        closest = places.closest(cell)
        advice = (
            f" Closest: {', '.join(closest)}. Use one of these names, or ask an admin to add it."
            if closest
            else " Use an institution's name from the site's list, or ask an admin to add it."
        )
        problems.append(f"unknown institution “{cell}”.{advice}")


def _check_values(
    cells: dict[str, str], role: Role, user: User | None, places: Places, problems: list[str]
) -> dict[str, Any]:
    """The profile attributes the row sets, by attribute name."""
    values: dict[str, Any] = {}
    stage = _one_of(
        cells, "stage", columns.STAGES, "ms1, ms2, ms3, ms4, research or graduated", problems
    )
    if role is Role.STUDENT:
        saved = user.student_profile if user is not None else None
        _check_place(cells, "school", saved.school if saved else "", places, values, problems)
        if stage is not None:
            values["stage"] = stage
        year = _number(cells, "graduation_year", *columns.YEAR_RANGE, problems)
        if year is not None:
            values["graduation_year"] = year
        _choices(cells, "goals", columns.GOALS, "goals", values, problems)
        _choices(cells, "wanted_mentors", columns.WANTED, "wanted_types", values, problems)
        home = _yes_no(cells, "home_department", problems)
        if home is not None:
            values["home_has_department"] = home
        return values
    profile = user.mentor_profile if user is not None else None
    saved = profile.institution if profile is not None else ""
    _check_place(cells, "institution", saved, places, values, problems)
    if cells.get("region"):
        values["region"] = cells["region"]
    mentor_type = _one_of(
        cells, "mentor_type", columns.MENTOR_TYPES, "faculty, resident, fellow or peer", problems
    )
    if mentor_type is not None:
        values["mentor_type"] = mentor_type
    kind = mentor_type or (profile.mentor_type if profile is not None else None)
    if stage is not None:
        if kind is not None and kind is not MentorType.PEER:
            problems.append(f"stage is only for peer mentors, and this mentor is {kind.label}")
        elif stage is Stage.MS1:
            problems.append("a peer mentor is a student at least one year ahead (MS2 or later)")
        else:
            values["peer_stage"] = stage
    pgy = _number(cells, "pgy", *columns.PGY_RANGE, problems)
    if pgy is not None:
        if kind is not None and kind is not MentorType.RESIDENT:
            problems.append(f"pgy is only for residents, and this mentor is {kind.label}")
        else:
            values["pgy"] = pgy
    capacity = _number(cells, "capacity", *columns.CAPACITY_RANGE, problems)
    if capacity is not None:
        values["capacity"] = capacity
    _choices(cells, "offers", columns.GOALS, "offers", values, problems)
    accepting = _yes_no(cells, "accepting", problems)
    if accepting is not None:
        values["accepting"] = accepting
    return values


def _one_of(
    cells: dict[str, str], column: str, table: dict[str, Any], allowed: str, problems: list[str]
) -> Any:
    """The value ``column`` names in ``table``; ``None`` when empty, or unknown (a problem)."""
    if not cells.get(column):
        return None
    value = table.get(columns.folded(cells[column]))
    if value is None:
        problems.append(f"unknown {column.replace('_', ' ')} {cells[column]!r} (use {allowed})")
    return value


def _yes_no(cells: dict[str, str], column: str, problems: list[str]) -> bool | None:
    raw = cells.get(column, "").lower()
    if raw in columns.YES:
        return True
    if raw in columns.NO:
        return False
    if raw:
        problems.append(f"{column} must be yes or no, not {cells[column]!r}")
    return None


def _choices(
    cells: dict[str, str],
    column: str,
    lookup: dict[str, Any],
    attribute: str,
    values: dict[str, Any],
    problems: list[str],
) -> None:
    """A semicolon list of a fixed vocabulary (values or labels), stored as a list of values
    in the order first written, without repeats."""
    if not cells.get(column):
        return
    chosen: list[str] = []
    for name in columns.split_list(cells[column]):
        member = lookup.get(columns.folded(name))
        if member is None:
            allowed = ", ".join(sorted({m.value for m in lookup.values()}))
            problems.append(f"unknown {column.replace('_', ' ')} entry {name!r} (use {allowed})")
        elif member.value not in chosen:
            chosen.append(member.value)
    values[attribute] = chosen


def _current_specialty_ids(user: User | None, role: Role) -> set[int]:
    if user is None:
        return set()
    if role is Role.STUDENT:
        profile = user.student_profile
        return {i.specialty_id for i in profile.interests} if profile is not None else set()
    profile = user.mentor_profile
    return {profile.specialty_id} if profile is not None and profile.specialty_id else set()


def _check_specialties(
    cells: dict[str, str],
    role: Role,
    user: User | None,
    vocabulary: Vocabulary,
    problems: list[str],
) -> list[int] | None:
    names = columns.split_list(cells.get("specialties", ""))
    if not names:
        return None
    current = _current_specialty_ids(user, role)
    ids: list[int] = []
    ok = True
    for name in names:
        specialty = vocabulary.by_name.get(columns.folded(name))
        if specialty is None:
            problems.append(f"unknown specialty {name!r}")
            ok = False
        elif specialty.id in ids:
            problems.append(f"specialty {specialty.name!r} is listed twice")
            ok = False
        elif not specialty.active and specialty.id not in current:
            problems.append(f"specialty {specialty.name!r} is no longer offered")
            ok = False
        else:
            ids.append(specialty.id)
    if role is Role.STUDENT and len(names) > columns.MAX_STUDENT_SPECIALTIES:
        problems.append(
            f"students list at most {columns.MAX_STUDENT_SPECIALTIES} specialties, not {len(names)}"
        )
        ok = False
    if role is Role.MENTOR and len(names) != 1:
        problems.append(f"a mentor has exactly one specialty, not {len(names)}")
        ok = False
    return ids if ok else None


def _check_focus_areas(
    cells: dict[str, str],
    specialty_ids: list[int] | None,
    vocabulary: Vocabulary,
    problems: list[str],
) -> list[int] | None:
    names = columns.split_list(cells.get("focus_areas", ""))
    if not names:
        return None
    if not cells.get("specialties"):
        problems.append("focus areas need the row's specialties in the same row")
        return None
    if specialty_ids is None:
        return None
    specialties = [s for s in vocabulary.specialties if s.id in specialty_ids]
    ids: list[int] = []
    for name in names:
        area = _find_area(name, specialties, problems)
        if area is not None and area.id not in ids:
            ids.append(area.id)
    return ids


def _find_area(name: str, specialties: list[Specialty], problems: list[str]) -> FocusArea | None:
    prefix, sep, rest = name.partition(columns.QUALIFIER)
    qualified = [s for s in specialties if sep and columns.folded(s.name) == columns.folded(prefix)]
    search, wanted = (qualified, rest.strip()) if qualified else (specialties, name)
    key = columns.folded(wanted)
    matches = [a for s in search for a in s.focus_areas if columns.folded(a.name) == key]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        owners = "; ".join(s.name for s in search)
        problems.append(f"unknown focus area {wanted!r} for {owners}")
    else:
        options = " or ".join(f"'{a.specialty.name}: {a.name}'" for a in matches)
        problems.append(f"focus area {wanted!r} is in more than one specialty: write {options}")
    return None


# --- writing ---------------------------------------------------------------------------------


def apply(plan: ImportPlan, on_progress: OnProgress | None = None) -> ImportSummary:
    """Write the plan: create and invite new people, update the accounts the import may
    change and make them active members, and ask everyone else to join.

    New people's profiles and memberships go in as bulk inserts; existing people are compared
    and only what differs is written. Leaves committing to the caller. Raises
    ``RosterConflictError`` if an account appeared meanwhile (the caller rolls back).
    """
    summary = ImportSummary()
    interest_changes: list[tuple[StudentProfile, list[int]]] = []
    new = [entry for entry in plan.entries if entry.user is None]
    existing = [entry for entry in plan.entries if entry.user is not None]
    report = on_progress or _no_progress
    total = 3 * len(new) + len(existing)
    try:
        report(0, total, INVITING)
        with db.session.no_autoflush:
            invited = invite_users(
                [(entry.email, entry.name, entry.role) for entry in new],
                template="groups/invitation",
                on_progress=lambda done, _: report(done, total, INVITING),
                group=plan.group,
            )
        for entry, user in zip(new, invited, strict=True):
            entry.user = user
            user.imported_by_group_id = plan.group.id
        db.session.flush()
        report(2 * len(new), total, SAVING)
        _insert_new_people(
            plan, new, lambda share: report(round((2 + share) * len(new)), total, SAVING)
        )
        report(3 * len(new), total, SAVING if not existing else UPDATING)
        for k, entry in enumerate(existing, 3 * len(new) + 1):
            if entry.editable:
                summary.updated += _apply_entry(plan, entry, interest_changes)
            else:
                _ask_to_join(plan, entry.user, summary)
            report(k, total, UPDATING)
        for profile, _ in interest_changes:
            profile.interests = []
        db.session.flush()
        for profile, ids in interest_changes:
            profile.interests = _interests(ids)
        db.session.flush()
    except (AccountError, IntegrityError, StaleDataError):
        raise RosterConflictError(
            "Some of these people got accounts while the file was being imported. "
            "Nothing was saved; upload the file again."
        ) from None
    summary.created = len(new)
    summary.unchanged = len(existing) - summary.updated - summary.invited - summary.approved
    report(total, total, SAVING)
    return summary


def _ask_to_join(plan: ImportPlan, user: User, summary: ImportSummary) -> None:
    """An account the import may not change: invite it, or approve its own request to join."""
    membership = plan.memberships.get(user.id)
    if membership is None:
        db.session.add(
            Membership(group_id=plan.group.id, user_id=user.id, status=MembershipStatus.INVITED)
        )
        if user.active and mail_allowed("group-invitation", user.email):
            queue_mail(user, "groups/asked_to_join", user=user, group=plan.group)
        summary.invited += 1
    elif membership.status is MembershipStatus.PENDING:
        membership.status = MembershipStatus.ACTIVE
        summary.approved += 1


def _insert_new_people(
    plan: ImportPlan, entries: list[Entry], on_share: Callable[[float], None] = lambda share: None
) -> None:
    """Profiles, ranked interests, focus areas and memberships of new accounts, in bulk."""
    rows: dict[Any, list[dict[str, Any]]] = {
        StudentProfile: [],
        MentorProfile: [],
        StudentInterest: [],
        student_focus: [],
        mentor_focus: [],
        Membership: [],
    }
    for entry in entries:
        uid = entry.user.id
        rows[Membership].append(
            {"group_id": plan.group.id, "user_id": uid, "status": MembershipStatus.ACTIVE}
        )
        specialty_ids = entry.specialty_ids or []
        areas = entry.focus_area_ids or []
        if entry.role is Role.STUDENT:
            if entry.values or specialty_ids or areas:
                rows[StudentProfile].append({"user_id": uid, **entry.values})
            rows[StudentInterest].extend(
                {"student_id": uid, "rank": rank, "specialty_id": sid}
                for rank, sid in enumerate(specialty_ids, 1)
            )
            rows[student_focus].extend({"student_id": uid, "focus_area_id": a} for a in areas)
        else:
            values = dict(entry.values)
            if specialty_ids:
                values["specialty_id"] = specialty_ids[0]
            if values or areas:
                rows[MentorProfile].append({"user_id": uid, **values})
            rows[mentor_focus].extend({"mentor_id": uid, "focus_area_id": a} for a in areas)
    count, written = sum(len(values) for values in rows.values()), 0
    for target, values in rows.items():
        if values:
            db.session.execute(insert(target), values)
            written += len(values)
            on_share(written / count)


def _interests(specialty_ids: list[int]) -> list[StudentInterest]:
    return [StudentInterest(rank=rank, specialty_id=s) for rank, s in enumerate(specialty_ids, 1)]


def _apply_entry(
    plan: ImportPlan, entry: Entry, interest_changes: list[tuple[StudentProfile, list[int]]]
) -> bool:
    """Bring an existing person in line with their row; whether anything changed."""
    user = entry.user
    changed = False
    if user.name != entry.name:
        user.name = entry.name
        changed = True
    if entry.role is Role.STUDENT:
        profile = user.student_profile
        profile_changed = _apply_student(plan, entry, user, profile, interest_changes)
    else:
        profile = user.mentor_profile
        profile_changed = _apply_mentor(plan, entry, user, profile)
    if profile_changed and profile is not None:
        profile.updated_at = clock.now()
    changed |= profile_changed
    membership = plan.memberships.get(user.id)
    if membership is None:
        db.session.add(
            Membership(group_id=plan.group.id, user_id=user.id, status=MembershipStatus.ACTIVE)
        )
        changed = True
    elif membership.status is not MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.ACTIVE
        changed = True
    return changed


def _set(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for attribute, value in values.items():
        if getattr(obj, attribute) != value:
            setattr(obj, attribute, value)
            changed = True
    return changed


def _areas(plan: ImportPlan, ids: list[int]) -> list[FocusArea]:
    return [plan.vocabulary.areas[i] for i in ids]


def _apply_student(
    plan: ImportPlan,
    entry: Entry,
    user: User,
    profile: StudentProfile | None,
    interest_changes: list[tuple[StudentProfile, list[int]]],
) -> bool:
    if profile is None:
        if not (entry.values or entry.specialty_ids or entry.focus_area_ids):
            return False
        profile = StudentProfile(user_id=user.id, **entry.values)
        profile.interests = _interests(entry.specialty_ids or [])
        profile.focus_areas = _areas(plan, entry.focus_area_ids or [])
        db.session.add(profile)
        return True
    changed = _set(profile, entry.values)
    current = [interest.specialty_id for interest in profile.interests]
    new_specialties = None
    if entry.specialty_ids is not None and entry.specialty_ids != current:
        new_specialties = set(entry.specialty_ids)
        if current:
            interest_changes.append((profile, entry.specialty_ids))
        else:
            profile.interests = _interests(entry.specialty_ids)
        changed = True
    return _apply_focus(plan, entry, profile, new_specialties) or changed


def _apply_mentor(
    plan: ImportPlan, entry: Entry, user: User, profile: MentorProfile | None
) -> bool:
    values = dict(entry.values)
    if entry.specialty_ids is not None:
        values["specialty_id"] = entry.specialty_ids[0]
    if profile is None:
        if not values and not entry.focus_area_ids:
            return False
        profile = MentorProfile(user_id=user.id, **values)
        profile.focus_areas = _areas(plan, entry.focus_area_ids or [])
        db.session.add(profile)
        return True
    before = profile.specialty_id
    changed = _set(profile, values)
    new_specialties = {profile.specialty_id} if profile.specialty_id != before else None
    return _apply_focus(plan, entry, profile, new_specialties) or changed


def _apply_focus(
    plan: ImportPlan,
    entry: Entry,
    profile: StudentProfile | MentorProfile,
    new_specialties: set[int] | None,
) -> bool:
    """Set the row's focus areas; with none given, drop those a changed specialty left behind."""
    current = {area.id for area in profile.focus_areas}
    if entry.focus_area_ids is not None:
        wanted = set(entry.focus_area_ids)
    elif new_specialties is not None:
        wanted = {i for i in current if plan.vocabulary.areas[i].specialty_id in new_specialties}
    else:
        return False
    if wanted == current:
        return False
    profile.focus_areas = _areas(plan, sorted(wanted))
    return True
