"""Generic data tests declared in property files -> test nodes, ``tests`` rows and edges.

Every way dbt accepts a test is read::

    data_tests:                      # or the older key: tests
      - unique                       # a name
      - accepted_values:             # a name with arguments and config mixed (dbt < 1.10)
          values: [a, b]
          severity: warn
      - relationships:               # arguments and config apart (dbt 1.10+)
          arguments: {to: ref('customers'), field: id}
          config: {severity: warn, where: "status = 'x'"}
      - name: orders_status_valid    # a custom name, the test named by test_name
        test_name: accepted_values
        values: [a, b]

Test names are dbt's: ``<test>_<model>_<arguments>`` (``not_null_orders_id``,
``accepted_values_orders_status__placed__shipped``; ``source_<test>_<source>_<table>...`` for
sources; a package's test ``dbt_utils.x`` becomes ``dbt_utils_x``; a ``name:`` given in the
file wins). Ids are ``test.<project>.<name>`` without dbt's trailing hash; when two tests
would share an id, the later one gets ``.`` and the first 10 hex digits of a hash of its
definition, so ids are unique and the same files always give the same ids. Severity is
the test's config, else the project's ``data_tests:`` tree, else ``error``. Every ``ref()`` and
``source()`` in an argument (``to: ref('customers')``) adds an edge to the test.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import orjson

from collectors.dbt_project.graph import Graph, as_text
from collectors.dbt_project.jinja_refs import JinjaSyntaxError, extract_calls
from collectors.dbt_project.node_fields import apply_config, is_enabled, new_node
from collectors.dbt_project.project_yml import Project, as_str_list, merge_config
from collectors.dbt_project.schema_yml import Entry

TEST_CONFIG_KEYS = frozenset(
    {
        "severity", "where", "limit", "warn_if", "error_if", "fail_calc", "store_failures",
        "store_failures_as", "tags", "meta", "enabled", "alias", "schema", "database", "group",
    }
)  # fmt: skip
"""Keys of an old-style test mapping that are configs, not arguments."""

_UNSAFE = re.compile(r"[^0-9A-Za-z_]+")


@dataclass(frozen=True)
class Target:
    """What a test is attached to.

    Attributes:
        uid: the node's unique_id.
        label: the node in test names (``orders``, ``orders_v2``, ``shop_orders`` for a source).
        call: the Jinja that names it (``ref('orders')``), for the test's ``model`` argument.
        prefix: ``source_`` for tests of sources, else empty.
    """

    uid: str
    label: str
    call: str
    prefix: str = ""


def parse_spec(entry: Entry, spec: object) -> tuple[str, dict, dict, str | None]:
    """``(test_name, arguments, config, custom_name)`` of one test as written.

    Raises:
        InputError: the test is neither a name nor a mapping of one test.

    Example:
        >>> from pathlib import Path
        >>> e = Entry({}, Path("s.yml"), Path("."), "models[0] 'orders'")
        >>> parse_spec(e, {"accepted_values": {"values": ["a"], "severity": "warn"}})
        ('accepted_values', {'values': ['a']}, {'severity': 'warn'}, None)
        >>> parse_spec(e, {"relationships": {"arguments": {"to": "ref('c')", "field": "id"},
        ...                                  "config": {"severity": "warn"}}})
        ('relationships', {'to': "ref('c')", 'field': 'id'}, {'severity': 'warn'}, None)
    """
    if isinstance(spec, str):
        return spec, {}, {}, None
    if not isinstance(spec, Mapping) or not spec:
        raise entry.error(f"a test is neither a name nor a mapping: {str(spec)[:60]}")
    if "test_name" in spec:
        test_name, body = spec["test_name"], {k: v for k, v in spec.items() if k != "test_name"}
    elif len(spec) == 1:
        test_name, body = next(iter(spec.items()))
        body = body if body is not None else {}
    else:
        raise entry.error(f"a test mapping names more than one test: {', '.join(map(str, spec))}")
    if not isinstance(test_name, str) or not isinstance(body, Mapping):
        raise entry.error(f"test {test_name!r} is not a name with a mapping of arguments")
    args: dict = {}
    config: dict = {}
    for key, value in body.items():
        if key == "name":
            continue
        if key == "arguments" and isinstance(value, Mapping):
            args.update(value)
        elif key == "config" and isinstance(value, Mapping):
            merge_config(config, value, tree=False)
        elif key in TEST_CONFIG_KEYS:
            merge_config(config, {key: value}, tree=False)
        else:
            args[key] = value
    return test_name, args, config, as_text(body.get("name"))


def add_tests(
    graph: Graph,
    project: Project,
    entry: Entry,
    target: Target,
    specs: Sequence,
    column: str | None = None,
    column_tags: Sequence[str] = (),
) -> None:
    """Add the tests declared for one node (or one of its columns).

    Raises:
        InputError: a test that cannot be read (see :func:`parse_spec`), or an argument with
            a Jinja tag that never closes.
    """
    dirs = entry.dirs
    path = graph.rel(entry.path)
    for spec in specs:
        test_name, args, own_config, custom = parse_spec(entry, spec)
        test_type = f"{target.prefix}{test_name.replace('.', '_')}"
        name = custom or generic_test_name(test_type, target.label, column, args)
        alias = name if custom else _short_name(test_type, target.label, name)
        fqn = [project.name, *dirs, name]
        config = merge_config(project.tree_config("test", fqn), own_config, tree=False)
        if column_tags:
            merge_config(config, {"tags": list(column_tags)}, tree=False)
        if not is_enabled(config):
            continue
        uid = _unique_id(graph, f"test.{project.name}.{name}", (test_name, target.uid, column, args, own_config))
        node = new_node("test", project, name, uid, fqn, path, description="")
        graph.add(apply_config(node, config, default_alias=alias), entry.path)
        graph.depend(uid, project.name, ("uid", target.uid))
        for value in _strings(args):
            if "ref" in value or "source" in value:
                _depend_on_calls(graph, project, entry, uid, value)
        kwargs = {"column_name": column, "model": f"{{{{ get_where_subquery({target.call}) }}}}", **args}
        if column is None:
            del kwargs["column_name"]
        severity = (as_text(config.get("severity")) or "error").lower()
        graph.tests.append(
            {
                "unique_id": uid,
                "test_name": test_name,
                "attached_node": target.uid,
                "column_name": column,
                "severity": severity,
                "kwargs": kwargs,
                "warn_if": as_text(config.get("warn_if")),
                "error_if": as_text(config.get("error_if")),
                "is_generic": True,
            }
        )


def generic_test_name(test_type: str, label: str, column: str | None, args: Mapping) -> str:
    """A generic test's name as dbt builds it: test, node, then the arguments' values.

    Example:
        >>> generic_test_name("accepted_values", "orders", "status", {"values": ["placed", "shipped"]})
        'accepted_values_orders_status__placed__shipped'
        >>> generic_test_name("relationships", "orders", "customer_id", {"to": "ref('customers')", "field": "id"})
        'relationships_orders_customer_id__id__ref_customers_'
    """
    values = {"column_name": column, **args} if column is not None else dict(args)
    flat: list[str] = []
    for key in sorted(values, key=str):
        if key == "model":
            continue
        value = values[key]
        if isinstance(value, Mapping):
            flat.extend(str(v) for v in value.values())
        elif isinstance(value, (list, tuple)):
            flat.extend(str(v) for v in value)
        else:
            flat.append(str(value))
    unique = "__".join(_UNSAFE.sub("_", part) for part in flat)
    return f"{test_type}_{label}_{unique}" if unique else f"{test_type}_{label}_"


def _short_name(test_type: str, label: str, name: str) -> str:
    """dbt's alias of a test whose name is 64 characters or more: a prefix and an md5."""
    if len(name) < 64:
        return name
    return f"{test_type}_{label}"[:30] + "_" + hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()


def _unique_id(graph: Graph, uid: str, definition: tuple) -> str:
    if uid not in graph.nodes:
        return uid
    digest = hashlib.sha256(
        orjson.dumps(definition, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    ).hexdigest()[:10]
    candidate, n = f"{uid}.{digest}", 1
    while candidate in graph.nodes:
        n += 1
        candidate = f"{uid}.{digest}_{n}"
    return candidate


def _strings(value: object):
    """Every string inside an argument value (lists and mappings walked)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _depend_on_calls(graph: Graph, project: Project, entry: Entry, uid: str, value: str) -> None:
    text = value if "{{" in value or "{%" in value else f"{{{{ {value} }}}}"
    try:
        calls = extract_calls(text)
    except JinjaSyntaxError as e:
        raise entry.error(f"test argument {value[:60]!r}: {e}") from None
    for ref in calls.refs:
        graph.depend(uid, project.name, ("ref", *ref))
    for source in calls.sources:
        graph.depend(uid, project.name, ("source", *source))


def entry_tests(entry: Entry) -> list:
    """The model-level tests of an entry (``data_tests``, else the older ``tests``)."""
    value = entry.data.get("data_tests")
    if value is None:
        value = entry.data.get("tests")
    if value is None:
        return []
    if not isinstance(value, list):
        raise entry.error("'data_tests' must be a list")
    return value


def column_tests(entry: Entry, column: Mapping) -> list:
    """A column's tests (``data_tests``, else ``tests``)."""
    value = column.get("data_tests")
    if value is None:
        value = column.get("tests")
    if value is None:
        return []
    if not isinstance(value, list):
        raise entry.error(f"column '{column.get('name')}': 'data_tests' must be a list")
    return value


def add_entry_tests(
    graph: Graph, project: Project, entry: Entry, target: Target, columns: Sequence[Mapping], extra: Sequence = ()
) -> None:
    """All tests of a node's property entry: model-level (plus ``extra``), then per column."""
    add_tests(graph, project, entry, target, [*entry_tests(entry), *extra])
    for column in columns:
        if "name" in column:
            specs = column_tests(entry, column)
            if specs:
                add_tests(
                    graph, project, entry, target, specs, as_text(column["name"]), as_str_list(column.get("tags"))
                )
