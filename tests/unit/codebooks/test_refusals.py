"""Every kind of bad codebook file is refused with file, line, field and reason."""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path

import pytest

from socialcoder.codebooks import MAX_BYTES, load_codebook, parse_codebook
from socialcoder.errors import CodebookError, UserError

DIM_A = "  - key: a\n    label: A\n"
HEAD = """\
name: Test codebook
version: 1
dimensions:
"""


def refusal(tmp_path: Path, text: str | bytes) -> tuple[Path, str]:
    path = tmp_path / "bad.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert isinstance(info.value, UserError)
    message = str(info.value)
    assert "\n" not in message
    return path, message


# (case id, YAML body, line, words the message must contain)
CASES = [
    (
        "syntax-error",
        HEAD + "  - key: a\n    label: [unclosed\n    scale: binary\n",
        6,
        ["YAML syntax error", "flow sequence (from line 5)"],
    ),
    (
        "duplicate-top-level-key",
        "name: A\nversion: 1\nname: B\ndimensions:\n  - {key: a, label: A, scale: binary}\n",
        3,
        ["'name'", "appears twice", "first on line 1"],
    ),
    (
        "duplicate-key-in-dimension",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    label: B\n",
        7,
        ["field 'label' appears twice in dimensions[0]", "first on line 5"],
    ),
    (
        "duplicate-dimension-key",
        HEAD + "  - {key: a, label: A, scale: binary}\n  - {key: a, label: B, scale: binary}\n",
        5,
        ["dimension 'a'", "field 'key'", "used twice", "first on line 4"],
    ),
    (
        "duplicate-dimension-shortcut-case-insensitive",
        HEAD
        + "  - {key: a, label: A, scale: binary, shortcut: c}\n"
        + "  - {key: b, label: B, scale: binary, shortcut: C}\n",
        5,
        ["dimension 'b'", "field 'shortcut'", "already used by dimension 'a'"],
    ),
    (
        "duplicate-value-shortcut",
        HEAD
        + "  - key: r\n    label: R\n    scale: ordinal\n    values:\n"
        + "      - {value: low, shortcut: l}\n      - {value: high, shortcut: l}\n",
        9,
        ["dimension 'r'", "field 'values[1].shortcut'", "'l'"],
    ),
    (
        "unknown-scale",
        HEAD + "  - key: a\n    label: A\n    scale: likert\n",
        6,
        ["dimension 'a'", "field 'scale'", "'likert' is not a scale", "ordinal"],
    ),
    (
        "nominal-without-values",
        HEAD + "  - key: a\n    label: A\n    scale: nominal\n",
        4,
        ["dimension 'a'", "nominal dimension needs 'values'"],
    ),
    (
        "ordinal-with-one-value",
        HEAD + "  - key: a\n    label: A\n    scale: ordinal\n    values: [only]\n",
        7,
        ["dimension 'a'", "field 'values'", "an ordinal dimension needs at least 2 values"],
    ),
    (
        "values-on-binary",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    values: [yes, no]\n",
        7,
        ["dimension 'a'", "field 'values'", "binary"],
    ),
    (
        "interval-value-not-a-number",
        HEAD
        + "  - key: a\n    label: A\n    scale: interval\n    values:\n      - 1\n      - high\n",
        9,
        ["dimension 'a'", "field 'values[1].value'", "'high' is not a number"],
    ),
    (
        "ratio-value-negative",
        HEAD + "  - key: a\n    label: A\n    scale: ratio\n    values: [0, -2]\n",
        7,
        ["field 'values[1].value'", "negative"],
    ),
    (
        "interval-value-infinite",
        HEAD + DIM_A + "    scale: interval\n    values: [1, .inf]\n",
        7,
        ["field 'values[1].value'", "'.inf' is not a finite number"],
    ),
    (
        "interval-value-boolean",
        HEAD + DIM_A + "    scale: interval\n    values: [1, true]\n",
        7,
        ["field 'values[1].value'", "'true' is not a number"],
    ),
    (
        "number-too-long",
        HEAD + DIM_A + "    scale: interval\n    values: [1, " + "9" * 500 + "]\n",
        7,
        ["field 'dimensions[0].values[1]'", "too long"],
    ),
    (
        "duplicate-values-by-text-form",
        HEAD
        + "  - key: a\n    label: A\n    scale: nominal\n    values:\n      - 1\n      - '1'\n",
        9,
        ["field 'values[1]'", "'1' is listed twice"],
    ),
    (
        "unknown-field",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    defintion: typo\n",
        7,
        ["dimension 'a'", "unknown field 'defintion'", "definition"],
    ),
    (
        "unknown-top-level-field",
        HEAD.replace("version: 1\n", "version: 1\nauthor: me\n")
        + "  - {key: a, label: A, scale: binary}\n",
        3,
        ["unknown field 'author'"],
    ),
    (
        "missing-label",
        HEAD + "  - key: a\n    scale: binary\n",
        4,
        ["dimension 'a'", "required field 'label' is missing"],
    ),
    (
        "bad-key",
        HEAD + "  - key: Concordance\n    label: A\n    scale: binary\n",
        4,
        ["field 'key'", "'Concordance' is not a valid key"],
    ),
    (
        "bad-shortcut",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    shortcut: ab\n",
        7,
        ["dimension 'a'", "field 'shortcut'", "single letter or digit"],
    ),
    (
        "bad-color",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    color: red\n",
        7,
        ["field 'color'", "#RRGGBB"],
    ),
    (
        "unquoted-color-is-a-comment",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    color: #ff0000\n",
        7,
        ["field 'color'", "quote the colour"],
    ),
    (
        "unknown-role",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    applies_to: [patient, nurse]\n",
        7,
        ["field 'applies_to'", "'nurse' is not a speaker role"],
    ),
    (
        "unknown-unit",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    unit: turn\n",
        7,
        ["field 'unit'", "'turn' is not a unit"],
    ),
    (
        "empty-label",
        HEAD + "  - key: a\n    label: ''\n    scale: binary\n",
        5,
        ["field 'label'", "is empty"],
    ),
    (
        "include-item-not-text",
        HEAD
        + "  - key: a\n    label: A\n    scale: binary\n    include:\n      - ok\n      - {x: 1}\n",
        9,
        ["field 'include[1]'", "must be text"],
    ),
    (
        "dimension-not-a-mapping",
        HEAD + "  - just a word\n",
        4,
        ["dimension 1", "must be a mapping"],
    ),
    (
        "no-dimensions",
        "name: A\nversion: 1\ndimensions: []\n",
        3,
        ["field 'dimensions'", "at least one dimension"],
    ),
    (
        "missing-dimensions",
        "name: A\nversion: 1\n",
        1,
        ["required field 'dimensions' is missing"],
    ),
    (
        "anchor",
        HEAD + "  - key: a\n    label: &lab A\n    scale: binary\n",
        5,
        ["anchor '&lab'", "not allowed"],
    ),
    (
        "alias",
        "x: 1\n" + HEAD + "  - key: a\n    label: *lab\n    scale: binary\n",
        6,
        ["alias '*lab'", "not allowed"],
    ),
    (
        "python-tag",
        HEAD + "  - key: a\n    label: !!python/object/apply:os.system ['echo hi']\n",
        5,
        ["tag", "python/object/apply:os.system", "not allowed"],
    ),
    (
        "local-tag",
        HEAD + "  - key: a\n    label: !mytag A\n    scale: binary\n",
        5,
        ["tag '!mytag'", "not allowed"],
    ),
    (
        "two-documents",
        HEAD + "  - {key: a, label: A, scale: binary}\n---\nname: B\n",
        5,
        ["single document"],
    ),
    (
        "deep-nesting",
        HEAD + "  - key: a\n    label: " + "[" * 50 + "]" * 50 + "\n",
        5,
        ["nested more than"],
    ),
    ("empty-file", "", 1, ["the codebook is empty"]),
    ("only-comments", "# nothing here\n", 1, ["the codebook is empty"]),
    ("top-level-list", "- name: A\n- version: 1\n", 1, ["top level must be a mapping", "a list"]),
    ("top-level-scalar", "just some text\n", 1, ["top level must be a mapping"]),
    (
        "numeric-field-name",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    [1, 2]: x\n",
        7,
        ["field name must be a plain word"],
    ),
    ("control-character", HEAD + "  - key: a\x07\n", 4, ["U+0007 is not allowed in YAML"]),
    (
        "empty-means-not-a-value",
        HEAD + "  - key: a\n    label: A\n    scale: ordinal\n    values: [none, some]\n"
        "    empty_means: nothing\n",
        8,
        ["dimension 'a', field 'empty_means'", "'nothing' is not one of the values", "none, some"],
    ),
    (
        "empty-means-on-binary",
        HEAD + "  - key: a\n    label: A\n    scale: binary\n    empty_means: 0\n",
        7,
        ["field 'empty_means'", "already mean 0 (absent)"],
    ),
    (
        "empty-means-on-interval",
        HEAD + "  - key: a\n    label: A\n    scale: interval\n    values: [1, 2]\n"
        "    empty_means: 1\n",
        8,
        ["field 'empty_means'", "for nominal and ordinal dimensions, not interval"],
    ),
]


@pytest.mark.parametrize("text,line,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_file_line_field_and_reason(
    tmp_path: Path, text: str, line: int, words: list[str]
) -> None:
    path, message = refusal(tmp_path, text)
    assert message.startswith(f"{path}:{line}: "), message
    for word in words:
        assert word in message, (word, message)


def test_non_utf8_bytes_are_refused_with_line(tmp_path: Path) -> None:
    text = HEAD + "  - key: a\n    label: caf\xe9\n    scale: binary\n"
    path, message = refusal(tmp_path, text.encode("latin-1"))
    assert message.startswith(f"{path}:5: ")
    assert "not UTF-8" in message
    assert "0xe9" in message


def test_utf8_with_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(("\ufeff" + HEAD + "  - {key: a, label: Café, scale: binary}\n").encode())
    assert load_codebook(path).dimension("a").label == "Café"


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="no such codebook file"):
        load_codebook(tmp_path / "absent.yaml")
    with pytest.raises(CodebookError, match="is a folder"):
        load_codebook(tmp_path)


def test_file_over_one_megabyte_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    # Two megabytes of which only the first line is valid YAML: a parser would fail elsewhere.
    path.write_text("name: x\n" + "[" * (2 * 1024 * 1024), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "too large" in message
    assert f"{MAX_BYTES:,}" in message


def test_text_over_one_megabyte_is_refused_by_parse_codebook() -> None:
    text = HEAD + "  - key: a\n    label: A\n    scale: binary\n" + "#" * (2 * 1024 * 1024)
    with pytest.raises(CodebookError, match=r"^big\.yaml: the codebook is too large"):
        parse_codebook(text, source="big.yaml")


def test_alias_bomb_is_refused_without_expanding(tmp_path: Path) -> None:
    bomb = textwrap.dedent(
        """\
        name: Billion laughs
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        version: *i
        """
    )
    tracemalloc.start()
    try:
        path, message = refusal(tmp_path, bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith(f"{path}:2: ")
    assert "anchor '&a'" in message
    assert peak < 10 * 1024 * 1024


def test_only_the_first_of_several_problems_is_reported_with_a_count(tmp_path: Path) -> None:
    text = HEAD + "  - key: a\n    label: ''\n    scale: likert\n    shortcut: ab\n"
    path, message = refusal(tmp_path, text)
    assert message.startswith(f"{path}:5: dimension 'a', field 'label': is empty")
    assert message.endswith("(and 2 more problems)")


def test_dict_input_errors_name_the_field_without_a_line() -> None:
    from socialcoder.codebooks import codebook_from_dict

    data = {"name": "A", "version": "1", "dimensions": [{"key": "a", "label": "A", "scale": "x"}]}
    with pytest.raises(CodebookError) as info:
        codebook_from_dict(data, source="study 3")
    assert str(info.value).startswith("study 3: dimension 'a', field 'scale': 'x' is not a scale")
