"""One-hot encoding of categorical columns (the heart-disease lab's 5 columns → 20 features)."""
import numpy as np

from pyml.base import BaseEstimator, TransformerMixin
from pyml.utils.validation import check_is_fitted

__all__ = ["OneHotEncoder"]


def _as_2d_object_or_numeric(X, owner, name="X"):
    if X is None:
        raise ValueError(f"{owner}: {name} is None; expected a 2-D array-like of categories")
    if hasattr(X, "tocsr") and hasattr(X, "nnz"):
        raise TypeError(f"{owner}: sparse input is not supported; pass a dense array")
    arr = np.asarray(X)
    if arr.ndim == 1:
        raise ValueError(f"{owner}: Expected 2D array, got 1D array instead: {name} has shape {arr.shape}. "
                         "Reshape your data with array.reshape(-1, 1) for a single feature.")
    if arr.ndim != 2:
        raise ValueError(f"{owner}: {name} must be 2-D, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{owner}: Found array with 0 sample(s) (shape={arr.shape}) while a minimum of 1 is "
                         f"required in {name}")
    if arr.shape[1] == 0:
        raise ValueError(f"{owner}: Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is "
                         f"required in {name}")
    if arr.dtype.kind == "c":
        raise ValueError(f"{owner}: Complex data not supported in {name}; pass real numbers or strings")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{owner}: {name} contains NaN; missing categories are not supported: impute them "
                         "or encode them as their own string category")
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        raise ValueError(f"{owner}: {name} contains infinity; a category must be a finite number or a string")
    if arr.dtype.kind == "O":
        if any(v is None for v in arr.ravel()):
            raise ValueError(f"{owner}: {name} contains None; encode missing values as a category first")
    return arr


class OneHotEncoder(TransformerMixin, BaseEstimator):
    """Encode each categorical column as one 0/1 column per category.

    Column j with categories ``c_1 < ... < c_m`` (sorted, as the course lab
    and pandas.get_dummies order them) becomes m indicator columns
    ``[x_j == c_1, ..., x_j == c_m]``.

    Parameters
    ----------
    categories : "auto" or list of array-like
        "auto": the sorted distinct values of each column seen in fit.
    drop : None, "first" or "if_binary"
        Drop the first category of every column (or only of two-category columns).
    handle_unknown : {"error", "ignore"}, default="error"
        What transform does with a category not seen in fit: raise a
        ValueError naming it, or encode it as all zeros.
    dtype : numeric dtype, default=np.float64
    sparse_output : bool, default=False
        Only dense output is supported (True raises).

    Attributes
    ----------
    categories_ : list of ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str (when X has column names)

    Examples
    --------
    >>> from pyml.preprocessing import OneHotEncoder
    >>> OneHotEncoder().fit_transform([["M", "ASY"], ["F", "NAP"], ["M", "NAP"]]).tolist()
    [[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]]
    """

    def __init__(self, *, categories="auto", drop=None, handle_unknown="error", dtype=np.float64,
                 sparse_output=False):
        self.categories = categories
        self.drop = drop
        self.handle_unknown = handle_unknown
        self.dtype = dtype
        self.sparse_output = sparse_output

    def _check_params(self):
        owner = type(self).__name__
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(f"{owner}: handle_unknown={self.handle_unknown!r}; use 'error' or 'ignore'")
        if self.drop not in (None, "first", "if_binary"):
            raise ValueError(f"{owner}: drop={self.drop!r}; use None, 'first' or 'if_binary'")
        if not isinstance(self.sparse_output, (bool, np.bool_)):
            raise TypeError(f"{owner}: sparse_output must be True or False, got {self.sparse_output!r}")
        if self.sparse_output:
            raise ValueError(f"{owner}: sparse_output=True is not supported; pyml works on dense arrays")
        try:
            kind = np.dtype(self.dtype).kind
        except TypeError:
            kind = None
        if kind not in ("b", "i", "u", "f"):
            raise ValueError(f"{owner}: dtype={self.dtype!r} is not a numeric dtype; use e.g. np.float64 or "
                             f"np.int8")

    def fit(self, X, y=None):
        """Learn the categories of each column of X (n_samples, n_features); returns self."""
        self._check_params()
        owner = type(self).__name__
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        X = _as_2d_object_or_numeric(X, owner)
        d = X.shape[1]
        if self.categories == "auto":
            cats = [np.unique(X[:, j]) for j in range(d)]
        else:
            if len(self.categories) != d:
                raise ValueError(f"{owner}: categories has {len(self.categories)} entries for {d} columns")
            cats = [np.asarray(c) for c in self.categories]
            for j, c in enumerate(cats):
                unknown = ~np.isin(X[:, j], c)
                if unknown.any() and self.handle_unknown == "error":
                    raise ValueError(f"{owner}: Found unknown categories {np.unique(X[unknown, j])[:5].tolist()} "
                                     f"in column {j} during fit")
        self.categories_ = cats
        self.n_features_in_ = d
        self._drop_idx = [0 if (self.drop == "first" or (self.drop == "if_binary" and len(c) == 2)) else None
                          for c in cats]
        return self

    def transform(self, X):
        """One-hot matrix of X, shape (n_samples, sum of kept categories)."""
        check_is_fitted(self)
        owner = type(self).__name__
        X = _as_2d_object_or_numeric(X, owner)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {owner} is expecting {self.n_features_in_} "
                             "features as input")
        blocks = []
        for j, cats in enumerate(self.categories_):
            col = X[:, j]
            try:
                idx = np.searchsorted(cats, col)
            except TypeError:
                raise ValueError(f"{owner}: column {j} mixes types that cannot be compared with the fitted "
                                 "categories") from None
            idx_c = np.minimum(idx, len(cats) - 1)
            known = cats[idx_c] == col
            if not known.all() and self.handle_unknown == "error":
                raise ValueError(f"{owner}: Found unknown categories {np.unique(col[~known])[:5].tolist()} in "
                                 f"column {j} during transform; refit on data that contains them or use "
                                 "handle_unknown='ignore' (unknown rows become all zeros)")
            block = np.zeros((X.shape[0], len(cats)), dtype=self.dtype)
            rows = np.flatnonzero(known)
            block[rows, idx_c[rows]] = 1
            if self._drop_idx[j] is not None:
                block = np.delete(block, self._drop_idx[j], axis=1)
            blocks.append(block)
        return np.hstack(blocks) if blocks else np.zeros((X.shape[0], 0), self.dtype)

    def inverse_transform(self, X):
        """Categories back from a one-hot matrix (all-zero blocks give None)."""
        check_is_fitted(self)
        X = np.asarray(X)
        out = np.empty((X.shape[0], self.n_features_in_), dtype=object)
        pos = 0
        for j, cats in enumerate(self.categories_):
            drop = self._drop_idx[j]
            width = len(cats) - (drop is not None)
            block = X[:, pos:pos + width]
            pos += width
            kept = np.delete(cats, drop) if drop is not None else cats
            col = np.empty(X.shape[0], dtype=object)
            hot = block.max(axis=1) > 0 if width else np.zeros(X.shape[0], bool)
            col[hot] = kept[np.argmax(block[hot], axis=1)]
            col[~hot] = cats[drop] if drop is not None else None
            out[:, j] = col
        return out

    def get_feature_names_out(self, input_features=None):
        """Output names ``"<feature>_<category>"``."""
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = [f"x{j}" for j in range(self.n_features_in_)]
        names = []
        for j, cats in enumerate(self.categories_):
            for k, c in enumerate(cats):
                if self._drop_idx[j] == k:
                    continue
                names.append(f"{input_features[j]}_{c}")
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags
