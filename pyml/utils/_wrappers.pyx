# cython: language_level=3
"""The method wrappers of :class:`pyml.base.BaseEstimator` (feature names, ``set_output``).

They are compiled so that they add no Python frame: a warning raised inside
``fit`` with ``stacklevel=`` still points at the user's line, not at a wrapper.
No arithmetic here; the logic is in :mod:`pyml.utils._feature_names`.
"""
import functools

from pyml.utils._feature_names import check_feature_names, pandas_output, record_feature_names


def wrap_fit(method):
    """``fit``/``partial_fit``: run it, then record X's column names (a later ``partial_fit`` checks them)."""
    is_partial = method.__name__ == "partial_fit"

    @functools.wraps(method)
    def fit(self, X=None, *args, **kwargs):
        if is_partial and hasattr(self, "n_features_in_"):
            check_feature_names(self, X)
            return method(self, X, *args, **kwargs)
        result = method(self, X, *args, **kwargs)
        record_feature_names(self, X)
        return result
    fit._pyml_feature_names = True
    return fit


def wrap_check(method):
    """``predict``/``transform``/...: check X's column names first."""
    @functools.wraps(method)
    def checked(self, X=None, *args, **kwargs):
        check_feature_names(self, X)
        return method(self, X, *args, **kwargs)
    checked._pyml_feature_names = True
    return checked


def wrap_output(method):
    """``transform``/``fit_transform``: a DataFrame when ``set_output(transform="pandas")`` was asked."""
    @functools.wraps(method)
    def transform(self, X=None, *args, **kwargs):
        return pandas_output(self, X, method(self, X, *args, **kwargs))
    transform._pyml_output = True
    return transform
