"""Find the dbt artifacts to collect: the target folder's, and every archived copy.

dbt keeps only the last invocation's files in ``target/``; teams that want history copy them
away (``archive/2026-11-01T07-00-00_build/run_results.json``, ``run_results_20261101.json``).
Each file found carries the kind its name suggests; :func:`collectors.dbt_artifacts.sniff.sniff`
decides from the content.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from collectors.dbt_artifacts.sniff import kind_hint
from console.errors import InputError
from console.files import is_regular, walk_files

TARGET_FILES = ("manifest.json", "run_results.json", "sources.json", "catalog.json")
"""The artifacts dbt writes into its target folder, in the order they are read."""


@dataclass(frozen=True)
class ArtifactFile:
    """One artifact file to read.

    Attributes:
        path: where it is.
        kind_hint: the kind its name suggests (``manifest``, ``run_results``, ``sources``,
            ``catalog``), or None.
    """

    path: Path
    kind_hint: str | None


def discover(artifacts_dir: Path | None, archive_dirs: Sequence[Path], notes: list[str] | None = None) -> list[ArtifactFile]:
    """The artifact files of a target folder and of archive folders.

    Args:
        artifacts_dir: dbt's target folder (its four artifacts, those that exist), or None.
        archive_dirs: folders searched recursively for ``*.json`` files whose name starts
            with ``manifest``, ``run_results``, ``sources`` or ``catalog``, sorted by path;
            a missing archive folder adds nothing.

    Returns:
        The target folder's files first, then the archives' (each file once).

    Raises:
        InputError: ``artifacts_dir`` is given but is missing or not a folder.

    Example:
        >>> discover(None, [Path("no/such/archive")])
        []
    """
    found: list[ArtifactFile] = []
    if artifacts_dir is not None:
        if not artifacts_dir.exists():
            raise InputError(artifacts_dir, "artifacts folder not found")
        if not artifacts_dir.is_dir():
            raise InputError(artifacts_dir, "is a file; the artifacts option takes a folder")
        for name in TARGET_FILES:
            path = artifacts_dir / name
            if is_regular(path):
                found.append(ArtifactFile(path, kind_hint(name)))
    seen = {os.path.realpath(f.path) for f in found}
    for archive in archive_dirs:
        for path in _archived(archive, notes):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                found.append(ArtifactFile(path, kind_hint(path.name)))
    return found


def _archived(archive: Path, notes: list[str] | None) -> list[Path]:
    """Artifact-named JSON files under ``archive`` (symlinked folders are not followed)."""
    if not archive.is_dir():
        return []
    return walk_files(archive, _is_artifact_name, skip_dirs=_NOT_ARTIFACTS, notes=notes)


_NOT_ARTIFACTS = frozenset({"node_modules", "dbt_packages", "site-packages", "__pycache__", "proc", "sys", "dev"})


def _is_artifact_name(name: str) -> bool:
    return name.endswith(".json") and kind_hint(name) is not None
