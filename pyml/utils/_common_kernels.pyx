"""Build information from the compiled kernel library."""
from pyml.utils._kernel_support cimport pyml_openmp_enabled, pyml_max_threads, pyml_compiler


def openmp_enabled():
    """Whether the kernels were compiled with OpenMP."""
    return bool(pyml_openmp_enabled())


def max_threads():
    """omp_get_max_threads() of the kernel library (1 without OpenMP)."""
    return pyml_max_threads()


def compiler():
    """Compiler id and version that built the kernels."""
    return pyml_compiler().decode("ascii")
