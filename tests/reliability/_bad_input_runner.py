"""Runs the bad-input matrix for one estimator in a fresh process (so a crash counts) and prints JSON.

Usage: python _bad_input_runner.py <estimator name>
Each case's outcome is one of: "ok" (with "same": whether the answer equals the plain contiguous
float64 one, and "finite"), "error" (ValueError / TypeError, with the message), "bad-error" (any
other exception type) or "hang" (over the per-case time budget).
"""
import contextlib
import inspect
import io
import json
import math
import os
import signal
import sys
import warnings

import numpy as np

CASE_SECONDS = 20


def _specs():
    from pyml.anomaly import GaussianAnomalyDetector
    from pyml.cluster import KMeans, MiniBatchKMeans
    from pyml.decomposition import PCA
    from pyml.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier,
                               RandomForestRegressor)
    from pyml.linear_model import LinearRegression, LogisticRegression
    from pyml.neural_network import MLPClassifier, MLPRegressor
    from pyml.preprocessing import MinMaxScaler, PolynomialFeatures, StandardScaler
    from pyml.tree import DecisionTreeClassifier, DecisionTreeRegressor

    # name -> (factory, kind, method used to compare answers)
    return {
        "LinearRegression": (lambda: LinearRegression(), "regressor", "predict"),
        "LinearRegression-gd": (lambda: LinearRegression(solver="gd", max_iter=200), "regressor", "predict"),
        "LogisticRegression": (lambda: LogisticRegression(), "classifier", "predict_proba"),
        "DecisionTreeClassifier": (lambda: DecisionTreeClassifier(max_depth=4), "classifier", "predict_proba"),
        "DecisionTreeRegressor": (lambda: DecisionTreeRegressor(max_depth=4), "regressor", "predict"),
        "RandomForestClassifier": (lambda: RandomForestClassifier(n_estimators=5, random_state=0), "classifier",
                                   "predict_proba"),
        "RandomForestRegressor": (lambda: RandomForestRegressor(n_estimators=5, random_state=0), "regressor",
                                  "predict"),
        "GradientBoostingClassifier": (lambda: GradientBoostingClassifier(n_estimators=5), "classifier",
                                       "predict_proba"),
        "GradientBoostingRegressor": (lambda: GradientBoostingRegressor(n_estimators=5), "regressor", "predict"),
        "MLPClassifier": (lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), "classifier",
                          "predict_proba"),
        "MLPRegressor": (lambda: MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), "regressor",
                         "predict"),
        "KMeans": (lambda: KMeans(3, random_state=0, n_init=1), "cluster", "transform"),
        "MiniBatchKMeans": (lambda: MiniBatchKMeans(3, random_state=0, batch_size=16), "cluster", "transform"),
        "GaussianAnomalyDetector": (lambda: GaussianAnomalyDetector(epsilon=1e-3), "unsupervised",
                                    "score_samples"),
        "StandardScaler": (lambda: StandardScaler(), "transformer", "transform"),
        "MinMaxScaler": (lambda: MinMaxScaler(), "transformer", "transform"),
        "PolynomialFeatures": (lambda: PolynomialFeatures(2), "transformer", "transform"),
        "PCA": (lambda: PCA(2), "transformer", "transform"),
    }


def _data(kind, n=40, d=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    if kind == "classifier":
        y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int64)
    elif kind == "regressor":
        y = X @ np.array([1.0, -2.0, 0.5])[:d] + 0.1
    else:
        y = None
    return X, y


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _run(fn):
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # the labs print progress
            warnings.simplefilter("ignore")
            out = fn()
        return {"outcome": "ok", "value": out}
    except _Timeout:
        return {"outcome": "hang"}
    except (ValueError, TypeError) as e:  # NotFittedError is a ValueError
        return {"outcome": "error", "type": type(e).__name__, "message": str(e)[:400]}
    except Exception as e:  # noqa: BLE001 - any other type is what the matrix looks for
        return {"outcome": "bad-error", "type": type(e).__name__, "message": str(e)[:400]}
    finally:
        signal.alarm(0)


def _answer(est, method, X):
    return np.asarray(getattr(est, method)(X), dtype=np.float64)


def _fit(est, X, y, **kw):
    return est.fit(X, **kw) if y is None else est.fit(X, y, **kw)


def _cases(name):
    factory, kind, method = _specs()[name]
    X, y = _data(kind)
    base = _answer(_fit(factory(), X, y), method, X)
    cases = {}

    def layout(label, Xv, yv=y, compare=True):
        def fn():
            out = _answer(_fit(factory(), Xv, yv), method, Xv)
            return {"same": bool(compare and out.shape == base.shape and np.allclose(out, base, rtol=1e-6,
                                                                                      atol=1e-9)),
                    "finite": bool(np.isfinite(out).all())}
        cases[label] = fn

    wide = np.zeros((X.shape[0], 2 * X.shape[1]))
    wide[:, ::2] = X
    ro = X.copy()
    ro.flags.writeable = False
    layout("list", X.tolist(), None if y is None else y.tolist())
    layout("fortran", np.asfortranarray(X))
    layout("non-contiguous", wide[:, ::2])
    layout("read-only", ro)
    layout("big-endian", X.astype(">f8"))
    layout("float32", X.astype(np.float32), compare=False)
    layout("float16", X.astype(np.float16), compare=False)
    layout("int", np.round(X * 10).astype(np.int32), compare=False)
    layout("tiny-values", X * 1e-300, compare=False)
    layout("bool", X > 0, compare=False)
    layout("object-numbers", X.astype(object))
    layout("y-list-only", X, None if y is None else y.tolist())

    def same_as_float32(label, Xv):
        def fn():
            ref = _answer(_fit(factory(), X.astype(np.float32), y), method, X.astype(np.float32))
            out = _answer(_fit(factory(), Xv, y), method, Xv)
            return {"same": bool(out.shape == ref.shape and np.allclose(out, ref, rtol=1e-5, atol=1e-6)),
                    "finite": bool(np.isfinite(out).all())}
        cases[label] = fn
    if kind == "classifier":
        # labels are labels: strings, bools or floats give the same probabilities as 0/1 ints
        layout("y-string-labels", X, np.where(y == 1, "yes", "no"))
        layout("y-bool-labels", X, y.astype(bool))
        layout("y-float-labels", X, y.astype(np.float64))

    def answer_of(label, Xfit, yfit, Xpred):
        def fn():
            out = _answer(_fit(factory(), Xfit, yfit), method, Xpred)
            return {"finite": bool(np.isfinite(out).all())}
        cases[label] = fn
    # no expectation beyond "no crash, no foreign exception, no non-finite answer": fits on 1 or 2 rows
    # may work or refuse clearly
    answer_of("X-one-sample", X[:1], None if y is None else y[:1], X)
    answer_of("X-two-samples", X[:2], None if y is None else y[:2], X)
    answer_of("predict-empty", X, y, X[:0])
    if kind == "classifier":
        cases["score-unseen-label"] = lambda: {"finite": bool(np.isfinite(
            _fit(factory(), X, y).score(X, np.full_like(y, 7))))}
    # big-endian float32 is float32 (not float64) once byte-swapped
    same_as_float32("big-endian-float32", X.astype(">f4"))

    def fit_with(label, Xv, yv=y, **kw):
        cases[label] = lambda: (_fit(factory(), Xv, yv, **kw), None)[1]

    for label, value in (("X-nan", np.nan), ("X-inf", np.inf), ("X-neg-inf", -np.inf)):
        Xb = X.copy()
        Xb[3, 1] = value
        fit_with(label, Xb)
    fit_with("X-1d", X[:, 0])
    fit_with("X-3d", X.reshape(X.shape[0], X.shape[1], 1))
    fit_with("X-empty", X[:0], None if y is None else y[:0])
    fit_with("X-no-features", X[:, :0])
    fit_with("X-strings", np.array([["a", "b", "c"]] * X.shape[0]))
    fit_with("X-complex", X.astype(np.complex128))
    fit_with("X-huge", X * 1e300)
    cases["X-huge-answer"] = lambda: {"finite": bool(np.isfinite(_answer(_fit(factory(), X * 1e300, y), method,
                                                                          X * 1e300)).all())}
    if y is not None:
        yb = y.astype(np.float64).copy()
        yb[2] = np.nan
        fit_with("y-nan", X, yb)
        if kind == "regressor":
            yi = y.copy()
            yi[2] = np.inf
            fit_with("y-inf", X, yi)
        fit_with("y-short", X, y[:-1])
        fit_with("y-2d-columns", X, np.column_stack([y, y, y]))
        fit_with("y-strings-object", X, np.array([None] * len(y), dtype=object))
        if kind == "classifier":
            fit_with("y-one-class", X, np.zeros_like(y))
    if "sample_weight" in inspect.signature(factory().fit).parameters:
        def unit_weights():
            out = _answer(_fit(factory(), X, y, sample_weight=[1.0] * len(X)), method, X)
            return {"same": bool(np.allclose(out, base, rtol=1e-6, atol=1e-9)), "finite": True}
        cases["sw-ones-list"] = unit_weights
        for label, w in (("sw-nan", np.full(len(X), np.nan)), ("sw-negative", -np.ones(len(X))),
                         ("sw-short", np.ones(len(X) - 1)), ("sw-inf", np.full(len(X), np.inf))):
            fit_with(label, X, y, sample_weight=w)
    cases["predict-before-fit"] = lambda: (_answer(factory(), method, X), None)[1]
    if hasattr(factory(), "partial_fit"):
        def partial(*calls):
            est = factory()
            for Xv, yv, kw in calls:
                est.partial_fit(Xv, **kw) if yv is None else est.partial_fit(Xv, yv, **kw)
            return None
        first = {"classes": np.unique(y)} if kind == "classifier" else {}
        cases["partial_fit-X-nan"] = lambda: partial((np.full_like(X, np.nan), y, first))
        cases["partial_fit-wrong-features"] = lambda: partial((X, y, first), (X[:, :2], y, {}))
        if kind == "classifier":
            cases["partial_fit-unseen-label"] = lambda: partial((X, y, first), (X, np.full_like(y, 7), {}))
    cases["predict-wrong-features"] = lambda: (_answer(_fit(factory(), X, y), method, X[:, :2]), None)[1]
    cases["predict-nan"] = lambda: (_answer(_fit(factory(), X, y), method, np.full_like(X, np.nan)), None)[1]
    for param, value in _bad_params(factory()):
        def bad(param=param, value=value):
            est = factory().set_params(**{param: value})
            _fit(est, X, y)
            return {"finite": bool(np.isfinite(_answer(est, method, X)).all())}
        cases[f"param-{param}={value!r}"] = bad
    return cases


def _bad_params(est):
    """Negative, NaN, inf, a string and a huge number for every numeric hyper-parameter."""
    out = []
    for param, default in est.get_params(deep=False).items():
        if isinstance(default, bool) or param in ("verbose",):
            continue
        if isinstance(default, (int, float)) or (default is None and param in ("max_depth", "max_iter", "tol",
                                                                                "n_jobs", "random_state")):
            for value in (-1, math.nan, math.inf, "abc", 2**62):
                out.append((param, value))
    return out


def _function_cases():
    """The labs' functions through NaN, wrong shapes, empty and mismatched inputs (each must be a clear error
    naming the input) and through lists / non-contiguous / big-endian inputs (each must work)."""
    from pyml.anomaly import estimate_gaussian, multivariate_gaussian, select_threshold
    from pyml.cluster import compute_centroids, find_closest_centroids, run_kmeans
    from pyml.linear_model import compute_cost, compute_gradient, gradient_descent, predict, sigmoid
    from pyml.metrics import accuracy_score, f1_score, log_loss, mean_squared_error, r2_score
    from pyml.model_selection import train_test_split
    from pyml.recommender import cofi_cost_func, normalize_ratings
    from pyml.tree import compute_entropy, compute_information_gain

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    yb = (y > 0).astype(float)
    w, C = np.zeros(3), X[:3].copy()
    Xn = X.copy()
    Xn[4, 2] = np.nan
    wide = np.zeros((30, 6))
    wide[:, ::2] = X
    Y, R = rng.integers(0, 6, size=(8, 5)).astype(float), (rng.random((8, 5)) < 0.6).astype(float)
    Xi, Wu, bu = rng.normal(size=(8, 2)), rng.normal(size=(5, 2)), np.zeros((1, 5))
    fails = {
        "compute_cost-X-nan": lambda: compute_cost(Xn, y, w, 0.0, model="linear"),
        "compute_cost-y-short": lambda: compute_cost(X, y[:-1], w, 0.0, model="linear"),
        "compute_cost-w-shape": lambda: compute_cost(X, y, np.zeros(2), 0.0, model="linear"),
        "compute_cost-b-nan": lambda: compute_cost(X, y, w, np.nan, model="linear"),
        "compute_cost-model": lambda: compute_cost(X, y, w, 0.0, model="svm"),
        "compute_gradient-X-empty": lambda: compute_gradient(X[:0], y[:0], w, 0.0, model="linear"),
        "gradient_descent-alpha-nan": lambda: gradient_descent(X, y, w, 0.0, np.nan, 10, model="linear"),
        "gradient_descent-iters-str": lambda: gradient_descent(X, y, w, 0.0, 0.1, "10", model="linear"),
        "gradient_descent-cost-not-callable": lambda: gradient_descent(X, y, w, 0.0, 0.1, 10, "cost", None),
        "predict-X-3d": lambda: predict(X[:, :, None], w, 0.0),
        "sigmoid-nan": lambda: sigmoid(np.array([0.0, np.nan])),
        "find_closest_centroids-dims": lambda: find_closest_centroids(X, C[:, :2]),
        "compute_centroids-idx-range": lambda: compute_centroids(X, np.full(30, 7), 3),
        "run_kmeans-iters-negative": lambda: run_kmeans(X, C, -1),
        "estimate_gaussian-X-nan": lambda: estimate_gaussian(Xn),
        "multivariate_gaussian-var-negative": lambda: multivariate_gaussian(X, np.zeros(3), -np.ones(3)),
        "select_threshold-lengths": lambda: select_threshold(yb[:-1], np.abs(y)),
        "select_threshold-labels": lambda: select_threshold(np.full(30, 2.0), np.abs(y)),
        "accuracy-lengths": lambda: accuracy_score(yb, yb[:-1]),
        "f1-nan": lambda: f1_score(np.r_[yb[:-1], np.nan], yb),
        "log_loss-outside-0-1": lambda: log_loss(yb, yb * 2),
        "mse-nan": lambda: mean_squared_error(y, np.r_[y[:-1], np.nan]),
        "r2-empty": lambda: r2_score(y[:0], y[:0]),
        "train_test_split-test_size": lambda: train_test_split(X, y, test_size=1.5),
        "cofi-R-not-binary": lambda: cofi_cost_func(Xi, Wu, bu, Y, R * 2, 1.0),
        "cofi-shape": lambda: cofi_cost_func(Xi, Wu, bu, Y[:, :4], R, 1.0),
        "normalize_ratings-nan": lambda: normalize_ratings(np.where(R > 0, np.nan, Y), R),
        "entropy-labels": lambda: compute_entropy(np.array([0, 2, 1])),
        "information_gain-feature": lambda: compute_information_gain((X > 0).astype(int), yb, list(range(30)), 9),
    }
    works = {
        "compute_cost-list": lambda: compute_cost(X.tolist(), y.tolist(), w.tolist(), 0.0, model="linear")
        == compute_cost(X, y, w, 0.0, model="linear"),
        "compute_cost-non-contiguous": lambda: compute_cost(wide[:, ::2], y, w, 0.0, model="linear")
        == compute_cost(X, y, w, 0.0, model="linear"),
        "compute_cost-big-endian": lambda: compute_cost(X.astype(">f8"), y, w, 0.0, model="linear")
        == compute_cost(X, y, w, 0.0, model="linear"),
        "find_closest_centroids-fortran": lambda: bool(np.array_equal(
            find_closest_centroids(np.asfortranarray(X), C), find_closest_centroids(X, C))),
        "estimate_gaussian-read-only": lambda: _read_only_equal(estimate_gaussian, X),
    }
    cases = {f"fail:{k}": (lambda f=f: (f(), None)[1]) for k, f in fails.items()}
    cases.update({f"work:{k}": (lambda f=f: {"same": bool(f()), "finite": True}) for k, f in works.items()})
    return cases


def _read_only_equal(fn, X):
    ro = X.copy()
    ro.flags.writeable = False
    return all(np.array_equal(a, b) for a, b in zip(fn(ro), fn(X)))


def _group_cases(name):
    """A group of _bad_input_groups: each case's expectation travels with its outcome."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _bad_input_groups as groups

    cases = {}
    for label, (thunk, expect) in groups.GROUPS[name]().items():
        def fn(thunk=thunk, expect=expect):
            out = thunk()
            if expect == groups.WORK:
                return {"expect": "work", "same": out is not False, "finite": True}
            return {"expect": list(expect)}
        cases[label] = (fn, expect)
    return cases


def main(name):
    results = {}
    if name == "functions":
        cases = _function_cases()
    elif name.startswith("group:"):
        cases = _group_cases(name[len("group:"):])
    else:
        cases = _cases(name)
    for label, fn in cases.items():
        expect = None
        if isinstance(fn, tuple):
            fn, expect = fn
        print(label, file=sys.stderr, flush=True)  # the last label names the case when the process crashes
        r = _run(fn)
        value = r.pop("value", None)
        if isinstance(value, dict):
            r.update(value)
        if expect is not None:
            r["expect"] = "work" if isinstance(expect, str) else list(expect)
        results[label] = r
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
