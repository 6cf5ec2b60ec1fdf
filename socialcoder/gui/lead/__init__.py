"""The study lead's views: progress and assignments, reliability dashboard, disagreement review
and calibration (see :mod:`socialcoder.gui.lead.workspace`). Only reachable in the lead role."""
