"""Open rounds on students' and mentors' home pages: what each still has to do."""

from matcher.extensions import db
from matcher.models import Round, User
from matcher.rounds import publishing, taking_part
from tests.helpers import logged_in


def _home(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_a_student_home_lists_open_rounds_and_the_next_step(app, world):
    student = world.student("Ava Chen")
    mentor = world.mentor("Ines Okafor")
    round_id = world.round(name="Spring faculty round")
    client = logged_in(app, student)
    page = _home(client)
    assert "Spring faculty round" in page
    assert "You are not taking part yet." in page
    assert f'action="/rounds/{round_id}/join"' in page

    world.enrol(round_id, student)
    page = _home(client)
    assert "You take part and have not ranked any mentors yet." in page
    assert f'href="/rounds/{round_id}/preferences"' in page

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, student.id), [mentor.id])
        db.session.commit()
    assert "You ranked 1 mentor." in _home(client)


def test_a_mentor_home_counts_marked_students_and_published_rounds_leave(app, world):
    student = world.student("Ava Chen")
    mentor = world.mentor("Ines Okafor")
    round_id = world.round(name="Spring faculty round")
    world.enrol(round_id, student)
    client = logged_in(app, mentor)
    assert "You marked 0 students" in _home(client)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_likes(round_, db.session.get(User, mentor.id), [student.id])
        db.session.commit()
    assert "You marked 1 student you would like to mentor." in _home(client)

    number = world.solve(round_id)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        publishing.publish(round_, number, db.session.get(User, world.coordinator.id))
        db.session.commit()
    assert "Open match rounds" not in _home(client)


def test_no_open_round_no_card(app, world):
    student = world.student("Ava Chen")
    assert "Open match rounds" not in _home(logged_in(app, student))
