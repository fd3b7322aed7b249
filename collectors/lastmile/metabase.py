"""Metabase questions: serialization YAML and API JSON, native and GUI (MBQL).

**Native questions** (``dataset_query.native.query``, or an MBQL 5 stage
``{"lib/type": "mbql.stage/native", "native": ...}``): the SQL is made parseable by resolving
Metabase's templating with :func:`resolve_template`: ``{{var}}`` becomes the parameter
``:var``; a field filter (a template tag of type ``dimension``) becomes ``<column> = :var``
when the tag names its field, else ``TRUE``; ``{{#118-name}}`` (a saved question used as a
table) becomes the relation ``metabase_card_118``; ``[[ ... ]]`` optional clauses keep their
contents (the clause exists whenever the variable is set). A snippet (``{{snippet: x}}``) is
unknown text: the item is kept with a parse note.

**GUI questions** (``dataset_query.query``): ``source-table`` is the relation read (a
``[db, schema, table]`` path in serialization; a numeric id in API JSON, kept in ``meta``),
and ``filter`` clauses (``["=", field, value]``, nested ``and``) become ``literal_filters``;
a field is named by its path, its ``name``, or by ``result_metadata`` for a numeric id.
"""

from __future__ import annotations

from typing import Any

from collectors.lastmile.model import item, literal_filter, payload, skip
from collectors.lastmile.sqltext import parse_error
from collectors.lastmile.structured import KeyLines, json_value_line

_MBQL_OPS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "is-null": "is_null",
             "not-null": "not_null", "contains": "like", "starts-with": "like", "ends-with": "like"}


def resolve_template(sql: str, tags: dict | None = None) -> tuple[str, list[str], list[str]]:
    """Metabase's ``{{ }}`` and ``[[ ]]`` resolved; returns (sql, variables, problems).

    A small scanner over Metabase's own template syntax (not over the SQL).

    Example:
        >>> resolve_template("select * from t where a > 5 [[and m = {{market}}]]")
        ('select * from t where a > 5 and m = :market', ['market'], [])
        >>> resolve_template("select * from {{#118-top}} where {{m}}", {"m": {"type": "dimension", "dimension": ["field", ["W", "s", "t", "market"], None]}})[0]
        'select * from metabase_card_118 where market = :m'
    """
    tags = tags if isinstance(tags, dict) else {}
    if "{{" not in sql and "[[" not in sql and "]]" not in sql:
        return sql, [], []
    out: list[str] = []
    names: list[str] = []
    problems: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        if sql.startswith("[[", i):
            i += 2
            continue
        if sql.startswith("]]", i):
            i += 2
            continue
        if sql.startswith("{{", i):
            end = sql.find("}}", i + 2)
            if end < 0:
                problems.append("an unclosed {{")
                out.append(sql[i:])
                break
            inner = sql[i + 2:end].strip()
            i = end + 2
            if inner.startswith("#"):
                card = inner[1:].split("-", 1)[0].strip()
                out.append(f"metabase_card_{card}")
            elif inner.lower().startswith("snippet:"):
                problems.append(f"snippet `{inner[8:].strip()}` is not in this file")
                out.append("TRUE")
            else:
                names.append(inner)
                tag = tags.get(inner) if isinstance(tags.get(inner), dict) else {}
                if tag.get("type") == "dimension":
                    column = field_name(tag.get("dimension"))
                    out.append(f"{column} = :{inner}" if column else "TRUE")
                else:
                    out.append(f":{inner}")
            continue
        out.append(sql[i])
        i += 1
    return "".join(out), names, problems


def field_name(ref: Any, names_by_id: dict | None = None) -> str | None:
    """A column name from an MBQL field reference (legacy or MBQL 5), or None.

    Example:
        >>> field_name(["field", ["Warehouse", "analytics", "skus", "volume_ml"], None])
        'volume_ml'
        >>> field_name(["field", 12, None], {12: "market"}), field_name(["field", {"base-type": "x"}, "a"])
        ('market', 'a')
    """
    if not isinstance(ref, list) or len(ref) < 2 or ref[0] not in ("field", "field-id", "dimension"):
        return None
    if ref[0] == "dimension":
        return field_name(ref[1], names_by_id)
    target = ref[2] if isinstance(ref[1], dict) and len(ref) > 2 else ref[1]
    if isinstance(target, list) and target:
        return str(target[-1])
    if isinstance(target, str):
        return target
    if isinstance(target, int):
        return (names_by_id or {}).get(target, f"field_{target}")
    return None


def mbql_filters(clause: Any, names_by_id: dict) -> tuple[list[dict], list[str]]:
    """Literal filters of an MBQL filter clause (``and`` flattened), and what was not understood.

    Example:
        >>> mbql_filters(["and", [">", ["field", ["W", "a", "t", "volume_ml"], None], 50], ["=", ["field", 3, None], "a", "b"]], {3: "market"})
        ([{'column': 'volume_ml', 'op': '>', 'value': 50}, {'column': 'market', 'op': 'in', 'value': ['a', 'b']}], [])
    """
    out: list[dict] = []
    bad: list[str] = []
    if not isinstance(clause, list) or not clause:
        return out, bad
    op, args = clause[0], clause[1:]
    if args and isinstance(args[0], dict) and not (isinstance(op, str) and op == "field"):
        args = args[1:]  # MBQL 5: options come second
    if op == "and":
        for sub in args:
            o, b = mbql_filters(sub, names_by_id)
            out += o
            bad += b
        return out, bad
    column = field_name(args[0], names_by_id) if args else None
    if column is None:
        return out, [f"filter `{op}` on something other than a column"]
    values = args[1:]
    if op == "between" and len(values) == 2:
        return [literal_filter(column, ">=", values[0]), literal_filter(column, "<=", values[1])], bad
    if op in ("=", "!=") and len(values) > 1:
        return [literal_filter(column, "in" if op == "=" else "not_in", list(values))], bad
    mapped = _MBQL_OPS.get(op) if isinstance(op, str) else None
    if mapped is None:
        return out, [f"filter `{op}` on `{column}` is not a plain comparison"]
    value = values[0] if values else None
    if op == "contains":
        value = f"%{value}%"
    elif op == "starts-with":
        value = f"{value}%"
    elif op == "ends-with":
        value = f"%{value}"
    return [literal_filter(column, mapped, value)], bad


def _stages(dq: dict) -> tuple[str | None, dict, dict | None]:
    """(native SQL, template tags, GUI query) of a dataset_query, legacy or MBQL 5."""
    native = dq.get("native")
    if isinstance(native, dict) and isinstance(native.get("query"), str):
        return native["query"], native.get("template-tags") or {}, None
    stages = dq.get("stages")
    if isinstance(stages, list) and stages and isinstance(stages[0], dict):
        first = stages[0]
        if isinstance(first.get("native"), str):
            return first["native"], first.get("template-tags") or {}, None
        return None, {}, first
    query = dq.get("query")
    return None, {}, query if isinstance(query, dict) else None


def _source_table(query: dict) -> tuple[list[str], dict]:
    src = query.get("source-table")
    if isinstance(src, list) and src:
        return [".".join(str(p) for p in src[1:] if p) or str(src[-1])], {}
    if isinstance(src, str) and src.startswith("card__"):
        return [f"metabase_card_{src[6:]}"], {"source_card": src[6:]}
    if isinstance(src, (int, str)):
        return [], {"source_table_id": src}
    if isinstance(query.get("source-query"), dict):
        return _source_table(query["source-query"])
    return [], {}


def read_card(card: dict, dialect: str, line: int, sql_line: int) -> tuple[dict | None, list[dict]]:
    """One question as an item (None for a card with neither SQL nor a table)."""
    dq = card.get("dataset_query") if isinstance(card.get("dataset_query"), dict) else {}
    name = str(card.get("name") or card.get("id") or "question")
    meta = {k: card[k] for k in ("id", "entity_id", "display", "collection_id", "archived", "description") if card.get(k) is not None}
    if dq.get("database") is not None:
        meta["database"] = dq["database"]
    sql, tags, query = _stages(dq)
    if sql is not None:
        resolved, variables, problems = resolve_template(sql, tags)
        meta["variables"] = variables
        err = parse_error(resolved, dialect)
        if problems:
            meta["template_problems"] = problems
        return item("native_question", name, line, sql=resolved, sql_line=sql_line, meta=meta, parse_error=err), []
    if query is None:
        return None, [skip(line, f"question `{name}` has no native SQL and no query")]
    names_by_id = {m.get("id"): m.get("name") for m in card.get("result_metadata") or [] if isinstance(m, dict) and m.get("id") is not None}
    relations, extra = _source_table(query)
    meta.update(extra)
    clause = query.get("filter") if "filter" in query else (["and", *query["filters"]] if isinstance(query.get("filters"), list) else None)
    filters, bad = mbql_filters(clause, names_by_id)
    skips = [skip(line, f"question `{name}`: {b}") for b in bad]
    for key in ("aggregation", "breakout", "expressions", "joins"):
        if query.get(key):
            meta[key] = query[key]
    return item("gui_question", name, line, relations_read=relations, literal_filters=filters, meta=meta), skips


def read_metabase(doc: Any, lines: KeyLines | None, text: str, dialect: str) -> dict:
    """Items of a Metabase YAML (``lines`` given) or JSON (``lines`` None) document: one card or a list."""
    cards = doc if isinstance(doc, list) else [doc]
    items, skips = [], []
    for i, card in enumerate(cards):
        if not isinstance(card, dict) or "dataset_query" not in card:
            continue
        if lines is not None:
            base = () if not isinstance(doc, list) else (i,)
            line = lines.get((*base, "name"), lines.get((*base, "dataset_query"), (1, False)))[0]
            sql_line = next((lines[k][0] for k in ((*base, "dataset_query", "native", "query"), (*base, "dataset_query", "stages", 0, "native")) if k in lines), line)
        else:
            line = json_value_line(text, "dataset_query") if len(cards) == 1 else 1
            sql_line = json_value_line(text, "dataset_query", "query") if len(cards) == 1 else line
        it, sk = read_card(card, dialect, line, sql_line)
        skips += sk
        if it is not None:
            items.append(it)
    return payload("metabase", items, skips)
