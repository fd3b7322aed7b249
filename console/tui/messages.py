"""Every message of the terminal UI, as small documented dataclasses.

Workers and the file watcher post these to the app (``post_message`` is thread-safe); widgets
post :class:`ShowNode` / :class:`ShowRule` to ask the app to move to another screen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual.message import Message

from console.tui.state import AppData


@dataclass
class DataLoaded(Message):
    """A worker finished loading (and maybe collecting): every screen gets ``data``.

    Attributes:
        data: the new load.
        collected: a collect ran before this load.
        painted: set by the app once this load is on screen (the first paint's worker waits
            for it before reading the whole store, so the two do not share the CPU).
    """

    data: AppData
    collected: bool = False
    painted: threading.Event | None = None


@dataclass
class WorkFailed(Message):
    """A worker failed; the app shows it in one place (an error dialog or a notification).

    Attributes:
        title: a full sentence saying what was being done ("Could not collect the project.").
        error: the exception.
        live: the failure came from a live re-collect (a half-written file may be retried).
        paths: the changed paths that collect was for (looked at again on the retry).
    """

    title: str
    error: BaseException
    live: bool = False
    paths: frozenset[str] = frozenset()


@dataclass
class FilesChanged(Message):
    """The watcher saw changes under the project; duplicates collapse while queued.

    Attributes:
        paths: the changed paths (merged when messages collapse).
    """

    paths: frozenset[str]

    def can_replace(self, message: Message) -> bool:
        """A queued FilesChanged is dropped for the next one, which takes over its paths."""
        if isinstance(message, FilesChanged):
            message.paths = message.paths | self.paths
            return True
        return False


@dataclass
class ShowNode(Message):
    """Open ``screen`` on a node: ``t`` sends it to Triage, enter in Checks to Lineage.

    Attributes:
        unique_id: the node's dbt unique_id (or a last-mile artifact id).
        screen: the name of the screen to open (see ``console.tui.app.SCREENS``).
    """

    unique_id: str
    screen: str = "triage"


@dataclass
class ShowRule(Message):
    """Open the Checks screen filtered to one rule (from the command palette).

    Attributes:
        rule: a rule id.
    """

    rule: str
