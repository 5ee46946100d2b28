"""The audit log in the admin's time zone: each event's time is shown in it, and the From and
To days filter by the admin's own calendar days."""

from matcher import audit
from matcher.extensions import db
from matcher.models import User
from tests.helpers import logged_in


def test_the_audit_log_reads_and_filters_in_the_admin_s_days(app, admin, frozen_clock):
    with app.app_context():
        db.session.get(User, admin.id).time_zone = "Asia/Tokyo"
        audit.record("test.evening", n=1)
        db.session.commit()
    frozen_clock.advance(hours=7)
    with app.app_context():
        audit.record("test.after_midnight", n=2)
        db.session.commit()
    client = logged_in(app, admin)

    table = client.get("/admin/audit?action=test.evening").get_data(as_text=True)
    assert "2026-09-01 18:00:00 JST (Asia/Tokyo)" in table
    table = client.get("/admin/audit?action=test.after_midnight").get_data(as_text=True)
    assert "2026-09-02 01:00:00 JST (Asia/Tokyo)" in table

    first_day = client.get("/admin/audit?since=2026-09-01&until=2026-09-01")
    rows = first_day.get_data(as_text=True).split("<table>", 1)[1]
    assert "test.evening" in rows
    assert "test.after_midnight" not in rows
    second_day = client.get("/admin/audit?since=2026-09-02&until=2026-09-02")
    rows = second_day.get_data(as_text=True).split("<table>", 1)[1]
    assert "test.after_midnight" in rows
    assert "test.evening" not in rows
    for edge in ("0001-01-01", "9999-12-31"):
        assert client.get(f"/admin/audit?since={edge}&until={edge}").status_code == 200
