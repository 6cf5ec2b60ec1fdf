"""How the window words a :class:`~socialcoder.errors.UserError`: the located message, then each
remedy as a plain sentence about what to change (the one table of the window's names for
:class:`~socialcoder.errors.Input`; no command-line flag reaches a dialog)."""

from __future__ import annotations

from socialcoder.errors import Fix, Input, Remedy, UserError

#: What each input is called in the window: a noun phrase ("give a segment", "change the
#: threshold"), or for a switch what it allows and for an action what to do.
WORDS: dict[Input, str] = {
    Input.ADD_CODER: "add the coder first",
    Input.ADD_CODERS: "adding the coders it does not know",
    Input.AFTER_DAYS: "the days before the second pass",
    Input.ALLOW_REORDER: "moving existing values",
    Input.BLEEP: "make a bleeped recording of the copy first",
    Input.ANCHORS: "the number of anchor transcripts",
    Input.CODEBOOK: "a codebook file",
    Input.CODEBOOK_UPDATE: "update the study's codebook first",
    Input.CODERS: "the coders",
    Input.CODES: "the codes analysed",
    Input.ENCRYPT: "encrypt it first",
    Input.END: "the end of the excerpt",
    Input.FOLDS: "the number of folds",
    Input.FORCE: "replacing the existing file",
    Input.FORMAT: "the file format",
    Input.GIVEN: "the given codes",
    Input.LEVEL: "the levels of measurement",
    Input.LIST_TRANSCRIPTS: "see the study's transcripts in its transcript list",
    Input.MATRIX: "the whole matrix",
    Input.MIGRATE: "upgrade the study file first",
    Input.NAME: "the transcript's name",
    Input.NEW_PASSPHRASE: "a new passphrase",
    Input.ONE_SPEAKER: "whose text it is (patient or therapist)",
    Input.ORIGINAL_TEXT: "learning from the original text",
    Input.OVERLAP: "the percentage coded twice",
    Input.PASSPHRASE: "its passphrase",
    Input.REASON: "a reason",
    Input.REKEY: "change its passphrase instead",
    Input.REMOVE_LOGIN: "take that login away from the coder first",
    Input.RENAME_CODER: "rename the coder",
    Input.RETEST_PERCENT: "the percentage coded again",
    Input.REVIEW_FILE: "a review file",
    Input.SAMPLE_PATH: "another place for the sample study",
    Input.SEGMENT: "a segment",
    Input.SERVER_SETUP: "have the lab's administrator set the database up first",
    Input.SPEAKER_MAP: "a role for each speaker label",
    Input.START: "the start of the excerpt",
    Input.TARGET: "the target codes",
    Input.THRESHOLD: "the threshold",
    Input.TRAIN_MACHINE: "train a machine coder first",
}

_VERBS: dict[Fix, str] = {
    Fix.GIVE: "give {}",
    Fix.ANOTHER: "change {}",
    Fix.CHANGE: "change {}",
    Fix.SWITCH: "allow {}",
    Fix.OMIT: "leave out {}",
    Fix.RUN: "{}",
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
