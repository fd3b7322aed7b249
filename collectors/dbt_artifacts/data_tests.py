"""A data test node of a manifest -> one row of the ``tests`` table.

* ``test_name``: the generic test (``test_metadata.name``, prefixed by its package when
  ``test_metadata.namespace`` is set: ``dbt_utils.unique_combination_of_columns``), or
  ``singular`` for a test written as a SQL file.
* ``attached_node``: the manifest's own ``attached_node`` (v9+); otherwise the ``depends_on``
  node named by ``test_metadata.kwargs.model`` (``{{ get_where_subquery(ref('orders')) }}``)
  or, for a singular test, by its first ``ref`` (then first ``source``); otherwise its first
  ``depends_on`` node. Reading the ``ref()``/``source()`` call out of that Jinja string is
  the one place a small pattern is used on dbt SQL (there is no SQL to parse there).
* ``severity``: ``config.severity`` lower-cased (dbt writes ``ERROR`` by default, ``warn``
  when configured).
"""

from __future__ import annotations

import re

import orjson

from collectors.dbt_artifacts._common import EMPTY, ShapeError, obj, text

TEST_COLUMNS = (
    "unique_id", "test_name", "attached_node", "column_name", "severity", "kwargs",
    "warn_if", "error_if", "is_generic",
)  # fmt: skip

_CALL = re.compile(r"\b(ref|source)\(\s*((?:'[^']*'|\"[^\"]*\")(?:\s*,\s*(?:'[^']*'|\"[^\"]*\"))*)")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def data_test_row(uid: str, node: dict, cfg: dict, deps: list) -> tuple:
    """The ``tests`` row of one data test node (see the module docstring).

    Values of the wrong type are left for the frame to refuse (it names the test).
    """
    metadata = node.get("test_metadata")
    if metadata:
        if type(metadata) is not dict:
            metadata = obj(metadata, "test_metadata")
        test_name = metadata.get("name")
        namespace = metadata.get("namespace")
        if namespace:
            test_name = f"{text(namespace)}.{text(test_name)}"
        kwargs = metadata.get("kwargs") or EMPTY
        if type(kwargs) is not dict:
            kwargs = obj(kwargs, "test_metadata.kwargs")
    else:
        test_name, kwargs = "singular", EMPTY
    severity = cfg.get("severity")
    if severity is not None:
        if type(severity) is not str:
            raise ShapeError("config.severity is not a text")
        severity = severity.lower()
    return (
        uid,
        test_name,
        node.get("attached_node") or attached_node(node, kwargs, deps),
        node.get("column_name") or kwargs.get("column_name"),
        severity,
        orjson.dumps(kwargs).decode() if kwargs else None,
        cfg.get("warn_if"),
        cfg.get("error_if"),
        bool(metadata),
    )


def attached_node(node: dict, kwargs: dict, deps: list) -> str | None:
    """The node a test tests, for manifests that do not say (see the module docstring).

    Example:
        >>> attached_node({}, {"model": "{{ get_where_subquery(ref('orders')) }}"},
        ...               ["model.shop.customers", "model.shop.orders"])
        'model.shop.orders'
        >>> attached_node({"refs": [["customers"]]}, {}, ["model.shop.orders", "model.shop.customers"])
        'model.shop.customers'
    """
    if not deps:
        return None
    if len(deps) == 1:
        return deps[0]
    wanted = _call_in(kwargs.get("model")) or _first_ref(node)
    if wanted is not None:
        for dep in deps:
            if isinstance(dep, str) and _names(dep) == wanted:
                return dep
    return deps[0]


def _call_in(jinja: object) -> tuple | None:
    """``("ref", name)`` or ``("source", source, table)`` from the first call in a Jinja string."""
    if not isinstance(jinja, str):
        return None
    match = _CALL.search(jinja)
    if match is None:
        return None
    args = [a or b for a, b in _QUOTED.findall(match.group(2))]
    if match.group(1) == "source":
        return ("source", *args[:2]) if len(args) >= 2 else None
    return ("ref", args[-1])  # ref('package', 'name') names the package first


def _first_ref(node: dict) -> tuple | None:
    """The first ``ref`` (v12: ``{"name": ...}``, before: ``["name"]`` or ``["pkg", "name"]``)."""
    refs = node.get("refs") or ()
    if refs and isinstance(refs, list):
        ref = refs[0]
        name = ref.get("name") if isinstance(ref, dict) else (ref[-1] if isinstance(ref, list) and ref else None)
        return ("ref", name) if isinstance(name, str) else None
    sources = node.get("sources") or ()
    if sources and isinstance(sources, list) and isinstance(sources[0], list) and len(sources[0]) == 2:
        return ("source", *sources[0])
    return None


def _names(unique_id: str) -> tuple:
    """What a ref or source call names, from a unique_id (``model.pkg.name[.v2]``)."""
    parts = unique_id.split(".")
    if parts[0] == "source":
        return ("source", *parts[2:4])
    return ("ref", parts[2] if len(parts) > 2 else None)
