"""Which files of a dbt project are read, and reading them once.

Per project: model files (``.sql``, ``.py``) under the model paths, seeds (``.csv``) under
the seed paths, snapshots, analyses and singular tests (``.sql``) under theirs, and property
files (``.yml``, ``.yaml``) under all of these. A folder shared by two subprojects (a
``model-paths`` entry like ``../shared/models``) is read by both, from one cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.dbt_project.project_yml import Project, iter_files, read_projects
from collectors.dbt_project.safe_yaml import decode_utf8, read_bytes, safe_load_yaml
from console.files import limit_for
from console.errors import InputError

MAX_SQL_BYTES = limit_for("code")
"""Largest model, snapshot, analysis or test file read."""
MAX_HASHED_SEED_BYTES = 1024 * 1024
"""Seeds up to this size get a content checksum; larger ones are checksummed by path, as dbt does."""

YAML_SUFFIXES = (".yml", ".yaml")
_KINDS = {
    "model": (".sql", ".py"),
    "seed": (".csv",),
    "snapshot": (".sql",),
    "analysis": (".sql",),
    "test": (".sql",),
}


@dataclass
class ProjectFiles:
    """The files of one project, by resource type, each with the folder it was found under.

    Attributes:
        code: resource type -> ``(file, base folder)`` for code and seed files, sorted.
        properties: ``(yml file, resource type of the path it is under, base folder)``.
    """

    code: dict[str, list[tuple[Path, Path]]] = field(default_factory=dict)
    properties: list[tuple[Path, str, Path]] = field(default_factory=list)


def scan_project(project: Project, notes: list[str] | None = None) -> ProjectFiles:
    """List a project's files (nothing is read); what the walk skipped goes to ``notes``."""
    files = ProjectFiles()
    seen_yml: set[Path] = set()
    for resource_type, suffixes in _KINDS.items():
        found = files.code.setdefault(resource_type, [])
        for folder in project.folders(resource_type):
            for path in iter_files(folder, suffixes + YAML_SUFFIXES, notes):
                if path.suffix in YAML_SUFFIXES:
                    if path not in seen_yml:
                        seen_yml.add(path)
                        files.properties.append((path, resource_type, folder))
                else:
                    found.append((path, folder))
    return files


def find_project_files(root: Path) -> list[Path]:
    """Every file :func:`collectors.dbt_project.read_project` reads under ``root``, sorted.

    The ``dbt_project.yml`` files, then model, seed, snapshot, analysis and test files and the
    property files beside them: what a watcher or a stat cache needs to follow.

    Raises:
        InputError: no dbt project here or below, or a dbt_project.yml that cannot be read.
    """
    out: set[Path] = set()
    for project in read_projects(Path(root)):
        out.add(project.file)
        files = scan_project(project)
        out.update(path for found in files.code.values() for path, _ in found)
        out.update(path for path, _, _ in files.properties)
    return sorted(out)


class FileCache:
    """Reads each file once per collect (shared folders are read by several projects)."""

    def __init__(self, preloaded: dict[str, bytes] | None = None) -> None:
        self._text: dict[Path, tuple[str, str]] = {}
        self._yaml: dict[Path, Any] = {}
        self._preloaded = preloaded or {}  # absolute path -> bytes read by the stat snapshot

    def text(self, path: Path) -> tuple[str, str]:
        """``(text, sha256)`` of a code file, stripped of surrounding white space as dbt
        stores it (so the checksum is dbt's).

        Raises:
            InputError: unreadable, over 10 MB, or not UTF-8.
        """
        hit = self._text.get(path)
        if hit is None:
            data = self._preloaded.get(str(path))
            if data is None or len(data) > MAX_SQL_BYTES:
                data = read_bytes(path, MAX_SQL_BYTES, "code files")
            data = data.strip()
            hit = self._text[path] = (decode_utf8(path, data), hashlib.sha256(data).hexdigest())
        return hit

    def yaml(self, path: Path) -> Any:
        """The loaded YAML document (see :func:`safe_load_yaml`)."""
        if path not in self._yaml:
            self._yaml[path] = safe_load_yaml(path)
        return self._yaml[path]

    @staticmethod
    def seed_checksum(path: Path, rel: str) -> str:
        """SHA-256 of a seed up to 1 MB (surrounding white space stripped, as dbt does); its
        path for larger ones (dbt's rule)."""
        try:
            if path.stat().st_size > MAX_HASHED_SEED_BYTES:
                return rel
            return hashlib.sha256(read_bytes(path, MAX_HASHED_SEED_BYTES, "seeds").strip()).hexdigest()
        except OSError as e:
            raise InputError(path, f"cannot read: {e.strerror or e}") from None
