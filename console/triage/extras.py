"""What triage reads beyond the rules' Context: code history, the last mile, the query log, the
warehouse's relations. :func:`load_extras` is the one place triage touches the store (a short
shared-lock visit through :func:`console.store.read_tables`); the CLI and the terminal UI's
worker call it, the core only reads the :class:`Extras` it is given.

Every table may be empty (not collected yet, or by an older release): triage then says what it
could not see instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from console.errors import InputError

#: table -> columns triage reads.
EXTRA_TABLES: dict[str, list[str]] = {
    "node_history": ["unique_id", "checksum", "collect_id", "seen_at"],
    "lastmile_artifacts": ["artifact_id", "tool", "kind", "path", "name", "owner", "relations_read"],
    "logic_facts": ["subject_id", "subject_type", "relations"],
    "query_log": ["query_id", "started_at", "user_name", "role_name", "query_type", "execution_status", "objects_read"],
    "warehouse_relations": ["database", "schema", "name", "table_type", "last_altered"],
}
_CODE = {"node_history": ["unique_id", "collect_id", "raw_code"], "nodes": ["unique_id", "raw_code", "compiled_code"]}


@dataclass(frozen=True)
class Extras:
    """Frames triage reads besides the Context (any may be empty).

    Attributes:
        frames: table name -> frame (see :data:`EXTRA_TABLES`).
        code: ``node_history`` rows with ``raw_code`` (for SQL diffs) and the current ``nodes``
            code; empty when not loaded.
        code_loader: instead of ``code``, a function that reads it when a diff is wanted (the
            terminal UI keeps no code in memory: it reads it, diffs, and lets it go).
    """

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    code: dict[str, pl.DataFrame] = field(default_factory=dict)
    code_loader: Callable[[], dict[str, pl.DataFrame]] | None = None

    def table(self, name: str) -> pl.DataFrame:
        """The frame, or an empty one when it was not loaded."""
        frame = self.frames.get(name)
        return frame if frame is not None else pl.DataFrame()


def load_extras(store_path: Path, *, code: bool = True, lazy_code: bool = False) -> Extras:
    """Read the extra tables (and, with ``code``, the code history) in one visit each.

    ``lazy_code`` reads no code now but gives the Extras a loader that reads it when a diff is
    wanted (for long-lived processes).

    Raises:
        InputError: the store is missing or not a store (as any store read).
    """
    from console.store import read_tables

    frames = read_tables(store_path, dict(EXTRA_TABLES))
    if lazy_code:
        return Extras(frames, {}, lambda: load_code(store_path))
    return Extras(frames, load_code(store_path) if code else {})


def load_code(store_path: Path) -> dict[str, pl.DataFrame]:
    """The code history (``node_history`` with ``raw_code``) and the nodes' current code."""
    from console.store import read_tables

    try:
        return read_tables(store_path, dict(_CODE))
    except InputError:  # a store of version 3 written before node_history kept code
        return {}
