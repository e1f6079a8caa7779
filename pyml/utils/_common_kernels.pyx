"""Build information from the compiled kernel library."""
from pyml.utils._kernel_support cimport pyml_openmp_enabled, pyml_max_threads, pyml_compiler, pyml_simd_dispatch

cdef extern from "nn_layout.h" nogil:
    int pyml_nn_wide_tiles()


def openmp_enabled():
    """Whether the kernels were compiled with OpenMP."""
    return bool(pyml_openmp_enabled())


def max_threads():
    """omp_get_max_threads() of the kernel library (1 without OpenMP)."""
    return pyml_max_threads()


def compiler():
    """Compiler id and version that built the kernels."""
    return pyml_compiler().decode("ascii")


def simd_paths():
    """SIMD code paths selected at run time, per kernel family (a dict of short descriptions)."""
    level = pyml_simd_dispatch()
    loops = {2: "x86-64-v3 clone (AVX2 + FMA)", 1: "baseline clone (SSE2)", 0: "build target (no run-time dispatch)"}[level]
    gemm = "AVX-512 8x32 tile" if pyml_nn_wide_tiles() else ("AVX2/FMA 4-row tile" if level == 2 else "portable 4-row tile")
    return {"nn gemm": gemm, "linear/cluster/anomaly/tree loops": loops}
