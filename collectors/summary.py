"""What one collect did, for the one-line summary on stderr and the ``collects`` table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

_ORDER = ("model", "seed", "snapshot", "test", "unit_test", "source", "exposure", "metric", "semantic_model", "saved_query", "analysis", "group")


@dataclass
class CollectSummary:
    """Counts of one collect.

    Example:
        >>> s = CollectSummary(Path("p"), Path("p/.console/store.duckdb"))
        >>> s.nodes = {"model": 3, "test": 5}
        >>> s.add_history("run_results", 1, 8)
        >>> s.to_text().splitlines()[0]
        'collected p: 3 models, 5 tests'
    """

    project_root: Path
    store: Path
    origin: str = ""
    nodes: dict[str, int] = field(default_factory=dict)
    runs_added: int = 0
    results_added: int = 0
    freshness_added: int = 0
    freshness_results_added: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    edited_models: int = 0
    sql_parsed: int = 0
    sql_cached: int = 0
    sql_seconds: float = 0.0
    logic_parsed: int = 0
    logic_cached: int = 0
    logic_seconds: float = 0.0
    lastmile: object = None  # collectors.lastmile_phase.LastmileResult, when the last mile was read
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def count_nodes(self, nodes: pl.DataFrame) -> None:
        counts = dict(nodes.group_by("resource_type").len().iter_rows()) if nodes.height else {}
        self.nodes = {k: counts[k] for k in sorted(counts, key=lambda k: (_ORDER.index(k) if k in _ORDER else 99, k))}

    def add_history(self, kind: str, invocations: int, rows: int) -> None:
        if kind == "run_results":
            self.runs_added += invocations
            self.results_added += rows
        else:
            self.freshness_added += invocations
            self.freshness_results_added += rows

    def to_dict(self) -> dict:
        return {
            "origin": self.origin, "nodes": self.nodes, "runs_added": self.runs_added,
            "results_added": self.results_added, "freshness_added": self.freshness_added,
            "freshness_results_added": self.freshness_results_added, "files_read": self.files_read,
            "files_unchanged": self.files_unchanged, "edited_models": self.edited_models, "sql_parsed": self.sql_parsed,
            "sql_cached": self.sql_cached, "logic_parsed": self.logic_parsed, "logic_cached": self.logic_cached,
            "seconds": round(self.seconds, 3), **self._lastmile_dict(),
        }

    def _lastmile_dict(self) -> dict:
        if self.lastmile is None:
            return {}
        from collectors.lastmile_phase import summary_dict

        return {"lastmile": summary_dict(self.lastmile)}

    def to_text(self) -> str:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}" + ("" if n == 1 else ("es" if word.endswith("s") else "s"))

        name = self.project_root.name
        parts = [plural(n, k.replace("_", " ")) for k, n in self.nodes.items()]
        if parts:
            first = f"collected {name}: " + ", ".join(parts) + (f" (from {self.origin})" if self.origin else "")
        else:
            first = f"collected {name}: project unchanged since the last collect"
        lines = [first]
        hist = []
        if self.runs_added or self.results_added:
            hist.append(f"{plural(self.runs_added, 'run')} and {plural(self.results_added, 'result')} added")
        if self.freshness_added:
            hist.append(f"{plural(self.freshness_added, 'freshness check')} added")
        if self.files_unchanged:
            hist.append(f"{self.files_unchanged} artifact files unchanged")
        if self.edited_models:
            hist.append(f"{plural(self.edited_models, 'model')} edited since dbt's last parse")
        if self.sql_parsed or self.sql_cached:
            hist.append(f"SQL facts: {self.sql_parsed} parsed, {self.sql_cached} cached ({self.sql_seconds:.1f} s)")
        if self.logic_parsed or self.logic_cached:
            hist.append(f"SQL logic: {self.logic_parsed} parsed, {self.logic_cached} cached ({self.logic_seconds:.1f} s)")
        if hist:
            lines.append("  " + "; ".join(hist))
        if self.lastmile is not None and self.lastmile.counts:
            from collectors.lastmile_phase import summary_lines

            lines.extend(summary_lines(self.lastmile))
        lines.append(f"  store {self.store} in {self.seconds:.2f} s")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)
