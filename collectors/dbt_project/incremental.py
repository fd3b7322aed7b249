"""The project-files collect, incremental: read nothing when nothing changed, patch the models
whose text changed, read everything otherwise.

Each collect from the project's files takes a stat snapshot of them
(:mod:`collectors.dbt_project.file_snapshot`) and compares it with the one the store keeps
(``project_files``, written in the collect's transaction). Three outcomes, in order:

* **unchanged**: every file has the content it had and the settings digest (:func:`inputs_digest`:
  project folder, console and render versions, the console's configuration, the environment
  variables dbt reads and those renders read) is the same: nothing is read, the project's rows
  stay as they are (also in a new process: the snapshot is in the store).
* **patch**: the only changes are the texts of existing model files, this process read the
  project before (the in-process :class:`ProjectState`, valid while its snapshot is the store's),
  and each changed model keeps every field but its text and checksum (:data:`TEXT_FIELDS`; its
  refs may change; not ephemeral, not versioned). Each changed model is set up and rendered again as the full
  read does (:func:`collectors.dbt_project.file_nodes.model_node`, with the same property entry,
  project config, renderer and render cache) and its refs resolved in the graph of the last
  read; the collect then replaces only those nodes' rows and the edges into them. The terminal
  UI following edits lives here: a one-model change costs that model.

  A process whose first collect finds nothing changed has no read to patch from. Such a collect
  hands back :attr:`ProjectRead.warm`: the pipeline calls it after its write, in a process that
  lives on (the terminal UI; not a one-shot ``console collect``), and it reads the project whole
  in a background thread (the same read as a full one, from the snapshot just taken, nothing
  written) to keep its graph. The next collect waits for it (:func:`settle`) before it looks at
  the store, so the first edit is a patch too. A read that no longer matches the store's
  snapshot (a file changed meanwhile) is simply not used: the state's rows are compared as always.
* **full**: anything else (a file added, removed or renamed, a property file, a macro,
  ``dbt_project.yml``, the profile, a setting): :func:`collectors.dbt_project.read_project`
  reads the project whole (files already read by the snapshot are not read again, unchanged
  renders come from the render cache).

A patch gives the rows a full read would give (a test compares both after each kind of change,
``tests/collectors/test_incremental_project.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from collectors.dbt_project.file_snapshot import Row, changes, take
from collectors.dbt_project.frames import frame_from_dicts

INPUTS = "\0inputs"
"""The ``project_files`` row whose hash is the settings digest."""
ENV_PREFIX = "\0env:"
"""``project_files`` rows of the environment variables renders read (hash of the value)."""

TEXT_FIELDS = frozenset({"raw_code", "checksum"})
"""The only node fields a patch may change. Every other field (config, tags, meta, materialization,
relation) is read by other phases from the stored nodes (parent relations of SQL facts, models
marked as sync outputs in the last mile): a model whose edit changes one is read whole."""

_DBT_ENV = ("DBT_TARGET", "DBT_PROFILES_DIR", "HOME")

_STATE: dict[tuple[str, str], ProjectState] = {}
_STATE_MAX = 4
_WARMING: list[threading.Thread] = []


@dataclass
class ProjectState:
    """What the last read of a project in this process built, for patching it.

    Attributes:
        rows: the snapshot (with the settings rows) the store holds after that collect.
        graph: the :class:`collectors.dbt_project.graph.Graph` of the read (patched in place).
        render_keys: model unique_id -> the render cache key of its text (models rendered).
    """

    rows: dict[str, Row]
    graph: object
    render_keys: dict[str, str] = field(default_factory=dict)


@dataclass
class ProjectRead:
    """The outcome of :func:`read_files`.

    Attributes:
        kind: ``unchanged``, ``patch`` or ``full``.
        frames: the snapshot frames of a full read (with ``render_cache``).
        updates: node rows of the patched models (every column); ``edges``: the edges into them.
        rows: the stat snapshot to keep; ``replace_rows``: True when it replaces the table
            whole, else ``rows_changed`` are upserted.
        renders_gone: render cache keys no model uses any more (patch); ``renders_new``: rows to upsert.
    """

    kind: str
    frames: dict[str, pl.DataFrame] | None = None
    updates: pl.DataFrame | None = None
    edges: pl.DataFrame | None = None
    rows: dict[str, Row] = field(default_factory=dict)
    replace_rows: bool = True
    rows_changed: dict[str, Row] = field(default_factory=dict)
    renders_gone: list[str] = field(default_factory=list)
    renders_new: pl.DataFrame | None = None
    #: unchanged, without a read to patch from: starts reading the project in the background
    #: for the next collect (call it after the store is written)
    warm: object = None

    def rows_frame(self, only_changed: bool = False) -> pl.DataFrame:
        rows = self.rows_changed if only_changed else self.rows
        return pl.DataFrame(
            [(p, *r) for p, r in rows.items()],
            schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String}, orient="row",
        )


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def inputs_digest(root: Path, config: object, extra: object = None) -> str:
    """A digest of everything besides the files that shapes a collect from the project's files
    (``extra``: the collect's own switches, such as SQL facts on or off: a collect with facts
    after one without them must compute them)."""
    from collectors.dbt_project.render import RENDER_VERSION
    from console import __version__

    return _digest([str(root), __version__, RENDER_VERSION, repr(config), [os.environ.get(k) for k in _DBT_ENV], extra])


def _profile_files(root: Path) -> list[Path]:
    from collectors.warehouse.profiles import profiles_path
    from console.errors import InputError

    try:
        path = profiles_path(root, None, os.environ)
    except InputError:
        return []
    if path is None:
        return []
    return [Path(os.path.abspath(path))]  # (inside the project folder, keyed by its relative path)


def _env_rows(names: set[str]) -> dict[str, Row]:
    return {f"{ENV_PREFIX}{n}": (0, 0, _digest(os.environ.get(n))) for n in sorted(names)}


def _settings_rows(root: Path, config: object, previous: dict[str, Row], extra: object) -> dict[str, Row]:
    names = {p[len(ENV_PREFIX):] for p in previous if p.startswith(ENV_PREFIX)}
    return {INPUTS: (0, 0, inputs_digest(root, config, extra)), **_env_rows(names)}


def read_files(loc, seen: dict, notes: list[str], switches: object = None) -> ProjectRead:
    """Read the project's files incrementally (see the module docstring); ``switches`` (the
    collect's options that change what it writes) are part of the settings digest.

    Raises:
        InputError: as :func:`collectors.dbt_project.read_project`.
    """
    root = Path(os.path.abspath(loc.project))
    key = (str(root), str(loc.store))
    stored: dict[str, Row] = seen.get("project_files") or {}
    nodes = seen.get("nodes")
    from_files = nodes is not None and set(nodes["origin"].unique().to_list()) <= {"project"}  # no nodes yet: from files too
    previous = stored if from_files else {}
    snap = take(root, previous, _profile_files(root))
    if snap is None:
        _STATE.pop(key, None)
        return _full(loc, root, key, None, {}, notes)
    rows = {**snap.rows, **_settings_rows(root, loc.config, previous, switches)}
    if previous:
        added, removed, changed = changes(previous, rows)
        delta = {p: r for p, r in rows.items() if previous.get(p) != r}
        if not (added or removed or changed):
            state = _STATE.get(key)
            read = ProjectRead("unchanged", rows=rows, replace_rows=False, rows_changed=delta)
            if state is not None and state.rows == stored:
                state.rows = rows
            else:
                read.warm = lambda: _start_warm(loc, root, key, snap, rows)
            return read
        state = _STATE.get(key)
        if state is not None and state.rows == stored and not (added or removed):
            read = _patch(root, state, changed, snap.data)
            if read is not None:
                state.rows = read.rows = rows
                read.replace_rows, read.rows_changed = False, delta
                return read
    return _full(loc, root, key, snap, rows, notes)


def settle() -> None:
    """Wait for a background read (:func:`_start_warm`) to end: a collect calls this first."""
    while _WARMING:
        _WARMING.pop().join()


def _start_warm(loc, root: Path, key: tuple[str, str], snap, rows: dict[str, Row]) -> None:
    """Read the project whole in a daemon thread to keep its graph in :data:`_STATE` (the rows
    of the unchanged collect that started it; any failure: no state, the next change reads whole)."""

    def run() -> None:
        try:
            _full(loc, root, key, snap, dict(rows), [])
            state = _STATE.get(key)
            if state is not None and state.rows != rows:  # renders read other variables: not this snapshot
                _STATE.pop(key, None)
            after = take(root, rows, _profile_files(root))  # a file edited while it was read: not this snapshot
            if after is None or any(changes(rows, {**after.rows, **{p: r for p, r in rows.items() if p.startswith(chr(0))}})):
                _STATE.pop(key, None)
        except BaseException:  # noqa: BLE001 - best effort: a failed warm-up only costs the next change a full read
            _STATE.pop(key, None)

    settle()
    thread = threading.Thread(target=run, name="console-project-read", daemon=True)
    _WARMING.append(thread)
    thread.start()


def _full(loc, root: Path, key: tuple[str, str], snap, rows: dict[str, Row], notes: list[str]) -> ProjectRead:
    from collectors.dbt_project import read_project
    from collectors.dbt_project.render_cache import RenderCache
    from console.store.render_cache import cached_renders

    _STATE.pop(key, None)
    cache = RenderCache(cached_renders(loc.store))
    keep: dict = {}
    # layer_rules=(): the collect classifies the nodes with the configuration's [layers] itself
    frames = read_project(loc.project, (), notes=notes, render_cache=cache, preloaded=snap.data if snap else None, keep=keep)
    frames["render_cache"] = cache.frame()
    if snap is None:
        return ProjectRead("full", frames=frames, rows={})
    env_names = set()
    for _macros, variables, _calls in cache.used.values():
        env_names.update(n[4:] for n in json.loads(variables) if n.startswith("env:"))
    rows = {p: r for p, r in rows.items() if not p.startswith(ENV_PREFIX)} | _env_rows(env_names)
    graph = keep["graph"]
    state = ProjectState(rows, graph, {})
    for models in graph.model_files.values():
        for m in models:
            if m.job is not None:
                state.render_keys[_uid(m)] = m.job.key
    if len(_STATE) >= _STATE_MAX:
        _STATE.clear()
    _STATE[key] = state
    return ProjectRead("full", frames=frames, rows=rows)


def _uid(model) -> str:
    return f"model.{model.project.name}.{model.name}" + (f".v{model.v}" if model.v is not None else "")


def _patch(root: Path, state: ProjectState, changed: set[str], data: dict[str, bytes]) -> ProjectRead | None:
    """The patch of the changed model files, or None when only a full read will do."""
    from collectors.dbt_project.file_nodes import depend_on_calls, model_node, model_setup
    from collectors.dbt_project.scan import FileCache

    graph = state.graph
    cache = FileCache(data)
    patched: list[tuple[str, object, dict, object]] = []
    for rel in sorted(changed):
        models = graph.model_files.get(Path(os.path.join(root, rel)))
        if not models or len(models) != 1 or models[0].v is not None:
            return None  # a property file, macro, seed...; or a versioned model
        old_model = models[0]
        uid = _uid(old_model)
        old = graph.nodes.get(uid)
        if old is None or old.get("materialized") == "ephemeral":
            return None
        graph.renderer = graph.renderers.get(old_model.project.name)
        model = model_setup(graph, old_model, cache)
        failures_before = len(graph.render_failures)
        _, node, calls = model_node(graph, old_model.project, model)
        if node is None or node.get("materialized") == "ephemeral":
            return None
        graph.apply_owner(node)
        if any(old.get(k) != node.get(k) for k in old.keys() | node.keys() if k not in TEXT_FIELDS):
            return None
        patched.append((uid, model, node, calls, old_model, failures_before))
    keys_before = Counter(state.render_keys.values())
    new_keys: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    ids = [p[0] for p in patched]
    wanted = set(ids)
    graph.deps = [d for d in graph.deps if d[0] not in wanted]
    for uid, model, node, calls, old_model, failures_before in patched:
        _forget_render(graph, old_model, model, failures_before)
        graph.nodes[uid] = node
        graph.model_files[model.path] = [model]
        project = model.project.name
        start = len(graph.deps)
        depend_on_calls(graph, model.project, uid, calls)
        seen: set[str] = set()
        for _child, _project, dep in graph.deps[start:]:
            parent = graph.resolve(project, dep)
            if parent is not None and parent != uid and parent not in seen:
                seen.add(parent)
                edges.append((parent, uid))
        state.render_keys.pop(uid, None)
        if model.job is not None:
            state.render_keys[uid] = new_keys[uid] = model.job.key
    keys_after = Counter(state.render_keys.values())
    gone = [k for k in keys_before if k not in keys_after]
    new_rows = [(k, *graph.render_cache.used[k]) for k in dict.fromkeys(new_keys.values()) if k in graph.render_cache.used]
    from collectors.dbt_project.render_cache import CACHE_SCHEMA

    return ProjectRead(
        "patch",
        updates=frame_from_dicts("nodes", [graph.nodes[i] for i in ids]),
        edges=pl.DataFrame(edges, schema={"parent_id": pl.String, "child_id": pl.String}, orient="row"),
        renders_gone=gone,
        renders_new=pl.DataFrame(new_rows, schema=CACHE_SCHEMA, orient="row"),
    )


def _forget_render(graph, old_model, model, failures_before: int) -> None:
    """Keep the graph's render counts those of the project as it is (the summary's note)."""
    if old_model.job is not None:
        if old_model.render_failure is None:
            graph.rendered -= 1
        else:
            rel = graph.rel(old_model.path)
            for i, (path, _reason) in enumerate(graph.render_failures[:failures_before]):
                if path == rel:
                    del graph.render_failures[i]
                    break
