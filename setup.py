"""Build hook: the sample study's files go into the wheel from where they live.

``sample_transcripts/`` stays at the repository's root (documented, used by the tests and the
README's examples); building the package copies every file of it into
``socialcoder/resources/sample_study/`` so that an installed SocialCoder (wheel, pipx, the
bundle) builds the demo without a checkout. An editable install needs no copy: the demo then
reads the checkout's folder (see ``socialcoder/services/demo.py``). Everything else about the
package is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLES = Path("sample_transcripts")
TARGET = ("socialcoder", "resources", "sample_study")


class BuildPyWithSamples(build_py):
    """``build_py`` plus a copy of ``sample_transcripts/`` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not SAMPLES.is_dir():
            raise SystemExit(f"{SAMPLES}/ is missing: the sample study must be in the package")
        target = Path(self.build_lib, *TARGET)
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(SAMPLES.iterdir()):
            if source.is_file() and not source.name.startswith("."):
                shutil.copy2(source, target / source.name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if SAMPLES.is_dir():
            outputs += [
                str(Path(self.build_lib, *TARGET, s.name))
                for s in sorted(SAMPLES.iterdir())
                if s.is_file() and not s.name.startswith(".")
            ]
        return outputs


setup(cmdclass={"build_py": BuildPyWithSamples})
