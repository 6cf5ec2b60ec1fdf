"""How the command line words a :class:`~socialcoder.errors.UserError`: the located message, then
each remedy with the flag that gives its input (the one table of the command line's names for
:class:`~socialcoder.errors.Input`)."""

from __future__ import annotations

from socialcoder.errors import Fix, Input, Remedy, UserError

#: How the command line gives each input: a flag (with its argument's shape where it helps), or
#: for an action the command that takes it.
FLAGS: dict[Input, str] = {
    Input.ADD_CODER: "socialcoder coders add",
    Input.ADD_CODERS: "--add-coders",
    Input.AFTER_DAYS: "--after",
    Input.ALLOW_REORDER: "--allow-reorder",
    Input.BLEEP: "socialcoder bleep",
    Input.ANCHORS: "--anchors",
    Input.CODEBOOK: "--codebook FILE",
    Input.CODEBOOK_UPDATE: "socialcoder codebook update",
    Input.CODERS: "--coders",
    Input.CODES: "--codes",
    Input.ENCRYPT: "socialcoder encrypt",
    Input.END: "--to",
    Input.FOLDS: "--folds",
    Input.FORCE: "--force",
    Input.FORMAT: "--format",
    Input.GIVEN: "--given",
    Input.LEVEL: "--level",
    Input.LIST_TRANSCRIPTS: "socialcoder transcripts STUDY",
    Input.MATRIX: "--matrix",
    Input.MIGRATE: "socialcoder migrate",
    Input.NAME: "--name",
    Input.NEW_PASSPHRASE: (
        "it at the prompt, or in SOCIALCODER_PASSPHRASE / --passphrase-file for scripts"
    ),
    Input.ONE_SPEAKER: "--one-speaker patient or --one-speaker therapist",
    Input.ORIGINAL_TEXT: "--original-text",
    Input.OVERLAP: "--overlap",
    Input.PASSPHRASE: (
        "its passphrase (at the prompt, in SOCIALCODER_PASSPHRASE, or with --passphrase-file)"
    ),
    Input.REASON: "--reason TEXT",
    Input.REKEY: "socialcoder rekey",
    Input.REMOVE_LOGIN: "socialcoder server remove-login URL --login",
    Input.RENAME_CODER: "socialcoder coders rename",
    Input.RETEST_PERCENT: "--retest",
    Input.REVIEW_FILE: "--review FILE",
    Input.SAMPLE_PATH: "--path",
    Input.SEGMENT: "--segment N",
    Input.SERVER_SETUP: "socialcoder server setup",
    Input.SPEAKER_MAP: "--speaker-map",
    Input.START: "--from",
    Input.TARGET: "--target",
    Input.THRESHOLD: "--threshold",
    Input.TRAIN_MACHINE: "socialcoder machine train",
}

_VERBS: dict[Fix, str] = {
    Fix.GIVE: "give {}",
    Fix.ANOTHER: "choose another with {}",
    Fix.CHANGE: "change {}",
    Fix.SWITCH: "use {}",
    Fix.OMIT: "leave out {}",
    Fix.RUN: "run `{}`",
}


def word_remedy(remedy: Remedy) -> str:
    """``remedy`` in the command line's words, e.g. ``give --segment N``."""
    flags = " and ".join(FLAGS[i] for i in remedy.inputs)
    if remedy.example:
        flags += f" {remedy.example}"
    return _VERBS[remedy.fix].format(flags)


def describe(error: UserError) -> str:
    """The line the command line prints for ``error`` (after ``socialcoder: error:``)."""
    if not error.remedies:
        return str(error)
    return f"{error}; " + ", or ".join(word_remedy(r) for r in error.remedies)
