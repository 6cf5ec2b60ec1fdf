"""Every CLI test runs twice: on plain study files and on encrypted ones (SQLCipher 4).

In the encrypted run the shared study fixtures (tests/conftest.py) copy encrypted templates, the
passphrase is in ``SOCIALCODER_PASSPHRASE`` (as a script would give it), and ``socialcoder init``
run in process makes encrypted studies (as with ``--encrypt``). Tests that open a study file
without SocialCoder use the ``raw_connect`` fixture, which opens either kind.
"""

from __future__ import annotations

import argparse

import pytest


@pytest.fixture(params=["plain", "encrypted"], autouse=True)
def study_encryption(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, test_passphrase: str
) -> str:
    monkeypatch.delenv("SOCIALCODER_NEW_PASSPHRASE", raising=False)
    if request.param != "encrypted":
        monkeypatch.delenv("SOCIALCODER_PASSPHRASE", raising=False)
        return "plain"
    from socialcoder.cli import study_cmds

    monkeypatch.setenv("SOCIALCODER_PASSPHRASE", test_passphrase)
    plain_init = study_cmds.cmd_init

    def encrypted_init(args: argparse.Namespace) -> int:
        args.encrypt = True
        return plain_init(args)

    monkeypatch.setattr(study_cmds, "cmd_init", encrypted_init)
    return "encrypted"
