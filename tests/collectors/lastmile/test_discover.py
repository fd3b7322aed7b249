"""Finding last-mile files: one scandir walk, one stat per file, the folders passed over."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from collectors.lastmile.discover import find_files, scan_files
from collectors.lastmile.owners import find_checkout, owner_state
from console.errors import InputError


def _tree(root: Path) -> None:
    for rel, text in {
        "lastmile/lookml/a.view.lkml": "view: a {}\n",
        "lastmile/app/q.py": 'Q = "select 1"\n',
        "lastmile/app/types.d.ts": "export type T = string\n",
        "lastmile/app/README.md": "notes\n",
        "lastmile/node_modules/dep/x.js": "var q = 'select 1'\n",
        "lastmile/.hidden/y.py": "Y = 1\n",
        "lastmile/notebooks/n.ipynb": "{}",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_walk_finds_reader_files_with_their_stat_and_counts_the_others(tmp_path):
    _tree(tmp_path)
    found, others = scan_files((tmp_path / "lastmile",), tmp_path)
    assert [(f.rel, f.kind) for f in found] == [
        ("lastmile/app/q.py", "python"), ("lastmile/lookml/a.view.lkml", "lookml"), ("lastmile/notebooks/n.ipynb", "notebook"),
    ]
    assert others == 2  # types.d.ts and README.md; node_modules and hidden folders are not walked
    st = os.stat(tmp_path / "lastmile" / "app" / "q.py")
    q = found[0]
    assert (q.size, q.mtime_ns, q.mtime) == (st.st_size, st.st_mtime_ns, st.st_mtime)
    assert q.path == str(tmp_path / "lastmile" / "app" / "q.py")
    assert find_files((tmp_path / "lastmile",), tmp_path) == ([(Path(f.path), f.rel, f.kind) for f in found], 2)


def test_links_one_file_given_and_a_missing_path(tmp_path):
    _tree(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "z.py").write_text('Z = "select 2"\n')
    os.symlink(outside, tmp_path / "lastmile" / "linked")  # a linked folder is not followed
    os.symlink(tmp_path / "gone.py", tmp_path / "lastmile" / "broken.py")  # a broken link is left out
    found, _ = scan_files((tmp_path / "lastmile",), tmp_path)
    assert not any(f.rel.startswith("lastmile/linked") or f.rel.endswith("broken.py") for f in found)
    one, others = scan_files((outside / "z.py", tmp_path / "lastmile" / "app" / "README.md"), tmp_path)
    assert [(f.rel, f.kind) for f in one] == [("outside/z.py", "python")] and others == 1
    with pytest.raises(InputError, match="last-mile path not found"):
        scan_files((tmp_path / "nope",), tmp_path)


def test_checkouts_are_found_from_dot_git_without_asking_git_per_folder(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "plain").mkdir()
    seen: dict = {}
    assert find_checkout(str(tmp_path / "repo" / "a" / "b"), seen) == str(tmp_path / "repo")
    assert seen[str(tmp_path / "repo" / "a")] == str(tmp_path / "repo")  # every folder climbed is remembered
    assert find_checkout(str(tmp_path / "plain"), seen) != str(tmp_path / "repo")
    files = [str(tmp_path / "repo" / "a" / "b" / "x.py"), str(tmp_path / "repo" / "y.py")]
    state = owner_state(files, tmp_path)
    assert list(state) == [str(tmp_path / "repo")] and state[str(tmp_path / "repo")][0] is None  # one checkout, no HEAD
    (tmp_path / "repo" / "CODEOWNERS").write_text("* @data\n")
    assert owner_state(files, tmp_path)[str(tmp_path / "repo")][1] != state[str(tmp_path / "repo")][1]
