"""The decoding rule (docs/transcripts.md): UTF-8 with a few stray bytes stays UTF-8, with a
warning naming the lines; a real Windows-1252 file is read as such, with a warning; a file is
never mis-decoded whole without a word."""

from __future__ import annotations

from pathlib import Path

from socialcoder.importers import read_transcript
from socialcoder.importers.decoding import decode

DATA = Path(__file__).parent / "data"
UTF8_TEXT = "T: Café au lait?\nP: Oui, très naïve.\nT: Schön – fictional.\nP: Ça va.\n"


def test_utf8_with_one_stray_byte_keeps_every_other_character(tmp_path: Path):
    data = UTF8_TEXT.encode("utf-8").replace(b"Oui", b"Ou\xef")  # one Latin-1 byte pasted in
    path = tmp_path / "stray.txt"
    path.write_bytes(data)
    tr = read_transcript(path)
    texts = [s.text for s in tr.segments]
    assert texts == ["Café au lait?", "Ou\ufffd, très naïve.", "Schön – fictional.", "Ça va."]
    assert tr.warnings == ("1 byte(s) that are not UTF-8 on line(s) 2 were replaced by '\ufffd'",)


def test_stray_bytes_on_several_lines_are_all_named():
    lines = [f"{'T' if i % 2 else 'P'}: ligne {i} é" for i in range(1, 31)]
    data = "\n".join(lines).encode("utf-8")
    for n in (3, 5, 7, 11, 13, 17, 19, 23, 29, 30, 2, 4):  # 12 damaged lines
        data = data.replace(f"ligne {n} ".encode(), f"ligne {n}\xff".encode("latin-1"), 1)
    decoded = decode(data, source="x.txt")
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("\ufffd") == 12 and decoded.text.count("é") == 30
    assert decoded.warnings == [
        "12 byte(s) that are not UTF-8 on line(s) 2, 3, 4, 5, 7, 11, 13, 17, 19, 23 and 2 "
        "more were replaced by '\ufffd'"
    ]


def test_windows_1252_file_is_read_as_such_and_says_so():
    tr = read_transcript(DATA / "cp1252_quotes.txt")
    assert [s.text for s in tr.segments] == [
        "You said “I can’t” twice – fictional.",
        "Yes… I don’t know why.",
        "Café or not, it’s fine.",
    ]
    assert tr.warnings == ("not UTF-8: read as Windows-1252",)


def test_windows_1252_with_a_chance_utf8_pair_names_that_line():
    text = "T: Café crème, naïve\r\nP: Ã© is not é\r\nT: déjà vu\r\n"
    decoded = decode(text.encode("cp1252"), source="x.txt")
    assert decoded.encoding == "cp1252"
    assert decoded.text == text.replace("\r\n", "\n")
    assert decoded.warnings == [
        "not UTF-8: read as Windows-1252 (line(s) 2 looked like UTF-8; check them)"
    ]


def test_mostly_utf8_is_never_read_as_windows_1252():
    """The old rule read the whole file as Windows-1252 after one stray byte:
    'Café' became 'CafÃ©'."""
    data = UTF8_TEXT.encode("utf-8") + b"T: one stray \xe9 byte\n"
    decoded = decode(data, source="x.txt")
    assert "CafÃ©" not in decoded.text and "Café" in decoded.text
    assert decoded.encoding == "utf-8"


def test_a_byte_windows_1252_lacks_gives_utf8_with_replacement():
    decoded = decode(b"T: plain ascii\nP: and \x81 one odd byte\n", source="x.txt")
    assert decoded.encoding == "utf-8"
    assert decoded.text == "T: plain ascii\nP: and \ufffd one odd byte\n"
    assert decoded.warnings and "line(s) 2" in decoded.warnings[0]


def test_valid_utf8_and_boms_give_no_warning():
    assert decode(UTF8_TEXT.encode("utf-8"), source="x.txt").warnings == []
    assert decode(b"\xef\xbb\xbf" + UTF8_TEXT.encode("utf-8"), source="x.txt").warnings == []
    assert decode(UTF8_TEXT.encode("utf-16"), source="x.txt").warnings == []
