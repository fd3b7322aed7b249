"""Models edited since dbt last parsed the project.

The manifest is the truth about the project as dbt last parsed it. A person editing a model
(with the terminal UI open) changes the file long before dbt runs again; the console shows the
edit at once by *overlaying* the file on the manifest's node: new raw code and checksum, no
compiled code (it is stale), refs and sources read again from the file (a small Jinja
tokenizer, :func:`collectors.dbt_project.extract_calls`), and fresh SQL facts.

Finding the edited files is cheap enough for every collect, so no manifest is re-read for it:
a file whose mtime is not newer than the manifest's is what dbt parsed; a newer one is hashed
(unless the stat cache already knows it) and compared with the node's checksum, which dbt
computes as the sha256 of the file's text stripped of surrounding white space.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from console.errors import InputError
from console.files import limit_for, read_limited

OVERLAY_TYPES = ("model", "snapshot", "analysis")


@dataclass(frozen=True)
class EditedFile:
    unique_id: str
    rel_path: str
    text: str
    sha256: str
    size: int
    mtime_ns: int


def find_edited(
    root: Path, nodes: pl.DataFrame, manifest_mtime_ns: int, stats: dict[str, tuple[int, int, str]]
) -> tuple[list[EditedFile], list[tuple[str, int, int, str]]]:
    """Model files whose content differs from the checksum the manifest recorded.

    Returns the edited files, and the stat-cache rows ``(path, size, mtime_ns, sha256)`` of
    every file hashed on the way (so the next collect need not read them again).

    Args:
        root: the project root (node paths are relative to it).
        nodes: at least unique_id, resource_type, path, checksum, package_name.
        manifest_mtime_ns: when the manifest was written.
        stats: the store's stat cache, path -> (size, mtime_ns, sha256).
    """
    if nodes is None or nodes.is_empty():
        return [], []
    candidates = nodes.filter(pl.col("resource_type").is_in(list(OVERLAY_TYPES)) & pl.col("path").is_not_null())
    project = _root_package(nodes)
    if project is not None:
        candidates = candidates.filter(pl.col("package_name") == project)
    edited = []
    hashed = []
    base = str(root)
    for uid, rel, checksum in candidates.select("unique_id", "path", "checksum").iter_rows():
        path = os.path.join(base, rel)  # plain strings: pathlib costs more than the stat here
        try:
            st = os.stat(path)
        except (OSError, ValueError):  # ValueError: a NUL in a path from a hostile manifest
            continue  # removed since the parse: dbt will say so on its next run
        if st.st_mtime_ns <= manifest_mtime_ns:
            continue
        cached = stats.get(rel)
        if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
            sha = cached[2]
            if sha == checksum:
                continue
        data = read_limited(Path(path), limit_for("code"), "code files")  # the limit scan.py applies too
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text") from None
        sha = hashlib.sha256(text.strip().encode()).hexdigest()  # dbt hashes the stripped text
        hashed.append((rel, st.st_size, st.st_mtime_ns, sha))
        if sha == checksum:
            continue
        edited.append(EditedFile(uid, rel, text, sha, st.st_size, st.st_mtime_ns))
    return edited, hashed


def _root_package(nodes: pl.DataFrame) -> str | None:
    models = nodes.filter(pl.col("resource_type") == "model")
    if models.is_empty() or "package_name" not in models.columns:
        return None
    top = models.group_by("package_name").len().sort("len", descending=True)
    return top["package_name"][0]


def _renderer(root: Path | None, package: str | None):
    """(a renderer for the project at ``root``, the project), or (None, None) without one or
    when its files are broken."""
    if root is None or not (root / "dbt_project.yml").is_file():
        return None, None
    from collectors.dbt_project.project_yml import read_project_file
    from collectors.dbt_project.render_setup import renderer_for
    from collectors.dbt_project.scan import FileCache

    try:
        project = read_project_file(root)
        return (renderer_for(project, FileCache()), project) if package in (None, project.name) else (None, None)
    except InputError:
        return None, None


def _model_config(project, path: Path, name: str, config: dict) -> dict:
    """The config the project-files collect renders a model with: its project tree's config
    (``dbt_project.yml``) and its own ``config()`` calls. Its property entry's config is not
    read here (the overlay reads no YAML): a model configured there renders under another key."""
    from collectors.dbt_project.project_yml import folder_parts, merge_config

    for base in project.folders("model"):
        if path.is_relative_to(base):
            fqn = [project.name, *folder_parts(path, base), name]
            return merge_config(project.tree_config("model", fqn), config, tree=False)
    return dict(config)


def _calls(f: EditedFile, root: Path | None, package: str | None, state: dict):
    """The edited model's calls: rendered where its Jinja needs it, through the render cache
    (:mod:`collectors.dbt_project.render_cache`) as the project-files collect renders (same
    key: text, name, package, config, target); the static reading's otherwise, or when
    rendering fails."""
    from collectors.dbt_project import extract_calls
    from collectors.dbt_project.render import needs_rendering
    from collectors.dbt_project.render_cache import RenderCache, render_key

    try:
        calls = extract_calls(f.text)
    except ValueError as e:
        raise InputError(f.rel_path, f"cannot read its Jinja: {e}") from None
    if not f.rel_path.endswith(".sql") or not needs_rendering(f.text):
        return calls
    if "renderer" not in state:
        state["renderer"], state["project"] = _renderer(root, package)
    renderer, cache = state["renderer"], state.setdefault("cache", RenderCache())
    if renderer is None:
        return calls
    name = Path(f.rel_path).stem
    config = _model_config(state["project"], root / f.rel_path, name, dict(calls.config))
    text = f.text.strip()  # as the project-files collect reads it (dbt's stripped text)
    key = render_key(text, name=name, package=renderer.root, config=config, target=renderer.target)
    found = cache.lookup(key, renderer)
    if found is None:
        found = cache.render(renderer, key, text, name=name, package=renderer.root, config=config,
                             schema=config.get("schema"), database=config.get("database"))
    return calls if isinstance(found, str) else found


def overlay(
    edited: list[EditedFile], nodes: pl.DataFrame, root: Path | None = None, render_cache=None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(node updates, new edges into the edited nodes) for the edited files.

    Refs resolve by model name (and version), sources by (source name, table name), among
    ``nodes``; a ref to something unknown is left out, as dbt would fail on it anyway. Given
    the project's ``root``, a model whose refs come from Jinja is rendered as the project-files
    collect renders it (same renderer, same cache); without it, or when rendering fails, the
    static reading's refs count. ``render_cache`` (a
    :class:`collectors.dbt_project.render_cache.RenderCache`) receives the renders made, for the
    store's ``render_cache`` (the collect upserts :meth:`RenderCache.frame` ``(new_only=True)``).
    """
    state: dict = {} if render_cache is None else {"cache": render_cache}
    package = _root_package(nodes)

    by_name: dict[str, str] = {}
    by_source: dict[tuple[str, str], str] = {}
    for uid, rtype, name, src in nodes.select("unique_id", "resource_type", "name", "source_name").iter_rows():
        if rtype in ("model", "seed", "snapshot"):
            by_name.setdefault(name, uid)
        elif rtype == "source":
            by_source[(src, name)] = uid
    updates = {"unique_id": [], "raw_code": [], "compiled_code": [], "checksum": [], "origin": []}
    parents, children = [], []
    for f in edited:
        calls = _calls(f, root, package, state)
        updates["unique_id"].append(f.unique_id)
        updates["raw_code"].append(f.text)
        updates["compiled_code"].append(None)
        updates["checksum"].append(f.sha256)
        updates["origin"].append("project")
        for _package, name, _version in calls.refs:
            if name in by_name:
                parents.append(by_name[name])
                children.append(f.unique_id)
        for src, table in calls.sources:
            if (src, table) in by_source:
                parents.append(by_source[(src, table)])
                children.append(f.unique_id)
    schema = {k: pl.String for k in updates}
    return (
        pl.DataFrame(updates, schema=schema),
        pl.DataFrame({"parent_id": parents, "child_id": children}, schema={"parent_id": pl.String, "child_id": pl.String}),
    )
