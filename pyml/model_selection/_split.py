"""Train/test splitting."""
import numbers

import numpy as np

from pyml.utils.validation import legacy_random_state

__all__ = ["train_test_split"]


def _n_test(n, test_size, train_size):
    def count(size, name):
        if size is None:
            return None
        if isinstance(size, numbers.Integral) and not isinstance(size, bool):
            if not 0 < size < n:
                raise ValueError(f"{name}={size} must be between 1 and n_samples - 1 = {n - 1}")
            return int(size)
        if isinstance(size, numbers.Real) and 0.0 < size < 1.0:
            return size
        raise ValueError(f"{name} must be an int or a float in (0, 1), got {size!r}")

    test, train = count(test_size, "test_size"), count(train_size, "train_size")
    if test is None and train is None:
        test = 0.25
    if isinstance(test, float):
        test = int(np.ceil(test * n))
    if isinstance(train, float):
        train = int(np.floor(train * n))
    if test is None:
        test = n - train
    if train is None:
        train = n - test
    if train + test > n or train < 1 or test < 1:
        raise ValueError(f"train_size={train} and test_size={test} do not fit in {n} samples")
    return train, test


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True, stratify=None):
    """Split arrays into random train and test subsets (seeded, optionally stratified).

    Returns ``[a_train, a_test, b_train, b_test, ...]`` like scikit-learn.
    With ``stratify=y`` each class keeps its proportion in both parts.
    ``test_size`` rows = ceil(test_size · n) for a fraction. For an integer
    ``random_state`` (or None, NumPy's global seed) the rows are the ones
    scikit-learn's ``train_test_split`` picks: the same legacy ``RandomState``
    stream, permutation and stratified allocation, so the labs' splits
    reproduce.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"train_test_split: inconsistent numbers of samples {[len(a) for a in arrays]}")
    if n < 2:
        raise ValueError(f"train_test_split needs at least 2 samples, got {n}")
    n_train, n_test = _n_test(n, test_size, train_size)
    rng = legacy_random_state(random_state)
    if stratify is not None:
        if not shuffle:
            raise ValueError("stratified train/test split requires shuffle=True")
        stratify = np.asarray(stratify)
        if stratify.ndim != 1 or len(stratify) != n:
            raise ValueError(f"train_test_split: stratify has shape {stratify.shape} but the arrays have {n} "
                             "samples; pass the labels of the same rows (e.g. stratify=y)")
        train_idx, test_idx = _stratified_indices(stratify, n_train, n_test, rng)
    elif shuffle:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:n_test + n_train]
    else:
        train_idx, test_idx = np.arange(n_train), np.arange(n_train, n_train + n_test)
    out = []
    for a in arrays:
        out.extend([a[train_idx], a[test_idx]])
    return out


def _approximate_mode(class_counts, n_draws, rng):
    """Per-class counts summing to n_draws, closest to the class proportions; ties in the remainders
    broken at random (scikit-learn's ``_approximate_mode``, same draws)."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            floored[rng.choice(inds, size=add_now, replace=False)] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


def _stratified_indices(y, n_train, n_test, rng):
    """scikit-learn's StratifiedShuffleSplit: class counts by _approximate_mode, members permuted per class."""
    classes, y_idx = np.unique(y, return_inverse=True)
    counts = np.bincount(y_idx)
    if counts.min() < 2:
        raise ValueError("stratify: the least populated class has only 1 member; each class needs at least 2")
    if n_test < len(classes) or n_train < len(classes):
        raise ValueError(f"stratify: each part needs at least one sample per class ({len(classes)} classes)")
    class_indices = np.split(np.argsort(y_idx, kind="mergesort"), np.cumsum(counts)[:-1])
    n_i = _approximate_mode(counts, n_train, rng)
    t_i = _approximate_mode(counts - n_i, n_test, rng)
    train, test = [], []
    for c in range(len(classes)):
        members = class_indices[c].take(rng.permutation(counts[c]), mode="clip")
        train.extend(members[:n_i[c]])
        test.extend(members[n_i[c]:n_i[c] + t_i[c]])
    return rng.permutation(train), rng.permutation(test)
