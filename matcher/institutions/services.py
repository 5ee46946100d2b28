"""Institution rules: resolving typed names, suggestions, pending names, homes, merging, the
admin's edits and likely duplicates. Nothing here commits; every change writes an audit event."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process, utils
from sqlalchemy import Select, Text, cast, func, insert, or_, select, union_all
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from matcher import audit
from matcher.extensions import db
from matcher.institutions import csv_io
from matcher.models import (
    Institution,
    InstitutionKind,
    MentorProfile,
    Specialty,
    StudentProfile,
    User,
)
from matcher.models.institution import (
    NAME_LENGTH,
    REGION_LENGTH,
    folded,
    institution_distinct_pairs,
    known_home_departments,
)
from matcher.text import has_controls

SUGGEST_CUTOFF = 75.0
DUPLICATE_CUTOFF = 87.0
DUPLICATE_BLOCK = 1000
ALIAS_SEPARATOR = ";"


class InstitutionError(ValueError):
    """A name or an edit the rules refuse; the message is safe to show."""


class InstitutionImportError(InstitutionError):
    """An uploaded list was refused; ``errors`` says why, line by line. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors[:3]))
        self.errors = errors


@dataclass
class Details:
    """What an admin sets on an institution (``create``, ``update``, the CSV import)."""

    name: str
    kind: InstitutionKind = InstitutionKind.OTHER
    aliases: list[str] = field(default_factory=list)
    region: str = ""
    home_id: int | None = None
    department_ids: list[int] = field(default_factory=list)


def clean_name(text: str, what: str = "The institution's name") -> str:
    """``text`` on one line with single spaces; ``InstitutionError`` if it is empty, too long or
    holds control characters."""
    if has_controls(text):
        raise InstitutionError(
            f"{what} must be on one line, without tabs or other control characters."
        )
    name = " ".join(text.split())
    if not name:
        raise InstitutionError(f"{what} is empty.")
    if len(name) > NAME_LENGTH:
        raise InstitutionError(f"{what} is longer than {NAME_LENGTH} characters.")
    return name


# --- finding institutions by name -------------------------------------------------------------


def index(confirmed_only: bool = False) -> dict[str, int]:
    """Every institution's folded name and aliases → its id, in one query (for resolving many
    names at once, e.g. a roster file)."""
    query = select(Institution.id, Institution.name, Institution.aliases).order_by(Institution.id)
    if confirmed_only:
        query = query.where(Institution.confirmed)
    found: dict[str, int] = {}
    for inst_id, name, aliases in db.session.execute(query):
        for text in [name, *(aliases or [])]:
            found.setdefault(folded(text), inst_id)
    return found


def resolve(name: str) -> Institution | None:
    """The institution (confirmed or pending) whose name or an alias is ``name``, ignoring case
    and spacing."""
    key = folded(name)
    if not key:
        return None
    inst_id = index().get(key)
    return db.session.get(Institution, inst_id) if inst_id is not None else None


def _name_choices(confirmed_only: bool) -> tuple[list[str], list[int]]:
    query = select(Institution.id, Institution.name, Institution.aliases).order_by(Institution.id)
    if confirmed_only:
        query = query.where(Institution.confirmed)
    texts: list[str] = []
    ids: list[int] = []
    for inst_id, name, aliases in db.session.execute(query):
        for text in [name, *(aliases or [])]:
            texts.append(text)
            ids.append(inst_id)
    return texts, ids


def suggest(name: str, limit: int = 3) -> list[Institution]:
    """The confirmed institutions whose name or an alias is closest to ``name``, best first."""
    if not folded(name) or limit < 1:
        return []
    texts, ids = _name_choices(confirmed_only=True)
    matches = process.extract(
        name,
        texts,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=SUGGEST_CUTOFF,
        limit=None,
    )
    best: list[int] = []
    for _text, _score, position in matches:
        if ids[position] not in best:
            best.append(ids[position])
        if len(best) == limit:
            break
    found = {
        i.id: i for i in db.session.scalars(select(Institution).where(Institution.id.in_(best)))
    }
    return [found[i] for i in best]


def picker_names() -> list[str]:
    """The confirmed institutions' names and aliases, sorted ignoring case, for a datalist."""
    texts, _ids = _name_choices(confirmed_only=True)
    return sorted(set(texts), key=lambda text: (text.casefold(), text))


def choose(name: str, actor: User | None) -> Institution:
    """The institution a person typed or picked: the one ``name`` resolves to, or a new pending
    one waiting for an admin to confirm, merge or affiliate it."""
    name = clean_name(name)
    found = resolve(name)
    if found is not None:
        return found
    pending = Institution(
        name=name,
        kind=InstitutionKind.OTHER,
        confirmed=False,
        aliases=[],
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(pending)
    except IntegrityError:
        found = resolve(name)
        if found is None:
            raise
        return found
    audit.record("institution.add_pending", actor=actor, target=pending)
    return pending


# --- homes and departments --------------------------------------------------------------------


def home_members(inst: Institution) -> list[Institution]:
    """Every institution of ``inst``'s home, its head first."""
    key = inst.home_key
    query = (
        select(Institution)
        .where(or_(Institution.id == key, Institution.home_id == key))
        .order_by(Institution.home_id.is_not(None), func.lower(Institution.name))
    )
    return list(db.session.scalars(query))


def home_has_department(institution_id: int, specialty_id: int) -> bool | None:
    """Whether the home of the institution has a department in the specialty; ``None`` when no
    institution of that home has its departments recorded (or there is no such institution)."""
    inst = db.session.get(Institution, institution_id)
    if inst is None:
        return None
    known = known_home_departments([inst.home_key])
    if inst.home_key not in known:
        return None
    return specialty_id in known[inst.home_key]


# --- the admin's list -------------------------------------------------------------------------


def list_query(q: str | None = None, waiting: bool = False) -> Select[tuple[Institution]]:
    """Institutions by name; ``q`` matches part of a name, an alias or the region, and
    ``waiting`` keeps those waiting for an admin's review."""
    query = select(Institution).options(
        selectinload(Institution.home), selectinload(Institution.departments)
    )
    if waiting:
        query = query.where(Institution.confirmed.is_(False))
    wanted = " ".join((q or "").split()).lower()
    if wanted:
        query = query.where(
            or_(
                func.lower(Institution.name).contains(wanted, autoescape=True),
                func.lower(Institution.region).contains(wanted, autoescape=True),
                func.lower(cast(Institution.aliases, Text)).contains(wanted, autoescape=True),
            )
        )
    return query.order_by(func.lower(Institution.name), Institution.id)


def linked_counts(ids: Iterable[int] | None = None) -> dict[int, int]:
    """Institution id → number of profiles (students and mentors) linked to it."""
    linked = union_all(
        select(StudentProfile.institution_id.label("iid")).where(
            StudentProfile.institution_id.is_not(None)
        ),
        select(MentorProfile.institution_id.label("iid")).where(
            MentorProfile.institution_id.is_not(None)
        ),
    ).subquery()
    query = select(linked.c.iid, func.count()).group_by(linked.c.iid)
    if ids is not None:
        query = query.where(linked.c.iid.in_(list(ids)))
    return dict(db.session.execute(query).all())


def linked_people(inst: Institution, limit: int = 50) -> list[User]:
    """Up to ``limit`` of the people whose profile is linked to ``inst``, by name."""
    ids = union_all(
        select(StudentProfile.user_id.label("uid")).where(StudentProfile.institution_id == inst.id),
        select(MentorProfile.user_id.label("uid")).where(MentorProfile.institution_id == inst.id),
    ).subquery()
    query = select(User).where(User.id.in_(select(ids.c.uid))).order_by(func.lower(User.name))
    return list(db.session.scalars(query.limit(limit)))


def waiting_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Institution).where(Institution.confirmed.is_(False))
    )


def heads() -> list[Institution]:
    """Institutions that head their own home (those another may be affiliated with)."""
    query = select(Institution).where(Institution.home_id.is_(None))
    return list(db.session.scalars(query.order_by(func.lower(Institution.name))))


# --- admin edits ------------------------------------------------------------------------------


def _taken(names: list[str], own_id: int | None) -> dict[str, Institution]:
    """Which of ``names`` (folded) another institution already uses as name or alias."""
    keys = {folded(n) for n in names}
    clashes: dict[str, Institution] = {}
    for key, inst_id in index().items():
        if key in keys and inst_id != own_id:
            clashes[key] = db.session.get(Institution, inst_id)
    return clashes


def clean_aliases(aliases: Iterable[str], name: str) -> list[str]:
    """The aliases on one line each, without repeats, blanks or the name itself."""
    kept: list[str] = []
    seen = {folded(name)}
    for text in aliases:
        if not text.strip():
            continue
        alias = clean_name(text, f"The alias {text.strip()[:40]!r}")
        if ALIAS_SEPARATOR in alias:
            raise InstitutionError(
                f"The alias {alias!r} holds a semicolon; semicolons separate aliases in CSV files."
            )
        if folded(alias) not in seen:
            seen.add(folded(alias))
            kept.append(alias)
    return kept


def clean_region(text: str) -> str:
    if has_controls(text):
        raise InstitutionError("The region must be on one line, without control characters.")
    region = " ".join(text.split())
    if len(region) > REGION_LENGTH:
        raise InstitutionError(f"The region is longer than {REGION_LENGTH} characters.")
    return region


def _head_for(inst: Institution | None, home_id: int | None) -> Institution | None:
    """The institution heading the home ``home_id`` names (a member names its head)."""
    if home_id is None:
        return None
    home = db.session.get(Institution, home_id)
    if home is None:
        raise InstitutionError("The home chosen no longer exists; choose another.")
    head = db.session.get(Institution, home.home_key) if home.home_id else home
    if inst is not None and head.id == inst.id:
        if home.id == inst.id:
            raise InstitutionError(f"{inst.name} cannot belong to its own home.")
        raise InstitutionError(
            f"{home.name} already belongs to the home of {inst.name}; "
            "an institution cannot join a home it heads."
        )
    return head


def _set_home(inst: Institution, head: Institution | None) -> list[str]:
    """Put ``inst`` in ``head``'s home (its own when None); institutions it headed move along
    to the new home. Returns the names of those moved."""
    moved: list[str] = []
    if head is not None and inst.id is not None:
        members = db.session.scalars(select(Institution).where(Institution.home_id == inst.id))
        for member in members:
            member.home_id = head.id
            moved.append(member.name)
    inst.home_id = head.id if head is not None else None
    return moved


def _check_details(inst: Institution | None, details: Details) -> tuple[Details, list[Specialty]]:
    name = clean_name(details.name)
    aliases = clean_aliases(details.aliases, name)
    region = clean_region(details.region)
    clashes = _taken([name, *aliases], inst.id if inst is not None else None)
    if clashes:
        texts = ", ".join(
            f"{text!r} (used by {clashes[folded(text)].name})"
            for text in [name, *aliases]
            if folded(text) in clashes
        )
        raise InstitutionError(f"Another institution already uses these names: {texts}.")
    wanted = sorted(set(details.department_ids))
    departments = (
        list(db.session.scalars(select(Specialty).where(Specialty.id.in_(wanted))))
        if wanted
        else []
    )
    if len(departments) != len(wanted):
        raise InstitutionError("A department chosen is no longer on the specialty list.")
    checked = Details(name, InstitutionKind(details.kind), aliases, region, details.home_id)
    return checked, departments


def _snapshot(inst: Institution) -> dict:
    return {
        "name": inst.name,
        "kind": inst.kind.value if inst.kind else None,
        "aliases": list(inst.aliases or []),
        "region": inst.region,
        "home_id": inst.home_id,
        "departments": sorted(s.name for s in inst.departments),
    }


def create(details: Details, actor: User | None) -> Institution:
    """A new confirmed institution."""
    checked, departments = _check_details(None, details)
    head = _head_for(None, checked.home_id)
    inst = Institution(
        name=checked.name,
        kind=checked.kind,
        aliases=checked.aliases,
        region=checked.region,
        confirmed=True,
        created_by_id=actor.id if actor is not None else None,
        departments=departments,
    )
    db.session.add(inst)
    _set_home(inst, head)
    db.session.flush()
    audit.record("institution.create", actor=actor, target=inst, **_snapshot(inst))
    return inst


def update(inst: Institution, details: Details, actor: User | None) -> list[str]:
    """Change an institution; returns what changed (field names), empty when nothing did."""
    checked, departments = _check_details(inst, details)
    head = _head_for(inst, checked.home_id)
    before = _snapshot(inst)
    inst.name = checked.name
    inst.kind = checked.kind
    inst.aliases = checked.aliases
    inst.region = checked.region
    inst.departments = departments
    moved = _set_home(inst, head) if (head.id if head else None) != inst.home_id else []
    after = _snapshot(inst)
    changed = [key for key in after if after[key] != before[key]]
    if "name" in changed:
        _rename_profiles(inst)
    if changed:
        audit.record(
            "institution.update",
            actor=actor,
            target=inst,
            changed={key: [before[key], after[key]] for key in changed},
            moved=moved,
        )
    return changed


def _rename_profiles(inst: Institution) -> None:
    """Profiles linked to ``inst`` show its current name."""
    db.session.flush()
    db.session.execute(
        update_rows(StudentProfile)
        .where(StudentProfile.institution_id == inst.id)
        .values(school=inst.name)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update_rows(MentorProfile)
        .where(MentorProfile.institution_id == inst.id)
        .values(institution=inst.name)
        .execution_options(synchronize_session="fetch")
    )


def confirm(inst: Institution, actor: User | None) -> None:
    """Accept a name someone typed as an institution of the list."""
    if inst.confirmed:
        return
    inst.confirmed = True
    audit.record("institution.confirm", actor=actor, target=inst)


def affiliate(inst: Institution, home: Institution | None, actor: User | None) -> list[str]:
    """Make ``inst`` part of ``home``'s home (a member of a home names its head), or head of
    its own when ``home`` is None. Institutions ``inst`` headed move along with it; returns
    their names."""
    head = _head_for(inst, home.id if home is not None else None)
    if (head.id if head else None) == inst.home_id:
        return []
    before = inst.home_id
    moved = _set_home(inst, head)
    audit.record(
        "institution.affiliate",
        actor=actor,
        target=inst,
        home_id=inst.home_id,
        home=head.name if head else None,
        previous_home_id=before,
        moved=moved,
    )
    return moved


def merge(source: Institution, target: Institution, actor: User | None) -> int:
    """Fold ``source`` into ``target``: its profiles link to the target and show the target's
    name, its departments and the institutions of its home move over, its name and aliases
    become the target's aliases, and it is deleted. Returns how many profiles moved."""
    if source.id == target.id:
        raise InstitutionError("Choose another institution to merge into.")
    source_name = source.name
    names = [*target.aliases, source.name, *source.aliases]
    if target.home_id == source.id:
        target.home_id = None
    moved_profiles = 0
    for model, text_column in (
        (StudentProfile, StudentProfile.school),
        (MentorProfile, MentorProfile.institution),
    ):
        result = db.session.execute(
            update_rows(model)
            .where(model.institution_id == source.id)
            .values({model.institution_id: target.id, text_column: target.name})
            .execution_options(synchronize_session="fetch")
        )
        moved_profiles += result.rowcount or 0
    members = db.session.scalars(select(Institution).where(Institution.home_id == source.id))
    for member in members:
        if member.id != target.id:
            member.home_id = target.home_key
    have = {s.id for s in target.departments}
    target.departments.extend(s for s in source.departments if s.id not in have)
    target.confirmed = True
    source_aliases = list(source.aliases or [])
    db.session.delete(source)
    db.session.flush()
    target.aliases = clean_aliases(names, target.name)
    audit.record(
        "institution.merge",
        actor=actor,
        target=target,
        source_id=source.id,
        source=source_name,
        source_aliases=source_aliases,
        profiles=moved_profiles,
    )
    return moved_profiles


def merge_into_named(source: Institution, name: str, actor: User | None) -> Institution:
    """``merge`` into the institution called ``name`` (a name or an alias); returns it."""
    target = resolve(name)
    if target is None:
        close = [inst.name for inst in suggest(name)]
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise InstitutionError(f"There is no institution called {name!r}.{hint}")
    if target.id == source.id:
        raise InstitutionError(f"{name!r} is this institution; choose another to merge into.")
    merge(source, target, actor)
    return target


def delete_institution(inst: Institution, actor: User | None) -> None:
    """Remove an institution no profile is linked to (merge one that has people instead)."""
    if linked_counts([inst.id]).get(inst.id):
        raise InstitutionError(
            f"People are linked to {inst.name}; merge it into another institution instead."
        )
    db.session.execute(
        update_rows(Institution).where(Institution.home_id == inst.id).values(home_id=None)
    )
    audit.record("institution.delete", actor=actor, target=inst, **_snapshot(inst))
    db.session.delete(inst)


# --- likely duplicates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """Two institutions whose names look alike (``score`` 0-100), in different homes."""

    first: Institution
    second: Institution
    score: float

    def __iter__(self):
        return iter((self.first, self.second, self.score))


def _dismissed() -> set[tuple[int, int]]:
    query = select(institution_distinct_pairs.c.first_id, institution_distinct_pairs.c.second_id)
    return {(a, b) for a, b in db.session.execute(query)}


def _alike(texts: list[str], cutoff: float) -> Iterable[tuple[int, int, float]]:
    """Pairs ``(i, j)``, ``i < j``, of ``texts`` (already processed) scoring at least
    ``cutoff``: the better of the plain ratio (a typo, a split word) and the ratio of the words
    sorted (another order). Rows are compared a block at a time so memory stays small."""
    for start in range(0, len(texts), DUPLICATE_BLOCK):
        block = texts[start : start + DUPLICATE_BLOCK]
        scores = np.maximum(
            process.cdist(block, texts, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8),
            process.cdist(
                block, texts, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, dtype=np.uint8
            ),
        )
        rows, columns = np.nonzero(scores)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            if start + row < column:
                yield start + row, column, float(scores[row, column])


def likely_duplicates(limit: int = 20, cutoff: float = DUPLICATE_CUTOFF) -> list[Duplicate]:
    """Pairs of institutions whose names or aliases look alike, best first: not in one home,
    and not marked as distinct by an admin."""
    rows = db.session.execute(
        select(Institution.id, Institution.name, Institution.aliases, Institution.home_id)
    ).all()
    texts: list[str] = []
    owner: list[int] = []
    home: dict[int, int] = {}
    for inst_id, name, aliases, home_id in rows:
        home[inst_id] = home_id or inst_id
        for text in [name, *(aliases or [])]:
            texts.append(utils.default_process(text))
            owner.append(inst_id)
    dismissed = _dismissed()
    best: dict[tuple[int, int], float] = {}
    for i, j, score in _alike(texts, cutoff):
        a, b = sorted((owner[i], owner[j]))
        if a == b or home[a] == home[b] or (a, b) in dismissed:
            continue
        best[(a, b)] = max(best.get((a, b), 0.0), score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
    wanted = {i for pair, _ in ranked for i in pair}
    found = {
        inst.id: inst
        for inst in db.session.scalars(select(Institution).where(Institution.id.in_(wanted)))
    }
    return [Duplicate(found[a], found[b], score) for (a, b), score in ranked]


def mark_distinct(first: Institution, second: Institution, actor: User | None) -> None:
    """Record that two look-alike institutions are not the same, so they leave the list."""
    if first.id == second.id:
        raise InstitutionError("Choose two different institutions.")
    low, high = sorted((first.id, second.id))
    if (low, high) in _dismissed():
        return
    db.session.execute(insert(institution_distinct_pairs).values(first_id=low, second_id=high))
    audit.record(
        "institution.mark_distinct",
        actor=actor,
        target=first,
        other_id=second.id,
        other=second.name,
    )


# --- CSV import and export --------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did, in rows; with ``errors`` it did nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        if self.errors:
            problems = "1 problem" if len(self.errors) == 1 else f"{len(self.errors)} problems"
            return f"Nothing was imported: the file has {problems}."
        rows = self.created + self.updated + self.unchanged
        return (
            f"Imported {'1 row' if rows == 1 else f'{rows} rows'}: {self.created} new, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        )


@dataclass
class _Planned:
    """One checked row of an import."""

    line: int
    details: Details
    present: set[str]
    confirmed: bool
    home: str
    existing: Institution | None
    made: Institution | None = None

    def names(self) -> list[str]:
        if "aliases" in self.present or self.existing is None:
            return [self.details.name, *self.details.aliases]
        return [self.details.name, *clean_aliases(self.existing.aliases, self.details.name)]

    def final_home(self) -> str:
        if "home" in self.present:
            return self.home
        existing = self.existing
        return existing.home.name if existing is not None and existing.home else ""


def _closest(text: str, choices: list[str]) -> str:
    """ " Did you mean …?" naming up to three of ``choices`` that look like ``text``."""
    found = process.extract(
        text,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=SUGGEST_CUTOFF,
        limit=3,
    )
    if not found:
        return ""
    return " Did you mean " + " or ".join(repr(choice) for choice, _, _ in found) + "?"


def _yes_no(cell: str, problems: list[str]) -> bool:
    value = cell.strip().lower()
    if not value or value in csv_io.YES:
        return True
    if value in csv_io.NO:
        return False
    problems.append(f"confirmed must be yes or no, not {cell[:40]!r}")
    return True


def _check_row(
    line: int,
    cells: dict[str, str],
    specialties: dict[str, Specialty],
    existing: dict[str, Institution],
    aliases_of: dict[str, Institution],
    seen: dict[str, int],
    problems: list[str],
) -> _Planned | None:
    name = ""
    try:
        name = clean_name(cells["name"])
    except InstitutionError as exc:
        problems.append(str(exc))
    kind = InstitutionKind.OTHER
    if cells.get("kind"):
        try:
            kind = InstitutionKind.parse(cells["kind"])
        except ValueError:
            labels = ", ".join(k.label for k in InstitutionKind)
            problems.append(f"the kind {cells['kind'][:40]!r} is not one of: {labels}")
    aliases: list[str] = []
    try:
        aliases = clean_aliases(csv_io.split_list(cells.get("aliases", "")), name)
    except InstitutionError as exc:
        problems.append(str(exc))
    region = ""
    try:
        region = clean_region(cells.get("region", ""))
    except InstitutionError as exc:
        problems.append(str(exc))
    department_ids: list[int] = []
    for part in csv_io.split_list(cells.get("departments", "")):
        specialty = specialties.get(folded(part))
        if specialty is None:
            hint = _closest(part, [s.name for s in specialties.values()])
            problems.append(f"{part[:60]!r} is not a specialty on the list.{hint}")
        else:
            department_ids.append(specialty.id)
    confirmed = _yes_no(cells.get("confirmed", ""), problems)
    target = None
    if name:
        key = folded(name)
        if key in seen:
            problems.append(f"{name!r} is already on line {seen[key]}")
        else:
            seen[key] = line
        target = existing.get(key)
        if target is None and key in aliases_of:
            owner = aliases_of[key].name
            problems.append(
                f"{name!r} is an alias of {owner}; use that name, or remove the alias there first"
            )
    if problems:
        return None
    details = Details(name, kind, aliases, region, None, department_ids)
    home = " ".join(cells.get("home", "").split())
    return _Planned(line, details, set(cells), confirmed, home, target)


def _check_names_and_homes(plans: list[_Planned], everyone: list[Institution]) -> list[str]:
    """Names and aliases used once across the list the import leaves; homes that exist, one
    level deep."""
    errors: list[str] = []
    planned = {p.existing.id for p in plans if p.existing is not None}
    owners: dict[str, _Planned | Institution] = {}
    for inst in everyone:
        if inst.id not in planned:
            for text in inst.names:
                owners.setdefault(folded(text), inst)
    for plan in plans:
        for text in plan.names():
            owner = owners.setdefault(folded(text), plan)
            if owner is not plan:
                used_by = owner.details.name if isinstance(owner, _Planned) else owner.name
                errors.append(f"Line {plan.line}: {text!r} is already a name of {used_by}.")
    for plan in plans:
        if not plan.home:
            continue
        owner = owners.get(folded(plan.home))
        label = f"Line {plan.line} ({plan.details.name[:60]})"
        if owner is None:
            hint = _closest(
                plan.home,
                [o.details.name if isinstance(o, _Planned) else o.name for o in owners.values()],
            )
            errors.append(f"{label}: there is no institution called {plan.home[:60]!r}.{hint}")
            continue
        if owner is plan:
            errors.append(f"{label}: an institution cannot be its own home.")
            continue
        head = (
            owner.final_home()
            if isinstance(owner, _Planned)
            else (owner.home.name if owner.home else "")
        )
        if head:
            errors.append(
                f"{label}: {plan.home!r} itself belongs to the home of {head}; homes are one "
                f"level deep, so name {head!r} as the home."
            )
    return errors


def import_csv(text: str, actor: User | None) -> ImportSummary:
    """Add or update institutions from CSV text (columns of ``csv_io.COLUMNS``; a row updates
    the institution of its name, and only the columns the file has). All or nothing: with any
    problem, nothing changes and the summary lists every problem by line."""
    try:
        rows = csv_io.read(text)
    except csv_io.CSVFileError as exc:
        return ImportSummary(errors=exc.errors)
    everyone = list(
        db.session.scalars(
            select(Institution).options(
                selectinload(Institution.departments), selectinload(Institution.home)
            )
        )
    )
    existing = {folded(inst.name): inst for inst in everyone}
    aliases_of = {folded(a): inst for inst in everyone for a in inst.aliases or []}
    specialties = {folded(s.name): s for s in db.session.scalars(select(Specialty))}
    errors: list[str] = []
    plans: list[_Planned] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        problems: list[str] = []
        plan = _check_row(line, cells, specialties, existing, aliases_of, seen, problems)
        label = " ".join(cells["name"].split())[:60]
        prefix = f"Line {line} ({label})" if label else f"Line {line}"
        errors.extend(f"{prefix}: {problem}" for problem in problems)
        if plan is not None:
            plans.append(plan)
    if not errors:
        errors = _check_names_and_homes(plans, everyone)
    if errors:
        return ImportSummary(errors=errors)
    return _apply_import(plans, specialties, actor)


def _apply_import(
    plans: list[_Planned], specialties: dict[str, Specialty], actor: User | None
) -> ImportSummary:
    summary = ImportSummary()
    by_id = {s.id: s for s in specialties.values()}
    before: dict[int, dict] = {}
    for plan in plans:
        inst = plan.existing
        details = plan.details
        if inst is None:
            inst = Institution(
                name=details.name,
                kind=details.kind,
                aliases=details.aliases,
                region=details.region,
                confirmed=plan.confirmed,
                created_by_id=actor.id if actor is not None else None,
                departments=[by_id[i] for i in details.department_ids],
            )
            db.session.add(inst)
        else:
            before[inst.id] = {**_snapshot(inst), "confirmed": inst.confirmed}
            inst.name = details.name
            for column in ("kind", "aliases", "region"):
                if column in plan.present:
                    setattr(inst, column, getattr(details, column))
            if "departments" in plan.present:
                inst.departments = [by_id[i] for i in details.department_ids]
            if "confirmed" in plan.present:
                inst.confirmed = plan.confirmed
        plan.made = inst
    db.session.flush()
    made = {folded(name): plan.made for plan in plans for name in plan.names()}
    for plan in sorted(plans, key=lambda p: bool(p.home)):
        if "home" in plan.present:
            head = (made.get(folded(plan.home)) or resolve(plan.home)) if plan.home else None
            if (head.id if head else None) != plan.made.home_id:
                _set_home(plan.made, head)
    db.session.flush()
    for plan in plans:
        inst = plan.made
        after = {**_snapshot(inst), "confirmed": inst.confirmed}
        if plan.existing is None:
            summary.created += 1
            audit.record("institution.create", actor=actor, target=inst, source="csv", **after)
            continue
        old = before[inst.id]
        changed = {key: [old[key], after[key]] for key in after if after[key] != old[key]}
        if not changed:
            summary.unchanged += 1
            continue
        summary.updated += 1
        if "name" in changed:
            _rename_profiles(inst)
        audit.record("institution.update", actor=actor, target=inst, source="csv", changed=changed)
    audit.record(
        "institution.import",
        actor=actor,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
    )
    return summary


def import_upload(data: bytes, actor: User | None) -> ImportSummary:
    """``import_csv`` of an uploaded file; ``InstitutionImportError`` when anything is wrong."""
    try:
        text = csv_io.decode(data)
    except csv_io.CSVFileError as exc:
        raise InstitutionImportError(exc.errors) from None
    summary = import_csv(text, actor)
    if summary.errors:
        raise InstitutionImportError(summary.errors)
    return summary


def export_csv() -> str:
    """Every institution as CSV (columns of ``csv_io.COLUMNS``), by name; ``import_csv`` of it
    into an empty list gives the same list."""
    query = (
        select(Institution)
        .options(selectinload(Institution.departments), selectinload(Institution.home))
        .order_by(func.lower(Institution.name), Institution.id)
    )
    rows = [
        {
            "name": inst.name,
            "kind": inst.kind.label,
            "aliases": csv_io.join_list(list(inst.aliases or [])),
            "region": inst.region,
            "home": inst.home.name if inst.home is not None else "",
            "departments": csv_io.join_list(
                sorted((s.name for s in inst.departments), key=str.casefold)
            ),
            "confirmed": "yes" if inst.confirmed else "no",
        }
        for inst in db.session.scalars(query)
    ]
    return csv_io.write(rows)
