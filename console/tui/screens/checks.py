"""Checks: every finding, filterable, with a detail pane.

The filter line takes free words and ``key:value`` terms: ``sev:error``, ``cat:checks``,
``rule:CHK001`` (id or name), ``owner:priya``; ``s`` and ``c`` cycle the severity and the
category. The detail pane shows the message, the hint, the rule's explanation and the node's
SQL, syntax-highlighted (a failing test's compiled SQL, with its failure counts across the
stored runs). Code stays in the store: a worker fetches the selected node's, briefly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from console.tui.digest import finding_columns, owners, search_index
from console.tui.messages import ShowNode
from console.tui.screens.base import ConsoleScreen
from console.tui.state import AppData
from console.tui.widgets.filtered_table import FilteredTableKeys
from console.tui.widgets.virtual_table import VirtualTable
from console.tui.widgets.style import STYLES, bar
from rules.base import CATEGORIES, Finding

SEVERITIES = ("error", "warn", "info")
#: Seconds the cursor rests on a finding before its node's SQL is fetched from the store.
CODE_DELAY_S = 0.25
#: Findings after the cursor (and a quarter as many before) whose nodes' code comes in the same visit.
NEARBY = 40
_KEYS = {"sev": "severity", "severity": "severity", "cat": "category", "category": "category", "rule": "rule", "owner": "owner"}


@dataclass(frozen=True)
class Filter:
    """A parsed filter line.

    Example:
        >>> f = parse_filter("sev:error cat:checks rule:CHK001 owner:priya NULL stock")
        >>> f.severity, f.category, f.rule, f.owner, f.words
        ('error', 'checks', 'chk001', 'priya', ('null', 'stock'))
    """

    severity: str = ""
    category: str = ""
    rule: str = ""
    owner: str = ""
    words: tuple[str, ...] = field(default_factory=tuple)

    @property
    def terms(self) -> tuple[str, str, str, str]:
        """The ``key:value`` terms (severity, category, rule, owner); the words apart."""
        return (self.severity, self.category, self.rule, self.owner)

    def candidates(self, columns: dict[str, list[str]]) -> list[int] | None:
        """The findings that pass the terms (not the words), by index, from the findings'
        columns (see :func:`~console.tui.digest.finding_columns`); None without terms.

        Example:
            >>> cols = {"severity": ["error", "warn"], "category": ["checks", "runs"],
            ...         "rule": ["chk001", "run002"], "name": ["failing-test", "flaky-test"], "owner": ["priya", ""]}
            >>> parse_filter("sev:warn").candidates(cols), parse_filter("rule:failing-test owner:pri").candidates(cols)
            ([1], [0])
            >>> parse_filter("words only").candidates(cols) is None
            True
        """
        if not any(self.terms):
            return None
        among = list(range(len(columns["severity"])))
        if self.severity:
            sev = columns["severity"]
            among = [i for i in among if sev[i] == self.severity]
        if self.category:
            cat = columns["category"]
            among = [i for i in among if cat[i] == self.category]
        if self.rule:
            rule, name = columns["rule"], columns["name"]
            among = [i for i in among if self.rule in (rule[i], name[i])]
        if self.owner:
            owner = columns["owner"]
            among = [i for i in among if self.owner in owner[i]]
        return among


def parse_filter(text: str) -> Filter:
    """``key:value`` terms and free words (lower-cased) from the filter line."""
    terms: dict[str, str] = {}
    words = []
    for token in text.split():
        key, sep, value = token.partition(":")
        if sep and key.lower() in _KEYS and value:
            terms[_KEYS[key.lower()]] = value.lower()
        else:
            words.append(token.lower())
    return Filter(**terms, words=tuple(words))


def with_term(text: str, key: str, value: str) -> str:
    """The filter line with ``key:`` set to ``value`` ("" removes it).

    Example:
        >>> with_term("sev:warn stock", "sev", "error"), with_term("sev:warn stock", "sev", "")
        ('stock sev:error', 'stock')
    """
    kept = [t for t in text.split() if _KEYS.get(t.partition(":")[0].lower()) != _KEYS[key]]
    return " ".join(kept + ([f"{key}:{value}"] if value else []))


class ChecksScreen(FilteredTableKeys, ConsoleScreen):
    """Every finding, filterable (see the module docstring)."""

    TITLE_TEXT = "Checks"
    FILTER = "#ck-filter"
    TABLE = "#ck-table"
    EARLY = True
    WORKER_FAILURES = {"code": "Could not read the node's SQL from the store."}
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("s", "cycle_severity", "Severity"),
        Binding("c", "cycle_category", "Category"),
        Binding("enter", "lineage", "Lineage", show=False),
        Binding("escape", "escape", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._kept: Sequence[int] = []  # indices into data.findings, as listed
        self._code: dict[str, tuple[str | None, str | None]] = {}
        self._code_generation = -1
        self._columns: tuple[AppData, dict[str, list[str]]] | None = None  # while the filter has terms
        self._code_timer = None
        self._detail_for: tuple | None = None  # (the load, the finding) the detail pane shows

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter: words, sev:error cat:checks rule:CHK001 owner:name", id="ck-filter", classes="filter-line")
        yield Static(id="ck-count", classes="count-line")
        yield VirtualTable(("sev", 5), ("rule", 6), ("node", 28), "message", id="ck-table")
        with VerticalScroll(id="ck-detail", classes="detail"):
            yield Static(id="ck-text")
            yield Static(id="ck-sql")

    def on_mount(self) -> None:
        self.query_one("#ck-detail").border_title = "Detail"
        self.query_one("#ck-table").focus()

    # -- data ---------------------------------------------------------------------------------
    def render_data(self, data: AppData) -> None:
        if not data.evaluated and self.query_one("#ck-table", VirtualTable).row_count:  # a refresh's frames: keep the rows until its findings come
            return
        if data.generation != self._code_generation:
            self._code.clear()
            self._code_generation = data.generation
        self.refilter()

    def refilter(self) -> None:
        """Apply the filter line: the terms, then the words over the precomputed search texts."""
        data = self.data
        if data is None:
            return
        flt = parse_filter(self.filter_box().value)
        index, findings = search_index(data), data.findings
        among = None
        if any(flt.terms):  # the findings' columns: built for the first term, kept while there are terms
            if self._columns is None or self._columns[0] is not data:
                self._columns = (data, finding_columns(data))
            among = flt.candidates(self._columns[1])
        else:
            self._columns = None
        kept = index.matching(flt.words, among, among_key=flt.terms)
        self._kept = kept
        names = data.names

        def cells(j: int) -> tuple:
            f = findings[kept[j]]
            return (Text(f.severity, style=STYLES.get(f.severity, "")), f.rule, names.get(f.node or "", f.node or ""), f.message)

        self.query_one("#ck-table", VirtualTable).show_rows(index.keys_of(kept), cells)
        count = Text(f"{len(kept)} of {len(data.findings)} findings")
        if not data.findings and data.missing:
            count = Text(data.missing[0], style="italic")
        elif not data.evaluated:
            count = Text("Evaluating the rules…", style="italic")
        self.set_line("#ck-count", count)
        self._show_detail()

    # -- detail -------------------------------------------------------------------------------
    def selected_finding(self) -> Finding | None:
        key = self.query_one("#ck-table", VirtualTable).selected_key
        if not key or self.data is None:
            return None
        row, findings = self.query_one("#ck-table", VirtualTable).cursor_row, self.data.findings
        i = self._kept[row] if row < len(self._kept) else len(findings)
        f = findings[i] if i < len(findings) else None
        return f if f is not None and f.fingerprint == key else None  # (rows of this load only)

    def selected_node(self) -> str | None:
        f = self.selected_finding()
        return f.node if f is not None else None

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self._show_detail()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        self.action_lineage()

    def _show_detail(self) -> None:
        f = self.selected_finding()
        shown = (id(self.data), f.fingerprint if f is not None else bool(self._kept))
        if shown == self._detail_for:  # the same finding (typing on in the filter): nothing to redraw
            return
        self._detail_for = shown
        text_widget = self.query_one("#ck-text", Static)
        sql_widget = self.query_one("#ck-sql", Static)
        if f is None or self.data is None:
            text_widget.update(Text("No finding selected." if self._kept else "No findings match.", style="italic"))
            sql_widget.update("")
            return
        text_widget.update(detail_text(self.data, f))
        if f.node and f.node in self._code:
            sql_widget.update(self._sql_renderable(f.node))
        elif f.node and f.node in self.data.names:
            sql_widget.update(Text("loading the SQL…", style="dim"))
            if self._code_timer is not None:
                self._code_timer.stop()
            node = f.node  # fetched once the cursor rests: walking the list never waits on the store
            self._code_timer = self.set_timer(CODE_DELAY_S, lambda: self.load_code(node, tuple(self._nearby_nodes())))
        else:
            sql_widget.update("")

    def _sql_renderable(self, node: str):
        raw, compiled = self._code.get(node, (None, None))
        code = compiled or raw
        if not code:
            return Text("(no SQL in the store for this node)", style="dim")
        title = Text("compiled SQL" if compiled else "SQL (raw: not compiled yet)", style="bold")
        theme = "ansi_light" if self.app.theme == "textual-light" else "ansi_dark"
        parts = [title, Syntax(code.strip(), "sql", theme=theme, word_wrap=True, background_color="default")]
        history = failure_history(self.data, node) if self.data else []
        if history:
            line = Text("failures per run, oldest first: ", style="bold")
            line.append_text(bar(history, width=30))
            line.append(" " + ", ".join(str(int(v)) for v in history[-10:]))
            parts.insert(0, line)
        return Group(*parts)

    @work(thread=True, exclusive=True, exit_on_error=False, group="code")
    def load_code(self, node: str, nearby: tuple[str, ...] = ()) -> None:
        """Fetch a node's code, and its ``nearby`` nodes', from the store (a short shared-lock
        visit) and show it."""
        from console.store.node_code import read_node_code

        worker = get_current_worker()
        codes = read_node_code(self.data.store, [node, *nearby])
        if not worker.is_cancelled:
            self.app.call_from_thread(self._code_loaded, node, codes)

    def _nearby_nodes(self) -> list[str]:
        """Nodes of the findings around the cursor whose code is not here yet (read in the same
        store visit: walking on does not open the store again for each row)."""
        data, row = self.data, self.query_one("#ck-table", VirtualTable).cursor_row
        if data is None:
            return []
        around = self._kept[max(0, row - NEARBY // 4): row + NEARBY]
        return [n for n in {data.findings[i].node for i in around} if n and n in data.names and n not in self._code]

    def _code_loaded(self, node: str, codes: dict[str, tuple[str | None, str | None]]) -> None:
        if len(self._code) > 10 * NEARBY:  # a few screens' worth; the store has the rest
            self._code.clear()
        self._code.setdefault(node, (None, None))
        self._code.update(codes)
        f = self.selected_finding()
        if f is not None and f.node == node:
            self.query_one("#ck-sql", Static).update(self._sql_renderable(node))

    # -- actions ------------------------------------------------------------------------------
    def _set_term(self, key: str, values: tuple[str, ...]) -> None:
        box = self.query_one("#ck-filter", Input)
        current = getattr(parse_filter(box.value), _KEYS[key])
        order = ("", *values)
        nxt = order[(order.index(current) + 1) % len(order)] if current in order else ""
        box.value = with_term(box.value, key, nxt)

    def action_cycle_severity(self) -> None:
        self._set_term("sev", SEVERITIES)

    def action_cycle_category(self) -> None:
        present = tuple(c for c in CATEGORIES if self.data and any(f.category == c for f in self.data.findings))
        self._set_term("cat", present)

    def action_lineage(self) -> None:
        node = self.selected_node()
        if node:
            self.post_message(ShowNode(node, screen="lineage"))

    def filter_rule(self, rule: str) -> None:
        """Show only the findings of ``rule`` (from the command palette)."""
        self.when_ready(lambda: setattr(self.query_one("#ck-filter", Input), "value", f"rule:{rule}"))

    def focus_node(self, unique_id: str) -> None:
        table = self.query_one("#ck-table", VirtualTable)
        findings = self.data.findings if self.data else ()
        for j, i in enumerate(self._kept):
            if findings[i].node == unique_id:
                table.move_cursor(j)
                table.focus()
                return
        box = self.query_one("#ck-filter", Input)  # filtered out: widen to the node's name
        box.value = self.data.name(unique_id) if self.data else ""
        self.call_after_refresh(lambda: self.query_one("#ck-table").focus())


def detail_text(data: AppData, f: Finding) -> Text:
    """The finding's message, where it is, its hint and its rule's explanation, as plain Text."""
    out = Text()
    out.append(f.severity.upper(), style=STYLES.get(f.severity, ""))
    out.append(f"  {f.rule} {f.name} · {f.category}\n", style="bold")
    out.append(f.message + "\n")
    where = ":".join(p for p in (f.path or "", str(f.line) if f.line else "") if p)
    if f.node or where:
        out.append(f"\n{f.node or ''}{'  ' if f.node and where else ''}{where}\n", style="dim")
    owner = owners(data).get(f.node or "", "")
    if owner:
        out.append(f"owner: {owner}\n", style="dim")
    if f.hint:
        out.append("\nWhat to do: ", style="bold")
        out.append(f.hint + "\n")
    rule = data.rules.get(f.rule)
    if rule is not None and rule.doc:
        out.append("\nAbout the rule\n", style="bold")
        out.append(rule.doc.strip() + "\n")
    return out


def failure_history(data: AppData, node: str) -> list[float]:
    """A test's failure counts in each stored run, oldest first (empty for other nodes)."""
    if not node.startswith("test."):
        return []
    hist = data.ctx.history_of(node)
    return [float(v or 0) for v in hist["failures"].to_list()]
