"""Raw dbt SQL (SQL with Jinja) reduced to SQL that sqlglot can parse.

Used only for models without compiled SQL (no ``compiled_code`` in the manifest, or no manifest
at all). A small tokenizer walks the Jinja tags; the SQL between them is copied untouched:

* ``{{ ref('x') }}``, ``{{ ref('pkg', 'x') }}``, ``{{ ref('x', v=2) }}`` -> ``x``;
* ``{{ source('s', 't') }}`` -> ``s.t``;
* ``{{ config(...) }}``, ``{# comments #}`` and ``{% statement %}`` tags -> removed;
* any other ``{{ expression }}`` -> :data:`PLACEHOLDER` (an identifier that parses as a column,
  a table or a value; :func:`collectors.sql_facts.extract.extract_facts` ignores it as a table);
* a ``{% for %}`` body is kept once, as the loop's only iteration (so ``loop.first`` and
  ``loop.last`` are true: ``{% if not loop.last %},{% endif %}`` leaves no trailing comma);
* an ``{% if %}`` block keeps one branch: the first whose condition is not known to be false
  (conditions are taken as true unless they are ``loop.first``/``loop.last``/``true``/``false``
  or their negation), so two alternative ``FROM`` or ``WHERE`` clauses never end up side by
  side; the ``{% if is_incremental() %}`` filter is kept;
* ``{% macro %}``, ``{% call %}`` and block ``{% set x %}...{% endset %}`` bodies are not the
  model's SQL and are dropped; ``{% raw %}`` bodies are copied as they are.

Limits: a ref rendered under an ``alias`` config is named by its model name here, not by the
alias; macros that expand to whole clauses (``{{ dbt_utils.union_relations(...) }}``) become one
placeholder and may leave SQL that does not parse (the model then gets a ``parse_error``).
"""

from __future__ import annotations

import re

PLACEHOLDER = "__jinja__"

_OPEN = re.compile(r"\{[{%#]")
_CLOSE = {
    "{{": re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|(\}\})""", re.S),
    "{%": re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|(%\})""", re.S),
}
_CALL = re.compile(r"\s*(ref|source|config)\s*\((.*)\)\s*", re.S)
_STRING = re.compile(r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*""", re.S)
_KEYWORD_ARG = re.compile(r"\s*\w+\s*=")
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")

_KNOWN_CONDITION = re.compile(r"(not\s+)?(loop\.first|loop\.last|true|false)", re.I)
_BLOCK_END = {"if": "endif", "for": "endfor", "macro": "endmacro", "call": "endcall", "set": "endset"}
_DROPPED_BLOCKS = ("macro", "call", "set")


def reduce_jinja(raw_sql: str) -> str:
    """Turn raw dbt SQL into plain SQL (see the module docstring for the rules).

    Args:
        raw_sql: a model's raw code, Jinja and all.

    Returns:
        The SQL with every Jinja tag resolved or removed. Text without Jinja comes back as is.

    Example:
        >>> print(reduce_jinja(
        ...     "{{ config(materialized='incremental') }}\\n"
        ...     "select * from {{ ref('stg_orders') }} o\\n"
        ...     "join {{ source('shop', 'customers') }} c using (customer_id)\\n"
        ...     "{% if is_incremental() %}where o.updated_at > (select max(updated_at) from {{ this }})"
        ...     "{% else %}where true{% endif %}"))
        <BLANKLINE>
        select * from stg_orders o
        join shop.customers c using (customer_id)
        where o.updated_at > (select max(updated_at) from __jinja__)
    """
    if "{" not in raw_sql:
        return raw_sql
    out: list[str] = []
    stack: list[list] = []  # [block name, keeping outside the block, a branch was taken]
    keeping = True
    pos = 0
    n = len(raw_sql)
    while pos < n:
        m = _OPEN.search(raw_sql, pos)
        if m is None:
            if keeping:
                out.append(raw_sql[pos:])
            break
        if keeping:
            out.append(raw_sql[pos : m.start()])
        opener = m.group()
        if opener == "{#":
            end = raw_sql.find("#}", m.end())
            pos = n if end < 0 else end + 2
            continue
        inner, pos = _tag_body(raw_sql, m.end(), opener)
        if inner is None:  # never closed: keep the rest for sqlglot to report
            if keeping:
                out.append(raw_sql[m.start() :])
            break
        if opener == "{{":
            if keeping:
                out.append(_expression(inner))
            continue
        word, rest = (inner.split(None, 1) + [""])[:2] if inner else ("", "")
        top = stack[-1] if stack else None
        if word == "raw":
            end = _ENDRAW.search(raw_sql, pos)
            if keeping:
                out.append(raw_sql[pos : end.start() if end else n])
            pos = end.end() if end else n
        elif word == "if":
            taken = _condition(rest) is not False
            stack.append(["if", keeping, taken])
            keeping = keeping and taken
        elif word == "for" or (word in _DROPPED_BLOCKS and _is_block(word, inner)):
            stack.append([word, keeping, True])
            keeping = keeping and word == "for"
        elif top is not None and top[0] == "if" and word in ("elif", "else"):
            taken = not top[2] and (word == "else" or _condition(rest) is not False)
            top[2] = top[2] or taken
            keeping = top[1] and taken
        elif top is not None and top[0] == "for" and word == "else":
            keeping = False  # the loop is rendered once, so never empty
        elif top is not None and word == _BLOCK_END[top[0]]:
            keeping = stack.pop()[1]
    return "".join(out)


def _condition(text: str) -> bool | None:
    """The value of an ``if`` condition when it is known here, else None (taken as true)."""
    m = _KNOWN_CONDITION.fullmatch(text.strip())
    if m is None:
        return None
    return (m.group(2) != "false") != bool(m.group(1))


def _tag_body(text: str, start: int, opener: str) -> tuple[str | None, int]:
    """The inside of a ``{{ }}`` or ``{% %}`` tag (whitespace control stripped) and where it ends."""
    for m in _CLOSE[opener].finditer(text, start):
        if m.group(1):
            inner = text[start : m.start()]
            if inner.startswith(("-", "+")):
                inner = inner[1:]
            if inner.endswith(("-", "+")):
                inner = inner[:-1]
            return inner.strip(), m.end()
    return None, len(text)


def _is_block(word: str, inner: str) -> bool:
    """``{% set x = 1 %}`` is a statement; ``{% set x %}`` opens a block, as macro and call do."""
    return word != "set" or "=" not in inner


def _expression(inner: str) -> str:
    m = _CALL.fullmatch(inner)
    if m is None:
        return PLACEHOLDER
    function, args = m.groups()
    if function == "config":
        return ""
    names = _string_args(args)
    if names is None:
        return PLACEHOLDER
    if function == "ref" and len(names) in (1, 2):
        return names[-1]
    if function == "source" and len(names) == 2:
        return ".".join(names)
    return PLACEHOLDER


def _string_args(args: str) -> list[str] | None:
    """Positional string-literal arguments of a call; None when one is not a literal."""
    names = []
    for part in args.split(","):
        if not part.strip() or _KEYWORD_ARG.match(part):
            continue
        m = _STRING.fullmatch(part)
        if m is None:
            return None
        names.append(m.group(1) if m.group(1) is not None else m.group(2))
    return names
