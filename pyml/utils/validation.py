"""Input validation shared by every pyml estimator and function.

Everything is checked here, in Python, before any kernel runs: the kernels
receive C-contiguous float32/float64 arrays of consistent shapes without
NaN or infinity. Messages name the input, the caller and the fix.
"""
import numbers
import os
import sys
import warnings

import numpy as np

from pyml.exceptions import DataConversionWarning, NotFittedError, compatible_class

__all__ = [
    "check_array",
    "check_sample_weight",
    "check_X_y",
    "check_vector",
    "check_consistent_length",
    "check_is_fitted",
    "check_random_state",
    "check_scalar",
    "check_n_features",
    "check_classification_targets",
    "type_of_target",
    "as_float_array",
]

FLOAT_DTYPES = (np.float64, np.float32)


def _owner(caller):
    if caller is None:
        return ""
    name = caller if isinstance(caller, str) else type(caller).__name__
    return f"{name}: "


def _is_sparse(x):
    return hasattr(x, "tocsr") and hasattr(x, "nnz")


def _to_numpy(x, name, caller, dtype):
    if x is None:
        raise ValueError(
            f"{_owner(caller)}{name} is None: expected array-like (array or non-string sequence), got None"
        )
    if _is_sparse(x):
        raise TypeError(
            f"{_owner(caller)}{name} is a sparse matrix; pyml does not accept sparse input: "
            f"convert it with {name}.toarray()"
        )
    if isinstance(x, str):
        raise TypeError(f"{_owner(caller)}{name} is a string; expected array-like of numbers")
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged lists
        raise ValueError(f"{_owner(caller)}{name} could not be converted to an array: {exc}") from None
    if np.iscomplexobj(arr):
        raise ValueError(f"{_owner(caller)}Complex data not supported in {name}")
    if dtype is None:
        return arr
    if arr.dtype.kind in "OUSV":
        try:
            arr = arr.astype(np.float64)
        except (ValueError, TypeError) as exc:
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(
                f"{_owner(caller)}{name} has non-numeric values ({exc}); "
                "encode categorical columns first (e.g. one-hot)"
            ) from None
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"{_owner(caller)}{name} has unsupported dtype {arr.dtype}")
    return arr


def _target_dtype(arr, dtype):
    """float32 stays float32, everything else becomes float64 (unless fixed)."""
    if dtype == "numeric":
        if arr.dtype.kind == "f" and arr.dtype.itemsize in (4, 8):
            return np.dtype(f"float{8 * arr.dtype.itemsize}")   # native byte order, same precision
        return np.float64
    if isinstance(dtype, (tuple, list)):
        return arr.dtype if arr.dtype in dtype else dtype[0]
    return dtype


def _check_finite(arr, name, caller):
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    if np.isfinite(arr).all():
        return
    if np.isnan(arr).any():
        where = np.argwhere(np.isnan(arr))[0]
        pos = f" (first at index {tuple(int(i) for i in where)})"
        raise ValueError(
            f"{_owner(caller)}{name} contains NaN{pos}; missing values are not supported: impute or drop them"
        )
    where = np.argwhere(~np.isfinite(arr))[0]
    raise ValueError(
        f"{_owner(caller)}{name} contains infinity or a value too large for {arr.dtype} "
        f"(first at index {tuple(int(i) for i in where)})"
    )


def check_array(
    X,
    *,
    name="X",
    caller=None,
    dtype="numeric",
    ensure_2d=True,
    allow_1d=False,
    min_samples=1,
    min_features=1,
    ensure_finite=True,
    copy=False,
):
    """Validate an array and return it C-contiguous, float32 or float64.

    Parameters
    ----------
    X : array-like
    name : str
        Name used in error messages.
    caller : estimator or str, optional
        Named in error messages.
    dtype : "numeric", dtype or tuple of dtypes
        "numeric" keeps float32/float64 and converts anything else to float64.
    ensure_2d : bool
        Require a 2-D array (a 1-D one raises with a "Reshape your data" hint).
    allow_1d : bool
        With ensure_2d, accept 1-D input as one feature (n_samples, 1).
    min_samples, min_features : int
    ensure_finite : bool
        Reject NaN and infinity.
    copy : bool
        Always return a new array.
    """
    arr = _to_numpy(X, name, caller, dtype)
    if dtype is not None:
        arr = arr.astype(_target_dtype(arr, dtype), copy=False)
    if ensure_2d:
        if arr.ndim == 1 and allow_1d:
            arr = arr.reshape(-1, 1)
        elif arr.ndim == 0:
            raise ValueError(
                f"{_owner(caller)}Expected 2D array, got scalar array instead: {name}={arr!r}. "
                "Reshape your data either using array.reshape(-1, 1) if your data has a single feature "
                "or array.reshape(1, -1) if it contains a single sample."
            )
        elif arr.ndim == 1:
            raise ValueError(
                f"{_owner(caller)}Expected 2D array, got 1D array instead: {name} has shape {arr.shape}. "
                "Reshape your data either using array.reshape(-1, 1) if your data has a single feature "
                "or array.reshape(1, -1) if it contains a single sample."
            )
        elif arr.ndim > 2:
            raise ValueError(f"{_owner(caller)}Found array with dim {arr.ndim}: {name} must be 2-D")
    n_samples = arr.shape[0] if arr.ndim >= 1 else 1
    if n_samples < min_samples:
        raise ValueError(
            f"{_owner(caller)}Found array with {n_samples} sample(s) (shape={arr.shape}) while a minimum of "
            f"{min_samples} is required in {name}"
        )
    if ensure_2d and arr.shape[1] < min_features:
        raise ValueError(
            f"{_owner(caller)}Found array with {arr.shape[1]} feature(s) (shape={arr.shape}) while a minimum "
            f"of {min_features} is required in {name}"
        )
    if ensure_finite:
        _check_finite(arr, name, caller)
    if copy:
        return np.array(arr, order="C", copy=True)
    return np.ascontiguousarray(arr)


def check_vector(y, *, name="y", caller=None, dtype="numeric", ensure_finite=True, warn_column=True):
    """Validate a 1-D vector; a column vector (n, 1) is flattened with a DataConversionWarning."""
    if y is None:
        raise ValueError(
            f"{_owner(caller)}requires y to be passed, but the target y is None"
        )
    arr = _to_numpy(y, name, caller, dtype)
    if dtype is not None:
        arr = arr.astype(_target_dtype(arr, dtype), copy=False)
    if arr.ndim == 2 and arr.shape[1] == 1:
        if warn_column:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples, ), for example using ravel().",
                compatible_class(DataConversionWarning),
                stacklevel=3,
            )
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{_owner(caller)}{name} should be a 1d array, got an array of shape {arr.shape} instead")
    if ensure_finite:
        _check_finite(arr, name, caller)
    return np.ascontiguousarray(arr)


def check_sample_weight(sample_weight, n, dtype=np.float64, caller=None):
    """Sample weights as a contiguous non-negative finite vector of length n (a scalar is broadcast), or None
    for unit weights; at least one weight must be positive."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n, sample_weight, dtype=dtype)
    w = check_vector(sample_weight, name="sample_weight", caller=caller, dtype=dtype)
    if w.shape[0] != n:
        raise ValueError(f"{_owner(caller)}sample_weight has {w.shape[0]} entries but X has {n} rows")
    if np.any(w < 0):
        raise ValueError(f"{_owner(caller)}sample_weight must be non-negative")
    if not np.any(w > 0):
        raise ValueError(f"{_owner(caller)}sample_weight are all zero: at least one sample needs a positive weight")
    return np.ascontiguousarray(w, dtype=dtype)


def check_consistent_length(*arrays, names=None, caller=None):
    """All arrays have the same number of samples."""
    lengths = [len(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        label = ", ".join(names) if names else "inputs"
        raise ValueError(
            f"{_owner(caller)}Found input variables with inconsistent numbers of samples: {lengths} ({label})"
        )


def check_X_y(X, y, *, caller=None, dtype="numeric", y_numeric=True, allow_1d=False, min_samples=1):
    """Validate X (2-D) and y (1-D) together; y is cast to X's dtype when numeric."""
    if y is None:
        raise ValueError(f"{_owner(caller)}requires y to be passed, but the target y is None")
    X = check_array(X, caller=caller, dtype=dtype, allow_1d=allow_1d, min_samples=min_samples)
    y = check_vector(y, caller=caller, dtype=X.dtype if y_numeric else None, ensure_finite=y_numeric)
    if not y_numeric:
        if y.dtype.kind == "f":
            _check_finite(y, "y", caller)
        elif y.dtype.kind == "O":
            if any(v is None for v in y):
                raise ValueError(f"{_owner(caller)}y contains None; every sample needs a label")
    check_consistent_length(X, y, names=("X", "y"), caller=caller)
    return X, y


def check_n_features(estimator, X):
    """X has as many columns as the data the estimator was fitted on."""
    n = X.shape[1]
    expected = estimator.n_features_in_
    if n != expected:
        raise ValueError(
            f"X has {n} features, but {type(estimator).__name__} is expecting {expected} features as input"
        )


def check_is_fitted(estimator, attributes=None):
    """Raise NotFittedError unless ``fit`` has been called."""
    if attributes is None:
        fitted = getattr(estimator, "__sklearn_is_fitted__", None)
        ok = fitted() if fitted is not None else any(
            k.endswith("_") and not k.startswith("__") for k in vars(estimator)
        )
    else:
        attributes = [attributes] if isinstance(attributes, str) else attributes
        ok = all(hasattr(estimator, a) for a in attributes)
    if not ok:
        raise compatible_class(NotFittedError)(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with appropriate "
            "arguments before using this estimator."
        )


def check_random_state(seed):
    """A numpy Generator from None, an int, a Generator or a RandomState's seed sequence.

    None seeds a fresh Generator from NumPy's global ``RandomState``, so
    ``np.random.seed(n)`` makes unseeded pyml models repeatable (as
    scikit-learn's are, and as the labs expect).
    """
    if seed is None:
        return np.random.default_rng(np.random.mtrand._rand.randint(0, 2**31 - 1))
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**31 - 1))
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {seed!r}")


def legacy_random_state(seed, caller=None):
    """The generator scikit-learn's seeded helpers use, so pyml's give the same rows for the same seed.

    None → NumPy's global ``RandomState`` (so ``np.random.seed(n)`` makes an
    unseeded call repeatable, as the labs expect); an int → ``RandomState(int)``;
    a ``RandomState`` or ``Generator`` is used as given.
    """
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if not 0 <= seed < 2**32:
            raise ValueError(f"{_owner(caller)}random_state must be an integer in [0, 2**32), got {seed}")
        return np.random.RandomState(int(seed))
    raise ValueError(f"{_owner(caller)}random_state must be None, an int, a numpy RandomState or Generator, "
                     f"got {seed!r}")


def check_scalar(value, name, target_type, *, min_val=None, max_val=None, include_min=True,
                 include_max=True, caller=None):
    """Validate a hyper-parameter's type and range."""
    if isinstance(value, bool) and target_type is not bool and bool not in np.atleast_1d(target_type):
        raise TypeError(f"{_owner(caller)}{name} must be {target_type}, got bool {value!r}")
    if not isinstance(value, target_type):
        raise TypeError(f"{_owner(caller)}{name} must be an instance of {target_type}, got {type(value).__name__}")
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{_owner(caller)}{name} must be finite, got {value}")
    if min_val is not None and (value < min_val or (not include_min and value == min_val)):
        op = ">=" if include_min else ">"
        raise ValueError(f"{_owner(caller)}{name} == {value}, must be {op} {min_val}")
    if max_val is not None and (value > max_val or (not include_max and value == max_val)):
        op = "<=" if include_max else "<"
        raise ValueError(f"{_owner(caller)}{name} == {value}, must be {op} {max_val}")
    return value


def type_of_target(y):
    """'binary', 'multiclass', 'continuous' or 'unknown' for a 1-D label array."""
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        return "unknown"
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or np.any(y != np.round(y)):
            return "continuous"
    elif y.dtype.kind not in "iubOUS":
        return "unknown"
    n_classes = len(np.unique(y))
    return "binary" if n_classes <= 2 else "multiclass"


def check_classification_targets(y, caller=None):
    """y must hold discrete labels (not continuous values)."""
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"{_owner(caller)}Unknown label type: {kind!r}. Classification needs discrete labels; "
            "use a regressor for continuous targets"
        )


def as_float_array(x, dtype=np.float64):
    """Contiguous float copy-free view when possible."""
    return np.ascontiguousarray(x, dtype=dtype)


def physical_memory_bytes():
    """Total physical memory of the machine in bytes (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_allocation(n_bytes, what, fix):
    """Raise a clear ValueError before allocating more than the machine's physical memory
    (instead of a MemoryError from deep inside NumPy, or swapping for minutes)."""
    total = physical_memory_bytes()
    if total is not None and n_bytes > total:
        raise ValueError(f"{what} would need {n_bytes / 2**30:,.1f} GiB, more than this machine's "
                         f"{total / 2**30:,.1f} GiB of memory; {fix}")


def cast_checked(arr, dtype, name="X", caller=None):
    """``arr`` as a C-contiguous ``dtype`` array; a cast that overflows (1e300 into float32) is an error."""
    out = np.ascontiguousarray(arr, dtype=dtype)
    if out.dtype.kind == "f" and arr.dtype.kind == "f" and out.dtype.itemsize < arr.dtype.itemsize:
        if not np.isfinite(out).all():
            raise ValueError(f"{_owner(caller)}{name} has values too large for {out.dtype} (|x| > "
                             f"{np.finfo(out.dtype).max:.3g}); rescale {name} or use a float64 model")
    return out
