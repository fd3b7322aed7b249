"""Jupyter notebooks (``nbformat``): ``%%sql`` / ``%sql`` cells, SQL strings and dataframe filters.

A ``%%sql`` cell's body is SQL (``%%sql name <<`` stores its result in ``name``); a ``%sql``
line is SQL when sqlglot reads it as a query (``%sql duckdb:///x.db`` is a connection, not SQL).
Other code cells are Python: IPython magics and shell lines are blanked (their line numbers
kept) and the rest goes through :mod:`.python_code`. A dataframe filter on a frame that came
from a ``%%sql name <<`` cell (``df = name.DataFrame()``) names that cell in ``meta.from_sql``.

Lines: items point at lines of the ``.ipynb`` file itself; each cell's source lines are found
where nbformat writes them (one JSON string per line after ``"source": [``). ``meta.cell`` is
the cell's index either way.
"""

from __future__ import annotations

import ast

from collectors.lastmile.model import item, payload, skip
from collectors.lastmile.python_code import code_items
from collectors.lastmile.sqltext import as_query, parse_error


def _source_lines(text: str, cells: int) -> list[tuple[int, bool]] | None:
    """Per cell: (file line of its first source line, True when one source line per file line)."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if s.startswith('"source":'):
            out.append((n + 1, True) if s.endswith("[") else (n, False))
    return out if len(out) == cells else None


def _cell_sql(lines: list[str]) -> tuple[str, str | None, int]:
    """(SQL body, result variable, index of the first SQL line) of a ``%%sql`` cell."""
    header = lines[0][len("%%sql"):].strip()
    var = None
    if "<<" in header:
        var = header.split("<<", 1)[0].split()[-1] if header.split("<<", 1)[0].split() else None
        tail = header.split("<<", 1)[1].strip()
        if tail:
            return "\n".join([tail, *lines[1:]]), var, 0
    return "\n".join(lines[1:]), var, 1


def read_notebook(rel: str, text: str, dialect: str) -> dict:
    """Items of a notebook; a notebook that is not JSON (or not a notebook) is a skip."""
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except nbformat.reader.NotJSONError as e:
        return payload("notebook", skips=[skip(None, f"not a notebook (not JSON): {str(e)[:120]}")])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, nbformat.ValidationError) as e:
        # (nbformat's ValidationError is jsonschema's: a notebook missing a key it requires)
        return payload("notebook", skips=[skip(None, f"not a notebook: {str(e).splitlines()[0][:160] if str(e) else type(e).__name__}")])
    except Exception as e:  # noqa: BLE001 - nbformat's converters fail in their own ways on damaged input
        # (an old notebook's upgrade raises UnboundLocalError on a cell of no known type: found by the fuzz test)
        return payload("notebook", skips=[skip(None, f"not a notebook: nbformat cannot read it ({type(e).__name__})")])
    cells = nb.get("cells") or []
    positions = _source_lines(text, len(cells))
    items: list[dict] = []
    skips: list[dict] = []
    frames: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source") or ""
        lines = source.split("\n")
        start, per_line = positions[index] if positions else (1, False)

        def line_of(n: int, start: int = start, per_line: bool = per_line) -> int:
            return start + n - 1 if per_line else start

        meta = {"cell": index}
        if lines and lines[0].startswith("%%sql"):
            sql, var, first = _cell_sql(lines)
            name = var or f"cell{index}"
            if var:
                meta["result"] = var
                frames[var] = name
            if sql.strip():
                items.append(item("sql_cell", name, line_of(1), sql=sql, sql_line=line_of(first + 1), meta=meta, parse_error=parse_error(sql, dialect)))
            continue
        if lines and lines[0].startswith("%%"):
            continue  # another cell magic (%%bash, %%time...): not Python
        code = []
        for n, raw in enumerate(lines, 1):
            stripped = raw.lstrip()
            if stripped.startswith("%sql"):
                sql = stripped[len("%sql"):].strip()
                if as_query(sql, dialect) is not None:
                    items.append(item("sql_cell", f"cell{index}:{n}", line_of(n), sql=sql, sql_line=line_of(n), meta=dict(meta)))
            code.append("" if stripped.startswith(("%", "!")) else raw)
        try:
            tree = ast.parse("\n".join(code))
        except (SyntaxError, ValueError, RecursionError) as e:
            skips.append(skip(line_of(getattr(e, "lineno", None) or 1), f"cell {index} is not Python: {getattr(e, 'msg', e)}"))
            continue
        for node in ast.walk(tree):  # frames that come from a %%sql cell's result
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = node.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                    value = value.func.value
                if isinstance(value, ast.Subscript):
                    value = value.value
                if isinstance(value, ast.Name) and value.id in frames:
                    frames[node.targets[0].id] = frames[value.id]
        for it in code_items(tree, dialect, line_of):
            it["meta"]["cell"] = index
            if it["kind"] == "dataframe_filter" and it["meta"].get("dataframe") in frames:
                it["meta"]["from_sql"] = frames[it["meta"]["dataframe"]]
            items.append(it)
    return payload("notebook", items, skips)
