"""The virtual table on its own, with the Pilot: 10,000 rows, only the rows on screen are built."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from console.tui.digest import SearchIndex
from console.tui.widgets.virtual_table import VirtualTable

N = 10_000


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.built: list[int] = []
        self.events: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(("id", 8), "name", id="t")

    def cells(self, keys):
        def of(i: int) -> tuple:
            self.built.append(i)
            return (keys[i], Text(f"[b]row {keys[i]}[/b]", style="red"))

        return of

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self.events.append(("highlighted", event.key))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        self.events.append(("selected", event.key))


async def test_only_the_rows_on_screen_are_built_and_the_cursor_keeps_its_key():
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(VirtualTable)
        keys = [f"k{i:05d}" for i in range(N)]
        table.show_rows(keys, app.cells(keys))
        table.focus()
        await pilot.pause()
        assert table.row_count == N and table.selected_key == "k00000"
        assert 0 < len(set(app.built)) <= 12  # a screenful, not 10,000
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1 and app.events[-1] == ("highlighted", "k00001")
        await pilot.press("G")
        assert table.selected_key == "k09999" and int(table.scroll_y) > N - 20
        await pilot.pause()
        assert len(set(app.built)) <= 30
        await pilot.press("enter")
        await pilot.pause()
        assert app.events[-1] == ("selected", "k09999")
        # new rows: the cursor stays on its key, or at its place when the key is gone
        odd = keys[1::2]
        table.show_rows(odd, app.cells(odd))
        assert table.selected_key == "k09999" and table.cursor_row == len(odd) - 1
        table.show_rows(keys[:10], app.cells(keys[:10]))
        assert table.cursor_row == 9
        assert table.select_key("k00003") and table.cursor_row == 3
        assert not table.select_key("nope")
        # cells render as text, never as markup
        assert table.get_row("k00003")[1].plain == "[b]row k00003[/b]"
        await pilot.pause()
        line = table.render_line(1 + 3 - int(table.scroll_y))
        assert "[b]row k00003[/b]" in line.text
        table.show_rows([], app.cells([]))
        assert table.selected_key is None and table.row_count == 0


async def test_a_click_moves_the_cursor_and_a_second_click_selects():
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(VirtualTable)
        keys = [f"k{i}" for i in range(50)]
        table.show_rows(keys, app.cells(keys))
        await pilot.pause()
        await pilot.click(VirtualTable, offset=(2, 3))  # the header is line 0: row 2
        assert table.selected_key == "k2"
        await pilot.click(VirtualTable, offset=(2, 3))
        await pilot.pause()
        assert app.events[-1] == ("selected", "k2")


def test_search_index_narrows_while_typing():
    idx = SearchIndex([f"k{i}" for i in range(6)], ["stg_orders", "stg_items", "fct_orders", "STG_x", "other", "stg_o"])
    assert idx.matching(["stg"]) == [0, 1, 3, 5]
    assert idx.matching(["stg_o"]) == [0, 5]  # scans only the previous matches
    assert idx.matching(["stg_or"]) == [0]
    assert idx.matching(["orders"]) == [0, 2]  # not a narrowing of "stg_or": every row again
    assert idx.matching(["orders"], among=[2, 4], among_key="fct") == [2]
    assert list(idx.matching([])) == list(range(6))
    assert idx.matching([], among=[2, 4]) == [2, 4]
    assert idx.keys_of(idx.matching([])) is idx.keys  # every row: the index's own keys, no copy
    assert idx.keys_of([1, 3]) == ["k1", "k3"]


def test_search_index_builds_lazy_texts_for_a_search_and_lets_them_go():
    built = []

    def texts():
        built.append(1)
        return ["Stg_Orders", "fct_orders"]

    idx = SearchIndex(["a", "b"], texts)
    assert idx.texts is None and not built  # nothing until somebody searches
    assert idx.matching(["stg"]) == [0] and idx.matching(["stg_o"]) == [0] and len(built) == 1
    assert list(idx.matching([])) == [0, 1] and idx.texts is None  # the filter emptied: texts gone
    assert idx.matching(["orders"]) == [0, 1] and len(built) == 2
