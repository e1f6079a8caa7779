"""Shared machinery of the linear estimators: validation, threads, solvers."""
import warnings

import numpy as np

from pyml.exceptions import ConvergenceWarning, NonFiniteError, compatible_class
from pyml.linear_model import _linear_model_kernels as _k
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.callbacks import IterationHook, fit_callbacks
from pyml.utils.validation import check_allocation, check_sample_weight, check_scalar

__all__ = ["LinearModelMixin", "newton_cg"]

_REAL = (int, float, np.integer, np.floating)


class LinearModelMixin:
    """Parameter checks and helpers shared by LinearRegression and LogisticRegression."""

    def _n_threads(self, X):
        return threads_for_work(resolve_n_jobs(self.n_jobs), X.size, min_items_per_thread=32768)

    def _check_common_params(self, solvers):
        name = type(self).__name__
        if self.solver not in solvers:
            raise ValueError(f"{name}: solver must be one of {solvers}, got {self.solver!r}")
        check_scalar(self.reg_lambda, "reg_lambda", _REAL, min_val=0.0, caller=self)
        if not (getattr(self, "_AUTO_LEARNING_RATE", False) and isinstance(self.learning_rate, str)
                and self.learning_rate == "auto"):
            check_scalar(self.learning_rate, "learning_rate", _REAL, min_val=0.0, include_min=False, caller=self)
        check_scalar(self.tol, "tol", _REAL, min_val=0.0, caller=self)
        if self.max_iter is not None:
            check_scalar(self.max_iter, "max_iter", (int, np.integer), min_val=1, caller=self)
            # the cost history holds one float64 per iteration
            check_allocation(8 * int(self.max_iter), f"{name}: max_iter={self.max_iter} (its cost history)",
                             "lower max_iter, or use tol to stop early")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"{name}: fit_intercept must be a bool, got {self.fit_intercept!r}")
        check_scalar(self.verbose, "verbose", (int, np.integer, bool), min_val=0, caller=self)

    def _check_sample_weight(self, sample_weight, X):
        """sample_weight as a contiguous vector in X's dtype, or None for unit weights.

        Checked before any kernel runs: one entry per row, finite, non-negative, not all zero, and a sum
        that X's dtype can hold (the kernels divide by m = Σ s_i).
        """
        sw = check_sample_weight(sample_weight, X.shape[0], dtype=X.dtype, caller=self)
        if sw is not None:
            total = float(np.sum(sw, dtype=np.float64))
            if not total <= float(np.finfo(X.dtype).max):
                raise ValueError(f"{type(self).__name__}: sample_weight sums to {total:.3g}, beyond X's dtype "
                                 f"{X.dtype}; rescale the weights (the fit depends on them through Σ s_i loss_i "
                                 "and λ/(2 Σ s_i))")
        return sw

    def _callbacks(self, callbacks, total):
        return fit_callbacks(callbacks, type(self).__name__, self.verbose, total)

    def _warn_not_converged(self, what):
        warnings.warn(f"{type(self).__name__}: {what} did not converge in max_iter={self._max_iter()} iterations "
                      "(tol not reached); increase max_iter, scale the features or raise tol",
                      compatible_class(ConvergenceWarning), stacklevel=4)

    def _run_gd(self, run, callbacks, total):
        """Run a compiled gradient-descent loop with callbacks; returns (history, n_iter)."""
        cb_list = self._callbacks(callbacks, total)
        hook = IterationHook(self, cb_list)
        cb_list.on_fit_begin(self)
        history, n_iter, diverged = run(hook)
        cb_list.on_fit_end(self, {"loss": float(history[-1]) if n_iter else None})
        if diverged:
            raise NonFiniteError(
                f"{type(self).__name__}: gradient descent diverged (cost became inf/NaN at iteration {n_iter}); "
                f"lower learning_rate (now {getattr(self, 'learning_rate_', self.learning_rate)})"
                + (f" or reg_lambda (now {self.reg_lambda})" if getattr(self, "reg_lambda", 0) else "")
                + ", or standardize X (pyml.preprocessing.StandardScaler)")
        return history, n_iter


def newton_cg(fun_grad, hessp, x0, *, max_iter, tol, callbacks, owner, precond=None, fixed=None):
    """Truncated Newton with conjugate-gradient steps and Armijo backtracking.

    Minimises f with gradient g and Hessian-vector products H·v (both from C
    kernels), solving H p = -g approximately by preconditioned CG until the
    residual is below min(0.5, sqrt(‖g‖))·‖g‖, then backtracking along p.
    Stops when max|g| ≤ tol, after one more Newton step from the first point
    that meets it (unless x0 already does), with its CG solve run to a
    residual of 1e-4·‖g‖. On a flat (ill-conditioned) cost, e.g. more
    features than samples, CG amplifies rounding, and the first point below
    tol differed by up to 5e-5 in predict_proba between reordered rows, or
    between integer sample weights and the repeated rows; after the extra
    step, ~1e-9. It costs one more Newton iteration (about 1.6x the Hessian
    products of a fit on the digits data).
    ``fixed`` masks entries kept constant (a disabled intercept). Returns
    (x, cost_history, n_iter, converged).
    """
    x = x0.copy()
    free = np.ones_like(x, dtype=bool) if fixed is None else ~fixed
    m_inv = np.ones_like(x) if precond is None else 1.0 / precond
    history = []
    callbacks.on_fit_begin(owner)
    f, g = fun_grad(x)
    g = g * free
    converged = False
    polishing = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= tol:
            if polishing or n_iter == 1:
                converged = True
                n_iter -= 1
                break
            polishing = True
        p = _cg_direction(hessp, x, g, free, m_inv, rtol=1e-4 if polishing else None)
        step, f_new, g_new = _armijo(fun_grad, x, f, g, p)
        if step == 0.0:
            converged = np.max(np.abs(g)) <= max(tol, 1e-8)  # no decrease possible at float precision
            n_iter -= 1
            break
        x = x + step * p
        f, g = f_new, g_new * free
        history.append(f)
        if callbacks.on_iteration_end(owner, n_iter - 1, {"loss": f}):
            converged = True
            break
    else:
        converged = np.max(np.abs(g)) <= tol
    callbacks.on_fit_end(owner, {"loss": f})
    return x, np.asarray(history, dtype=np.float64), max(n_iter, 0), converged


def _cg_direction(hessp, x, g, free, m_inv, rtol=None):
    """Preconditioned CG on H p = -g, to a residual below min(0.5, sqrt(‖g‖))·‖g‖ (rtol None) or
    rtol·‖g‖."""
    r = -g
    z = m_inv * r
    d = z.copy()
    p = np.zeros_like(g)
    rz = float(r @ z)
    g_norm = float(np.linalg.norm(g))
    eta = (min(0.5, np.sqrt(g_norm)) if rtol is None else rtol) * g_norm
    for _ in range(max(20, 2 * g.size)):
        if float(np.linalg.norm(r)) <= eta:
            break
        hd = hessp(x, d) * free
        curvature = float(d @ hd)
        if curvature <= 0:
            if not p.any():
                p = -g * m_inv
            break
        alpha = rz / curvature
        p += alpha * d
        r -= alpha * hd
        z = m_inv * r
        rz_new = float(r @ z)
        d = z + (rz_new / rz) * d
        rz = rz_new
    return p if p.any() else -g * m_inv


def _armijo(fun_grad, x, f, g, p, c1=1e-4):
    slope = float(g @ p)
    if slope >= 0:  # not a descent direction (numerical noise): fall back to steepest descent
        p = -g
        slope = float(g @ p)
    step = 1.0
    for _ in range(40):
        f_new, g_new = fun_grad(x + step * p)
        if np.isfinite(f_new) and f_new <= f + c1 * step * slope:
            return step, f_new, g_new
        step *= 0.5
    return 0.0, f, g


def sigmoid_proba(z):
    """Two-column probabilities [1 - p, p] from the kernel's sigmoid."""
    p = _k.sigmoid(np.ascontiguousarray(z), 1)
    return np.column_stack([1.0 - p, p])
