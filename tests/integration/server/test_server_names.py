"""`server add-coder` creates a coder when the study lacks one: by the same name rule as every
other path (unique ignoring case, no reserved words), while an existing coder keeps its name."""

from __future__ import annotations

import pytest

from socialcoder.errors import UserError
from socialcoder.services.coders import add_coders, list_coders
from socialcoder.services.server_logins import add_coder_login
from socialcoder.services.study import open_study


def test_add_coder_login_follows_the_name_rule(make_lab, pg_database):
    lab = make_lab(coders=("ana",), leads=())
    with pytest.raises(UserError, match="'ANA' already exists as 'ana'"):
        add_coder_login(lab.admin, "ANA", pg_database.login("c_ana2"))
    with pytest.raises(UserError, match="reserved"):
        add_coder_login(lab.admin, "all", pg_database.login("c_all"))
    with open_study(lab.admin) as study:
        add_coders(study, ["cleo"])
    add_coder_login(lab.admin, "cleo", pg_database.login("c_cleo"))  # an existing coder
    with open_study(lab.admin) as study:
        assert [c.name for c in list_coders(study)] == ["ana", "cleo"]
