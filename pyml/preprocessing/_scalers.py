"""Feature scaling and polynomial features (Course 1, week 2)."""
import itertools
import math

import numpy as np

from pyml.base import BaseEstimator, TransformerMixin
from pyml.utils.validation import check_array, check_is_fitted, check_n_features, check_scalar

__all__ = ["StandardScaler", "MinMaxScaler", "PolynomialFeatures", "zscore_normalize_features", "map_feature"]

_MAX_POLY_FEATURES = 1_000_000


def zscore_normalize_features(X):
    """The course's z-score normalisation: (X - μ) / σ per column, σ the population std.

    Returns
    -------
    X_norm : ndarray of X's shape
    mu : ndarray of shape (n_features,)
    sigma : ndarray of shape (n_features,)
    """
    X = check_array(X, caller="zscore_normalize_features", allow_1d=False)
    mu = X.mean(axis=0)
    sigma = X.std(axis=0)
    if np.any(sigma == 0):
        cols = np.flatnonzero(sigma == 0).tolist()
        raise ValueError(f"zscore_normalize_features: column(s) {cols} are constant (σ = 0); drop them first")
    return (X - mu) / sigma, mu, sigma


def map_feature(x1, x2, degree=6):
    """The course's polynomial map of two features: every x1^(i-j)·x2^j, i = 1..degree, j = 0..i.

    Parameters
    ----------
    x1, x2 : array-like of shape (m,)
    degree : int, default 6 (27 features)

    Returns
    -------
    ndarray of shape (m, degree·(degree+3)/2)
    """
    x1 = check_array(x1, name="x1", caller="map_feature", ensure_2d=False)
    x2 = check_array(x2, name="x2", caller="map_feature", ensure_2d=False)
    if x1.ndim != 1 or x2.ndim != 1 or x1.shape != x2.shape:
        raise ValueError(f"map_feature: x1 and x2 must be 1-D of equal length, got {x1.shape} and {x2.shape}")
    check_scalar(degree, "degree", (int, np.integer), min_val=1, caller="map_feature")
    if degree > 1000:  # degree·(degree+3)/2 columns: beyond this the output alone is a gigabyte per 1000 rows
        raise ValueError(f"map_feature: degree={degree} would make {degree * (degree + 3) // 2} features; "
                         f"use degree <= 1000 (the course uses 6)")
    cols = [x1 ** (i - j) * x2 ** j for i in range(1, degree + 1) for j in range(i + 1)]
    return np.stack(cols, axis=1)


class StandardScaler(TransformerMixin, BaseEstimator):
    """Standardise features: z = (x - mean_) / scale_ (population std; constant columns keep scale 1).

    Attributes
    ----------
    mean_, var_, scale_ : ndarray of shape (n_features,)
    n_features_in_ : int
    n_samples_seen_ : int
    """

    _pyml_tags = {"preserves_dtype": ["float64", "float32"], "requires_y": False}

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Compute mean_ and scale_ of X (n_samples, n_features); returns self."""
        X = check_array(X, caller=self)
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = X.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):  # huge columns are redone below
            self.mean_ = X.mean(axis=0) if self.with_mean else None
            self.var_ = X.var(axis=0) if self.with_std else None
        if self.with_std:
            scale = np.sqrt(self.var_)
            huge = np.abs(X).max(axis=0) > np.sqrt(np.finfo(X.dtype).max) / 4
            if huge.any():  # x^2 overflows: moments of X / max|x| scaled back (var_ may be inf, scale_ is not)
                scale = scale.astype(np.float64)
                peak = np.abs(X[:, huge]).max(axis=0).astype(np.float64)
                Xs = X[:, huge] / peak
                if self.with_mean:
                    self.mean_[huge] = Xs.mean(axis=0) * peak
                scale[huge] = Xs.std(axis=0) * peak
                with np.errstate(over="ignore"):
                    self.var_[huge] = scale[huge] ** 2
                if not np.isfinite(scale).all():
                    raise ValueError(f"{type(self).__name__}: the standard deviation of a column overflows "
                                     f"{X.dtype}; rescale X before standardising")
                scale = scale.astype(X.dtype)
            scale[scale < 10 * np.finfo(X.dtype).eps] = 1.0
            # A constant column has a rounding-noise std of ~n·eps·|x| (the mean of n equal values is not
            # exactly that value): with |x| above ~1 it passed the absolute 10 eps test, and transform then
            # turned the column into ±1 noise (and any other value into ~1e14). Constant means max == min.
            scale[X.max(axis=0) == X.min(axis=0)] = 1.0
            self.scale_ = scale
        else:
            self.scale_ = None
        return self

    def transform(self, X):
        """Standardised copy of X."""
        check_is_fitted(self, "n_features_in_")
        X = check_array(X, caller=self, copy=True)
        check_n_features(self, X)
        if self.with_mean:
            X -= self.mean_.astype(X.dtype)
        if self.with_std:
            X /= self.scale_.astype(X.dtype)
        return X

    def inverse_transform(self, X):
        """x = z·scale_ + mean_."""
        check_is_fitted(self, "n_features_in_")
        X = check_array(X, caller=self, copy=True)
        check_n_features(self, X)
        if self.with_std:
            X *= self.scale_.astype(X.dtype)
        if self.with_mean:
            X += self.mean_.astype(X.dtype)
        return X


class MinMaxScaler(TransformerMixin, BaseEstimator):
    """Scale each feature to ``feature_range``: x' = (x - min) / (max - min)·(hi - lo) + lo.

    Attributes
    ----------
    data_min_, data_max_, data_range_, scale_, min_ : ndarray of shape (n_features,)
    """

    _pyml_tags = {"preserves_dtype": ["float64", "float32"], "requires_y": False}

    def __init__(self, feature_range=(0, 1)):
        self.feature_range = feature_range

    def fit(self, X, y=None):
        """Learn per-feature minimum and maximum; returns self."""
        lo, hi = self.feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: feature_range must be (min, max) with min < max, got {self.feature_range}")
        X = check_array(X, caller=self)
        self.n_features_in_ = X.shape[1]
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        with np.errstate(over="ignore"):
            self.data_range_ = self.data_max_ - self.data_min_
        # Constant columns (scikit-learn's rule: a range below 10 eps) keep scale (hi - lo): a subnormal
        # range made (hi - lo) / range overflow to inf, and transform returned NaN.
        tiny = self.data_range_ < 10 * np.finfo(X.dtype).eps
        rng = np.where(tiny, 1.0, self.data_range_).astype(X.dtype)
        with np.errstate(over="ignore"):
            scale = (hi - lo) / rng
        huge = ~np.isfinite(rng)
        if huge.any():  # max - min overflows (|x| near the dtype's max): halve both sides of the ratio
            half = self.data_max_[huge] / 2 - self.data_min_[huge] / 2
            scale[huge] = ((hi - lo) / 2) / half
        self.scale_ = scale
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, X):
        """Scaled copy of X."""
        check_is_fitted(self, "scale_")
        X = check_array(X, caller=self, copy=True)
        check_n_features(self, X)
        X *= self.scale_.astype(X.dtype)
        X += self.min_.astype(X.dtype)
        return X

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        check_is_fitted(self, "scale_")
        X = check_array(X, caller=self, copy=True)
        check_n_features(self, X)
        X -= self.min_.astype(X.dtype)
        X /= self.scale_.astype(X.dtype)
        return X


class PolynomialFeatures(TransformerMixin, BaseEstimator):
    """All monomials of the features up to ``degree`` (scikit-learn's column order).

    For features [a, b] and degree 2: [1,] a, b, a², ab, b².

    Parameters
    ----------
    degree : int, default 2
    include_bias : bool, default False
        Prepend a column of ones.
    """

    _pyml_tags = {"preserves_dtype": ["float64", "float32"], "requires_y": False}

    def __init__(self, degree=2, *, include_bias=False):
        self.degree = degree
        self.include_bias = include_bias

    def fit(self, X, y=None):
        """Enumerate the output monomials; returns self."""
        check_scalar(self.degree, "degree", (int, np.integer), min_val=0, caller=self)
        X = check_array(X, caller=self)
        start = 0 if self.include_bias else 1
        n_out = math.comb(X.shape[1] + self.degree, self.degree) - (1 - start)
        if n_out > _MAX_POLY_FEATURES:
            raise ValueError(f"PolynomialFeatures: degree={self.degree} on {X.shape[1]} features makes {n_out} output "
                             f"features (more than {_MAX_POLY_FEATURES}); lower the degree")
        self.n_features_in_ = X.shape[1]
        self.powers_ = np.array([
            np.bincount(np.asarray(combo, dtype=np.intp), minlength=X.shape[1])
            for d in range(start, self.degree + 1)
            for combo in itertools.combinations_with_replacement(range(X.shape[1]), d)
        ], dtype=np.intp).reshape(-1, X.shape[1])
        self.n_output_features_ = len(self.powers_)
        if self.n_output_features_ == 0:
            raise ValueError("PolynomialFeatures: degree=0 with include_bias=False produces no features")
        return self

    def transform(self, X):
        """X mapped to the monomials, shape (n_samples, n_output_features_)."""
        check_is_fitted(self, "powers_")
        X = check_array(X, caller=self)
        check_n_features(self, X)
        out = np.empty((X.shape[0], self.n_output_features_), dtype=X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            for col, powers in enumerate(self.powers_):
                out[:, col] = np.prod(X ** powers, axis=1) if powers.any() else 1.0
        if not np.isfinite(out).all():
            raise ValueError(f"PolynomialFeatures: X**{self.degree} overflows {X.dtype} (X has values up to "
                             f"{float(np.max(np.abs(X))):.3g}); scale X first (e.g. StandardScaler)")
        return out

    def get_feature_names_out(self, input_features=None):
        """Names like 'x0^2 x1'."""
        check_is_fitted(self, "powers_")
        from pyml.utils._feature_names import feature_names_out

        names = feature_names_out(self, input_features)
        out = []
        for powers in self.powers_:
            terms = [f"{names[i]}" + (f"^{p}" if p > 1 else "") for i, p in enumerate(powers) if p]
            out.append(" ".join(terms) if terms else "1")
        return np.array(out, dtype=object)
