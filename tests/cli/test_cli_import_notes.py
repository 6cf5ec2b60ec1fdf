"""`import` says what it could not read as written and what it kept as the preamble, and its
speaker-map takes `text` for a label-shaped word that is no speaker."""

from __future__ import annotations

from pathlib import Path


def test_import_prints_warnings_preamble_and_takes_text_in_the_map(cli, target_study, tmp_path):
    path = tmp_path / "P09_session01.txt"
    path.write_bytes(
        b"Fictional, not real data.\nT: Hello, caf\xc3\xa9?\nHomework: a diary.\n"
        b"P: Ou\xef, tr\xc3\xa8s bien.\nMum: She slept.\n"
    )
    refused = cli("import", target_study, path)
    assert refused.code == 2
    assert "'Homework' (line 3), 'Mum' (line 5)" in refused.err
    assert "--speaker-map 'Homework=ROLE,Mum=ROLE'" in refused.err
    result = cli("import", target_study, path, "--speaker-map", "Homework=text,Mum=patient")
    assert result.code == 0, result.err
    assert "P09_session01: 3 segments (1 therapist, 2 patient) from text" in result.out
    assert "1 line(s) before the first turn kept as the preamble" in result.out
    assert "warning: 1 byte(s) that are not UTF-8 on line(s) 4 were replaced" in result.out


def test_import_of_a_windows_1252_file_says_so(cli, target_study, tmp_path: Path):
    path = tmp_path / "P10_session01.txt"
    path.write_bytes("T: Café?\nP: Très bien, “merci”.\n".encode("cp1252"))
    result = cli("import", target_study, path)
    assert result.code == 0, result.err
    assert "warning: not UTF-8: read as Windows-1252" in result.out
