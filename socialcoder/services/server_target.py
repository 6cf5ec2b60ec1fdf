"""Where a server study is: the URL a user types (and a password given apart), checked and
completed, and opening it, every refusal as one readable :class:`UserError` line. The window's
*Open server study* dialog uses these; the password is never stored (settings and the recent
list keep :func:`socialcoder.storage.db.describe`'s form, where a password shows as ``***``).
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from socialcoder.errors import UserError
from socialcoder.services.study import Study, open_study

EXAMPLE = "postgresql+psycopg://user@host/db"
HIDDEN = "***"  # how a stored URL shows its password (never the password itself)


def _no_password(url: URL) -> URL:
    """``url`` without a password (``URL.set(password=None)`` would keep the old one)."""
    return URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )


def server_url(text: str, password: str = "") -> URL:
    """The URL to connect with: ``text`` checked and completed with ``password`` (the field
    wins over a password written in the URL). Raises :class:`UserError` with a readable line."""
    text = text.strip()
    if not text:
        raise UserError(f"enter the server study's URL, e.g. {EXAMPLE}")
    if "://" not in text:
        raise UserError(f"{text!r} is not a database URL; write it like {EXAMPLE}")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise UserError(f"{text!r} is not a database URL; write it like {EXAMPLE}") from None
    if url.get_backend_name() != "postgresql":
        raise UserError(
            f"only PostgreSQL servers are supported (the URL starts with postgresql+psycopg://); "
            f"to open a study file use File > Open study… ({url.get_backend_name()!r} given)"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise UserError(f"the URL names no database; write it like {EXAMPLE}")
    if password:
        url = url.set(password=password)
    elif url.password == HIDDEN:
        url = _no_password(url)
    return url


def without_password(text: str) -> str:
    """``text`` with any password removed (to prefill the dialog from the recent list)."""
    try:
        return _no_password(make_url(text)).render_as_string(hide_password=False)
    except (ArgumentError, ValueError):
        return text


def needs_password(target: str) -> bool:
    """A stored URL whose password was hidden: it must be asked for again."""
    try:
        return "://" in target and make_url(target).password == HIDDEN
    except (ArgumentError, ValueError):
        return False


def connect(url: URL) -> Study:
    """Open the study at ``url`` (slow: from a worker thread in the GUI); every refusal is a
    UserError."""
    try:
        return open_study(url.render_as_string(hide_password=False))
    except UserError:
        raise
    except (ImportError, SQLAlchemyError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        where = url.render_as_string(hide_password=True)
        raise UserError(f"cannot open the server study: {first}", source=where) from None
