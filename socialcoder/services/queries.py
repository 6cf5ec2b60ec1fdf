"""Temporary (#12): the transcript list is :mod:`socialcoder.services.transcript_list`, one
transcript with codes :mod:`socialcoder.services.transcript_view`. Only ``gui/controller.py``
and ``gui/lead/assignments_view.py`` still import these names from here: they were being
split by other hands when this module was; point them at the two modules and delete this
one."""

from socialcoder.services.transcript_list import CoderProgress, TranscriptSummary, list_transcripts
from socialcoder.services.transcript_view import SegmentView, next_uncoded_segment, show_transcript

__all__ = [
    "CoderProgress",
    "SegmentView",
    "TranscriptSummary",
    "list_transcripts",
    "next_uncoded_segment",
    "show_transcript",
]
