"""The JSON of every record a command prints with ``--json`` (issue #12: one serialisation path).

Each record is built from representative values (dates with microseconds and offsets, figures
to round, missing values, enums, masked and unmasked transcripts, a coder's own view) and its
JSON, as ``print_json`` writes it, must equal the literal below byte for byte: the key order,
ints against floats, rounding and time formats included. The literals were taken from the
hand-written ``to_json`` methods before they became one path (socialcoder/domain/serial.py).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from socialcoder.cli.output import print_json
from socialcoder.domain.design import DesignSpec
from socialcoder.domain.final import FinalCounts
from socialcoder.domain.retest import RetestDraw, RetestSpec
from socialcoder.domain.states import AssignmentStatus, ConflictKind, Resolution
from socialcoder.services.anchors import AnchorPoint
from socialcoder.services.assignments import ProgressEntry
from socialcoder.services.audit_events import StudyEvent
from socialcoder.services.calibration import (
    CalibrationDifference,
    CalibrationResult,
    DimensionCalibration,
    ValueResult,
)
from socialcoder.services.consensus import Disagreement
from socialcoder.services.media import Recording, RecordingStatus
from socialcoder.services.merge_report import Conflict, MergeReport, SourceReport, Unmatched
from socialcoder.services.predictor_reliability import PredictorReliability
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import ReliabilityReport
from socialcoder.services.retest import RetestAgreement, RetestEntry, RetestPlan, RetestReport
from socialcoder.services.session_reliability import SessionReliabilityReport
from socialcoder.services.settings import SettingState
from socialcoder.services.transcript_list import CoderProgress, TranscriptSummary
from socialcoder.services.transcript_view import SegmentView, TranscriptView
from socialcoder.services.withdraw import EarlierCopy, WithdrawResult

AT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 6, 7, 8, tzinfo=timezone(timedelta(hours=2)))


def summary(*, masked: bool) -> TranscriptSummary:
    return TranscriptSummary(
        id=7,
        name="P01-S2",
        participant="P01",
        therapist=None,
        session=2,
        date=date(2025, 12, 31) if not masked else None,
        segments=40,
        source_name="p01_s2.docx",
        format="docx",
        progress={
            "ana": CoderProgress(coded=13, codable=30, completed=False),
            "ben": CoderProgress(coded=30, codable=30, completed=True, completed_at=AT),
        },
        label="T-0007" if masked else "P01-S2",
        masked=masked,
    )


def segment(index: int, memo: str | None) -> SegmentView:
    return SegmentView(
        id=100 + index,
        index=index,
        role="client",
        label="CL",
        start=1.25 if index == 1 else None,
        end=None,
        text="so I thought…",
        codes={"resistance": "mild", "talk": "1"},
        memo=memo,
        start_estimated=index == 1,
    )


def calibration_dim(result: str) -> DimensionCalibration:
    return DimensionCalibration(
        key="resistance",
        label="Resistance",
        units=25,
        sessions=3,
        figure="alpha",
        estimate=0.812345,
        ci95=(0.61, 0.93) if result == "pass" else None,
        required_units=None if result == "pass" else 40,
        percent_agreement=0.9,
        values=(
            ValueResult("mild", "Mild", 4, 5, 3, 0.75, 0.6, True),
            ValueResult("none", "None", 0, 1, 0, None, None, False),
        ),
        result=result,
        notes=("few units",) if result != "pass" else (),
    )


def merge_report() -> MergeReport:
    conflict = Conflict(
        kind=ConflictKind.SEGMENT_MEMO,
        coder="ana",
        transcript="P01-S2",
        segment=3,
        dimension=None,
        study_value="a note",
        copy_value="(emptied)",
        study_updated=AT,
        copy_updated=LATER,
        resolution=Resolution.KEPT_STUDY,
        resolved=False,
    )
    source = SourceReport(source="copy.socialcoder")
    source.added["codes"] = 4
    source.removed["memos"] = 1
    source.coders_added.append("cleo")
    source.conflicts.append(conflict)
    source.unmatched.append(Unmatched("P09-S1", "abc123", 5, 1, 0))
    source.rejected.append("resistance='huge' on P01-S2 segment 4")
    return MergeReport(
        study="study.socialcoder", sources=[source], prefer_newer=True, dry_run=False
    )


def records() -> dict[str, object]:
    rec = Recording(
        transcript="P01-S2",
        path="/media/p01_s2.mp4",
        file_name="p01_s2.mp4",
        kind="video",
        format="mp4",
        size=123456,
        duration=3012.5,
        sha256="ff00",
        excerpt=(60.0, 360.0),
        excerpt_seed=11,
        attached_at=AT,
    )
    bare = Recording("P02-S1", "b.wav", "b.wav", "audio", "wav", None, None, None, None, None, None)
    report = ReliabilityReport(
        study="study",
        codebook_version="mi 3",
        selection=Selection(
            dimensions=("resistance",), coders=(), transcripts=None, since=AT, until=None
        ),
        computed_at=AT,
        by="coder",
        dimensions=[{"dimension": "resistance", "alpha": 0.7}],
        seed=5,
        bootstrap_by="transcript",
    )
    agreement = RetestAgreement(
        dimension="resistance",
        coder="ana",
        transcripts=3,
        units=44,
        alpha=0.8123456,
        ci95=(0.5555555, 0.9999999),
        level="good",
    )
    none_agreement = RetestAgreement("talk", "(all coders)", 0, 0, None, None, "", "no units")
    return {
        "design": DesignSpec(
            coders=("ana", "ben"),
            overlap_percent=20.0,
            stratify=("therapist",),
            covert=True,
            anchors=2,
            seed=9,
        ),
        "final": FinalCounts(
            from_consensus=3,
            from_coders={"ben": 2, "ana": 5},
            missing=1,
            without_primary=("P03-S1",),
        ),
        "retest_spec": RetestSpec(
            percent=10.0, after_days=14, seed=None, coders=("ana",), include_assigned=True
        ),
        "anchor": AnchorPoint("ana", "P01-S2", 2, AT, "resistance", 30, 0.912345, None, None),
        "anchor_open": AnchorPoint(
            "ana", "P01-S3", None, None, "talk", 0, None, 0.5, "not completed"
        ),
        "progress": ProgressEntry(
            "ana", "P01-S2", "primary", AssignmentStatus.IN_PROGRESS, 0.4333333
        ),
        "progress_own": ProgressEntry("ana", "T-0007", "", AssignmentStatus.COMPLETE, 1.0),
        "event": StudyEvent(
            3, AT, "export", "lead", "lead", "host-1", {"format": "csv", "rows": 12}
        ),
        "calibration_dim": calibration_dim("pass"),
        "calibration": CalibrationResult(
            trainee="ana",
            gold="gold",
            transcripts=("P01-S2",),
            threshold=0.8,
            dimensions=[calibration_dim("pass"), calibration_dim("not yet")],
            differences=[CalibrationDifference("resistance", "P01-S2", 4, "well…", "mild", None)],
        ),
        "disagreement": Disagreement(
            dimension="resistance",
            transcript="P01-S2",
            segment=4,
            role="client",
            text="well…",
            values={"ana": "mild", "ben": None},
            consensus="mild",
            implied=("ben",),
        ),
        "recording": rec,
        "recording_bare": bare,
        "recording_status": RecordingStatus(rec, "found", Path("/media/p01_s2.mp4"), ""),
        "recording_missing": RecordingStatus(bare, "missing", None, "not in any folder"),
        "merge": merge_report(),
        "predictor": PredictorReliability(
            variable="resistance_rate",
            role="client",
            kind="rate",
            measure="resistance",
            icc_a1=0.71,
            icc_ci95=[0.5, 0.85],
            g_qk=0.69,
            g_ci95=None,
            method="ICC(A,1)",
            n_sessions=27,
            n_double_coded=8,
        ),
        "transcript_summary": summary(masked=False),
        "transcript_masked": summary(masked=True),
        "transcript_view": TranscriptView(
            transcript=summary(masked=False), segments=[segment(1, None)]
        ),
        "transcript_view_coder": TranscriptView(
            transcript=summary(masked=True),
            segments=[segment(1, "a memo"), segment(2, None)],
            coder="ana",
            session_codes={"empathy": "4"},
            completed=True,
        ),
        "reliability_report": report,
        "retest_plan": RetestPlan(
            spec=RetestSpec(percent=25.0, after_days=7, seed=3),
            draws=(RetestDraw("ana", "P01-S2"), RetestDraw("ben", "P02-S1")),
            pools={"ana": 4, "ben": 3},
        ),
        "retest_entry": RetestEntry(
            "ana", "ana (retest)", "P01-S2", "R-01", 14, AT, LATER, True, False, False
        ),
        "retest_entry_open": RetestEntry(
            "ben", "ben (retest)", "P02-S1", "R-02", 7, None, None, False, False, False
        ),
        "retest_agreement": agreement,
        "retest_report": RetestReport("study", [agreement, none_agreement], 1000, None, AT),
        "session_reliability": SessionReliabilityReport(
            study="study",
            codebook_version="mi 3",
            computed_at=AT,
            selection={"coders": None, "transcripts": ["P01-S2"]},
            coders=("ana", "ben"),
            completed_pairs=3,
            incomplete_pairs=1,
            skipped=[{"measure": "x", "reason": "no scores"}],
        ),
        "setting": SettingState("blind", True, "yes", False, "Coders see masked labels"),
        "earlier_copy": EarlierCopy("2026-01-02", "export", "csv", "/tmp/out.csv"),
        "withdraw": WithdrawResult(
            transcripts=2,
            segments=80,
            codes=120,
            memos=3,
            measures=4,
            audit_entries=200,
            earlier_copies=[EarlierCopy("2026-01-02", "export", "csv", "/tmp/out.csv")],
            models_note="retrain 1 model",
            dry_run=True,
            models_to_retrain=1,
        ),
    }


def _records() -> dict[str, object]:
    out = records()
    return {
        **{name: value.to_json() for name, value in out.items()},
        "segment_with_codes": segment(1, "a memo").to_json(True),
        "segment_plain": segment(2, None).to_json(False),
    }


def _printed(data: object) -> str:
    out = io.StringIO()
    print_json(data, out)
    return out.getvalue()


ACTUAL = _records()


EXPECTED: dict[str, object] = {
    "design": {
        "coders": ["ana", "ben"],
        "overlap_percent": 20.0,
        "stratify": ["therapist"],
        "covert": True,
        "anchors": 2,
        "seed": 9,
    },
    "final": {
        "from_consensus": 3,
        "from_single_coders": 7,
        "from_coders": {"ana": 5, "ben": 2},
        "missing": 1,
        "transcripts_without_primary": ["P03-S1"],
    },
    "retest_spec": {
        "retest_percent": 10.0,
        "after_days": 14,
        "seed": None,
        "coders": ["ana"],
        "include_assigned": True,
    },
    "anchor": {
        "coder": "ana",
        "transcript": "P01-S2",
        "position": 2,
        "completed_at": "2026-03-04T05:06:07.891011+00:00",
        "dimension": "resistance",
        "units": 30,
        "agreement": 0.9123,
        "alpha": None,
        "reason": None,
    },
    "anchor_open": {
        "coder": "ana",
        "transcript": "P01-S3",
        "position": None,
        "completed_at": None,
        "dimension": "talk",
        "units": 0,
        "agreement": None,
        "alpha": 0.5,
        "reason": "not completed",
    },
    "progress": {
        "coder": "ana",
        "transcript": "P01-S2",
        "purpose": "primary",
        "status": "in progress",
        "fraction": 0.4333,
    },
    "progress_own": {"coder": "ana", "transcript": "T-0007", "status": "complete", "fraction": 1.0},
    "event": {
        "id": 3,
        "at": "2026-03-04T05:06:07.891011+00:00",
        "kind": "export",
        "actor": "lead",
        "role": "lead",
        "machine": "host-1",
        "detail": {"format": "csv", "rows": 12},
    },
    "calibration_dim": {
        "key": "resistance",
        "label": "Resistance",
        "units": 25,
        "sessions": 3,
        "figure": "alpha",
        "estimate": 0.812345,
        "ci95": [0.61, 0.93],
        "required_units": None,
        "percent_agreement": 0.9,
        "result": "pass",
        "passed": True,
        "values": [
            {
                "value": "mild",
                "label": "Mild",
                "gold": 4,
                "trainee": 5,
                "both": 3,
                "sensitivity": 0.75,
                "ppv": 0.6,
                "assessable": True,
            },
            {
                "value": "none",
                "label": "None",
                "gold": 0,
                "trainee": 1,
                "both": 0,
                "sensitivity": None,
                "ppv": None,
                "assessable": False,
            },
        ],
        "notes": [],
    },
    "calibration": {
        "trainee": "ana",
        "gold": "gold",
        "transcripts": ["P01-S2"],
        "threshold": 0.8,
        "passed": False,
        "verdict": "NOT ASSESSABLE",
        "dimensions": [
            {
                "key": "resistance",
                "label": "Resistance",
                "units": 25,
                "sessions": 3,
                "figure": "alpha",
                "estimate": 0.812345,
                "ci95": [0.61, 0.93],
                "required_units": None,
                "percent_agreement": 0.9,
                "result": "pass",
                "passed": True,
                "values": [
                    {
                        "value": "mild",
                        "label": "Mild",
                        "gold": 4,
                        "trainee": 5,
                        "both": 3,
                        "sensitivity": 0.75,
                        "ppv": 0.6,
                        "assessable": True,
                    },
                    {
                        "value": "none",
                        "label": "None",
                        "gold": 0,
                        "trainee": 1,
                        "both": 0,
                        "sensitivity": None,
                        "ppv": None,
                        "assessable": False,
                    },
                ],
                "notes": [],
            },
            {
                "key": "resistance",
                "label": "Resistance",
                "units": 25,
                "sessions": 3,
                "figure": "alpha",
                "estimate": 0.812345,
                "ci95": None,
                "required_units": 40,
                "percent_agreement": 0.9,
                "result": "not yet",
                "passed": False,
                "values": [
                    {
                        "value": "mild",
                        "label": "Mild",
                        "gold": 4,
                        "trainee": 5,
                        "both": 3,
                        "sensitivity": 0.75,
                        "ppv": 0.6,
                        "assessable": True,
                    },
                    {
                        "value": "none",
                        "label": "None",
                        "gold": 0,
                        "trainee": 1,
                        "both": 0,
                        "sensitivity": None,
                        "ppv": None,
                        "assessable": False,
                    },
                ],
                "notes": ["few units"],
            },
        ],
        "differences": [
            {
                "dimension": "resistance",
                "transcript": "P01-S2",
                "segment": 4,
                "text": "well…",
                "trainee": "mild",
                "gold": None,
            }
        ],
    },
    "disagreement": {
        "dimension": "resistance",
        "transcript": "P01-S2",
        "segment": 4,
        "role": "client",
        "text": "well…",
        "values": {"ana": "mild", "ben": None},
        "implied": ["ben"],
        "kind": "values differ",
        "consensus": "mild",
    },
    "recording": {
        "transcript": "P01-S2",
        "path": "/media/p01_s2.mp4",
        "file_name": "p01_s2.mp4",
        "kind": "video",
        "format": "mp4",
        "size": 123456,
        "duration": 3012.5,
        "sha256": "ff00",
        "excerpt": {"start": 60.0, "end": 360.0, "seed": 11},
    },
    "recording_bare": {
        "transcript": "P02-S1",
        "path": "b.wav",
        "file_name": "b.wav",
        "kind": "audio",
        "format": "wav",
        "size": None,
        "duration": None,
        "sha256": None,
        "excerpt": None,
    },
    "recording_status": {
        "transcript": "P01-S2",
        "path": "/media/p01_s2.mp4",
        "file_name": "p01_s2.mp4",
        "kind": "video",
        "format": "mp4",
        "size": 123456,
        "duration": 3012.5,
        "sha256": "ff00",
        "excerpt": {"start": 60.0, "end": 360.0, "seed": 11},
        "status": "found",
        "found_at": "/media/p01_s2.mp4",
        "detail": "",
    },
    "recording_missing": {
        "transcript": "P02-S1",
        "path": "b.wav",
        "file_name": "b.wav",
        "kind": "audio",
        "format": "wav",
        "size": None,
        "duration": None,
        "sha256": None,
        "excerpt": None,
        "status": "missing",
        "found_at": None,
        "detail": "not in any folder",
    },
    "merge": {
        "study": "study.socialcoder",
        "dry_run": False,
        "prefer_newer": True,
        "changes": 6,
        "unresolved": 3,
        "sources": [
            {
                "source": "copy.socialcoder",
                "added": {"codes": 4, "memos": 0, "completions": 0},
                "replaced": {"codes": 0, "memos": 0, "completions": 0},
                "unchanged": {"codes": 0, "memos": 0, "completions": 0},
                "removed": {"codes": 0, "memos": 1, "completions": 0},
                "coders_added": ["cleo"],
                "conflicts": [
                    {
                        "kind": "segment memo",
                        "coder": "ana",
                        "transcript": "P01-S2",
                        "segment": 3,
                        "dimension": None,
                        "study_value": "a note",
                        "copy_value": "(emptied)",
                        "study_updated": "2026-03-04T05:06:07.891011+00:00",
                        "copy_updated": "2026-03-05T06:07:08+02:00",
                        "resolution": "kept study",
                        "resolved": False,
                    }
                ],
                "unmatched_transcripts": [
                    {
                        "transcript": "P09-S1",
                        "content_hash": "abc123",
                        "codes": 5,
                        "memos": 1,
                        "completions": 0,
                    }
                ],
                "rejected": ["resistance='huge' on P01-S2 segment 4"],
                "changes": 6,
                "unresolved": 3,
            }
        ],
    },
    "predictor": {
        "variable": "resistance_rate",
        "role": "client",
        "kind": "rate",
        "measure": "resistance",
        "method": "ICC(A,1)",
        "estimate": 0.71,
        "ci95": [0.5, 0.85],
        "icc_a1": 0.71,
        "icc_ci95": [0.5, 0.85],
        "g_qk": 0.69,
        "g_ci95": None,
        "n_sessions": 27,
        "n_double_coded": 8,
        "r_change": None,
        "r_change_ci95": None,
        "note": None,
    },
    "transcript_summary": {
        "name": "P01-S2",
        "label": "P01-S2",
        "masked": False,
        "id": 7,
        "participant": "P01",
        "therapist": None,
        "session": 2,
        "date": "2025-12-31",
        "segments": 40,
        "source": "p01_s2.docx",
        "format": "docx",
        "progress": {
            "ana": {"fraction": 0.4333, "coded": 13, "codable": 30, "completed": False},
            "ben": {"fraction": 1.0, "coded": 30, "codable": 30, "completed": True},
        },
    },
    "transcript_masked": {
        "name": "P01-S2",
        "label": "T-0007",
        "masked": True,
        "id": None,
        "participant": "P01",
        "therapist": None,
        "session": 2,
        "date": None,
        "segments": 40,
        "source": "p01_s2.docx",
        "format": "docx",
        "progress": {
            "ana": {"fraction": 0.4333, "coded": 13, "codable": 30, "completed": False},
            "ben": {"fraction": 1.0, "coded": 30, "codable": 30, "completed": True},
        },
    },
    "transcript_view": {
        "transcript": {
            "name": "P01-S2",
            "label": "P01-S2",
            "masked": False,
            "id": 7,
            "participant": "P01",
            "therapist": None,
            "session": 2,
            "date": "2025-12-31",
            "segments": 40,
            "source": "p01_s2.docx",
            "format": "docx",
            "progress": {
                "ana": {"fraction": 0.4333, "coded": 13, "codable": 30, "completed": False},
                "ben": {"fraction": 1.0, "coded": 30, "codable": 30, "completed": True},
            },
        },
        "segments": [
            {
                "index": 1,
                "role": "client",
                "label": "CL",
                "start": 1.25,
                "end": None,
                "start_estimated": True,
                "end_estimated": False,
                "text": "so I thought…",
            }
        ],
    },
    "transcript_view_coder": {
        "transcript": {
            "name": "P01-S2",
            "label": "T-0007",
            "masked": True,
            "id": None,
            "participant": "P01",
            "therapist": None,
            "session": 2,
            "date": None,
            "segments": 40,
            "source": "p01_s2.docx",
            "format": "docx",
            "progress": {
                "ana": {"fraction": 0.4333, "coded": 13, "codable": 30, "completed": False},
                "ben": {"fraction": 1.0, "coded": 30, "codable": 30, "completed": True},
            },
        },
        "segments": [
            {
                "index": 1,
                "role": "client",
                "label": "CL",
                "start": 1.25,
                "end": None,
                "start_estimated": True,
                "end_estimated": False,
                "text": "so I thought…",
                "codes": {"resistance": "mild", "talk": "1"},
                "memo": "a memo",
            },
            {
                "index": 2,
                "role": "client",
                "label": "CL",
                "start": None,
                "end": None,
                "start_estimated": False,
                "end_estimated": False,
                "text": "so I thought…",
                "codes": {"resistance": "mild", "talk": "1"},
                "memo": None,
            },
        ],
        "coder": "ana",
        "session_codes": {"empathy": "4"},
        "completed": True,
    },
    "reliability_report": {
        "study": "study",
        "codebook_version": "mi 3",
        "computed_at": "2026-03-04T05:06:07+00:00",
        "selection": {
            "dimensions": ["resistance"],
            "coders": None,
            "transcripts": None,
            "since": "2026-03-04T05:06:07.891011+00:00",
            "until": None,
        },
        "by": "coder",
        "seed": 5,
        "bootstrap_by": "transcript",
        "dimensions": [{"dimension": "resistance", "alpha": 0.7}],
    },
    "retest_plan": {
        "design": {
            "retest_percent": 25.0,
            "after_days": 7,
            "seed": 3,
            "coders": [],
            "include_assigned": False,
        },
        "pools": {"ana": 4, "ben": 3},
        "retest": [
            {"coder": "ana", "transcript": "P01-S2"},
            {"coder": "ben", "transcript": "P02-S1"},
        ],
    },
    "retest_entry": {
        "coder": "ana",
        "retest_coder": "ana (retest)",
        "transcript": "P01-S2",
        "label": "R-01",
        "after_days": 14,
        "first_completed_at": "2026-03-04T05:06:07.891011+00:00",
        "available_from": "2026-03-05T06:07:08+02:00",
        "available": True,
        "begun": False,
        "completed": False,
    },
    "retest_entry_open": {
        "coder": "ben",
        "retest_coder": "ben (retest)",
        "transcript": "P02-S1",
        "label": "R-02",
        "after_days": 7,
        "first_completed_at": None,
        "available_from": None,
        "available": False,
        "begun": False,
        "completed": False,
    },
    "retest_agreement": {
        "dimension": "resistance",
        "coder": "ana",
        "transcripts": 3,
        "n_units": 44,
        "alpha": 0.8123,
        "ci95": [0.5556, 1.0],
        "level": "good",
        "reason": None,
    },
    "retest_report": {
        "study": "study",
        "computed_at": "2026-03-04T05:06:07.891011+00:00",
        "bootstrap": 1000,
        "seed": None,
        "bootstrap_by": "transcript",
        "test_retest": [
            {
                "dimension": "resistance",
                "coder": "ana",
                "transcripts": 3,
                "n_units": 44,
                "alpha": 0.8123,
                "ci95": [0.5556, 1.0],
                "level": "good",
                "reason": None,
            },
            {
                "dimension": "talk",
                "coder": "(all coders)",
                "transcripts": 0,
                "n_units": 0,
                "alpha": None,
                "ci95": None,
                "level": "",
                "reason": "no units",
            },
        ],
    },
    "session_reliability": {
        "study": "study",
        "codebook_version": "mi 3",
        "computed_at": "2026-03-04T05:06:07+00:00",
        "selection": {"coders": None, "transcripts": ["P01-S2"]},
        "coders": ["ana", "ben"],
        "completed_pairs": 3,
        "incomplete_pairs": 1,
        "session_reliability": [],
        "within_change_reliability": [],
        "skipped": [{"measure": "x", "reason": "no scores"}],
    },
    "setting": {
        "name": "blind",
        "value": True,
        "stored": False,
        "help": "Coders see masked labels",
    },
    "earlier_copy": {"at": "2026-01-02", "kind": "export", "what": "csv", "where": "/tmp/out.csv"},
    "withdraw": {
        "removed": {
            "transcripts": 2,
            "segments": 80,
            "codes": 120,
            "memos": 3,
            "measures": 4,
            "audit_entries": 200,
        },
        "dry_run": True,
        "earlier_copies": [
            {"at": "2026-01-02", "kind": "export", "what": "csv", "where": "/tmp/out.csv"}
        ],
        "models": "retrain 1 model",
        "models_to_retrain": 1,
    },
    "segment_with_codes": {
        "index": 1,
        "role": "client",
        "label": "CL",
        "start": 1.25,
        "end": None,
        "start_estimated": True,
        "end_estimated": False,
        "text": "so I thought…",
        "codes": {"resistance": "mild", "talk": "1"},
        "memo": "a memo",
    },
    "segment_plain": {
        "index": 2,
        "role": "client",
        "label": "CL",
        "start": None,
        "end": None,
        "start_estimated": False,
        "end_estimated": False,
        "text": "so I thought…",
    },
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_json_is_unchanged(name: str) -> None:
    assert ACTUAL[name] == EXPECTED[name]
    assert _printed(ACTUAL[name]) == _printed(EXPECTED[name])


def test_every_record_is_checked() -> None:
    assert set(ACTUAL) == set(EXPECTED)
