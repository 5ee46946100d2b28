"""Named locks across processes (``matcher.locks``): one holder at a time, free again when the
holder leaves the block, and free when the holding process is SIGKILLed (PostgreSQL ends its
session; the kernel drops its ``flock``)."""

import os
import subprocess
import sys

from matcher import ROOT, locks
from tests.helpers.faults import served_settings
from tests.servers import wait_until

HOLD = """
import sys, time
from matcher import create_app, locks
with create_app().app_context():
    with locks.exclusive(sys.argv[1]) as held:
        print("held" if held else "refused", flush=True)
        time.sleep(120)
"""


def test_one_holder_at_a_time(app):
    with app.app_context():
        with (
            locks.exclusive("tick") as first,
            locks.exclusive("tick") as second,
            locks.exclusive("mail") as other,
        ):
            assert (first, second, other) == (True, False, True)
        with locks.exclusive("tick") as again:
            assert again


def test_a_killed_holder_frees_its_lock(app, tmp_path):
    env = {**os.environ, **served_settings(app, tmp_path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, "tick"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with app.app_context(), locks.exclusive("tick") as held:
            assert not held
        holder.kill()
        holder.wait()

        def free() -> bool:
            with app.app_context(), locks.exclusive("tick") as held:
                return held

        wait_until(free, "the lock of the killed process coming free", 10)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_advisory_keys_are_stable_and_distinct():
    assert locks.advisory_key("tick") == locks.advisory_key("tick")
    assert locks.advisory_key("tick") != locks.advisory_key("mail")
    assert -(2**63) <= locks.advisory_key("tick") < 2**63
