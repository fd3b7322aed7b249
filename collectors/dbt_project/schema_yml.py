"""Property files (``schema.yml`` and friends): their entries, checked and indexed by name.

A property file is a YAML mapping whose keys name sections: ``models``, ``seeds``,
``snapshots``, ``analyses`` and ``data_tests`` describe nodes defined by files (patches),
``sources``, ``exposures``, ``groups``, ``semantic_models``, ``metrics`` and ``unit_tests``
define nodes of their own; a ``snapshots`` entry with a ``relation`` defines a snapshot too
(dbt 1.9). Other keys (``version``, ``macros``, ``saved_queries``...) are not read. Each
section is a list of mappings with a ``name`` (unit tests also name their ``model``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from collectors.dbt_project.graph import as_text
from collectors.dbt_project.project_yml import folder_parts
from collectors.dbt_project.scan import FileCache
from console.errors import InputError

PATCH_SECTIONS = {
    "models": "model",
    "seeds": "seed",
    "snapshots": "snapshot",
    "analyses": "analysis",
    "data_tests": "test",
}
"""Section -> the resource type whose file-defined nodes its entries describe."""
NODE_SECTIONS = ("sources", "exposures", "groups", "semantic_models", "metrics", "unit_tests")
"""Sections whose entries are nodes of their own."""


@dataclass(frozen=True)
class Entry:
    """One entry of a property file.

    Attributes:
        data: the entry as loaded.
        path: the property file.
        base: the resource folder the file was found under (fully qualified names are
            relative to it).
        where: the entry's place, for messages (``models[3] 'orders'``).
    """

    data: Mapping
    path: Path
    base: Path
    where: str

    @property
    def dirs(self) -> tuple[str, ...]:
        """The folders between the base folder and the property file."""
        return folder_parts(self.path, self.base)

    def error(self, problem: str) -> InputError:
        """An InputError naming the file and this entry."""
        return InputError(self.path, f"{self.where}: {problem}")


@dataclass
class Properties:
    """A project's property entries.

    Attributes:
        patches: resource type -> node name -> the entry describing it.
        sections: ``sources``, ``exposures``... -> entries, in file order.
        yml_snapshots: snapshots defined in YAML (with a ``relation``).
    """

    patches: dict[str, dict[str, Entry]] = field(default_factory=lambda: {t: {} for t in PATCH_SECTIONS.values()})
    sections: dict[str, list[Entry]] = field(default_factory=lambda: {s: [] for s in NODE_SECTIONS})
    yml_snapshots: list[Entry] = field(default_factory=list)


def read_properties(files: list[tuple[Path, str, Path]], cache: FileCache) -> Properties:
    """Read and index every property file of one project.

    Args:
        files: ``(yml file, resource type of its folder, base folder)`` (see
            :class:`collectors.dbt_project.scan.ProjectFiles`).
        cache: the collect's file cache.

    Raises:
        InputError: invalid YAML, a file that is not a mapping, a section that is not a list,
            an entry without a name, or a node described twice.
    """
    props = Properties()
    for path, _, base in files:
        doc = cache.yaml(path)
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            raise InputError(path, "is not a YAML mapping (a property file has keys such as models: or sources:)")
        for section, entries in doc.items():
            if section in PATCH_SECTIONS or section in NODE_SECTIONS:
                _read_section(props, section, entries, path, base)
    return props


def _read_section(props: Properties, section: str, entries: object, path: Path, base: Path) -> None:
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InputError(path, f"'{section}:' must be a list of entries")
    for i, data in enumerate(entries):
        if not isinstance(data, Mapping):
            raise InputError(path, f"{section}[{i}] is not a mapping")
        name = as_text(data.get("name"))  # a name YAML read as a number is still a name
        if not name:
            raise InputError(path, f"{section}[{i}] has no name")
        entry = Entry(data, path, base, f"{section}[{i}] '{name}'")
        if section == "unit_tests" and not isinstance(data.get("model"), str):
            raise entry.error("names no model")
        if section == "snapshots" and data.get("relation") is not None:
            props.yml_snapshots.append(entry)
        elif section in PATCH_SECTIONS:
            patches = props.patches[PATCH_SECTIONS[section]]
            other = patches.setdefault(name, entry)
            if other is not entry:
                raise entry.error(f"'{name}' is also described in {other.path}")
        else:
            props.sections[section].append(entry)


def entry_list(entry: Entry, *keys: str, within: Mapping | None = None) -> list:
    """A list-valued key of an entry, or of a mapping inside it (the first of ``keys`` present).

    Raises:
        InputError: the value is not a list.
    """
    data = entry.data if within is None else within
    for key in keys:
        value = data.get(key)
        if value is not None:
            if not isinstance(value, list):
                raise entry.error(f"'{key}' must be a list")
            return value
    return []


def entry_map(entry: Entry, key: str, within: Mapping | None = None) -> Mapping:
    """A mapping-valued key of an entry, or of a mapping inside it; ``{}`` when missing.

    Raises:
        InputError: the value is not a mapping.
    """
    found = (entry.data if within is None else within).get(key)
    if found is None:
        return {}
    if not isinstance(found, Mapping):
        raise entry.error(f"'{key}' must be a mapping")
    return found
