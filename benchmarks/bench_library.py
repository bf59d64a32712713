"""Library benchmark: index 10,000 generated documents of about 3,000 words in English, French
and Spanish, then search them, ours beside a plain ``LIKE '%word%'`` scan.

    .venv/bin/python benchmarks/bench_library.py [--docs 10000] [--words 3000] [--clients 20]
        [--seconds 30] [--batch 200] [--baseline-queries 40] [--postgres] [--seed 87]

Documents. Words are drawn (seeded) from real text of each language found in this repository:
the French and Spanish translations (``msgstr`` of locale/*/LC_MESSAGES/*.po) with the bundled
catalogue's summaries, and the English docs (docs/*.md) with the catalogue's English entries.
Each language's words are ranked by their frequency there and drawn with a Zipf law over that
rank (p ~ 1/r, as word frequencies in natural text). Each document is a text file of 3,000
words +/-10%, with sentences, written to a temporary folder.

Indexing goes through the library's own code: ``library.bulk.add_documents`` (the steps of
``add_document``: checks, extraction, language, stems, the row, the FTS5 row, the file kept
under its sha256; a transaction per --batch documents, each distinct word stemmed once).
Throughput is documents and words per second of that call.

Search. The queries are 1 to 3 words of one language, drawn from ranks 20-3,000 (frequent to
rare; the 20 most frequent, function words, left out), with ``lang`` set. Three measures:
  in-process  ``library.find(engine, q, lang=..., limit=10, keep=False)`` one query at a
              time (every query does the whole work), and the
              baseline ``SELECT id FROM library_document WHERE text LIKE '%w1%' AND ...`` on
              the same database, same queries (--baseline-queries of them: each scan reads
              every text), same connection pool: the ratio is baseline / ours;
  HTTP        --clients concurrent keep-alive clients for --seconds against
              ``GET /api/v1/library/search?q=...&lang=xx&limit=10`` of ``target87 serve``
              (2 workers), p50/p95/p99 against the target p95 < 50 ms: first with every
              request a query never asked before (the work itself), then with the --queries
              pool repeated (results are kept until the library changes: ``library.find``).
              If the endpoint is not there (404), the same load runs in-process with
              --clients threads, and says so.
Index size: SQLite's ``dbstat`` per table: the FTS5 tables, and the stemmed columns
(``index_title``, ``index_text``) of ``library_document``, against the text the baseline scans.
With --postgres the indexing and in-process measures are repeated on a temporary PostgreSQL
server (scripts/pg_server.py), its sizes from ``pg_total_relation_size``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import yaml
from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import (  # noqa: E402
    Connection,
    free_port,
    percentile_ms,
    run_loop,
    start_server,
    stop_server,
    warn_if_busy,
)
from target87 import store  # noqa: E402
from target87.library import DocumentMeta, find  # noqa: E402
from target87.library.bulk import add_documents  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "fr", "es")
WORD = re.compile(r"[^\W\d_]{2,}")
SKIP_TOP = 20  # function words: the search would match nearly every document
QUERY_RANKS = (SKIP_TOP, 3000)
TARGET_P95_MS = 50.0


def _msgstr_text(path: Path) -> str:
    """The translated strings of a .po file (msgstr and its continuation lines)."""
    out, in_str = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgstr"):
            in_str = True
            out.append(line.split(" ", 1)[1] if " " in line else "")
        elif line.startswith(("msgid", "#")):
            in_str = False
        elif line.startswith('"') and in_str:
            out.append(line)
    return " ".join(out).replace("\\n", " ")


def vocabularies() -> dict[str, list[str]]:
    """Each language's words from real text here, most frequent first."""
    texts = {lang: [] for lang in LANGUAGES}
    for lang in ("fr", "es"):
        for po in sorted((ROOT / f"src/target87/locale/{lang}/LC_MESSAGES").glob("*.po")):
            texts[lang].append(_msgstr_text(po))
    texts["en"] += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]
    catalogue = ROOT / "src/target87/library/data/catalogue.yaml"
    if catalogue.exists():
        for entry in yaml.safe_load(catalogue.read_text(encoding="utf-8")) or []:
            if entry.get("language") in texts:
                texts[entry["language"]].append(f"{entry['title']} {entry['summary']}")
    ranked = {}
    for lang, parts in texts.items():
        counts = collections.Counter(w.lower() for w in WORD.findall(" ".join(parts)))
        ranked[lang] = [w for w, _ in counts.most_common()]
    return ranked


def zipf(size: int, exponent: float = 1.0) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** exponent
    return weights / weights.sum()


def generate(folder: Path, docs: int, words: int, seed: int, vocab) -> tuple[list, int]:
    """Write the documents; returns ((path, meta) list, total words)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    laws = {lang: zipf(len(vocab[lang])) for lang in LANGUAGES}
    arrays = {lang: np.array(vocab[lang], dtype=object) for lang in LANGUAGES}
    files, total = [], 0
    for i in range(docs):
        lang = LANGUAGES[i % 3]
        n = int(rng.integers(int(words * 0.9), int(words * 1.1) + 1))
        drawn = arrays[lang][rng.choice(len(arrays[lang]), size=n, p=laws[lang])]
        title = " ".join(drawn[:6]).capitalize()
        sentences = []
        for start in range(6, n, 15):  # sentences of 15 words
            chunk = drawn[start : start + 15]
            sentences.append(" ".join(chunk).capitalize() + ".")
        path = folder / f"doc{i:05d}.txt"
        path.write_text(" ".join(sentences) + f" {i}", encoding="utf-8")
        files.append((path, DocumentMeta(title=title, language=lang, doc_type="report")))
        total += n - 6
    return files, total


def make_queries(vocab, count: int, seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed + 1)
    out = []
    for i in range(count):
        lang = LANGUAGES[i % 3]
        low, high = QUERY_RANKS[0], min(QUERY_RANKS[1], len(vocab[lang]))
        n = int(rng.integers(1, 4))
        picks = rng.integers(low, high, size=n)
        out.append((" ".join(vocab[lang][int(p)] for p in picks), lang))
    return out


def like_baseline(engine: Engine, query: str) -> int:
    words = query.split()
    where = " AND ".join(f"text LIKE :w{i}" for i in range(len(words)))
    params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
    with engine.connect() as conn:
        return len(
            conn.execute(text(f"SELECT id FROM library_document WHERE {where}"), params).all()
        )


def timed(fn, queries) -> tuple[list[float], list[int]]:
    latencies, totals = [], []
    for q in queries:
        start = time.perf_counter()
        totals.append(fn(q))
        latencies.append(time.perf_counter() - start)
    return latencies, totals


def in_process(engine: Engine, queries, baseline_count: int) -> dict:
    # keep=False: every query does the whole work (no kept result), as the public asks it
    ours = lambda q: find(engine, q[0], lang=q[1], limit=10, keep=False).total  # noqa: E731
    find(engine, queries[0][0], lang=queries[0][1], keep=False)  # warm the pool
    sample = queries[:baseline_count]
    ours_lat, ours_tot = timed(ours, sample)
    base_lat, base_tot = timed(lambda q: like_baseline(engine, q[0]), sample)
    return {"ours": ours_lat, "base": base_lat, "ours_total": ours_tot, "base_total": base_tot}


async def http_clients(port: int, queries, clients: int, seconds: float):
    latencies, errors = [], collections.Counter()
    deadline = time.perf_counter() + seconds

    async def client(k: int):
        conn = Connection("127.0.0.1", port)
        i = k
        while time.perf_counter() < deadline:
            q, lang = queries[i % len(queries)]
            i += clients
            path = "/api/v1/library/search?" + urlencode({"q": q, "lang": lang, "limit": 10})
            start = time.perf_counter()
            try:
                status, body = await conn.get(path)
            except (OSError, asyncio.IncompleteReadError, ConnectionError) as exc:
                errors[type(exc).__name__] += 1
                await conn.close()
                conn = Connection("127.0.0.1", port)
                continue
            if status == 200:
                latencies.append(time.perf_counter() - start)
            else:
                errors[str(status)] += 1
        await conn.close()

    await asyncio.gather(*(client(k) for k in range(clients)))
    return latencies, errors


async def warm_up(port: int, queries, clients: int) -> None:
    """Ask every query of ``queries`` once, over ``clients`` connections (answers unread)."""
    todo = list(queries)

    async def client():
        conn = Connection("127.0.0.1", port)
        while todo:
            q, lang = todo.pop()
            await conn.get(
                "/api/v1/library/search?" + urlencode({"q": q, "lang": lang, "limit": 10})
            )
        await conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))


def thread_clients(engine: Engine, queries, clients: int, seconds: float):
    latencies, lock = [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(k: int):
        i = k
        while time.perf_counter() < deadline:
            q, lang = queries[i % len(queries)]
            i += clients
            start = time.perf_counter()
            find(engine, q, lang=lang, limit=10)
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, collections.Counter()


def endpoint_answers(port: int, query: tuple[str, str]) -> tuple[bool, str]:
    async def once():
        conn = Connection("127.0.0.1", port)
        path = "/api/v1/library/search?" + urlencode({"q": query[0], "lang": query[1]})
        status, body = await conn.get(path)
        await conn.close()
        return status, body

    status, body = run_loop(once())
    if status != 200:
        return False, f"HTTP {status}"
    data = json.loads(body)
    missing = {"query", "total", "hits"} - set(data)
    return (not missing, f"keys missing: {missing}" if missing else "")


def sqlite_sizes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        pages = dict(conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all())
        lengths = conn.execute(
            text(
                "SELECT SUM(LENGTH(CAST(text AS BLOB))), "
                "SUM(LENGTH(index_title) + LENGTH(index_text)) FROM library_document"
            )
        ).one()
    fts = sum(v for k, v in pages.items() if k.startswith("library_fts"))
    return {
        "fts": fts,
        "document_table": pages.get("library_document", 0),
        "text_bytes": lengths[0] or 0,
        "stem_bytes": lengths[1] or 0,
    }


def postgres_sizes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        total = conn.execute(text("SELECT pg_total_relation_size('library_document')")).scalar()
        lengths = conn.execute(
            text(
                "SELECT SUM(OCTET_LENGTH(text)), "
                "SUM(OCTET_LENGTH(index_title) + OCTET_LENGTH(index_text)) FROM library_document"
            )
        ).one()
    return {"document_table": total, "text_bytes": lengths[0], "stem_bytes": lengths[1]}


def mb(n: float) -> str:
    return f"{n / 1024**2:,.1f} MB"


def row(label: str, ours: float, base: float | None, unit: str = "ms") -> str:
    if base is None:
        return f"  {label:<34} {ours:>12,.1f} {unit:<3} {'':>14} {'':>9}"
    ratio = base / ours if ours else float("inf")
    return f"  {label:<34} {ours:>12,.1f} {unit:<3} {base:>12,.1f} {unit:<3} {ratio:>7,.1f}x"


def index_phase(url: str, files, total_words: int, args, workdir: Path) -> Engine:
    engine = store.make_engine(url)
    store.migrate(engine)
    start = time.perf_counter()
    done = add_documents(engine, files, data_dir=workdir / "data", batch_size=args.batch)
    seconds = time.perf_counter() - start
    if done.failed:
        raise SystemExit(f"indexing stopped at {done.failed[0]}: {done.failed[1]}")
    print(
        f"  indexed {done.created:,} documents, {total_words:,} words in {seconds:,.1f} s: "
        f"{done.created / seconds:,.1f} documents/s, {total_words / seconds:,.0f} words/s "
        f"(batches of {args.batch})",
        flush=True,
    )
    return engine


def print_in_process(measured: dict) -> None:
    print(f"  {'':<34} {'ours':>16} {'LIKE baseline':>16} {'ratio':>9}")
    for q in (50, 95, 99):
        ours, base = percentile_ms(measured["ours"], q), percentile_ms(measured["base"], q)
        print(row(f"in-process p{q}, one client", ours, base))
    agree = sum(o <= b for o, b in zip(measured["ours_total"], measured["base_total"], strict=True))
    print(
        f"  (matches per query, ours vs LIKE: median {np.median(measured['ours_total']):,.0f} vs "
        f"{np.median(measured['base_total']):,.0f}; LIKE matches substrings, ours whole stemmed "
        f"words: ours <= LIKE on {agree}/{len(measured['ours'])} queries)"
    )


def run_sqlite(args, workdir: Path, files, total_words: int, queries, distinct) -> bool:
    path = workdir / "library.sqlite"
    url = f"sqlite:///{path}"
    print("\nSQLite", flush=True)
    engine = index_phase(url, files, total_words, args, workdir)
    size = sqlite_sizes(engine)
    measured = in_process(engine, queries, args.baseline_queries)
    print_in_process(measured)
    engine.dispose()
    port = free_port()
    proc = start_server(url, port, workdir / "server.log", workers=2)
    try:
        ok, why = endpoint_answers(port, queries[0])
        if ok:
            # First every request a query never asked before (the work itself), then the
            # --queries pool asked over and over (results kept until the library changes).
            how = f"HTTP, {args.clients} clients, `serve --workers 2`"
            cold, cold_errors = run_loop(http_clients(port, distinct, args.clients, args.seconds))
            print(f"  concurrent search, every query new ({how}): {len(cold):,} answers")
            for q in (50, 95, 99):
                print(row(f"p{q}", percentile_ms(cold, q), None))
            print(f"  errors {dict(cold_errors)}")
            # Warm-up, not counted: every pool query asked 6 times, so that each of the two
            # worker processes (which keep their own results) has most likely seen it.
            run_loop(warm_up(port, queries * 6, args.clients))
            lat, errors = run_loop(http_clients(port, queries, args.clients, args.seconds))
            errors.update(cold_errors)
            how += f", the {len(queries)} queries of the pool repeated"
        else:
            how = f"in-process, {args.clients} threads (the API answered {why})"
    finally:
        stop_server(proc)
    if not ok:
        engine = store.make_engine(url)
        lat, errors = thread_clients(engine, queries, args.clients, args.seconds)
        engine.dispose()
    p95 = percentile_ms(lat, 95)
    print(f"  concurrent search ({how}): {len(lat):,} answers in {args.seconds:.0f} s")
    for q in (50, 95, 99):
        print(row(f"p{q}", percentile_ms(lat, q), None))
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(
        f"  target p95 < {TARGET_P95_MS:.0f} ms: {verdict} ({p95:,.1f} ms); errors {dict(errors)}"
    )
    if errors:
        tail = (workdir / "server.log").read_text(errors="replace").splitlines()[-12:]
        print("  the server's log ends:\n    " + "\n    ".join(tail))
    print(
        f"  size: database file {mb(path.stat().st_size)}; FTS5 index {mb(size['fts'])}; "
        f"library_document table {mb(size['document_table'])}, of which stems "
        f"(index_title/index_text) {mb(size['stem_bytes'])} and the text the baseline scans "
        f"{mb(size['text_bytes'])}"
    )
    print(
        f"  index overhead (FTS5 + stems) / text: "
        f"{(size['fts'] + size['stem_bytes']) / max(size['text_bytes'], 1):,.2f}"
    )
    return ok and p95 < TARGET_P95_MS and not errors


def run_postgres(args, workdir: Path, files, total_words: int, queries) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from pg_server import temporary_postgres

    print("\nPostgreSQL", flush=True)
    with temporary_postgres() as url:
        engine = index_phase(url, files, total_words, args, workdir / "pg")
        measured = in_process(engine, queries, args.baseline_queries)
        print_in_process(measured)
        size = postgres_sizes(engine)
        print(
            f"  size: library_document with its indexes and TOAST {mb(size['document_table'])}; "
            f"stems {mb(size['stem_bytes'])}, text {mb(size['text_bytes'])}"
        )
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=3_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-queries", type=int, default=40)
    parser.add_argument("--seed", type=int, default=87)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--workdir", type=Path, help="keep texts, database and server log here")
    args = parser.parse_args()
    warn_if_busy()
    vocab = vocabularies()
    sizes = ", ".join(f"{lang} {len(vocab[lang]):,}" for lang in LANGUAGES)
    print(
        f"Library benchmark: {args.docs:,} documents of ~{args.words:,} words; vocabularies {sizes}"
    )
    queries = make_queries(vocab, args.queries, args.seed)
    distinct = list(dict.fromkeys(make_queries(vocab, 30_000, args.seed + 1)))
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        files, total_words = generate(workdir / "texts", args.docs, args.words, args.seed, vocab)
        print(f"  generated in {time.perf_counter() - start:,.1f} s (not counted)", flush=True)
        ok = run_sqlite(args, workdir, files, total_words, queries, distinct)
        if args.postgres:
            run_postgres(args, workdir, files, total_words, queries)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
