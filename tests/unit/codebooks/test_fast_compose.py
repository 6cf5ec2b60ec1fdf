"""The codebook reader composes through libyaml when it can (a 10,000-dimension codebook in
about a second instead of twelve) and falls back to PyYAML's Python composer for anything it
would refuse or cannot parse. Both paths must give the same data, line numbers and messages:
checked here on every codebook in the repository and on texts made to hit each rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from socialcoder.codebooks import yaml_tree
from socialcoder.errors import CodebookError

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted(
    p
    for pattern in ("codebooks/**/*.yaml", "sample_transcripts/*.yaml", "socialcoder/**/*.yaml")
    for p in ROOT.glob(pattern)
    if p.is_file()
)
TEXTS = [
    'name: A\nversion: "1"\ndimensions:\n  - {key: c, label: C, scale: binary}\n',
    "name: A  # a comment\nversion: 1.0\nflag: yes\nwhen: 2024-01-02\nn: 0x1F\nnull_: ~\n",
    "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\nsingle: 'it''s'\n",
    "a: 1\na: 2\n",  # duplicate key
    "a: &x 1\nb: *x\n",  # anchor and alias
    "a: !!python/object:os.system ls\n",  # tag
    "a: !local x\n",
    "a: " + "[" * 60 + "]" * 60 + "\n",  # too deep
    "a: [1, 2\n",  # syntax error
    "a:\n\t- b\n",  # tab
    "a: b\x07\n",  # control character
    "",  # empty
    "# only a comment\n",
    "- 1\n- 2\n",
    "ключ: значение\nemoji: 😀\n",
    "a: 'b\n",
    "{a: 1, b: [x, 'y', \"z\"]}\n",
    "a: 1\n---\nb: 2\n",  # two documents
]


def _outcome(text: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        if not fast:

            def slow(_: str) -> Any:
                raise yaml_tree._UseSlow

            m.setattr(yaml_tree, "_compose_fast", slow)
        try:
            data, lines = yaml_tree.compose_tree(text, source="book.yaml")
        except CodebookError as exc:
            return ("error", str(exc), exc.line)
    return ("data", repr(data), [type(v).__name__ for v in _leaves(data)], lines)


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [x for v in data.values() for x in _leaves(v)]
    if isinstance(data, list):
        return [x for v in data for x in _leaves(v)]
    return [data]


@pytest.mark.parametrize("text", TEXTS)
def test_libyaml_and_python_paths_agree_on_made_texts(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _outcome(text, fast=True, monkeypatch=monkeypatch)
    assert fast == _outcome(text, fast=False, monkeypatch=monkeypatch)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_libyaml_and_python_paths_agree_on_every_codebook_here(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8-sig")
    fast = _outcome(text, fast=True, monkeypatch=monkeypatch)
    assert fast == _outcome(text, fast=False, monkeypatch=monkeypatch)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_a_plain_codebook_takes_the_libyaml_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = yaml_tree._compose_slow

    def spy(text: str, source: str) -> Any:
        calls.append(source)
        return original(text, source)

    monkeypatch.setattr(yaml_tree, "_compose_slow", spy)
    yaml_tree.compose_tree(TEXTS[0], source="book.yaml")
    assert calls == []
    with pytest.raises(CodebookError, match="anchor"):
        yaml_tree.compose_tree(TEXTS[4], source="book.yaml")
    assert calls == ["book.yaml"]
