"""The ``console.toml`` that ``console init`` writes: what it chose, each choice commented.

Names come from the project (folder names, prefixes, exposure types), so every string is
written as a TOML basic string with JSON's escapes (a subset TOML accepts): no name can end
the string or add a key.

Example:
    >>> from console.init.detect import LayerChoice, ProductionChoice
    >>> text = config_text([LayerChoice("staging", (("staging", 3),), (("stg_", 3),))],
    ...                    ProductionChoice(("application",), (), (("application", 1),)), None)
    >>> import tomllib; tomllib.loads(text)["layers"]["staging"]
    {'folders': ['staging'], 'prefixes': ['stg_']}
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass

from console.init.detect import LayerChoice, ProductionChoice


def _strings(values) -> str:
    return "[" + ", ".join(json.dumps(str(v), ensure_ascii=False) for v in values) + "]"


def config_text(layers: list[LayerChoice], production: ProductionChoice, baseline: str | None) -> str:
    """The file's text."""
    out = [
        "# The console's configuration for this project, written by `console init`.",
        "# Every key is documented in console/config.py of the console; edit freely.",
        "",
        "[production]",
        f"# {production.why()}",
        f"exposure_types = {_strings(production.exposure_types)}",
    ]
    if production.maturity:
        out.append(f"maturity = {_strings(production.maturity)}")
    for choice in layers:
        out += ["", f"[layers.{choice.layer}]", f"# {choice.why()}"]
        if choice.folders:
            out.append(f"folders = {_strings(f for f, _ in choice.folders)}")
        if choice.prefixes:
            out.append(f"prefixes = {_strings(p for p, _ in choice.prefixes)}")
    if baseline is not None:
        out += [
            "",
            "[report]",
            "# today's findings: `console report` shows only new ones (`--no-baseline` shows all)",
            f"baseline = {json.dumps(baseline, ensure_ascii=False)}",
        ]
    return "\n".join(out) + "\n"


#: The tables ``console init`` writes and regenerates (with their sub-tables, ``[layers.staging]``).
OWNED = ("production", "layers")
#: The comment above the tables ``--force`` kept.
KEPT_MARK = "# ---- kept as written: `console init --force` leaves the tables below alone ----"


@dataclass(frozen=True)
class Block:
    """A table of a TOML file as written: its header, its lines (the comment lines right above
    the header included), and its dotted name (``("layers", "staging")``)."""

    name: tuple[str, ...]
    array: bool
    lines: tuple[str, ...]

    @property
    def label(self) -> str:
        dotted = ".".join(self.name)
        return f"[[{dotted}]]" if self.array else f"[{dotted}]"


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _header(line: str) -> tuple[tuple[str, ...], bool] | None:
    """The dotted name of a table header line, and whether it is an array of tables (None: not a header)."""
    if not line.lstrip().startswith("["):
        return None
    try:
        doc = tomllib.loads(line.strip())
    except tomllib.TOMLDecodeError:
        return None
    name: list[str] = []
    node: object = doc
    while isinstance(node, dict) and len(node) == 1:
        key, node = next(iter(node.items()))
        name.append(key)
        if isinstance(node, list):
            return tuple(name), True
    return (tuple(name), False) if name else None


def split_tables(text: str) -> tuple[tuple[str, ...], list[Block]]:
    """The lines before the first table, and the tables, as written.

    A line opening with ``[`` is a header only where the text above it is a whole TOML
    document (not inside a multi-line array or string), so no value is mistaken for one.
    Comment lines directly above a header go with its table.

    Example:
        >>> pre, blocks = split_tables('# top\\n\\n[paths]\\nx = [\\n  [1],\\n]\\n# why\\n[[exceptions]]\\nrule = "a"\\n')
        >>> pre, [(b.label, b.lines) for b in blocks]
        (('# top', ''), [('[paths]', ('[paths]', 'x = [', '  [1],', ']')), ('[[exceptions]]', ('# why', '[[exceptions]]', 'rule = "a"'))])
    """
    lines = text.splitlines()
    starts: list[tuple[int, tuple[str, ...], bool]] = []
    for i, line in enumerate(lines):
        head = _header(line)
        if head is not None and _parses("\n".join(lines[:i])):
            starts.append((i, *head))
    cuts = []
    for i, _name, _array in starts:  # comments directly above a header belong to its table
        j = i
        while j > 0 and lines[j - 1].lstrip().startswith("#"):
            j -= 1
        cuts.append(j)
    first = cuts[0] if cuts else len(lines)
    blocks = [Block(name, array, tuple(lines[cut:end]))
              for (_, name, array), cut, end in zip(starts, cuts, [*cuts[1:], len(lines)])]
    return tuple(lines[:first]), blocks


def _owned(block: Block) -> bool:
    return block.name[0] in OWNED


def _with_baseline(block: Block, value: str) -> Block:
    """The ``[report]`` table with its ``baseline`` key set to ``value`` (replaced, or added under the header)."""
    line = f"baseline = {json.dumps(value, ensure_ascii=False)}"
    out, done = [], False
    for text in block.lines:
        if not done and not text.lstrip().startswith(("#", "[")) and _parses(text) and "baseline" in tomllib.loads(text):
            out.append(line)
            done = True
        else:
            out.append(text)
    if not done:
        at = next(i for i, text in enumerate(out) if _header(text) is not None) + 1
        out.insert(at, line)
    return Block(block.name, block.array, tuple(out))


def merged_text(old: str, new: str, baseline: str | None) -> tuple[str, list[str]]:
    """``console init --force``: the new file from init's ``new`` text and what ``old`` holds
    that init does not own, and the labels of the kept tables (``[paths]``, ``[[exceptions]]``).

    Init owns :data:`OWNED` (regenerated whole: their comments too) and, with ``--baseline``,
    the ``baseline`` key of ``[report]``; every other table is kept as written, comments
    included, after init's sections; lines before the first table (other than init's own
    opening comment) stay at the top.

    Raises:
        ValueError: ``old`` is not valid TOML (nothing can be kept safely).

    Example:
        >>> old = '[production]\\nexposure_types = ["ml"]\\n\\n# legacy models\\n[[exceptions]]\\nrule = "STR001"\\n'
        >>> text, kept = merged_text(old, '[production]\\nexposure_types = ["application"]\\n', None)
        >>> kept, tomllib.loads(text)["production"], text.count("# legacy models")
        (['[[exceptions]]'], {'exposure_types': ['application']}, 1)
    """
    try:
        tomllib.loads(old)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"is not valid TOML ({e}), so what it holds cannot be kept: fix it, or delete it") from None
    preamble, blocks = split_tables(old)
    preamble = tuple(line for line in preamble if line != KEPT_MARK)
    dotted = sorted(set(tomllib.loads("\n".join(preamble))) & set(OWNED))
    if dotted:  # `production.exposure_types = ...` above every table: init cannot tell it apart
        raise ValueError(f"sets {', '.join(dotted)} with dotted keys before its first table; "
                         "move them into their tables (or delete them) and run `console init --force` again")
    kept = [Block(b.name, b.array, tuple(line for line in b.lines if line != KEPT_MARK)) for b in blocks if not _owned(b)]
    new_pre, new_blocks = split_tables(new)
    if baseline is not None and any(b.name == ("report",) for b in kept):
        new_blocks = [b for b in new_blocks if b.name != ("report",)]  # set in the user's own [report]
        kept = [_with_baseline(b, baseline) if b.name == ("report",) else b for b in kept]
    own = set(new_pre)
    top = [line for line in preamble if line not in own]
    while top and not top[-1].strip():
        top.pop()
    parts = [*top, *([""] if top else []), *new_pre]
    for block in new_blocks:
        parts += block.lines
    if kept:
        parts += ["", KEPT_MARK]
        for block in kept:
            lines = list(block.lines)
            while lines and not lines[-1].strip():
                lines.pop()
            parts += ["", *lines]
    labels = list(dict.fromkeys(b.label for b in kept))
    counts = {label: sum(1 for b in kept if b.label == label) for label in labels}
    return "\n".join(parts).rstrip("\n") + "\n", [f"{label} ×{n}" if n > 1 else label for label, n in counts.items()]
