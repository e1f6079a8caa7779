"""Gaussian anomaly detection (Course 3, week 1).

Fit a Gaussian to normal examples, flag an example as an anomaly when its
density is below a threshold epsilon chosen on a labelled validation set by
F1. Densities are computed as log-densities in C (``csrc/anomaly.c``), so
values such as 1e-18 or 1e-300 neither underflow nor lose precision.
"""
import numbers

import numpy as np

from pyml.anomaly import _anomaly_kernels as _k
from pyml.base import BaseEstimator
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.validation import check_array, check_is_fitted, check_n_features, check_vector

__all__ = ["GaussianAnomalyDetector", "estimate_gaussian", "multivariate_gaussian", "select_threshold"]

_LOG_2PI = float(np.log(2.0 * np.pi))


def _threads(n_jobs, n):
    return threads_for_work(resolve_n_jobs(n_jobs), n, min_items_per_thread=8192)


_QUANTILE_ROWS = 16384


def _check_variances(var, caller):
    bad = np.flatnonzero(~(var > 0))
    if bad.size:
        kind = "negative or NaN" if np.any(~(var[bad] == 0)) else "zero"
        raise ValueError(f"{caller}: feature(s) {bad.tolist()} have {kind} variance; the Gaussian density is "
                         "degenerate there: pass positive variances (for constant features: drop them, or add a "
                         "little noise)")


def estimate_gaussian(X):
    """Per-feature mean and variance (the lab's ``estimate_gaussian``).

    .. math:: \\mu_j = \\frac{1}{m} \\sum_i x_j^{(i)}, \\qquad
              \\sigma_j^2 = \\frac{1}{m} \\sum_i (x_j^{(i)} - \\mu_j)^2

    Parameters
    ----------
    X : array-like of shape (m, n)

    Returns
    -------
    mu : ndarray of shape (n,)
    var : ndarray of shape (n,)
    """
    X = check_array(X, caller="estimate_gaussian")
    return _k.fit_diag(X, _threads(None, X.shape[0]))


def _log_density(X, mu, var, n_threads, caller):
    """log p(x) for a diagonal (var 1-D) or full (var 2-D) covariance."""
    d = X.shape[1]
    mu = check_array(mu, name="mu", caller=caller, ensure_2d=False, dtype=np.float64)
    if mu.shape != (d,):
        raise ValueError(f"{caller}: mu must have shape ({d},), got {mu.shape}")
    mu = np.ascontiguousarray(mu, dtype=X.dtype)
    # var: numeric and finite (NaN / negative variances are reported by _check_variances with the features)
    var = check_array(var, name="var", caller=caller, ensure_2d=False, dtype=np.float64, ensure_finite=False)
    if np.isinf(var).any():
        raise ValueError(f"{caller}: var contains infinity; pass finite variances (a covariance of the features)")
    if var.ndim == 1 or (var.ndim == 2 and var.shape == (1, d) and d != 1):
        var = var.reshape(-1).astype(np.float64)
        if var.shape != (d,):
            raise ValueError(f"{caller}: var must have shape ({d},) or ({d}, {d}), got {var.shape}")
        _check_variances(var, caller)
        log_norm = -0.5 * (d * _LOG_2PI + float(np.sum(np.log(var))))
        return _k.logpdf_diag(X, mu, np.ascontiguousarray(1.0 / var, dtype=X.dtype), log_norm, n_threads)
    if var.shape != (d, d):
        raise ValueError(f"{caller}: var must have shape ({d},) or ({d}, {d}), got {var.shape}")
    L, log_det = _cholesky(var, caller)
    log_norm = -0.5 * (d * _LOG_2PI + log_det)
    return _k.logpdf_full(X, mu, np.ascontiguousarray(L, dtype=X.dtype), log_norm, n_threads)


def _cholesky(cov, caller):
    """(L, log det Sigma) with Sigma = L L^T, done once in NumPy (the C kernel solves L z = x - mu)."""
    cov = np.asarray(cov, dtype=np.float64)
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(cov).max()))):
        raise ValueError(f"{caller}: the covariance matrix is not symmetric")
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(f"{caller}: the covariance matrix is singular or not positive definite (collinear or "
                         "constant features): drop redundant features or use covariance='diagonal'") from None
    return L, 2.0 * float(np.sum(np.log(np.diag(L))))


def multivariate_gaussian(X, mu, var):
    """Density p(x) of every example (the lab's ``multivariate_gaussian``).

    With ``var`` of shape (n,) the covariance is ``diag(var)``:

    .. math:: p(x) = \\prod_j \\frac{1}{\\sqrt{2\\pi\\sigma_j^2}}
              \\exp\\left(-\\frac{(x_j - \\mu_j)^2}{2\\sigma_j^2}\\right)

    with ``var`` of shape (n, n) it is the full covariance :math:`\\Sigma`:
    :math:`p(x) = (2\\pi)^{-n/2} |\\Sigma|^{-1/2} \\exp(-\\tfrac12 (x-\\mu)^T \\Sigma^{-1} (x-\\mu))`.
    Computed as ``exp`` of the log-density (see
    :meth:`GaussianAnomalyDetector.score_samples` to keep logs).

    Parameters
    ----------
    X : array-like of shape (m, n)
    mu : array-like of shape (n,)
    var : array-like of shape (n,) or (n, n)

    Returns
    -------
    p : ndarray of shape (m,)
    """
    X = check_array(X, caller="multivariate_gaussian")
    return np.exp(_log_density(X, np.asarray(mu), var, _threads(None, X.shape[0]), "multivariate_gaussian"))


def _check_binary_labels(y, n, caller):
    y = check_vector(y, name="y_val", caller=caller, dtype=None)
    if y.shape[0] != n:
        raise ValueError(f"{caller}: y_val has {y.shape[0]} labels but p_val has {n} values")
    if y.dtype.kind == "b":
        y = y.astype(np.uint8)
    values = np.unique(y)
    if not np.all(np.isin(values, (0, 1))):
        raise ValueError(f"{caller}: y_val must hold 0 (normal) and 1 (anomaly), got values {values[:10].tolist()}")
    if values.size < 2:
        what = "no anomalies (all 0)" if values[0] == 0 else "no normal examples (all 1)"
        raise ValueError(f"{caller}: y_val has {what}; F1 is undefined: the validation set needs both normal "
                         "examples and labelled anomalies")
    return np.ascontiguousarray(y, dtype=np.uint8)


def _scan(y_val, p_val, method, n_steps, caller):
    """(epsilon, F1, grid, f1 per grid point or None) on the values ``p_val``."""
    p = check_vector(p_val, name="p_val", caller=caller, dtype=np.float64)
    if p.size == 0:
        raise ValueError(f"{caller}: p_val is empty")
    y = _check_binary_labels(y_val, p.shape[0], caller)
    order = np.argsort(p, kind="stable")
    ps, ys = np.ascontiguousarray(p[order]), np.ascontiguousarray(y[order])
    if method == "exact":
        cut, f1 = _k.f1_exact_scan(ps, ys)
        if cut == 0:
            return float(ps[0]), 0.0, None, None
        # Flag the `cut` smallest values: epsilon halfway to the next value.
        eps = float(ps[cut - 1] + (ps[cut] - ps[cut - 1]) / 2) if cut < ps.size else float(np.nextafter(ps[-1], np.inf))
        if cut < ps.size and not ps[cut - 1] < eps:
            eps = float(ps[cut])
        return eps, f1, None, None
    if method == "grid":
        lo, hi = float(ps[0]), float(ps[-1])
        if not hi > lo:
            raise ValueError(f"{caller}: all values of p_val are equal; there is no threshold to choose")
        step = (hi - lo) / n_steps
        if not step > 0:   # subnormal densities: (max - min) / n_steps underflows and np.arange divides by 0
            raise ValueError(f"{caller}: p_val spans too small a range (max - min = {hi - lo:.3g}) for {n_steps} "
                             "grid steps; use method='log-grid' or method='exact' (or compare log-densities)")
        grid = np.arange(lo, hi, step)  # the lab's np.arange(min, max, step)
    elif method == "log-grid":
        pos = ps[ps > 0]
        if pos.size == 0 or ps[0] < 0:
            raise ValueError(f"{caller}: method='log-grid' needs non-negative densities, some positive")
        # Densities that underflowed to 0 are below every grid point (flagged).
        lo, hi = np.log(pos[0]), np.log(ps[-1])
        if not hi > lo:
            raise ValueError(f"{caller}: all values of p_val are equal; there is no threshold to choose")
        grid = np.exp(np.linspace(lo, hi, n_steps + 1))
        # exp(log(p)) can round 1 ulp above p: pin the ends to the values themselves, so the first point
        # flags exactly the underflowed densities (below the smallest positive one)
        grid[0], grid[-1] = pos[0], ps[-1]
    else:
        raise ValueError(f"{caller}: method must be 'grid', 'log-grid' or 'exact', got {method!r}")
    grid = np.ascontiguousarray(grid, dtype=np.float64)
    best, f1, f1s = _k.f1_grid_scan(ps, ys, grid)
    return (float(grid[best]) if best >= 0 else 0.0), f1, grid, f1s


def select_threshold(y_val, p_val, *, method="grid", n_steps=1000, return_curve=False):
    """Threshold epsilon maximising F1 on a labelled validation set.

    An example is flagged as an anomaly when ``p < epsilon``; then
    :math:`\\text{prec} = tp / (tp + fp)`, :math:`\\text{rec} = tp / (tp + fn)`,
    :math:`F_1 = 2\\,\\text{prec}\\,\\text{rec} / (\\text{prec} + \\text{rec})`.

    * ``method="grid"`` is the lab's rule: epsilon runs over
      ``np.arange(min(p_val), max(p_val), step)`` with
      ``step = (max - min) / n_steps``, and the first best F1 is kept (0 and
      epsilon 0 if no grid point flags a true anomaly). Computed after one
      sort in O(m log m + n_steps) instead of the lab's O(m n_steps).
    * ``method="log-grid"``: ``n_steps + 1`` points evenly spaced in log p (the
      lab's linear grid wastes its steps when p spans many decades).
    * ``method="exact"``: every distinct threshold is tried once (the best
      F1 any epsilon can reach); epsilon is put halfway between the last
      flagged value and the next one.

    Parameters
    ----------
    y_val : array-like of shape (m,)
        1 = anomaly, 0 = normal; both must be present.
    p_val : array-like of shape (m,)
        Densities (or any score where low means anomalous, e.g. log-densities
        with ``method="exact"``).
    method : {"grid", "log-grid", "exact"}, default="grid"
    n_steps : int, default=1000
    return_curve : bool, default=False
        Also return ``(grid, f1_per_grid_point)`` (grid methods only).

    Returns
    -------
    epsilon : float
    F1 : float
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 1:
        raise ValueError(f"select_threshold: n_steps must be a positive integer, got {n_steps!r}")
    eps, f1, grid, f1s = _scan(y_val, p_val, method, int(n_steps), "select_threshold")
    if return_curve:
        return eps, f1, (grid, f1s)
    return eps, f1


def _log_threshold(logp, flagged, epsilon):
    """log(epsilon), nudged so that ``logp < result`` flags exactly the rows ``p < epsilon`` flagged.

    exp and log round: log(epsilon) can fall on or just below the log-density of a row that
    ``p < epsilon`` flagged (or just above one it did not), and predict would then disagree with the
    F1 the threshold was chosen for. Such a threshold is moved just past the flagged values.
    """
    log_eps = float(np.log(epsilon)) if epsilon > 0 else -np.inf
    if flagged.any():
        lo = float(logp[flagged].max())
        if not log_eps > lo:
            log_eps = float(np.nextafter(lo, np.inf))
    if (~flagged).any():
        hi = float(logp[~flagged].min())
        if log_eps > hi:
            log_eps = hi
    return log_eps


class GaussianAnomalyDetector(BaseEstimator):
    """Anomaly detection with a Gaussian density model (Course 3, week 1).

    ``fit`` estimates the mean and the per-feature variances (1/m, as the lab)
    or the full covariance of normal examples; an example is an anomaly when
    its density is below ``epsilon``:

    .. math:: \\text{anomaly}(x) = [\\,p(x) < \\varepsilon\\,]

    ``epsilon`` is given, or chosen by F1 on labelled validation data with
    :meth:`fit_threshold` (the course's way), or, until then, the
    ``contamination`` quantile of the training densities, so that ``predict``
    works right after ``fit``. Labels are the course's: 1 = anomaly, 0 = normal
    (not scikit-learn's -1 / 1 of outlier detectors). Everything is computed
    with log-densities.

    Parameters
    ----------
    covariance : {"diagonal", "full"}, default="diagonal"
    epsilon : float, optional
        Density threshold. None: the ``contamination`` quantile of the
        training densities, replaced by :meth:`fit_threshold`.
    contamination : float in (0, 0.5) or None, default=0.01
        Share of the training rows taken as anomalous when ``epsilon`` is
        None (the quantile is taken over at most 16 384 evenly spaced rows of
        a larger X). None: no threshold until :meth:`fit_threshold`
        (``predict`` raises).
    n_jobs : int, optional
        Threads (None = all usable cores).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    var_ : ndarray of shape (n_features,)
        Per-feature variances (1/m), for both covariance types.
    covariance_ : ndarray of shape (n_features, n_features)
        ``diag(var_)`` or the full covariance (1/m).
    epsilon_ : float or None
    log_epsilon_ : float or None
        log(epsilon_), kept separately so thresholds below 1e-308 still work.
    f1_ : float
        Validation F1 of the threshold, after :meth:`fit_threshold`.
    n_features_in_ : int
    """

    def __init__(self, covariance="diagonal", epsilon=None, contamination=0.01, n_jobs=None):
        self.covariance = covariance
        self.epsilon = epsilon
        self.contamination = contamination
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Estimate the Gaussian from (normal) examples X of shape (n_samples, n_features); returns self."""
        if self.covariance not in ("diagonal", "full"):
            raise ValueError(f"GaussianAnomalyDetector: covariance must be 'diagonal' or 'full', "
                             f"got {self.covariance!r}")
        if self.epsilon is not None and (isinstance(self.epsilon, bool) or not isinstance(self.epsilon, numbers.Real)
                                         or not 0 <= self.epsilon < float("inf")):
            raise ValueError(f"GaussianAnomalyDetector: epsilon must be a finite non-negative number or None, "
                             f"got {self.epsilon!r}")
        c = self.contamination
        if c is not None and (isinstance(c, bool) or not isinstance(c, numbers.Real) or not 0 < c < 0.5):
            raise ValueError(f"GaussianAnomalyDetector: contamination must be a number in (0, 0.5) or None, "
                             f"got {c!r}")
        # NaN / inf are detected from the (d-sized) result instead of a full
        # extra pass over X: any NaN or inf in X makes mean or var non-finite,
        # and then check_array runs to name the first bad entry.
        X = check_array(X, caller=self, min_samples=2, ensure_finite=False)
        n_threads = _threads(self.n_jobs, X.shape[0])
        mean, var = _k.fit_diag(X, n_threads)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
            check_array(X, caller=self, min_samples=2)
            raise ValueError("GaussianAnomalyDetector: the variance of X overflows its dtype; rescale X")
        _check_variances(var, "GaussianAnomalyDetector")
        self.mean_, self.var_ = mean, var
        if self.covariance == "full":
            Xc = X.astype(np.float64) - mean
            cov = (Xc.T @ Xc) / X.shape[0]
            self._chol, self._log_det = _cholesky(cov, "GaussianAnomalyDetector")
            self.covariance_ = cov.astype(X.dtype)
        else:
            self._chol = None
            self.covariance_ = np.diag(var)
        self.n_features_in_ = X.shape[1]
        self._set_threshold(X.shape[0], lambda step: self._log_density(X[::step]))
        return self

    def _set_threshold(self, n, log_density_every):
        """``epsilon_`` / ``log_epsilon_``: the given epsilon, else the contamination quantile of log p over
        the training rows (a density of 0 stays -inf). On large X the quantile is taken over evenly spaced
        rows, so the default threshold costs a few percent of the fit: ``log_density_every(step)`` returns
        log p of every step-th training row."""
        self.epsilon_ = None if self.epsilon is None else float(self.epsilon)
        self.log_epsilon_ = None if self.epsilon is None else (
            float(np.log(self.epsilon)) if self.epsilon > 0 else -np.inf)
        if self.epsilon is None and self.contamination is not None:
            logp = np.asarray(log_density_every(max(1, n // _QUANTILE_ROWS)))
            self.log_epsilon_ = float(np.quantile(logp, self.contamination))
            self.epsilon_ = float(np.exp(self.log_epsilon_))

    def score_samples(self, X):
        """Log-density log p(x) of every row, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X, caller=self, ensure_finite=False)
        check_n_features(self, X)
        return self._log_density(X)

    def _log_density(self, X):
        """log p(x) of the rows of a validated X (NaN/inf rows are reported by name)."""
        X = np.ascontiguousarray(X, dtype=self.mean_.dtype)
        n_threads = _threads(self.n_jobs, X.shape[0])
        d = X.shape[1]
        if getattr(self, "_chol", None) is not None:
            log_norm = -0.5 * (d * _LOG_2PI + self._log_det)
            out = _k.logpdf_full(X, self.mean_, np.ascontiguousarray(self._chol, dtype=X.dtype), log_norm,
                                 n_threads)
        else:
            var = self.var_.astype(np.float64)
            log_norm = -0.5 * (d * _LOG_2PI + float(np.sum(np.log(var))))
            out = _k.logpdf_diag(X, self.mean_, np.ascontiguousarray(1.0 / var, dtype=X.dtype), log_norm,
                                 n_threads)
        # NaN/inf in X show up as NaN/inf in the output (n values, not n*d):
        # only then is X scanned, to report the first bad entry. A -inf from a
        # finite but extremely far row is a legitimate density of 0. A finite
        # sum proves every value finite in one cheap pass over the output.
        if not np.isfinite(np.sum(out)) and not np.all(np.isfinite(out)):
            check_array(X, caller=self)
        return out

    def density(self, X):
        """Density p(x) = exp(log p(x)) of every row (may underflow to 0; see score_samples)."""
        logp = self.score_samples(X)
        return np.exp(logp, out=logp)  # in place: no second n-sized array

    def decision_function(self, X):
        """log p(x) - log(epsilon): negative for anomalies (float64, so its sign always agrees with predict)."""
        return self.score_samples(X).astype(np.float64) - self._log_epsilon()

    def _log_epsilon(self):
        check_is_fitted(self)
        if self.epsilon_ is None:
            raise ValueError("GaussianAnomalyDetector has no threshold: pass epsilon=... or call "
                             "fit_threshold(X_val, y_val) first")
        return self.log_epsilon_

    def predict(self, X):
        """1 for anomalies (p(x) < epsilon), 0 for normal rows, shape (n_samples,)."""
        log_eps = self._log_epsilon()
        # Compared in float64: a float32 score against the Python float log_eps would round log_eps to
        # float32 (NumPy's weak scalars), and a threshold put between two neighbouring float32 scores
        # would then land on one of them.
        scores = self.score_samples(X)
        labels = np.empty(scores.shape[0], dtype=np.intp)
        # np.float64 (not a weak Python float) makes a float32 score compare in float64, chunk by chunk,
        # and the 0/1 result lands in the integer output directly: no n-sized temporaries
        np.less(scores, np.float64(log_eps), out=labels, casting="unsafe")
        return labels

    def fit_threshold(self, X_val, y_val, *, method="exact", n_steps=1000):
        """Choose ``epsilon_`` maximising F1 on labelled validation data.

        Parameters
        ----------
        X_val : array-like of shape (m, n_features)
        y_val : array-like of shape (m,)
            1 = anomaly, 0 = normal.
        method : {"exact", "grid", "log-grid"}, default="exact"
            See :func:`select_threshold` ("grid" is the lab's rule on p).

        Returns
        -------
        self
        """
        logp = self.score_samples(X_val)
        if method == "exact":
            # The scan works on log p directly (same order as p, no underflow).
            log_eps, f1, _, _ = _scan(y_val, logp.astype(np.float64), "exact", n_steps, "fit_threshold")
            self.log_epsilon_ = float(log_eps)
            self.epsilon_ = float(np.exp(log_eps))  # may underflow to 0; predict uses log_epsilon_
        else:
            logp = logp.astype(np.float64)
            p = np.exp(logp)
            self.epsilon_, f1, _, _ = _scan(y_val, p, method, n_steps, "fit_threshold")
            self.log_epsilon_ = _log_threshold(logp, p < self.epsilon_, self.epsilon_)
        self.f1_ = float(f1)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
