"""Utilities shared by every pyml family: validation, threads, callbacks."""
from pyml.utils._threads import resolve_n_jobs, threads_for_work, usable_cpu_count
from pyml.utils.callbacks import Callback, CallbackList, EarlyStopping, History, ProgressLogger
from pyml.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    check_random_state,
    check_scalar,
    check_X_y,
)

__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "ProgressLogger",
    "check_array",
    "check_consistent_length",
    "check_is_fitted",
    "check_random_state",
    "check_scalar",
    "check_X_y",
    "resolve_n_jobs",
    "threads_for_work",
    "usable_cpu_count",
]
