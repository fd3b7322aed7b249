"""Relation names: the sqlglot dialect of a dbt adapter, the relations a sqlglot tree reads,
and relations written by hand.

**The relations a tree reads** (:func:`tables_read`, named by :func:`table_name` or
:func:`written_name`) are the one definition every reader of SQL shares: the models' SQL facts
(:mod:`collectors.sql_facts.extract`), the last mile's logic (:mod:`collectors.sql_logic.analyse`)
and the query logs' texts (:mod:`collectors.query_logs.texts`). A ``Table`` node is a relation
read unless it is

* the table a ``CREATE ... AS``, ``INSERT``, ``UPDATE``, ``DELETE`` or ``MERGE`` writes;
* the name of a CTE visible where it stands (resolved with sqlglot's scopes, built only when
  the statement has a ``WITH``: ``find_all(exp.Table)`` alone also returns CTE names);
* a table function (``read_csv(...)``, ``unnest(...)``: not an identifier), a table named in a
  join hint, or a Jinja placeholder left by :func:`collectors.sql_facts.jinja_reduce.reduce_jinja`.

**Hand-written relations.** A model that reads ``raw.shop.orders`` directly, instead of through
``{{ source() }}`` or ``{{ ref() }}``, hides an edge from the DAG. :func:`classify_hardcoded`
finds those relations by comparing what the SQL reads with the relation names dbt rendered
for the model's refs and sources.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.scope import traverse_scope

# the dialect table lives in a module that imports no sqlglot (re-exported here: one definition)
from collectors.dialects import ADAPTER_DIALECTS, DEFAULT_DIALECT, dialect_for_adapter  # noqa: F401

PLACEHOLDER_PREFIX = "__jinja"
"""Tables whose name starts with this stand for a Jinja expression, not a relation."""
_WRITES = (exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Merge)

@functools.lru_cache(maxsize=65536)
def relation_parts(name: str) -> tuple[str, ...]:
    """Split a relation name into lower-case parts, honouring quotes.

    Backticks are BigQuery's: ```my-project.dataset.table``` in one pair is three parts.

    Example:
        >>> relation_parts('"Warehouse"."main"."stg.orders"')
        ('warehouse', 'main', 'stg.orders')
        >>> relation_parts("`proj`.dataset.Orders"), relation_parts("'crm'.'Customers'")
        (('proj', 'dataset', 'orders'), ('crm', 'customers'))
        >>> relation_parts("`my-project.dataset.orders`")
        ('my-project', 'dataset', 'orders')
    """
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    closing = {'"': '"', "`": "`", "[": "]", "'": "'"}
    for ch in name.strip():
        if quote is not None:
            if ch == closing[quote]:
                quote = None
            elif ch == "." and quote == "`":
                parts.append("".join(current))
                current = []
            else:
                current.append(ch)
        elif ch in closing:
            quote = ch
        elif ch == ".":
            parts.append("".join(current))
            current = []
        elif not ch.isspace():
            current.append(ch)
    parts.append("".join(current))
    return tuple(p.lower() for p in parts)


def _matches(read: tuple[str, ...], known: tuple[str, ...]) -> bool:
    k = min(len(read), len(known))
    return k > 0 and read[-k:] == known[-k:]


def classify_hardcoded(tables_read: Sequence[str], known_relations: Collection[str]) -> list[str]:
    """The relations a model reads that none of its refs or sources account for.

    A relation read matches a known relation when the shorter of the two names is a suffix of
    the other, part by part, ignoring quotes and case: ``main.stg_orders`` and ``stg_orders``
    both match ``"warehouse"."main"."stg_orders"``; ``raw.orders`` does not match
    ``"warehouse"."staging"."orders"``.

    Args:
        tables_read: the model's ``tables_read`` fact.
        known_relations: relation names of the model's refs and sources as dbt renders them
            (their ``relation_name``). An ephemeral parent has none and dbt inlines it as a
            CTE: pass its own parents' relations instead, recursively. For models read from
            raw SQL, also pass the ref'd model names and ``source_name.table`` names, since
            that is what Jinja reduction leaves in the SQL.

    Returns:
        The relations of ``tables_read`` that match no known relation, in their order.

    Example:
        >>> classify_hardcoded(
        ...     ["main.stg_orders", "raw.shop.customers"], ['"warehouse"."main"."stg_orders"'])
        ['raw.shop.customers']
    """
    known = [relation_parts(k) for k in known_relations]
    return [t for t in tables_read if not any(_matches(relation_parts(t), k) for k in known)]


# -- the relations a sqlglot tree reads -------------------------------------------------------


def written_table(root: exp.Expr) -> exp.Expr | None:
    """The table a DDL or DML statement writes (``CREATE TABLE x AS``, ``INSERT INTO x``): not read."""
    if not isinstance(root, _WRITES):
        return None
    target = root.this
    return target.this if isinstance(target, exp.Schema) else target


def cte_references(root: exp.Expr) -> set[int]:
    """ids of the Table nodes of ``root`` that name a CTE visible from where they stand."""
    refs: set[int] = set()
    for scope in traverse_scope(root):
        if not scope.cte_sources:
            continue
        visible = {name.lower() for name in scope.cte_sources}
        for table in scope.tables:
            if not table.args.get("db") and table.name.lower() in visible:
                refs.add(id(table))
    return refs


def tables_read(root: exp.Expr, tables: Iterable[exp.Table] | None = None, *, has_with: bool | None = None) -> list[exp.Table]:
    """The ``Table`` nodes of one statement that are relations it reads (see the module docstring).

    Args:
        root: a parsed statement.
        tables: its ``Table`` nodes when the caller's own walk already gathered them (the SQL
            facts walk the tree once); default ``root.find_all(exp.Table)``.
        has_with: whether the statement holds a CTE, when the caller knows; default: looked up.

    Example:
        >>> import sqlglot
        >>> tree = sqlglot.parse_one("with t as (select * from a.b) insert into x select * from t, read_csv('f.csv')")
        >>> [table_name(t) for t in tables_read(tree)]
        ['a.b']
    """
    target = written_table(root)
    found = [t for t in (root.find_all(exp.Table) if tables is None else tables) if t is not target and is_relation(t)]
    if found and (root.find(exp.CTE) is not None if has_with is None else has_with):
        ctes = cte_references(root)
        found = [t for t in found if id(t) not in ctes]
    return found


def is_relation(table: exp.Table) -> bool:
    """False for a table function, a table in a join hint, or a Jinja placeholder."""
    this = table.this
    return isinstance(this, exp.Identifier) and not this.this.startswith(PLACEHOLDER_PREFIX) \
        and not isinstance(table.parent, exp.JoinHint)


def table_name(table: exp.Table) -> str:
    """A relation's lower-case dotted name, quotes dropped (the SQL facts' ``tables_read``).

    Example:
        >>> import sqlglot
        >>> table_name(sqlglot.parse_one('select 1 from "Raw".Shop."Orders"').find(exp.Table))
        'raw.shop.orders'
    """
    return ".".join(p.name for p in table.parts).lower()


@functools.lru_cache(maxsize=None)
def _generator(dialect: str):
    """One generator per dialect (sqlglot builds one per ``.sql()`` call otherwise)."""
    return Dialect.get_or_raise(dialect or None).generator()


def written_name(table: exp.Table, dialect: str) -> str:
    """A relation's name as written, each part in the dialect's syntax with its quotes kept
    (``"Analytics"."Orders"``), so :class:`console.relations.RelationIndex` can apply the
    warehouse's case rules.

    Example:
        >>> import sqlglot
        >>> written_name(sqlglot.parse_one('select 1 from "S"."Orders"', read="snowflake").find(exp.Table), "snowflake")
        '"S"."Orders"'
        >>> written_name(sqlglot.parse_one("select 1 from `p.d.t`", read="bigquery").find(exp.Table), "bigquery")
        '`p`.`d`.`t`'
    """
    generator = _generator(dialect)
    return ".".join(generator.generate(_bare(p), copy=False) for p in table.parts)


def _bare(part: exp.Expr) -> exp.Expr:
    """A copy of an identifier without its position and comments (the generator may touch it)."""
    if isinstance(part, exp.Identifier):
        return exp.Identifier(**part.args)  # an identifier's args are plain values
    return part.copy()
