"""How the window words a :class:`~socialcoder.errors.UserError`: the located message, then each
remedy as a plain sentence about what to change (the one table of the window's names for
:class:`~socialcoder.errors.Input`; no command-line flag reaches a dialog)."""

from __future__ import annotations

from socialcoder.errors import Fix, Input, Remedy, UserError

#: What each input is called in the window: a noun phrase ("give a segment", "change the
#: threshold"), or for a switch what it allows and for an action what to do.
WORDS: dict[Input, str] = {
    Input.ADD_CODERS: "adding the coders it does not know",
    Input.AFTER_DAYS: "the days before the second pass",
    Input.ALLOW_REORDER: "moving existing values",
    Input.ANCHORS: "the number of anchor transcripts",
    Input.CODEBOOK: "a codebook file",
    Input.CODERS: "the coders",
    Input.CODES: "the codes analysed",
    Input.END: "the end of the excerpt",
    Input.FOLDS: "the number of folds",
    Input.FORCE: "replacing the existing file",
    Input.FORMAT: "the file format",
    Input.GIVEN: "the given codes",
    Input.LEVEL: "the levels of measurement",
    Input.MATRIX: "the whole matrix",
    Input.NAME: "the transcript's name",
    Input.NEW_PASSPHRASE: "a new passphrase",
    Input.ONE_SPEAKER: "whose text it is (patient or therapist)",
    Input.ORIGINAL_TEXT: "learning from the original text",
    Input.OVERLAP: "the percentage coded twice",
    Input.PASSPHRASE: "its passphrase",
    Input.REASON: "a reason",
    Input.REMOVE_LOGIN: "take that login away from the coder",
    Input.RETEST_PERCENT: "the percentage coded again",
    Input.REVIEW_FILE: "a review file",
    Input.SAMPLE_PATH: "another place for the sample study",
    Input.SEGMENT: "a segment",
    Input.SPEAKER_MAP: "a role for each speaker label",
    Input.START: "the start of the excerpt",
    Input.TARGET: "the target codes",
    Input.THRESHOLD: "the threshold",
}

_VERBS: dict[Fix, str] = {
    Fix.GIVE: "give {}",
    Fix.ANOTHER: "change {}",
    Fix.CHANGE: "change {}",
    Fix.SWITCH: "allow {}",
    Fix.OMIT: "leave out {}",
    Fix.RUN: "{} first",
}


def word_remedy(remedy: Remedy) -> str:
    """``remedy`` in the window's words, e.g. ``give a segment`` (examples are in the command
    line's syntax, so the window leaves them out)."""
    return _VERBS[remedy.fix].format(" and ".join(WORDS[i] for i in remedy.inputs))


def describe(error: BaseException) -> str:
    """The text the window shows for ``error``: a UserError's message with its remedies."""
    if not isinstance(error, UserError) or not error.remedies:
        return str(error)
    return f"{error}; " + ", or ".join(word_remedy(r) for r in error.remedies)
