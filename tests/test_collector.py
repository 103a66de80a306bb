"""The garbage collector's tuning: the CLI process pauses it while loading, and leaves it running after; a
program that imports labelsync as a library keeps its own collector untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_the_cli_process_pauses_collection_while_loading_and_resumes_it_after() -> None:
    out = _run(
        """
        import gc
        from reconciler import collector
        collector.tune()
        before = gc.get_freeze_count()
        with collector.paused():
            inside = gc.isenabled()
            made = [[i] for i in range(1000)]
        print(inside, gc.isenabled(), gc.get_freeze_count() >= before + 1000, gc.get_threshold())
        """
    )
    assert out == f"False True True {collector_threshold()}"


def test_a_library_user_keeps_its_own_collector() -> None:
    out = _run(
        """
        import gc
        from reconciler import collector
        gc.set_threshold(700, 10, 10)
        with collector.paused():
            inside = gc.isenabled()
        print(inside, gc.isenabled(), gc.get_freeze_count(), gc.get_threshold())
        """
    )
    assert out == "True True 0 (700, 10, 10)"


def test_a_collector_paused_by_its_caller_stays_paused() -> None:
    out = _run(
        """
        import gc
        from reconciler import collector
        collector.tune()
        gc.disable()
        with collector.paused():
            pass
        print(gc.isenabled())
        """
    )
    assert out == "False"


def collector_threshold() -> tuple[int, int, int]:
    from reconciler import collector

    return collector.THRESHOLD


def test_a_worker_forked_while_loading_collects_its_garbage() -> None:
    out = _run(
        """
        import gc, os
        from reconciler import collector
        collector.tune()
        with collector.paused():
            read, write = os.pipe()
            if os.fork() == 0:
                os.write(write, str(gc.isenabled()).encode())
                os._exit(0)
            os.wait()
            print(os.read(read, 10).decode(), gc.isenabled())
        """
    )
    assert out == "True False"
