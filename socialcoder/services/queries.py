"""Temporary (#12): the transcript list is :mod:`socialcoder.services.transcript_list`, one
transcript with codes :mod:`socialcoder.services.transcript_view`. Only ``gui/controller.py``
still imports these names from here: it was being split by other hands when this module was;
point it at :mod:`socialcoder.services.transcript_view` and delete this module."""

from socialcoder.services.transcript_view import SegmentView, next_uncoded_segment, show_transcript

__all__ = ["SegmentView", "next_uncoded_segment", "show_transcript"]
