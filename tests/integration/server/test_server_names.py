"""`server add-coder` creates a coder when the study lacks one: by the same name rule as every
other path (unique ignoring case, no reserved words), while an existing coder keeps its name."""

from __future__ import annotations

import pytest

from socialcoder.errors import UserError
from socialcoder.services.coders import add_coders, list_coders
from socialcoder.services.server import add_coder_login, setup_server
from socialcoder.services.study import open_study


def test_add_coder_login_follows_the_name_rule(pg_database, build_shared):
    url = pg_database()
    build_shared(url)
    setup_server(url)
    with open_study(url) as study:
        add_coders(study, ["ana"])
    with pytest.raises(UserError, match="'ANA' already exists as 'ana'"):
        add_coder_login(url, "ANA", pg_database.login("sc_ana2"))
    with pytest.raises(UserError, match="reserved"):
        add_coder_login(url, "all", pg_database.login("sc_all"))
    add_coder_login(url, "ana", pg_database.login("sc_ana"))  # the existing coder
    with open_study(url) as study:
        assert [c.name for c in list_coders(study)] == ["ana"]
