"""Accuracy of the last mile's logic on a labelled corpus: relations, classification, duplicated rules.

The corpus (``tests/fixtures/lastmile_corpus/<project>/``) holds real-looking files of every
last-mile tool, a ``nodes.yaml`` (the dbt context: adapter and nodes, with the compiled SQL of
the models whose rules the last mile repeats) and a ``labels.yaml`` (per item: classification,
relations, business expressions; the duplicated rules with every place they live).

The pipeline measured is the console's own, end to end, without a store:

1. the last-mile readers (:mod:`collectors.lastmile`: discovery, each tool's reader, LookML
   resolved across files) turn the files into items, in the project's dialect;
2. :func:`collectors.sql_logic.analyse` reads each item's SQL (and each model's compiled SQL);
   structured filters (sync filters, GUI filters, pandas masks) become expressions as the
   judge makes them (:func:`console.layerinitis.items.filter_expressions`);
3. :class:`console.relations.RelationIndex` resolves what each item reads (the SQL's relations
   and those named outside it) to a dbt node, or ``raw:``/``unknown:``/``tool:`` + table name,
   knowing the tools' own objects as the judge does, each tool its own (a LookML derived table
   a LookML join names, ``metabase_card_201`` for ``{{#201}}``:
   :func:`console.layerinitis.resolve.resolve_written`);
4. a duplicated rule is a key of a rule-stating expression (the judge's ``RULE_KINDS`` and
   ``rule_worthy``) found in two places or more, one of them in the last mile.

Scores (precision and recall): (a) relation resolution over (item, relation) pairs;
(b) classification with ``business`` as the positive class; (c) duplicated-rule detection over
(key, place) pairs. Business expressions (item, kind, key) are scored too, for information.

Run: ``python benchmarks/lastmile_accuracy.py`` (exit 1 when a score is below 0.95).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "fixtures" / "lastmile_corpus"
FLOOR = 0.95
"""The quality floor of each of the three scores."""


@dataclass
class Score:
    """Counts of one measure, and the misses for whoever reads the report."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add_sets(self, predicted: set, expected: set, label: str = "") -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)
        self.misses += [f"{label}unexpected {p}" for p in sorted(predicted - expected, key=str)]
        self.misses += [f"{label}missed {e}" for e in sorted(expected - predicted, key=str)]


@dataclass
class Result:
    """The scores of the corpus, and what it held."""

    relations: Score = field(default_factory=Score)
    classification: Score = field(default_factory=Score)
    duplicates: Score = field(default_factory=Score)
    expressions: Score = field(default_factory=Score)
    items: int = 0
    per_tool: dict[str, int] = field(default_factory=dict)
    unlabelled: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)

    def scores(self) -> dict[str, Score]:
        return {"relations": self.relations, "classification": self.classification, "duplicates": self.duplicates}

    def passed(self, floor: float = FLOOR) -> bool:
        return all(s.precision >= floor and s.recall >= floor for s in self.scores().values())


# -- reading the corpus ------------------------------------------------------------------------


def read_items(project: Path, dialect: str) -> list[dict[str, Any]]:
    """Every item of the project's last-mile files, read by the console's readers, with its ``file``."""
    from collectors.lastmile.discover import find_files, read_payload
    from collectors.lastmile.lookml import lookml_items

    files, _ = find_files((project,), project)
    payloads: dict[str, dict] = {}
    for path, rel, kind in files:
        if rel in ("nodes.yaml", "labels.yaml"):
            continue
        payloads[rel] = read_payload(rel, path.read_bytes(), kind, dialect)
    docs = {rel: p.get("doc") for rel, p in payloads.items() if p.get("tool") == "lookml"}
    if docs:
        for rel, (items, skips) in lookml_items(docs, dialect).items():
            payloads[rel] = {**payloads[rel], "items": items, "skips": payloads[rel]["skips"] + skips}
    out = []
    for rel, p in sorted(payloads.items()):
        for it in p.get("items") or []:
            out.append({**it, "file": rel, "tool": p.get("tool")})
    return out


def place_of(item: dict[str, Any]) -> str:
    """How labels name an item: ``file#name``, or ``file@line`` when it has no name."""
    return f"{item['file']}#{item['name']}" if item.get("name") else f"{item['file']}@{item['line']}"


def _label_place(label: dict[str, Any]) -> str:
    return f"{label['file']}#{label['name']}" if label.get("name") is not None else f"{label['file']}@{label['line']}"


def _nodes_frame(nodes: list[dict[str, Any]]) -> pl.DataFrame:
    columns = ("unique_id", "resource_type", "name", "database", "schema", "alias", "identifier",
               "relation_name", "layer", "source_name")
    return pl.DataFrame({c: [n.get(c) for n in nodes] for c in columns}, schema={c: pl.String for c in columns})


def _expressions(item: dict[str, Any], dialect: str) -> tuple[list[tuple[str, str]], list[str], str | None]:
    """(kind, key) of the item's business expressions, the relations its SQL reads, its parse error."""
    from collectors.sql_logic import analyse

    exprs: list[tuple[str, str]] = []
    relations: list[str] = []
    error = None
    if item.get("sql"):
        logic = analyse(item["sql"], dialect, line_offset=item.get("sql_line") or item.get("line") or 1)
        exprs = [(e["kind"], e["key"]) for e in logic["expressions"]]
        relations = list(logic["relations"])
        error = logic["parse_error"]
    for f in _filter_expressions(item.get("literal_filters") or [], item.get("line")):
        exprs.append((f.kind, f.key))
    return exprs, relations, error


def _filter_expressions(filters: list, line: int | None) -> Iterable:
    from console.layerinitis.items import filter_expressions

    return filter_expressions(filters, line)


def _rule_kinds() -> tuple[frozenset[str], Any]:
    from console.layerinitis.duplicates import rule_worthy
    from console.layerinitis.items import RULE_KINDS

    return RULE_KINDS, rule_worthy


def judged_items(items: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    """The items as the judge sees them (place -> :class:`console.layerinitis.items.Item`), and
    the tools' own objects (LookML views, Metabase cards...) as the judge registers them, by
    tool (:func:`console.layerinitis.resolve.tool_objects`)."""
    from console.layerinitis.items import Item
    from console.layerinitis.resolve import tool_objects

    judged = {place_of(i): Item(place_of(i), i["tool"], i.get("kind") or "", i["file"], i.get("line"), i.get("name"),
                                meta=i.get("meta") or {}) for i in items}
    return judged, tool_objects(judged.values())


def _resolution_label(resolution: Any) -> str:
    if resolution.kind == "node":
        return resolution.unique_id
    return f"{resolution.kind}:{(resolution.parts[-1] or '').lower()}"


# -- scoring -------------------------------------------------------------------------------------


def evaluate(corpus: Path = CORPUS) -> Result:
    """Score every project of the corpus (see the module docstring)."""
    from collectors.sql_facts import dialect_for_adapter
    from collectors.sql_logic import analyse
    from console.layerinitis.resolve import resolve_written
    from console.relations import RelationIndex

    result = Result()
    rule_kinds, rule_worthy = _rule_kinds()
    for project in sorted(p for p in corpus.iterdir() if (p / "labels.yaml").is_file()):
        result.projects.append(project.name)
        context = yaml.safe_load((project / "nodes.yaml").read_text())
        labels = yaml.safe_load((project / "labels.yaml").read_text())
        dialect = dialect_for_adapter(context["adapter"])
        index = RelationIndex.from_nodes(_nodes_frame(context["nodes"]), adapter=context["adapter"])
        items = read_items(project, dialect)
        judged, objects = judged_items(items)
        by_place = {place_of(i): i for i in items}
        by_line = {(i["file"], i["line"]): i for i in items}
        labelled: set[str] = set()
        places_by_key: dict[str, set[str]] = {}
        lastmile_places: set[str] = set()

        def found(kind: str, key: str, place: str) -> None:
            if kind in rule_kinds and rule_worthy(key):
                places_by_key.setdefault(key, set()).add(place)

        for item in items:
            exprs, _, _ = _expressions(item, dialect)
            place = f"{project.name}/{place_of(item)}"
            lastmile_places.add(place)
            for kind, key in exprs:
                found(kind, key, place)
            result.per_tool[item["tool"]] = result.per_tool.get(item["tool"], 0) + 1
        for node in context["nodes"]:
            if node.get("compiled_code"):
                for e in analyse(node["compiled_code"], dialect)["expressions"]:
                    found(e["kind"], e["key"], node["unique_id"])

        for label in labels["items"]:
            ref = _label_place(label)
            item = by_place.get(ref) if label.get("name") is not None else by_line.get((label["file"], label["line"]))
            tag = f"{project.name}/{ref}: "
            expected_business = label["classification"] == "business"
            if item is None:
                result.classification.fn += int(expected_business)
                result.classification.misses.append(f"{tag}no such item")
                result.relations.add_sets(set(), set(label["relations"]), tag)
                continue
            labelled.add(place_of(item))
            result.items += 1
            exprs, sql_relations, error = _expressions(item, dialect)
            predicted = "business" if exprs else ("unparsed" if error else "pass-through")
            if predicted == "business" and expected_business:
                result.classification.tp += 1
            elif predicted == "business":
                result.classification.fp += 1
                result.classification.misses.append(f"{tag}business, labelled {label['classification']}")
            elif expected_business:
                result.classification.fn += 1
                result.classification.misses.append(f"{tag}{predicted} ({error or 'no business expression'}), labelled business")
            names = dict.fromkeys([*sql_relations, *(item.get("relations_read") or [])])
            resolved = {_resolution_label(resolve_written(index, objects, judged[place_of(item)], n)) for n in names}
            result.relations.add_sets(resolved, set(label["relations"]), tag)
            got = {f"{k}: {key}" for k, key in exprs}
            result.expressions.add_sets(got, set(label.get("expressions") or []), tag)
        result.unlabelled += [f"{project.name}/{p}" for p in by_place if p not in labelled]

        expected_pairs = set()
        for group in labels.get("duplicates") or []:
            for place in group["places"]:
                ref = place if place.startswith(("model.", "source.", "seed.", "snapshot.")) else f"{project.name}/{_canonical(place, by_place, by_line)}"
                expected_pairs.add((group["key"], ref))
        predicted_pairs = {
            (key, place)
            for key, places in places_by_key.items()
            if len(places) >= 2 and places & lastmile_places
            for place in places
        }
        result.duplicates.add_sets(predicted_pairs, expected_pairs, f"{project.name}: ")
    return result


def _canonical(ref: str, by_place: dict, by_line: dict) -> str:
    """A label's place as :func:`place_of` writes it (``file@line`` of a named item -> ``file#name``)."""
    if "@" in ref and "#" not in ref:
        file, line = ref.rsplit("@", 1)
        item = by_line.get((file, int(line)))
        return place_of(item) if item is not None else ref
    return ref


def report(result: Result | None = None) -> str:
    """The scores as text (what ``benchmarks/bench_lastmile.py`` prints)."""
    result = result or evaluate()
    tools = ", ".join(f"{t} {n}" for t, n in sorted(result.per_tool.items()))
    lines = [
        f"last-mile accuracy: {result.items} labelled items in {len(result.projects)} corpus projects ({tools})",
        f"  {'measure':<16} {'precision':>9} {'recall':>7}   tp  fp  fn",
    ]
    for name, s in [*result.scores().items(), ("expressions*", result.expressions)]:
        lines.append(f"  {name:<16} {s.precision:>9.3f} {s.recall:>7.3f} {s.tp:>4} {s.fp:>3} {s.fn:>3}")
    lines.append(f"  (* for information; the floor of the other three is {FLOOR})")
    if result.unlabelled:
        lines.append(f"  unlabelled items: {', '.join(result.unlabelled)}")
    for name, s in [*result.scores().items(), ("expressions", result.expressions)]:
        for miss in s.misses:
            lines.append(f"  {name}: {miss}")
    return "\n".join(lines)


def main() -> int:
    result = evaluate()
    print(report(result))
    return 0 if result.passed() else 1


if __name__ == "__main__":
    raise SystemExit(main())
