"""Keras's ``utils`` namespace: :func:`to_categorical`."""
import numbers

import numpy as np

from pyml.utils.validation import check_allocation

__all__ = ["to_categorical"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows: ``out[i, y[i]] = 1`` (Keras's ``to_categorical``), shape (n, num_classes).

    ``y`` holds integer class indices in ``[0, num_classes)``; ``num_classes``
    defaults to ``max(y) + 1``. ``dtype`` is any numeric NumPy dtype (float32 by default,
    as Keras); a ``num_classes`` whose one-hot matrix cannot fit in memory is a ValueError.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"to_categorical: y must be a vector of class indices, got shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not (np.issubdtype(y.dtype, np.floating) and np.isfinite(y).all() and (y == np.round(y)).all()):
            raise ValueError("to_categorical: y must hold integer class indices")
        y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: class indices must be >= 0, got {y.min()}")
    k = int(y.max()) + 1 if y.size else 0
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 1:
            raise ValueError(f"to_categorical: num_classes must be a positive integer, got {num_classes!r}")
        if k > num_classes:
            raise ValueError(f"to_categorical: y has class {k - 1} but num_classes={num_classes}")
        k = int(num_classes)
    try:
        out_dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to_categorical: dtype {dtype!r} is not a NumPy dtype; use e.g. 'float32' (the "
                        "default), 'float64' or 'int64'") from None
    if out_dtype.kind not in "biuf":
        raise TypeError(f"to_categorical: dtype must be a numeric dtype (bool, integer or float), got {dtype!r}")
    # a huge num_classes is a clear error here, not NumPy's "array is too big" / a MemoryError
    check_allocation(y.size * k * out_dtype.itemsize,
                     f"to_categorical: num_classes={k} ({y.size} rows x {k} columns of {out_dtype})",
                     "pass num_classes = the number of classes")
    out = np.zeros((y.size, k), dtype=out_dtype)
    out[np.arange(y.size), y] = 1
    return out
