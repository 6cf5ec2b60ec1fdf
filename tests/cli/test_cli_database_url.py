"""Database URLs SocialCoder cannot use: one line that says what to install or that the engine
is unsupported, exit 2 (issue #10, item 6)."""

from __future__ import annotations

import sys

import pytest


def _one_line(result, *needles: str) -> None:
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith("socialcoder: error: ") and result.err.count("\n") == 1
    assert "internal error" not in result.err
    for needle in needles:
        assert needle in result.err, result.err


@pytest.mark.parametrize("command", [("info",), ("init",), ("migrate",), ("transcripts",)])
def test_postgres_url_without_psycopg_says_what_to_install(cli, monkeypatch, command) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as after the quick-start install
    result = cli(*command, "postgresql+psycopg://coder:s3cret@db.example.org/trial")
    _one_line(result, "pip install 'socialcoder[postgres]'", "postgresql+psycopg://coder:***@")
    assert "s3cret" not in result.err


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://u@localhost/trial", "database engine 'mysql' is not supported"),
        ("mssql+pyodbc://u@dsn", "database engine 'mssql' is not supported"),
        ("nosuchengine://x", "database engine 'nosuchengine' is not supported"),
        ("postgresql+psycopg2://u@localhost/trial", "driver 'psycopg2' is not supported"),
        ("postgresql+psycopg://u@localhost:port/trial", "is not a database URL"),
    ],
)
def test_unsupported_urls(cli, url: str, needle: str) -> None:
    _one_line(cli("info", url), needle)


def test_a_server_that_does_not_answer_is_one_line(cli) -> None:
    pytest.importorskip("psycopg")
    # port 1 on this machine: nothing listens there, so the connection is refused at once
    _one_line(cli("info", "postgresql://u@127.0.0.1:1/trial"), "cannot open the study")
