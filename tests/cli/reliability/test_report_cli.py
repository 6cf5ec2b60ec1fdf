"""`socialcoder report STUDY OUT.html`: the dashboard's HTML reliability report without a window.

The figures in the report's tables are read back from the HTML and compared with
``socialcoder reliability --json`` for the same selection, formatted here independently."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from socialcoder.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> tuple[str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, err
    return out, err


def reliability(capsys: pytest.CaptureFixture[str], study: Path, *argv: str) -> dict:
    out, _ = run(capsys, "reliability", str(study), "--json", *argv)
    return json.loads(out)


class Tables(HTMLParser):
    """Every ``<table id=...>`` as rows of (text, background) cells (header rows kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str]]]] = {}
        self._table: list[list[tuple[str, str]]] | None = None
        self._cell: list[str] | None = None
        self._bg = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self._table = self.tables.setdefault(str(a["id"]), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
            style = a.get("style") or ""
            self._bg = style.removeprefix("background:") if style.startswith("background:") else ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append(("".join(self._cell), self._bg))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[list[tuple[str, str]]]]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


def num(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def colour(item: dict) -> str:
    """The rule, restated: grey for too few units, else by the interval's lower bound."""
    if item["krippendorff_alpha"] is None:
        return ""
    if item.get("pairable_units") and (item.get("sample_size") or {}).get("enough") is False:
        return "#e0e0e0"
    ci = item.get("alpha_ci95")
    if not ci:
        return ""
    return "#cdeccd" if ci[0] >= 0.8 else "#fde7c2" if ci[0] >= 0.667 else "#f7cccc"


def test_the_report_shows_the_figures_of_reliability_json(
    capsys: pytest.CaptureFixture[str], sample_study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    boot = ("--bootstrap", "60", "--seed", "7")
    sel = ("--coders", "ana,ben,cleo")
    said, _ = run(capsys, "report", str(sample_study), str(out), *sel, *boot)
    assert str(out) in said
    page = out.read_text(encoding="utf-8")
    found = tables(page)
    by_pair = reliability(capsys, sample_study, *sel, *boot, "--by", "pair")
    by_transcript = reliability(capsys, sample_study, *sel, *boot, "--by", "transcript")

    dims = found["dimensions"][1:]
    assert len(dims) == len(by_pair["dimensions"]) > 0
    for row, d in zip(dims, by_pair["dimensions"], strict=True):
        texts = [t for t, _ in row]
        assert texts[0] == d["label"]
        assert texts[2] == num(d["krippendorff_alpha"])
        ci = d.get("alpha_ci95")
        if texts[3] != "too few units":
            assert texts[3] == ("–" if not ci else f"{ci[0]:.3f} – {ci[1]:.3f}")
        assert texts[6] == num(d["gwet_ac1"])
        assert texts[8] == num(d["fleiss_kappa"])
        assert texts[10] == str(d["pairable_units"])
        assert texts[11] == str(d["pairable_values"])
        assert all(note in texts[12] for note in d["notes"])
        assert row[2][1] == row[3][1] == colour(d)

    pairs = found["pairs"][1:]
    groups = [(d, g) for d in by_pair["dimensions"] for g in d["groups"]]
    assert len(pairs) == len(groups) > 0
    for row, (d, g) in zip(pairs, groups, strict=True):
        texts = [t for t, _ in row]
        assert texts[:3] == [" & ".join(g["pair"]), d["label"], num(g["krippendorff_alpha"])]
        assert texts[4] == num(g["cohen_kappa_pairs"][0]["kappa"])
        assert texts[9] == str(g["pairable_units"])
        assert row[2][1] == colour(g)

    per_transcript = found["per_transcript"][1:]
    groups = [(d, g) for d in by_transcript["dimensions"] for g in d["groups"]]
    assert len(per_transcript) == len(groups) > 0
    for row, (d, g) in zip(per_transcript, groups, strict=True):
        texts = [t for t, _ in row]
        assert texts[:3] == [g["transcript"], d["label"], num(g["krippendorff_alpha"])]
        assert texts[6] == str(g["pairable_units"])
        assert row[2][1] == colour(g)

    assert "60 replicates resampling transcripts, seed 7" in page
    assert "coders: ana, ben, cleo" in page
    assert page.count("<svg") == 2 and "<script" not in page
    assert "Confusion matrix" not in page  # only when asked for


def test_a_selection_and_the_confusion_matrix(
    capsys: pytest.CaptureFixture[str], sample_study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "narrow.html"
    sel = ("--coders", "ana,ben", "--dimension", "resistance,concordance")
    run(
        capsys,
        "report",
        str(sample_study),
        str(out),
        *sel,
        "--bootstrap",
        "0",
        "--confusion",
        "resistance:ana,ben",
    )
    page = out.read_text(encoding="utf-8")
    found = tables(page)
    cli = reliability(capsys, sample_study, *sel, "--by", "pair")
    assert [r[2][0] for r in found["dimensions"][1:]] == [
        num(d["krippendorff_alpha"]) for d in cli["dimensions"]
    ]
    assert all(bg == "" for r in found["dimensions"][1:] for _, bg in r[2:4])  # no interval
    matrix = [[int(t) for t, _ in row[1:]] for row in found["confusion"][1:]]
    resistance = next(d for d in cli["dimensions"] if d["key"] == "resistance")
    # every unit both coded is counted once; agreements on the diagonal
    assert sum(map(sum, matrix)) == resistance["groups"][0]["pairable_units"]
    agree = sum(matrix[i][i] for i in range(len(matrix))) / sum(map(sum, matrix))
    assert f"{100 * agree:.1f} %" in page
    assert agree == pytest.approx(resistance["groups"][0]["percent_agreement"])
    assert "none (no bootstrap asked for)" in page


def test_no_transcript_text_in_the_report(
    capsys: pytest.CaptureFixture[str], sample_study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    run(capsys, "report", str(sample_study), str(out), "--bootstrap", "0")
    page = out.read_text(encoding="utf-8")
    shown, _ = run(capsys, "show", str(sample_study), "P01_session02", "--json")
    segments = json.loads(shown)["segments"]
    texts = [s["text"] for s in segments if len(s.get("text") or "") > 25]
    assert texts and not any(t in page for t in texts)


def test_an_existing_file_only_with_force_and_never_the_study(
    capsys: pytest.CaptureFixture[str], sample_study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mine.html"
    out.write_text("mine", encoding="utf-8")
    _, err = run(capsys, "report", str(sample_study), str(out), "--bootstrap", "0", status=2)
    assert "already exists" in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "mine"
    run(capsys, "report", str(sample_study), str(out), "--bootstrap", "0", "--force")
    assert "Inter-rater reliability" in out.read_text(encoding="utf-8")
    data = sample_study.read_bytes()
    _, err = run(capsys, "report", str(sample_study), str(sample_study), "--force", status=2)
    assert "is the study itself" in err
    assert sample_study.read_bytes() == data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--coders", "zed"), "unknown coder"),
        (("--since", "2024-13-01"), "--since '2024-13-01' is not a date"),
        (("--level", "loud"), "--level 'loud'"),
        (("--confusion", "resistance"), "DIMENSION:CODER_A,CODER_B"),
        (("--confusion", "nope:ana,ben"), "no dimension 'nope'"),
        (("--bootstrap", "-3"), "--bootstrap"),
    ],
)
def test_bad_input_says_what_is_wrong_in_one_line(
    capsys: pytest.CaptureFixture[str],
    sample_study: Path,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    out = tmp_path / "bad.html"
    _, err = run(capsys, "report", str(sample_study), str(out), *args, status=2)
    assert message in err
    assert len(err.strip().splitlines()) == 1 or "usage" in err
    assert not out.exists()
