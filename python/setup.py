"""Builds the tsne Python package from the C++ headers in ../include (no second implementation).

    pip install ./python --no-build-isolation      (Debian bookworm; see README.md, "Python")

The extension's three output dimensions are separate translation units (src/dims{1,2,3}.cpp) and
compile in parallel (setup.py build_ext -j, or the CMake build). TSNE_NATIVE=0 drops -march=native
(on by default: the kernels use the machine's widest SIMD, as the CLI does).
"""
import os
import sys

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

here = os.path.dirname(os.path.abspath(__file__))
include = os.path.join(here, "..", "include")
if not os.path.isdir(os.path.join(include, "tsne")):
    sys.exit(f"tsne: the C++ headers are not at {include}: build from a clone of the repository")


def first_dir(*candidates):
    return [c for c in candidates if os.path.isdir(c)][:1]


flags = ["-g0",  # Python's own CFLAGS add -g: debug info costs compile time and memory here
         "-ffp-contract=off", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
         "-Wno-uninitialized", "-Wno-maybe-uninitialized"]  # GCC < 13's AVX-512 false positives (README)
if os.environ.get("TSNE_NATIVE", "1") != "0":
    flags.append("-march=native")

ParallelCompile("TSNE_BUILD_JOBS", default=2).install()
ext = Pybind11Extension(
    "tsne._tsne",
    [os.path.join("src", f) for f in ("module.cpp", "dims1.cpp", "dims2.cpp", "dims3.cpp", "maps.cpp")],
    include_dirs=[include],
    cxx_std=17,
    # Eigen as a system header: its own unused variables are not this build's -Werror's business.
    extra_compile_args=[a for d in first_dir("/usr/include/eigen3", "/usr/local/include/eigen3")
                        for a in ("-isystem", d)] + flags,
)
setup(
    name="tsne",
    version="0.1.0",
    description="Fast t-SNE (Barnes-Hut, FFT, exact) from the tsne C++ header-only library",
    packages=["tsne"],
    ext_modules=[ext],
    cmdclass={"build_ext": build_ext},
    install_requires=["numpy"],
    python_requires=">=3.8",
    zip_safe=False,
)
