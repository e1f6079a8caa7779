"""ParallelPostFit (any fitted pyml estimator's predictions on a Dask array, lazily) and Incremental (partial_fit
streaming over the blocks of a Dask array)."""
import numpy as np

from pyml.base import BaseEstimator, clone
from pyml.dask import _core
from pyml.utils.validation import check_is_fitted

__all__ = ["Incremental", "ParallelPostFit"]


class ParallelPostFit(BaseEstimator):
    """Wrap a pyml estimator so that its predictions on a Dask array are lazy Dask arrays.

    ``fit`` fits the wrapped estimator in memory (a Dask X or y is computed
    first: the training data must fit on the client). ``predict``,
    ``predict_proba``, ``predict_log_proba``, ``decision_function``,
    ``transform`` and ``score_samples`` of a Dask array X (chunked by rows)
    apply the fitted estimator to every row block on the workers, through
    ``X.map_blocks``; the output keeps X's row chunks and nothing is
    computed until you ask. NumPy input goes straight to the estimator.
    Each block uses the threads of the worker that runs it.

    Parameters
    ----------
    estimator : pyml estimator
        Fitted already (then ``fit`` is not needed) or fitted by :meth:`fit`.

    Attributes
    ----------
    estimator_ : the fitted estimator used for predictions
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y=None, **fit_params):
        """Fit a clone of ``estimator`` on X (computed in memory if Dask); returns self."""
        if self.estimator is None:
            raise ValueError("ParallelPostFit: pass an estimator, e.g. ParallelPostFit(RandomForestClassifier())")
        X = X.compute() if _core.is_dask_collection(X) else X
        y = y.compute() if _core.is_dask_collection(y) else y
        est = clone(self.estimator)
        if y is None:
            est.fit(X, **fit_params)
        else:
            est.fit(X, y, **fit_params)
        self.estimator_ = est
        return self

    def _fitted(self):
        est = getattr(self, "estimator_", None)
        if est is None:
            if self.estimator is None:
                raise ValueError("ParallelPostFit: pass an estimator")
            check_is_fitted(self.estimator)
            est = self.estimator
        return est

    def _apply(self, name, X):
        est = self._fitted()
        method = getattr(est, name, None)
        if method is None:
            raise AttributeError(f"ParallelPostFit: {type(est).__name__} has no method {name!r}")
        if _core.is_dask_collection(X):
            return _core.lazy_method(method, X, est)
        return method(X)

    def predict(self, X):
        """``estimator.predict`` block by block (lazy for a Dask X)."""
        return self._apply("predict", X)

    def predict_proba(self, X):
        """``estimator.predict_proba`` block by block (lazy for a Dask X)."""
        return self._apply("predict_proba", X)

    def predict_log_proba(self, X):
        """``estimator.predict_log_proba`` block by block (lazy for a Dask X)."""
        return self._apply("predict_log_proba", X)

    def decision_function(self, X):
        """``estimator.decision_function`` block by block (lazy for a Dask X)."""
        return self._apply("decision_function", X)

    def transform(self, X):
        """``estimator.transform`` block by block (lazy for a Dask X)."""
        return self._apply("transform", X)

    def score_samples(self, X):
        """``estimator.score_samples`` block by block (lazy for a Dask X)."""
        return self._apply("score_samples", X)

    def score(self, X, y, **kwargs):
        """``estimator.score`` on X, y computed in memory."""
        X = X.compute() if _core.is_dask_collection(X) else X
        y = y.compute() if _core.is_dask_collection(y) else y
        return self._fitted().score(X, np.asarray(y), **kwargs)

    @property
    def classes_(self):
        """``classes_`` of the wrapped estimator."""
        return self._fitted().classes_


def _partial_fit_block(est, Xb, yb, fit_kwargs):
    """One block of the stream: ``est.partial_fit`` on the worker holding the block; returns the model."""
    if yb is None:
        est.partial_fit(Xb, **fit_kwargs)
    else:
        est.partial_fit(Xb, yb, **fit_kwargs)
    return est


class Incremental(ParallelPostFit):
    """Stream the row blocks of a Dask array, in order, through ``estimator.partial_fit``.

    Each block is fed on the worker that holds it: the (small) model travels
    from task to task, the data never leave their workers. Blocks are used in
    their order along the rows, ``n_passes`` times, so the result is exactly
    that of calling ``partial_fit`` on the NumPy blocks one after the other.
    Predictions on Dask arrays are lazy, as with :class:`ParallelPostFit`.

    Parameters
    ----------
    estimator : pyml estimator with ``partial_fit``
        E.g. ``LinearRegression(solver="gd")``, ``LogisticRegression``,
        ``MiniBatchKMeans``, ``MLPClassifier``.
    n_passes : int, default 1
        Passes over all blocks.

    Attributes
    ----------
    estimator_ : the fitted estimator
    """

    def __init__(self, estimator=None, *, n_passes=1):
        self.estimator = estimator
        self.n_passes = n_passes

    def fit(self, X, y=None, **fit_kwargs):
        """Feed every block of X (and y) to ``partial_fit``, ``n_passes`` times; returns self.

        ``fit_kwargs`` (e.g. ``classes=`` for a classifier) go to every call.
        """
        import dask

        if self.estimator is None or not hasattr(self.estimator, "partial_fit"):
            raise ValueError(f"Incremental: the estimator must have partial_fit, got {self.estimator!r}")
        if isinstance(self.n_passes, bool) or not isinstance(self.n_passes, int) or self.n_passes < 1:
            raise ValueError(f"Incremental: n_passes must be a positive integer, got {self.n_passes!r}")
        est = clone(self.estimator)
        if not _core.is_dask_collection(X):
            for _ in range(self.n_passes):
                _partial_fit_block(est, X, y, fit_kwargs)
            self.estimator_ = est
            return self
        _core.check_row_chunked(X, self)
        y = _core.aligned_vector(y, X, self, "y")
        model = dask.delayed(est)
        step = dask.delayed(_partial_fit_block, pure=False)
        for _ in range(self.n_passes):
            for xb, yb in _core.aligned_blocks(X, y):
                model = step(model, xb, yb, fit_kwargs)
        (self.estimator_,) = _core.compute(model)
        return self
