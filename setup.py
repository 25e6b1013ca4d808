"""Build the Cython kernels in ext/ into tsnplan._ext.<stem>; everything else is in pyproject.toml."""
import os
from glob import glob
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

DEBUG = os.environ.get("TSNPLAN_DEBUG_KERNELS") == "1"
DIRECTIVES = {
    "language_level": 3, "boundscheck": DEBUG, "wraparound": False, "initializedcheck": DEBUG,
    "cdivision": True, "nonecheck": False,
}

extensions = [
    Extension(f"tsnplan._ext.{Path(source).stem}", [source], include_dirs=[numpy.get_include(), "ext"],
              define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
              extra_compile_args=["-O3"])
    for source in sorted(glob("ext/*.pyx"))
]

# topologies/ ships inside the package as tsnplan.topologies, so `tsnplan demo` finds its plant.
setup(packages=find_packages(include=["tsnplan", "tsnplan.*"]) + ["tsnplan.topologies"],
      package_dir={"tsnplan.topologies": "topologies"},
      ext_modules=cythonize(extensions, include_path=["ext"], compiler_directives=DIRECTIVES, quiet=True))
