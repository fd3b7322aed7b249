"""Relations written by hand, read from a model's raw code as dbt-project-evaluator reads them.

The SQL facts find hand-written relations with sqlglot, which knows CTEs and scopes. When a
model has no compiled SQL and its raw code does not reduce to SQL that parses, or its compiled
SQL does not parse, the raw code is scanned instead, with the patterns of the evaluator's macro
``find_all_hard_coded_references``: after ``from`` or ``join`` (not after ``distinct``, as in
``is distinct from``),

* ``{{ var('orders_table') }}`` and ``{{ var('orders_table', 'raw.orders') }}``: a table named
  by a variable (these are found in every model read from raw code, parsed or not, since
  Jinja reduction turns them into a placeholder);
* two- and three-part names, each part bare or quoted in any of the evaluator's styles:
  ``"db"."schema"."table"``, ``'schema'.'table'``, ``[db].[schema].[table]``,
  ```proj`.`ds`.`tbl```, BigQuery's ``my-project.dataset.table``;
* a one-part name in quotes or brackets: ``"orders"``, ``[orders]``, ```orders```.

Unlike the evaluator, a one-part name that is a CTE of the same code is never reported, nor is
dbt's own ephemeral CTE (``__dbt__cte__<model>``); comments are ``--`` lines, ``/* */`` blocks
and Jinja ``{# #}`` comments (the evaluator strips only ``--`` by default); a name may end
before ``;`` as well as before white space or the end (never before ``)``, as the evaluator:
``extract(year from o.created_at)`` is a column); a part may hold several hyphens; and a whole
dotted name in one pair of backticks (```my-project.dataset.table```, BigQuery's usual
spelling) counts as well.
"""

from __future__ import annotations

import re

#: dbt's prefix for the CTE of an ephemeral model inlined into its child.
EPHEMERAL_CTE_PREFIX = "__dbt__cte__"

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/|\{#.*?#\}", re.S)
_LEAD = r"(?<!distinct\s)\b(?:from|join)\s+"
_END = r"(?=[\s;]|$)"
_PART = r"""(?:"[^"\n]+"|'[^'\n]+'|`[^`\n]+`|\[[^\]\n]+\]|\w+(?:-\w+)*)"""
_QUOTED_ONE = r"""(?:"\w+(?:-\w+)*"|'\w+(?:-\w+)*'|`[\w.-]+`|\[\w+(?:-\w+)*\])"""
_VAR = re.compile(
    _LEAD + r"""\{\{-?\s*var\s*\(\s*(['"])([^'")]+)\1\s*(?:,\s*(['"])([^'")]*)\3\s*)?\)\s*-?\}\}""", re.I
)
_DOTTED = re.compile(_LEAD + rf"({_PART}\s*\.\s*{_PART}(?:\s*\.\s*{_PART})?){_END}", re.I)
_ONE = re.compile(_LEAD + rf"({_QUOTED_ONE}){_END}", re.I)
_CTE_NAME = re.compile(r"""(?:\bwith|,)\s*(?:recursive\s+)?(["`\[]?)(\w+)[\]"`]?\s*(?:\([^()]*\)\s*)?as\s*(?:not\s+)?(?:materialized\s*)?\(""", re.I)


def var_reference(name: str) -> str:
    """How a table named by a variable is reported.

    Example:
        >>> var_reference("orders_table")
        "{{ var('orders_table') }}"
    """
    return f"{{{{ var('{name}') }}}}"


def _unquoted(name: str) -> str:
    return re.sub(r"""["'`\[\]\s]""", "", name).lower()


def raw_references(raw_code: str) -> tuple[list[str], list[str]]:
    """The relations a model's raw code names by hand after ``from`` or ``join``.

    Args:
        raw_code: the model's code, Jinja and all.

    Returns:
        ``(names, variables)``: the relation names as written (white space around the dots
        removed), and the tables named by ``{{ var() }}`` (as :func:`var_reference`), each
        sorted and without repeats.

    Example:
        >>> raw_references(
        ...     "with orders as (select * from [db].[sales].[orders] ) -- from old.table\\n"
        ...     "select * from orders join 'crm'.'customers' using (id)\\n"
        ...     "join {{ var('events_table', 'raw.events') }} e on true\\n"
        ...     "join __dbt__cte__stg_items i on true where a is distinct from b.c")
        (["'crm'.'customers'", '[db].[sales].[orders]'], ["{{ var('events_table') }}"])
    """
    code = _COMMENTS.sub(" ", raw_code)
    ctes = {m.group(2).lower() for m in _CTE_NAME.finditer(code)}
    names: set[str] = set()
    for m in _DOTTED.finditer(code):
        names.add(re.sub(r"\s*\.\s*", ".", m.group(1)))
    for m in _ONE.finditer(code):
        if _unquoted(m.group(1)) not in ctes:
            names.add(m.group(1))
    names = {n for n in names if not _unquoted(n).rsplit(".", 1)[-1].startswith(EPHEMERAL_CTE_PREFIX)}
    variables = {var_reference(m.group(2).strip()) for m in _VAR.finditer(code)}
    return sorted(names), sorted(variables)


def hard_coded(
    tables_read: list[str] | None,
    parse_error: str | None,
    raw_code: str | None,
    from_compiled: bool,
    known_relations,
) -> list[str]:
    """A model's hand-written relations: from its SQL facts, else from its raw code.

    * SQL that parsed: the tables it reads that no ref or source accounts for; for SQL read
      from raw code, also the tables named by ``{{ var() }}``;
    * SQL that did not parse (compiled or raw): :func:`raw_references` of the raw code, less
      the names of its refs and sources.

    Never dbt's ephemeral CTEs (``__dbt__cte__<model>``).

    Example:
        >>> hard_coded(None, "Expected table name", "select * from [db].[s].[t] join 's'.'a' on true", True, ["db.s.a"])
        ['[db].[s].[t]']
        >>> hard_coded(["raw.orders", "__dbt__cte__x"], None, "from {{ var('t') }}", False, [])
        ['raw.orders', "{{ var('t') }}"]
    """
    from collectors.sql_facts.relations import classify_hardcoded

    variables: list[str] = []
    if parse_error and raw_code:
        names, variables = raw_references(raw_code)
    else:
        names = list(tables_read or [])
        if not from_compiled and raw_code and "var" in raw_code:
            variables = raw_references(raw_code)[1]
    names = [n for n in names if not _unquoted(n).rsplit(".", 1)[-1].startswith(EPHEMERAL_CTE_PREFIX)]
    return classify_hardcoded(names, known_relations) + variables
