"""The collector pause: off while any holder runs, back as it was when the last one leaves."""

import gc
import threading

from matcher import collector


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
