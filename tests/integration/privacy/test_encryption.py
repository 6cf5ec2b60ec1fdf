"""Encrypted studies (SQLCipher 4): what is on disk, passphrases, encrypt / decrypt / rekey.

The kill tests run the real command in a child process that kills itself (SIGKILL, no cleanup)
at a chosen point of the conversion, and one that is killed from outside at a moment when the
hidden new file exists but has not replaced the study yet.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from socialcoder.services.study import open_study
from socialcoder.storage import encryption, keys

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "sample_transcripts"
PHRASE = "fictional test passphrase 7"
TEXT_PROBES = (b"routine", b"session", b"Therapist", b"alembic_version", b"audit_log")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    for name in ("SOCIALCODER_DEBUG", "SOCIALCODER_PASSPHRASE", "SOCIALCODER_NEW_PASSPHRASE"):
        env.pop(name, None)
    env.update(extra)
    return env


def _run(*args: object, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialcoder", *map(str, args)],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def encrypted_sample(sample_study: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from socialcoder.storage import conversion

    monkeypatch.setenv("SOCIALCODER_PASSPHRASE", PHRASE)
    conversion.encrypt_in_place(sample_study)
    return sample_study


def test_the_file_holds_no_sqlite_header_and_no_text(encrypted_sample: Path) -> None:
    data = encrypted_sample.read_bytes()
    assert not data.startswith(b"SQLite format 3")
    for probe in TEXT_PROBES:
        assert probe not in data, probe
    # while open and written to, the write-ahead log is encrypted too
    with open_study(encrypted_sample) as study:
        from socialcoder.services.coders import add_coders

        add_coders(study, ["Routine Reader"])
        wal = Path(f"{encrypted_sample}-wal")
        assert wal.exists() and wal.stat().st_size > 0
        assert b"Routine" not in wal.read_bytes()
    assert b"Routine" not in encrypted_sample.read_bytes()


def test_it_is_a_standard_sqlcipher4_file(encrypted_sample: Path) -> None:
    """Any SQLCipher 4 tool opens it with the passphrase (SQLCipher's own key derivation)."""
    conn = encryption.dbapi().connect(str(encrypted_sample))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = '{PHRASE}'")
        assert conn.execute("SELECT count(*) FROM transcripts").fetchone() == (3,)
    finally:
        conn.close()


def test_wrong_or_missing_passphrase_is_one_line_exit_2(encrypted_sample: Path) -> None:
    wrong = _run("info", encrypted_sample, SOCIALCODER_PASSPHRASE="not it")
    assert wrong.returncode == 2
    assert wrong.stderr == (
        f"socialcoder: error: {encrypted_sample}: wrong passphrase (or the file is not a "
        "SocialCoder study)\n"
    )  # one line: no traceback, none of SQLCipher's own log lines
    missing = _run("info", encrypted_sample)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "is encrypted; give its passphrase" in missing.stderr
    assert PHRASE not in wrong.stderr + wrong.stdout


def test_passphrase_file_and_environment(encrypted_sample: Path, tmp_path: Path) -> None:
    secret = tmp_path / "phrase.txt"
    secret.write_text(PHRASE + "\n", encoding="utf-8")
    result = _run("transcripts", encrypted_sample, "--passphrase-file", secret)
    assert result.returncode == 0, result.stderr
    assert "P01_session02" in result.stdout
    assert _run("transcripts", encrypted_sample, SOCIALCODER_PASSPHRASE=PHRASE).returncode == 0


def test_init_encrypt_then_every_step_works(tmp_path: Path, cli, monkeypatch, dump) -> None:
    monkeypatch.setenv("SOCIALCODER_PASSPHRASE", PHRASE)
    study = tmp_path / "new.scstudy"
    assert cli("init", study, "--encrypt").code == 0
    assert encryption.is_encrypted(study)
    assert cli("import", study, "--manifest", SAMPLES / "manifest.csv").code == 0
    result = cli("codes", "import", study, SAMPLES / "demo_codes.csv", "--add-coders", "--complete")
    assert result.code == 0, result.err
    assert cli("migrate", study).code == 0
    with open_study(study) as opened:
        assert opened.encrypted
        with opened.read() as session:
            from sqlalchemy import text

            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    out = tmp_path / "long.csv"
    exported = cli("export", study, out)
    assert exported.code == 0
    assert exported.err.count("exported files are not") == 1
    assert "routine" in out.read_text(encoding="utf-8") or out.stat().st_size > 0


def test_encrypt_rekey_decrypt_keep_every_row(
    sample_study: Path, tmp_path: Path, dump, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(sample_study)
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text(PHRASE, encoding="utf-8")
    two.write_text("another fictional passphrase", encoding="utf-8")
    done = _run("encrypt", sample_study, "--passphrase-file", one)
    assert done.returncode == 0, done.stderr
    assert encryption.is_encrypted(sample_study)
    assert sorted(p.name for p in sample_study.parent.iterdir()) == sorted(
        [sample_study.name, "one.txt", "two.txt"]
    )
    again = _run("encrypt", sample_study, "--passphrase-file", one)
    assert again.returncode == 2 and "already encrypted" in again.stderr

    rekeyed = _run("rekey", sample_study, "--passphrase-file", one, "--new-passphrase-file", two)
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert _run("info", sample_study, "--passphrase-file", one).returncode == 2
    plain = tmp_path / "plain.scstudy"
    copied = _run("decrypt", sample_study, plain, "--passphrase-file", two)
    assert copied.returncode == 0, copied.stderr
    assert plain.read_bytes().startswith(b"SQLite format 3\x00")
    refused = _run("decrypt", sample_study, plain, "--passphrase-file", two)
    assert refused.returncode == 2 and "already exists" in refused.stderr

    monkeypatch.setenv("SOCIALCODER_PASSPHRASE", "another fictional passphrase")
    after = dump(sample_study)
    events = after.pop("study_events")
    assert [e[2] for e in sorted(events)] == ["encrypted", "rekeyed", "decrypted"]
    assert after == {k: v for k, v in before.items() if k != "study_events"}
    plain_rows = dump(plain)
    assert [e[2] for e in sorted(plain_rows.pop("study_events"))] == ["encrypted", "rekeyed"]
    assert plain_rows == {k: v for k, v in before.items() if k != "study_events"}
    for text in (done.stdout, rekeyed.stdout, copied.stdout, done.stderr):
        assert PHRASE not in text


def test_encrypt_refuses_a_study_open_elsewhere(sample_study: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from socialcoder.services.study import open_study;"
            "s = open_study(sys.argv[1]); s.info(); print('open', flush=True); time.sleep(60)",
            str(sample_study),
        ],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        data = sample_study.read_bytes()
        refused = _run("encrypt", sample_study, SOCIALCODER_PASSPHRASE=PHRASE)
        assert refused.returncode == 2
        assert "is open in another program" in refused.stderr
        assert sample_study.read_bytes() == data
    finally:
        holder.kill()
        holder.wait()


KILL_AT = {
    # storage.conversion step (patched in the child) -> whether the study is then encrypted
    "_export": False,  # the new file is being written
    "_verify": False,  # written, being checked
    "_finish": False,  # checked; the audit event goes into it
    "replace": False,  # the old log folded in; about to rename
    "_wipe": True,  # renamed onto the study; the old bytes not yet zeroed
}

_CHILD = """
import os, signal, sys
from socialcoder.storage import conversion
point = sys.argv[1]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if point == "replace":
    conversion.os.replace = die
else:
    real = getattr(conversion, point)
    def wrapped(*args, **kwargs):
        if point in ("_export", "_finish"):
            result = real(*args, **kwargs)  # let it write, then die inside the step's caller
            die()
        die()
    setattr(conversion, point, wrapped)
from socialcoder.cli import main
sys.exit(main(["encrypt", sys.argv[2]]))
"""


@pytest.mark.parametrize("point", list(KILL_AT))
def test_a_kill_during_encryption_leaves_a_whole_study(
    point: str, sample_study: Path, dump, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(sample_study)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, point, str(sample_study)],
        env=_env(SOCIALCODER_PASSPHRASE=PHRASE),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    leftovers = [p.name for p in sample_study.parent.iterdir() if p.name.endswith(".converting")]
    if point in ("_export", "_verify", "_finish", "replace"):
        assert leftovers, "the kill did not land while the new file was being made"
    assert encryption.is_encrypted(sample_study) is KILL_AT[point]
    monkeypatch.setenv("SOCIALCODER_PASSPHRASE", PHRASE)
    after = dump(sample_study)
    events = [e[2] for e in after.pop("study_events", [])]
    assert events == (["encrypted"] if KILL_AT[point] else [])
    assert after == {k: v for k, v in before.items() if k != "study_events"}
    # the next conversion clears what the killed one left, and succeeds
    if not KILL_AT[point]:
        assert _run("encrypt", sample_study, SOCIALCODER_PASSPHRASE=PHRASE).returncode == 0
        assert not [p for p in sample_study.parent.iterdir() if p.name.endswith(".converting")]


def test_a_kill_from_outside_mid_way(tmp_path: Path, dump, monkeypatch) -> None:
    """A larger study, killed from outside as soon as the hidden new file appears."""
    study = _big_study(tmp_path / "big.scstudy", tmp_path)
    before = dump(study)
    child = subprocess.Popen(
        [sys.executable, "-m", "socialcoder", "encrypt", str(study)],
        env=_env(SOCIALCODER_PASSPHRASE=PHRASE),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    landed = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if any(p.name.endswith(".converting") for p in tmp_path.iterdir()):
            landed = not encryption.is_encrypted(study)
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    child.wait()
    assert landed, "the kill did not land mid-way"
    assert not encryption.is_encrypted(study)
    assert dump(study) == before


def _big_study(path: Path, folder: Path) -> Path:
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import ImportItem, import_transcripts

    items = []
    for n in range(12):
        text = folder / f"T{n:02d}.txt"
        text.write_text(
            "".join(
                f"T: fictional therapist turn {n} {i} about the routine\n"
                f"P: fictional patient turn {n} {i} about walking\n"
                for i in range(1500)
            ),
            encoding="utf-8",
        )
        items.append(ImportItem(path=text))
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH) as study:
        import_transcripts(study, items)
    for text in folder.glob("T*.txt"):
        text.unlink()
    return path


def test_without_sqlcipher3_a_clear_line(
    cli, sample_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialcoder.storage import conversion

    monkeypatch.setenv("SOCIALCODER_PASSPHRASE", PHRASE)
    conversion.encrypt_in_place(sample_study)
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)  # import fails as where no wheel exists
    for args in (("info", sample_study), ("init", tmp_path / "x.scstudy", "--encrypt")):
        result = cli(*args)
        assert result.code == 2
        assert result.err.count("\n") == 1 and "need the sqlcipher3 package" in result.err
    assert not (tmp_path / "x.scstudy").exists()


def test_keys_are_memoised_in_memory_only(encrypted_sample: Path) -> None:
    salt = encryption.file_salt(encrypted_sample)
    start = time.perf_counter()
    first = keys.derive(PHRASE, salt)
    second = keys.derive(PHRASE, salt)
    assert first.raw == second.raw and time.perf_counter() - start < 5
    assert repr(first) == "Key(<hidden>)" and first.raw.hex() not in repr(first)
    assert keys.derive("other", salt).raw != first.raw
