"""Linear regression (Course 1, week 2)."""
import numpy as np

from pyml.base import BaseEstimator, RegressorMixin
from pyml.exceptions import NonFiniteError
from pyml.linear_model import _linear_model_kernels as _k
from pyml.linear_model._base import LinearModelMixin
from pyml.utils.validation import check_array, check_is_fitted, check_n_features, check_vector, check_X_y

__all__ = ["LinearRegression"]


def coef_in_dtype(coef, dtype):
    """The float64 normal-equation coefficients in X's dtype; one that overflows it (float32 X with
    subnormal features: the exact coefficients exceed float32's range) is an error, not an inf."""
    with np.errstate(over="ignore"):
        out = coef.astype(dtype)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"LinearRegression: the least-squares coefficients (up to {np.abs(coef).max():.3g}) "
                         f"overflow X's dtype {dtype}; rescale X (e.g. StandardScaler) or pass float64 X")
    return out


def lipschitz_constant(X, fit_intercept=True, reg_lambda=0.0, n_threads=1, n_iter=50, rtol=1e-6,
                       sample_weight=None):
    """L = λ_max(Aᵀ S A / m) + λ/m, A = [X 1] (or X without an intercept), S = diag(sample_weight)
    (identity when None) and m = Σ s_i: the Lipschitz constant of the gradient of the linear cost, by
    power iteration.

    Each product H v is one pass of the fused C gradient kernel with y = 0:
    ∂J/∂w = (1/m) Xᵀ S (X v_w + v_b), ∂J/∂b = (1/m) Σ s_i (x_i·v_w + v_b).
    """
    m = X.shape[0] if sample_weight is None else float(np.sum(sample_weight, dtype=np.float64))
    zeros = np.zeros(X.shape[0], dtype=X.dtype)

    def hessian_times(v_w, v_b):
        _, h_w, h_b = _k.value_grad(X, zeros, v_w, v_b, _k.MODEL_LINEAR, 0.0, n_threads, sample_weight)
        return h_w, float(h_b)

    return power_iteration_lipschitz(hessian_times, X.shape[1], X.dtype, fit_intercept, reg_lambda, m, n_iter, rtol)


def power_iteration_lipschitz(hessian_times, d, dtype, fit_intercept, reg_lambda, m, n_iter=50, rtol=1e-6):
    """λ_max of the cost's Hessian (without the penalty) + λ/m by power iteration, from v = 1/√(d+1):
    ``hessian_times(v_w, v_b)`` returns (H v)_w in ``dtype`` and (H v)_b as a float (in memory: one kernel
    pass; on Dask: one distributed pass). Stops when ‖H v‖ changes by ≤ rtol relative."""
    v_w = np.full(d, 1.0 / np.sqrt(d + 1), dtype=dtype)
    v_b = 1.0 / np.sqrt(d + 1) if fit_intercept else 0.0
    L = 0.0
    for _ in range(n_iter):
        h_w, h_b = hessian_times(v_w, v_b)
        h_b = h_b if fit_intercept else 0.0
        norm = float(np.sqrt(np.dot(h_w.astype(np.float64), h_w) + h_b * h_b))
        if norm == 0.0 or not np.isfinite(norm):
            break
        previous, L = L, norm  # ||H v|| with ||v|| = 1
        v_w, v_b = (h_w / norm).astype(dtype), h_b / norm
        if abs(L - previous) <= rtol * L:
            break
    if not np.isfinite(L):
        raise ValueError("LinearRegression: X is too large for gradient descent (its Gram matrix overflows); "
                         "standardize X (pyml.preprocessing.StandardScaler)")
    return max(L, np.finfo(np.float64).tiny) + reg_lambda / m


class LinearRegression(LinearModelMixin, RegressorMixin, BaseEstimator):
    """Least-squares linear regression f(x) = x·w + b, optionally L2-regularised.

    Minimises the course's cost

        J(w, b) = 1/(2m) Σ s_i (x_i·w + b - y_i)² + λ/(2m) Σ w_j²,   m = Σ s_i

    with sample weights s_i (all 1 unless ``sample_weight`` is given, then m is
    the number of samples): an integer weight is the same as repeating the row,
    a zero weight the same as dropping it.

    Parameters
    ----------
    solver : {"normal", "gd"}, default "normal"
        "normal": the normal equations (Xcᵀ Xc + λI) w = Xcᵀ yc on centred
        data (least squares when λ = 0), exact in one step.
        "gd": the course's batch gradient descent, run in C.
    learning_rate : float or "auto", default "auto"
        α of gradient descent ("gd" only). "auto" is 1/L, with L the Lipschitz
        constant of the cost's gradient (the largest eigenvalue of
        [X 1]ᵀ[X 1]/m, plus λ/m), found by power iteration on the fused C
        gradient kernel: the fastest step that never diverges. A float keeps
        the course's constant-rate gradient descent (the labs use 0.01).
    max_iter : int or None, default None
        Gradient-descent iterations (None: 1000).
    reg_lambda : float, default 0.0
        λ ≥ 0 of the penalty; b is not penalised.
    tol : float, default 1e-7
        "gd" stops when the cost changes by less than tol·max(1, J).
    fit_intercept : bool, default True
    n_jobs : int or None
        Threads for the kernels (None / -1: all usable cores).
    verbose : int, default 0
        Print progress of "gd" to stderr.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    learning_rate_ : float
        The α gradient descent used ("gd").
    cost_history_ : ndarray, J after each iteration ("normal": the final J)
    n_iter_ : int
    n_features_in_ : int
    """

    _AUTO_LEARNING_RATE = True

    def __init__(self, *, solver="normal", learning_rate="auto", max_iter=None, reg_lambda=0.0, tol=1e-7,
                 fit_intercept=True, n_jobs=None, verbose=0):
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.reg_lambda = reg_lambda
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _max_iter(self):
        return 1000 if self.max_iter is None else int(self.max_iter)

    def fit(self, X, y, coef_init=None, intercept_init=None, callbacks=None, sample_weight=None):
        """Fit on X (n_samples, n_features) and y (n_samples,); returns self.

        ``coef_init`` / ``intercept_init`` start gradient descent (ignored by
        "normal"); ``callbacks`` receive ``{"loss": J}`` after each iteration.
        ``sample_weight`` (n_samples,), optional: the weights s_i of the cost
        (non-negative, not all zero; None = 1 for every sample).
        """
        self._check_common_params(("normal", "gd"))
        X, y = check_X_y(X, y, caller=self)
        sw = self._check_sample_weight(sample_weight, X)
        self.n_features_in_ = X.shape[1]
        if self.solver == "normal":
            self._fit_normal(X, y, sw)
        else:
            self._fit_gd(X, y, coef_init, intercept_init, callbacks, sw)
        return self

    def _fit_normal(self, X, y, sw=None):
        """Least squares on centred data; weighted: weighted means, then rows scaled by √s_i (so
        (Xcᵀ S Xc + λI) w = Xcᵀ S yc)."""
        Xw, yw = X.astype(np.float64), y.astype(np.float64)
        s = None if sw is None else sw.astype(np.float64)
        if not self.fit_intercept:
            x_mean, y_mean = np.zeros(X.shape[1]), 0.0
        elif s is None:
            x_mean, y_mean = Xw.mean(axis=0), yw.mean()
        else:
            x_mean, y_mean = np.average(Xw, axis=0, weights=s), float(np.average(yw, weights=s))
        Xc, yc = Xw - x_mean, yw - y_mean
        if s is not None:
            root = np.sqrt(s)
            Xc, yc = Xc * root[:, None], yc * root
        lam = float(self.reg_lambda)
        if lam == 0.0:
            coef = np.linalg.lstsq(Xc, yc, rcond=None)[0]
        else:
            coef = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ yc)
        self.coef_ = coef_in_dtype(coef, X.dtype)
        self.intercept_ = float(y_mean - x_mean @ coef)
        cost, _, _ = _k.value_grad(X, y, self.coef_, self.intercept_, _k.MODEL_LINEAR, lam, self._n_threads(X),
                                   sw)
        self.cost_history_ = np.array([cost])
        self.n_iter_ = 1

    def _step(self, X, sw=None):
        """α: the given learning_rate, or 1/L for "auto" (see the class docstring)."""
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        return 1.0 / lipschitz_constant(X, bool(self.fit_intercept), float(self.reg_lambda), self._n_threads(X),
                                        sample_weight=sw)

    def _fit_gd(self, X, y, coef_init, intercept_init, callbacks, sw=None):
        w = self._initial_coef(coef_init, X)
        b = 0.0 if intercept_init is None or not self.fit_intercept else float(intercept_init)
        max_iter = self._max_iter()
        state = {}
        self.learning_rate_ = alpha = self._step(X, sw)

        def run(hook):
            state["b"], history, _, n_iter, diverged = _k.gradient_descent(
                X, y, w, b, _k.MODEL_LINEAR, bool(self.fit_intercept), alpha,
                float(self.reg_lambda), max_iter, float(self.tol), max_iter, 1, self._n_threads(X), hook, sw)
            return history, n_iter, diverged

        history, n_iter = self._run_gd(run, callbacks, max_iter)
        self.coef_, self.intercept_ = w, float(state["b"])
        self.cost_history_, self.n_iter_ = history, n_iter
        if n_iter >= max_iter and self.tol > 0:
            self._warn_not_converged("gradient descent")

    def _initial_coef(self, coef_init, X):
        if coef_init is None:
            return np.zeros(X.shape[1], dtype=X.dtype)
        w = check_vector(coef_init, name="coef_init", caller=self, dtype=X.dtype, warn_column=False).copy()
        if w.shape != (X.shape[1],):
            raise ValueError(f"LinearRegression: coef_init must have shape ({X.shape[1]},), got {w.shape}")
        return w

    def partial_fit(self, X, y, sample_weight=None):
        """One gradient-descent step (learning_rate) on the mini-batch (X, y): for streaming data.

        ``sample_weight`` weighs the batch's rows (m = Σ s_i of the batch).
        """
        self._check_common_params(("normal", "gd"))
        X, y = check_X_y(X, y, caller=self)
        sw = self._check_sample_weight(sample_weight, X)
        if not hasattr(self, "coef_"):
            self.n_features_in_ = X.shape[1]
            self.coef_, self.intercept_, self.n_iter_ = np.zeros(X.shape[1], dtype=X.dtype), 0.0, 0
            self.cost_history_ = np.empty(0)
        check_n_features(self, X)
        w = self.coef_.astype(X.dtype, copy=True)
        if not hasattr(self, "learning_rate_"):  # "auto": the first batch's 1/L, kept for the stream
            self.learning_rate_ = self._step(X, sw)
        b, history, _, n_iter, diverged = _k.gradient_descent(
            X, y, w, self.intercept_, _k.MODEL_LINEAR, bool(self.fit_intercept), self.learning_rate_,
            float(self.reg_lambda), 1, 0.0, 1, 1, self._n_threads(X), None, sw)
        if diverged:
            raise NonFiniteError("LinearRegression.partial_fit: the cost became infinite; lower learning_rate")
        self.coef_, self.intercept_ = w, float(b)
        self.cost_history_ = np.append(self.cost_history_, history)
        self.n_iter_ += n_iter
        return self

    def predict(self, X):
        """Predictions x·coef_ + intercept_, shape (n_samples,)."""
        check_is_fitted(self, "coef_")
        X = check_array(X, caller=self)
        check_n_features(self, X)
        return _k.predict(X, self.coef_.astype(X.dtype), self.intercept_, _k.MODEL_LINEAR, self._n_threads(X))
