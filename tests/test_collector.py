"""The collector pause: off while any holder runs, back as it was when the last one leaves."""

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

from matcher import collector

ROOT = Path(__file__).resolve().parent.parent


def test_paused_switches_the_collector_off_and_back_on():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_in_the_block_still_switches_it_back_on():
    try:
        with collector.paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_it_stays_off_until_the_last_of_overlapping_holders_leaves():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def second():
        with collector.paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()

    with collector.paused():
        first_in.set()
        thread = threading.Thread(target=second)
        thread.start()
        assert second_in.wait(5)
    first_out.set()
    thread.join(5)
    assert seen == {"after the first left": False}
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_settle_for_serving_freezes_what_is_loaded_and_raises_the_young_threshold():
    before = gc.get_threshold()
    try:
        collector.settle_for_serving()
        assert gc.get_threshold() == collector.SERVING_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_served_app_is_settled(tmp_path):
    script = "import gc, wsgi; print(*gc.get_threshold(), gc.get_freeze_count() > 0)"
    env = {
        **os.environ,
        "MATCHER_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'settled.sqlite3'}",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == [*map(str, collector.SERVING_THRESHOLDS), "True"]
