"""GaussianAnomalyDetector on Dask arrays: per-block moments combined with Chan's parallel formula.

Every row block b computes, on its worker with pyml's C moments kernel, its
row count :math:`n_b`, mean :math:`\\mu_b` and sum of squared deviations
:math:`M_b = n_b \\sigma_b^2`. Two partials combine as (Chan, Golub & LeVeque)

.. math:: n = n_a + n_b, \\quad \\delta = \\mu_b - \\mu_a, \\quad
          \\mu = \\mu_a + \\delta \\frac{n_b}{n}, \\quad
          M = M_a + M_b + \\delta^2 \\frac{n_a n_b}{n}

in a fixed binary tree; :math:`\\sigma^2 = M / n` (1/m, as the lab). The full
covariance takes a second pass: each block returns
:math:`(X_b - \\mu)^T (X_b - \\mu)` in float64, summed in the same fixed
order. Float64 moments agree with the in-memory fit to about 1e-14 relative.
"""
import numpy as np

from pyml.anomaly import _anomaly_kernels as _ak
from pyml.anomaly._gaussian import (
    GaussianAnomalyDetector as _GaussianAnomalyDetector, _check_variances, _cholesky, _scan,
)
from pyml.dask import _core
from pyml.dask._kmeans import chan_combine
from pyml.utils.validation import check_array

__all__ = ["GaussianAnomalyDetector"]


def _moments_block(Xb, dtype, n_jobs):
    X = _core.as_block(Xb, dtype)
    mean, var = _ak.fit_diag(X, _core.task_threads(n_jobs, X.shape[0], 8192))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
        check_array(X, caller="GaussianAnomalyDetector")  # names the first NaN / inf of this block
    n = X.shape[0]
    return n, mean.astype(np.float64), var.astype(np.float64) * n


def _gram_block(Xb, mean):
    Xc = np.asarray(Xb, dtype=np.float64) - mean
    return (Xc.T @ Xc,)


class GaussianAnomalyDetector(_GaussianAnomalyDetector):
    """:class:`pyml.anomaly.GaussianAnomalyDetector` that also fits Dask arrays.

    Same parameters and fitted attributes. On a Dask X chunked by rows the
    moments come from one distributed pass (two for ``covariance="full"``),
    combined in a fixed order (see the module docstring). With
    ``epsilon=None`` and a ``contamination``, the training log-densities
    (n float64 values, 1/n_features of the data) are brought to the client
    for the exact quantile. ``score_samples``, ``density``,
    ``decision_function`` and ``predict`` of a Dask array return lazy Dask
    arrays; ``fit_threshold`` accepts a Dask validation set.

    Parameters
    ----------
    covariance, epsilon, contamination, n_jobs
        As :class:`pyml.anomaly.GaussianAnomalyDetector`.

    Attributes
    ----------
    mean_, var_, covariance_, epsilon_, log_epsilon_, f1_, n_features_in_
    """

    def fit(self, X, y=None):
        """Estimate the Gaussian from (normal) examples X (n_samples, n_features); returns self."""
        if not _core.is_dask_collection(X):
            return super().fit(X, y)
        # the parameter checks of the in-memory fit, on a 2-row stand-in (no data touched)
        super().fit(np.array([[0.0], [1.0]]))
        _core.check_row_chunked(X, self)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        (X,) = _core.persist_if_fits(X)
        parts = [_core.task(_moments_block)(xb, dtype, self.n_jobs) for (xb,) in _core.aligned_blocks(X)]
        n, mean, m2 = _core.compute(_core.tree_reduce(parts, chan_combine))[0]
        if n < 2:
            raise ValueError(f"GaussianAnomalyDetector: X has {n} row(s); at least 2 are required")
        mean, var = mean.astype(dtype), (m2 / n).astype(dtype)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
            raise ValueError("GaussianAnomalyDetector: the variance of X overflows its dtype; rescale X")
        _check_variances(var, "GaussianAnomalyDetector")
        self.mean_, self.var_ = mean, var
        if self.covariance == "full":
            mean64 = mean.astype(np.float64)
            grams = [_core.task(_gram_block)(xb, mean64) for (xb,) in _core.aligned_blocks(X)]
            (S,) = _core.compute(_core.tree_reduce(grams, _core.sum_partials))[0]
            cov = S / n
            self._chol, self._log_det = _cholesky(cov, "GaussianAnomalyDetector")
            self.covariance_ = cov.astype(dtype)
        else:
            self._chol = None
            self.covariance_ = np.diag(var)
        self.n_features_in_ = X.shape[1]
        self._set_threshold(int(n), lambda step: self.score_samples(X[::step]).compute())
        return self

    def _lazy(self, name, X):
        import functools

        return _core.lazy_method(functools.partial(getattr(_GaussianAnomalyDetector, name), self), X, self)

    def score_samples(self, X):
        """log p(x) of every row; a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return self._lazy("score_samples", X)
        return super().score_samples(X)

    def density(self, X):
        """p(x) = exp(log p(x)); lazy for a Dask X."""
        if _core.is_dask_collection(X):
            return self._lazy("density", X)
        return super().density(X)

    def decision_function(self, X):
        """log p(x) - log(epsilon); lazy for a Dask X."""
        if _core.is_dask_collection(X):
            self._log_epsilon()  # the "no threshold" error now, not at compute time
            return self._lazy("decision_function", X)
        return super().decision_function(X)

    def predict(self, X):
        """1 for anomalies, 0 for normal rows; lazy for a Dask X."""
        if _core.is_dask_collection(X):
            self._log_epsilon()
            return self._lazy("predict", X)
        return super().predict(X)

    def fit_threshold(self, X_val, y_val, *, method="exact", n_steps=1000):
        """Choose ``epsilon_`` by F1 on labelled validation data (X_val may be a Dask array)."""
        if not _core.is_dask_collection(X_val):
            return super().fit_threshold(X_val, y_val, method=method, n_steps=n_steps)
        logp = np.asarray(self.score_samples(X_val).compute(), dtype=np.float64)
        y_val = np.asarray(y_val.compute() if _core.is_dask_collection(y_val) else y_val)
        if method == "exact":
            log_eps, f1, _, _ = _scan(y_val, logp, "exact", n_steps, "fit_threshold")
            self.log_epsilon_ = float(log_eps)
            self.epsilon_ = float(np.exp(log_eps))
        else:
            self.epsilon_, f1, _, _ = _scan(y_val, np.exp(logp), method, n_steps, "fit_threshold")
            self.log_epsilon_ = float(np.log(self.epsilon_)) if self.epsilon_ > 0 else -np.inf
        self.f1_ = float(f1)
        return self

