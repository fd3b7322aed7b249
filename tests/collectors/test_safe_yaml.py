"""safe_load_yaml: PyYAML's safe results, without its blow-ups."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.dbt_project.safe_yaml import MAX_ALIAS_NODES, safe_load_yaml
from console.errors import InputError

P = Path("schema.yml")


def best_seconds(fn, repeat: int = 3) -> float:
    """Best wall time of ``fn`` (exceptions count as the end of the work)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            fn()
        except InputError:
            pass
        best = min(best, time.perf_counter() - started)
    return best


def largest_allowed_document() -> float:
    """Baseline: loading a plain document of MAX_ALIAS_NODES scalars, the most a bomb may stand for."""
    text = "items: [" + ", ".join(["lol"] * MAX_ALIAS_NODES) + "]\n"
    return best_seconds(lambda: safe_load_yaml(P, text))

SAME_AS_PYYAML = [
    "version: 2\nmodels:\n  - name: orders\n    columns: [{name: id, data_tests: [unique]}]\n",
    "a: 1\nb: 0x1f\nc: 1_000\nd: 1.5e3\ne: .inf\nf: yes\ng: ~\nh: 2024-01-02\n",
    "i: 2024-01-02T03:04:05Z\nj: '1'\nk: !!str 12\nm: 0o17\nn: 190:20:30\no: NO\np: -.5\nq: +12\n",
    "1: one\ntrue: t\nnull: n\n2024-01-01: d\n3.5: f\n",
    "base: &b {x: 1, y: [1, 2]}\nd:\n  <<: *b\n  y: 2\n",  # merge key: PyYAML's own path
    "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\n",
    "- &a x\n- *a\n- &l [1, 2]\n- *l\n",
    "key: |\n  multi\n  line\nfolded: >\n  one\n  two\n",
    "{a: 1, b: [1, 2, {c: d}], 'e f': \"g\\th\"}",
    "!!map {a: 1}",
    "= : v\n",
    "",
    "# only a comment\n",
    "--- \na: 1\n...\n",
    "a: 'it''s'\nb: \"\\u00e9\"\nc: caf\u00e9\n",
    "empty:\nlist: []\nmap: {}\n",
]


@pytest.mark.parametrize("text", SAME_AS_PYYAML)
def test_same_values_as_pyyaml(text):
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    got = safe_load_yaml(P, text)
    assert got == expected and repr(got) == repr(expected)


def test_aliases_share_like_pyyaml():
    got = safe_load_yaml(P, "a: &x [1]\nb: *x\n")
    assert got["a"] is got["b"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "models: [a, b\n",
            "invalid YAML at line 2, column 1: did not find expected ',' or ']' while parsing a flow sequence",
        ),
        ("a: b: c\n", "invalid YAML at line 1, column 5: mapping values are not allowed in this context"),
        ("a: *nowhere\n", "invalid YAML at line 1, column 4: found undefined alias"),
        ("? [a, b]\n: c\n", "invalid YAML at line 1, column 3: found unhashable key while constructing a mapping"),
        (
            "a: 1\n---\nb: 2\n",
            "invalid YAML at line 2, column 1: expected a single document in the stream but found another document",
        ),
        (
            "a: !python/object:os.system x\n",
            "invalid YAML at line 1, column 4: could not determine a constructor for the tag '!python/object:os.system'",
        ),
        (
            "a:\n\tb: 1\n",
            "invalid YAML at line 2, column 1: found character that cannot start any token while scanning for the next token",
        ),
        ("d: 2024-13-45\n", "invalid YAML value: month must be in 1..12"),
        (
            "k: =\n",
            "invalid YAML at line 1, column 4: could not determine a constructor for the tag 'tag:yaml.org,2002:value'",
        ),
    ],
)
def test_errors_name_the_line(text, problem):
    with pytest.raises(InputError) as caught:
        safe_load_yaml(P, text)
    assert caught.value.path == "schema.yml"
    assert caught.value.problem.startswith(problem)


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['l0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast():
    with pytest.raises(InputError, match="aliases expand to more than 100,000 nodes"):
        safe_load_yaml(P, billion_laughs())
    # refusing costs no more than reading the largest document a bomb may stand for
    assert best_seconds(lambda: safe_load_yaml(P, billion_laughs())) < 2 * largest_allowed_document()


def test_few_aliases_that_expand_a_lot_are_refused():
    # 30 aliases, each standing for a 10,000-node list
    text = "big: &big [" + ", ".join(["x"] * 9_999) + "]\nuses: [" + ", ".join(["*big"] * 30) + "]\n"
    with pytest.raises(InputError, match="possible alias bomb"):
        safe_load_yaml(P, text)


def test_ordinary_anchors_are_fine():
    # 500 models sharing one anchored column list (3 columns): 500 * 7 nodes through aliases
    text = "x-cols: &cols\n  - {name: id}\n  - {name: a}\n  - {name: b}\nmodels:\n"
    text += "".join(f"  - name: m{i}\n    columns: *cols\n" for i in range(500))
    doc = safe_load_yaml(P, text)
    assert len(doc["models"]) == 500 and doc["models"][499]["columns"][2] == {"name": "b"}
    assert MAX_ALIAS_NODES > 500 * 7


def test_recursive_alias_is_refused():
    with pytest.raises(InputError, match="refers to a collection that contains it"):
        safe_load_yaml(P, "a: &a\n  b: *a\n")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 2_000_000 + "]" * 2_000_000,  # libyaml alone would take hours: quadratic in flow depth
        "- " * 3_000_000 + "x\n",
        "{a: " * 100_000 + "1" + "}" * 100_000,
    ],
    ids=["flow", "block", "flow-mapping"],
)
def test_deep_nesting_is_refused_fast(text):
    with pytest.raises(InputError, match="nested deeper than 64 levels"):
        safe_load_yaml(P, text)
    # refused as soon as the 65th level opens: far cheaper than the largest plain document
    assert best_seconds(lambda: safe_load_yaml(P, text)) < largest_allowed_document()


def test_64_levels_are_fine():
    got = safe_load_yaml(P, "[" * 64 + "]" * 64)
    for _ in range(63):
        assert len(got) == 1
        got = got[0]
    assert got == []


def test_size_and_encoding(tmp_path):
    big = tmp_path / "big.yml"
    big.write_bytes(b"a: 1\n" + b" " * (10 * 1024 * 1024))
    with pytest.raises(InputError, match="over the 10 MB limit"):
        safe_load_yaml(big)
    latin = tmp_path / "latin.yml"
    latin.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        safe_load_yaml(latin)
    assert str(caught.value) == f"{latin}: not UTF-8 text (line 2)"
    bom = tmp_path / "bom.yml"
    bom.write_bytes("\ufeffa: 1\n".encode())
    assert safe_load_yaml(bom) == {"a": 1}
    with pytest.raises(InputError, match="cannot read"):
        safe_load_yaml(tmp_path / "missing.yml")


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, width=32), st.text(max_size=12), st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.sampled_from(["yes", "No", "~", "null", "0x1A", "1_000", "12:30:00", ".inf", "1e3", "=", "<<", "2024-01-01"]),
)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans())
def test_any_dumped_document_loads_as_pyyaml_loads_it(doc, flow):
    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    got = safe_load_yaml(P, text)
    assert got == expected and repr(got) == repr(expected)
