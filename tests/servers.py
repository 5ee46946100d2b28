"""Real servers for the fault tests and the load script: gunicorn on a free loopback port with
a given database, the worker (``flask worker``) on it, and a small browser (cookies, CSRF and
one-time tokens read from the forms).

Only the standard library: ``http.client`` keeps one connection per browser (keep-alive, as a
real browser does) and exposes the socket, so a test can find the worker serving a request.
"""

import html
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from matcher import ROOT

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FLASK = str(Path(sys.executable).with_name("flask"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    ready: Callable[[], object], what: str, seconds: float = 20, every: float = 0.02
) -> object:
    """Poll ``ready`` every ``every`` seconds until it returns something true; fail after
    ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {seconds} s")


class Gunicorn:
    """``gunicorn wsgi:app`` with ``workers`` x ``threads`` on 127.0.0.1, environment
    ``settings`` on top of ours; ``start`` returns once ``/healthz`` answers."""

    def __init__(
        self, settings: dict[str, str], log: Path, workers: int = 2, threads: int = 4
    ) -> None:
        self.settings, self.log_path = settings, log
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "Gunicorn":
        env = {**os.environ, **self.settings}
        command = [
            GUNICORN,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ]
        with self.log_path.open("a") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_until(self._ready, "gunicorn answering /healthz", timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
        if len(self.worker_pids()) < self.workers:
            return False
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        """The live worker processes (children of the master), from ``/proc``."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def worker_serving(self, client_port: int) -> int | None:
        """The worker holding the accepted connection from ``127.0.0.1:client_port``."""
        inode, _ = _server_socket(self.port, client_port)
        if inode is None:
            return None
        target = f"socket:[{inode}]"
        for pid in self.worker_pids():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except FileNotFoundError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd) == target:
                        return pid
                except OSError:
                    continue
        return None

    def has_read_request(self, client_port: int) -> bool:
        """Whether a worker has read all that ``client_port`` sent (nothing left queued)."""
        inode, queued = _server_socket(self.port, client_port)
        return inode is not None and queued == 0

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker, as the kernel's OOM killer would; the master starts another."""
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _server_socket(server_port: int, client_port: int) -> tuple[int | None, int]:
    """The inode (``None`` until a worker accepted it) and unread bytes of the server side of
    the loopback connection from ``client_port``, from ``/proc/net/tcp``."""
    local, remote = f"{server_port:04X}", f"{client_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            parts = line.split()
            if parts[1].endswith(":" + local) and parts[2].endswith(":" + remote):
                return int(parts[9]) or None, int(parts[4].split(":")[1], 16)
    return None, 0


@contextmanager
def gunicorn(settings: dict[str, str], log: Path, workers: int = 2, threads: int = 4):
    server = Gunicorn(settings, log, workers, threads).start()
    try:
        yield server
    finally:
        server.stop()


class Worker:
    """``flask --app wsgi worker`` with ``threads`` threads, environment ``settings`` on top of
    ours; ``start`` returns once its consumer runs. Its log (appended to ``log``) says what it
    did: each tick, each pass of the mail sender that sent something, each job started again."""

    def __init__(self, settings: dict[str, str], log: Path, threads: int = 4) -> None:
        self.settings, self.log_path, self.threads = settings, log, threads
        self.process: subprocess.Popen | None = None
        self._offset = 0

    def start(self, timeout: float = 30) -> "Worker":
        env = {**os.environ, **self.settings}
        command = [FLASK, "--app", "wsgi", "worker", "--threads", str(self.threads)]
        self._offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("a") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_until(self._ready, "the worker's consumer starting", timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def log(self) -> str:
        """What this run of the worker has logged so far."""
        return self.log_path.read_text(errors="replace")[self._offset :]

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{self.log()[-3000:]}")
        return "Huey consumer started" in self.log()

    def freeze(self) -> None:
        """SIGSTOP: every thread stops where it is, holding what it holds."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after ``freeze``."""
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.thaw()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- a browser -------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def values(self, **overrides: str | list[str]) -> list[tuple[str, str]]:
        """The form as a browser would send it, with ``overrides`` replacing fields by name."""
        kept = [(k, v) for k, v in self.fields if k not in overrides]
        for name, value in overrides.items():
            kept += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
        return kept


class _FormParser(HTMLParser):
    """The fields of a page's forms as a browser sends them (the newline that follows
    ``<textarea>`` is not part of its value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action") or "", (a.get("method") or "get").lower()))
        if not self.forms:
            return
        fields, choices = self.forms[-1].fields, self.forms[-1].choices
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                choices.setdefault(a["name"], []).append(a.get("value") or "on")
                if "checked" in a:
                    fields.append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            choices.setdefault(self._select, []).append(a.get("value") or "")
            if "selected" in a:
                fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self.forms:
            text = self._text
            text = text[2:] if text.startswith("\r\n") else text[1:] if text[:1] == "\n" else text
            self.forms[-1].fields.append((self._textarea, text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def forms_in(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("location", "")).path


STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
"""How a kept-alive connection the server has since closed (gunicorn closes one idle for 2 s)
fails the next request on it."""
IDEMPOTENT = frozenset({"GET", "HEAD"})
"""Requests sent once more on a new connection when a kept-alive one turns out closed, as
browsers do (RFC 9112, 9.3.1)."""


class Browser:
    """One person's browser: a keep-alive connection, cookies, no automatic redirects."""

    def __init__(self, base: str, timeout: float = 60) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.connection.connect()
        return self.connection

    @property
    def local_port(self) -> int:
        return self.connect().sock.getsockname()[1]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None, on_sent=None
    ) -> Reply:
        """One request; ``on_sent`` is called once it has been written to the socket."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        reused = self.connection is not None
        try:
            connection = self.connect()
            connection.request(method, path, body=body, headers=headers)
            if on_sent is not None:
                on_sent()
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if reused and method in IDEMPOTENT and isinstance(exc, STALE_CONNECTION):
                return self.request(method, path, body, headers, on_sent)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, reply_headers, data.decode("utf-8", "replace"))

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]], files=None, on_sent=None) -> Reply:
        if files:
            body, content_type = _multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": content_type}, on_sent)

    def form(self, page: str, match: Callable[[Form], bool] | None = None) -> Form:
        """GET ``page`` and return its first form ``match`` accepts; by default the POST form
        that posts back to the page (not the log-out form in the header)."""
        reply = self.get(page)
        assert reply.status == 200, f"GET {page}: {reply.status} {reply.headers.get('location')}"
        path = urllib.parse.urlsplit(page).path
        for found in forms_in(reply.body):
            found.action = html.unescape(found.action) or page
            if match(found) if match else found.method == "post" and found.action in (page, path):
                return found
        raise AssertionError(f"no matching form on {page}")

    def submit(self, page: str, match=None, files=None, **overrides) -> Reply:
        form = self.form(page, match)
        return self.post(form.action, form.values(**overrides), files)

    def log_in(self, email: str, password: str) -> None:
        reply = self.submit("/login", email=email, password=password)
        assert reply.status == 302, f"log-in of {email}: {reply.status}"


def _multipart(fields, files) -> tuple[bytes, str]:
    boundary = "matcher" + os.urandom(8).hex()
    chunks: list[bytes] = []
    for name, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        chunks.append(f"{head}{value}\r\n".encode())
    for name, (filename, content, content_type) in files.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
