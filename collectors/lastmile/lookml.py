"""LookML items: views, derived tables, fields with logic, explore filters and joins.

Built across every LookML file of the collect at once (a join in a model file names fields of
views in other files); each file's blocks come from :mod:`.lookml_parse`, cached by content.

Substitutions are resolved so that sqlglot can read the SQL:

* ``${TABLE}`` -> the view's alias (its name), and the item reads ``FROM <sql_table_name> AS
  <view>``; a derived table's fields read ``FROM <view>`` (the derived table is an item of its
  own, so its logic is not repeated in every field);
* ``${field}`` / ``${view.field}`` -> that field's SQL, resolved in turn (``${TABLE}`` there is
  that view's alias); ``${view.SQL_TABLE_NAME}`` -> that view's relation;
* Liquid (``{% %}``, ``{{ }}``) is dropped around its contents / becomes ``:liquid``; an item that
  then does not parse is counted skipped.

Fragments are wrapped as queries and say so in ``meta.fragment``: a dimension or measure as
``SELECT <sql> AS <field> FROM ...``; ``sql_always_where`` as ``SELECT * FROM ... WHERE <cond>``;
a join as ``SELECT * FROM <base> AS a JOIN <view> AS b ON <sql_on>``. A field that is a bare
column (``${TABLE}.market``) is no item: it holds no logic. Filtered measures and
``always_filter`` give ``literal_filters``.
"""

from __future__ import annotations

from typing import Any

from collectors.lastmile.lookml_filters import looker_filter
from collectors.lastmile.model import item, skip
from collectors.lastmile.sqltext import parse_error

_FIELD_TYPES = ("dimension", "dimension_group", "measure", "filter")


class _Views:
    """Every view of the collect: name -> (block, file)."""

    def __init__(self, docs: dict[str, dict]):
        self.views: dict[str, tuple[dict, str]] = {}
        self.explores: list[tuple[dict, str]] = []
        self.connection: dict[str, str] = {}
        self._fields: dict[str, dict[str, dict]] = {}
        self.touched: set[str] = set()  # views looked up since the last reset (what an item reads)
        for rel, doc in docs.items():
            if doc is None:
                continue
            conn = doc["pairs"].get("connection")
            if conn:
                self.connection[rel] = conn[0]
            for block in doc["blocks"]:
                if block["type"] == "view" and block["name"]:
                    name = block["name"].lstrip("+")
                    if name not in self.views or not block["name"].startswith("+"):
                        self.views[name] = (block, rel)
                elif block["type"] == "explore" and block["name"]:
                    self.explores.append((block, rel))

    def fields(self, view: str) -> dict[str, dict]:
        self.touched.add(view)
        found = self._fields.get(view)
        if found is None:
            block = self.views.get(view, ({"blocks": []}, ""))[0]
            found = self._fields[view] = {b["name"]: b for b in block["blocks"] if b["type"] in _FIELD_TYPES and b["name"]}
        return found

    def relation(self, view: str) -> str:
        self.touched.add(view)
        block = self.views.get(view, (None, ""))[0]
        if block is None:
            return view
        table = block["pairs"].get("sql_table_name")
        return table[0].strip() if table else view

    def is_derived(self, view: str) -> bool:
        self.touched.add(view)
        block = self.views.get(view, (None, ""))[0]
        return block is not None and any(b["type"] == "derived_table" for b in block["blocks"])


def _liquid(sql: str) -> str:
    """Liquid tags dropped around their contents, Liquid output as a parameter.

    Example:
        >>> _liquid("select * from t where {% condition d %} a {% endcondition %} and b = {{ x }}")
        'select * from t where  a  and b = :liquid'
    """
    if "{%" not in sql and "{{" not in sql:
        return sql
    out: list[str] = []
    i = 0
    while True:
        tag, expr = sql.find("{%", i), sql.find("{{", i)
        nxt = min(x for x in (tag, expr, len(sql)) if x >= 0)
        out.append(sql[i:nxt])
        if nxt == len(sql):
            return "".join(out)
        close = sql.find("%}" if nxt == tag else "}}", nxt + 2)
        if nxt == expr:
            out.append(":liquid")
        i = len(sql) if close < 0 else close + 2


def resolve(sql: str, view: str, alias: str, views: _Views, aliases: dict[str, str] | None = None, depth: int = 0) -> tuple[str, list[str]]:
    """``${...}`` substitutions of ``sql`` (in ``view``, whose ``${TABLE}`` is ``alias``) resolved.

    ``aliases`` maps names used in an explore (joins, ``from:``) to views. Returns the SQL and
    the references that could not be resolved (kept as their field name).
    """
    aliases = aliases or {}
    out: list[str] = []
    unresolved: list[str] = []
    i = 0
    while i < len(sql):
        start = sql.find("${", i)
        if start < 0:
            out.append(sql[i:])
            break
        out.append(sql[i:start])
        i = start
        end = sql.find("}", i + 2)
        if end < 0:
            out.append(sql[i:])
            unresolved.append(sql[i:])
            break
        ref = sql[i + 2:end].strip()
        i = end + 1
        if ref == "TABLE":
            out.append(alias)
            continue
        target_view, field = (ref.split(".", 1) if "." in ref else (None, ref))
        if target_view is None:
            owner, owner_alias = view, alias
        else:
            owner, owner_alias = aliases.get(target_view, target_view), target_view
        if field == "SQL_TABLE_NAME":
            out.append(views.relation(owner))
            continue
        field = field.removesuffix("._sql").split(".")[0]
        block = views.fields(owner).get(field)
        sql_pair = block["pairs"].get("sql") if block else None
        if sql_pair is None or depth > 8:
            if block is None:
                unresolved.append(ref)
            out.append(f"{owner_alias}.{field}")
            continue
        inner, more = resolve(sql_pair[0], owner, owner_alias, views, aliases, depth + 1)
        unresolved += more
        out.append(f"({inner})" if " " in inner.strip() else inner)
    return _liquid("".join(out)), unresolved


def _bare_column(sql: str) -> bool:
    """``${TABLE}.col``, ``${field}`` or ``col``: a field with no logic of its own."""
    s = sql.strip()
    if s.startswith("${TABLE}."):
        s = s[len("${TABLE}."):]
    elif s.startswith("${") and s.endswith("}") and s.count("${") == 1:
        s = s[2:-1].replace(".", "_")
    return s.replace('"', "").replace("`", "").isidentifier()


def _field_column(views: _Views, view: str, field: str) -> str:
    """The column a field filter names: the field's bare column when it is one, else its name."""
    target_view, name = (field.split(".", 1) if "." in field else (view, field))
    block = views.fields(target_view).get(name)
    sql = block["pairs"].get("sql", [None])[0] if block else None
    if sql and _bare_column(sql) and sql.strip().startswith("${TABLE}."):
        return sql.strip()[len("${TABLE}."):].strip('"`')
    return name


def _filters(views: _Views, view: str, entries: list) -> tuple[list[dict], list[str]]:
    out, bad = [], []
    for entry, _line in entries:
        if isinstance(entry, list) and len(entry) == 2:
            filters, problem = looker_filter(_field_column(views, view, entry[0]), entry[1])
            out += filters
            if problem:
                bad.append(problem)
        elif isinstance(entry, dict):  # filters: [{field: x value: y}] (new syntax)
            field, value = entry["pairs"].get("field"), entry["pairs"].get("value")
            if field and value:
                filters, problem = looker_filter(_field_column(views, view, field[0]), value[0])
                out += filters
                if problem:
                    bad.append(problem)
    return out, bad


def _from(views: _Views, view: str) -> str:
    return view if views.is_derived(view) else f"{views.relation(view)} AS {view}"


def _view_items(views: _Views, view: str, block: dict, check) -> tuple[list[dict], list[dict]]:
    items, skips = [], []
    rel_table = block["pairs"].get("sql_table_name")
    base_meta = {"view": view}
    for sub in block["blocks"]:
        if sub["type"] != "derived_table":
            continue
        sql_pair = sub["pairs"].get("sql")
        if sql_pair:
            sql, unresolved = resolve(sql_pair[0], view, view, views)
            meta = {**base_meta, **({"unresolved": unresolved} if unresolved else {})}
            for key in ("datagroup_trigger", "persist_for", "sql_trigger_value", "materialized_view"):
                if key in sub["pairs"]:
                    meta[key] = sub["pairs"][key][0]
            items.append(item("derived_table", view, block["line"], sql=sql, sql_line=sql_pair[2], meta=meta, parse_error=check(sql)))
        elif "explore_source" in {b["type"] for b in sub["blocks"]}:
            src = next(b for b in sub["blocks"] if b["type"] == "explore_source")
            items.append(item("derived_table", view, block["line"], meta={**base_meta, "explore_source": src["name"]}))
        trigger = sub["pairs"].get("sql_trigger_value")
        if trigger:
            sql, _ = resolve(trigger[0], view, view, views)
            items.append(item("trigger", f"{view}.sql_trigger_value", trigger[1], sql=sql, sql_line=trigger[2], meta=base_meta, parse_error=check(sql)))
    if rel_table and not any(i["kind"] == "derived_table" for i in items):
        items.append(item("view", view, block["line"], relations_read=[rel_table[0].strip()], meta=base_meta))
    source = _from(views, view)
    for field in block["blocks"]:
        if field["type"] not in _FIELD_TYPES or not field["name"]:
            continue
        kind = "measure" if field["type"] == "measure" else ("filter" if field["type"] == "filter" else "dimension")
        sql_pair = field["pairs"].get("sql")
        filters, bad = _filters(views, view, field["lists"].get("filters", []))
        skips += [skip(field["line"], f"LookML field `{view}.{field['name']}`: {b}") for b in bad]
        if (sql_pair is None or _bare_column(sql_pair[0])) and not filters:
            continue
        meta = {**base_meta, "fragment": kind, "field_type": field["pairs"].get("type", [None])[0]}
        name = f"{view}.{field['name']}"
        if sql_pair is None:
            items.append(item(kind, name, field["line"], literal_filters=filters, meta=meta))
            continue
        expr, unresolved = resolve(sql_pair[0], view, view, views)
        if unresolved:
            meta["unresolved"] = unresolved
        sql = f"SELECT {expr} AS {field['name']} FROM {source}"
        items.append(item(kind, name, field["line"], sql=sql, sql_line=sql_pair[2], literal_filters=filters, meta=meta, parse_error=check(sql)))
    return items, skips


def _explore_items(views: _Views, block: dict, check) -> tuple[list[dict], list[dict]]:
    explore = block["name"]
    base = block["pairs"].get("from", block["pairs"].get("view_name", [explore]))[0]
    aliases = {explore: base}
    joins = [b for b in block["blocks"] if b["type"] == "join" and b["name"]]
    for j in joins:
        aliases[j["name"]] = j["pairs"].get("from", [j["name"]])[0]
    base_from = f"{views.relation(base)} AS {explore}" if not views.is_derived(base) else f"{base} AS {explore}"
    items, skips = [], []
    meta = {"explore": explore, "view": base}
    for key in ("sql_always_where", "sql_always_having"):
        pair = block["pairs"].get(key)
        if pair:
            cond, unresolved = resolve(pair[0], base, explore, views, aliases)
            clause = "WHERE" if key == "sql_always_where" else "HAVING"
            sql = f"SELECT * FROM {base_from} {clause} {cond}"
            m = {**meta, "fragment": key, **({"unresolved": unresolved} if unresolved else {})}
            items.append(item("filter", f"{explore}.{key}", pair[1], sql=sql, sql_line=pair[2], meta=m, parse_error=check(sql)))
    for sub in block["blocks"]:
        if sub["type"] in ("always_filter", "conditionally_filter"):
            filters, bad = _filters(views, base, sub["lists"].get("filters", []))
            skips += [skip(sub["line"], f"explore `{explore}`: {b}") for b in bad]
            if filters:
                items.append(item("filter", f"{explore}.{sub['type']}", sub["line"], literal_filters=filters, meta={**meta, "fragment": sub["type"]}))
    for j in joins:
        view = aliases[j["name"]]
        on = j["pairs"].get("sql_on")
        target = f"{views.relation(view)} AS {j['name']}" if not views.is_derived(view) else f"{view} AS {j['name']}"
        m = {**meta, "fragment": "explore_join", "join": j["name"], "joined_view": view,
             "join_type": j["pairs"].get("type", ["left_outer"])[0], "relationship": j["pairs"].get("relationship", [None])[0]}
        if on:
            cond, unresolved = resolve(on[0], base, explore, views, aliases)
            sql = f"SELECT * FROM {base_from} JOIN {target} ON {cond}"
            if unresolved:
                m["unresolved"] = unresolved
            items.append(item("explore_join", f"{explore}.{j['name']}", j["line"], sql=sql, sql_line=on[2], meta=m, parse_error=check(sql)))
        else:
            fk = j["pairs"].get("foreign_key")
            if fk:
                m["foreign_key"] = fk[0]
            items.append(item("explore_join", f"{explore}.{j['name']}", j["line"], meta=m))
    return items, skips


def defined_views(doc: dict | None) -> list[str]:
    """The views a LookML file defines (refinements ``+name`` included by name).

    Example:
        >>> defined_views({"blocks": [{"type": "view", "name": "+orders"}, {"type": "explore", "name": "x"}]})
        ['orders']
    """
    return [b["name"].lstrip("+") for b in (doc or {}).get("blocks", []) if b["type"] == "view" and b["name"]]


def lookml_items(
    docs: dict[str, dict | None],
    dialect: str,
    known: dict[str, str | None] | None = None,
    only: set[str] | None = None,
    reads: dict[str, set[str]] | None = None,
    check_sql: bool = True,
) -> dict[str, tuple[list[dict], list[dict]]]:
    """file -> (items, skips) for the LookML files ``only`` (default: all of ``docs``), resolved
    against every view in ``docs``.

    ``known`` maps SQL texts already checked to their parse error (None: it parses): a
    re-collect after one view changed checks only the SQL that changed. ``reads``, when given,
    receives per file the views its items looked up (those not in ``docs`` included): the
    files to resolve again when one of those views changes. ``check_sql`` False leaves SQL not
    in ``known`` unchecked (``parse_error`` None): the caller checks it, on every core.
    """
    memo = dict(known or {})

    def check(sql: str) -> str | None:
        if sql not in memo:
            memo[sql] = parse_error(sql, dialect) if check_sql else None
        return memo[sql]

    views = _Views(docs)
    wanted = set(docs) if only is None else only
    out: dict[str, tuple[list[dict], list[dict]]] = {rel: ([], []) for rel in docs if rel in wanted}
    units = [(rel, lambda b=block, n=name: _view_items(views, n, b, check)) for name, (block, rel) in views.views.items()]
    units += [(rel, lambda b=block: _explore_items(views, b, check)) for block, rel in views.explores]
    for rel, unit in units:
        if rel not in wanted:
            continue
        views.touched = set()
        items, skips = unit()
        out[rel][0].extend(items)
        out[rel][1].extend(skips)
        if reads is not None:
            reads.setdefault(rel, set()).update(views.touched)
    for rel, (items, _) in out.items():
        if rel in views.connection:
            for it in items:
                it["meta"]["connection"] = views.connection[rel]
    return out
