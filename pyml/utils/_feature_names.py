"""Column names of pandas DataFrames, as scikit-learn records and checks them.

pandas is never imported here unless the input already is a DataFrame (then
pandas is loaded anyway); any object with string ``columns`` and ``iloc`` counts.
"""
import functools
import warnings

import numpy as np

__all__ = ["feature_names_of", "record_feature_names", "check_feature_names", "feature_names_out",
           "pandas_output"]


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "iloc") and hasattr(X, "dtypes")


def feature_names_of(X):
    """The column names of a DataFrame as an object array, or None (not a DataFrame, or non-string
    names, which scikit-learn also ignores)."""
    if not _is_dataframe(X):
        return None
    names = list(X.columns)
    kinds = {isinstance(n, str) for n in names}
    if kinds == {True}:
        return np.asarray(names, dtype=object)
    if kinds == {True, False}:
        raise TypeError("Feature names are only supported if all input features have string names, but your "
                        f"input has {sorted({type(n).__name__ for n in names})} as feature name / column name "
                        "types; convert them all to str (e.g. X.columns = X.columns.astype(str))")
    return None


def record_feature_names(estimator, X):
    """After fit: ``feature_names_in_`` from X's columns (removed when X has none)."""
    names = feature_names_of(X)
    if names is not None:
        estimator.feature_names_in_ = names
    elif "feature_names_in_" in vars(estimator):
        del estimator.feature_names_in_


def check_feature_names(estimator, X):
    """At predict/transform: X's columns must be the fitted ones, in the same order (ValueError);
    names on one side only warn, as in scikit-learn."""
    fitted = getattr(estimator, "feature_names_in_", None)
    names = feature_names_of(X)
    owner = type(estimator).__name__
    if fitted is None and names is None:
        return
    if fitted is None:
        if hasattr(estimator, "n_features_in_"):
            warnings.warn(f"X has feature names, but {owner} was fitted without feature names", UserWarning,
                          stacklevel=2)
        return
    if names is None:
        warnings.warn(f"X does not have valid feature names, but {owner} was fitted with feature names",
                      UserWarning, stacklevel=2)
        return
    if len(names) == len(fitted) and np.all(names == fitted):
        return
    unseen = [n for n in names if n not in set(fitted)]
    missing = [n for n in fitted if n not in set(names)]
    msg = f"{owner}: the feature names should match those that were passed during fit.\n"
    if unseen:
        msg += "Feature names unseen at fit time:\n" + "".join(f"- {n}\n" for n in unseen)
    if missing:
        msg += "Feature names seen at fit time, yet now missing:\n" + "".join(f"- {n}\n" for n in missing)
    if not unseen and not missing:
        msg += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(msg)


def feature_names_out(estimator, input_features=None):
    """Input feature names for ``get_feature_names_out``: the given ones (checked), the fitted
    DataFrame's, or ``x0, x1, ...``."""
    n = getattr(estimator, "n_features_in_", None)
    if n is None:
        raise ValueError(f"This {type(estimator).__name__} instance is not fitted yet; call fit first")
    fitted = getattr(estimator, "feature_names_in_", None)
    if input_features is None:
        return fitted.copy() if fitted is not None else np.asarray([f"x{i}" for i in range(n)], dtype=object)
    input_features = np.asarray(input_features, dtype=object)
    if input_features.shape != (n,):
        raise ValueError(f"input_features should have length equal to the number of features ({n}), got "
                         f"{len(input_features)}")
    if fitted is not None and not np.all(input_features == fitted):
        raise ValueError("input_features is not equal to feature_names_in_")
    return input_features


def pandas_output(estimator, X, out):
    """``out`` as a DataFrame when ``set_output(transform="pandas")`` was asked (columns from
    ``get_feature_names_out``, index from X), else unchanged."""
    if getattr(estimator, "_pyml_output", None) != "pandas" or _is_dataframe(out):
        return out
    import pandas as pd

    index = X.index if _is_dataframe(X) else None
    return pd.DataFrame(np.asarray(out), columns=estimator.get_feature_names_out(), index=index)
