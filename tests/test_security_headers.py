"""Response headers: CSP without inline script, nosniff, frame-ancestors, Referrer-Policy,
HSTS outside development, and ``Cache-Control: no-store`` on every page but static files."""

import pytest

import config
from tests.helpers import dispose, logged_in, make_app

HSTS = "max-age=63072000; includeSubDomains"


@pytest.fixture
def production_app(tmp_path):
    app = make_app(
        tmp_path,
        MATCHER_ENV="production",
        SECRET_KEY="p" * 48,
        SITE_URL="https://mentors.example.org",
    )
    yield app
    dispose(app)


def test_hsts_in_production(production_app):
    response = production_app.test_client().get("/", base_url="https://mentors.example.org")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_no_hsts_in_development_or_testing(client, monkeypatch, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    assert config.load("development")["STRICT_TRANSPORT_SECURITY"] == ""


def test_hsts_is_a_setting(monkeypatch):
    monkeypatch.setenv("STRICT_TRANSPORT_SECURITY", "max-age=300")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("SITE_URL", "https://mentors.example.org")
    assert config.load("production")["STRICT_TRANSPORT_SECURITY"] == "max-age=300"


@pytest.mark.parametrize("path", ["/", "/login", "/no/such/page", "/static/css/site.css"])
def test_every_response_forbids_framing_sniffing_inline_script_and_leaky_referrers(client, path):
    with client.get(path) as response:
        headers = response.headers
    policy = {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in headers["Content-Security-Policy"].split(";")
    }
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_every_page_of_a_logged_in_user_is_no_store(app, student, admin):
    client = logged_in(app, student)
    for path in ("/", f"/people/{student.id}", "/profile/data.json", "/account/password"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/no/such/page").headers["Cache-Control"] == "no-store"
    admin_client = logged_in(app, admin)
    for path in ("/admin/users", "/admin/audit", f"/admin/users/{student.id}"):
        assert admin_client.get(path).headers["Cache-Control"] == "no-store", path


def test_account_pages_are_no_store_for_anonymous_visitors(client):
    for path in ("/login", "/signup", "/reset", "/signup/sent", "/reset/not-a-token"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_pages_for_anonymous_visitors_are_no_store_too(client):
    for path in ("/", "/healthz", "/introductions/answer/not-a-token", "/join/not-a-code"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_static_files_stay_cacheable(app, student):
    for client in (app.test_client(), logged_in(app, student)):
        with client.get("/static/css/site.css") as static:
            assert static.status_code == 200
            assert "no-store" not in static.headers.get("Cache-Control", "")
