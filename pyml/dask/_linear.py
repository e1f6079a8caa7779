"""LinearRegression and LogisticRegression on Dask arrays (gradient descent, Newton-CG, normal equations).

Each iteration, every row block computes on its worker, with the C kernel of
:mod:`pyml.linear_model`, the SUMS over its rows

.. math:: L_b = \\sum_{i \\in b} \\ell_i, \\quad G_b = \\sum_{i \\in b} (f_i - y_i) x_i, \\quad
          g_b = \\sum_{i \\in b} (f_i - y_i)

(the kernel returns means; they are multiplied back by the block's row count). With
``sample_weight`` s every sum is weighted (:math:`\\sum_{i \\in b} s_i \\ell_i`, ...) and m below is
:math:`\\sum_i s_i`, as in the in-memory fit; a block whose weights are all 0 adds nothing.
The sums are combined in a fixed binary tree; the driver forms

.. math:: J = \\frac{1}{m} \\sum_b L_b + \\frac{\\lambda}{2m} \\|w\\|^2, \\quad
          \\nabla_w J = \\frac{1}{m} \\sum_b G_b + \\frac{\\lambda}{m} w, \\quad
          \\partial_b J = \\frac{1}{m} \\sum_b g_b

and updates :math:`(w, b) \\leftarrow (w, b) - \\alpha \\nabla J`, exactly as
the in-memory C loop does (same stopping rule ``|J_t - J_{t-1}| <= tol
max(1, |J_t|)``). The only difference from the in-memory fit is the order in
which the row sums are added: float64 results agree to about 1e-12 relative
(tests check 1e-9); float32 to about 1e-5.

Newton-CG (logistic) reuses pyml's ``newton_cg`` driver with the cost and
gradient above and the Hessian-vector product
:math:`H v = \\frac{1}{m} \\sum_b \\tilde X_b^T S_b \\tilde X_b v + \\frac{\\lambda}{m} [v_w, 0]`
summed the same way. The normal equations (linear) take two passes: the
column means, then :math:`\\sum_b X_{c,b}^T X_{c,b}` and :math:`\\sum_b X_{c,b}^T y_{c,b}`
of the centred blocks in float64, solved on the client.
"""
import numpy as np

from pyml.dask import _core
from pyml.linear_model import _linear_model_kernels as _k
from pyml.linear_model._linear import LinearRegression as _LinearRegression, coef_in_dtype, power_iteration_lipschitz
from pyml.linear_model._logistic import LogisticRegression as _LogisticRegression, newton_params
from pyml.utils.validation import check_array, check_vector

__all__ = ["LinearRegression", "LogisticRegression"]


# ---- tasks (run on the workers) ----------------------------------------------------------------------------
def _describe_block(Xb, yb, sb, dtype, caller, classes):
    """Validate one block (NaN/inf named here, on the worker); returns (total weight: the rows, or the
    sum of the block's sample weights; labels seen or None)."""
    check_array(Xb, caller=caller)
    m = yb.shape[0] if sb is None else _block_weight_sum(sb, caller)
    if classes:
        yv = np.asarray(yb)
        if yv.dtype.kind == "f" and not np.all(np.isfinite(yv)):
            check_vector(yv, caller=caller)
        return m, np.unique(yv)
    check_vector(yb, caller=caller)
    return m, None


def _block_weight_sum(sb, caller):
    """Σ of one block's sample weights, after the checks of the in-memory fit (finite, non-negative)."""
    sw = check_vector(sb, name="sample_weight", caller=caller, dtype=np.float64)  # NaN / inf named
    if np.any(sw < 0):
        raise ValueError(f"{caller}: sample_weight must be non-negative")
    return float(np.sum(sw))  # a block may weigh 0; the total is checked on the client


def _weights(sb, dtype):
    """(the block's weights in X's dtype or None, their sum or None); an all-zero block gives (0-vector, 0)."""
    if sb is None:
        return None, None
    sw = np.ascontiguousarray(sb, dtype=dtype)
    return sw, float(np.sum(sw, dtype=np.float64))


def _combine_describe(a, b):
    return a[0] + b[0], None if a[1] is None else np.union1d(a[1], b[1])


def _binary_partial(Xb, yb, sb, w, b, model, n_jobs, classes):
    """(loss sum, gradient sum over w, gradient sum over b) of one block (weighted sums with weights)."""
    X = _core.as_block(Xb, w.dtype)
    sw, m = _weights(sb, w.dtype)
    if m == 0.0:  # the kernel's means are undefined; the block adds nothing
        return np.float64(0.0), np.zeros(w.shape[0]), np.float64(0.0)
    y = np.asarray(yb)
    y = (np.searchsorted(classes, y) if classes is not None else y).astype(w.dtype)
    nt = _core.task_threads(n_jobs, X.size, 32768)
    cost, gw, gb = _k.value_grad(X, np.ascontiguousarray(y), w, b, model, 0.0, nt, sw)
    m = X.shape[0] if m is None else m
    return np.float64(cost * m), gw.astype(np.float64) * m, np.float64(gb * m)


def _hv_partial(Xb, sb, v_w, v_b, n_jobs):
    """Sums of the linear gradient with y = 0 over one block: the block's share of [X 1]ᵀ S [X 1] v."""
    X = _core.as_block(Xb, v_w.dtype)
    sw, m = _weights(sb, v_w.dtype)
    if m == 0.0:
        return np.zeros(v_w.shape[0]), np.float64(0.0)
    nt = _core.task_threads(n_jobs, X.size, 32768)
    _, h_w, h_b = _k.value_grad(X, np.zeros(X.shape[0], dtype=X.dtype), v_w, v_b, _k.MODEL_LINEAR, 0.0, nt, sw)
    m = X.shape[0] if m is None else m
    return h_w.astype(np.float64) * m, np.float64(h_b * m)


def _row_weights64(sb, n):
    return np.ones(n) if sb is None else np.asarray(sb, dtype=np.float64)


def _sums_block(Xb, yb, sb):
    """Weighted column sums of X and the weighted sum of y in float64 (the means of the normal equations)."""
    X = np.asarray(Xb, dtype=np.float64)
    s = _row_weights64(sb, X.shape[0])
    return s @ X, np.float64(s @ np.asarray(yb, dtype=np.float64))


def _gram_block(Xb, yb, sb, x_mean, y_mean):
    """(Xcᵀ S Xc, Xcᵀ S yc) of one block (S = diag of the weights), centred with the global means, in float64."""
    Xc = np.asarray(Xb, dtype=np.float64) - x_mean
    yc = np.asarray(yb, dtype=np.float64) - y_mean
    s = _row_weights64(sb, Xc.shape[0])
    return Xc.T @ (Xc * s[:, None]), Xc.T @ (s * yc)


def _col_sq_block(Xb, sb, dtype):
    X = _core.as_block(Xb, dtype)
    if sb is None:
        return (np.einsum("ij,ij->j", X, X, dtype=np.float64),)
    return (np.einsum("ij,ij,i->j", X, X, np.asarray(sb, dtype=np.float64), dtype=np.float64),)


def _hessp_block(Xb, sb, w, b, v_w, v_b, n_jobs):
    """Sums over one block of the (weighted) logistic Hessian, without the penalty, times v."""
    X = _core.as_block(Xb, w.dtype)
    sw, m = _weights(sb, w.dtype)
    if m == 0.0:
        return np.zeros(w.shape[0]), np.float64(0.0)
    hw, hb = _k.hessp(X, w, b, v_w, v_b, 0.0, _core.task_threads(n_jobs, X.size, 32768), sw)
    m = X.shape[0] if m is None else m
    return hw.astype(np.float64) * m, np.float64(hb * m)


def _softmax_hessp_block(Xb, sb, W, b, V, vb, n_jobs):
    X = _core.as_block(Xb, W.dtype)
    sw, m = _weights(sb, W.dtype)
    if m == 0.0:
        return np.zeros(W.shape), np.zeros(b.shape[0])
    hW, hb = _k.softmax_hessp(X, W, b, V, vb, 0.0, _core.task_threads(n_jobs, X.size * W.shape[0], 32768), sw)
    m = X.shape[0] if m is None else m
    return hW.astype(np.float64) * m, hb.astype(np.float64) * m


def _softmax_partial(Xb, yb, sb, W, b, n_jobs, classes):
    X = _core.as_block(Xb, W.dtype)
    sw, m = _weights(sb, W.dtype)
    if m == 0.0:
        return np.float64(0.0), np.zeros(W.shape), np.zeros(b.shape[0])
    y = np.ascontiguousarray(np.searchsorted(classes, np.asarray(yb)).astype(np.int32))
    nt = _core.task_threads(n_jobs, X.size * W.shape[0], 32768)
    cost, gW, gb = _k.softmax_value_grad(X, y, W, b, 0.0, nt, sw)
    m = X.shape[0] if m is None else m
    return np.float64(cost * m), gW.astype(np.float64) * m, gb.astype(np.float64) * m


def _local(v):
    """A Dask vector passed with in-memory X, computed (None stays None)."""
    return v.compute() if _core.is_dask_collection(v) else v


# ---- driver ------------------------------------------------------------------------------------------------
class _DaskGDMixin:
    """Distributed batch gradient descent shared by the two estimators."""

    def _dask_inputs(self, X, y, sample_weight=None):
        _core.check_row_chunked(X, self)
        y = _core.aligned_vector(y, X, self, "y")
        sw = _core.aligned_vector(sample_weight, X, self, "sample_weight")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        return _core.persist_if_fits(X, y, sw)

    def _describe(self, X, y, sw, classes):
        """(m, labels): m = the number of rows, or Σ sample_weight (the 1/m of the cost), checked > 0."""
        parts = [_core.task(_describe_block)(xb, yb, sb, X.dtype, type(self).__name__, classes)
                 for xb, yb, sb in _core.aligned_blocks(X, y, sw)]
        m, labels = _core.compute(_core.tree_reduce(parts, _combine_describe))[0]
        if sw is not None and not m > 0:
            raise ValueError(f"{type(self).__name__}: sample_weight sums to 0; give at least one sample a "
                             f"positive weight")
        return m, labels

    def _gradient_sums(self, blocks, task, *args):
        """Tree-combined (loss, grad_w, grad_b) sums over all blocks for the current parameters."""
        task_d = _core.task(task)
        parts = [task_d(xb, yb, sb, *args) for xb, yb, sb in blocks]
        return _core.compute(_core.tree_reduce(parts, _core.sum_partials))[0]

    def _dask_gd(self, blocks, m, params, value_grad, callbacks):
        """The C loop of ``pyml_linear_gd`` / ``pyml_softmax_gd``, with each value_grad distributed.

        ``params`` = (W, b) arrays of the data dtype, updated in place;
        ``value_grad(W, b)`` returns the (loss, grad_W, grad_b) SUMS.
        """
        W, b = params
        dtype = W.dtype
        lam, tol = float(self.reg_lambda), float(self.tol)
        alpha = self._dask_step(blocks, m, dtype)
        fit_b, max_iter = bool(self.fit_intercept), self._max_iter()
        inv_m = 1.0 / m

        def cost_grad():
            loss, gW, gb = value_grad(W, b)
            Wd = W.astype(np.float64)
            gW = (gW * inv_m + lam * inv_m * Wd).astype(dtype)
            cost = float(loss) * inv_m + 0.5 * lam * inv_m * float(np.sum(Wd * Wd))
            return cost, gW, np.asarray(np.asarray(gb) * inv_m).astype(dtype)

        def run(hook):
            history = []
            prev, gW, gb = cost_grad()
            for it in range(max_iter):
                W[...] -= dtype.type(alpha) * gW.reshape(W.shape)
                if fit_b:
                    b[...] -= dtype.type(alpha) * gb.reshape(b.shape)
                cost, gW, gb = cost_grad()
                history.append(cost)
                if not np.isfinite(cost):
                    return np.asarray(history), it + 1, True
                if hook.on_iteration(it, cost):
                    break
                if tol > 0 and abs(prev - cost) <= tol * max(1.0, abs(cost)):
                    break
                prev = cost
            if hook.error is not None:
                raise hook.error
            return np.asarray(history, dtype=np.float64), len(history), False

        history, n_iter = self._run_gd(run, callbacks, max_iter)
        self.cost_history_, self.n_iter_ = history, n_iter
        if n_iter >= max_iter and tol > 0:
            self._warn_not_converged("gradient descent")


def _lazy(est, base_cls, name, X):
    import functools

    return _core.lazy_method(functools.partial(getattr(base_cls, name), est), X, est)


def _dask_lipschitz(blocks, m, d, dtype, fit_intercept, reg_lambda, n_jobs, n_iter=50, rtol=1e-6):
    """pyml.linear_model._linear.lipschitz_constant with each product H v distributed (same iterates)."""
    task = _core.task(_hv_partial)

    def hessian_times(v_w, v_b):
        parts = [task(xb, sb, v_w, float(v_b), n_jobs) for xb, _, sb in blocks]
        s_w, s_b = _core.compute(_core.tree_reduce(parts, _core.sum_partials))[0]
        return (s_w / m).astype(dtype), float(dtype.type(s_b / m))

    return power_iteration_lipschitz(hessian_times, d, dtype, fit_intercept, reg_lambda, m, n_iter, rtol)


class LinearRegression(_DaskGDMixin, _LinearRegression):
    """:class:`pyml.linear_model.LinearRegression` that also fits Dask arrays (both solvers).

    Same parameters and fitted attributes as the in-memory estimator. On a Dask
    array X (chunked by rows only) with y chunked like X's rows (or a NumPy y),
    ``fit`` solves the normal equations from per-block Gram sums, or runs the
    course's batch gradient descent with one distributed gradient pass per
    iteration (see the module docstring for the sums and the tolerance;
    ``learning_rate="auto"`` runs the power iteration distributed too); the
    data stay on the workers. ``predict`` on a Dask array
    returns a lazy Dask array. NumPy input takes the in-memory path unchanged.

    Parameters
    ----------
    solver : {"normal", "gd"}, default "normal"
        "normal" on a Dask array: two passes (column means, then the centred
        Gram matrix Σ_b Xc_bᵀ Xc_b and Σ_b Xc_bᵀ yc_b in float64), solved on
        the client (a d x d system; least squares when λ = 0).
    learning_rate, max_iter, reg_lambda, tol, fit_intercept, n_jobs, verbose
        As :class:`pyml.linear_model.LinearRegression`; ``n_jobs`` is resolved
        on each worker (the threads of a task, never the client's cores).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    cost_history_ : ndarray
    n_iter_ : int
    n_features_in_ : int
    """

    def fit(self, X, y, coef_init=None, intercept_init=None, callbacks=None, sample_weight=None):
        """Fit on X (n_samples, n_features) and y (n_samples,); returns self. ``sample_weight`` (a Dask
        array chunked like X's rows, or NumPy) weights each row's loss, 1/m becoming 1/Σ sample_weight."""
        if not _core.is_dask_collection(X):
            y, sample_weight = _local(y), _local(sample_weight)
            return super().fit(X, y, coef_init, intercept_init, callbacks, sample_weight=sample_weight)
        self._check_common_params(("normal", "gd"))
        X, y, sw = self._dask_inputs(X, y, sample_weight)
        m, _ = self._describe(X, y, sw, False)
        self.n_features_in_ = X.shape[1]
        if self.solver == "normal":
            return self._fit_normal_dask(X, y, sw, m)
        w = self._initial_coef(coef_init, np.empty((0, X.shape[1]), dtype=X.dtype))
        b = np.zeros(1, dtype=X.dtype)
        if intercept_init is not None and self.fit_intercept:
            b[0] = float(intercept_init)
        blocks = _core.aligned_blocks(X, y, sw)
        n_jobs = self.n_jobs

        def value_grad(W, bb):
            return self._gradient_sums(blocks, _binary_partial, W.copy(), float(bb[0]), _k.MODEL_LINEAR, n_jobs, None)

        self._dask_gd(blocks, m, (w, b), value_grad, callbacks)
        self.coef_, self.intercept_ = w, float(b[0])
        return self

    def _fit_normal_dask(self, X, y, sw, m):
        """The in-memory normal equations from per-block sums: two passes (means, then centred Gram)."""
        blocks = _core.aligned_blocks(X, y, sw)
        d = X.shape[1]
        if self.fit_intercept:
            parts = [_core.task(_sums_block)(xb, yb, sb) for xb, yb, sb in blocks]
            sx, sy = _core.compute(_core.tree_reduce(parts, _core.sum_partials))[0]
            x_mean, y_mean = sx / m, float(sy) / m
        else:
            x_mean, y_mean = np.zeros(d), 0.0
        parts = [_core.task(_gram_block)(xb, yb, sb, x_mean, y_mean) for xb, yb, sb in blocks]
        G, c = _core.compute(_core.tree_reduce(parts, _core.sum_partials))[0]
        lam = float(self.reg_lambda)
        if lam == 0.0:
            coef = np.linalg.lstsq(G, c, rcond=None)[0]  # the minimum-norm least-squares solution, as lstsq(Xc, yc)
        else:
            coef = np.linalg.solve(G + lam * np.eye(d), c)
        self.coef_ = coef_in_dtype(coef, X.dtype)
        self.intercept_ = float(y_mean - x_mean @ coef)
        loss, _, _ = self._gradient_sums(blocks, _binary_partial, self.coef_, self.intercept_, _k.MODEL_LINEAR,
                                         self.n_jobs, None)
        w = self.coef_.astype(np.float64)
        self.cost_history_ = np.array([float(loss) / m + 0.5 * lam / m * float(w @ w)])
        self.n_iter_ = 1
        return self

    def _dask_step(self, blocks, m, dtype):
        """α: learning_rate, or "auto" = 1/L with L from a distributed power iteration."""
        if not (isinstance(self.learning_rate, str) and self.learning_rate == "auto"):
            self.learning_rate_ = float(self.learning_rate)
        else:
            self.learning_rate_ = 1.0 / _dask_lipschitz(blocks, m, self.n_features_in_, dtype,
                                                        bool(self.fit_intercept), float(self.reg_lambda),
                                                        self.n_jobs)
        return self.learning_rate_

    def predict(self, X):
        """x·coef_ + intercept_; a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return _lazy(self, _LinearRegression, "predict", X)
        return super().predict(X)


class LogisticRegression(_DaskGDMixin, _LogisticRegression):
    """:class:`pyml.linear_model.LogisticRegression` that also fits Dask arrays (both solvers).

    Binary (sigmoid) and multinomial (softmax) models. On a Dask X chunked by
    rows, ``fit`` finds ``classes_`` in one pass (per-block ``np.unique``,
    merged), then runs Newton-CG or batch gradient descent with every cost,
    gradient and Hessian-vector product one distributed pass, as in memory. ``predict``,
    ``predict_proba``, ``predict_log_proba`` and ``decision_function`` on a
    Dask array return lazy Dask arrays.

    Parameters
    ----------
    solver : {"newton", "gd"}, default "newton"
        Both run on Dask arrays: "newton" is pyml's truncated Newton-CG with
        every cost/gradient and Hessian-vector product one distributed pass
        (several passes per Newton iteration, far fewer iterations); "gd" is
        one pass per iteration.
    learning_rate, max_iter, reg_lambda, tol, fit_intercept, n_jobs, verbose
        As :class:`pyml.linear_model.LogisticRegression`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    cost_history_, n_iter_, n_features_in_
    """

    def fit(self, X, y, coef_init=None, intercept_init=None, callbacks=None, sample_weight=None):
        """Fit on X (n_samples, n_features) and labels y (n_samples,); returns self. ``sample_weight`` as
        in :meth:`LinearRegression.fit`."""
        if not _core.is_dask_collection(X):
            y, sample_weight = _local(y), _local(sample_weight)
            return super().fit(X, y, coef_init, intercept_init, callbacks, sample_weight=sample_weight)
        self._check_common_params(("newton", "gd"))
        X, y, sw = self._dask_inputs(X, y, sample_weight)
        m, labels = self._describe(X, y, sw, True)
        self.n_features_in_ = X.shape[1]
        self._validate_targets(None, labels)
        classes = self.classes_
        k = len(classes)
        W, b = self._initial_params(np.empty((0, X.shape[1]), dtype=X.dtype), k, coef_init, intercept_init)
        blocks = _core.aligned_blocks(X, y, sw)
        n_jobs = self.n_jobs
        if self.solver == "newton":
            self.coef_, self.intercept_ = self._fit_newton_dask(blocks, m, W, b, callbacks)
            return self
        if W.shape[0] == 1:
            def value_grad(Wc, bc):
                return self._gradient_sums(blocks, _binary_partial, np.ascontiguousarray(Wc[0]), float(bc[0]),
                                           _k.MODEL_LOGISTIC, n_jobs, classes)
        else:
            def value_grad(Wc, bc):
                return self._gradient_sums(blocks, _softmax_partial, Wc.copy(), bc.copy(), n_jobs, classes)
        self._dask_gd(blocks, m, (W, b), value_grad, callbacks)
        self.coef_, self.intercept_ = W, b
        return self

    def _dask_step(self, blocks, m, dtype):
        return float(self.learning_rate)

    def _fit_newton_dask(self, blocks, m, W, b, callbacks):
        """pyml's truncated Newton (newton_cg) with the cost, gradient and H·v each one distributed pass."""
        from pyml.linear_model._base import newton_cg

        lam, dtype, classes, n_jobs = float(self.reg_lambda), W.dtype, self.classes_, self.n_jobs
        k, d = W.shape
        inv_m = 1.0 / m
        parts = [_core.task(_col_sq_block)(xb, sb, dtype) for xb, _, sb in blocks]
        (col_sq,) = _core.compute(_core.tree_reduce(parts, _core.sum_partials))[0]
        col_sq = col_sq / m
        precond = np.concatenate([np.tile(0.25 * col_sq + lam / m, k), np.full(k, 0.25)])
        precond = np.maximum(precond, 1e-12)
        fixed = np.zeros(k * (d + 1), dtype=bool)
        if not self.fit_intercept:
            fixed[k * d:] = True

        def reduce(task, *args):
            task_d = _core.task(task)
            return _core.compute(_core.tree_reduce([task_d(xb, sb, *args) for xb, _, sb in blocks],
                                                   _core.sum_partials))[0]

        def unpack(theta):
            return (np.ascontiguousarray(theta[:k * d].reshape(k, d), dtype=dtype),
                    np.ascontiguousarray(theta[k * d:], dtype=dtype))

        def fun_grad(theta):
            Wt, bt = unpack(theta)
            if k == 1:
                loss, gW, gb = self._gradient_sums(blocks, _binary_partial, Wt[0].copy(), float(theta[d]),
                                                   _k.MODEL_LOGISTIC, n_jobs, classes)
            else:
                loss, gW, gb = self._gradient_sums(blocks, _softmax_partial, Wt, bt, n_jobs, classes)
            Wd = Wt.astype(np.float64).ravel()
            g_w = (np.ravel(gW) * inv_m + lam * inv_m * Wd).astype(dtype)
            g_b = (np.ravel(gb) * inv_m).astype(dtype)
            cost = float(loss) * inv_m + 0.5 * lam * inv_m * float(Wd @ Wd)
            return cost, np.concatenate([g_w, g_b]).astype(np.float64)

        def hessp(theta, v):
            Wt, bt = unpack(theta)
            Vt, vbt = unpack(v)
            if k == 1:
                hW, hb = reduce(_hessp_block, Wt[0].copy(), float(theta[d]), Vt[0].copy(), float(v[d]),
                                n_jobs)
            else:
                hW, hb = reduce(_softmax_hessp_block, Wt, bt, Vt, vbt, n_jobs)
            h_w = (np.ravel(hW) * inv_m + lam * inv_m * Vt.astype(np.float64).ravel()).astype(dtype)
            h_b = (np.ravel(hb) * inv_m).astype(dtype)
            return np.concatenate([h_w, h_b]).astype(np.float64)

        theta0 = np.concatenate([W.ravel(), b]).astype(np.float64)
        theta, history, n_iter, converged = newton_cg(
            fun_grad, hessp, theta0, max_iter=self._max_iter(), tol=float(self.tol),
            callbacks=self._callbacks(callbacks, self._max_iter()), owner=self, precond=precond, fixed=fixed)
        self.cost_history_, self.n_iter_ = history, n_iter
        if not converged:
            self._warn_not_converged("Newton-CG")
        return newton_params(theta, k, d, dtype)

    def decision_function(self, X):
        """Scores X·w + b; a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return _lazy(self, _LogisticRegression, "decision_function", X)
        return super().decision_function(X)

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes); a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return _lazy(self, _LogisticRegression, "predict_proba", X)
        return super().predict_proba(X)

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba`."""
        if _core.is_dask_collection(X):
            return _lazy(self, _LogisticRegression, "predict_log_proba", X)
        return super().predict_log_proba(X)

    def predict(self, X):
        """Most probable class of each sample; a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return _lazy(self, _LogisticRegression, "predict", X)
        return super().predict(X)

