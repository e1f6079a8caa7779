"""Cross-validation splitters and the course's train / cross-validation / test split."""
import numbers

import numpy as np

from pyml.utils.validation import legacy_random_state

__all__ = ["KFold", "StratifiedKFold", "train_cv_test_split", "check_cv"]


def _n_splits(n_splits, owner):
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 2:
        raise ValueError(f"{owner}: n_splits must be an integer >= 2, got {n_splits!r}")
    return int(n_splits)


class KFold:
    """K consecutive folds (shuffled first when ``shuffle``); each fold is the validation set once.

    Fold sizes differ by at most one: the first ``n % k`` folds get one extra
    sample. Indices are yielded sorted, and a shuffled split draws the same
    rows as scikit-learn's ``KFold`` for the same integer ``random_state``
    (None: NumPy's global seed).
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = _n_splits(n_splits, type(self).__name__)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: shuffle must be True or False, got {shuffle!r}")
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of (train, test) splits: ``n_splits``."""
        return self.n_splits

    def _test_folds(self, X, y):
        """Fold number of every sample."""
        n = len(X)
        if n < self.n_splits:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater than the number "
                             f"of samples: n_samples={n}.")
        idx = np.arange(n)
        if self.shuffle:
            legacy_random_state(self.random_state).shuffle(idx)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        folds = np.empty(n, dtype=np.intp)
        folds[idx] = np.repeat(np.arange(self.n_splits), sizes)
        return folds

    def split(self, X, y=None, groups=None):
        """Yield (train_indices, validation_indices), each sorted."""
        folds = self._test_folds(X, y)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)

    def __repr__(self):
        return (f"{type(self).__name__}(n_splits={self.n_splits}, shuffle={self.shuffle}, "
                f"random_state={self.random_state})")


class StratifiedKFold(KFold):
    """K folds that keep each class's proportion (scikit-learn's allocation and, for an integer
    ``random_state``, its draws): the sorted labels are dealt to the folds in turn, then each
    class's fold numbers are shuffled when ``shuffle``."""

    def _test_folds(self, X, y):
        if y is None:
            raise ValueError("StratifiedKFold.split needs y (the class labels)")
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"StratifiedKFold: y must be 1-D class labels, got shape {y.shape}")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError("StratifiedKFold: y contains NaN or infinity; class labels must be finite: "
                             "drop or impute those rows")
        n = len(y)
        if len(X) != n:
            raise ValueError(f"StratifiedKFold: X has {len(X)} samples but y has {n}")
        _, y_first, y_inv = np.unique(y, return_index=True, return_inverse=True)
        _, class_perm = np.unique(y_first, return_inverse=True)  # classes in order of first appearance
        y_encoded = class_perm[y_inv.reshape(-1)]
        n_classes = len(y_first)
        counts = np.bincount(y_encoded)
        if self.n_splits > counts.max():
            raise ValueError(f"n_splits={self.n_splits} cannot be greater than the number of members in each class")
        if counts.min() < self.n_splits:
            import warnings

            warnings.warn(f"StratifiedKFold: the least populated class in y has only {counts.min()} members, which "
                          f"is less than n_splits={self.n_splits}; some folds will miss that class", UserWarning,
                          stacklevel=3)
        y_order = np.sort(y_encoded)
        allocation = np.asarray([np.bincount(y_order[i::self.n_splits], minlength=n_classes)
                                 for i in range(self.n_splits)])
        rng = legacy_random_state(self.random_state) if self.shuffle else None
        folds = np.empty(n, dtype=np.intp)
        for k in range(n_classes):
            folds_for_class = np.arange(self.n_splits).repeat(allocation[:, k])
            if rng is not None:
                rng.shuffle(folds_for_class)
            folds[y_encoded == k] = folds_for_class
        return folds


def check_cv(cv=5, y=None, classifier=False):
    """A splitter from an int (StratifiedKFold for classifiers, else KFold) or a splitter/iterable."""
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        try:
            return StratifiedKFold(cv) if classifier and y is not None else KFold(cv)
        except ValueError as e:
            raise ValueError(f"cv={cv!r}: {e}") from None
    if isinstance(cv, (str, bytes, numbers.Number)) or not (hasattr(cv, "split") or hasattr(cv, "__iter__")):
        # (a str has a split method too: it is no splitter)
        raise ValueError(f"cv must be an integer >= 2, a splitter with a split method or an iterable of "
                         f"(train, test) index arrays, got {cv!r}")
    if hasattr(cv, "split"):
        return cv
    splits = list(cv)
    for s in splits:
        if not (isinstance(s, (tuple, list)) and len(s) == 2):
            raise ValueError(f"cv: an iterable cv must yield (train, test) index pairs, got {s!r}")
    return _Listed(splits)


class _Listed:
    def __init__(self, splits):
        self.splits = splits

    def get_n_splits(self, *args, **kwargs):
        """Number of (train, test) splits: ``n_splits``."""
        return len(self.splits)

    def split(self, X=None, y=None, groups=None):
        yield from self.splits


def train_cv_test_split(*arrays, train_size=0.6, cv_size=0.2, test_size=0.2, random_state=None, shuffle=True):
    """Split arrays into training, cross-validation and test parts (the course's 60/20/20).

    Done as the course's lab does it, with two :func:`train_test_split` calls
    and the same ``random_state``: first ``test_size=cv_size + test_size``,
    then the held-out rows split with ``test_size=test_size / (cv_size +
    test_size)``. For an integer seed the rows are the lab's (scikit-learn's).

    Returns
    -------
    list
        ``[a_train, a_cv, a_test, b_train, b_cv, b_test, ...]``.
    """
    from pyml.model_selection._split import train_test_split

    if not arrays:
        raise ValueError("train_cv_test_split needs at least one array")
    sizes = np.array([train_size, cv_size, test_size], dtype=float)
    if np.any(sizes <= 0) or not np.isclose(sizes.sum(), 1.0):
        raise ValueError(f"train_size, cv_size and test_size must be positive fractions summing to 1, got "
                         f"{sizes.tolist()}")
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"train_cv_test_split: inconsistent numbers of samples {[len(a) for a in arrays]}")
    held = cv_size + test_size
    n_held = int(np.ceil(held * n))
    if n - n_held < 1 or n_held < 2 or int(np.ceil(test_size / held * n_held)) >= n_held:
        raise ValueError(f"train_cv_test_split: {n} samples are too few for a {sizes.tolist()} split")
    first = train_test_split(*arrays, test_size=float(held), random_state=random_state, shuffle=shuffle)
    second = train_test_split(*first[1::2], test_size=float(test_size / held), random_state=random_state,
                              shuffle=shuffle)
    return [part for j in range(len(arrays)) for part in (first[2 * j], second[2 * j], second[2 * j + 1])]
