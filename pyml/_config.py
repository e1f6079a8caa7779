"""Build and runtime configuration: ``pyml.show_config()`` / ``pyml info``."""
import os
import platform
import sys

import numpy as np

__all__ = ["get_config", "show_config"]


def get_config():
    """Dict with version, compiler, OpenMP, thread counts and float types."""
    from pyml import __version__
    from pyml.utils import _common_kernels as ck
    from pyml.utils._threads import usable_cpu_count

    return {
        "pyml": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "compiler": ck.compiler(),
        "openmp": ck.openmp_enabled(),
        "omp_max_threads": ck.max_threads(),
        "usable_cores": usable_cpu_count(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)")
        + (f", GOMP_SPINCOUNT={os.environ['GOMP_SPINCOUNT']}" if "GOMP_SPINCOUNT" in os.environ else ""),
        "float_types": "float32, float64",
        **{f"simd {k}": v for k, v in ck.simd_paths().items()},
    }


def show_config(file=None):
    """Print :func:`get_config` as aligned ``key: value`` lines."""
    cfg = get_config()
    width = max(len(k) for k in cfg)
    for key, value in cfg.items():
        print(f"{key:<{width}} : {value}", file=file or sys.stdout)
