"""What the institution pages show, ready for the templates: list rows, likely duplicates and
one institution's facts, home and people."""

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import func, select

from matcher import timezones
from matcher.extensions import db
from matcher.institutions import services
from matcher.models import Institution, Specialty, User


@dataclass(frozen=True)
class Row:
    """One institution of the list."""

    id: int
    name: str
    url: str
    kind: str
    aliases: str
    region: str
    home: str
    departments: int
    people: int
    waiting: bool


@dataclass(frozen=True)
class Side:
    name: str
    url: str
    people: int
    waiting: bool


@dataclass(frozen=True)
class DuplicateRow:
    """Two look-alike institutions and the three buttons that settle them."""

    first: Side
    second: Side
    score: int
    keep_first: dict[str, int]
    keep_second: dict[str, int]
    pair: dict[str, int]


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    note: str = ""


@dataclass
class Detail:
    """One institution's page."""

    id: int
    name: str
    kind: str
    waiting: bool
    region: str
    aliases: list[str]
    added: str
    home: Link | None
    heads_home: bool
    members: list[Link]
    departments: list[str]
    people: list[Link]
    people_total: int
    people_more: int
    look_alikes: list[Link] = field(default_factory=list)


def _url(inst_id: int) -> str:
    return url_for("institutions.edit", inst_id=inst_id)


def rows(items: list[Institution]) -> list[Row]:
    counts = services.linked_counts([inst.id for inst in items])
    return [
        Row(
            id=inst.id,
            name=inst.name,
            url=_url(inst.id),
            kind=inst.kind.label,
            aliases=", ".join(inst.aliases or []),
            region=inst.region,
            home=inst.home.name if inst.home is not None else "",
            departments=len(inst.departments),
            people=counts.get(inst.id, 0),
            waiting=not inst.confirmed,
        )
        for inst in items
    ]


def duplicates(limit: int = 15) -> list[DuplicateRow]:
    found = services.likely_duplicates(limit=limit)
    counts = services.linked_counts({i.id for d in found for i in (d.first, d.second)})

    def side(inst: Institution) -> Side:
        return Side(inst.name, _url(inst.id), counts.get(inst.id, 0), not inst.confirmed)

    return [
        DuplicateRow(
            first=side(d.first),
            second=side(d.second),
            score=round(d.score),
            keep_first={"source_id": d.second.id, "target_id": d.first.id},
            keep_second={"source_id": d.first.id, "target_id": d.second.id},
            pair={"source_id": d.first.id, "target_id": d.second.id},
        )
        for d in found
    ]


def home_choices(inst: Institution | None) -> list[tuple[int, str]]:
    """Institutions ``inst`` may join the home of: every head but itself."""
    own = inst.id if inst is not None else None
    return [(head.id, head.name) for head in services.heads() if head.id != own]


def department_choices() -> list[tuple[int, str]]:
    """Every specialty, active ones first, by name (a retired one stays tickable where set)."""
    query = select(Specialty).order_by(Specialty.active.desc(), func.lower(Specialty.name))
    return [
        (s.id, s.name if s.active else f"{s.name} (no longer offered)")
        for s in db.session.scalars(query)
    ]


def detail(inst: Institution) -> Detail:
    members = [m for m in services.home_members(inst) if m.id != inst.id]
    head = inst.home
    people = services.linked_people(inst)
    total = services.linked_counts([inst.id]).get(inst.id, 0)
    creator = db.session.get(User, inst.created_by_id) if inst.created_by_id else None
    added = timezones.format_day(inst.created_at, timezones.viewer_zone())
    if creator is not None:
        added += f" by {creator.name}"
    look_alikes = []
    if not inst.confirmed:
        look_alikes = [
            Link(other.name, _url(other.id))
            for other in services.suggest(inst.name, limit=5)
            if other.id != inst.id
        ]
    return Detail(
        id=inst.id,
        name=inst.name,
        kind=inst.kind.label,
        waiting=not inst.confirmed,
        region=inst.region,
        aliases=list(inst.aliases or []),
        added=added,
        home=Link(head.name, _url(head.id)) if head is not None else None,
        heads_home=head is None and bool(members),
        members=[Link(m.name, _url(m.id), m.kind.label) for m in members],
        departments=[s.name for s in inst.departments],
        people=[
            Link(p.name, url_for("admin.user_detail", user_id=p.id), p.role_labels) for p in people
        ],
        people_total=total,
        people_more=max(total - len(people), 0),
        look_alikes=look_alikes,
    )


SURGICAL_WORDS = ("surgery", "surgical")
SURGICAL = frozenset({"obstetrics and gynecology", "ophthalmology", "otolaryngology", "urology"})


@dataclass(frozen=True)
class ChoiceGroup:
    label: str
    options: list


def department_groups(departments_field) -> list[ChoiceGroup]:
    """The departments' checkboxes in groups: surgical specialties, the others, and those no
    longer offered (shown only where one is set)."""
    surgical, medical, retired = [], [], []
    for option in departments_field:
        name = option.label.text.lower()
        if name.endswith("(no longer offered)"):
            retired.append(option)
        elif name in SURGICAL or any(word in name for word in SURGICAL_WORDS):
            surgical.append(option)
        else:
            medical.append(option)
    groups = [
        ChoiceGroup("Surgical specialties", surgical),
        ChoiceGroup("Medical, diagnostic and other specialties", medical),
        ChoiceGroup("No longer offered", retired),
    ]
    return [group for group in groups if group.options]


def form_data(inst: Institution) -> dict:
    """The edit form's values for ``inst``."""
    return {
        "name": inst.name,
        "kind": inst.kind.value,
        "aliases": "\n".join(inst.aliases or []),
        "region": inst.region,
        "home_id": inst.home_id,
        "departments": [s.id for s in inst.departments],
    }
