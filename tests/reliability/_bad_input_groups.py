"""Case groups of the bad-input matrix beyond the 18 core estimators (issue 13): the recommender, encoders,
model selection, Keras-style networks and their functions, the DQN stack, the labs, metrics, datasets and
pyml.dask (with NumPy and column-chunked Dask inputs, synchronous scheduler: no cluster).

A group is a function returning ``{label: (thunk, expect)}``:

- ``expect == WORK``: the call must succeed; when the thunk returns a bool it is "the answer equals the plain
  C-contiguous float64 one" and must be True.
- ``expect`` a tuple of words: the call must raise ValueError / TypeError (NotFittedError is a ValueError) whose
  message contains one of the words as a whole word (it names the input or the fix).

``COVERED`` lists, per group, the public names (``module.name``) the group exercises; test_bad_input_matrix.py
checks that every public class and function of pyml is covered by a group or excluded with a reason.
"""
import inspect
import os
import tempfile

import numpy as np

WORK = "work"
RNG = np.random.default_rng(0)
COVERED = {}


def covers(*names):
    def deco(fn):
        COVERED[fn.__name__[len("group_"):]] = names
        return fn
    return deco


# ---------------------------------------------------------------------------------------------------------------
# generic helpers

def _leaves(obj):
    """Numeric leaves of a nested result (arrays, tuples, namedtuples, dicts, lists, scalars)."""
    if isinstance(obj, dict):
        return [x for k in sorted(obj, key=repr) for x in _leaves(obj[k])]
    if isinstance(obj, list):
        try:
            arr = np.asarray(obj)
            if arr.dtype.kind in "biuf":
                return [arr]
        except ValueError:  # ragged
            pass
    if isinstance(obj, (list, tuple)):
        return [x for v in obj for x in _leaves(v)]
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return [obj]
    if isinstance(obj, (int, float, complex, np.number, np.bool_, np.ndarray)):
        return [np.asarray(obj)]
    return [repr(obj)]


def same(a, b):
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return False
    for x, y in zip(la, lb):
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return False
        elif x.shape != y.shape or not np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12,
                                                    equal_nan=True):
            return False
    return True


def _variants(a):
    """Layouts that must give the plain answer: list, Fortran, strided, read-only, big-endian."""
    a = np.asarray(a)
    out = {"list": a.tolist()}
    wide = np.zeros(a.shape + (2,), dtype=a.dtype)
    wide[..., 0] = a
    out["strided"] = wide[..., 0]
    ro = a.copy()
    ro.flags.writeable = False
    out["read-only"] = ro
    if a.ndim == 2:
        out["fortran"] = np.asfortranarray(a)
    if a.dtype.kind == "f":
        out["big-endian"] = a.astype(a.dtype.newbyteorder(">"))
    return out


def _poison(a, value):
    b = np.array(a, dtype=np.float64, copy=True)
    b.flat[min(1, b.size - 1)] = value
    return b


# other names an error may fairly use for a parameter (the labs' x is the library's X, ...)
ALIASES = {"x": ("X",), "X": ("x",), "w_in": ("w",), "b_in": ("b",), "initial_centroids": ("centroids",),
           "A_in": ("a_in",), "W1": ("W",), "b1": ("b",), "W2": ("W",), "b2": ("b",), "im": ("image", "X"),
           "var": ("variance", "variances", "covariance")}


def probe(cases, label, fn, args, arrays, words=None, layouts=True, bad=True, extra=None, strings=True):
    """Cases for the array arguments ``arrays`` (positional indices) of ``fn(*args)``: NaN, inf, an extra
    axis, strings and complex must each raise an error naming the argument; the layouts must give the plain
    answer. ``words`` overrides the words the message may name (default: the parameter's name)."""
    names = []
    for prm in inspect.signature(fn).parameters.values():
        if prm.kind is prm.VAR_POSITIONAL:  # fn(x, *params): the array arguments are params[0], params[1], ...
            names += [f"{prm.name}[{k}]" for k in range(len(args) - len(names))]
            break
        if prm.kind in (prm.POSITIONAL_ONLY, prm.POSITIONAL_OR_KEYWORD):
            names.append(prm.name)

    def call(i, v):
        return fn(*[v if j == i else a for j, a in enumerate(args)])

    for i in arrays:
        name = names[i] if i < len(names) else f"arg{i}"
        default = (name,) + ALIASES.get(name, ())
        w = (words or {}).get(i, default) if isinstance(words, dict) else (words or default)
        a = np.asarray(args[i])
        if bad:
            for tag, v in (("nan", np.nan), ("inf", np.inf)):
                cases[f"{label}-{name}-{tag}"] = (lambda i=i, v=_poison(a, v): call(i, v), w)
            cases[f"{label}-{name}-extra-axis"] = (lambda i=i, v=a[..., None, None]: call(i, v), w)
            if strings:
                cases[f"{label}-{name}-strings"] = (lambda i=i, v=np.full(a.shape, "a"): call(i, v), w)
            cases[f"{label}-{name}-complex"] = (lambda i=i, v=a.astype(complex) + 1j: call(i, v), w)
        if layouts:
            for tag, v in _variants(a).items():
                cases[f"{label}-{name}-{tag}"] = (lambda i=i, v=v: same(call(i, v), fn(*args)), WORK)
    for tag, (thunk, expect) in (extra or {}).items():
        cases[f"{label}-{tag}"] = (thunk, expect)


def bad_values(cases, label, build, param, values=(-1, float("nan"), float("inf"), "abc", 2**62), words=None):
    """``build(value)`` must raise an error naming ``param`` for each value."""
    for v in values:
        cases[f"{label}-{param}={v!r}"] = (lambda v=v: build(v), words or (param,))


# ---------------------------------------------------------------------------------------------------------------
# recommender

def _ratings():
    Y = np.round(RNG.uniform(0.5, 5, size=(12, 8)) * 2) / 2
    R = (RNG.random((12, 8)) < 0.5).astype(float)
    R[:, 0] = R[0, :] = 1  # every user and item has a rating
    return Y * R, R


@covers("pyml.recommender.CollaborativeFiltering")
def group_recommender():
    from pyml.recommender import CollaborativeFiltering

    Y, R = _ratings()
    items, users = np.nonzero(R)
    pairs = np.column_stack([users, items]).astype(np.int64)
    ratings = Y[items, users]

    def cf(**kw):
        kw.setdefault("n_features", 3)
        kw.setdefault("max_iter", 5)
        kw.setdefault("random_state", 0)
        return CollaborativeFiltering(**kw)

    fitted = cf().fit(pairs, ratings)
    base = fitted.predict(pairs)
    c = {}
    for tag, v in _variants(pairs).items():
        c[f"fit-X-{tag}"] = (lambda v=v: same(cf().fit(v, ratings).predict(pairs), base), WORK)
        c[f"predict-X-{tag}"] = (lambda v=v: same(fitted.predict(v), base), WORK)
    for tag, v in _variants(ratings).items():
        c[f"fit-y-{tag}"] = (lambda v=v: same(cf().fit(pairs, v).predict(pairs), base), WORK)
    c["fit-X-float-ids"] = (lambda: same(cf().fit(pairs.astype(float), ratings).predict(pairs), base), WORK)
    c["fit-X-nan"] = (lambda: cf().fit(_poison(pairs, np.nan), ratings), ("X", "NaN"))
    c["fit-X-fractional-ids"] = (lambda: cf().fit(pairs + 0.5, ratings), ("X", "integer"))
    c["fit-X-3-columns"] = (lambda: cf().fit(np.column_stack([pairs, pairs[:, :1]]), ratings), ("X",))
    c["fit-X-1d"] = (lambda: cf().fit(pairs[:, 0], ratings), ("X",))
    c["fit-X-strings"] = (lambda: cf().fit(pairs.astype(str).astype(object) + "x", ratings), ("X",))
    c["fit-X-negative-ids"] = (lambda: cf().fit(pairs - 5, ratings), ("X", "ids"))
    c["fit-X-empty"] = (lambda: cf().fit(pairs[:0], ratings[:0]), ("X", "sample", "samples", "rating", "ratings"))
    c["fit-y-nan"] = (lambda: cf().fit(pairs, _poison(ratings, np.nan)), ("y", "NaN"))
    c["fit-y-inf"] = (lambda: cf().fit(pairs, _poison(ratings, np.inf)), ("y",))
    c["fit-y-short"] = (lambda: cf().fit(pairs, ratings[:-1]), ("y",))
    c["fit-y-2d"] = (lambda: cf().fit(pairs, np.column_stack([ratings, ratings])), ("y",))
    c["fit-y-complex"] = (lambda: cf().fit(pairs, ratings + 1j), ("y",))
    c["fit-duplicate-pairs"] = (lambda: cf().fit(np.vstack([pairs, pairs[:1]]), np.r_[ratings, 1.0]),
                                ("X", "duplicate", "duplicates"))
    c["fit-one-rating"] = (lambda: bool(np.isfinite(cf().fit(pairs[:1], ratings[:1]).predict(pairs[:1])).all()),
                           WORK)
    c["fit-huge-ratings"] = (lambda: cf().fit(pairs, ratings * 1e300), ("y",))
    c["fit-tiny-ratings"] = (lambda: bool(np.isfinite(cf().fit(pairs, ratings * 1e-300).predict(pairs)).all()),
                             WORK)
    c["predict-before-fit"] = (lambda: cf().predict(pairs), ("fit",))
    # unseen ids are a cold start: a finite prediction (the item / global mean), not an error
    c["predict-unseen-user"] = (lambda: bool(np.isfinite(fitted.predict(np.array([[999, 0]]))).all()), WORK)
    c["predict-unseen-item"] = (lambda: bool(np.isfinite(fitted.predict(np.array([[0, 999]]))).all()), WORK)
    c["predict-nan"] = (lambda: fitted.predict(_poison(pairs, np.nan)), ("X", "NaN"))
    c["predict-3-columns"] = (lambda: fitted.predict(np.ones((3, 3), int)), ("X",))
    # fit_matrix
    mbase = cf().fit_matrix(Y, R).predict(pairs)
    for tag, v in _variants(Y).items():
        c[f"fit_matrix-Y-{tag}"] = (lambda v=v: same(cf().fit_matrix(v, R).predict(pairs), mbase), WORK)
    for tag, v in _variants(R).items():
        c[f"fit_matrix-R-{tag}"] = (lambda v=v: same(cf().fit_matrix(Y, v).predict(pairs), mbase), WORK)
    c["fit_matrix-R-bool"] = (lambda: same(cf().fit_matrix(Y, R.astype(bool)).predict(pairs), mbase), WORK)
    c["fit_matrix-Y-nan-unrated"] = (lambda: same(cf().fit_matrix(np.where(R > 0, Y, np.nan), R).predict(pairs),
                                                  mbase), WORK)
    c["fit_matrix-Y-nan-rated"] = (lambda: cf().fit_matrix(np.where(R > 0, np.nan, 0), R), ("Y", "NaN"))
    c["fit_matrix-Y-inf-rated"] = (lambda: cf().fit_matrix(np.where(R > 0, np.inf, 0), R), ("Y",))
    c["fit_matrix-shapes"] = (lambda: cf().fit_matrix(Y, R[:, :-1]), ("R", "Y"))
    c["fit_matrix-R-not-binary"] = (lambda: cf().fit_matrix(Y, R * 2), ("R",))
    c["fit_matrix-R-nan"] = (lambda: cf().fit_matrix(Y, _poison(R, np.nan)), ("R",))
    c["fit_matrix-Y-1d"] = (lambda: cf().fit_matrix(Y[:, 0], R[:, 0]), ("Y", "R"))
    c["fit_matrix-empty"] = (lambda: cf().fit_matrix(Y[:0], R[:0]), ("Y", "R", "rating", "ratings"))
    c["fit_matrix-no-ratings"] = (lambda: cf().fit_matrix(Y, np.zeros_like(R)), ("R", "rating", "ratings"))
    c["fit_matrix-strings"] = (lambda: cf().fit_matrix(np.full(Y.shape, "a"), R), ("Y",))
    # recommend / similar_items / fold_in
    c["recommend-ok"] = (lambda: fitted.recommend(0, n=3)[0].shape == (3,), WORK)
    c["recommend-list-users"] = (lambda: same(fitted.recommend([0, 1], n=3), fitted.recommend(np.array([0, 1]),
                                                                                              n=3)), WORK)
    c["recommend-unknown-user"] = (lambda: fitted.recommend(999), ("user",))
    c["recommend-nan-user"] = (lambda: fitted.recommend(np.nan), ("user",))
    c["recommend-string-user"] = (lambda: fitted.recommend("a"), ("user",))
    bad_values(c, "recommend", lambda v: fitted.recommend(0, n=v), "n", (-1, float("nan"), "abc", 2.5))
    c["recommend-n-huge"] = (lambda: fitted.recommend(0, n=2**62), ("n",))
    c["recommend-before-fit"] = (lambda: cf().recommend(0), ("fit",))
    c["similar_items-ok"] = (lambda: fitted.similar_items(0, n=3)[0].shape == (3,), WORK)
    c["similar_items-unknown"] = (lambda: fitted.similar_items(999), ("item",))
    c["similar_items-nan"] = (lambda: fitted.similar_items(np.nan), ("item",))
    bad_values(c, "similar_items", lambda v: fitted.similar_items(0, n=v), "n", (-1, float("nan"), "abc", 2.5))
    c["similar_items-before-fit"] = (lambda: cf().similar_items(0), ("fit",))
    c["fold_in-ok"] = (lambda: isinstance(fitted.fold_in([0, 1], [4.0, 3.0]), (int, np.integer)), WORK)
    c["fold_in-list-vs-array"] = (lambda: same(cf().fit(pairs, ratings).fold_in([0, 1], [4.0, 3.0]),
                                               cf().fit(pairs, ratings).fold_in(np.array([0, 1]),
                                                                                np.array([4.0, 3.0]))), WORK)
    c["fold_in-lengths"] = (lambda: fitted.fold_in([0, 1], [4.0]), ("ratings", "items"))
    c["fold_in-nan-rating"] = (lambda: fitted.fold_in([0, 1], [4.0, np.nan]), ("ratings", "NaN"))
    c["fold_in-unknown-item"] = (lambda: fitted.fold_in([0, 999], [4.0, 3.0]), ("items", "item"))
    c["fold_in-duplicate-items"] = (lambda: fitted.fold_in([0, 0], [4.0, 3.0]), ("items", "duplicate"))
    c["fold_in-existing-user"] = (lambda: cf().fit(pairs, ratings).fold_in([0], [4.0], user_id=0), ("user_id", "user"))
    c["fold_in-empty"] = (lambda: fitted.fold_in([], []), ("items", "ratings", "rating"))
    c["fold_in-before-fit"] = (lambda: cf().fold_in([0], [4.0]), ("fit",))
    c["score-lengths"] = (lambda: fitted.score(pairs, ratings[:-1]), ("y", "y_true"))
    for param, values in (("n_features", (0, -1, 2.5, "abc", float("nan"), 2**62)),
                          ("reg_lambda", (-1.0, float("nan"), float("inf"), "abc")),
                          ("learning_rate", (-1.0, 0.0, float("nan"), float("inf"), "abc")),
                          ("max_iter", (-1, 2.5, "abc", float("nan"))),
                          ("tol", (-1.0, float("nan"), "abc")),
                          ("solver", ("bad", 3)),
                          ("n_jobs", (0, "abc", 2**40)),
                          ("random_state", ("abc", -1))):
        def build(v, p=param):
            kw = {p: v, "solver": "adam"} if p == "learning_rate" else {p: v}
            return cf(**kw).fit(pairs, ratings)
        bad_values(c, "param", build, param, values)
    return c


# ---------------------------------------------------------------------------------------------------------------
# preprocessing: OneHotEncoder and the functions

@covers("pyml.preprocessing.OneHotEncoder", "pyml.preprocessing.map_feature",
        "pyml.preprocessing.zscore_normalize_features")
def group_preprocessing():
    from pyml.preprocessing import OneHotEncoder, map_feature, zscore_normalize_features

    Xs = np.array([["red", "s"], ["green", "m"], ["blue", "s"], ["red", "l"]], dtype=object)
    Xn = np.array([[0, 1], [1, 2], [2, 1], [0, 3]], dtype=np.int64)
    base_s = OneHotEncoder().fit(Xs).transform(Xs)
    base_n = OneHotEncoder().fit(Xn).transform(Xn)
    c = {}
    c["ohe-strings-list"] = (lambda: same(OneHotEncoder().fit(Xs.tolist()).transform(Xs.tolist()), base_s), WORK)
    c["ohe-strings-unicode-dtype"] = (lambda: same(OneHotEncoder().fit(Xs.astype(str)).transform(Xs), base_s),
                                      WORK)
    for tag, v in _variants(Xn).items():
        c[f"ohe-numeric-{tag}"] = (lambda v=v: same(OneHotEncoder().fit(v).transform(v), base_n), WORK)
    c["ohe-float-categories"] = (lambda: same(OneHotEncoder().fit(Xn.astype(float)).transform(Xn), base_n), WORK)
    c["ohe-bool"] = (lambda: OneHotEncoder().fit(Xn > 1).transform(Xn > 1).shape == (4, 4), WORK)
    c["ohe-unseen"] = (lambda: OneHotEncoder().fit(Xs).transform([["purple", "s"]]),
                       ("handle_unknown", "unknown"))
    c["ohe-unseen-ignore"] = (lambda: same(OneHotEncoder(handle_unknown="ignore").fit(Xs).transform(
        [["purple", "s"]]), [[0, 0, 0, 0, 0, 1]]), WORK)
    c["ohe-nan"] = (lambda: OneHotEncoder().fit(_poison(Xn, np.nan)), ("X", "NaN"))
    c["ohe-none"] = (lambda: OneHotEncoder().fit(np.array([["a"], [None]], dtype=object)), ("X", "None"))
    c["ohe-1d"] = (lambda: OneHotEncoder().fit(Xn[:, 0]), ("X",))
    c["ohe-3d"] = (lambda: OneHotEncoder().fit(Xn[:, :, None]), ("X",))
    c["ohe-empty"] = (lambda: OneHotEncoder().fit(Xn[:0]), ("X", "sample"))
    c["ohe-no-features"] = (lambda: OneHotEncoder().fit(Xn[:, :0]), ("X", "feature"))
    c["ohe-complex"] = (lambda: OneHotEncoder().fit(Xn + 1j), ("X", "complex"))
    c["ohe-one-sample"] = (lambda: OneHotEncoder().fit(Xn[:1]).transform(Xn[:1]).shape == (1, 2), WORK)
    c["ohe-wrong-features"] = (lambda: OneHotEncoder().fit(Xn).transform(Xn[:, :1]), ("feature", "features"))
    c["ohe-before-fit"] = (lambda: OneHotEncoder().transform(Xn), ("fit",))
    c["ohe-categories-bad"] = (lambda: OneHotEncoder(categories="abc").fit(Xn), ("categories",))
    c["ohe-categories-length"] = (lambda: OneHotEncoder(categories=[[0, 1, 2]]).fit(Xn), ("categories",))
    c["ohe-categories-missing"] = (lambda: OneHotEncoder(categories=[[0, 1], [1, 2, 3]]).fit(Xn), ("categories",
                                                                                                   "category"))
    c["ohe-drop-bad"] = (lambda: OneHotEncoder(drop="abc").fit(Xn), ("drop",))
    c["ohe-handle_unknown-bad"] = (lambda: OneHotEncoder(handle_unknown="abc").fit(Xn), ("handle_unknown",))
    c["ohe-dtype-bad"] = (lambda: OneHotEncoder(dtype="abc").fit(Xn), ("dtype",))
    c["ohe-sparse_output"] = (lambda: OneHotEncoder(sparse_output="abc").fit(Xn), ("sparse_output",))
    x1, x2 = RNG.normal(size=10), RNG.normal(size=10)
    probe(c, "map_feature", map_feature, [x1, x2, 3], [0, 1], extra={
        "lengths": (lambda: map_feature(x1, x2[:-1]), ("x1", "x2")),
        "degree=0": (lambda: map_feature(x1, x2, 0), ("degree",)),
        "degree=nan": (lambda: map_feature(x1, x2, float("nan")), ("degree",)),
        "degree=str": (lambda: map_feature(x1, x2, "3"), ("degree",)),
        "degree-huge": (lambda: map_feature(x1, x2, 10**6), ("degree",)),
        "empty": (lambda: map_feature(x1[:0], x2[:0]), ("x1", "sample")),
    })
    X = RNG.normal(size=(10, 3))
    probe(c, "zscore", zscore_normalize_features, [X], [0], extra={
        "empty": (lambda: zscore_normalize_features(X[:0]), ("X", "sample")),
        "constant-column": (lambda: zscore_normalize_features(np.ones((5, 2))), ("constant",)),
        "huge": (lambda: bool(np.isfinite(zscore_normalize_features(X * 1e300)[0]).all()), WORK),
    })
    return c


# ---------------------------------------------------------------------------------------------------------------
# model selection

@covers("pyml.model_selection.GridSearchCV", "pyml.model_selection.KFold", "pyml.model_selection.StratifiedKFold",
        "pyml.model_selection.ParameterGrid", "pyml.model_selection.categorization_error",
        "pyml.model_selection.check_cv", "pyml.model_selection.cross_val_score",
        "pyml.model_selection.cross_validate", "pyml.model_selection.diagnose_bias_variance",
        "pyml.model_selection.eval_mse", "pyml.model_selection.get_scorer", "pyml.model_selection.learning_curve",
        "pyml.model_selection.train_cv_test_split", "pyml.model_selection.train_test_split",
        "pyml.model_selection.validation_curve")
def group_model_selection():
    from pyml.linear_model import LinearRegression
    from pyml.model_selection import (GridSearchCV, KFold, ParameterGrid, StratifiedKFold, categorization_error,
                                      check_cv, cross_val_score, cross_validate, diagnose_bias_variance, eval_mse,
                                      get_scorer, learning_curve, train_cv_test_split, train_test_split,
                                      validation_curve)
    from pyml.tree import DecisionTreeClassifier

    X = RNG.normal(size=(30, 3))
    y = X @ np.array([1.0, 2.0, 3.0]) + 0.1 * RNG.normal(size=30)
    yc = (y > 0).astype(int)
    lr = LinearRegression
    c = {}
    grid = {"reg_lambda": [0.0, 1.0]}
    gbase = GridSearchCV(lr(), grid, cv=3).fit(X, y).predict(X)
    for tag, v in _variants(X).items():
        c[f"grid-X-{tag}"] = (lambda v=v: same(GridSearchCV(lr(), grid, cv=3).fit(v, y).predict(X), gbase), WORK)
    c["grid-X-nan"] = (lambda: GridSearchCV(lr(), grid, cv=3).fit(_poison(X, np.nan), y), ("X", "NaN"))
    c["grid-y-short"] = (lambda: GridSearchCV(lr(), grid, cv=3).fit(X, y[:-1]), ("y",))
    c["grid-empty-grid"] = (lambda: GridSearchCV(lr(), {}, cv=3).fit(X, y), ("param_grid",))
    c["grid-unknown-param"] = (lambda: GridSearchCV(lr(), {"nope": [1]}, cv=3).fit(X, y), ("nope", "param_grid"))
    c["grid-scalar-values"] = (lambda: GridSearchCV(lr(), {"reg_lambda": 1.0}, cv=3).fit(X, y), ("param_grid",
                                                                                               "reg_lambda"))
    c["grid-not-estimator"] = (lambda: GridSearchCV("lr", grid, cv=3).fit(X, y), ("estimator",))
    bad_values(c, "grid", lambda v: GridSearchCV(lr(), grid, cv=v).fit(X, y), "cv", (0, 1, -1, 2.5, "abc", 31),
               ("cv", "n_splits"))
    c["grid-scoring-bad"] = (lambda: GridSearchCV(lr(), grid, cv=3, scoring="nope").fit(X, y), ("scoring",))
    c["grid-n_jobs-bad"] = (lambda: GridSearchCV(lr(), grid, cv=3, n_jobs="abc").fit(X, y), ("n_jobs",))
    c["grid-predict-before-fit"] = (lambda: GridSearchCV(lr(), grid).predict(X), ("fit",))
    c["grid-predict-wrong-features"] = (lambda: GridSearchCV(lr(), grid, cv=3).fit(X, y).predict(X[:, :2]),
                                        ("feature", "features"))
    cbase = cross_val_score(lr(), X, y, cv=3)
    for tag, v in _variants(X).items():
        c[f"cvs-X-{tag}"] = (lambda v=v: same(cross_val_score(lr(), v, y, cv=3), cbase), WORK)
    c["cvs-X-nan"] = (lambda: cross_val_score(lr(), _poison(X, np.nan), y, cv=3), ("X", "NaN"))
    c["cvs-y-nan"] = (lambda: cross_val_score(lr(), X, _poison(y, np.nan), cv=3), ("y", "NaN"))
    c["cvs-y-short"] = (lambda: cross_val_score(lr(), X, y[:-1], cv=3), ("y",))
    c["cvs-X-empty"] = (lambda: cross_val_score(lr(), X[:0], y[:0], cv=3), ("X", "sample", "samples", "n_splits"))
    bad_values(c, "cvs", lambda v: cross_val_score(lr(), X, y, cv=v), "cv", (0, 1, -1, 2.5, "abc", 31),
               ("cv", "n_splits"))
    c["cvs-scoring-bad"] = (lambda: cross_val_score(lr(), X, y, cv=3, scoring="nope"), ("scoring",))
    c["cvs-one-class"] = (lambda: cross_val_score(DecisionTreeClassifier(), X, np.zeros(30, int), cv=3),
                          ("y", "class", "classes"))
    c["cross_validate-X-nan"] = (lambda: cross_validate(lr(), _poison(X, np.nan), y, cv=3), ("X", "NaN"))
    c["cross_validate-cv-bad"] = (lambda: cross_validate(lr(), X, y, cv=0), ("cv", "n_splits"))
    c["cross_validate-list"] = (lambda: same(cross_validate(lr(), X.tolist(), y.tolist(), cv=3)["test_score"],
                                             cross_validate(lr(), X, y, cv=3)["test_score"]), WORK)
    for cls in (KFold, StratifiedKFold):
        n = cls.__name__
        bad_values(c, n, lambda v, cls=cls: list(cls(v).split(X, yc)), "n_splits", (0, 1, -1, 2.5, "abc",
                                                                                   float("nan")))
        c[f"{n}-more-splits-than-samples"] = (lambda cls=cls: list(cls(31).split(X, yc)), ("n_splits",))
        c[f"{n}-shuffle-bad"] = (lambda cls=cls: list(cls(3, shuffle="abc").split(X, yc)), ("shuffle",))
        c[f"{n}-X-list"] = (lambda cls=cls: same([t for t in cls(3).split(X.tolist(), yc.tolist())],
                                                 [t for t in cls(3).split(X, yc)]), WORK)
    # a class smaller than n_splits only warns (as in scikit-learn): some folds miss it
    c["StratifiedKFold-class-too-small"] = (lambda: len(list(StratifiedKFold(3).split(X, np.r_[np.zeros(29), 1])))
                                            == 3, WORK)
    c["StratifiedKFold-y-short"] = (lambda: list(StratifiedKFold(3).split(X, yc[:-1])), ("y",))
    c["StratifiedKFold-y-nan"] = (lambda: list(StratifiedKFold(3).split(X, _poison(yc, np.nan))), ("y", "NaN"))
    c["ParameterGrid-scalar"] = (lambda: list(ParameterGrid({"a": 1})), ("param_grid", "a"))
    c["ParameterGrid-empty-list"] = (lambda: list(ParameterGrid({"a": []})), ("param_grid", "a"))
    c["ParameterGrid-not-dict"] = (lambda: list(ParameterGrid(3)), ("param_grid",))
    c["ParameterGrid-ok"] = (lambda: len(ParameterGrid({"a": [1, 2], "b": [3]})) == 2, WORK)
    c["check_cv-bad"] = (lambda: check_cv("abc"), ("cv",))
    c["check_cv-1"] = (lambda: check_cv(1), ("cv", "n_splits"))
    c["get_scorer-bad"] = (lambda: get_scorer("nope"), ("scoring",))
    c["get_scorer-type"] = (lambda: get_scorer(3), ("scoring",))
    c["learning_curve-sizes"] = (lambda: learning_curve(lr(), X, y, train_sizes=[0.0, 2.0], cv=3), ("train_sizes",))
    c["learning_curve-sizes-nan"] = (lambda: learning_curve(lr(), X, y, train_sizes=[float("nan")], cv=3),
                                     ("train_sizes",))
    c["learning_curve-X-nan"] = (lambda: learning_curve(lr(), _poison(X, np.nan), y, cv=3), ("X", "NaN"))
    c["learning_curve-y-short"] = (lambda: learning_curve(lr(), X, y[:-1], cv=3), ("y",))
    c["validation_curve-param"] = (lambda: validation_curve(lr(), X, y, param_name="nope", param_range=[1], cv=3),
                                   ("nope", "param_name"))
    c["validation_curve-empty-range"] = (lambda: validation_curve(lr(), X, y, param_name="reg_lambda",
                                                                  param_range=[], cv=3), ("param_range",))
    c["validation_curve-X-nan"] = (lambda: validation_curve(lr(), _poison(X, np.nan), y, param_name="reg_lambda",
                                                            param_range=[0.0], cv=3), ("X", "NaN"))
    base_split = train_test_split(X, y, random_state=0)
    for tag, v in _variants(X).items():
        c[f"train_test_split-X-{tag}"] = (lambda v=v: same(train_test_split(v, y, random_state=0), base_split),
                                          WORK)
    bad_values(c, "train_test_split", lambda v: train_test_split(X, y, test_size=v), "test_size",
               (-0.1, 1.5, 0, 30, float("nan"), float("inf"), "abc"))
    bad_values(c, "train_test_split", lambda v: train_test_split(X, y, train_size=v), "train_size",
               (-0.1, 1.5, 0, 31, float("nan"), "abc"))
    c["train_test_split-sizes-sum"] = (lambda: train_test_split(X, y, test_size=0.6, train_size=0.6),
                                       ("test_size", "train_size"))
    c["train_test_split-lengths"] = (lambda: train_test_split(X, y[:-1]), ("samples", "length", "lengths"))
    c["train_test_split-no-arrays"] = (lambda: train_test_split(), ("arrays", "array"))
    c["train_test_split-stratify-short"] = (lambda: train_test_split(X, y, stratify=yc[:-1]), ("stratify",))
    c["train_test_split-stratify-nan"] = (lambda: train_test_split(X, y, stratify=_poison(yc, np.nan)),
                                          ("stratify", "NaN"))
    c["train_test_split-one-sample"] = (lambda: train_test_split(X[:1], y[:1]), ("samples", "sample", "test_size",
                                                                                  "train_size"))
    c["train_test_split-random_state-bad"] = (lambda: train_test_split(X, y, random_state="abc"), ("random_state",))
    c["train_test_split-shuffle-false-stratify"] = (lambda: train_test_split(X, y, shuffle=False, stratify=yc),
                                                    ("shuffle", "stratify"))
    c["train_cv_test_split-sum"] = (lambda: train_cv_test_split(X, y, train_size=0.5, cv_size=0.5, test_size=0.5),
                                    ("train_size", "cv_size", "test_size"))
    c["train_cv_test_split-negative"] = (lambda: train_cv_test_split(X, y, train_size=1.2, cv_size=-0.1,
                                                                     test_size=-0.1),
                                         ("train_size", "cv_size", "test_size"))
    c["train_cv_test_split-lengths"] = (lambda: train_cv_test_split(X, y[:-1]), ("samples", "length", "lengths"))
    c["train_cv_test_split-list"] = (lambda: same(train_cv_test_split(X.tolist(), y, random_state=0),
                                                  train_cv_test_split(X, y, random_state=0)), WORK)
    c["diagnose-nan"] = (lambda: diagnose_bias_variance(float("nan"), 1.0), ("j_train",))
    c["diagnose-str"] = (lambda: diagnose_bias_variance(1.0, "a"), ("j_cv",))
    c["diagnose-baseline-inf"] = (lambda: diagnose_bias_variance(1.0, 1.0, float("inf")), ("baseline",))
    c["diagnose-tol-negative"] = (lambda: diagnose_bias_variance(1.0, 1.0, tol=-1.0), ("tol",))
    for fn in (eval_mse, categorization_error):
        n = fn.__name__
        c[f"{n}-lengths"] = (lambda fn=fn: fn(yc, yc[:-1]), ("y", "yhat"))
        c[f"{n}-nan"] = (lambda fn=fn: fn(yc, _poison(yc, np.nan)), ("yhat",))
        c[f"{n}-empty"] = (lambda fn=fn: fn(yc[:0], yc[:0]), ("y", "sample", "empty"))
        c[f"{n}-list"] = (lambda fn=fn: same(fn(yc.tolist(), yc[::-1].tolist()), fn(yc, yc[::-1])), WORK)
        c[f"{n}-2d"] = (lambda fn=fn: fn(yc[:, None, None], yc[:, None, None]), ("y", "yhat"))
    return c


# ---------------------------------------------------------------------------------------------------------------
# metrics

@covers("pyml.metrics.accuracy_score", "pyml.metrics.confusion_matrix", "pyml.metrics.f1_score",
        "pyml.metrics.log_loss", "pyml.metrics.mean_squared_error", "pyml.metrics.precision_score",
        "pyml.metrics.r2_score", "pyml.metrics.recall_score")
def group_metrics():
    from pyml import metrics as M

    yt = (RNG.random(20) < 0.5).astype(int)
    yp = (RNG.random(20) < 0.5).astype(int)
    yt[:2], yp[:2] = (0, 1), (0, 1)
    p = RNG.uniform(0.05, 0.95, size=20)
    yr, yr2 = RNG.normal(size=20), RNG.normal(size=20)
    c = {}
    for fn in (M.accuracy_score, M.f1_score, M.precision_score, M.recall_score, M.confusion_matrix):
        probe(c, fn.__name__, fn, [yt, yp], [0, 1], strings=False, extra={
            "y_true-nan-float": (lambda fn=fn: fn(_poison(yt, np.nan), yp), ("y_true", "NaN")),
            "lengths": (lambda fn=fn: fn(yt, yp[:-1]), ("y_true", "y_pred")),
            "empty": (lambda fn=fn: fn(yt[:0], yp[:0]), ("y_true", "y_pred", "empty", "sample")),
            "2d": (lambda fn=fn: fn(np.column_stack([yt, yt]), np.column_stack([yp, yp])), ("y_true", "y_pred")),
            "string-labels": (lambda fn=fn: same(fn(np.where(yt, "b", "a"), np.where(yp, "b", "a"),
                                                    **({"pos_label": "b"} if fn.__name__[0] in "fpr" else {})),
                                                 fn(yt, yp)), WORK),
        })
    for fn in (M.f1_score, M.precision_score, M.recall_score):
        n = fn.__name__
        c[f"{n}-average-bad"] = (lambda fn=fn: fn(yt, yp, average="abc"), ("average",))
        c[f"{n}-pos_label-absent"] = (lambda fn=fn: fn(yt, yp, pos_label=7), ("pos_label",))
        c[f"{n}-multiclass-binary"] = (lambda fn=fn: fn(yt + yp, yp), ("average", "binary"))
    c["confusion_matrix-labels-empty"] = (lambda: M.confusion_matrix(yt, yp, labels=[]), ("labels",))
    c["confusion_matrix-labels-absent"] = (lambda: M.confusion_matrix(yt, yp, labels=[5, 6]), ("labels",))
    for fn in (M.mean_squared_error, M.r2_score):
        probe(c, fn.__name__, fn, [yr, yr2], [0, 1], extra={
            "lengths": (lambda fn=fn: fn(yr, yr2[:-1]), ("y_true", "y_pred")),
            "empty": (lambda fn=fn: fn(yr[:0], yr2[:0]), ("y_true", "y_pred", "empty", "sample")),
        })
    for fn in (M.accuracy_score, M.mean_squared_error, M.r2_score):
        n, a, b = fn.__name__, (yt, yp) if fn is M.accuracy_score else (yr, yr2), None
        for tag, w in (("nan", np.full(20, np.nan)), ("negative", -np.ones(20)), ("short", np.ones(19)),
                       ("inf", np.full(20, np.inf)), ("2d", np.ones((20, 2))), ("zeros", np.zeros(20))):
            c[f"{n}-sample_weight-{tag}"] = (lambda fn=fn, a=a, w=w: fn(*a, sample_weight=w), ("sample_weight",))
        c[f"{n}-sample_weight-list"] = (lambda fn=fn, a=a: same(fn(*a, sample_weight=[1.0] * 20), fn(*a)), WORK)
    probe(c, "log_loss", M.log_loss, [yt, p], [0, 1], words={0: ("y_true",), 1: ("y_prob",)}, extra={
        "outside-0-1": (lambda: M.log_loss(yt, p * 2), ("y_prob",)),
        "negative": (lambda: M.log_loss(yt, p - 1), ("y_prob",)),
        "lengths": (lambda: M.log_loss(yt, p[:-1]), ("y_true", "y_prob")),
        "one-class": (lambda: M.log_loss(np.zeros(20, int), p), ("y_true", "labels")),
        "one-class-with-labels": (lambda: bool(np.isfinite(M.log_loss(np.zeros(20, int), p, labels=[0, 1]))),
                                  WORK),
        "eps-bad": (lambda: M.log_loss(yt, p, eps=-1.0), ("eps",)),
        "proba-2d": (lambda: same(M.log_loss(yt, np.column_stack([1 - p, p])), M.log_loss(yt, p)), WORK),
        "empty": (lambda: M.log_loss(yt[:0], p[:0]), ("y_true", "y_prob", "empty", "sample")),
    })
    return c


# ---------------------------------------------------------------------------------------------------------------
# neural networks: Keras-style Sequential / Model, layers, losses, optimisers, functions

def _weights_file(model):
    """The bytes of ``model.save_weights`` (a built model)."""
    import io
    import os
    import tempfile

    model.build((None, model._dense[0].kernel.shape[0]) if model.built else (None, 2))
    fd, path = tempfile.mkstemp(suffix=".npz")
    os.close(fd)
    model.save_weights(path)
    with open(path, "rb") as fh:
        data = io.BytesIO(fh.read()).getvalue()
    os.remove(path)
    return data


def _load_weights_from(model, data):
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".npz")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        return model.load_weights(path)
    finally:
        os.remove(path)


def _seq(n_in=3, n_out=1, act="linear", loss="mse", **kw):
    from pyml.neural_network import Dense, Sequential

    m = Sequential([Dense(4, activation="relu", input_shape=(n_in,)), Dense(n_out, activation=act)],
                   random_state=0, dtype=kw.pop("dtype", "float64"))
    m.compile(loss=loss, optimizer=kw.pop("optimizer", "adam"))
    return m


@covers("pyml.neural_network.Sequential", "pyml.neural_network.Model", "pyml.neural_network.Dense",
        "pyml.neural_network.Input", "pyml.neural_network.Dot", "pyml.neural_network.Concatenate",
        "pyml.neural_network.L2Normalize", "pyml.neural_network.Dropout", "pyml.neural_network.LeakyReLU",
        "pyml.neural_network.Normalization", "pyml.neural_network.Adam", "pyml.neural_network.SGD",
        "pyml.neural_network.L2", "pyml.neural_network.EarlyStopping", "pyml.neural_network.BinaryCrossentropy",
        "pyml.neural_network.CategoricalCrossentropy", "pyml.neural_network.MeanSquaredError",
        "pyml.neural_network.SparseCategoricalCrossentropy", "pyml.neural_network.Loss")
def group_keras():
    from pyml.neural_network import (SGD, Adam, BinaryCrossentropy, CategoricalCrossentropy, Concatenate, Dense,
                                     Dot, Dropout, EarlyStopping, Input, L2, L2Normalize, LeakyReLU,
                                     MeanSquaredError, Model, Normalization, Sequential,
                                     SparseCategoricalCrossentropy)
    from pyml.neural_network import callbacks as kcb

    def _fitted_with(callback):
        model = Sequential([Dense(2), Dense(1)], random_state=0)
        model.compile(loss="mse", optimizer="adam")
        return model.fit(X, y, epochs=2, verbose=0, callbacks=[callback])

    X = RNG.normal(size=(24, 3))
    y = (X @ np.array([1.0, -1.0, 0.5]))[:, None]
    def fit(m, a, b, **kw):
        m.fit(a, b, epochs=kw.pop("epochs", 2), verbose=0, shuffle=False, **kw)
        return m
    base = fit(_seq(), X, y).predict(X)
    c = {}
    for tag, v in _variants(X).items():
        c[f"seq-X-{tag}"] = (lambda v=v: same(fit(_seq(), v, y).predict(X), base), WORK)
        c[f"seq-predict-X-{tag}"] = (lambda v=v: same(fit(_seq(), X, y).predict(v), base), WORK)
    c["seq-y-1d"] = (lambda: same(fit(_seq(), X, y[:, 0]).predict(X), base), WORK)
    c["seq-y-list"] = (lambda: same(fit(_seq(), X, y.tolist()).predict(X), base), WORK)
    c["seq-X-float32"] = (lambda: bool(np.isfinite(fit(_seq(), X.astype(np.float32), y).predict(X)).all()), WORK)
    c["seq-X-float16"] = (lambda: bool(np.isfinite(fit(_seq(), X.astype(np.float16), y).predict(X)).all()), WORK)
    c["seq-X-int"] = (lambda: bool(np.isfinite(fit(_seq(), np.round(X).astype(int), y).predict(X)).all()), WORK)
    c["seq-X-nan"] = (lambda: fit(_seq(), _poison(X, np.nan), y), ("X", "x", "NaN"))
    c["seq-X-inf"] = (lambda: fit(_seq(), _poison(X, np.inf), y), ("X", "x", "infinity"))
    c["seq-y-nan"] = (lambda: fit(_seq(), X, _poison(y, np.nan)), ("y", "NaN"))
    c["seq-y-inf"] = (lambda: fit(_seq(), X, _poison(y, np.inf)), ("y",))
    c["seq-X-1d"] = (lambda: fit(_seq(), X[:, 0], y), ("X", "x"))
    c["seq-X-3d"] = (lambda: fit(_seq(), X[:, :, None], y), ("X", "x"))
    c["seq-X-strings"] = (lambda: fit(_seq(), np.full(X.shape, "a"), y), ("X", "x"))
    c["seq-X-complex"] = (lambda: fit(_seq(), X + 1j, y), ("X", "x", "complex"))
    c["seq-X-empty"] = (lambda: fit(_seq(), X[:0], y[:0]), ("X", "x", "sample", "samples"))
    c["seq-y-short"] = (lambda: fit(_seq(), X, y[:-1]), ("y", "samples"))
    c["seq-y-wrong-width"] = (lambda: fit(_seq(), X, np.column_stack([y, y])), ("y", "targets"))
    c["seq-wrong-features-fit"] = (lambda: fit(_seq(), X[:, :2], y), ("X", "x", "feature", "features"))
    c["seq-wrong-features-predict"] = (lambda: fit(_seq(), X, y).predict(X[:, :2]), ("X", "x", "feature",
                                                                                     "features"))
    c["seq-predict-nan"] = (lambda: fit(_seq(), X, y).predict(_poison(X, np.nan)), ("X", "x", "NaN"))
    c["seq-evaluate-nan-y"] = (lambda: fit(_seq(), X, y).evaluate(X, _poison(y, np.nan)), ("y", "NaN"))
    c["seq-evaluate-short-y"] = (lambda: fit(_seq(), X, y).evaluate(X, y[:-1]), ("y",))
    c["seq-evaluate-ok"] = (lambda: bool(np.isfinite(fit(_seq(), X, y).evaluate(X, y))), WORK)
    c["seq-one-sample"] = (lambda: bool(np.isfinite(fit(_seq(), X[:1], y[:1]).predict(X)).all()), WORK)
    c["seq-huge-X"] = (lambda: fit(_seq(dtype="float32"), X * 1e300, y), ("X", "x", "float32"))
    c["seq-tiny-X"] = (lambda: bool(np.isfinite(fit(_seq(), X * 1e-300, y).predict(X)).all()), WORK)
    c["seq-fit-before-compile"] = (lambda: Sequential([Dense(1)]).fit(X, y, verbose=0), ("compile",))
    bad_values(c, "seq", lambda v: fit(_seq(), X, y, epochs=v), "epochs", (-1, 2.5, float("nan"), "abc"))
    bad_values(c, "seq", lambda v: fit(_seq(), X, y, batch_size=v), "batch_size", (0, -1, 2.5, float("nan"),
                                                                                   "abc"))
    c["seq-batch_size-huge"] = (lambda: bool(np.isfinite(fit(_seq(), X, y, batch_size=2**40).predict(X)).all()),
                                WORK)
    bad_values(c, "seq", lambda v: fit(_seq(), X, y, validation_split=v), "validation_split",
               (-0.1, 1.0, float("nan"), "abc"))
    c["seq-validation_data-shape"] = (lambda: fit(_seq(), X, y, validation_data=(X[:, :2], y)),
                                      ("validation_data", "X", "x", "feature", "features"))
    c["seq-sample_weight-nan"] = (lambda: fit(_seq(), X, y, sample_weight=np.full(24, np.nan)), ("sample_weight",))
    c["seq-sample_weight-short"] = (lambda: fit(_seq(), X, y, sample_weight=np.ones(23)), ("sample_weight",))
    c["seq-sample_weight-negative"] = (lambda: fit(_seq(), X, y, sample_weight=-np.ones(24)), ("sample_weight",))
    c["seq-callbacks-bad"] = (lambda: fit(_seq(), X, y, callbacks=[3]), ("callbacks", "callback"))
    labels = (X[:, 0] > 0).astype(int)
    clf = lambda: _seq(n_out=2, loss=SparseCategoricalCrossentropy(from_logits=True))  # noqa: E731
    c["seq-class_weight-missing-class"] = (lambda: fit(clf(), X, labels, class_weight={0: 1.0}), ("class_weight",))
    c["seq-class_weight-negative"] = (lambda: fit(clf(), X, labels, class_weight={0: 1.0, 1: -1.0}),
                                      ("class_weight",))
    c["seq-class_weight-text"] = (lambda: fit(clf(), X, labels, class_weight={0: 1.0, 1: "a"}), ("class_weight",))
    c["seq-class_weight-not-a-dict"] = (lambda: fit(clf(), X, labels, class_weight=[1.0, 2.0]), ("class_weight",))
    c["seq-class_weight-regression"] = (lambda: fit(_seq(), X, y, class_weight={0: 1.0, 1: 2.0}),
                                        ("class_weight",))
    bad_values(c, "seq", lambda v: fit(_seq(), X, y, epochs=3, initial_epoch=v), "initial_epoch", (-1, 1.5, "abc"))
    bad_values(c, "seq", lambda v: _seq().fit(X, y, epochs=1, verbose=v), "verbose", (-1, "loud", 1.5))
    c["seq-validation_data-4-tuple"] = (lambda: fit(_seq(), X, y, validation_data=(X, y, None, None)),
                                        ("validation_data",))
    c["seq-validation_data-weights-short"] = (lambda: fit(_seq(), X, y, validation_data=(X, y, np.ones(3))),
                                              ("sample_weight_val",))
    c["seq-evaluate-sample_weight-nan"] = (lambda: fit(_seq(), X, y).evaluate(X, y, sample_weight=_poison(
        np.ones(24), np.nan)), ("sample_weight", "NaN"))
    c["seq-compile-weighted_metrics-bad"] = (lambda: _seq().compile(weighted_metrics=["f1"]), ("weighted_metrics",))
    c["seq-load_weights-not-weights"] = (lambda: _load_weights_from(fit(_seq(), X, y), b"not an npz"),
                                         ("not a weights file",))
    c["seq-load_weights-other-shapes"] = (lambda: _load_weights_from(fit(_seq(), X, y),
                                                                     _weights_file(_seq(n_in=2))), ("fit",))
    c["seq-compile-loss-bad"] = (lambda: _seq(loss="nope"), ("loss",))
    c["seq-compile-optimizer-bad"] = (lambda: _seq(optimizer="nope"), ("optimizer",))
    c["seq-dtype-bad"] = (lambda: Sequential([Dense(1)], dtype="int8"), ("dtype",))
    c["seq-layers-bad"] = (lambda: Sequential([3]), ("layers", "layer"))
    c["seq-binary-labels-out-of-range"] = (lambda: fit(_seq(act="sigmoid", loss=BinaryCrossentropy()), X,
                                                       np.full((24, 1), 2.0)), ("y",))
    c["seq-sparse-labels-out-of-range"] = (lambda: fit(_seq(n_out=3, loss=SparseCategoricalCrossentropy(
        from_logits=True)), X, np.full(24, 3)), ("y", "class", "classes", "labels"))
    c["seq-sparse-labels-fractional"] = (lambda: fit(_seq(n_out=3, loss=SparseCategoricalCrossentropy(
        from_logits=True)), X, np.full(24, 0.5)), ("y", "integer", "integers"))
    c["seq-train_on_batch-nan"] = (lambda: _seq().train_on_batch(_poison(X, np.nan), y), ("X", "x", "NaN"))
    c["seq-set_weights-bad-shape"] = (lambda: _seq().set_weights([np.zeros((2, 2))]), ("weights", "arrays"))
    # functional Model
    def two_tower():
        a, b = Input(shape=(3,)), Input(shape=(2,))
        out = Dense(1)(Concatenate()([Dense(2)(a), Dense(2)(b)]))
        m = Model([a, b], out, random_state=0, dtype="float64")
        m.compile(loss="mse", optimizer="adam")
        return m
    B = RNG.normal(size=(24, 2))
    mbase = fit(two_tower(), [X, B], y).predict([X, B])
    c["model-lists"] = (lambda: same(fit(two_tower(), [X.tolist(), B.tolist()], y.tolist()).predict([X, B]),
                                     mbase), WORK)
    c["model-fortran"] = (lambda: same(fit(two_tower(), [np.asfortranarray(X), _variants(B)["strided"]], y
                                           ).predict([X, B]), mbase), WORK)
    c["model-one-input-missing"] = (lambda: two_tower().fit([X], y, epochs=1, verbose=0), ("inputs", "input", "x"))
    c["model-not-a-list"] = (lambda: two_tower().fit(X, y, epochs=1, verbose=0), ("inputs", "input", "x"))
    c["model-lengths"] = (lambda: two_tower().fit([X, B[:-1]], y, epochs=1, verbose=0), ("samples", "x", "y"))
    c["model-nan"] = (lambda: two_tower().fit([X, _poison(B, np.nan)], y, epochs=1, verbose=0), ("NaN",))
    c["model-y-nan"] = (lambda: two_tower().fit([X, B], _poison(y, np.nan), epochs=1, verbose=0), ("y", "NaN"))
    c["model-wrong-features"] = (lambda: fit(two_tower(), [X, B], y).predict([X, X]),
                                 ("feature", "features", "shape", "x"))
    bad_values(c, "model", lambda v: two_tower().fit([X, B], y, epochs=v, verbose=0), "epochs",
               (-1, 2.5, float("nan"), "abc"))
    bad_values(c, "model", lambda v: two_tower().fit([X, B], y, batch_size=v, verbose=0), "batch_size",
               (0, -1, float("nan"), "abc"))
    c["model-evaluate-nan"] = (lambda: two_tower().evaluate([X, B], _poison(y, np.nan)), ("y", "NaN"))
    c["model-inputs-bad"] = (lambda: Model("a", "b"), ("inputs", "outputs"))
    # layers / losses / optimisers / regularisers / callbacks
    bad_values(c, "Dense", lambda v: Dense(v), "units", (0, -1, 2.5, float("nan"), "abc", 2**62))
    c["Dense-activation-bad"] = (lambda: Dense(2, activation="nope"), ("activation",))
    c["Dense-call-nan"] = (lambda: _built_dense()(_poison(X, np.nan)), ("X", "NaN"))
    c["Dense-call-wrong-features"] = (lambda: _built_dense()(X[:, :2]), ("X", "feature", "features"))
    c["Dense-call-list"] = (lambda: same(_built_dense()(X.tolist()), _built_dense()(X)), WORK)
    c["Dense-call-big-endian"] = (lambda: same(_built_dense()(X.astype(">f8")), _built_dense()(X)), WORK)
    bad_values(c, "Input", lambda v: Input(shape=(v,)), "shape", (0, -1, 2.5, "abc"))
    bad_values(c, "Dropout", lambda v: Dropout(v), "rate", (-0.1, 1.0, float("nan"), "abc"))
    bad_values(c, "LeakyReLU", lambda v: LeakyReLU(negative_slope=v), "negative_slope", (float("nan"), "abc",
                                                                                         float("inf")))
    bad_values(c, "L2", lambda v: L2(v), "l2", (-1.0, float("nan"), float("inf"), "abc"))
    bad_values(c, "Adam", lambda v: Adam(learning_rate=v), "learning_rate", (-1.0, 0.0, float("nan"),
                                                                             float("inf"), "abc"))
    bad_values(c, "Adam", lambda v: Adam(beta_1=v), "beta_1", (-0.1, 1.0, float("nan"), "abc"))
    bad_values(c, "SGD", lambda v: SGD(learning_rate=v), "learning_rate", (-1.0, 0.0, float("nan"), "abc"))
    bad_values(c, "SGD", lambda v: SGD(momentum=v), "momentum", (-0.1, 1.5, float("nan"), "abc"))
    bad_values(c, "EarlyStopping", lambda v: EarlyStopping(patience=v), "patience", (-1, 2.5, float("nan"), "abc"))
    bad_values(c, "EarlyStopping", lambda v: EarlyStopping(min_delta=v), "min_delta", (float("nan"), "abc"))
    bad_values(c, "EarlyStopping", lambda v: EarlyStopping(mode=v), "mode", ("up", None))
    bad_values(c, "EarlyStopping", lambda v: EarlyStopping(baseline=v), "baseline", (float("nan"), "abc"))
    bad_values(c, "EarlyStopping", lambda v: EarlyStopping(start_from_epoch=v), "start_from_epoch", (-1, 2.5))
    bad_values(c, "EarlyStopping", lambda v: EarlyStopping(monitor=v), "monitor", ("val_spread", 3))
    bad_values(c, "ReduceLROnPlateau", lambda v: kcb.ReduceLROnPlateau(factor=v), "factor",
               (0.0, 1.0, -0.5, float("nan"), "abc"))
    bad_values(c, "ReduceLROnPlateau", lambda v: kcb.ReduceLROnPlateau(patience=v), "patience", (-1, 2.5, "abc"))
    bad_values(c, "ReduceLROnPlateau", lambda v: kcb.ReduceLROnPlateau(min_lr=v), "min_lr", (-1.0, float("inf")))
    bad_values(c, "LearningRateScheduler", lambda v: kcb.LearningRateScheduler(v), "schedule", (0.1, None))
    c["LearningRateScheduler-returns-negative"] = (
        lambda: _fitted_with(kcb.LearningRateScheduler(lambda epoch, lr: -lr)), ("learning rate",))
    c["LearningRateScheduler-returns-text"] = (
        lambda: _fitted_with(kcb.LearningRateScheduler(lambda epoch, lr: "fast")), ("schedule",))
    bad_values(c, "ModelCheckpoint", lambda v: kcb.ModelCheckpoint(v), "filepath", (None, 3))
    bad_values(c, "ModelCheckpoint", lambda v: kcb.ModelCheckpoint("m.npz", save_freq=v), "save_freq", (10, "batch"))
    bad_values(c, "CSVLogger", lambda v: kcb.CSVLogger(v), "filename", (None, 3))
    bad_values(c, "CSVLogger", lambda v: kcb.CSVLogger("log.csv", separator=v), "separator", ("", ";;", 3))
    c["ReduceLROnPlateau-no-optimizer"] = (
        lambda: __import__("pyml.cluster", fromlist=["KMeans"]).KMeans(2, n_init=1).fit(
            X, callbacks=[kcb.ReduceLROnPlateau(monitor="loss")]), ("optimizer",))
    c["Dot-axes-bad"] = (lambda: Dot(axes="abc")([X, X]), ("axes",))
    c["Dot-shapes"] = (lambda: Dot(axes=1)([X, B]), ("shape", "shapes", "inputs"))
    c["Concatenate-rows"] = (lambda: Concatenate()([X, B[:-1]]), ("shape", "shapes", "inputs", "samples"))
    c["L2Normalize-axis-bad"] = (lambda: L2Normalize(axis=5)(X), ("axis",))
    c["Normalization-adapt-nan"] = (lambda: Normalization().adapt(_poison(X, np.nan)), ("data", "NaN"))
    c["Normalization-adapt-empty"] = (lambda: Normalization().adapt(X[:0]), ("data", "sample", "samples"))
    c["Normalization-adapt-list"] = (lambda: same(_adapted(X.tolist()), _adapted(X)), WORK)
    c["Normalization-variance-negative"] = (lambda: Normalization(mean=0.0, variance=-1.0)(X), ("variance",))
    c["Normalization-call-wrong-features"] = (lambda: _adapted(X, call=X[:, :2]), ("X", "feature", "features",
                                                                                  "shape"))
    for loss in (MeanSquaredError(), BinaryCrossentropy(), CategoricalCrossentropy(),
                 SparseCategoricalCrossentropy()):
        n = type(loss).__name__
        t, q = ((np.eye(3)[[0, 1, 2, 0]], np.full((4, 3), 1 / 3)) if n == "CategoricalCrossentropy" else
                (np.array([0, 1, 2, 0]), np.full((4, 3), 1 / 3)) if n.startswith("Sparse") else
                (np.array([[0.0], [1.0], [1.0], [0.0]]), np.array([[0.2], [0.7], [0.9], [0.4]])))
        c[f"{n}-nan-pred"] = (lambda loss=loss, t=t, q=q: loss(t, _poison(q, np.nan)), ("y_pred", "NaN"))
        c[f"{n}-lengths"] = (lambda loss=loss, t=t, q=q: loss(t[:-1], q), ("y_true", "y_pred", "targets",
                                                                             "labels"))
        c[f"{n}-list"] = (lambda loss=loss, t=t, q=q: same(loss(t.tolist(), q.tolist()), loss(t, q)), WORK)
        c[f"{n}-nan-true"] = (lambda loss=loss, t=t, q=q: loss(_poison(t, np.nan), q), ("y_true", "NaN"))
    c["BinaryCrossentropy-prob-outside"] = (lambda: BinaryCrossentropy()([[1.0]], [[1.5]]), ("y_pred",))
    c["loss-from_logits-bad"] = (lambda: BinaryCrossentropy(from_logits="abc"), ("from_logits",))
    return c


def _built_dense():
    from pyml.neural_network import Dense

    d = Dense(2, activation="relu", input_dim=3)
    d.set_weights([np.arange(6.0).reshape(3, 2) / 6, np.array([0.1, -0.1])])
    return d


def _adapted(data, call=None):
    from pyml.neural_network import Normalization

    n = Normalization()
    n.adapt(data)
    return n(np.asarray(data) if call is None else call)


@covers("pyml.neural_network.dense", "pyml.neural_network.sequential", "pyml.neural_network.l2_normalize",
        "pyml.neural_network.to_categorical", "pyml.neural_network.linear", "pyml.neural_network.relu",
        "pyml.neural_network.sigmoid", "pyml.neural_network.softmax", "pyml.neural_network.tanh",
        "pyml.neural_network.leaky_relu", "pyml.neural_network.soft_update", "pyml.neural_network.set_seed",
        "pyml.labs.c2_w1.my_dense", "pyml.labs.c2_w1.my_dense_v", "pyml.labs.c2_w1.my_sequential",
        "pyml.labs.c2_w1.my_predict", "pyml.labs.c2_w1.my_softmax", "pyml.neural_network.activations.get",
        "pyml.neural_network.regularizers.l2")
def group_nn_functions():
    from pyml.labs import c2_w1
    from pyml.neural_network import (dense, l2_normalize, leaky_relu, linear, relu, sequential, set_seed,
                                     sigmoid, soft_update, softmax, tanh, to_categorical)

    X = RNG.normal(size=(6, 3))
    W1, b1 = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    W2, b2 = RNG.normal(size=(4, 1)), RNG.normal(size=1)
    c = {}
    probe(c, "dense", dense, [X, W1, b1], [0, 1, 2], extra={
        "W-rows": (lambda: dense(X, W1[:2], b1), ("W", "a_in")),
        "b-length": (lambda: dense(X, W1, b1[:3]), ("b",)),
        "g-not-callable": (lambda: dense(X, W1, b1, "relu-ish"), ("g", "activation")),
        "empty": (lambda: dense(X[:0], W1, b1), ("a_in", "sample", "samples")),
    })
    probe(c, "sequential", sequential, [X, W1, b1, W2, b2], [0, 1, 2],
          words={0: ("x", "a_in"), 1: ("W", "W1"), 2: ("b", "b1")}, extra={
        "odd-params": (lambda: sequential(X, W1, b1, W2), ("params", "W1", "b1", "pairs")),
        "chain-shapes": (lambda: sequential(X, W1, b1, W1, b1), ("W", "shape", "shapes")),
    })
    probe(c, "l2_normalize", l2_normalize, [X], [0], bad=False, extra={
        "nan": (lambda: l2_normalize(_poison(X, np.nan)), ("x", "NaN")),
        "axis-bad": (lambda: l2_normalize(X, axis=4), ("axis",)),
        "axis-str": (lambda: l2_normalize(X, axis="a"), ("axis",)),
        "zeros": (lambda: same(l2_normalize(np.zeros((2, 3))), np.zeros((2, 3))), WORK),
    })
    y = np.array([0, 2, 1, 2])
    probe(c, "to_categorical", to_categorical, [y], [0], bad=False, extra={
        "nan": (lambda: to_categorical(np.array([0.0, np.nan])), ("y",)),
        "negative": (lambda: to_categorical(np.array([0, -1])), ("y", "class")),
        "fractional": (lambda: to_categorical(np.array([0, 1.5])), ("y",)),
        "strings": (lambda: to_categorical(np.array(["a", "b"])), ("y",)),
        "num_classes-small": (lambda: to_categorical(y, num_classes=2), ("num_classes",)),
        "num_classes-bad": (lambda: to_categorical(y, num_classes="abc"), ("num_classes",)),
        "num_classes-nan": (lambda: to_categorical(y, num_classes=float("nan")), ("num_classes",)),
        "num_classes-huge": (lambda: to_categorical(y, num_classes=2**62), ("num_classes",)),
        "dtype-bad": (lambda: to_categorical(y, dtype="abc"), ("dtype",)),
        "empty": (lambda: to_categorical(y[:0], num_classes=3).shape == (0, 3), WORK),
    })
    for fn in (linear, relu, sigmoid, softmax, tanh, leaky_relu):
        probe(c, fn.__name__, fn, [X], [0], bad=False, extra={
            "huge": (lambda fn=fn: bool(np.isfinite(fn(X * 1e300) if fn in (sigmoid, tanh, softmax) else
                                                    np.ones(1)).all()), WORK),
        })
    c["leaky_relu-slope-nan"] = (lambda: leaky_relu(X, negative_slope=float("nan")), ("negative_slope",))
    from pyml.neural_network import activations, regularizers

    c["activations.get-unknown"] = (lambda: activations.get("nope"), ("activation",))
    c["activations.get-type"] = (lambda: activations.get(3), ("activation",))
    c["activations.get-ok"] = (lambda: activations.get("relu") is relu, WORK)
    bad_values(c, "regularizers.l2", lambda v: regularizers.l2(v), "l2", (-1.0, float("nan"), float("inf"), "abc"))
    c["set_seed-bad"] = (lambda: set_seed("abc"), ("seed",))
    c["set_seed-negative"] = (lambda: set_seed(-1), ("seed",))
    c["soft_update-tau-bad"] = (lambda: soft_update(_seq(), _seq(), 1.5), ("tau",))
    c["soft_update-tau-nan"] = (lambda: soft_update(_seq(), _seq(), float("nan")), ("tau",))
    c["soft_update-shapes"] = (lambda: soft_update(_seq(), _seq(n_in=4), 0.1), ("target", "source", "shape",
                                                                                 "shapes"))
    probe(c, "my_dense", c2_w1.my_dense, [X[0], W1, b1], [0, 1, 2], extra={
        "W-rows": (lambda: c2_w1.my_dense(X[0], W1[:2], b1), ("W", "a_in")),
    })
    probe(c, "my_dense_v", c2_w1.my_dense_v, [X, W1, b1[None, :]], [0, 1, 2], extra={
        "W-rows": (lambda: c2_w1.my_dense_v(X, W1[:2], b1), ("W", "A_in")),
    })
    probe(c, "my_sequential", c2_w1.my_sequential, [X[0], W1, b1, W2, b2], [0, 1], extra={
        "chain-shapes": (lambda: c2_w1.my_sequential(X[0], W1, b1, W1, b1), ("W2", "W", "shape")),
    })
    probe(c, "my_predict", c2_w1.my_predict, [X, W1, b1, W2, b2], [0, 1])
    probe(c, "my_softmax", c2_w1.my_softmax, [X[0]], [0], bad=False)
    return c


# ---------------------------------------------------------------------------------------------------------------
# reinforcement learning

class _Env:
    """A 2-action, 3-dimensional toy environment (Gymnasium API) whose observations can be poisoned."""

    def __init__(self, obs_dim=3, poison=None):
        from pyml.rl.envs import Box, Discrete

        self.observation_space = Box(-np.ones(obs_dim, np.float32), np.ones(obs_dim, np.float32))
        self.action_space = Discrete(2)
        self.poison, self.t = poison, 0

    def _obs(self):
        o = np.full(self.observation_space.shape, 0.1 * (self.t % 5), np.float32)
        if self.poison is not None and self.t >= 2:
            o[0] = self.poison
        return o

    def reset(self, seed=None, options=None):
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        self.t += 1
        return self._obs(), float(action), self.t >= 10, False, {}


@covers("pyml.rl.ReplayBuffer", "pyml.rl.DQN", "pyml.rl.compute_loss", "pyml.rl.get_action",
        "pyml.rl.check_update_conditions", "pyml.rl.get_new_eps", "pyml.rl.get_experiences",
        "pyml.rl.update_target_network", "pyml.rl.state_action_values", "pyml.rl.optimal_policy",
        "pyml.rl.envs.CartPole", "pyml.rl.envs.Discrete", "pyml.rl.envs.Box", "pyml.rl.envs.make")
def group_rl():
    from collections import deque, namedtuple

    from pyml.rl import (DQN, ReplayBuffer, check_update_conditions, compute_loss, get_action, get_experiences,
                         get_new_eps, optimal_policy, state_action_values, update_target_network)
    from pyml.rl.envs import Box, CartPole, Discrete, make

    S = RNG.normal(size=(8, 3))
    A = np.array([0, 1] * 4)
    Rw = RNG.normal(size=8)
    D = np.zeros(8, bool)
    c = {}

    def buf(**kw):
        b = ReplayBuffer(kw.pop("capacity", 16), 3, random_state=0)
        b.add(S, A, Rw, S + 1, D, **kw)
        return b

    base = buf().sample(4)
    c["buffer-add-list"] = (lambda: same(_sampled(S.tolist(), A.tolist(), Rw.tolist(), (S + 1).tolist(),
                                                  D.tolist()), base), WORK)
    c["buffer-add-fortran"] = (lambda: same(_sampled(np.asfortranarray(S), A, Rw, np.asfortranarray(S + 1), D),
                                            base), WORK)
    c["buffer-add-big-endian"] = (lambda: same(_sampled(S.astype(">f8"), A, Rw.astype(">f8"), S + 1, D), base),
                                  WORK)
    c["buffer-add-read-only"] = (lambda: same(_sampled(*[_ro(a) for a in (S, A, Rw, S + 1, D)]), base), WORK)
    bad_values(c, "buffer", lambda v: ReplayBuffer(v, 3), "capacity", (0, -1, 2.5, float("nan"), "abc", 2**62))
    bad_values(c, "buffer", lambda v: ReplayBuffer(4, v), "state_dim", (0, -1, 2.5, "abc"))
    c["buffer-dtype-bad"] = (lambda: ReplayBuffer(4, 3, dtype="int8"), ("dtype",))
    c["buffer-state-shape"] = (lambda: ReplayBuffer(4, 3).add(S[:, :2], A, Rw, S, D), ("state", "shape"))
    c["buffer-next-state-shape"] = (lambda: ReplayBuffer(4, 3).add(S, A, Rw, S[:, :2], D), ("next_state", "shape"))
    c["buffer-lengths"] = (lambda: ReplayBuffer(4, 3).add(S, A[:-1], Rw, S, D), ("action", "length", "lengths"))
    c["buffer-state-nan"] = (lambda: ReplayBuffer(4, 3).add(_poison(S, np.nan), A, Rw, S, D), ("state", "NaN"))
    c["buffer-reward-nan"] = (lambda: ReplayBuffer(4, 3).add(S, A, _poison(Rw, np.nan), S, D), ("reward", "NaN"))
    c["buffer-reward-inf"] = (lambda: ReplayBuffer(4, 3).add(S, A, _poison(Rw, np.inf), S, D), ("reward",))
    c["buffer-action-negative"] = (lambda: ReplayBuffer(4, 3).add(S, -A - 1, Rw, S, D), ("action", "actions"))
    c["buffer-action-fractional"] = (lambda: ReplayBuffer(4, 3).add(S, A + 0.5, Rw, S, D), ("action",))
    c["buffer-action-out-of-range"] = (lambda: ReplayBuffer(4, 3).add(S, A + 5, Rw, S, D, n_actions=2),
                                       ("action", "actions", "n_actions"))
    c["buffer-done-not-binary"] = (lambda: ReplayBuffer(4, 3).add(S, A, Rw, S, np.full(8, 2.0)), ("done",))
    c["buffer-state-strings"] = (lambda: ReplayBuffer(4, 3).add(np.full((8, 3), "a"), A, Rw, S, D), ("state",))
    c["buffer-huge-state-float32"] = (lambda: ReplayBuffer(4, 3).add(S * 1e300, A, Rw, S, D), ("state",
                                                                                               "float32"))
    bad_values(c, "buffer-sample", lambda v: buf().sample(v), "batch_size", (0, -1, 2.5, float("nan"), "abc", 9))
    c["buffer-sample-empty"] = (lambda: ReplayBuffer(4, 3).sample(1), ("batch_size", "empty", "buffer"))
    # DQN
    dqn = lambda **kw: DQN(3, 2, hidden_layer_sizes=(4,), batch_size=4, buffer_size=64, random_state=0,  # noqa
                           learn_every=1, **kw)
    qbase = dqn().predict(S)
    c["dqn-predict-list"] = (lambda: same(dqn().predict(S.tolist()), qbase), WORK)
    c["dqn-predict-fortran"] = (lambda: same(dqn().predict(np.asfortranarray(S)), qbase), WORK)
    c["dqn-predict-strided"] = (lambda: same(dqn().predict(_variants(S)["strided"]), qbase), WORK)
    c["dqn-predict-big-endian"] = (lambda: same(dqn().predict(S.astype(">f8")), qbase), WORK)
    c["dqn-predict-one-state"] = (lambda: dqn().predict(S[0]).shape in ((), (1,)), WORK)
    c["dqn-predict-nan"] = (lambda: dqn().predict(_poison(S, np.nan)), ("states", "NaN"))
    c["dqn-predict-wrong-features"] = (lambda: dqn().predict(S[:, :2]), ("states", "state_dim"))
    c["dqn-predict-3d"] = (lambda: dqn().predict(S[:, :, None]), ("states",))
    c["dqn-predict-strings"] = (lambda: dqn().predict(np.full((2, 3), "a")), ("states",))
    c["dqn-q_values-nan"] = (lambda: dqn().q_values(_poison(S, np.nan)), ("states", "state", "NaN"))
    for param, values in (("state_dim", (0, -1, 2.5, "abc")), ("n_actions", (0, -1, 2.5, "abc")),
                          ("gamma", (-0.1, 1.5, float("nan"), "abc")),
                          ("learning_rate", (0.0, -1.0, float("nan"), float("inf"), "abc")),
                          ("buffer_size", (0, -1, "abc", 2**62)), ("batch_size", (0, -1, 2.5, "abc")),
                          ("learn_every", (0, -1, "abc")), ("tau", (-0.1, 1.5, float("nan"), "abc")),
                          ("epsilon_start", (-0.1, 1.5, float("nan"))), ("epsilon_min", (-0.1, 1.5, float("nan"))),
                          ("epsilon_decay", (0.0, 1.5, float("nan"))), ("loss", ("nope", 3)),
                          ("hidden_layer_sizes", ((0,), (-1,), ("a",), "abc")), ("n_jobs", (0, "abc", 2**40))):
        def build(v, p=param):
            kw = dict(state_dim=3, n_actions=2, hidden_layer_sizes=(4,), batch_size=4, buffer_size=64,
                      random_state=0)
            kw[p] = v
            ag = DQN(**kw)
            ag.learn(_Env(), total_timesteps=12)
        bad_values(c, "dqn", build, param, values)
    c["dqn-learn-works"] = (lambda: bool(np.isfinite(dqn().learn(_Env(), total_timesteps=20).predict(S)).all()),
                            WORK)
    c["dqn-learn-obs-shape"] = (lambda: dqn().learn(_Env(obs_dim=4), total_timesteps=12),
                                ("state_dim", "observation", "observation_space", "env"))
    c["dqn-learn-obs-nan"] = (lambda: dqn().learn(_Env(poison=np.nan), total_timesteps=12),
                              ("NaN", "observation", "state"))
    c["dqn-learn-batch-bigger-than-buffer"] = (lambda: DQN(3, 2, hidden_layer_sizes=(4,), batch_size=128,
                                                           buffer_size=64).learn(_Env(), total_timesteps=12),
                                               ("batch_size", "buffer_size"))
    c["dqn-learn-timesteps-bad"] = (lambda: dqn().learn(_Env(), total_timesteps=-1), ("total_timesteps",))
    c["dqn-learn-timesteps-str"] = (lambda: dqn().learn(_Env(), total_timesteps="abc"), ("total_timesteps",))
    c["dqn-learn-nothing"] = (lambda: dqn().learn(_Env()), ("total_timesteps", "max_episodes"))
    c["dqn-learn-max_steps-bad"] = (lambda: dqn().learn(_Env(), total_timesteps=5, max_steps=0), ("max_steps",))
    c["dqn-learn-not-env"] = (lambda: dqn().learn("CartPole", total_timesteps=5), ("env", "environment"))
    c["dqn-learn-wrong-actions"] = (lambda: DQN(3, 5, hidden_layer_sizes=(4,)).learn(_Env(), total_timesteps=5),
                                    ("n_actions", "action_space", "env"))
    # the lab functions
    exps = (S.astype(np.float32), A.astype(np.float32), Rw.astype(np.float32), (S + 1).astype(np.float32),
            D.astype(np.float32))
    net = lambda s: np.asarray(s, dtype=np.float32)[:, :2] * 0.5  # noqa: E731 - 2 actions
    lbase = compute_loss(exps, 0.9, net, net)
    def with_exp(i, v):
        e = list(exps)
        e[i] = v
        return compute_loss(tuple(e), 0.9, net, net)
    for i, name in enumerate(("states", "actions", "rewards", "next_states", "done_vals")):
        c[f"compute_loss-{name}-nan"] = (lambda i=i: with_exp(i, _poison(exps[i], np.nan)), (name, "NaN"))
        c[f"compute_loss-{name}-short"] = (lambda i=i: with_exp(i, exps[i][:-1]), (name, "length", "lengths",
                                                                                     "samples"))
        # a list is float64: the loss is then computed in float64 (float32 rounding apart, the same)
        c[f"compute_loss-{name}-list"] = (lambda i=i: bool(np.isclose(with_exp(i, exps[i].tolist()), lbase,
                                                                      rtol=1e-6)), WORK)
    c["compute_loss-actions-out-of-range"] = (lambda: with_exp(1, exps[1] + 5), ("actions",))
    c["compute_loss-actions-fractional"] = (lambda: with_exp(1, exps[1] + 0.5), ("actions",))
    c["compute_loss-gamma-bad"] = (lambda: compute_loss(exps, 1.5, net, net), ("gamma",))
    c["compute_loss-gamma-nan"] = (lambda: compute_loss(exps, float("nan"), net, net), ("gamma",))
    c["compute_loss-not-callable"] = (lambda: compute_loss(exps, 0.9, "net", net), ("q_network",))
    c["compute_loss-4-tuple"] = (lambda: compute_loss(exps[:4], 0.9, net, net), ("experiences",))
    c["compute_loss-net-nan"] = (lambda: compute_loss(exps, 0.9, lambda s: net(s) * np.nan, net),
                                 ("q_network", "NaN"))
    c["compute_loss-net-shape"] = (lambda: compute_loss(exps, 0.9, lambda s: net(s)[:2], net),
                                   ("q_network", "shape"))
    q = np.array([[0.1, 0.5, 0.2]])
    c["get_action-ok"] = (lambda: get_action(q, 0.0) == 1, WORK)
    c["get_action-list"] = (lambda: get_action(q.tolist(), 0.0) == 1, WORK)
    c["get_action-nan"] = (lambda: get_action(_poison(q, np.nan), 0.0), ("q_values", "NaN"))
    c["get_action-empty"] = (lambda: get_action(q[:, :0], 0.0), ("q_values",))
    bad_values(c, "get_action", lambda v: get_action(q, v), "epsilon", (-0.1, 1.5, float("nan"), "abc"))
    mem = deque(maxlen=100)
    exp_t = namedtuple("Experience", ["state", "action", "reward", "next_state", "done"])
    for j in range(10):
        mem.append(exp_t(S[j % 8], int(A[j % 8]), float(Rw[j % 8]), S[j % 8] + 1, False))
    c["check_update-ok"] = (lambda: check_update_conditions(4, 4, mem) in (True, False), WORK)
    bad_values(c, "check_update", lambda v: check_update_conditions(v, 4, mem), "t", (-1, 2.5, float("nan"),
                                                                                      "abc"))
    bad_values(c, "check_update", lambda v: check_update_conditions(4, v, mem), "num_steps_upd", (0, -1, "abc"))
    c["check_update-memory-bad"] = (lambda: check_update_conditions(4, 4, 3), ("memory_buffer",))
    bad_values(c, "get_new_eps", get_new_eps, "epsilon", (-0.1, 1.5, float("nan"), "abc"))
    c["get_experiences-ok"] = (lambda: len(get_experiences(mem, batch_size=4)) == 5, WORK)
    bad_values(c, "get_experiences", lambda v: get_experiences(mem, batch_size=v), "batch_size",
               (0, -1, 2.5, "abc", 11), ("batch_size", "mini-batch"))
    c["get_experiences-empty"] = (lambda: get_experiences(deque(), batch_size=1), ("memory_buffer", "batch_size",
                                                                                   "mini-batch"))
    c["get_experiences-bad-items"] = (lambda: get_experiences([1, 2, 3], batch_size=2), ("memory_buffer",
                                                                                          "experiences"))
    bad_values(c, "update_target", lambda v: update_target_network(_seq(), _seq(), tau=v), "tau",
               (-0.1, 1.5, float("nan"), "abc"))
    c["update_target-shapes"] = (lambda: update_target_network(_seq(), _seq(n_in=4)), ("q_network",
                                                                                        "target_q_network", "shape"))
    c["update_target-ok"] = (lambda: _soft_updated(update_target_network), WORK)
    for fn in (state_action_values, optimal_policy):
        n = fn.__name__
        bad_values(c, n, lambda v, fn=fn: fn(num_states=v), "num_states", (1, 0, -1, 2.5, "abc", 2**62))
        bad_values(c, n, lambda v, fn=fn: fn(gamma=v), "gamma", (-0.1, 1.5, float("nan"), "abc"))
        bad_values(c, n, lambda v, fn=fn: fn(misstep_prob=v), "misstep_prob", (-0.1, 1.5, float("nan")))
        bad_values(c, n, lambda v, fn=fn: fn(terminal_left_reward=v), "terminal_left_reward",
                   (float("nan"), float("inf"), "abc"))
        c[f"{n}-ok"] = (lambda fn=fn: bool(np.isfinite(np.asarray(fn(), dtype=float)).all()), WORK)
    c["state_action_values-gamma-1"] = (lambda: state_action_values(gamma=1.0), ("gamma",))
    bad_values(c, "state_action_values", lambda v: state_action_values(tol=v), "tol", (-1.0, float("nan"), "abc"))
    bad_values(c, "state_action_values", lambda v: state_action_values(max_iter=v), "max_iter", (0, -1, "abc"))
    bad_values(c, "CartPole", lambda v: CartPole(max_episode_steps=v), "max_episode_steps", (0, -1, 2.5, "abc"))
    c["CartPole-step-bad-action"] = (lambda: _cartpole_step(5), ("action",))
    c["CartPole-step-nan-action"] = (lambda: _cartpole_step(float("nan")), ("action",))
    bad_values(c, "Discrete", lambda v: Discrete(v), "n", (0, -1, 2.5, "abc"))
    c["Box-low-high"] = (lambda: Box(np.ones(2), np.zeros(2)), ("low", "high"))
    c["Box-shapes"] = (lambda: Box(np.zeros(2), np.ones(3)), ("low", "high", "shape"))
    c["Box-nan"] = (lambda: Box(np.array([np.nan, 0.0]), np.ones(2)), ("low", "NaN"))
    c["make-unknown"] = (lambda: make("Nope-v0"), ("name", "Nope-v0"))
    c["make-ok"] = (lambda: make("CartPole-v1") is not None, WORK)
    return c


def _soft_updated(update):
    """update(q, target, tau=0.5) moves the target's weights half-way to q's: t' = 0.5 q + 0.5 t."""
    from pyml.neural_network import Dense, Sequential

    q, t = (Sequential([Dense(2, input_shape=(3,))], random_state=s, dtype="float64") for s in (0, 1))
    expected = [0.5 * a + 0.5 * b for a, b in zip(q.get_weights(), t.get_weights())]
    update(q, t, tau=0.5)
    return same(t.get_weights(), expected)


def _ro(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


def _sampled(*args):
    from pyml.rl import ReplayBuffer

    b = ReplayBuffer(16, 3, random_state=0)
    b.add(*args)
    return b.sample(4)


def _cartpole_step(action):
    from pyml.rl.envs import CartPole

    env = CartPole()
    env.reset(seed=0)
    return env.step(action)


# ---------------------------------------------------------------------------------------------------------------
# the labs' own functions (those that are not re-exports of the library's: those are covered where they live)

@covers("pyml.labs.c1_w1.compute_model_output", "pyml.labs.c1_w1.compute_cost", "pyml.labs.c1_w1.compute_gradient",
        "pyml.labs.c1_w1.gradient_descent", "pyml.labs.c1_w2.gradient_descent", "pyml.labs.c1_w2_multi.predict",
        "pyml.labs.c1_w2_multi.compute_cost", "pyml.labs.c1_w2_multi.compute_gradient",
        "pyml.labs.c1_w2_multi.gradient_descent", "pyml.labs.c1_w3.sigmoid", "pyml.labs.c1_w3.compute_cost",
        "pyml.labs.c1_w3.compute_gradient", "pyml.labs.c1_w3.gradient_descent", "pyml.labs.c1_w3.predict",
        "pyml.labs.c1_w3.compute_cost_reg", "pyml.labs.c1_w3.compute_gradient_reg",
        "pyml.labs.c1_w3.compute_cost_linear_reg", "pyml.labs.c1_w3.compute_gradient_linear_reg",
        "pyml.labs.c3_w1.run_kMeans", "pyml.labs.c3_w1.kMeans_init_centroids")
def group_labs():
    from pyml.labs import c1_w1, c1_w2, c1_w2_multi, c1_w3, c3_w1

    x = RNG.normal(size=10)
    yv = 2 * x + 1
    X = RNG.normal(size=(10, 3))
    ylin = X @ np.array([1.0, 2.0, 3.0])
    ylog = (ylin > 0).astype(float)
    w = np.array([0.1, -0.2, 0.3])
    c = {}
    probe(c, "c1_w1.compute_model_output", c1_w1.compute_model_output, [x, 2.0, 1.0], [0])
    probe(c, "c1_w1.compute_cost", c1_w1.compute_cost, [x, yv, 2.0, 1.0], [0, 1], extra={
        "lengths": (lambda: c1_w1.compute_cost(x, yv[:-1], 2.0, 1.0), ("x", "y")),
        "w-nan": (lambda: c1_w1.compute_cost(x, yv, float("nan"), 1.0), ("w",)),
        "w-array": (lambda: c1_w1.compute_cost(x, yv, np.ones(2), 1.0), ("w",)),
        "empty": (lambda: c1_w1.compute_cost(x[:0], yv[:0], 2.0, 1.0), ("x", "sample", "samples")),
    })
    probe(c, "c1_w1.compute_gradient", c1_w1.compute_gradient, [x, yv, 2.0, 1.0], [0, 1])
    g1 = lambda *a: c1_w1.gradient_descent(*a)  # noqa: E731
    cc, cg = c1_w1.compute_cost, c1_w1.compute_gradient
    probe(c, "c1_w1.gradient_descent", c1_w1.gradient_descent, [x, yv, 0.0, 0.0, 0.01, 5, cc, cg], [0, 1], extra={
        "alpha-nan": (lambda: g1(x, yv, 0.0, 0.0, float("nan"), 5, cc, cg), ("alpha",)),
        "alpha-negative": (lambda: g1(x, yv, 0.0, 0.0, -1.0, 5, cc, cg), ("alpha",)),
        "iters-negative": (lambda: g1(x, yv, 0.0, 0.0, 0.01, -1, cc, cg), ("num_iters",)),
        "iters-str": (lambda: g1(x, yv, 0.0, 0.0, 0.01, "5", cc, cg), ("num_iters",)),
        "cost-not-callable": (lambda: g1(x, yv, 0.0, 0.0, 0.01, 5, "cost", cg), ("cost_function",)),
        "diverges": (lambda: g1(x * 1e200, yv, 0.0, 0.0, 10.0, 50, cc, cg), ("w", "alpha")),
    })
    probe(c, "c1_w2.gradient_descent", c1_w2.gradient_descent, [x, yv, 0.0, 0.0, cc, cg, 0.01, 5], [0, 1], extra={
        "alpha-nan": (lambda: c1_w2.gradient_descent(x, yv, 0.0, 0.0, cc, cg, float("nan"), 5), ("alpha",)),
        "iters-negative": (lambda: c1_w2.gradient_descent(x, yv, 0.0, 0.0, cc, cg, 0.01, -1), ("num_iters",)),
    })
    m = c1_w2_multi
    probe(c, "c1_w2_multi.predict", m.predict, [X[0], w, 0.5], [0, 1], extra={
        "w-length": (lambda: m.predict(X[0], w[:2], 0.5), ("w", "x")),
        "b-nan": (lambda: m.predict(X[0], w, float("nan")), ("b",)),
    })
    probe(c, "c1_w2_multi.compute_cost", m.compute_cost, [X, ylin, w, 0.5], [0, 1, 2], extra={
        "w-length": (lambda: m.compute_cost(X, ylin, w[:2], 0.5), ("w", "X")),
        "y-short": (lambda: m.compute_cost(X, ylin[:-1], w, 0.5), ("y",)),
    })
    probe(c, "c1_w2_multi.compute_gradient", m.compute_gradient, [X, ylin, w, 0.5], [0, 1, 2])
    probe(c, "c1_w2_multi.gradient_descent", m.gradient_descent,
          [X, ylin, w, 0.0, m.compute_cost, m.compute_gradient, 0.01, 5], [0, 1, 2], extra={
              "alpha-inf": (lambda: m.gradient_descent(X, ylin, w, 0.0, m.compute_cost, m.compute_gradient,
                                                       float("inf"), 5), ("alpha",)),
          })
    L = c1_w3
    probe(c, "c1_w3.sigmoid", L.sigmoid, [X], [0], bad=False, extra={
        "huge": (lambda: bool(np.isfinite(L.sigmoid(X * 1e300)).all()), WORK),
    })
    for fn, yy in ((L.compute_cost, ylog), (L.compute_gradient, ylog), (L.predict, None),
                   (L.compute_cost_reg, ylog), (L.compute_gradient_reg, ylog), (L.compute_cost_linear_reg, ylin),
                   (L.compute_gradient_linear_reg, ylin)):
        args = [X, w, 0.5] if yy is None else [X, yy, w, 0.5]
        probe(c, f"c1_w3.{fn.__name__}", fn, args, [0, 1] if yy is None else [0, 1, 2])
        if yy is not None:
            c[f"c1_w3.{fn.__name__}-y-short"] = (lambda fn=fn, yy=yy: fn(X, yy[:-1], w, 0.5), ("y",))
            c[f"c1_w3.{fn.__name__}-w-length"] = (lambda fn=fn, yy=yy: fn(X, yy, w[:2], 0.5), ("w", "X"))
            if "reg" in fn.__name__:
                c[f"c1_w3.{fn.__name__}-lambda-nan"] = (lambda fn=fn, yy=yy: fn(X, yy, w, 0.5, float("nan")),
                                                        ("lambda_",))
                c[f"c1_w3.{fn.__name__}-lambda-negative"] = (lambda fn=fn, yy=yy: fn(X, yy, w, 0.5, -1.0),
                                                             ("lambda_",))
    c["c1_w3.compute_cost-y-not-binary"] = (lambda: L.compute_cost(X, ylin, w, 0.5), ("y",))
    probe(c, "c1_w3.gradient_descent", L.gradient_descent, [X, ylog, w, 0.0, L.compute_cost, L.compute_gradient,
                                                            0.01, 5, 0.0], [0, 1, 2], extra={
        "alpha-nan": (lambda: L.gradient_descent(X, ylog, w, 0.0, L.compute_cost, L.compute_gradient,
                                                 float("nan"), 5, 0.0), ("alpha",)),
        "iters-negative": (lambda: L.gradient_descent(X, ylog, w, 0.0, L.compute_cost, L.compute_gradient, 0.01,
                                                      -1, 0.0), ("num_iters",)),
    })
    C = X[:3].copy()
    probe(c, "c3_w1.run_kMeans", c3_w1.run_kMeans, [X, C, 3], [0, 1], extra={
        "iters-negative": (lambda: c3_w1.run_kMeans(X, C, -1), ("max_iters",)),
        "iters-str": (lambda: c3_w1.run_kMeans(X, C, "3"), ("max_iters",)),
        "dims": (lambda: c3_w1.run_kMeans(X, C[:, :2]), ("initial_centroids", "centroids")),
    })
    c["c3_w1.kMeans_init_centroids-ok"] = (lambda: c3_w1.kMeans_init_centroids(X, 3).shape == (3, 3), WORK)
    bad_values(c, "c3_w1.kMeans_init_centroids", lambda v: c3_w1.kMeans_init_centroids(X, v), "K",
               (0, -1, 11, 2.5, "abc"))
    c["c3_w1.kMeans_init_centroids-X-nan"] = (lambda: c3_w1.kMeans_init_centroids(_poison(X, np.nan), 3),
                                              ("X", "NaN"))
    return c


def _file_not_found(fn, path):
    """A missing file is a FileNotFoundError (Python's convention) whose message names the path."""
    try:
        fn(path)
    except FileNotFoundError as e:
        return path in str(e)
    return False


def _leaf0(out):
    return float(np.asarray(_leaves(out)[0]).ravel()[0])


# ---------------------------------------------------------------------------------------------------------------
# library functions of tree / cluster / anomaly / recommender / linear_model not in the original function list

@covers("pyml.tree.export_text", "pyml.tree.split_dataset", "pyml.tree.get_best_split",
        "pyml.tree.build_tree_recursive", "pyml.tree.compute_entropy", "pyml.tree.compute_information_gain",
        "pyml.cluster.kmeans_plusplus", "pyml.cluster.kmeans_init_centroids", "pyml.cluster.compress_image",
        "pyml.cluster.find_closest_centroids", "pyml.cluster.compute_centroids", "pyml.cluster.run_kmeans",
        "pyml.anomaly.estimate_gaussian", "pyml.anomaly.multivariate_gaussian", "pyml.anomaly.select_threshold",
        "pyml.recommender.cofi_cost_func", "pyml.recommender.cofi_cost_and_gradient",
        "pyml.recommender.normalize_ratings", "pyml.recommender.sq_dist", "pyml.linear_model.compute_cost",
        "pyml.linear_model.compute_gradient", "pyml.linear_model.gradient_descent", "pyml.linear_model.predict",
        "pyml.linear_model.sigmoid", "pyml.linear_model.GradientDescentResult")
def group_library_functions():
    from pyml.anomaly import estimate_gaussian, multivariate_gaussian, select_threshold
    from pyml.cluster import (compress_image, compute_centroids, find_closest_centroids, kmeans_init_centroids,
                              kmeans_plusplus, run_kmeans)
    from pyml.linear_model import compute_cost, compute_gradient, gradient_descent, predict, sigmoid
    from pyml.recommender import cofi_cost_and_gradient, cofi_cost_func, normalize_ratings, sq_dist
    from pyml.tree import (DecisionTreeClassifier, build_tree_recursive, compute_entropy,
                           compute_information_gain, export_text, get_best_split, split_dataset)

    Xb = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1], [0, 0, 0], [1, 0, 1],
                   [0, 1, 0], [1, 0, 0]])
    yb = np.array([1, 1, 0, 0, 1, 0, 0, 1, 1, 0])
    idx = list(range(10))
    c = {}
    probe(c, "split_dataset", split_dataset, [Xb, idx, 0], [0], extra={
        "feature-out-of-range": (lambda: split_dataset(Xb, idx, 5), ("feature",)),
        "feature-negative": (lambda: split_dataset(Xb, idx, -1), ("feature",)),
        "index-out-of-range": (lambda: split_dataset(Xb, [0, 99], 0), ("node_indices",)),
        "index-fractional": (lambda: split_dataset(Xb, [0.5], 0), ("node_indices",)),
        "X-not-binary": (lambda: split_dataset(Xb * 3, idx, 0), ("X",)),
    })
    probe(c, "get_best_split", get_best_split, [Xb, yb, idx], [0, 1], extra={
        "lengths": (lambda: get_best_split(Xb, yb[:-1], idx), ("y",)),
        "empty-node": (lambda: get_best_split(Xb, yb, []) == -1, WORK),
    })
    probe(c, "compute_information_gain", compute_information_gain, [Xb, yb, idx, 0], [0, 1])
    probe(c, "compute_entropy", compute_entropy, [yb], [0], extra={
        "empty": (lambda: compute_entropy(yb[:0]) == 0.0, WORK),
    })
    probe(c, "build_tree_recursive", build_tree_recursive, [Xb, yb, idx, "Root", 2, 0, None, False], [0, 1],
          extra={
              "max_depth-negative": (lambda: build_tree_recursive(Xb, yb, idx, "Root", -1, 0, None, False),
                                     ("max_depth",)),
              "max_depth-str": (lambda: build_tree_recursive(Xb, yb, idx, "Root", "2", 0, None, False),
                                ("max_depth",)),
              "tree-not-list": (lambda: build_tree_recursive(Xb, yb, idx, "Root", 2, 0, 3, False), ("tree",)),
          })
    tree = DecisionTreeClassifier(max_depth=2).fit(Xb, yb)
    c["export_text-ok"] = (lambda: isinstance(export_text(tree), str), WORK)
    c["export_text-unfitted"] = (lambda: export_text(DecisionTreeClassifier()), ("fit",))
    c["export_text-not-a-tree"] = (lambda: export_text("tree"), ("decision_tree",))
    c["export_text-feature_names-length"] = (lambda: export_text(tree, feature_names=["a"]), ("feature_names",))
    c["export_text-class_names-length"] = (lambda: export_text(tree, class_names=["a"]), ("class_names",))
    bad_values(c, "export_text", lambda v: export_text(tree, max_depth=v), "max_depth", (-1, "abc", float("nan")))
    bad_values(c, "export_text", lambda v: export_text(tree, decimals=v), "decimals", (-1, "abc", 2.5))
    X = RNG.normal(size=(30, 2))
    probe(c, "kmeans_plusplus", lambda X, k: kmeans_plusplus(X, k, random_state=0), [X, 3], [0], words=("X",),
          extra={
              "k-too-many": (lambda: kmeans_plusplus(X, 31), ("n_clusters",)),
              "k-zero": (lambda: kmeans_plusplus(X, 0), ("n_clusters",)),
              "k-str": (lambda: kmeans_plusplus(X, "3"), ("n_clusters",)),
              "sample_weight-nan": (lambda: kmeans_plusplus(X, 3, sample_weight=np.full(30, np.nan)),
                                    ("sample_weight",)),
              "sample_weight-short": (lambda: kmeans_plusplus(X, 3, sample_weight=np.ones(29)),
                                      ("sample_weight",)),
              "sample_weight-negative": (lambda: kmeans_plusplus(X, 3, sample_weight=-np.ones(30)),
                                         ("sample_weight",)),
              "sample_weight-zeros": (lambda: kmeans_plusplus(X, 3, sample_weight=np.zeros(30)),
                                      ("sample_weight",)),
              "random_state-bad": (lambda: kmeans_plusplus(X, 3, random_state="abc"), ("random_state",)),
          })
    probe(c, "kmeans_init_centroids", lambda X, K: kmeans_init_centroids(X, K, random_state=0), [X, 3], [0],
          words=("X",), extra={
              "K-too-many": (lambda: kmeans_init_centroids(X, 31), ("K",)),
              "K-zero": (lambda: kmeans_init_centroids(X, 0), ("K",)),
              "K-fractional": (lambda: kmeans_init_centroids(X, 2.5), ("K",)),
          })
    img = RNG.random((6, 5, 3))
    probe(c, "compress_image", lambda im: compress_image(im, 3, random_state=0, max_iter=3), [img], [0],
          words=("image",), extra={
              "2d-gray": (lambda: compress_image(img[:, :, 0], 3, random_state=0)[0].shape == (6, 5), WORK),
              "4-channels": (lambda: compress_image(RNG.random((6, 5, 4)), 3) is not None, WORK),
              "n_colors-zero": (lambda: compress_image(img, 0), ("n_colors",)),
              "n_colors-too-many": (lambda: compress_image(img, 31), ("n_colors",)),
              "n_colors-str": (lambda: compress_image(img, "3"), ("n_colors",)),
              "max_iter-negative": (lambda: compress_image(img, 3, max_iter=-1), ("max_iter",)),
              "uint8": (lambda: compress_image((img * 255).astype(np.uint8), 3, random_state=0) is not None,
                        WORK),
              "empty": (lambda: compress_image(img[:0], 3), ("image", "pixels", "sample")),
          })
    C = X[:3].copy()
    probe(c, "find_closest_centroids", find_closest_centroids, [X, C], [0, 1])
    labels = np.arange(30) % 3
    probe(c, "compute_centroids", compute_centroids, [X, labels, 3], [0, 1], extra={
        "idx-length": (lambda: compute_centroids(X, labels[:-1], 3), ("idx",)),
        "K-zero": (lambda: compute_centroids(X, labels, 0), ("K",)),
        "K-str": (lambda: compute_centroids(X, labels, "3"), ("K",)),
        "previous-shape": (lambda: compute_centroids(X, labels, 3, previous=C[:2]), ("previous",)),
    })
    probe(c, "run_kmeans", run_kmeans, [X, C, 3], [0, 1], extra={
        "iters-str": (lambda: run_kmeans(X, C, "3"), ("max_iters",)),
        "iters-zero": (lambda: same(run_kmeans(X, C, 0)[0], C), WORK),
    })
    probe(c, "estimate_gaussian", estimate_gaussian, [X], [0], extra={
        "empty": (lambda: estimate_gaussian(X[:0]), ("X", "sample")),
        "one-sample": (lambda: bool(np.isfinite(np.concatenate(estimate_gaussian(X[:1]))).all()), WORK),
    })
    mu, var = estimate_gaussian(X)
    probe(c, "multivariate_gaussian", multivariate_gaussian, [X, mu, var], [0, 1, 2], extra={
        "mu-length": (lambda: multivariate_gaussian(X, mu[:1], var), ("mu",)),
        "var-length": (lambda: multivariate_gaussian(X, mu, var[:1]), ("var",)),
        "var-zero": (lambda: multivariate_gaussian(X, mu, np.zeros(2)), ("var", "variance")),
        "cov-not-psd": (lambda: multivariate_gaussian(X, mu, -np.eye(2)), ("var", "covariance")),
    })
    yv = (RNG.random(30) < 0.2).astype(int)
    yv[:2] = 1
    pv = RNG.random(30)
    probe(c, "select_threshold", select_threshold, [yv, pv], [0, 1], extra={
        "method-bad": (lambda: select_threshold(yv, pv, method="abc"), ("method",)),
        "n_steps-zero": (lambda: select_threshold(yv, pv, n_steps=0), ("n_steps",)),
        "n_steps-str": (lambda: select_threshold(yv, pv, n_steps="a"), ("n_steps",)),
        "no-anomalies": (lambda: select_threshold(np.zeros(30), pv), ("y_val",)),
        "empty": (lambda: select_threshold(yv[:0], pv[:0]), ("y_val", "p_val", "sample", "empty")),
    })
    Y, R = _ratings()
    Xi, W, b = RNG.normal(size=(12, 2)), RNG.normal(size=(8, 2)), RNG.normal(size=(1, 8))
    for fn in (cofi_cost_func, cofi_cost_and_gradient):
        probe(c, fn.__name__, fn, [Xi, W, b, Y, R, 1.0], [0, 1, 2, 3, 4], extra={
            "lambda-nan": (lambda fn=fn: fn(Xi, W, b, Y, R, float("nan")), ("lambda_",)),
            "lambda-negative": (lambda fn=fn: fn(Xi, W, b, Y, R, -1.0), ("lambda_",)),
            "lambda-str": (lambda fn=fn: fn(Xi, W, b, Y, R, "1"), ("lambda_",)),
            "W-features": (lambda fn=fn: fn(Xi, W[:, :1], b, Y, R, 1.0), ("W", "X")),
            "b-length": (lambda fn=fn: fn(Xi, W, b[:, :3], Y, R, 1.0), ("b",)),
            "n_jobs-bad": (lambda fn=fn: fn(Xi, W, b, Y, R, 1.0, n_jobs="abc"), ("n_jobs",)),
            "Y-nan-unrated-ok": (lambda fn=fn: same(fn(Xi, W, b, np.where(R > 0, Y, np.nan), R, 1.0),
                                                    fn(Xi, W, b, Y, R, 1.0)), WORK),
        })
    probe(c, "normalize_ratings", normalize_ratings, [Y, R], [0, 1], bad=False, extra={
        "shapes": (lambda: normalize_ratings(Y, R[:, :-1]), ("R", "Y")),
        "R-not-binary": (lambda: normalize_ratings(Y, R * 2), ("R",)),
        "Y-inf-rated": (lambda: normalize_ratings(np.where(R > 0, np.inf, 0), R), ("Y",)),
        "item-without-ratings": (lambda: bool(np.isfinite(normalize_ratings(Y, np.vstack([R[:-1], np.zeros(
            (1, 8))]))[0]).all()), WORK),
    })
    a, b2 = RNG.normal(size=4), RNG.normal(size=4)
    probe(c, "sq_dist", sq_dist, [a, b2], [0, 1], extra={
        "lengths": (lambda: sq_dist(a, b2[:-1]), ("a", "b")),
    })
    Xl = RNG.normal(size=(20, 3))
    yl = Xl @ np.array([1.0, 2.0, 3.0])
    wl = np.zeros(3)
    probe(c, "compute_cost", lambda X, y, w: compute_cost(X, y, w, 0.0, model="linear"), [Xl, yl, wl], [0, 1, 2])
    probe(c, "compute_gradient", lambda X, y, w: compute_gradient(X, y, w, 0.0, model="linear"), [Xl, yl, wl],
          [0, 1, 2])
    c["compute_cost-reg_lambda-nan"] = (lambda: compute_cost(Xl, yl, wl, 0.0, reg_lambda=float("nan"),
                                                             model="linear"), ("reg_lambda",))
    c["compute_cost-logistic-y-not-binary"] = (lambda: compute_cost(Xl, yl, wl, 0.0, model="logistic"), ("y",))
    probe(c, "gradient_descent", lambda X, y: gradient_descent(X, y, wl, 0.0, 0.01, 5, model="linear"), [Xl, yl],
          [0, 1], words=None, extra={
              "alpha-negative": (lambda: gradient_descent(Xl, yl, wl, 0.0, -0.1, 5, model="linear"), ("alpha",)),
              "max_records-bad": (lambda: gradient_descent(Xl, yl, wl, 0.0, 0.01, 5, model="linear",
                                                           max_records=-1), ("max_records",)),
              "tol-nan": (lambda: gradient_descent(Xl, yl, wl, 0.0, 0.01, 5, model="linear", tol=float("nan")),
                          ("tol",)),
              "returns-result": (lambda: type(gradient_descent(Xl, yl, wl, 0.0, 0.01, 5, model="linear")
                                              ).__name__ == "GradientDescentResult", WORK),
          })
    probe(c, "predict", lambda X, w: predict(X, w, 0.0), [Xl, wl + 0.1], [0, 1], extra={
        "model-bad": (lambda: predict(Xl, wl, 0.0, model="svm"), ("model",)),
        "threshold-nan": (lambda: predict(Xl, wl, 0.0, model="logistic", threshold=float("nan")), ("threshold",)),
    })
    probe(c, "sigmoid", sigmoid, [Xl], [0], bad=False)
    return c


# ---------------------------------------------------------------------------------------------------------------
# the issue's own list of silent wrong answers, per estimator (beyond the generic table of the runner)

@covers("pyml.cluster.KMeans", "pyml.ensemble.RandomForestClassifier", "pyml.tree.DecisionTreeRegressor",
        "pyml.ensemble.RandomForestRegressor", "pyml.ensemble.GradientBoostingRegressor",
        "pyml.ensemble.GradientBoostingClassifier", "pyml.tree.DecisionTreeClassifier")
def group_estimator_extras():
    from pyml.cluster import KMeans, MiniBatchKMeans
    from pyml.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier,
                               RandomForestRegressor)
    from pyml.linear_model import LinearRegression, LogisticRegression
    from pyml.tree import DecisionTreeClassifier, DecisionTreeRegressor

    X = RNG.normal(size=(40, 3))
    yc = (X[:, 0] > 0).astype(int)
    yr = X @ np.array([1.0, 2.0, 3.0])
    c = {}
    for cls in (KMeans, MiniBatchKMeans):
        n = cls.__name__
        c[f"{n}-init-callable-wrong-rows"] = (lambda cls=cls: cls(3, init=lambda X, k, random_state: X[:2],
                                                                  n_init=1).fit(X), ("init",))
        c[f"{n}-init-array-wrong-shape"] = (lambda cls=cls: cls(3, init=X[:3, :2], n_init=1).fit(X), ("init",))
        c[f"{n}-init-array-nan"] = (lambda cls=cls: cls(3, init=_poison(X[:3], np.nan), n_init=1).fit(X),
                                    ("init", "NaN"))
        c[f"{n}-init-bad-name"] = (lambda cls=cls: cls(3, init="abc").fit(X), ("init",))
    c["RandomForestClassifier-warm-start-other-features"] = (lambda: _warm(RandomForestClassifier, X, yc),
                                                             ("feature", "features"))
    c["RandomForestRegressor-warm-start-other-features"] = (lambda: _warm(RandomForestRegressor, X, yr),
                                                            ("feature", "features"))
    # regression targets stay float64 whatever X's dtype: 1e9 + 1 is not rounded to float32's 1e9
    big = np.where(X[:, 0] > 0, 1e9 + 1, 1e9 + 3)
    for cls in (DecisionTreeRegressor, RandomForestRegressor, GradientBoostingRegressor):
        kw = {"n_estimators": 3, "random_state": 0} if cls is not DecisionTreeRegressor else {}
        if cls is GradientBoostingRegressor:
            kw["learning_rate"] = 1.0
        c[f"{cls.__name__}-float32-X-keeps-float64-y"] = (
            lambda cls=cls, kw=kw: bool(np.abs(cls(**kw).fit(X.astype(np.float32), big).predict(
                X.astype(np.float32)) - big).max() < 1.5), WORK)
    for cls, y in ((DecisionTreeClassifier, yc), (RandomForestClassifier, yc), (GradientBoostingClassifier, yc),
                   (LogisticRegression, yc), (DecisionTreeRegressor, yr), (LinearRegression, yr)):
        n = cls.__name__
        make = (lambda cls=cls: cls(n_estimators=3)) if "Forest" in n or "Boosting" in n else cls
        for tag, w in (("nan", np.full(40, np.nan)), ("negative", -np.ones(40)), ("short", np.ones(39))):
            c[f"{n}-score-sample_weight-{tag}"] = (lambda make=make, y=y, w=w: make().fit(X, y).score(
                X, y, sample_weight=w), ("sample_weight",))
    c["GradientBoostingClassifier-eval_set-features"] = (lambda: GradientBoostingClassifier(n_estimators=3).fit(
        X, yc, eval_set=[(X[:, :2], yc)]), ("eval_set", "feature", "features"))
    c["GradientBoostingClassifier-eval_set-nan"] = (lambda: GradientBoostingClassifier(n_estimators=3).fit(
        X, yc, eval_set=[(_poison(X, np.nan), yc)]), ("eval_set", "X", "NaN"))
    c["GradientBoostingClassifier-eval_set-not-pairs"] = (lambda: GradientBoostingClassifier(n_estimators=3).fit(
        X, yc, eval_set=X), ("eval_set",))
    c["GradientBoostingClassifier-eval_set-unseen-label"] = (lambda: GradientBoostingClassifier(
        n_estimators=3).fit(X, yc, eval_set=[(X, np.full(40, 5))]), ("eval_set", "label", "labels", "classes",
                                                                        "y"))
    c["DecisionTreeClassifier-class_weight-bad"] = (lambda: DecisionTreeClassifier(class_weight="abc").fit(X, yc),
                                                    ("class_weight",))
    c["DecisionTreeClassifier-class_weight-unknown-class"] = (lambda: DecisionTreeClassifier(
        class_weight={0: 1.0, 7: 2.0}).fit(X, yc), ("class_weight",))
    c["DecisionTreeClassifier-class_weight-negative"] = (lambda: DecisionTreeClassifier(
        class_weight={0: -1.0, 1: 1.0}).fit(X, yc), ("class_weight",))
    c["DecisionTreeClassifier-max_features-bad"] = (lambda: DecisionTreeClassifier(max_features="abc").fit(X, yc),
                                                    ("max_features",))
    c["DecisionTreeClassifier-criterion-bad"] = (lambda: DecisionTreeClassifier(criterion="abc").fit(X, yc),
                                                 ("criterion",))
    return c


def _warm(cls, X, y):
    est = cls(n_estimators=3, warm_start=True, random_state=0).fit(X, y)
    est.set_params(n_estimators=6)
    return est.fit(X[:, :2], y)


# ---------------------------------------------------------------------------------------------------------------
# datasets (the bundled loaders and the generators)

@covers("pyml.datasets.load_breast_cancer", "pyml.datasets.load_diabetes", "pyml.datasets.load_digits",
        "pyml.datasets.load_mushroom", "pyml.datasets.make_coffee_roasting", "pyml.datasets.make_exam_scores",
        "pyml.datasets.make_house_prices", "pyml.datasets.make_microchip_qa", "pyml.datasets.make_blobs",
        "pyml.datasets.make_server_metrics", "pyml.datasets.make_ratings", "pyml.datasets.load_movielens")
def group_datasets():
    from pyml import datasets as D

    c = {}
    for fn in (D.load_breast_cancer, D.load_diabetes, D.load_digits, D.load_mushroom):
        c[f"{fn.__name__}-ok"] = (lambda fn=fn: len(fn(return_X_y=True)) == 2, WORK)
        c[f"{fn.__name__}-return_X_y-bad"] = (lambda fn=fn: fn(return_X_y="abc"), ("return_X_y",))
    c["load_digits-split-bad"] = (lambda: D.load_digits(split="abc"), ("split",))
    c["load_movielens-missing-path"] = (lambda: _file_not_found(D.load_movielens, os.path.join(
        tempfile.gettempdir(), "nope-ml")), WORK)
    c["load_movielens-not-a-path"] = (lambda: D.load_movielens(3), ("path",))
    for fn in (D.make_coffee_roasting, D.make_exam_scores, D.make_house_prices, D.make_microchip_qa, D.make_blobs,
               D.make_server_metrics):
        n = fn.__name__
        c[f"{n}-ok"] = (lambda fn=fn: fn(10) is not None, WORK)
        bad_values(c, n, lambda v, fn=fn: fn(v), "n_samples", (0, -1, 2.5, float("nan"), "abc", 2**62))
    for fn in (D.make_exam_scores, D.make_house_prices, D.make_microchip_qa, D.make_blobs, D.make_server_metrics,
               D.make_ratings):
        c[f"{fn.__name__}-random_state-bad"] = (lambda fn=fn: fn(random_state="abc"), ("random_state",))
        c[f"{fn.__name__}-seeded"] = (lambda fn=fn: same(fn(random_state=0), fn(random_state=0)), WORK)
    c["make_coffee_roasting-seed-bad"] = (lambda: D.make_coffee_roasting(10, seed="abc"), ("seed",))
    bad_values(c, "make_house_prices", lambda v: D.make_house_prices(10, n_features=v), "n_features",
               (0, -1, 2.5, "abc"))
    bad_values(c, "make_house_prices", lambda v: D.make_house_prices(10, noise=v), "noise",
               (-1.0, float("nan"), "abc"))
    bad_values(c, "make_microchip_qa", lambda v: D.make_microchip_qa(10, noise=v), "noise",
               (-1.0, float("nan"), "abc"))
    bad_values(c, "make_blobs", lambda v: D.make_blobs(10, v), "n_features", (0, -1, 2.5, "abc"))
    bad_values(c, "make_blobs", lambda v: D.make_blobs(10, centers=v), "centers", (0, -1, 2.5, "abc"))
    bad_values(c, "make_blobs", lambda v: D.make_blobs(10, cluster_std=v), "cluster_std",
               (-1.0, float("nan"), "abc"))
    c["make_blobs-center_box"] = (lambda: D.make_blobs(10, center_box=(1.0, -1.0)), ("center_box",))
    c["make_blobs-centers-array"] = (lambda: D.make_blobs(10, centers=np.zeros((2, 2)))[0].shape == (10, 2), WORK)
    c["make_blobs-centers-nan"] = (lambda: D.make_blobs(10, centers=np.full((2, 2), np.nan)), ("centers",))
    bad_values(c, "make_server_metrics", lambda v: D.make_server_metrics(10, anomaly_fraction=v),
               "anomaly_fraction", (-0.1, 1.5, float("nan"), "abc"))
    bad_values(c, "make_server_metrics", lambda v: D.make_server_metrics(10, n_features=v), "n_features",
               (0, -1, 2.5, "abc"))
    for p in ("n_users", "n_items", "n_features"):
        bad_values(c, "make_ratings", lambda v, p=p: D.make_ratings(**{p: v}), p, (0, -1, 2.5, "abc", 2**62))
    bad_values(c, "make_ratings", lambda v: D.make_ratings(density=v), "density", (0.0, -0.1, 1.5, float("nan"),
                                                                                 "abc"))
    bad_values(c, "make_ratings", lambda v: D.make_ratings(noise=v), "noise", (-1.0, float("nan"), "abc"))
    return c


# ---------------------------------------------------------------------------------------------------------------
# pyml.dask with NumPy inputs and Dask arrays, no cluster (synchronous scheduler)

@covers("pyml.dask.LinearRegression", "pyml.dask.LogisticRegression", "pyml.dask.KMeans",
        "pyml.dask.GaussianAnomalyDetector", "pyml.dask.Incremental", "pyml.dask.ParallelPostFit",
        "pyml.dask.kmeans_parallel")
def group_dask():
    import dask
    import dask.array as da

    import pyml.dask as pd
    from pyml.linear_model import LinearRegression as LR

    dask.config.set(scheduler="synchronous")
    X = RNG.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1
    yc = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    ests = {
        "LinearRegression": (lambda: pd.LinearRegression(), y, "predict"),
        "LogisticRegression": (lambda: pd.LogisticRegression(), yc, "predict"),
        "KMeans": (lambda: pd.KMeans(3, random_state=0, n_init=1), None, "transform"),
        "GaussianAnomalyDetector": (lambda: pd.GaussianAnomalyDetector(epsilon=1e-3), None, "predict"),
    }
    c = {}
    for name, (make, target, method) in ests.items():
        def fit(Xv, yv=target, make=make):
            est = make()
            return est.fit(Xv) if yv is None else est.fit(Xv, yv)

        def answer(est, Xv, method=method):
            out = getattr(est, method)(Xv)
            return np.asarray(out.compute() if hasattr(out, "compute") else out, dtype=float)

        base = answer(fit(X), X)
        for tag, v in _variants(X).items():
            c[f"{name}-X-{tag}"] = (lambda v=v, fit=fit, answer=answer, base=base: same(answer(fit(v), X), base),
                                    WORK)
        c[f"{name}-dask-row-chunks"] = (lambda fit=fit, answer=answer, target=target: bool(np.isfinite(answer(
            fit(da.from_array(X, chunks=(10, 3)), None if target is None else da.from_array(target, chunks=10)),
            X)).all()), WORK)
        c[f"{name}-dask-column-chunks"] = (lambda fit=fit, target=target: fit(da.from_array(X, chunks=(10, 1)),
                                                                              target), ("X", "rechunk"))
        c[f"{name}-predict-dask-column-chunks"] = (lambda fit=fit, answer=answer: answer(
            fit(X), da.from_array(X, chunks=(10, 1))), ("X", "rechunk"))
        c[f"{name}-X-nan"] = (lambda fit=fit: fit(_poison(X, np.nan)), ("X", "NaN"))
        c[f"{name}-X-inf"] = (lambda fit=fit: fit(_poison(X, np.inf)), ("X", "infinity"))
        c[f"{name}-dask-X-nan"] = (lambda fit=fit, target=target: fit(da.from_array(_poison(X, np.nan),
                                                                                    chunks=(10, 3)), target),
                                   ("X", "NaN"))
        c[f"{name}-X-1d"] = (lambda fit=fit: fit(X[:, 0]), ("X",))
        c[f"{name}-X-3d"] = (lambda fit=fit: fit(X[:, :, None]), ("X",))
        c[f"{name}-X-empty"] = (lambda fit=fit, target=target: fit(X[:0], None if target is None else target[:0]),
                                ("X", "sample", "samples"))
        c[f"{name}-X-strings"] = (lambda fit=fit: fit(np.full(X.shape, "a")), ("X",))
        c[f"{name}-X-complex"] = (lambda fit=fit: fit(X + 1j), ("X", "complex"))
        c[f"{name}-predict-before-fit"] = (lambda make=make, method=method: getattr(make(), method)(X), ("fit",))
        c[f"{name}-predict-wrong-features"] = (lambda fit=fit, answer=answer: answer(fit(X), X[:, :2]),
                                               ("feature", "features", "X"))
        if target is not None:
            c[f"{name}-y-nan"] = (lambda fit=fit: fit(X, _poison(target, np.nan)), ("y", "NaN"))
            c[f"{name}-y-short"] = (lambda fit=fit, target=target: fit(X, target[:-1]), ("y", "samples"))
            c[f"{name}-dask-y-chunks-mismatch"] = (lambda fit=fit, target=target: fit(
                da.from_array(X, chunks=(10, 3)), da.from_array(target, chunks=8)), ("y", "chunks", "rechunk"))
        else:
            c[f"{name}-sample_weight-nan"] = (lambda make=make: make().fit(X, sample_weight=np.full(40, np.nan))
                                              if "sample_weight" in inspect.signature(make().fit).parameters else
                                              (_ for _ in ()).throw(ValueError("sample_weight n/a")),
                                              ("sample_weight",))
    c["LogisticRegression-one-class"] = (lambda: pd.LogisticRegression().fit(X, np.zeros(40, int)),
                                         ("y", "class", "classes"))
    bad_values(c, "LinearRegression", lambda v: pd.LinearRegression(reg_lambda=v).fit(X, y), "reg_lambda",
               (-1.0, float("nan"), "abc"))
    bad_values(c, "KMeans", lambda v: pd.KMeans(v).fit(X), "n_clusters", (0, -1, 2.5, "abc", 41))
    bad_values(c, "KMeans", lambda v: pd.KMeans(3, oversampling_factor=v).fit(X), "oversampling_factor",
               (0.0, -1.0, float("nan"), "abc"))
    bad_values(c, "kmeans_parallel", lambda v: pd.kmeans_parallel(X, v), "n_clusters", (0, -1, "abc", 41))
    c["kmeans_parallel-X-nan"] = (lambda: pd.kmeans_parallel(_poison(X, np.nan), 3), ("X", "NaN"))
    c["kmeans_parallel-list"] = (lambda: pd.kmeans_parallel(X.tolist(), 3, random_state=0) is not None, WORK)
    c["kmeans_parallel-column-chunks"] = (lambda: pd.kmeans_parallel(da.from_array(X, chunks=(10, 1)), 3),
                                          ("X", "rechunk"))
    c["Incremental-no-estimator"] = (lambda: pd.Incremental().fit(X, y), ("estimator",))
    c["Incremental-no-partial_fit"] = (lambda: pd.Incremental(pd.GaussianAnomalyDetector()).fit(X),
                                       ("estimator", "partial_fit"))
    c["Incremental-n_passes-bad"] = (lambda: pd.Incremental(LR(solver="gd"), n_passes=0).fit(X, y), ("n_passes",))
    c["Incremental-ok"] = (lambda: bool(np.isfinite(np.asarray(pd.Incremental(LR(solver="gd")).fit(
        da.from_array(X, chunks=(10, 3)), da.from_array(y, chunks=10)).predict(X))).all()), WORK)
    c["Incremental-X-nan"] = (lambda: pd.Incremental(LR(solver="gd")).fit(_poison(X, np.nan), y), ("X", "NaN"))
    c["ParallelPostFit-ok"] = (lambda: same(np.asarray(pd.ParallelPostFit(LR()).fit(X, y).predict(
        da.from_array(X, chunks=(10, 3))).compute()), LR().fit(X, y).predict(X)), WORK)
    c["ParallelPostFit-no-estimator"] = (lambda: pd.ParallelPostFit().fit(X, y), ("estimator",))
    c["ParallelPostFit-before-fit"] = (lambda: pd.ParallelPostFit(LR()).predict(X), ("fit",))
    c["ParallelPostFit-column-chunks"] = (lambda: pd.ParallelPostFit(LR()).fit(X, y).predict(
        da.from_array(X, chunks=(10, 1))).compute(), ("X", "rechunk"))
    return c


GROUPS = {name[len("group_"):]: fn for name, fn in globals().items() if name.startswith("group_")}
