"""Who reads the project's relations, from the query logs: consumers, their tools, what declares them.

Built once per :class:`rules.context.Context` by :func:`federation` from the store's
``query_consumers`` (the collect's sum of the query logs) and shared by the federation rules.

* **A consumer** is a user (a role when the log has no user). Its **tool** is recognised, in
  order, from: ``[query_logs] ignore_users`` (left out), dbt itself (the tool the log names is
  ``dbt``, e.g. dbt's query comment or a ``{"app": "dbt"}`` tag, or the user matches
  ``[query_logs] dbt_users``, default ``DBT``, ``DBT_*``; a query dbt's tag or comment marks is
  dbt's whoever ran it), ``[query_logs] tools`` (a user,
  role or warehouse pattern -> tool name), the tool the log names (a query tag's ``app``, a
  BigQuery label), then a known tool's name among the words of the user, role or warehouse
  (``TABLEAU_SVC``, role ``LOOKER_READER``). Otherwise a user with a service-like word
  (``SVC``, ``SERVICE``, ``BOT``, ``ETL``, ``INGEST``, a Google service account) is a
  *service account*, and anyone else a *person*.
* **Relations** are resolved to dbt nodes with :class:`console.relations.RelationIndex`; a name
  written with fewer than three parts is qualified with the session's database and schema
  from the log first.
* **Declared**: an exposure that depends on the node declares a consumer when its
  ``meta.consumer_users`` / ``meta.service_account`` / ``meta.consumers`` (or
  ``[query_logs] declared.<exposure>``) names the user or role (globs allowed); when its name,
  label, url, description or owner names the consumer's tool (or, for CRM and reverse-ETL
  tools, the kind of tool: "CRM", "email", "sync"); or when every distinctive word of the
  user's name is a word of the exposure's name (``RETAILER_APP_SVC`` and ``retailer_app``).
  A person is declared only by name.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from console.layerinitis.resolve import relation_index
from console.relations import split_name
from rules._text import meta_value
from rules.context import Context

#: Known tools: name -> (words that name it, kind).
TOOLS: dict[str, tuple[tuple[str, ...], str]] = {
    "Tableau": (("tableau",), "bi"),
    "Looker": (("looker", "lookml"), "bi"),
    "Metabase": (("metabase",), "bi"),
    "Mode": (("mode", "modeanalytics"), "bi"),
    "Sigma": (("sigma", "sigmacomputing"), "bi"),
    "Power BI": (("powerbi",), "bi"),
    "Superset": (("superset", "preset"), "bi"),
    "Hex": (("hex",), "notebook"),
    "Hightouch": (("hightouch",), "reverse-etl"),
    "Census": (("census", "getcensus"), "reverse-etl"),
    "Polytomic": (("polytomic",), "reverse-etl"),
    "Fivetran": (("fivetran",), "elt"),
    "Airbyte": (("airbyte",), "elt"),
    "Braze": (("braze",), "crm"),
    "Iterable": (("iterable",), "crm"),
    "Salesforce": (("salesforce",), "crm"),
    "HubSpot": (("hubspot",), "crm"),
}
_WORD_TOOL = {w: name for name, (words, _) in TOOLS.items() for w in words}
#: Words that say what kind of tool an exposure feeds (BI tools must be named: teams run several).
KIND_WORDS: dict[str, tuple[str, ...]] = {"crm": ("crm", "email", "emails"), "reverse-etl": ("sync", "syncs", "reverse")}
_SERVICE_WORDS = frozenset({"svc", "service", "bot", "etl", "ingest", "integration", "sa", "api", "sync", "loader", "app", "system"})
_GENERIC_WORDS = frozenset({"svc", "service", "user", "users", "reader", "read", "role", "sa", "bot", "prod", "production", "wh", "account"})
_EXPOSURE_TYPES = {"bi": "dashboard", "notebook": "notebook", "person": "analysis"}
DEFAULT_DBT_USERS = ("DBT", "DBT_*", "*_DBT")
_META_KEYS = ("consumer_users", "service_account", "service_accounts", "consumers", "query_users")


def words(text: str | None) -> list[str]:
    """Lower-case words of a name, a tag or a sentence (adjacent pairs joined too).

    Example:
        >>> words("POWER_BI_SVC")
        ['power', 'bi', 'svc', 'powerbi', 'bisvc']
    """
    if not text:
        return []
    parts = [p for p in re.split(r"[^a-z0-9]+", str(text).lower()) if p]
    return parts + [a + b for a, b in zip(parts, parts[1:])]


def _matches(patterns: Iterable[str], *names: str | None) -> bool:
    return any(name and fnmatch.fnmatchcase(name.upper(), str(p).upper()) for p in patterns for name in names)


@dataclass(frozen=True)
class Consumer:
    """One reader of the warehouse.

    Attributes:
        name: the user (else the role) as the log writes it.
        tool: the tool recognised (``Tableau``...), ``service account``, ``person``, ``dbt`` or
            ``ignored``; for a tool the log names but this console does not know, its name.
        kind: ``bi``, ``reverse-etl``, ``crm``, ``elt``, ``notebook``, ``tool`` (another tool
            the log names), ``service``, ``person``, ``dbt`` or ``ignored``.
        roles, warehouses: what the log shows it using.
    """

    name: str
    tool: str
    kind: str
    roles: tuple[str, ...] = ()
    warehouses: tuple[str, ...] = ()

    @property
    def described(self) -> str:
        """``TABLEAU_SVC`` (Tableau, role TABLEAU_READER)."""
        bits = [self.tool] + [f"role {r}" for r in self.roles[:2]]
        return f"`{self.name}` ({', '.join(bits)})"


def recognise(user: str | None, role: str | None, warehouse: str | None, app: str | None, options: Mapping[str, Any]) -> tuple[str, str]:
    """(tool, kind) of one identity seen in a log (see the module docstring).

    Example:
        >>> recognise("TABLEAU_SVC", "TABLEAU_READER", "BI_WH", None, {})
        ('Tableau', 'bi')
        >>> recognise("DBT_PROD", "TRANSFORMER", None, None, {}), recognise("X", None, None, "dbt", {})
        (('dbt', 'dbt'), ('dbt', 'dbt'))
        >>> recognise("MAYA_CHEN", "DATA_SCIENCE", "ADHOC_WH", None, {})
        ('person', 'person')
        >>> recognise("ETL_SVC", None, None, None, {}), recognise("x", None, None, "retailer-app", {})
        (('service account', 'service'), ('retailer-app', 'tool'))
    """
    if _matches(options.get("ignore_users", ()), user, role):
        return "ignored", "ignored"
    if (app or "").lower() == "dbt" or _matches(options.get("dbt_users", DEFAULT_DBT_USERS), user):
        return "dbt", "dbt"
    for pattern, tool in (options.get("tools") or {}).items():
        if _matches([pattern], user, role, warehouse):
            known = _WORD_TOOL.get(str(tool).lower().replace(" ", ""))
            return str(tool), TOOLS[known][1] if known else "tool"
    for text in (app, user, role, warehouse):
        for w in words(text):
            if w in _WORD_TOOL:
                name = _WORD_TOOL[w]
                return name, TOOLS[name][1]
    if app:
        return app, "tool"
    if user and (user.lower().endswith("gserviceaccount.com") or _SERVICE_WORDS & set(words(user))):
        return "service account", "service"
    return "person", "person"


@dataclass
class Read:
    """One consumer's reads of one node."""

    consumer: Consumer
    node: str
    relation: str
    query_count: int
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None


@dataclass
class Federation:
    """Who read what (see the module docstring), built by :func:`federation`."""

    reads: dict[str, list[Read]] = field(default_factory=dict)
    """node unique_id -> its non-dbt, non-ignored readers, most queries first."""
    window: tuple[dt.datetime | None, dt.datetime | None] = (None, None)
    """first and last query time of the logs (any reader, dbt included)."""
    has_logs: bool = False
    exposures_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """node unique_id -> the exposure rows that depend on it."""
    options: Mapping[str, Any] = field(default_factory=dict)
    exposure_file: str = "models/exposures.yml"
    """Where the project declares its exposures (the file most of them live in)."""

    def declared_by(self, consumer: Consumer, node: str) -> list[str]:
        """Names of the exposures on ``node`` that declare ``consumer``."""
        return [e["name"] for e in self.exposures_of.get(node, []) if declares(e, consumer, self.options)]


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return []


def declares(exposure: Mapping[str, Any], consumer: Consumer, options: Mapping[str, Any]) -> bool:
    """Whether an exposure row (of the store's nodes) declares ``consumer``.

    Example:
        >>> e = {"name": "weekly_dashboard", "label": None, "url": "https://looker.example/d/42", "description": "",
        ...      "owner": "Priya", "meta": None, "config": None}
        >>> declares(e, Consumer("LOOKER_SVC", "Looker", "bi"), {}), declares(e, Consumer("TAB", "Tableau", "bi"), {})
        (True, False)
        >>> declares({**e, "name": "retailer_app", "url": None}, Consumer("RETAILER_APP_SVC", "service account", "service"), {})
        True
    """
    names = [consumer.name, *consumer.roles]
    explicit = [v for key in _META_KEYS for v in _listed(meta_value(exposure.get("meta"), exposure.get("config"), key))]
    explicit += _listed((options.get("declared") or {}).get(exposure.get("name")))
    if explicit and _matches(explicit, *names):
        return True
    if consumer.kind == "person":
        return False
    text = " ".join(str(exposure.get(k) or "") for k in ("name", "label", "url", "description", "owner"))
    said = set(words(text))
    known = TOOLS.get(consumer.tool)
    if known and said & set(known[0]):
        return True
    if consumer.kind in KIND_WORDS and said & set(KIND_WORDS[consumer.kind]):
        return True
    own = [w for w in re.split(r"[^a-z0-9]+", consumer.name.lower()) if w and w not in _GENERIC_WORDS]
    exposure_words = set(words(exposure.get("name")))
    return bool(own) and all(w in exposure_words for w in own)


def _qualified(relation: str, database: str | None, schema: str | None, dialect: str) -> str:
    """The relation with the session's database (and schema) in front when it has fewer parts.

    Example:
        >>> _qualified("analytics.orders", "WAREHOUSE", "PUBLIC", "snowflake")
        '"WAREHOUSE".analytics.orders'
        >>> _qualified("warehouse.analytics.orders", "X", "Y", "snowflake")
        'warehouse.analytics.orders'
    """
    parts = split_name(relation, dialect)
    if len(parts) >= 3 or ":" in relation:
        return relation
    context = [database, schema] if len(parts) == 1 else [database]
    if not all(context):
        return relation
    return ".".join('"' + str(p).replace('"', '""') + '"' for p in context) + "." + relation


_CACHE = "_federation"


def federation(ctx: Context) -> Federation:
    """The shared view of who reads what (built once per context)."""
    found = ctx.__dict__.get(_CACHE)
    if found is not None:
        return found
    options = dict(ctx.settings.get("query_logs") or {})
    frame = ctx.frames.get("query_consumers")
    nodes = ctx.frames["nodes"]
    out = Federation(options=options)
    exposures = {r["unique_id"]: r for r in nodes.filter(pl.col("resource_type") == "exposure").iter_rows(named=True)}
    files = Counter(e.get("path") for e in exposures.values() if e.get("path"))
    if files:
        out.exposure_file = files.most_common(1)[0][0]
    for parent, child in ctx.frames["edges"].select("parent_id", "child_id").iter_rows():
        if child in exposures:
            out.exposures_of.setdefault(parent, []).append(exposures[child])
    if frame is None or frame.is_empty():
        ctx.__dict__[_CACHE] = out
        return out
    out.has_logs = True
    out.window = (frame["first_seen"].min(), frame["last_seen"].max())
    index = relation_index(ctx)  # one per context, shared with the layerinitis rules
    identities: dict[str, dict[str, set]] = {}
    rows = frame.to_dicts()
    rows = [r for r in rows if (r["app"] or "").lower() != "dbt"]  # dbt's own statements (its tag or query comment)
    for row in rows:
        name = row["user_name"] or row["role_name"] or "unknown"
        seen = identities.setdefault(name, {"roles": set(), "warehouses": set(), "apps": set()})
        for key, column in (("roles", "role_name"), ("warehouses", "warehouse_name"), ("apps", "app")):
            if row[column]:
                seen[key].add(row[column])
    consumers: dict[str, Consumer] = {}
    for name, seen in identities.items():
        roles, warehouses, apps = sorted(seen["roles"]), sorted(seen["warehouses"]), sorted(seen["apps"])
        tool, kind = recognise(name, roles[0] if roles else None, warehouses[0] if warehouses else None, apps[0] if apps else None, options)
        consumers[name] = Consumer(name, tool, kind, tuple(roles), tuple(warehouses))
    merged: dict[tuple[str, str], Read] = {}
    for row in rows:
        consumer = consumers[row["user_name"] or row["role_name"] or "unknown"]
        if consumer.kind in ("dbt", "ignored"):
            continue
        found_node = index.resolve(_qualified(row["relation"], row["database_name"], row["schema_name"], index.dialect))
        if found_node.unique_id is None:
            continue
        key = (found_node.unique_id, consumer.name)
        read = merged.get(key)
        if read is None:
            merged[key] = Read(consumer, found_node.unique_id, row["relation"], int(row["query_count"] or 0), row["first_seen"], row["last_seen"])
        else:
            read.query_count += int(row["query_count"] or 0)
            read.first_seen = _earliest(read.first_seen, row["first_seen"])
            read.last_seen = _latest(read.last_seen, row["last_seen"])
    for read in merged.values():
        out.reads.setdefault(read.node, []).append(read)
    for reads in out.reads.values():
        reads.sort(key=lambda r: (-r.query_count, r.consumer.name))
    ctx.__dict__[_CACHE] = out
    return out


def _earliest(a, b):
    return b if a is None else a if b is None else min(a, b)


def _latest(a, b):
    return b if a is None else a if b is None else max(a, b)


def when(moment: dt.datetime | None) -> str:
    """A time as messages show it: ``2026-11-07 09:15``, or ``an unknown time``."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "an unknown time"


def exposure_yaml(consumer: Consumer, model_name: str, owner: str | None = None) -> str:
    """A one-line exposures yml (YAML flow style) that would declare ``consumer`` on a model.

    Example:
        >>> exposure_yaml(Consumer("TABLEAU_SVC", "Tableau", "bi"), "exp_crm")
        'exposures: [{name: tableau_exp_crm, type: dashboard, owner: {name: TODO, email: TODO}, depends_on: ["ref(\\'exp_crm\\')"], meta: {consumer_users: [TABLEAU_SVC]}}]'
    """
    stem = consumer.tool if consumer.kind not in ("service", "person") else consumer.name
    name = "_".join(w for w in re.split(r"[^a-z0-9]+", f"{stem} {model_name}".lower()) if w)
    kind = _EXPOSURE_TYPES.get(consumer.kind, "application")
    user = consumer.name if re.fullmatch(r"[A-Za-z0-9_.@-]+", consumer.name) else '"' + consumer.name.replace('"', '\\"') + '"'
    return (
        f"exposures: [{{name: {name}, type: {kind}, owner: {{name: {owner or 'TODO'}, email: TODO}}, "
        f"depends_on: [\"ref('{model_name}')\"], meta: {{consumer_users: [{user}]}}}}]"
    )


