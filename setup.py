"""Builds the extension annlab._annlab with the project's CMake (only that target, in
build/python, reusing the build between installs) and puts it into the package.

Environment: ANNLAB_PYTHON_BUILD_DIR (default build/python), ANNLAB_BUILD_JOBS (default: all
cores), ANNLAB_CMAKE_ARGS (extra -D options, space separated).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def project_version() -> str:
    """The version in CMakeLists.txt's project() call: one number for C++ and Python."""
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    return re.search(r"project\(annlab\s+VERSION\s+([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("ANNLAB_PYTHON_BUILD_DIR", ROOT / "build" / "python"))
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DANNLAB_BUILD_TESTS=OFF", "-DANNLAB_BUILD_BENCH=OFF", "-DANNLAB_BUILD_PYTHON=ON",
            "-DANNLAB_BUILD_DASHBOARD=OFF",  # the extension needs neither node nor httplib
            f"-DPython3_EXECUTABLE={sys.executable}",
        ]
        if shutil.which("ninja") and not (build_dir / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja"]
        configure += os.environ.get("ANNLAB_CMAKE_ARGS", "").split()
        subprocess.check_call(configure)
        jobs = os.environ.get("ANNLAB_BUILD_JOBS") or str(os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "_annlab",
                               "-j", jobs])
        built = sorted((build_dir / "src" / "adapters" / "python").glob("_annlab*.so"))
        if not built:
            raise RuntimeError(f"the build made no _annlab*.so in {build_dir}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[-1], target)


setup(
    version=project_version(),
    ext_modules=[CMakeExtension("annlab._annlab")],
    cmdclass={"build_ext": CMakeBuild},
)
