"""Run sqlmap against every form of a running matcher, logged in as each demo role.

Starts gunicorn on a free loopback port over a freshly migrated database seeded with the demo
(SQLite in a temporary folder, or the PostgreSQL database named by ``--database-url``, which is
emptied first), logs in as the first demo account of each role, crawls the links from the home
page, collects every form (one per action pattern and field set) and runs sqlmap on each: every
field but the CSRF and one-time tokens is tested, the session's CSRF token rides along and a
form's one-time token is fetched fresh from its page before each request. Exits 1 when sqlmap
reports an injectable parameter (its first "appears to be injectable" counts, before its own
false-positive checks), when a scan fails to reach the server after sqlmap's retries (a request
that succeeds on a retry is counted in the summary's ``retried``, not failed) or when the server
logs a traceback or an error; 2 when the set-up fails.

Create-style forms. sqlmap's boolean-based test sends its FALSE payload twice (once to learn the
FALSE page, once after the TRUE one) and calls the parameter injectable when the answers differ.
A form whose post creates a row (adding a specialty) answers the second identical post "already
exists", so its boolean test reports an injection even though the value is a bound parameter.
So before scanning, each POST form is posted twice with its crawled values (a fresh one-time
token each time): a form whose second answer differs from the first (status code, or the page
it ends on with ids ignored) is scanned with ``--stateful-technique`` (default ``EU``:
error-based and UNION, whose detection does not compare one answer with another); every other
form with ``--technique`` (default ``BEU``). Each form's line shows the techniques it got and
the summary counts the create-style ones. A create-style form the probe misses (its crawled
values fail validation, say) still gets BEU and fails the scan loudly rather than passing
quietly. Time-based (``T``) is left out everywhere: on a loaded two-core machine it is slow and
its delays are not trustworthy; ``--stateful-technique EUT`` adds it.

    .venv/bin/python security/sqlmap_forms.py [--database-url postgresql://...] [--jobs 2]

The scanned app keeps CSRF on; only its rate limits are off, so that sqlmap's requests are
answered by the forms rather than by 429s.
"""

import argparse
import html.parser
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKENS = ("csrf_token", "once_token")
NOT_SCANNED = re.compile(r"^/(logout|static/)|\.(csv|json)$")
ROLES = ("anonymous", "student", "mentor", "coordinator", "admin")
SERVER_TROUBLE = re.compile(r"Traceback|\[(CRITICAL|ERROR)\]")
RETRIED = re.compile(r"\[CRITICAL\] .*(connection|unable to connect|timed out).*going to retry.*")
FINDING = re.compile(r"(?i)(parameter '[^']+' (is|appears to be) .*injectable|is vulnerable)")
BROKEN = re.compile(
    r"(?im)\[CRITICAL\] (?!.*going to retry)"
    r".*(connection|unable to connect|timed out|not stable).*$"
)


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        pattern = re.sub(r"/\d+", "/<id>", urllib.parse.urlsplit(self.action).path)
        return (self.method, pattern, tuple(sorted(self.fields)))


class FormParser(html.parser.HTMLParser):
    """The forms and links of one page, with each field's first value (a select's first
    option, a checked box's value)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.links = page, [], []
        self.form: Form | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(urllib.parse.urljoin(self.page, a["href"]))
        elif tag == "form":
            action = urllib.parse.urljoin(self.page, a.get("action") or self.page)
            self.form = Form(self.page, action, (a.get("method") or "get").upper())
            self.forms.append(self.form)
        elif self.form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and a["name"] in self.form.fields:
                return
            self.form.fields[a["name"]] = a.get("value") or ("1" if kind == "number" else "x")
            self.select = a["name"] if tag == "select" else None
        elif tag == "option" and self.select and self.form is not None:
            self.form.fields[self.select] = a.get("value", "")
            self.select = None

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


class Browser:
    """A cookie-keeping HTTP client for one role."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[str, str]:
        with self.opener.open(urllib.parse.urljoin(self.base, url), timeout=30) as response:
            kind = response.headers.get("Content-Type", "")
            return response.geturl(), response.read().decode() if "html" in kind else ""

    def post(self, url: str, data: dict[str, str]) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(urllib.parse.urljoin(self.base, url), body, timeout=30) as response:
            return response.geturl()

    def submit(self, form: Form) -> tuple[int, str]:
        """Post ``form`` with its crawled values and a fresh one-time token; the status and the
        shape (ids as ``<id>``) of the page it ends on."""
        data = dict(form.fields)
        if "once_token" in data:
            _, page = self.get(form.page)
            parser = FormParser(urllib.parse.urljoin(self.base, form.page))
            parser.feed(page)
            fresh = [f for f in parser.forms if f.key == form.key and "once_token" in f.fields]
            if fresh:
                data["once_token"] = fresh[0].fields["once_token"]
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(form.action, body, timeout=30) as response:
                status, landed = response.status, response.geturl()
        except urllib.error.HTTPError as exc:
            status, landed = exc.code, exc.geturl()
        if status >= 500:
            raise SystemExit(f"{form.method} {form.action} answered {status} to its own values")
        return status, re.sub(r"/\d+", "/<id>", urllib.parse.urlsplit(landed).path)

    def repeats_differently(self, form: Form) -> bool:
        """Whether posting the form twice with the same values answers differently the second
        time (a different status or page), as a create-style form does once the row exists."""
        if form.method != "POST":
            return False
        return self.submit(form) != self.submit(form)

    def log_in(self, email: str, password: str) -> None:
        _, page = self.get("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        landed = self.post("/login", {"csrf_token": token, "email": email, "password": password})
        if "/login" in landed:
            raise SystemExit(f"could not log in as {email}")

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def crawl(self, limit: int, per_pattern: int = 2) -> list[Form]:
        """Breadth-first from the home page, at most ``per_pattern`` pages per URL shape."""
        seen, shapes, queue, forms = set(), {}, ["/"], []
        host = urllib.parse.urlsplit(self.base).netloc
        while queue and len(seen) < limit:
            url = queue.pop(0)
            parts = urllib.parse.urlsplit(urllib.parse.urljoin(self.base, url))
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = re.sub(r"/\d+", "/<id>", parts.path)
            if path in seen or parts.netloc != host or NOT_SCANNED.search(parts.path):
                continue
            if shapes.get(shape, 0) >= per_pattern:
                continue
            seen.add(path)
            shapes[shape] = shapes.get(shape, 0) + 1
            try:
                _, page = self.get(path)
            except urllib.error.HTTPError as exc:
                if exc.code >= 500:
                    raise SystemExit(f"{path} answered {exc.code} while crawling") from exc
                page = exc.read().decode(errors="replace")
            parser = FormParser(urllib.parse.urljoin(self.base, path))
            parser.feed(page)
            forms += parser.forms
            queue += [link.split("#")[0] for link in parser.links]
        return forms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(  # noqa: S603 (our own flask command, fixed arguments)
            [BIN / "flask", "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [
            BIN / "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "matcher:create_app({'RATELIMIT_ENABLED': False})",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the server did not start; see {log}")


def sqlmap(
    form: Form, technique: str, cookie: str, dbms: str, out: Path, args
) -> tuple[Form, str, list[str], str]:
    """Run sqlmap on one form with the given techniques; the findings it reports, its output."""
    tested = [name for name in form.fields if name not in TOKENS]
    data = urllib.parse.urlencode(form.fields)
    command = [
        sys.executable,
        "-m",
        "sqlmap.sqlmap",
        "-u",
        form.action if form.method == "POST" else f"{form.action.split('?')[0]}?{data}",
        "--cookie",
        cookie,
        "--batch",
        "--dbms",
        dbms,
        "--level",
        str(args.level),
        "--risk",
        str(args.risk),
        "--technique",
        technique,
        "--skip",
        ",".join(TOKENS),
        "-p",
        ",".join(tested),
        "--flush-session",
        "--disable-coloring",
        "--output-dir",
        str(out),
        "--answers",
        "follow=Y,keep testing=Y,crack=N,skip further=N",
        "--timeout",
        "20",
        "--retries",
        "3",
    ]
    if form.method == "POST":
        command += ["--data", data, "--method", "POST"]
    if "once_token" in form.fields:
        command += ["--csrf-token", "once_token", "--csrf-url", form.page]
    run = subprocess.run(command, capture_output=True, text=True, timeout=args.form_timeout)  # noqa: S603
    output = run.stdout + run.stderr
    findings = [m.group(0) for m in FINDING.finditer(output)]
    return form, technique, findings, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL to scan against (emptied first)")
    parser.add_argument("--jobs", type=int, default=2, help="sqlmap processes at once")
    parser.add_argument("--level", type=int, default=1)
    parser.add_argument("--risk", type=int, default=1)
    parser.add_argument("--technique", default="BEU", help="sqlmap techniques (default BEU)")
    parser.add_argument(
        "--stateful-technique",
        default="EU",
        help="techniques for forms that answer a repeated post differently (default EU)",
    )
    parser.add_argument("--pages", type=int, default=120, help="pages crawled per role")
    parser.add_argument("--form-timeout", type=int, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the output folder")
    args = parser.parse_args()

    from matcher.demo import DEMO_PASSWORD, demo_people
    from matcher.models import Role

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="matcher-sqlmap-"))
    port = free_port()
    env = {
        **os.environ,
        "MATCHER_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": args.database_url or f"sqlite:///{work / 'scan.sqlite3'}",
        "LOGIN_FAILURES_PER_MINUTE": "1000000",
    }
    if args.database_url:
        _empty(args.database_url)
    dbms = "PostgreSQL" if args.database_url else "SQLite"
    server = start_server(env, port, work / "server.log")
    base = f"http://127.0.0.1:{port}"
    people = demo_people()
    first = {role.value: next(p for p in people if p.role is role) for role in Role}
    findings: list[tuple[Form, str]] = []
    scanned = retried = 0
    create_style: list[str] = []
    try:
        for role in ROLES:
            browser = Browser(base)
            if role != "anonymous":
                browser.log_in(first[role].email, DEMO_PASSWORD)
            forms = {}
            for form in browser.crawl(args.pages):
                if form.fields.keys() - set(TOKENS) and not NOT_SCANNED.search(form.action):
                    forms.setdefault(form.key, form)
            stateful = {key for key, f in forms.items() if browser.repeats_differently(f)}
            print(f"== {role}: {len(forms)} forms, {len(stateful)} create-style", flush=True)
            create_style += [f"{role} {forms[key].method} {forms[key].action}" for key in stateful]
            with ThreadPoolExecutor(args.jobs) as pool:
                runs = [
                    pool.submit(
                        sqlmap,
                        f,
                        args.stateful_technique if key in stateful else args.technique,
                        browser.cookie(),
                        dbms,
                        work / "sqlmap",
                        args,
                    )
                    for key, f in forms.items()
                ]
                for run in runs:
                    form, technique, found, output = run.result()
                    scanned += 1
                    tested = sorted(set(form.fields) - set(TOKENS))
                    mark = "INJECTABLE" if found else "ok"
                    line = f"   {mark:<10} {technique:<4} {form.method} {form.action} {tested}"
                    print(line, flush=True)
                    broken = [m.group(0) for m in BROKEN.finditer(output)]
                    retries = [m.group(0) for m in RETRIED.finditer(output)]
                    retried += len(retries)
                    print("".join(f"      {r}\n" for r in retries), end="", flush=True)
                    findings += [(form, f) for f in found]
                    findings += [(form, "scan failed: " + b) for b in broken]
            if server.poll() is not None:
                raise SystemExit("the server stopped during the scan")
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors = (work / "server.log").read_text()
    if SERVER_TROUBLE.search(errors):
        print("the server logged errors during the scan:\n" + errors[-3000:])
        findings.append((None, "server errors"))
    seconds = time.monotonic() - started
    print(
        json.dumps(
            {
                "forms": scanned,
                "create_style": len(create_style),
                "findings": len(findings),
                "retried": retried,
                "dbms": dbms,
                "seconds": round(seconds),
            }
        )
    )
    for form in create_style:
        print(f"create-style (scanned with {args.stateful_technique}): {form}")
    for form, finding in findings:
        print(f"FINDING {form.method + ' ' + form.action if form else ''}: {finding}")
    if args.keep or findings:
        print(f"sqlmap output kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if findings else 0


def _empty(url: str) -> None:
    """Drop everything in the PostgreSQL database, so the migrations start from nothing."""
    import sqlalchemy

    from matcher import _database_url

    engine = sqlalchemy.create_engine(_database_url(url))
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
