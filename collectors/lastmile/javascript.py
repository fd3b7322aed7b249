"""SQL strings in JavaScript and TypeScript, found with tree-sitter.

Strings (``"..."``, ``'...'``), template literals (each ``${...}`` stands for a parameter
``:pN``, or a name where a parameter does not parse), tagged templates (``sql`...```) and ``+``
concatenations of them are read whole; one is SQL when sqlglot parses it as a query. A file
with a syntax error tree-sitter cannot recover from is a skip naming the line of the first
error.
"""

from __future__ import annotations

import functools

from sqlglot import exp

from collectors.lastmile.model import item, payload, skip
from collectors.lastmile.sqltext import as_query

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "'": "'", '"': '"', "`": "`", "\\": "\\", "0": "\0", "$": "$"}
_STRINGS = ("string", "template_string")


@functools.lru_cache(maxsize=4)
def _parser(language: str):
    import tree_sitter as ts

    if language == "javascript":
        import tree_sitter_javascript as grammar

        lang = ts.Language(grammar.language())
    else:
        import tree_sitter_typescript as grammar

        lang = ts.Language(grammar.language_tsx() if language == "tsx" else grammar.language_typescript())
    return ts.Parser(lang)


def _text(node, parts: list, holes: list) -> bool:
    """Append a string expression's pieces; False when ``node`` is not one."""
    if node.type in _STRINGS:
        for child in node.named_children:
            if child.type == "string_fragment":
                parts.append(child.text.decode("utf-8", "replace"))
            elif child.type == "escape_sequence":
                raw = child.text.decode("utf-8", "replace")
                parts.append(_ESCAPES.get(raw[1:2], raw[1:]))
            elif child.type == "template_substitution":
                holes.append(len(parts))
                parts.append("")
        return True
    if node.type == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is not None and op.type == "+":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            return left is not None and right is not None and _text(left, parts, holes) and _text(right, parts, holes)
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return _text(node.named_children[0], parts, holes)
    return False


def _sql(node, dialect: str) -> tuple[str, int] | None:
    parts: list[str] = []
    holes: list[int] = []
    if not _text(node, parts, holes):
        return None
    for as_param in (True, False) if holes else (True,):
        out = list(parts)
        for n, i in enumerate(holes, 1):
            out[i] = f":p{n}" if as_param else f"p{n}"
        sql = "".join(out)
        tree = as_query(sql, dialect)
        if tree is not None and not (as_param and any(t.find(exp.Placeholder) for t in tree.find_all(exp.Table))):
            return sql, len(holes)
    return None


def _name(node) -> str | None:
    """The variable or property a string is assigned to, when it is."""
    parent = node.parent
    while parent is not None and parent.type in ("binary_expression", "parenthesized_expression", "call_expression"):
        if parent.type == "call_expression" and parent.child_by_field_name("arguments") is not None and node.type != "template_string":
            break
        parent = parent.parent
    if parent is not None and parent.type in ("variable_declarator", "pair", "assignment_expression", "public_field_definition"):
        target = parent.child_by_field_name("name") or parent.child_by_field_name("key") or parent.child_by_field_name("left")
        if target is not None:
            return target.text.decode("utf-8", "replace")
    return None


def _first_error(root) -> int | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing or c.type == "ERROR"]))
    return None


def read_script(rel: str, text: str, dialect: str, tool: str) -> dict:
    """Items of a JavaScript (``tool`` javascript) or TypeScript (typescript) file."""
    language = tool if tool == "javascript" else ("tsx" if rel.endswith(".tsx") else "typescript")
    tree = _parser(language).parse(text.encode("utf-8", "surrogatepass"))
    root = tree.root_node
    if root.has_error:
        line = _first_error(root)
        return payload(tool, skips=[skip(line, f"{tool} does not parse (tree-sitter): syntax error at line {line}")])
    items = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _STRINGS or (node.type == "binary_expression" and any(c.type in _STRINGS for c in node.children)):
            found = _sql(node, dialect)
            if found is not None:
                sql, holes = found
                line = node.start_point[0] + 1
                meta = {"placeholders": holes} if holes else {}
                if node.parent is not None and node.parent.type == "call_expression" and node.type == "template_string":
                    fn = node.parent.child_by_field_name("function")
                    if fn is not None:
                        meta["tag"] = fn.text.decode("utf-8", "replace")
                items.append(item("sql_string", _name(node), line, sql=sql, sql_line=line, meta=meta))
                continue
            if node.type in _STRINGS:
                continue
        stack.extend(reversed(node.children))
    return payload(tool, items)
