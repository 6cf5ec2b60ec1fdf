"""Coding throughput with concurrent writers, and the latency of one coding action.

For SQLite (a study file in WAL mode; writers queue with BEGIN IMMEDIATE and a busy timeout)
and PostgreSQL (SOCIALCODER_BENCH_PG_URL, else the development server
postgresql+psycopg://postgres@127.0.0.1:55432/postgres; skipped with a message when not
reachable), it prints:

* throughput: codes per second with 1, 4 and 8 writer processes, each a different coder,
  every action one ``set_code`` transaction (as the GUI does for one keystroke);
* latency: median and 95th percentile of one ``set_code`` with no other writer.

On PostgreSQL it measures twice: the study used by its owner (plain tables, SocialCoder writes
the audit entry), and in server mode (``server setup``), each writer with its own coder's
login: every keystroke goes through the study's SECURITY DEFINER function and the database
writes the audit entry. The ratio of the two is the price of server mode on the keypress path.

Run: python benchmarks/bench_concurrency.py [--actions N]   (from the repository root)
Every study is made in a temporary folder or a temporary database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEV_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
CODER = "CODERNAME"  # in a target: each writer's coder name (its login in server mode)
DIMS = ("concordance", "incongruent_principles", "resistance")
VALUES = {"concordance": ("1", "0"), "incongruent_principles": ("0", "1"),
          "resistance": ("mild", "strong")}  # fmt: skip


def make_study(target: str, coders: int) -> list[tuple[str, str, int, str]]:
    """The sample transcripts and ``coders`` coders; returns the codable units (transcript
    name, its masked label, segment, dimension). A coder's login on a blinded study (blinding
    is on in a new study) knows a transcript by its label only."""
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.coders import add_coders
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import import_transcripts, read_manifest
    from socialcoder.services.transcript_list import list_transcripts
    from socialcoder.services.transcript_view import show_transcript

    with create_study(target, codebook_path=DEFAULT_CODEBOOK_PATH) as study:
        import_transcripts(study, read_manifest(REPO / "sample_transcripts" / "manifest.csv"))
        add_coders(study, [f"coder{i}" for i in range(coders)])
        return [
            (t.name, t.label, s.index, d)
            for t in list_transcripts(study)
            for s in show_transcript(study, t.name).segments
            if s.role == "patient"
            for d in DIMS
        ]


def writer(target: str, coder: str, units: list, actions: int, start, out) -> None:
    from socialcoder.services.coding import set_code
    from socialcoder.services.study import open_study

    try:
        with open_study(target.replace(CODER, coder)) as study:
            start.wait()
            begun = time.perf_counter()
            for n in range(actions):
                t, i, d = units[n % len(units)]
                value = VALUES[d][(n // len(units)) % 2]
                set_code(study, coder=coder, transcript=t, segment=i, dimension=d, value=value)
            out.put(time.perf_counter() - begun)
    except Exception as exc:  # report, so that the benchmark stops instead of waiting
        start.abort()
        out.put(f"writer {coder} failed: {exc}")


def throughput(target: str, units: list, writers: int, actions: int) -> float:
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(writers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(target, f"coder{i}", units, actions, start, out))
        for i in range(writers)
    ]
    for p in procs:
        p.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a writer failed: it says why
        start.wait()
    begun = time.perf_counter()
    for _ in procs:
        got = out.get(timeout=900)
        if isinstance(got, str):
            for p in procs:
                p.terminate()
            raise SystemExit(got)
    elapsed = time.perf_counter() - begun
    for p in procs:
        p.join()
    return writers * actions / elapsed


def latency(target: str, units: list, samples: int) -> tuple[float, float]:
    from socialcoder.services.coding import set_code
    from socialcoder.services.study import open_study

    times = []
    with open_study(target.replace(CODER, "coder0")) as study:
        for n in range(samples):
            t, i, d = units[n % len(units)]
            value = VALUES[d][(n // len(units)) % 2]
            begun = time.perf_counter()
            set_code(study, coder="coder0", transcript=t, segment=i, dimension=d, value=value)
            times.append((time.perf_counter() - begun) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def as_known(units: list, by_label: bool) -> list[tuple[str, int, str]]:
    """The units as a login knows them: by transcript name, or by label (a coder's login)."""
    return [(label if by_label else name, i, d) for name, label, i, d in units]


def run_backend(label: str, make_target, actions: int, prepare=None) -> None:
    """``prepare(target, coders) -> target`` turns a made study into what the writers open
    (``CODER`` in it stands for each writer's coder name); with ``prepare`` (server mode) the
    writers are coders' logins, which know transcripts by label."""
    by_label = prepare is not None
    print(f"\n{label}")
    prepare = prepare or (lambda target, _coders: target)
    for writers in (1, 4, 8):
        target, cleanup = make_target()
        try:
            units = as_known(make_study(target, writers), by_label)
            target = prepare(target, writers)
            rate = throughput(target, units, writers, actions)
            print(f"  {writers} writer(s): {rate:8.1f} codes/s  ({writers} x {actions} set_code)")
        finally:
            cleanup()
    target, cleanup = make_target()
    try:
        units = as_known(make_study(target, 1), by_label)
        target = prepare(target, 1)
        median, p95 = latency(target, units, max(200, actions))
        print(f"  one set_code, no other writer: median {median:.2f} ms, p95 {p95:.2f} ms")
    finally:
        cleanup()


def sqlite_targets():
    folder = Path(tempfile.mkdtemp(prefix="sc_bench_"))

    def make():
        path = folder / f"{uuid.uuid4().hex[:8]}.scstudy"
        return str(path), lambda: [p.unlink(missing_ok=True) for p in folder.glob(path.name + "*")]

    return make


def pg_targets(admin_url: str, owner: str | None = None):
    """Fresh databases; with ``owner``, owned by that role and addressed as it (the study is
    then made by an ordinary owner, as server mode requires)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def make():
        name = f"sc_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' OWNER "{owner}"' if owner else "")))

        def drop() -> None:
            from socialcoder.services.server import study_groups

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                groups = study_groups(name)
                for role in (groups.lead, groups.coder):
                    conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))

        url = make_url(admin_url).set(database=name)
        return url.set(username=owner or url.username).render_as_string(False), drop

    return make


def server_mode(admin_url: str, prefix: str):
    """``prepare`` for run_backend: set the study up as the superuser, give each coder a login
    (``{prefix}_coderN``, made once), and let the writers open it as their own login."""
    from sqlalchemy.engine import make_url

    from socialcoder.services.server import setup_server
    from socialcoder.services.server_logins import add_coder_login

    def prepare(target: str, coders: int) -> str:
        admin = make_url(target).set(username=make_url(admin_url).username)
        admin_target = admin.render_as_string(False)
        setup_server(admin_target)
        for i in range(coders):
            add_coder_login(admin_target, f"coder{i}", f"{prefix}_coder{i}")
        return admin.set(username=f"{prefix}_" + CODER).render_as_string(False)

    return prepare


def pg_reachable(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure: report and skip PostgreSQL
        return str(exc).splitlines()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=300, help="set_code calls per writer")
    args = parser.parse_args()
    print(
        f"SocialCoder concurrency benchmark ({os.cpu_count()} CPUs, {args.actions} actions/writer)"
    )
    run_backend("SQLite (WAL, BEGIN IMMEDIATE)", sqlite_targets(), args.actions)
    pg_url = os.environ.get("SOCIALCODER_BENCH_PG_URL", DEV_PG)
    problem = pg_reachable(pg_url)
    if problem:
        print(f"\nPostgreSQL: skipped, server not reachable at {pg_url} ({problem})")
    else:
        run_backend(
            "PostgreSQL (the study's owner: plain tables)", pg_targets(pg_url), args.actions
        )
        run_server_mode(pg_url, args.actions)
    return 0


def compare_paths(pg_url: str, prefix: str, owner: str, samples: int) -> None:
    """One keystroke's latency on the three PostgreSQL paths, interleaved (so that a busy
    machine weighs on all three alike), with the ratios to the plain path (the anchor)."""
    from sqlalchemy.engine import make_url

    from socialcoder.services.coding import set_code
    from socialcoder.services.server_logins import add_lead_login
    from socialcoder.services.study import open_study

    make = pg_targets(pg_url, owner)
    (plain, drop_plain), (served, drop_served) = make(), make()
    try:
        units = as_known(make_study(plain, 2), by_label=False)
        served_units = make_study(served, 2)
        labelled = as_known(served_units, by_label=True)
        coder_url = server_mode(pg_url, prefix)(served, 1).replace(CODER, "coder0")
        admin = make_url(served).set(username=make_url(pg_url).username)
        add_lead_login(admin.render_as_string(False), f"{prefix}_lead")
        lead_url = admin.set(username=f"{prefix}_lead").render_as_string(False)
        paths = [
            ("owner, plain tables (anchor)", open_study(plain), "coder0", units),
            (
                "lead, server mode (triggers audit)",
                open_study(lead_url),
                "coder1",
                as_known(served_units, by_label=False),
            ),
            ("coder's login, server mode (functions)", open_study(coder_url), "coder0", labelled),
        ]
        times: list[list[float]] = [[] for _ in paths]
        for n in range(samples):
            for k, (_, study, coder, known) in enumerate(paths):
                t, i, d = known[n % len(known)]
                value = VALUES[d][(n // len(known)) % 2]
                begun = time.perf_counter()
                set_code(study, coder=coder, transcript=t, segment=i, dimension=d, value=value)
                times[k].append((time.perf_counter() - begun) * 1000)
        print(f"\nOne set_code on each PostgreSQL path, interleaved ({samples} each):")
        anchor = statistics.median(times[0])
        for (label, study, _, _), measured in zip(paths, times, strict=True):
            study.close()
            measured.sort()
            median = statistics.median(measured)
            p95 = measured[int(0.95 * (len(measured) - 1))]
            print(f"  {label:40s} median {median:6.2f} ms, p95 {p95:6.2f} ms, "
                  f"{median / anchor:4.2f}x the anchor")  # fmt: skip
    finally:
        drop_plain()
        drop_served()


def run_server_mode(pg_url: str, actions: int) -> None:
    from sqlalchemy import create_engine, text

    prefix = f"sc_bench_{uuid.uuid4().hex[:6]}"
    owner = f"{prefix}_owner"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
    try:
        run_backend(
            "PostgreSQL server mode (each writer a coder's login; functions; server-side audit)",
            pg_targets(pg_url, owner),
            actions,
            server_mode(pg_url, prefix),
        )
        compare_paths(pg_url, prefix, owner, max(200, actions))
    finally:
        with admin.connect() as conn:
            for name in [f"coder{i}" for i in range(8)] + ["lead"]:
                conn.execute(text(f'DROP ROLE IF EXISTS "{prefix}_{name}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
