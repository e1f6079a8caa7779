"""The labs' gradient-descent loop, on the C kernel when the labs' own cost and gradient are passed.

Every Course 1 lab writes the same loop::

    for i in range(num_iters):
        dj_dw, dj_db = gradient_function(X, y, w, b, *args)   # some labs return (dj_db, dj_dw)
        w = w - alpha * dj_dw
        b = b - alpha * dj_db
        if i < 100000:
            J_history.append(cost_function(X, y, w, b, *args))
        if <print condition on i>:
            print(<the lab's line>)

:func:`descend` runs that loop. When ``cost_function`` and ``gradient_function``
are the compatibility modules' own functions (tagged by :func:`kernel_function`)
it runs the iterations in :func:`pyml.linear_model.gradient_descent` (one C call
per stretch between two printed iterations) and prints the same lines with the
same numbers; any other callable (a learner's own ``compute_cost``) runs the
loop above in Python, calling it as the lab does.
"""
import copy
import numbers
import math

import numpy as np

from pyml.linear_model import _functions as _lm

_HISTORY_CAP = 100000  # the labs stop recording J after this many iterations


def kernel_function(model, regularised, default_lambda=0.0, grad_order=None):
    """Tag a compatibility function as computable by the fused C kernel.

    ``model`` is "linear" or "logistic"; ``regularised`` says whether the
    function's trailing argument is λ (else extra arguments are ignored, as the
    labs' ``*argv`` functions do); ``grad_order`` is "wb" or "bw" for gradients.
    """
    def tag(fn):
        fn._pyml_kernel = (model, bool(regularised), float(default_lambda))
        if grad_order is not None:
            fn._pyml_grad_order = grad_order
        return fn
    return tag


def fused_kind(cost_function, gradient_function, args):
    """(model, λ) when both functions are the kernel's own and agree, else None."""
    kc = getattr(cost_function, "_pyml_kernel", None)
    kg = getattr(gradient_function, "_pyml_kernel", None)
    if kc is None or kc != kg:
        return None
    model, regularised, default = kc
    lam = (args[0] if args else default) if regularised else 0.0
    return model, check_lambda("gradient_descent", lam)


def check_lambda(caller, lambda_):
    """λ under the labs' name ``lambda_`` (the library calls it reg_lambda) as a float: a finite real >= 0."""
    if isinstance(lambda_, (bool, np.bool_)) or not isinstance(lambda_, (numbers.Real, np.ndarray)) \
            or np.ndim(lambda_) != 0 or np.asarray(lambda_).dtype.kind not in "iuf":
        raise TypeError(f"{caller}: lambda_ must be a real number >= 0 (the regularisation strength), "
                        f"got {lambda_!r}")
    if not np.isfinite(lambda_) or lambda_ < 0:
        raise ValueError(f"{caller}: lambda_ must be a finite number >= 0, got {lambda_!r}")
    return float(lambda_)


def _stretch(X, y, w, b, alpha, n, model, lam, record):
    """n iterations in C from (w, b): returns (w, b, J list, params list or None)."""
    res = _lm.gradient_descent(X, y, w, b, alpha, n, model=model, reg_lambda=lam,
                               max_records=n if record else 1)
    params = None
    if record:
        p = res.p_history
        params = [[float(r[0]), float(r[-1])] if np.ndim(res.w) == 0 else [r[:-1].copy(), float(r[-1])]
                  for r in p]
    return res.w, float(res.b), [float(j) for j in res.J_history], params


def descend(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters, *, args=(),
            grad_order="wb", report_at=None, report=None, record_params=False):
    """The labs' loop (module docstring). Returns ``(w, b, J_history, p_history)``.

    report_at(i, num_iters) -> bool selects the iterations passed to
    ``report(i, J_i, w, b, dj_dw, dj_db)`` (the state after update i and the
    gradient that update used). ``p_history`` is ``[w, b]`` after every update
    (first 100000) when ``record_params``, else None.
    """
    if not callable(cost_function) or not callable(gradient_function):
        raise TypeError("gradient_descent: cost_function and gradient_function must be callables "
                        f"(got {type(cost_function).__name__} and {type(gradient_function).__name__})")
    if isinstance(num_iters, (bool, np.bool_)) or not isinstance(num_iters, (numbers.Integral, numbers.Real)) \
            or isinstance(num_iters, numbers.Real) and not float(num_iters).is_integer():
        raise TypeError(f"gradient_descent: num_iters must be a whole number of iterations, got {num_iters!r}")
    num_iters = int(num_iters)
    if num_iters < 0:
        raise ValueError(f"gradient_descent: num_iters must be >= 0, got {num_iters}")
    kind = fused_kind(cost_function, gradient_function, args)
    marks = _marks(report_at, num_iters)
    if kind is None:
        return _python_loop(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters, args,
                            grad_order, set(marks), report, record_params)
    return _fused_loop(X, y, w_in, b_in, alpha, num_iters, kind, marks, report, record_params)


def _python_loop(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters, args, grad_order,
                 marks, report, record_params):
    w, b = copy.deepcopy(w_in), b_in
    J_history, p_history = [], ([] if record_params else None)
    for i in range(num_iters):
        g0, g1 = gradient_function(X, y, w, b, *args)
        dj_dw, dj_db = (g0, g1) if grad_order == "wb" else (g1, g0)
        w = w - alpha * dj_dw
        b = b - alpha * dj_db
        if i < _HISTORY_CAP:
            J_history.append(cost_function(X, y, w, b, *args))
            if record_params:
                p_history.append([w, b])
        if i in marks and report is not None:
            report(i, J_history[-1] if J_history else math.nan, w, b, dj_dw, dj_db)
    return w, b, J_history, p_history


def _fused_loop(X, y, w_in, b_in, alpha, num_iters, kind, marks, report, record_params):
    model, lam = kind
    # validate up front with the labs' names (w_in, b_in), before the conversions below can give NumPy's
    # "could not convert" or drop a complex w_in's imaginary part
    _lm._prepare(X, y, w_in, b_in, "gradient_descent", model, w_name="w_in", b_name="b_in")
    X_arr = np.asarray(X, dtype=np.float64) if not isinstance(X, np.ndarray) else X
    scalar_w = np.ndim(X_arr) == 1
    w = float(np.asarray(w_in).reshape(())) if scalar_w else np.array(w_in, dtype=np.float64, copy=True)
    b = float(np.asarray(b_in).reshape(()))
    J_history, p_history = [], ([] if record_params else None)
    done = 0
    for i in marks + [None]:
        stop = num_iters if i is None else i
        if stop > done:  # the stretch before the reported update
            w, b, J, P = _stretch(X_arr, y, w, b, alpha, stop - done, model, lam,
                                  record_params and done < _HISTORY_CAP)
            J_history.extend(J[:max(0, _HISTORY_CAP - done)])
            if record_params:
                p_history.extend(P[:max(0, _HISTORY_CAP - done)])
            done = stop
        if i is None:
            break
        dj_dw, dj_db = _lm.compute_gradient(X_arr, y, w, b, reg_lambda=lam, model=model)
        w, b, J, P = _stretch(X_arr, y, w, b, alpha, 1, model, lam, record_params)
        if done < _HISTORY_CAP:
            J_history.extend(J)
            if record_params:
                p_history.extend(P)
        done += 1
        if report is not None:
            report(i, J_history[-1] if J_history else math.nan, w, b, dj_dw, dj_db)
    return w, b, J_history, p_history


def _marks(report_at, num_iters):
    """The iterations report_at selects; the labs' two rules are computed directly (no Python loop over a
    possibly huge num_iters), any other rule is asked iteration by iteration."""
    if report_at is None or num_iters == 0:
        return []
    step = math.ceil(num_iters / 10)
    if report_at is every_tenth:
        return list(range(0, num_iters, step))
    if report_at is every_tenth_and_last:
        return sorted(set(range(0, num_iters, step)) | {num_iters - 1})
    return [i for i in range(num_iters) if report_at(i, num_iters)]


def every_tenth(i, num_iters):
    """The labs' print rule ``i % ceil(num_iters / 10) == 0``."""
    return i % math.ceil(num_iters / 10) == 0


def every_tenth_and_last(i, num_iters):
    """The C1 W3 practice lab's rule: every tenth and the last iteration."""
    return every_tenth(i, num_iters) or i == num_iters - 1
