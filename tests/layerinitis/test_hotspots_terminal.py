"""``console hotspots`` on a real terminal (tmux): colour with Rich, none with NO_COLOR."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.layerinitis.story import story_context

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")]


def _run_in_tmux(command: str, done: str) -> str:
    session = f"hotspots-{uuid.uuid4().hex[:8]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "60",
                    f"{command}; echo {done}; sleep 30"], check=True)
    try:
        deadline = time.monotonic() + 60
        screen = ""
        while time.monotonic() < deadline:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-e", "-S", "-200", "-t", session],
                                    capture_output=True, text=True).stdout
            if done in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"the command did not finish:\n{screen}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("tty")
    story_context(root)
    (root / "proj").mkdir()
    return root


def _command(store, env: str = "") -> str:
    return (f"cd {os.getcwd()} && {env} {sys.executable} -m console hotspots {store / 'proj'} --no-collect "
            f"--store {store / 'store.duckdb'} --now 2026-11-08T09:00:00Z --limit 2")


def test_colour_on_a_terminal(store):
    screen = _run_in_tmux(_command(store), "HOTSPOTS-DONE")
    assert "\x1b[" in screen
    assert "Top items for Salesforce" in screen and "score" in screen


def test_no_colour_with_no_color(store):
    screen = _run_in_tmux(_command(store, "NO_COLOR=1"), "HOTSPOTS-DONE")
    assert "Top items for Salesforce" in screen
    before_done = screen.split("HOTSPOTS-DONE")[0]
    body = before_done[before_done.index("Layerinitis hotspots"):]
    assert "\x1b[" not in body
