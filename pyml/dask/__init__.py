"""Scale-out on Dask: the same pyml models on a cluster, through Dask arrays.

Needs the ``dask`` extra (``pip install 'pyml[dask]'``, i.e. ``dask[distributed]``);
``import pyml`` never imports dask, only ``import pyml.dask`` does.

* :class:`LinearRegression`, :class:`LogisticRegression` (solver="gd"),
  :class:`KMeans` (Lloyd; k-means|| seeding on the cluster, also as
  :func:`kmeans_parallel`) and :class:`GaussianAnomalyDetector`: the in-memory
  estimators, whose ``fit`` also accepts a Dask array chunked by rows. Each
  iteration every block computes partial sums with the C kernels on its
  worker, a fixed-order tree reduction combines them and the client updates
  the parameters; the data never travel to the client. Predictions on a
  Dask array are lazy Dask arrays. Float64 fits equal the in-memory fits to
  floating-point reassociation (tests: 1e-9 relative).
* :class:`ParallelPostFit`: lazy block-wise predict / predict_proba /
  transform / score_samples / decision_function of ANY fitted pyml estimator;
  :class:`Incremental`: ``partial_fit`` streamed over the blocks in order (the
  model travels between the workers, the data stay put).
* Independent fits (GridSearchCV, cross_validate, learning/validation
  curves) go through ``joblib.Parallel``: ``with joblib.parallel_backend("dask"):``
  sends them to the cluster of the active ``dask.distributed.Client``.
"""
from pyml.dask._core import ClusterError, _require_dask

_require_dask()

from pyml.dask._gaussian import GaussianAnomalyDetector  # noqa: E402
from pyml.dask._kmeans import KMeans, kmeans_parallel  # noqa: E402
from pyml.dask._linear import LinearRegression, LogisticRegression  # noqa: E402
from pyml.dask._wrappers import Incremental, ParallelPostFit  # noqa: E402

__all__ = ["ClusterError", "GaussianAnomalyDetector", "Incremental", "KMeans", "LinearRegression", "LogisticRegression",
           "ParallelPostFit", "kmeans_parallel"]
