"""A progress bar on stderr for long collect phases (only on a terminal, never under CI)."""

from __future__ import annotations

import os
import sys


class Bar:
    def __init__(self):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("SQL facts"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(file=sys.__stderr__), transient=True,  # live: never held with the diagnostics
        )
        self._task = None

    def update(self, done: int, total: int) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("sql", total=total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()


def progress_bar() -> Bar | None:
    return None if os.environ.get("CI") else Bar()
