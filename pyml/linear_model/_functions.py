"""The course's plain functions (Course 1 labs), backed by the C kernels.

Conventions (as in the labs): X is (m, n) or 1-D for one feature (then w is
a scalar), y is (m,), b is a scalar. ``model`` is ``"linear"`` or
``"logistic"``.

    linear:    f = X·w + b,           J = 1/(2m) Σ (f - y)²
    logistic:  f = sigmoid(X·w + b),  J = (1/m) Σ [-y log f - (1 - y) log(1 - f)]
    both:      J += λ/(2m) Σ w_j²     (b is never regularised)
               ∂J/∂w = (1/m) Σ (f - y) x + (λ/m) w,   ∂J/∂b = (1/m) Σ (f - y)

The logistic cost is evaluated as softplus(z) - y·z, which equals the
formula above but never takes log(0): a confident wrong prediction costs a
large finite number instead of inf.
"""
import math
import numbers
from collections import namedtuple

import numpy as np

from pyml.linear_model import _linear_model_kernels as _k
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.callbacks import IterationHook, fit_callbacks
from pyml.utils.validation import check_array, check_scalar, check_vector

__all__ = ["sigmoid", "compute_cost", "compute_gradient", "gradient_descent", "predict", "GradientDescentResult"]

_MODELS = {"linear": _k.MODEL_LINEAR, "logistic": _k.MODEL_LOGISTIC}


class GradientDescentResult(namedtuple("GradientDescentResult", ["w", "b", "J_history", "p_history"])):
    """Result of :func:`gradient_descent`: ``w, b, J_history, p_history = result``.

    ``J_history[t]`` is the cost after update t. ``p_history[r]`` is
    ``[w..., b]`` after update ``p_iterations[r]`` (recorded every
    ``ceil(num_iters / max_records)`` updates, so memory stays bounded).
    """


def _resolve_model(model, y, caller):
    """``model=None`` means linear; warn when the targets look like 0/1 class labels (a silent wrong
    answer otherwise: the linear cost of a classification problem)."""
    if model is not None:
        return model
    if y is not None:
        values = np.unique(np.asarray(y))
        if values.size == 2 and values[0] == 0 and values[1] == 1:
            import warnings

            warnings.warn(f"{caller}: y holds only 0 and 1 but model defaults to 'linear'; pass model='logistic' "
                          "for logistic regression (or model='linear' to keep the squared-error cost and silence "
                          "this warning)", UserWarning, stacklevel=3)
    return "linear"


def _model_code(model, caller):
    if model not in _MODELS:
        raise ValueError(f"{caller}: model must be 'linear' or 'logistic', got {model!r}")
    return _MODELS[model]


def _threads(n_jobs, X):
    return threads_for_work(resolve_n_jobs(n_jobs), X.size, min_items_per_thread=32768)


def _prepare(X, y, w, b, caller, model, w_name="w", b_name="b"):
    """Validate the lab-style inputs; returns (X2d, y, w1d, b, scalar_w). ``w_name`` / ``b_name`` are the
    caller's parameter names (gradient_descent's are w_in / b_in), used in the messages."""
    X = check_array(X, caller=caller, ensure_2d=False)
    if X.ndim not in (1, 2):
        raise ValueError(f"{caller}: X must be 1-D (one feature) or 2-D (m, n), got shape {X.shape}")
    scalar_w = X.ndim == 1
    X2 = X.reshape(-1, 1) if scalar_w else X
    if X2.shape[1] == 0:
        raise ValueError(f"{caller}: X has no features (shape {X.shape})")
    dtype = X2.dtype
    if y is not None:
        y = check_vector(y, caller=caller, dtype=dtype)
        if y.shape[0] != X2.shape[0]:
            raise ValueError(f"{caller}: X has {X2.shape[0]} samples but y has {y.shape[0]}")
        if model == "logistic" and np.any((y < 0) | (y > 1)):
            raise ValueError(f"{caller}: logistic cost needs targets in [0, 1]; y has values outside it")
    w_arr = _real_array(w, w_name, caller).astype(dtype, copy=False)
    if scalar_w:
        if w_arr.size != 1:
            raise ValueError(f"{caller}: X is 1-D (one feature) so {w_name} must be a scalar, got shape "
                             f"{w_arr.shape}")
        w_arr = w_arr.reshape(1)
    elif w_arr.shape != (X2.shape[1],):
        raise ValueError(f"{caller}: {w_name} must have shape ({X2.shape[1]},) to match X {X2.shape}, got "
                         f"{w_arr.shape}")
    w_arr = check_vector(w_arr, name=w_name, caller=caller, dtype=dtype, warn_column=False).copy()
    return X2, y, w_arr, _check_b(b, b_name, caller), scalar_w


def _real_array(w, name, caller):
    """w as a real ndarray. A plain np.asarray(w, float) gives NumPy's "could not convert string" for
    strings and drops the imaginary part of complex values silently: both are errors naming w here."""
    if isinstance(w, (str, bytes)):
        raise TypeError(f"{caller}: {name} must be real numbers (an array of floats), got the string {w!r}")
    try:
        arr = np.asarray(w)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{caller}: {name} must be a flat sequence of real numbers, got a ragged "
                         "sequence") from None
    if arr.dtype.kind == "c":
        raise ValueError(f"{caller}: {name} has complex values; the parameters must be real numbers "
                         f"(pass {name}.real if the imaginary parts are meant to be 0)")
    if arr.dtype.kind in "OUSV":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{caller}: {name} must be real numbers (an array of floats), got non-numeric "
                            f"values of dtype {arr.dtype}") from None
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"{caller}: {name} must be real numbers (an array of floats), got dtype {arr.dtype}")
    return arr


def _check_b(b, name, caller):
    """b as a finite float (a 1-element array is accepted, as the labs pass np.array([b]) at times)."""
    if isinstance(b, np.ndarray):
        if b.size != 1:
            raise ValueError(f"{caller}: {name} must be a scalar, got shape {b.shape}")
        b = b.reshape(()).item()
    if isinstance(b, (complex, np.complexfloating)) and not isinstance(b, numbers.Real):
        raise TypeError(f"{caller}: {name} must be a real number, got the complex {b!r}")
    try:
        b = float(b)
    except (TypeError, ValueError):
        raise TypeError(f"{caller}: {name} must be a real number, got {type(b).__name__}") from None
    if not math.isfinite(b):
        raise ValueError(f"{caller}: {name} must be finite, got {b}")
    return b


def _check_lambda(reg_lambda, caller):
    check_scalar(reg_lambda, "reg_lambda", (int, float, np.floating, np.integer), min_val=0.0, caller=caller)
    return float(reg_lambda)


def sigmoid(z, *, n_jobs=None):
    """Logistic function g(z) = 1 / (1 + e^(-z)), elementwise, without overflow.

    Parameters
    ----------
    z : scalar or array-like of any shape

    Returns
    -------
    g : float or ndarray of z's shape (float32 kept, else float64)
    """
    arr = check_array(z, name="z", caller="sigmoid", ensure_2d=False, min_samples=0, ensure_finite=False)
    if np.isnan(arr).any():
        raise ValueError("sigmoid: z contains NaN")
    flat = np.ascontiguousarray(arr.reshape(-1))
    out = _k.sigmoid(flat, threads_for_work(resolve_n_jobs(n_jobs), flat.size, 65536)).reshape(arr.shape)
    return out.item() if np.ndim(z) == 0 else out


def compute_cost(X, y, w, b, *, reg_lambda=0.0, model=None, n_jobs=None):
    """Cost J(w, b) of a linear or logistic model (see the module docstring).

    Parameters
    ----------
    X : array-like of shape (m, n), or (m,) for one feature
    y : array-like of shape (m,)
    w : array-like of shape (n,), or a scalar when X is 1-D
    b : float
    reg_lambda : float, default 0.0
        λ of the penalty λ/(2m) Σ w².
    model : {"linear", "logistic"} or None, default None
        None means "linear", with a warning when y holds only 0 and 1.

    Returns
    -------
    J : float
    """
    model = _resolve_model(model, y, "compute_cost")
    code = _model_code(model, "compute_cost")
    X, y, w, b, _ = _prepare(X, y, w, b, "compute_cost", model)
    cost, _, _ = _k.value_grad(X, y, w, b, code, _check_lambda(reg_lambda, "compute_cost"), _threads(n_jobs, X))
    return float(cost)


def compute_gradient(X, y, w, b, *, reg_lambda=0.0, model=None, n_jobs=None):
    """Gradient (∂J/∂w, ∂J/∂b) of :func:`compute_cost`, from the same fused kernel.

    Returns
    -------
    dj_dw : ndarray of shape (n,), or a float when X is 1-D
    dj_db : float
    """
    model = _resolve_model(model, y, "compute_gradient")
    code = _model_code(model, "compute_gradient")
    X, y, w, b, scalar_w = _prepare(X, y, w, b, "compute_gradient", model)
    lam = _check_lambda(reg_lambda, "compute_gradient")
    _, grad_w, grad_b = _k.value_grad(X, y, w, b, code, lam, _threads(n_jobs, X))
    return (float(grad_w[0]) if scalar_w else grad_w), float(grad_b)


def gradient_descent(X, y, w_in, b_in, alpha, num_iters, cost_function=None, gradient_function=None, *,
                     reg_lambda=0.0, model=None, max_records=1000, tol=0.0, n_jobs=None, verbose=0, callbacks=None):
    """Batch gradient descent with simultaneous updates, run entirely in C.

    Repeats ``num_iters`` times::

        w := w - α ∂J/∂w(w, b);   b := b - α ∂J/∂b(w, b)

    One pass over X per iteration computes the residual, the cost and the
    gradient. Ctrl-C interrupts between iterations.

    Parameters
    ----------
    X, y, w_in, b_in : as in :func:`compute_cost`
    alpha : float
        Learning rate α > 0.
    num_iters : int
    cost_function, gradient_function : callables, optional
        As the labs pass them: ``cost_function(X, y, w, b) -> J`` and
        ``gradient_function(X, y, w, b) -> (dj_dw, dj_db)`` (pyml's order; the
        labs that return ``(dj_db, dj_dw)`` have :mod:`pyml.labs` modules).
        None or pyml's own :func:`compute_cost` / :func:`compute_gradient` run
        the fused C loop; any other callable (a learner's own function) runs
        the same iteration in Python, calling it once per iteration (then
        ``reg_lambda`` and ``model`` only apply to a function left as None).
    reg_lambda : float
    model : {"linear", "logistic"} or None
        None means "linear", with a warning when y holds only 0 and 1.
    max_records : int
        At most this many parameter snapshots in ``p_history``.
    tol : float
        Stop early when the cost changes by less than tol·max(1, |J|) (0: never).
    verbose : int
        Print progress to stderr.
    callbacks : list of pyml.utils.Callback, optional
        Called after every iteration with ``logs={"loss": J}``.

    Returns
    -------
    GradientDescentResult
        ``(w, b, J_history, p_history)``; ``w`` is a float when X is 1-D.
    """
    caller = "gradient_descent"
    model = _resolve_model(model, y, caller)
    code = _model_code(model, caller)
    custom = _custom_functions(cost_function, gradient_function, model, reg_lambda, caller)
    X, y, w, b, scalar_w = _prepare(X, y, w_in, b_in, caller, model, w_name="w_in", b_name="b_in")
    alpha = float(check_scalar(alpha, "alpha", (int, float, np.floating, np.integer), min_val=0.0,
                               include_min=False, caller=caller))
    num_iters = check_scalar(num_iters, "num_iters", (int, np.integer), min_val=0, caller=caller)
    max_records = check_scalar(max_records, "max_records", (int, np.integer), min_val=1, caller=caller)
    tol = float(check_scalar(tol, "tol", (int, float, np.floating, np.integer), min_val=0.0, caller=caller))
    lam = _check_lambda(reg_lambda, caller)
    record_every = max(1, math.ceil(num_iters / max_records))
    cb_list = fit_callbacks(callbacks, caller, verbose, num_iters)
    hook = IterationHook(caller, cb_list)
    cb_list.on_fit_begin(caller)
    if custom is not None:
        w, b_out, history, params, n_iter, diverged = _python_descent(
            X[:, 0] if scalar_w else X, y, w, b, alpha, int(num_iters), custom, scalar_w, record_every,
            int(max_records), tol, hook)
    else:
        b_out, history, params, n_iter, diverged = _k.gradient_descent(
            X, y, w, b, code, True, alpha, lam, int(num_iters), tol, record_every, int(max_records),
            _threads(n_jobs, X), hook)
    cb_list.on_fit_end(caller, {"loss": float(history[-1]) if n_iter else None})
    if diverged:
        import warnings

        warnings.warn(f"gradient_descent: the cost became infinite or NaN at iteration {n_iter}; "
                      f"the learning rate alpha={alpha} is too large (or the features need scaling)",
                      RuntimeWarning, stacklevel=2)
    result = GradientDescentResult(float(w[0]) if scalar_w else w, b_out, history.copy(), params.copy())
    result.p_iterations = np.arange(len(params)) * record_every
    return result


def _custom_functions(cost_function, gradient_function, model, reg_lambda, caller):
    """None when the fused C loop applies, else the (cost, gradient) callables of the Python loop."""
    own = (cost_function is None or cost_function is compute_cost) and \
        (gradient_function is None or gradient_function is compute_gradient)
    if own:
        return None
    for fn, name in ((cost_function, "cost_function"), (gradient_function, "gradient_function")):
        if fn is not None and not callable(fn):
            raise TypeError(f"{caller}: {name} must be a callable f(X, y, w, b), got {type(fn).__name__}")
    lam = _check_lambda(reg_lambda, caller)
    cost = cost_function or (lambda X, y, w, b: compute_cost(X, y, w, b, reg_lambda=lam, model=model))
    grad = gradient_function or (lambda X, y, w, b: compute_gradient(X, y, w, b, reg_lambda=lam, model=model))
    return cost, grad


def _python_descent(X, y, w, b, alpha, num_iters, functions, scalar_w, record_every, max_records, tol, hook):
    """The labs' loop with a learner's own functions (one call of each per iteration, as the labs do);
    returns what the C kernel returns: (w, b, J history, parameter snapshots, iterations, diverged)."""
    cost_function, gradient_function = functions
    w = float(w[0]) if scalar_w else w
    history, params = [], []
    previous = None
    for t in range(num_iters):
        dj_dw, dj_db = gradient_function(X, y, w, b)
        w = w - alpha * np.asarray(dj_dw, dtype=np.float64) if not scalar_w else w - alpha * float(dj_dw)
        b = b - alpha * float(dj_db)
        J = float(cost_function(X, y, w, b))
        history.append(J)
        if t % record_every == 0 and len(params) < max_records:
            params.append(np.append(np.atleast_1d(w), b))
        if not math.isfinite(J):
            return np.atleast_1d(w), b, np.array(history), np.array(params), t + 1, True
        if hook.on_iteration(t, J) or (tol > 0 and previous is not None and
                                       abs(previous - J) < tol * max(1.0, abs(J))):
            return np.atleast_1d(w), b, np.array(history), np.array(params), t + 1, False
        previous = J
    n_params = np.atleast_1d(w).size + 1
    return (np.atleast_1d(w), b, np.array(history), np.array(params).reshape(-1, n_params), num_iters, False)


def predict(X, w, b, *, model="linear", threshold=0.5, n_jobs=None):
    """Model output: X·w + b (linear) or the class 1[sigmoid(X·w + b) ≥ threshold] (logistic).

    Parameters
    ----------
    X, w, b : as in :func:`compute_cost`
    model : {"linear", "logistic"}, default "linear"
    threshold : float in [0, 1], default 0.5
        The probability cut of the logistic model (checked for both models).

    Returns
    -------
    ndarray of shape (m,): float predictions (linear) or int 0/1 (logistic)
    """
    code = _model_code(model, "predict")
    # a probability cut: NaN would silently predict class 0 everywhere, 1.5 likewise
    threshold = float(check_scalar(threshold, "threshold", (int, float, np.floating, np.integer), min_val=0.0,
                                   max_val=1.0, caller="predict"))
    X, _, w, b, _ = _prepare(X, None, w, b, "predict", model)
    out = _k.predict(X, w, b, code, _threads(n_jobs, X))
    if model == "logistic":
        return (out >= threshold).astype(np.int64)
    return out
