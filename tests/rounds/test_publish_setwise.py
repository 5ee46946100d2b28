"""Publishing writes set-wise: a round of many pairs runs no more statements than a round of a
few (introductions, their events and the emails go in a statement per table, the people the
emails describe are read in a few queries; a mentor asked about several students reads the
several-requests wording once), and it says which stage it is at."""

from sqlalchemy import event, func, select

from matcher.extensions import db
from matcher.models import Introduction, IntroductionEvent, OutboxMessage, Round, User
from matcher.rounds import publishing


def publish_counting(world, round_id: int, number: int, stages: list) -> int:
    """Publish draft ``number`` and commit; how many SQL statements it ran."""
    statements = []
    with world.app.app_context():
        engine = db.engine

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            publishing.publish(
                db.session.get(Round, round_id),
                number,
                db.session.get(User, world.coordinator.id),
                on_progress=lambda done, total, stage: stages.append((done, total, stage)),
            )
            db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def made(world, round_id: int) -> tuple[int, int, set[str]]:
    """The round's introductions, their events, and who was emailed."""
    with world.app.app_context():
        intros = select(Introduction.id).where(Introduction.round_id == round_id)
        return (
            db.session.scalar(select(func.count()).select_from(intros.subquery())),
            db.session.scalar(
                select(func.count()).where(IntroductionEvent.introduction_id.in_(intros))
            ),
            set(db.session.scalars(select(OutboxMessage.to_addr))),
        )


def test_many_pairs_publish_in_as_many_statements_as_few(world):
    mentors = [world.mentor(f"Dr Roomy {k}", capacity=3) for k in range(6)]
    few = [world.student(f"Few {k}") for k in range(2)]
    many = [world.student(f"Many {k}") for k in range(14)]
    small, large = world.round(name="Small round"), world.round(name="Large round")
    world.enrol(small, *few)
    world.enrol(large, *many)
    small_stages, large_stages = [], []

    small_statements = publish_counting(world, small, world.solve(small), small_stages)
    large_statements = publish_counting(world, large, world.solve(large), large_stages)

    assert made(world, small)[:2] == (2, 2)
    intros, events, emailed = made(world, large)
    assert (intros, events) == (14, 14)
    assert {s.email for s in few + many} | {m.email for m in mentors} == emailed
    assert large_statements <= small_statements + 1
    assert [stage for _, _, stage in large_stages] == [*publishing.STAGES, publishing.TELLING]
    assert [done for done, _, _ in large_stages] == list(range(len(publishing.STAGES) + 1))
    assert {total for _, total, _ in large_stages} == {len(publishing.STAGES)}
