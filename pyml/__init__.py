"""pyml: Andrew Ng's Machine Learning Specialization as fast C/OpenMP kernels.

Every course algorithm is both an estimator with scikit-learn's (or Keras')
API and the plain function the labs call, backed by the same compiled kernels.

Families (sub-packages, imported on first use: ``pyml.linear_model``, ...):

* Course 1: ``linear_model`` (linear/logistic regression, gradient descent),
  ``preprocessing``, ``metrics``.
* Course 2: ``neural_network`` (Keras-like ``Sequential`` and functional
  ``Model``, MLP estimators), ``model_selection`` (splits, CV, learning curves),
  ``tree`` and ``ensemble`` (decision trees, random forests, boosting).
* Course 3: ``cluster`` (k-means), ``anomaly`` (Gaussian anomaly detection),
  ``decomposition`` (PCA), ``recommender`` (collaborative filtering),
  ``rl`` (Mars rover values, replay buffer, DQN, a C CartPole).
* ``plot`` (the course's figures; the only module importing matplotlib),
  ``datasets`` (bundled and synthetic data), ``utils`` (validation, threads,
  callbacks), ``labs`` (each lab's own function names and argument orders, so
  a lab's code runs with only its import lines changed).

Entry points: the ``pyml`` command (``pyml tour`` runs every chapter of the
courses on bundled data and saves the figures; ``pyml info`` shows the build,
OpenMP and SIMD configuration) and this Python API. The README (README.md in
the source distribution) documents each family with runnable examples.
"""
import importlib
import os

__version__ = "0.1.0"

# OpenMP threads that wait at a barrier sleep instead of spinning, unless the user chose a policy:
# with another process busy on the machine, spinning threads steal the cores the working threads
# need, and a 2-thread fit ran up to 1.7x slower than 1 thread (WB in benchmarks/bench_busy.py);
# passive waiting keeps it within 1.1x, for ~0-10% on idle 2-thread fits. Set before any pyml
# extension loads the OpenMP runtime (which reads it once).
if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

_SUBPACKAGES = {
    "anomaly", "base", "cluster", "datasets", "decomposition", "ensemble", "exceptions", "labs", "linear_model",
    "metrics", "model_selection", "neural_network", "plot", "preprocessing", "recommender", "rl", "tree", "utils",
}

__all__ = ["__version__", "show_config", "get_config", *sorted(_SUBPACKAGES)]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"pyml.{name}")
    if name in ("show_config", "get_config"):
        from pyml import _config

        return getattr(_config, name)
    raise AttributeError(f"module 'pyml' has no attribute {name!r}")
