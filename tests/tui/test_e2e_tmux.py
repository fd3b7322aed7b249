"""End to end in a real terminal: tmux runs `console open sample_project`; we walk it by keys.

The app starts with no store (a temp ``--store``), opens at once with a word on what is
missing, collects in the background, then the walk goes Overview -> the failing test in
Checks -> Triage, reading the screen with ``tmux capture-pane -p`` at each step. The tmux
server is private to the test (its own socket) and killed in a finalizer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tui.conftest import SAMPLE

CONSOLE = Path(sys.executable).with_name("console")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """A tmux session of a given size on a private server."""

    def __init__(self, socket: str, width: int, height: int, command: str):
        self.socket = socket
        self._tmux("new-session", "-d", "-s", "console", "-x", str(width), "-y", str(height), command)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "console")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "console", key)
            time.sleep(0.15)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on the screen after {timeout} s:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(tmp_path, request):
    store = tmp_path / "store.duckdb"
    log = tmp_path / "exit.txt"
    env = f"cd {SAMPLE.parent} && TERM=xterm-256color DBT_SEND_ANONYMOUS_USAGE_STATS=false"
    command = f"{env} {CONSOLE} open sample_project --store {store} --now 2026-11-07T08:00:00Z; echo exit=$? > {log}; sleep 60"
    term = Terminal(f"console-e2e-{os.getpid()}", 120, 40, command)
    request.addfinalizer(term.kill)
    term.exit_log = log
    return term


def test_walk_from_the_overview_to_the_failing_test_and_triage(terminal):
    screen = terminal.wait_for("Needs attention", timeout=30)
    assert "Overview" in screen
    screen = terminal.wait_for("assert_inventory_feed_covers", timeout=60)  # the background collect landed
    assert "alcohol_marketplace" in screen and "Latest run" in screen and "dbt build" in screen
    # the attention list: the failing (warning) test is the second row
    terminal.keys("j", "Enter")
    screen = terminal.wait_for("warned in the latest", timeout=10)
    assert "Checks" in screen and "assert_inventory_feed_covers_every_store" in screen
    assert "26 failing rows" in screen
    terminal.keys("t")
    terminal.wait_for("· Triage", timeout=20)
    screen = terminal.wait_for("assert_inventory_feed_covers_every_store", timeout=20)  # its triage, once loaded
    assert "· Triage" in screen
    screen = terminal.wait_for("inventory_feed.inventory", timeout=20)  # the stale, renamed feed: the root cause
    terminal.keys("q")
    for _ in range(50):
        if terminal.exit_log.exists():
            break
        time.sleep(0.1)
    assert terminal.exit_log.read_text().strip() == "exit=0"
    assert "Traceback" not in terminal.screen()
