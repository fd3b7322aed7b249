"""LookML in a re-collect: resolve only what a change touches, and check new SQL on every core.

Used by :mod:`collectors.lastmile_phase`. The cache rows it reads are ``lastmile_files`` rows
without their path (see :data:`collectors.lastmile_phase.CACHE_COLUMNS`): tool at index 5,
payload 6, views 7, reads 8.
"""

from __future__ import annotations

import orjson

#: Fewer SQL texts to check than this: no process pool.
POOL_MIN_TEXTS = 512


def resolve_changed_lookml(tools, payloads, raw, fresh_docs, cache, removed, changed_rows, stored, dialect, docs_of) -> tuple[set[str], list[tuple]]:
    """Resolve LookML where a change needs it; returns the files whose items were rebuilt, and
    cache updates (path, payload, reads) for cached files resolved again.

    With earlier rows to patch, only the files that changed and the files reading a view that
    changed (``reads`` of the cache) are resolved, against the views they read; their parsed
    blocks (``docs_of(paths)``: path -> JSON text, from the phase's one visit to the store) are
    decoded for just those files. Otherwise every LookML file is.
    """
    lookml = {rel for rel, tool in tools.items() if tool == "lookml"}
    fresh = set(fresh_docs)
    gone = [r for r in removed if cache[r][5] == "lookml"]
    if not lookml:
        return set(), []
    from collectors.lastmile.lookml import defined_views, lookml_items  # (sqlglot: only with LookML)

    if stored is None:
        targets = set(lookml)
    elif not fresh and not gone:
        return set(), []
    else:
        changed = {v for r in fresh for v in defined_views(fresh_docs[r])}
        changed |= {v for r in (*fresh, *gone) if r in cache for v in (cache[r][7] or [])}
        targets = fresh | {r for r in lookml if r in cache and set(cache[r][8] or []) & changed}
    view_file: dict[str, str] = {}
    for r in sorted(lookml):
        for v in (defined_views(fresh_docs[r]) if r in fresh_docs else (cache[r][7] or [])):
            view_file.setdefault(v, r)
    docs: dict[str, dict | None] = dict(fresh_docs)
    need = set(targets) | {view_file[v] for r in targets if r in cache and r not in fresh for v in (cache[r][8] or []) if v in view_file}
    for r in targets:
        if r not in payloads:
            payloads[r] = orjson.loads(raw[r])
    known = {it["sql"]: it.get("parse_error") for r in targets for it in payloads[r]["items"] if it.get("sql")}
    while True:
        need -= set(docs)
        if need:
            texts = docs_of(need)
            docs.update((r, orjson.loads(texts[r]) if r in texts else None) for r in need)
        reads: dict[str, set[str]] = {}
        resolved = lookml_items(docs, dialect, known, only=targets, reads=reads, check_sql=False)
        need = {view_file[v] for vs in reads.values() for v in vs if v in view_file} - set(docs)
        if not need:
            break
    new_sql = sorted({it["sql"] for items, _ in resolved.values() for it in items if it.get("sql") and it["sql"] not in known})
    known.update(zip(new_sql, _check_all(new_sql, dialect)))
    for items, _ in resolved.values():
        for it in items:
            if it.get("sql"):
                it["parse_error"] = known[it["sql"]]
    rows = {row[0]: i for i, row in enumerate(changed_rows)}
    updates = []
    for rel in targets:
        items, skips = resolved.get(rel, ([], []))
        old = payloads[rel]
        parse_skips = old.get("parse_skips", old["skips"])
        payloads[rel] = {"tool": "lookml", "parse_skips": parse_skips, "items": items, "skips": parse_skips + skips}
        text = orjson.dumps(payloads[rel]).decode()
        read = sorted(reads.get(rel, ()))
        if rel in rows:
            row = changed_rows[rows[rel]]
            changed_rows[rows[rel]] = (*row[:7], text, row[8], row[9], read)
        else:
            updates.append((rel, text, read))
    return targets, updates


def _check_chunk(dialect: str, texts: list[str]) -> list[str | None]:
    from collectors.lastmile.sqltext import parse_error

    return [parse_error(t, dialect) for t in texts]


def _check_all(texts: list[str], dialect: str) -> list[str | None]:
    """sqlglot's verdict on each text (None: it parses), on a process pool when there are many."""
    from functools import partial

    from collectors.pool import run_chunks

    return run_chunks(partial(_check_chunk, dialect), texts, pool_min=POOL_MIN_TEXTS, per_worker=4, min_size=64)
