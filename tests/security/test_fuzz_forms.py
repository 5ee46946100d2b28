"""Every form, fuzzed: whatever is posted, the answer is never a server error, and a refused
request changes nothing.

The endpoints come from ``app.url_map`` (every POST, and every GET that reads a filter form or
query arguments), the acting user and URL from the route walk's table, and the field names and
kinds from the WTForms classes each view uses, so a new form is fuzzed without an entry here.
Values are anything: unicode, NUL bytes, control characters and line separators, huge,
malformed and not-finite numbers (beyond an integer column, other scripts' digits, NaN, sNaN, inf),
impossible dates, choices that are not offered, repeated fields, files where text is expected,
text where a file is, and redirect targets (``back``, ``next``) off the site or with a line break.
"""

import inspect
import io
import re

import pytest
from flask import url_for
from flask_wtf.file import FileField
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    Form,
    HiddenField,
    IntegerField,
    SelectFieldBase,
    SelectMultipleField,
    SubmitField,
)
from wtforms.fields.core import UnboundField

from tests.helpers import CSRF_RE, logged_in
from tests.helpers.security import Site
from tests.security.test_route_walk import APP, WALK, call

FUZZ = settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

FORM_NAME = re.compile(r"\b([A-Z]\w*Form)\b")
ARG_NAME = re.compile(r"request\.args\.get\(\s*[\"'](\w+)[\"']")
FORM_ARG_NAME = re.compile(r"request\.form\.get\(\s*[\"'](\w+)[\"']")
PREFIXES = {"introductions.offer": lambda s: f"n{s.ids['need_a']}-"}


CALLED = re.compile(r"\b(_\w+)\(")


def view_source(endpoint: str) -> tuple[str, dict]:
    """The view's source with that of the module's private helpers it calls (a view may hand
    its page to a ``_page`` function that reads the query)."""
    view = inspect.unwrap(APP.view_functions[endpoint])
    source = inspect.getsource(view)
    helpers = {
        name: found
        for name in CALLED.findall(source)
        if inspect.isfunction(found := view.__globals__.get(name))
        and found.__module__ == view.__module__
    }
    return "\n".join([source, *(inspect.getsource(f) for f in helpers.values())]), view.__globals__


def form_fields(endpoint: str) -> dict[str, UnboundField]:
    """The fields of every WTForms class the view names, by name."""
    source, names = view_source(endpoint)
    fields: dict[str, UnboundField] = {}
    for name in FORM_NAME.findall(source):
        cls = names.get(name)
        if isinstance(cls, type) and issubclass(cls, Form):
            for attr in dir(cls):
                value = getattr(cls, attr, None)
                if isinstance(value, UnboundField):
                    fields[attr] = value
    return fields


def posted_names(endpoint: str) -> set[str]:
    """Form fields the view reads itself (a redirect target, a flag), outside any form class."""
    source, _ = view_source(endpoint)
    return set(FORM_ARG_NAME.findall(source))


def query_names(endpoint: str) -> set[str]:
    source, _ = view_source(endpoint)
    return set(ARG_NAME.findall(source)) | ({"page"} if "paginate(" in source else set())


POSTS = sorted(r.endpoint for r in APP.url_map.iter_rules() if "POST" in r.methods)
GET_FORMS = sorted(
    r.endpoint
    for r in APP.url_map.iter_rules()
    if r.methods & {"GET", "POST"} == {"GET"}
    and (query_names(r.endpoint) or form_fields(r.endpoint))
)

# --- values ---------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "' OR '1'='1",
    "1; DROP TABLE users --",
    "<script>alert(1)</script>",
    "{{ 7 * 7 }}",
    "%(x)s {x} %s",
    "\u202eevil",
    "😀" * 30,
    "Ω≈ç√∫",
    "\r\n\r\n",
    "Ana\r\nBcc: x@example.org",
    "tab\there",
    "line\u2028separator",
    "next\x85line",
    "escape\x1b[31m",
    "None",
    "null",
    "[]",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "7",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "1e309",
    "-1e309",
    "nan",
    "inf",
    "1.5",
    "0x10",
    " 3 ",
    "٣",
    "1_000",
    "3.",
    "1e-400",
    "sNaN",
    "-sNaN",
    "NaN",
    "Infinity",
    "-inf",
    "²",
    "9223372036854775807",
    "-9223372036854775809",
    "9" * 5000,
]
TARGETS = [
    "/",
    "/rounds/1",
    "/rounds/1\r\nSet-Cookie: x=1",
    "/rounds/\n1",
    "/rounds/1\u2028",
    "//evil.example/",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
]
DATES = [
    "2026-09-01",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "99999-01-01",
    "2026-13-01",
    "2026-09-01T10:00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "yesterday",
]

text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "é", "\x00", "😀", "'"]), st.integers(0, 20000)
    ),
)
number = st.one_of(st.sampled_from(NUMBERS), st.integers().map(str), st.floats().map(repr), text)
date = st.one_of(st.sampled_from(DATES), st.dates().map(str), text)
upload = st.builds(
    lambda data, name: (io.BytesIO(data), name),
    st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [b"email,name,role\r\n", b"\xef\xbb\xbfemail,name,role\na@b.c,A,student\n"]
        ),
    ),
    st.sampled_from(["roster.csv", "x.exe", "", "../../etc/passwd.csv", "a\x00.csv"]),
)
once_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=16, max_size=64)


def choices_of(field: UnboundField, site: Site) -> st.SearchStrategy:
    """Offered choices when the class lists them, else the site's ids; and anything."""
    static = field.kwargs.get("choices") or (field.args[1] if len(field.args) > 1 else None)
    values: list[str] = []
    if isinstance(static, list | tuple):
        values = [
            str(c[0] if isinstance(c, tuple | list) else getattr(c, "value", c)) for c in static
        ]
    ids = [str(v) for v in site.ids.values() if isinstance(v, int)]
    ids += [str(u.id) for u in site.users.values()]
    return st.one_of(st.sampled_from(values or ids), number, text)


def value_of(field: UnboundField, site: Site) -> st.SearchStrategy:
    kind = field.field_class
    if issubclass(kind, FileField):
        return st.one_of(upload, upload, text)
    if issubclass(kind, HiddenField) and "once" in str(field.kwargs.get("validators")):
        return once_token
    if issubclass(kind, SelectMultipleField):
        return st.lists(choices_of(field, site), max_size=6)
    if issubclass(kind, SelectFieldBase):
        return choices_of(field, site)
    if issubclass(kind, IntegerField | DecimalField):
        return number
    if issubclass(kind, DateField | DateTimeLocalField):
        return date
    if issubclass(kind, BooleanField | SubmitField):
        return st.sampled_from(["y", "", "false", "0", "on", "1", "\x00"])
    return text


def form_data(
    fields: dict[str, UnboundField], site: Site, prefix: str, posted: set[str] = frozenset()
) -> st.SearchStrategy:
    """Each field absent, its own kind of value, repeated, or a file; the fields the view reads
    itself as redirect targets or anything; plus stray fields."""
    per_field = {
        name: st.one_of(
            st.none(),
            value_of(field, site),
            value_of(field, site),
            st.lists(text, min_size=2, max_size=3),
            upload,
        )
        for name, field in fields.items()
    }
    for name in posted - set(fields):
        per_field[name] = st.one_of(st.none(), st.sampled_from(TARGETS), number, text)
    if "once_token" in fields:
        per_field["once_token"] = st.one_of(once_token, once_token, once_token, text, st.none())
    return st.tuples(
        st.fixed_dictionaries(per_field),
        st.dictionaries(
            st.sampled_from(["x", "csrf_token ", "submit", "id", "a[]"]), text, max_size=2
        ),
    ).map(
        lambda pair: {
            **pair[1],
            **{prefix + k: v for k, v in pair[0].items() if v is not None},
        }
    )


# --- requests -------------------------------------------------------------------------------


class Actor:
    """The endpoint's owner, logged in again whenever a request ended the session."""

    def __init__(self, site: Site, name: str) -> None:
        self.site, self.name = site, name
        self.client, self.token = None, ""

    def ready(self):
        if self.client is None or (self.name != "anonymous" and not self._logged_in()):
            self.client = (
                self.site.app.test_client()
                if self.name == "anonymous"
                else logged_in(self.site.app, self.site.users[self.name])
            )
            page = "/login" if self.name == "anonymous" else "/"
            found = CSRF_RE.search(call(self.client, "GET", page).get_data(as_text=True))
            self.token = found.group(1) or found.group(2)
        return self.client

    def _logged_in(self) -> bool:
        with self.client.session_transaction() as stored:
            return "_user_id" in stored


def path_for(site: Site, endpoint: str, query: dict | None = None) -> str:
    with site.app.test_request_context():
        return url_for(endpoint, **{**WALK[endpoint].args(site), **(query or {})})


def check(site: Site, response, before) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert site.snapshot() == before, f"a refused request ({response.status_code}) wrote"


def still_whole(site: Site) -> None:
    """Nothing saved is lost: every profile and group page still renders."""
    admin = logged_in(site.app, site.users["admin"])
    for user in site.users.values():
        response = call(admin, "GET", f"/people/{user.id}")
        assert response.status_code in (200, 404)
    for group in ("group_a", "group_b"):
        assert call(admin, "GET", f"/groups/{site.ids[group]}").status_code == 200


@pytest.mark.parametrize("endpoint", POSTS)
def test_posting_anything_never_fails(fresh_site, endpoint):
    site = fresh_site
    actor = Actor(site, WALK[endpoint].owner)
    fields = form_fields(endpoint)
    prefix = PREFIXES.get(endpoint, lambda s: "")(site)

    @FUZZ
    @given(data=form_data(fields, site, prefix, posted_names(endpoint)))
    def post(data):
        client = actor.ready()
        before = site.snapshot()
        body = {"csrf_token": actor.token, **WALK[endpoint].data(site), **data}
        for value in body.values():
            if isinstance(value, tuple):
                value[0].seek(0)
        response = client.post(path_for(site, endpoint), data=body)
        response.close()
        check(site, response, before)

    post()
    still_whole(site)


@pytest.mark.parametrize("endpoint", GET_FORMS)
def test_any_query_never_fails(fresh_site, endpoint):
    site = fresh_site
    actor = Actor(site, WALK[endpoint].owner)
    fields = {**form_fields(endpoint)}
    names = sorted(set(fields) | query_names(endpoint))
    values = {
        name: st.one_of(st.none(), value_of(fields[name], site) if name in fields else number, text)
        for name in names
    }

    @FUZZ
    @given(query=st.fixed_dictionaries(values))
    def get(query):
        client = actor.ready()
        before = site.snapshot()
        chosen = {k: v for k, v in query.items() if v is not None and not isinstance(v, tuple)}
        response = call(client, "GET", path_for(site, endpoint, chosen))
        assert response.status_code < 500
        assert site.snapshot() == before

    get()


def test_the_fuzz_reaches_every_form():
    """The discovery finds the forms it should (a view whose form it missed would be fuzzed
    with a CSRF token alone)."""
    assert {"email", "password"} <= set(form_fields("auth.login"))
    assert {"school", "capacity", "interest_1", "bio"} <= set(form_fields("profiles.edit"))
    assert {"file", "once_token"} <= set(form_fields("rosters.import_roster"))
    assert {"w_specialty", "preference_deadline", "min_score"} & set(form_fields("rounds.new"))
    assert {"choice_1", "choice_5"} <= set(form_fields("rounds.preferences"))
    assert "page" in query_names("admin.users")
    assert "compare" in query_names("rounds.draft")
    assert "back" in posted_names("rounds.constrain") & posted_names("groups.remove_member")
    assert {"admin.audit_log", "admin.users", "profiles.directory", "rounds.draft"} <= set(
        GET_FORMS
    )
