"""Event data in SDIS (the Sequential Data Interchange Standard of Bakeman & Quera) for GSEQ.

Each speaker turn is one multicode event: the speaker's role code (``T`` or ``P``) and one
code per coded value of the turn - binary dimensions when present, one code per value for
nominal and ordinal dimensions. The file::

    % comments start with a percent sign
    Multi T P conc inco resinon resimil resistr;
    % P01, session 2
    <P01_session02> T. P conc. T. P resimil. ... /

* the declaration names the data type (``Multi``: multicode event data) and every code, and
  ends with a semicolon;
* each session (transcript) starts with its name in angle brackets, each event ends with a
  period, and the session ends with a forward slash (lines are wrapped at 80 characters;
  line breaks are white space in SDIS);
* codes are at most 7 characters (letters and digits, a letter first), built from the
  dimension and value and listed in the comment legend at the top; ``names`` overrides them.

Values left uncoded and binary "absent" both leave no code on the event (GSEQ cannot tell
them apart); the legend says how many turns had missing values. The turns must be complete
(segments 1..n of each transcript): a gap would shift every lag after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from socialcoder.analysis.errors import AnalysisInputError
from socialcoder.analysis.turns import check_turns
from socialcoder.domain.codebook import Codebook, Role, Scale
from socialcoder.export.output import prepare_output

ROLE_CODES = {"therapist": "T", "patient": "P"}
CODE_MAX = 7
LINE_WIDTH = 80
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True, slots=True)
class SdisExport:
    text: str
    codes: Mapping[str, str]  # SDIS code -> what it means
    sessions: int
    events: int
    missing_values: int
    notes: tuple[str, ...] = field(default=())


def _short(text: str, n: int) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)[:n]


def sdis_codes(
    codebook: Codebook, names: Mapping[str, str] | None = None
) -> dict[tuple[str, str], str]:
    """``(dimension, value) -> SDIS code`` for every turn-level code of the codebook."""
    out: dict[tuple[str, str], str] = {}
    used = {c.lower() for c in ROLE_CODES.values()}
    names = dict(names or {})
    for dim in codebook.segment_dimensions():
        if dim.scale is Scale.BINARY:
            pairs = [(dim.key, "1")]
        elif dim.enumerated:
            pairs = [(dim.key, v) for v in dim.value_texts]
        else:
            continue
        for key, value in pairs:
            spec = key if dim.scale is Scale.BINARY else f"{key}={value}"
            if spec in names:
                code = names[spec]
                if not _NAME.match(code) or len(code) > CODE_MAX:
                    raise AnalysisInputError(
                        f"SDIS code {code!r} for {spec}: use at most {CODE_MAX} letters and digits, "
                        "a letter first"
                    )
                if code.lower() in used:
                    raise AnalysisInputError(f"SDIS code {code!r} is given twice")
            else:
                base = _short(key, 4 if dim.scale is not Scale.BINARY else CODE_MAX) or "c"
                if not base[0].isalpha():
                    base = "c" + base[: CODE_MAX - 1]
                if dim.scale is not Scale.BINARY:
                    base = (base + _short(value, 3))[:CODE_MAX]
                code, n = base, 1
                while code.lower() in used:
                    n += 1
                    code = base[: CODE_MAX - len(str(n))] + str(n)
            used.add(code.lower())
            out[(key, value)] = code
    return out


def _wrapped(words: list[str], width: int = LINE_WIDTH) -> list[str]:
    lines, line = [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = "  " + w
        else:
            line = f"{line} {w}" if line else w
    return [*lines, line]


def _label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "_", text) or "session"


def sdis_text(
    turns: pd.DataFrame,
    codebook: Codebook,
    *,
    names: Mapping[str, str] | None = None,
    title: str = "",
) -> SdisExport:
    """The SDIS file for ``turns`` (see :mod:`socialcoder.analysis.turns`; every turn)."""
    check_turns(turns)
    codes = sdis_codes(codebook, names)
    legend = {"T": "therapist turn", "P": "patient turn"}
    for (key, value), code in codes.items():
        dim = codebook.dimension(key)
        legend[code] = (
            dim.label if dim.scale is Scale.BINARY else f"{dim.label} = {dim.label_of(value)}"
        )
    dims = [d for d in codebook.segment_dimensions() if d.key in turns.columns]
    order = turns.sort_values(["participant", "session", "transcript", "segment"], kind="stable")
    lines = [f"% {line}" for line in (title or "SocialCoder turns").splitlines()]
    lines += [
        "% SDIS multicode event data written by SocialCoder; one event per speaker turn.",
        "% Codes:",
    ]
    lines += [f"%   {code} = {meaning}" for code, meaning in legend.items()]
    lines.append("% Uncoded values and binary 'absent' both leave no code on a turn.")
    codes_list = list(legend)
    declaration = _wrapped(["Multi", *codes_list[:-1], codes_list[-1] + ";"])
    body: list[str] = []
    missing = events = sessions = 0
    for transcript, part in order.groupby("transcript", sort=False):
        segs = part["segment"].to_numpy()
        if list(segs) != list(range(1, len(part) + 1)):
            gaps = sorted(set(range(1, int(segs.max()) + 1)) - set(segs.tolist()))[:5]
            raise AnalysisInputError(
                f"transcript {transcript!r} lacks turn(s) {', '.join(map(str, gaps)) or '1'}: "
                "SDIS needs every turn (use the wide table or the segments)"
            )
        records = part.to_dict("records")
        body.append(f"% {records[0]['participant']}, session {records[0]['session']}")
        evs = []
        for row in records:
            role = str(row["role"]).lower()
            if role not in ROLE_CODES:
                raise AnalysisInputError(f"transcript {transcript!r}: unknown role {role!r}")
            ev = [ROLE_CODES[role]]
            for dim in dims:
                if not dim.applies(Role(role)):
                    continue
                value = row[dim.key]
                if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                    missing += 1
                    continue
                found = codes.get((dim.key, str(value)))
                if found is not None:
                    ev.append(found)
            evs.append(" ".join(ev) + ".")
        events += len(evs)
        sessions += 1
        body += _wrapped([f"<{_label(str(transcript))}>", *evs, "/"])
    notes = []
    if missing:
        notes.append(f"{missing} turn values were missing and carry no code")
        lines.append(f"% {missing} coded values were missing and carry no code.")
    text = "\n".join([*lines, *declaration, *body]) + "\n"
    return SdisExport(
        text=text,
        codes=legend,
        sessions=sessions,
        events=events,
        missing_values=missing,
        notes=tuple(notes),
    )


def write_sdis(
    path: Path,
    turns: pd.DataFrame,
    codebook: Codebook,
    *,
    names: Mapping[str, str] | None = None,
    title: str = "",
    force: bool = False,
    protect: Sequence[str | Path] = (),
) -> SdisExport:
    """Write :func:`sdis_text` to ``path`` through the export's output mechanism (checked
    before the text is built; the file appears whole or not at all)."""
    out = prepare_output(path, fmt="sds", force=force, protect=protect)
    export = sdis_text(turns, codebook, names=names, title=title)
    with out.writing() as tmp:
        tmp.write_text(export.text, encoding="utf-8")
    return export
