"""Logistic regression, binary and multinomial (Course 1, week 3)."""
import numpy as np

from pyml.base import BaseEstimator, ClassifierMixin
from pyml.linear_model import _linear_model_kernels as _k
from pyml.linear_model._base import LinearModelMixin, newton_cg
from pyml.utils.validation import (
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

__all__ = ["LogisticRegression"]


def newton_params(theta, k, d, dtype):
    """(W (k, d), b (k,)) in ``dtype`` from Newton-CG's flat parameter vector [W.ravel(), b]. Softmax is
    unchanged by b + c·1 and b is not penalised, so the cost is flat along that line and CG can drift
    along it by rounding: the intercepts of k > 1 classes are reported centred (sum 0, as from a zero
    start)."""
    b = theta[k * d:]
    if k > 1:
        b = b - b.mean()
    return theta[:k * d].reshape(k, d).astype(dtype), b.astype(dtype)


class LogisticRegression(LinearModelMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression: binary (sigmoid) or multinomial (softmax) for 3+ classes.

    Binary:       p(y=1|x) = sigmoid(x·w + b),
                  J = (1/m) Σ s_i [-y log p - (1-y) log(1-p)] + λ/(2m) Σ w_j²
    Multinomial:  p(y=k|x) = softmax(W x + b)_k,
                  J = (1/m) Σ -s_i log p(y_i|x_i) + λ/(2m) ‖W‖²

    with m = Σ s_i and sample weights s_i (all 1, m = n_samples, unless
    ``sample_weight`` is given: an integer weight equals repeating the row, a
    zero weight dropping it). The intercepts are not penalised. With
    ``reg_lambda = 1/C`` the model is scikit-learn's
    ``LogisticRegression(C=C)`` (same objective, weighted or not).

    Parameters
    ----------
    solver : {"newton", "gd"}, default "newton"
        "newton": truncated Newton (conjugate-gradient steps on Hessian-vector
        products from C, Armijo line search), converges without tuning.
        "gd": the course's batch gradient descent, run in C.
    learning_rate : float, default 0.1
        α of gradient descent.
    max_iter : int or None
        None: 100 Newton iterations or 1000 gradient-descent iterations.
    reg_lambda : float, default 1.0
        λ ≥ 0 (scikit-learn's default C = 1 is λ = 1).
    tol : float, default 1e-5
        Newton: stop when max |∂J| ≤ tol, after one final Newton step with an
        accurate (1e-4 relative) CG solve, so the result does not depend on
        rounding (row order, weights vs repeated rows); "gd": when J changes by
        < tol·max(1, J).
    fit_intercept : bool, default True
    n_jobs : int or None
    verbose : int, default 0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    cost_history_ : ndarray, J after each iteration
    n_iter_ : int
    n_features_in_ : int
    """

    def __init__(self, *, solver="newton", learning_rate=0.1, max_iter=None, reg_lambda=1.0, tol=1e-5,
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
        if self.max_iter is not None:
            return int(self.max_iter)
        return 100 if self.solver == "newton" else 1000

    # ---- fitting -------------------------------------------------------------------
    def _validate_targets(self, X, y, classes=None):
        check_classification_targets(y, caller=self)
        self.classes_ = np.unique(y) if classes is None else np.unique(np.asarray(classes))
        if len(self.classes_) < 2:
            raise ValueError(
                f"LogisticRegression needs samples of at least 2 classes in the data, but the data contains only "
                f"one class: {self.classes_[0]!r}")
        if len(self.classes_) > 4096:
            raise ValueError(f"LogisticRegression supports at most 4096 classes, y has {len(self.classes_)}; "
                             "is y a continuous target or an id column?")
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(f"LogisticRegression: y contains labels not in classes: {np.unique(y[unseen])!r}")
        return np.searchsorted(self.classes_, y)

    def fit(self, X, y, coef_init=None, intercept_init=None, callbacks=None, sample_weight=None):
        """Fit on X (n_samples, n_features) and labels y (n_samples,); returns self.

        ``sample_weight`` (n_samples,), optional: the weights s_i of the cost
        (non-negative, not all zero; None = 1 for every sample).
        """
        self._check_common_params(("newton", "gd"))
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        sw = self._check_sample_weight(sample_weight, X)
        self.n_features_in_ = X.shape[1]
        y_idx = self._validate_targets(X, y)
        k = len(self.classes_)
        W, b = self._initial_params(X, k, coef_init, intercept_init)
        cb_list = self._callbacks(callbacks, self._max_iter())
        if self.solver == "newton":
            W, b = self._fit_newton(X, y_idx, W, b, cb_list, sw)
        else:
            W, b = self._fit_gd(X, y_idx, W, b, callbacks, sw)
        self.coef_, self.intercept_ = W, b
        return self

    def _initial_params(self, X, k, coef_init, intercept_init):
        rows = 1 if k == 2 else k
        W = np.zeros((rows, X.shape[1]), dtype=X.dtype)
        b = np.zeros(rows, dtype=X.dtype)
        if coef_init is not None:
            c = np.asarray(coef_init, dtype=X.dtype).reshape(rows, -1) if np.size(coef_init) == W.size else None
            if c is None:
                raise ValueError(f"LogisticRegression: coef_init must have {W.size} values, shape {W.shape}")
            W[:] = c
        if intercept_init is not None and self.fit_intercept:
            if np.size(intercept_init) != rows:
                raise ValueError(f"LogisticRegression: intercept_init must have {rows} value(s)")
            b[:] = np.asarray(intercept_init, dtype=X.dtype).ravel()
        return W, b

    def _fit_newton(self, X, y_idx, W, b, cb_list, sw=None):
        lam, nt, dtype = float(self.reg_lambda), self._n_threads(X), X.dtype
        k, d = W.shape
        # Jacobi preconditioner: the Hessian's diagonal at p = 1/2, (1/m) Σ s_i x_ij² / 4 + λ/m
        if sw is None:
            m = X.shape[0]
            col_sq = np.einsum("ij,ij->j", X, X, dtype=np.float64) / m
        else:
            m = float(np.sum(sw, dtype=np.float64))
            col_sq = np.einsum("ij,ij,i->j", X, X, sw, dtype=np.float64) / m
        precond = np.concatenate([np.tile(0.25 * col_sq + lam / m, k), np.full(k, 0.25)])
        precond = np.maximum(precond, 1e-12)
        fixed = np.zeros(k * (d + 1), dtype=bool)
        if not self.fit_intercept:
            fixed[k * d:] = True
        if k == 1:
            y01 = y_idx.astype(dtype)

            def fun_grad(theta):
                cost, gw, gb = _k.value_grad(X, y01, theta[:d].astype(dtype), theta[d], _k.MODEL_LOGISTIC, lam, nt,
                                             sw)
                return cost, np.append(gw.astype(np.float64), gb)

            def hessp(theta, v):
                hw, hb = _k.hessp(X, theta[:d].astype(dtype), theta[d], v[:d].astype(dtype), v[d], lam, nt, sw)
                return np.append(hw.astype(np.float64), hb)
        else:
            y32 = y_idx.astype(np.int32)

            def unpack(theta):
                return (np.ascontiguousarray(theta[:k * d].reshape(k, d), dtype=dtype),
                        np.ascontiguousarray(theta[k * d:], dtype=dtype))

            def fun_grad(theta):
                Wt, bt = unpack(theta)
                cost, gW, gb = _k.softmax_value_grad(X, y32, Wt, bt, lam, nt, sw)
                return cost, np.concatenate([gW.ravel(), gb]).astype(np.float64)

            def hessp(theta, v):
                Wt, bt = unpack(theta)
                Vt, vbt = unpack(v)
                hW, hb = _k.softmax_hessp(X, Wt, bt, Vt, vbt, lam, nt, sw)
                return np.concatenate([hW.ravel(), hb]).astype(np.float64)

        theta0 = np.concatenate([W.ravel(), b]).astype(np.float64)
        theta, history, n_iter, converged = newton_cg(
            fun_grad, hessp, theta0, max_iter=self._max_iter(), tol=float(self.tol), callbacks=cb_list,
            owner=self, precond=precond, fixed=fixed)
        self.cost_history_, self.n_iter_ = history, n_iter
        if not converged:
            self._warn_not_converged("Newton-CG")
        return newton_params(theta, k, d, dtype)

    def _fit_gd(self, X, y_idx, W, b, callbacks, sw=None):
        lam, nt, max_iter = float(self.reg_lambda), self._n_threads(X), self._max_iter()
        fit_b, lr, tol = bool(self.fit_intercept), float(self.learning_rate), float(self.tol)
        if W.shape[0] == 1:
            w, state = W[0].copy(), {}
            y01 = y_idx.astype(X.dtype)

            def run(hook):
                state["b"], history, _, n_iter, diverged = _k.gradient_descent(
                    X, y01, w, float(b[0]), _k.MODEL_LOGISTIC, fit_b, lr, lam, max_iter, tol, max_iter, 1, nt, hook,
                    sw)
                return history, n_iter, diverged

            history, n_iter = self._run_gd(run, callbacks, max_iter)
            W, b = w[None, :], np.array([state["b"]], dtype=X.dtype)
        else:
            y32 = y_idx.astype(np.int32)

            def run(hook):
                return _k.softmax_gradient_descent(X, y32, W, b, fit_b, lr, lam, max_iter, tol, nt, hook, sw)

            history, n_iter = self._run_gd(run, callbacks, max_iter)
        self.cost_history_, self.n_iter_ = history, n_iter
        if n_iter >= max_iter and tol > 0:
            self._warn_not_converged("gradient descent")
        return W, b

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One gradient-descent step (learning_rate) on the mini-batch (X, y).

        ``classes`` (all labels that will ever appear) is required on the first call;
        ``sample_weight`` weighs the batch's rows (m = Σ s_i of the batch).
        """
        self._check_common_params(("newton", "gd"))
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        sw = self._check_sample_weight(sample_weight, X)
        first = not hasattr(self, "coef_")
        if first:
            if classes is None:
                raise ValueError("LogisticRegression.partial_fit: classes must be given on the first call")
            self.n_features_in_ = X.shape[1]
            y_idx = self._validate_targets(X, y, classes)
            self.coef_, self.intercept_ = self._initial_params(X, len(self.classes_), None, None)
            self.cost_history_, self.n_iter_ = np.empty(0), 0
        else:
            check_n_features(self, X)
            check_classification_targets(y, caller=self)
            if not np.isin(y, self.classes_).all():
                raise ValueError(f"LogisticRegression.partial_fit: y has labels not seen in classes {self.classes_!r}")
            y_idx = np.searchsorted(self.classes_, y)
        W = self.coef_.astype(X.dtype, copy=True)
        b = self.intercept_.astype(X.dtype, copy=True)
        lam, lr, fit_b = float(self.reg_lambda), float(self.learning_rate), bool(self.fit_intercept)
        if W.shape[0] == 1:
            w = W[0].copy()
            b0, history, _, n_iter, _ = _k.gradient_descent(
                X, y_idx.astype(X.dtype), w, float(b[0]), _k.MODEL_LOGISTIC, fit_b, lr, lam, 1, 0.0, 1, 1,
                self._n_threads(X), None, sw)
            W, b = w[None, :], np.array([b0], dtype=X.dtype)
        else:
            history, n_iter, _ = _k.softmax_gradient_descent(X, y_idx.astype(np.int32), W, b, fit_b, lr, lam, 1,
                                                             0.0, self._n_threads(X), None, sw)
        self.coef_, self.intercept_ = W, b
        self.cost_history_ = np.append(self.cost_history_, history)
        self.n_iter_ += n_iter
        return self

    # ---- prediction ----------------------------------------------------------------------
    def _checked_X(self, X):
        check_is_fitted(self, "coef_")
        X = check_array(X, caller=self)
        check_n_features(self, X)
        return X

    def decision_function(self, X):
        """Scores z = X·w + b: shape (n_samples,) for binary, (n_samples, n_classes) otherwise."""
        X = self._checked_X(X)
        W, b = self.coef_.astype(X.dtype), self.intercept_.astype(X.dtype)
        if W.shape[0] == 1:
            return _k.predict(X, np.ascontiguousarray(W[0]), float(b[0]), _k.MODEL_LINEAR, self._n_threads(X))
        return _k.softmax_predict(X, W, b, False, self._n_threads(X))

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in classes_ order."""
        X = self._checked_X(X)
        W, b = self.coef_.astype(X.dtype), self.intercept_.astype(X.dtype)
        if W.shape[0] == 1:
            p = _k.predict(X, np.ascontiguousarray(W[0]), float(b[0]), _k.MODEL_LOGISTIC, self._n_threads(X))
            return np.column_stack([1 - p, p])
        return _k.softmax_predict(X, W, b, True, self._n_threads(X))

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class of each sample (binary: p ≥ 0.5, i.e. z ≥ 0)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores >= 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]
