"""Exhaustive search over a parameter grid with cross-validation."""
import itertools

import numpy as np

from pyml.base import BaseEstimator, clone, is_classifier
from pyml.model_selection._cv_split import check_cv
from pyml.model_selection._validation import get_scorer
from pyml.utils._threads import joblib_map
from pyml.utils.validation import _is_sparse, check_is_fitted

__all__ = ["GridSearchCV", "ParameterGrid"]


class ParameterGrid:
    """All combinations of a dict (or list of dicts) of parameter lists, in sorted-key order."""

    def __init__(self, param_grid):
        if not isinstance(param_grid, (dict, list, tuple)):
            raise TypeError(f"param_grid must be a dict or a list of dicts, got {param_grid!r}")
        grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
        if not grids or any(isinstance(g, dict) and not g for g in grids):
            raise ValueError(f"param_grid must name at least one parameter, got {param_grid!r}")
        for g in grids:
            if not isinstance(g, dict):
                raise TypeError(f"param_grid must be a dict or a list of dicts, got {g!r}")
            for k, v in g.items():
                if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__") or len(list(v)) == 0:
                    raise ValueError(f"param_grid[{k!r}] must be a non-empty sequence, got {v!r}")
        self.grids = grids

    def __iter__(self):
        for g in self.grids:
            keys = sorted(g)
            for values in itertools.product(*(list(g[k]) for k in keys)):
                yield dict(zip(keys, values))

    def __len__(self):
        return sum(int(np.prod([len(list(v)) for v in g.values()])) for g in self.grids)


def _fit_and_score(estimator, params, X, y, tr, va, scorer, return_train_score):
    """One (candidate, fold) task: (fit time, validation score, training score or NaN)."""
    import time

    est = clone(estimator).set_params(**params)
    t0 = time.perf_counter()
    est.fit(X[tr], y[tr] if y is not None else None)
    fit_time = time.perf_counter() - t0
    test = scorer(est, X[va], y[va] if y is not None else None)
    train = scorer(est, X[tr], y[tr] if y is not None else None) if return_train_score else np.nan
    return fit_time, test, train


class _BestEstimatorMethod:
    """``best_estimator_.<name>(X)``, present only when the searched estimator has that method
    (scikit-learn's ``available_if``): ``hasattr(search, "predict_proba")`` tells the truth."""

    def __init__(self, name):
        self.name = name

    def __get__(self, search, owner=None):
        if search is None:
            return self
        est = getattr(search, "best_estimator_", search.estimator)
        if not hasattr(est, self.name):
            raise AttributeError(f"{type(search).__name__}: {type(est).__name__} has no {self.name}")
        name = self.name

        def method(X):
            return getattr(search._best(), name)(X)

        method.__name__ = name
        method.__doc__ = f"``best_estimator_.{name}(X)``."
        return method


class GridSearchCV(BaseEstimator):
    """Cross-validated search over ``param_grid``; refits the best on all data.

    Parameters
    ----------
    estimator : estimator
    param_grid : dict or list of dicts
    scoring : None, str or callable(estimator, X, y)
        Higher is better (``estimator.score`` by default).
    cv : int or splitter
    refit : bool
    n_jobs : int or None, default None
        Candidate x fold fits run through ``joblib.Parallel(n_jobs)``. None:
        sequential, except inside a ``joblib.parallel_backend(...)`` context,
        which then decides (``with joblib.parallel_backend("dask"):`` runs them
        on a Dask cluster). Every fit is seeded as in the sequential run, so
        ``cv_results_`` scores and ``best_params_`` are identical.

    Attributes
    ----------
    cv_results_ : dict of arrays (params, mean_test_score, std_test_score, rank_test_score,
        split<k>_test_score, mean_fit_time)
    best_params_, best_score_, best_index_, best_estimator_
    """

    def __init__(self, estimator, param_grid, *, scoring=None, cv=5, refit=True, return_train_score=False,
                 n_jobs=None):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.return_train_score = return_train_score
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Evaluate every candidate; returns self."""
        for name, v in (("X", X), ("y", y)):
            if _is_sparse(v):
                raise TypeError(f"GridSearchCV: {name} is a sparse matrix; pyml does not accept sparse input: "
                                f"convert it with {name}.toarray()")
        if not (hasattr(self.estimator, "fit") and hasattr(self.estimator, "get_params")):
            raise TypeError(f"GridSearchCV: estimator must be a pyml / scikit-learn estimator (with fit and "
                            f"get_params), got {self.estimator!r}")
        X = np.asarray(X)
        y = np.asarray(y) if y is not None else None
        if y is not None and y.ndim >= 1 and X.ndim >= 1 and len(y) != len(X):
            raise ValueError(f"GridSearchCV: X has {len(X)} samples but y has {len(y)}; pass one target per "
                             f"row of X")
        if X.ndim == 0 or X.shape[0] < 2:
            raise ValueError(f"GridSearchCV: cross-validation needs at least 2 samples, got n_samples = "
                             f"{X.shape[0] if X.ndim else 0}")
        scorer = get_scorer(self.scoring)
        candidates = list(ParameterGrid(self.param_grid))
        valid = self.estimator.get_params(deep=True)
        for params in candidates:
            unknown = [k for k in params if k not in valid]
            if unknown:
                raise ValueError(f"GridSearchCV: param_grid names {unknown}, which {type(self.estimator).__name__} "
                                 f"does not have; valid parameters: {sorted(valid)}")
        splits = list(check_cv(self.cv, y, is_classifier(self.estimator)).split(X, y))
        test = np.empty((len(candidates), len(splits)))
        train = np.empty_like(test)
        fit_time = np.empty_like(test)
        tasks = [(self.estimator, params, X, y, tr, va, scorer, self.return_train_score)
                 for params in candidates for tr, va in splits]
        results = joblib_map(_fit_and_score, tasks, self.n_jobs)
        for t, (fit_t, test_s, train_s) in enumerate(results):
            i, j = divmod(t, len(splits))
            fit_time[i, j], test[i, j], train[i, j] = fit_t, test_s, train_s
        mean = test.mean(axis=1)
        order = np.argsort(-mean, kind="stable")
        rank = np.empty(len(candidates), dtype=np.int64)
        rank[order] = np.arange(1, len(candidates) + 1)
        results = {"params": candidates, "mean_test_score": mean, "std_test_score": test.std(axis=1),
                   "rank_test_score": rank, "mean_fit_time": fit_time.mean(axis=1)}
        for j in range(len(splits)):
            results[f"split{j}_test_score"] = test[:, j]
        if self.return_train_score:
            results["mean_train_score"] = train.mean(axis=1)
        self.cv_results_ = results
        self.best_index_ = int(order[0])
        self.best_params_ = candidates[self.best_index_]
        self.best_score_ = float(mean[self.best_index_])
        self.n_splits_ = len(splits)
        if self.refit:
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y)
            if hasattr(self.best_estimator_, "n_features_in_"):
                self.n_features_in_ = self.best_estimator_.n_features_in_
            if hasattr(self.best_estimator_, "classes_"):
                self.classes_ = self.best_estimator_.classes_
        return self

    def _best(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    predict = _BestEstimatorMethod("predict")
    predict_proba = _BestEstimatorMethod("predict_proba")
    predict_log_proba = _BestEstimatorMethod("predict_log_proba")
    decision_function = _BestEstimatorMethod("decision_function")
    score_samples = _BestEstimatorMethod("score_samples")
    transform = _BestEstimatorMethod("transform")
    inverse_transform = _BestEstimatorMethod("inverse_transform")

    def score(self, X, y=None):
        """``best_estimator_.score(X, y)``."""
        return get_scorer(self.scoring)(self._best(), X, y)
