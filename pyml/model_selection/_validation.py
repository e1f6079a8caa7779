"""Model evaluation (Course 2, week 3): the course's error measures, cross-validation,
learning curves and validation curves, and the bias/variance diagnosis.

Errors, not scores: :func:`learning_curve` and :func:`validation_curve` return
the training and cross-validation *errors* the course plots,
:math:`J_{train}` and :math:`J_{cv}` — by default :func:`eval_mse`
(:math:`\\frac{1}{2m} \\sum (\\hat y - y)^2`) for regressors and
:func:`eval_cat_err` (fraction misclassified) for classifiers. Any pyml or
scikit-learn compatible estimator works (``fit``/``predict``/``get_params``).
"""
import numbers
import time

import numpy as np

from pyml.base import clone, is_classifier
from pyml.model_selection._cv_split import check_cv
from pyml.utils._threads import joblib_map

__all__ = ["eval_mse", "eval_cat_err", "categorization_error", "cross_val_score", "cross_validate",
           "learning_curve", "validation_curve", "diagnose_bias_variance", "get_scorer"]


def _course_pair(y, yhat, caller, numeric):
    """y and yhat as 1-D arrays (a column (m, 1) is accepted, as the labs' predictions are); NaN and
    infinity are rejected in numeric inputs."""
    out = []
    for name, v in (("y", y), ("yhat", yhat)):
        a = np.asarray(v, dtype=np.float64) if numeric else np.asarray(v)
        if a.ndim > 2 or (a.ndim == 2 and a.shape[1] != 1):
            raise ValueError(f"{caller}: {name} must be 1-D (m,) or a column (m, 1), got shape {a.shape}")
        a = a.ravel()
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            raise ValueError(f"{caller}: {name} contains NaN or infinity; pass finite values")
        out.append(a)
    return out


def eval_mse(y, yhat):
    """The course's regression error :math:`J = \\frac{1}{2m} \\sum_i (\\hat y_i - y_i)^2`."""
    y, yhat = _course_pair(y, yhat, "eval_mse", numeric=True)
    if y.shape != yhat.shape or y.size == 0:
        raise ValueError(f"eval_mse: y and yhat must be non-empty with the same length, got {y.shape}, {yhat.shape}")
    return float(np.sum((yhat - y) ** 2) / (2 * y.size))


def eval_cat_err(y, yhat):
    """The course's categorization error: fraction of examples with :math:`\\hat y_i \\ne y_i`."""
    y, yhat = _course_pair(y, yhat, "eval_cat_err", numeric=False)
    if y.shape != yhat.shape or y.size == 0:
        raise ValueError(f"eval_cat_err: y and yhat must be non-empty with the same length, got {y.shape}, "
                         f"{yhat.shape}")
    return float(np.mean(y != yhat))


categorization_error = eval_cat_err


def _default_error(estimator):
    return eval_cat_err if is_classifier(estimator) else eval_mse


def _error_fn(error, estimator):
    if error is None:
        return _default_error(estimator)
    if error in ("mse", "eval_mse"):
        return eval_mse
    if error in ("categorization", "eval_cat_err", "cat_err"):
        return eval_cat_err
    if callable(error):
        return error
    raise ValueError(f"error must be None, 'mse', 'categorization' or a callable(y, yhat), got {error!r}")


def get_scorer(scoring):
    """A callable(estimator, X, y) -> score (higher is better)."""
    if scoring is None:
        return lambda est, X, y: est.score(X, y)
    if callable(scoring):
        return scoring
    from pyml.metrics import accuracy_score, mean_squared_error, r2_score

    table = {
        "accuracy": lambda est, X, y: accuracy_score(y, est.predict(X)),
        "r2": lambda est, X, y: r2_score(y, est.predict(X)),
        "neg_mean_squared_error": lambda est, X, y: -mean_squared_error(y, est.predict(X)),
        "neg_eval_mse": lambda est, X, y: -eval_mse(y, est.predict(X)),
        "neg_categorization_error": lambda est, X, y: -eval_cat_err(y, est.predict(X)),
    }
    if scoring not in table:
        raise ValueError(f"unknown scoring {scoring!r}; choose from {sorted(table)} or pass a callable")
    return table[scoring]


def _take(a, idx):
    return a[idx] if a is not None else None


def _as_arrays(X, y):
    X = np.asarray(X)
    y = np.asarray(y) if y is not None else None
    if y is not None and len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    return X, y


def _fit_fold(estimator, X, y, train, val, scorer, return_train_score):
    """One fold: (fit time, validation score, training score or None)."""
    est = clone(estimator)
    t0 = time.perf_counter()
    est.fit(X[train], _take(y, train))
    fit_time = time.perf_counter() - t0
    test = scorer(est, X[val], _take(y, val))
    return fit_time, test, scorer(est, X[train], _take(y, train)) if return_train_score else None


def cross_validate(estimator, X, y=None, *, scoring=None, cv=5, return_train_score=False, n_jobs=None):
    """Fit on each training fold, score on its validation fold.

    ``n_jobs``: the folds run through ``joblib.Parallel(n_jobs)``; None is
    sequential except inside a ``joblib.parallel_backend(...)`` context, which
    then decides (e.g. ``"dask"``). Scores do not depend on it.

    Returns a dict of arrays ``test_score``, ``fit_time`` (and ``train_score``).
    """
    X, y = _as_arrays(X, y)
    scorer = get_scorer(scoring)
    splitter = check_cv(cv, y, is_classifier(estimator))
    tasks = [(estimator, X, y, train, val, scorer, return_train_score) for train, val in splitter.split(X, y)]
    results = joblib_map(_fit_fold, tasks, n_jobs)
    out = {"test_score": [r[1] for r in results], "fit_time": [r[0] for r in results]}
    if return_train_score:
        out["train_score"] = [r[2] for r in results]
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def cross_val_score(estimator, X, y=None, *, scoring=None, cv=5, n_jobs=None):
    """Validation score of each fold (``estimator.score`` unless ``scoring`` is given)."""
    return cross_validate(estimator, X, y, scoring=scoring, cv=cv, n_jobs=n_jobs)["test_score"]


def _splits(estimator, X, y, cv, validation_data):
    if validation_data is not None:
        Xv, yv = _as_arrays(*validation_data)
        return [(X, y, Xv, yv)]
    splitter = check_cv(cv, y, is_classifier(estimator))
    return [(X[tr], _take(y, tr), X[va], _take(y, va)) for tr, va in splitter.split(X, y)]


def _curve_point(estimator, params, Xtr, ytr, Xv, yv, err):
    """One (size or parameter value, split) fit: (J_train, J_cv)."""
    est = clone(estimator)
    if params:
        est.set_params(**params)
    est.fit(Xtr, ytr)
    return err(ytr, est.predict(Xtr)), err(yv, est.predict(Xv))


def learning_curve(estimator, X, y, *, train_sizes=(0.1, 0.325, 0.55, 0.775, 1.0), cv=5, validation_data=None,
                   error=None, shuffle=False, random_state=None, n_jobs=None):
    """Training and cross-validation error as the training set grows.

    For each size m and each split, the estimator is fitted on the first m
    training examples and :math:`J_{train}` (on those m) and :math:`J_{cv}` (on
    the validation part) are recorded.

    Parameters
    ----------
    train_sizes : sequence of float in (0, 1] or int
        Fractions of (or absolute numbers of) the training part.
    cv : int or splitter
        Folds, when ``validation_data`` is not given.
    validation_data : (X_cv, y_cv), optional
        A fixed cross-validation set (the course's 60/20/20 split).
    error : None, "mse", "categorization" or callable(y, yhat)
        Defaults to eval_mse for regressors, eval_cat_err for classifiers.
    n_jobs : int or None
        The (size, split) fits run through ``joblib.Parallel(n_jobs)``; None
        is sequential except inside a ``joblib.parallel_backend(...)`` context.

    Returns
    -------
    train_sizes_abs : ndarray of shape (n_sizes,)
    train_errors, cv_errors : ndarray of shape (n_sizes, n_splits)
    """
    X, y = _as_arrays(X, y)
    err = _error_fn(error, estimator)
    splits = _splits(estimator, X, y, cv, validation_data)
    n_train = min(len(s[0]) for s in splits)
    sizes = []
    for s in train_sizes:
        if isinstance(s, numbers.Integral) and not isinstance(s, bool):
            m = int(s)
        elif isinstance(s, numbers.Real) and 0 < s <= 1:
            m = max(1, int(np.floor(s * n_train)))
        else:
            raise ValueError(f"train_sizes must be fractions in (0, 1] or counts, got {s!r}")
        if not 1 <= m <= n_train:
            raise ValueError(f"train size {m} is outside [1, {n_train}]")
        sizes.append(m)
    sizes = np.unique(sizes)
    rng = np.random.default_rng(random_state) if shuffle else None
    train_err = np.empty((len(sizes), len(splits)))
    cv_err = np.empty_like(train_err)
    # the permutations are drawn here, in split order, exactly as the sequential loop did
    orders = [rng.permutation(len(s[0])) if rng is not None else np.arange(len(s[0])) for s in splits]
    tasks = [(estimator, None, Xtr[orders[j][:m]], ytr[orders[j][:m]], Xv, yv, err)
             for j, (Xtr, ytr, Xv, yv) in enumerate(splits) for m in sizes]
    for t, (j_train, j_cv) in enumerate(joblib_map(_curve_point, tasks, n_jobs)):
        j, i = divmod(t, len(sizes))
        train_err[i, j], cv_err[i, j] = j_train, j_cv
    return sizes, train_err, cv_err


def validation_curve(estimator, X, y, *, param_name, param_range, cv=5, validation_data=None, error=None,
                     n_jobs=None):
    """Training and cross-validation error for each value of one parameter.

    ``param_name`` is anything ``set_params`` accepts (``"reg_lambda"``,
    ``"degree"``, or a nested ``"step__param"``) — e.g. polynomial degree or
    the regularization :math:`\\lambda` of the course's week-3 lab. ``n_jobs``: the
    (value, split) fits run through ``joblib.Parallel`` (see :func:`cross_validate`).

    Returns
    -------
    train_errors, cv_errors : ndarray of shape (n_params, n_splits)
    """
    X, y = _as_arrays(X, y)
    err = _error_fn(error, estimator)
    param_range = list(param_range)
    if not param_range:
        raise ValueError("validation_curve: param_range is empty; pass at least one value")
    if not isinstance(param_name, str):
        raise TypeError(f"validation_curve: param_name must be a parameter name (str), got {param_name!r}")
    if param_name not in estimator.get_params(deep=True):
        raise ValueError(f"validation_curve: {type(estimator).__name__} has no parameter param_name="
                         f"{param_name!r}")
    splits = _splits(estimator, X, y, cv, validation_data)
    train_err = np.empty((len(param_range), len(splits)))
    cv_err = np.empty_like(train_err)
    tasks = [(estimator, {param_name: value}, Xtr, ytr, Xv, yv, err)
             for value in param_range for (Xtr, ytr, Xv, yv) in splits]
    for t, (j_train, j_cv) in enumerate(joblib_map(_curve_point, tasks, n_jobs)):
        i, j = divmod(t, len(splits))
        train_err[i, j], cv_err[i, j] = j_train, j_cv
    return train_err, cv_err


def diagnose_bias_variance(j_train, j_cv, baseline=0.0, *, tol=None):
    """The course's diagnosis from :math:`J_{train}`, :math:`J_{cv}` and a baseline level.

    High bias when :math:`J_{train} - baseline` is large; high variance when
    :math:`J_{cv} - J_{train}` is large. "Large" means more than ``tol``
    (default: 10% of ``max(baseline, J_cv)``, at least 1e-12).

    Returns
    -------
    diagnosis : str
        "high bias", "high variance", "high bias and high variance" or "just right".
    """
    values = []
    for name, v in (("j_train", j_train), ("j_cv", j_cv), ("baseline", baseline)) + \
            ((("tol", tol),) if tol is not None else ()):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"diagnose_bias_variance: {name} must be a number, got {v!r}") from None
        if not np.isfinite(f) or (name == "tol" and f < 0):
            raise ValueError(f"diagnose_bias_variance: {name} must be a finite number"
                             f"{' >= 0' if name == 'tol' else ''}, got {v!r}")
        values.append(f)
    j_train, j_cv, baseline = values[:3]
    if tol is None:
        tol = max(0.1 * max(abs(baseline), abs(j_cv)), 1e-12)
    bias = j_train - baseline > tol
    variance = j_cv - j_train > tol
    if bias and variance:
        return "high bias and high variance"
    if bias:
        return "high bias"
    if variance:
        return "high variance"
    return "just right"
