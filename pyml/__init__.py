"""pyml: Andrew Ng's Machine Learning Specialization as fast C/OpenMP kernels.

Sub-packages are imported on first use (``pyml.linear_model``, ...).
"""
import importlib

__version__ = "0.1.0"

_SUBPACKAGES = {
    "anomaly", "base", "cluster", "datasets", "ensemble", "exceptions", "linear_model", "metrics",
    "model_selection", "neural_network", "plot", "preprocessing", "tree", "utils",
}

__all__ = ["__version__", "show_config", "get_config", *sorted(_SUBPACKAGES)]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"pyml.{name}")
    if name in ("show_config", "get_config"):
        from pyml import _config

        return getattr(_config, name)
    raise AttributeError(f"module 'pyml' has no attribute {name!r}")
