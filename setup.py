"""Ships the top-level `resources/` folder inside the wheel as `noc_board/_resources`.

Everything else about the build is in pyproject.toml. `noc_board.resources.resources_dir()`
finds the folder in a wheel, in a source checkout and in the frozen bundle alike.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithResources(build_py):
    """build_py that also copies resources/ (sounds, configs, demo scenarios) into the package."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "resources"
        target = Path(self.build_lib) / "noc_board" / "_resources"
        shutil.copytree(source, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithResources})
