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
