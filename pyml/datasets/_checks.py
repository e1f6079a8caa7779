"""Parameter checks shared by the loaders and generators: every bad value is a ValueError / TypeError naming
the parameter (as the user typed it) and the fix, raised before anything is drawn or allocated."""
import numbers

import numpy as np

from pyml.utils.validation import check_allocation, check_random_state

__all__ = ["flag", "count", "real", "real_array", "seed_generator", "check_bytes"]


def _who(caller):
    return f"{caller}: " if caller else ""


def flag(value, name, caller):
    """A boolean switch (return_X_y, shuffle): True or False only, as scikit-learn's loaders require."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{_who(caller)}{name} must be True or False, got {value!r}")
    return bool(value)


def count(value, name, caller, minimum=1):
    """A whole number >= ``minimum`` (n_samples, n_features, n_users, ...); bools and floats are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_who(caller)}{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{_who(caller)}{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def real(value, name, caller, low=None, high=None, include_low=True, include_high=True):
    """A finite real number in the given range (noise, density, anomaly_fraction, ...)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_who(caller)}{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{_who(caller)}{name} must be finite, got {value}")
    lo_ok = low is None or value > low or (include_low and value == low)
    hi_ok = high is None or value < high or (include_high and value == high)
    if not (lo_ok and hi_ok):
        left = "[" if include_low and low is not None else "("
        right = "]" if include_high and high is not None else ")"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{_who(caller)}{name} must be in {interval}, got {value}")
    return value


def real_array(value, name, caller, what):
    """A float64 array of finite reals (centers, cluster_std); ``what`` describes the expected value."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{_who(caller)}{name} must be {what}, got {value!r}")
    try:
        arr = np.asarray(value)  # ragged nested lists: ValueError
        if arr.dtype.kind not in "biufO":  # strings, complex (its imaginary part would be dropped), dates
            raise TypeError(arr.dtype)
        arr = arr.astype(np.float64)  # objects that are not numbers: TypeError / ValueError
    except (TypeError, ValueError):
        raise TypeError(f"{_who(caller)}{name} must be {what}, got {value!r}") from None
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
        raise ValueError(f"{_who(caller)}{name} must be finite, got {arr[bad]} at index {bad}")
    return arr


def seed_generator(seed, name, caller):
    """``check_random_state(seed)``, with the message naming the caller's parameter (``seed`` in the labs'
    generators) instead of ``random_state``."""
    try:
        return check_random_state(seed)
    except (TypeError, ValueError):
        raise ValueError(f"{_who(caller)}{name} must be None, a non-negative int or a numpy Generator, "
                         f"got {seed!r}") from None


def check_bytes(n_bytes, what, fix, caller):
    """A clear ValueError naming the size parameters when the output would not fit in memory (instead of
    NumPy's "array is too big" / "Maximum allowed dimension exceeded", or minutes of swapping)."""
    check_allocation(int(n_bytes), f"{_who(caller)}{what}", fix)
