"""Cross-validation splitters and the course's train / cross-validation / test split."""
import numbers

import numpy as np

from pyml.utils.validation import check_random_state

__all__ = ["KFold", "StratifiedKFold", "train_cv_test_split", "check_cv"]


def _n_splits(n_splits, owner):
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 2:
        raise ValueError(f"{owner}: n_splits must be an integer >= 2, got {n_splits!r}")
    return int(n_splits)


class KFold:
    """K consecutive folds (shuffled first when ``shuffle``); each fold is the validation set once.

    Fold sizes differ by at most one: the first ``n % k`` folds get one extra sample.
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = _n_splits(n_splits, "KFold")
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of (train, test) splits: ``n_splits``."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield (train_indices, validation_indices)."""
        n = len(X)
        if n < self.n_splits:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater than the number "
                             f"of samples: n_samples={n}.")
        idx = np.arange(n)
        if self.shuffle:
            idx = check_random_state(self.random_state).permutation(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            val = idx[start:start + size]
            train = np.concatenate([idx[:start], idx[start + size:]])
            yield train, val
            start += size

    def __repr__(self):
        return f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle}, random_state={self.random_state})"


class StratifiedKFold(KFold):
    """K folds that keep each class's proportion: class members are dealt round-robin to the folds."""

    def split(self, X, y, groups=None):
        y = np.asarray(y)
        n = len(y)
        if len(X) != n:
            raise ValueError(f"StratifiedKFold: X has {len(X)} samples but y has {n}")
        classes, y_idx = np.unique(y, return_inverse=True)
        counts = np.bincount(y_idx)
        if self.n_splits > counts.max():
            raise ValueError(f"n_splits={self.n_splits} cannot be greater than the number of members in each class")
        rng = check_random_state(self.random_state) if self.shuffle else None
        fold_of = np.empty(n, dtype=np.intp)
        offset = 0
        for c in range(len(classes)):
            members = np.flatnonzero(y_idx == c)
            if rng is not None:
                members = rng.permutation(members)
            # continue the round-robin where the previous class stopped: balanced fold sizes
            fold_of[members] = (offset + np.arange(len(members))) % self.n_splits
            offset += len(members)
        for k in range(self.n_splits):
            yield np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)


def check_cv(cv=5, y=None, classifier=False):
    """A splitter from an int (StratifiedKFold for classifiers, else KFold) or a splitter/iterable."""
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        return StratifiedKFold(cv) if classifier and y is not None else KFold(cv)
    if hasattr(cv, "split"):
        return cv
    return _Listed(list(cv))


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

    The cross-validation and test parts get ``round(cv_size * n)`` and
    ``round(test_size * n)`` rows, training the rest.

    Returns
    -------
    list
        ``[a_train, a_cv, a_test, b_train, b_cv, b_test, ...]``.
    """
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
    n_cv, n_test = int(round(cv_size * n)), int(round(test_size * n))
    n_train = n - n_cv - n_test
    if min(n_train, n_cv, n_test) < 1:
        raise ValueError(f"train_cv_test_split: {n} samples are too few for a {sizes.tolist()} split")
    idx = check_random_state(random_state).permutation(n) if shuffle else np.arange(n)
    parts = (idx[:n_train], idx[n_train:n_train + n_cv], idx[n_train + n_cv:])
    return [a[p] for a in arrays for p in parts]
