"""Error pages and answers: a friendly 404, a 500 that rolls back, 413 for oversized requests,
503 with ``Retry-After`` when the pool is exhausted, and the health check."""

import io

from matcher.extensions import db
from matcher.models import Role, User
from tests.helpers import dispose, logged_in, make_app, make_group, make_user, post_form


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "There is no page here." in page
    assert "Go to the home page" in page


def test_server_error_page_rolls_back_the_failed_request(app, student):
    @app.get("/boom")
    def boom():
        db.session.get(User, student.id).name = "Half-saved"
        db.session.add(
            User(email=student.email, name="Dup", roles={Role.STUDENT}, password_hash="x")
        )
        db.session.flush()

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = logged_in(app, student)
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Nothing you saved was lost" in page
    assert 'action="/logout"' in page
    with app.app_context():
        assert db.session.get(User, student.id).name == "Sam Student"
    assert client.get("/").status_code == 200


def test_security_headers_on_every_page(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_oversized_request_is_refused_with_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "the limit is 1 KB" in response.get_data(as_text=True)


def test_oversized_roster_upload_gets_a_clear_413_page(app, coordinator):
    group_id = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = b"first_name,last_name,email,role\r\n" + b"x" * (200 * 1024)
    response = post_form(
        client,
        f"/groups/{group_id}/roster/import",
        {"file": (io.BytesIO(big), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "the limit is 64 KB" in page
    assert "split it into several files" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_exhausted_connection_pool_answers_503_with_retry_after(tmp_path):
    """One pooled connection, held elsewhere: the request waits ``pool_timeout``, then gets a
    503 the browser may retry, never a 500."""
    app = make_app(
        tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.3},
        DATABASE_BUSY_RETRY_AFTER=7,
    )
    try:
        client = logged_in(app, make_user(app, Role.STUDENT, "busy@example.edu"))
        with app.app_context():
            assert db.engine.pool.size() == 1
            held = db.engine.connect()
            try:
                response = client.get("/account/password")
            finally:
                held.close()
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        assert "try again in a few seconds" in response.get_data(as_text=True)
        assert client.get("/account/password").status_code == 200
    finally:
        dispose(app)


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_roles_render_their_labels(app):
    assert [role.label for role in Role] == ["Student", "Mentor", "Coordinator", "Admin"]


def test_wrong_method_keeps_the_allow_header(client):
    response = client.get("/logout")
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert "POST" in allowed
    assert "GET" not in allowed
    assert "not available at this address" in response.get_data(as_text=True)
