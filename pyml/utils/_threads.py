"""Thread-count resolution: decided once in Python, passed down to the kernels.

Rules (scikit-learn's, applied to OpenMP kernels):

* ``n_jobs=None`` or ``-1``: all usable cores;
* ``n_jobs=-k`` (k > 1): all usable cores but k - 1;
* ``n_jobs=k`` (k >= 1): k threads.

"Usable cores" is the smallest of the CPU affinity mask, the cgroup CPU quota
(containers) and ``OMP_NUM_THREADS`` when set. Kernels never pick their own
parallelism; :func:`threads_for_work` drops to fewer threads when there is
too little work to share.

Fork safety: GNU OpenMP's thread pool does not survive ``fork()``; a child
that starts a parallel region after its parent ran one waits for ever on
threads that were not copied. Once a pyml kernel may have run with several
threads, a forked child (``os.fork``, multiprocessing's "fork" start method)
therefore runs every kernel with one thread and says so once with a
:class:`ForkedChildWarning`; results are unchanged (they never depend on the
thread count). Use the "spawn" or "forkserver" start method to keep all
cores in child processes.
"""
import math
import os
import warnings
from functools import lru_cache

__all__ = ["ForkedChildWarning", "usable_cpu_count", "resolve_n_jobs", "threads_for_work"]


MAX_THREADS = 4096


class ForkedChildWarning(RuntimeWarning):
    """pyml runs single-threaded in a child forked after a multi-threaded kernel."""


# _pool_maybe_started: this process may have started the OpenMP pool (a thread
# count > 1 was handed out). _single_threaded_child: we are a forked child of
# such a process (set by the at-fork hook), so every count is 1.
_state = {"pool_maybe_started": False, "single_threaded_child": False, "warned": False}


def _after_fork_in_child():
    if _state["pool_maybe_started"]:
        _state["single_threaded_child"] = True
        _state["warned"] = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _fork_capped(n_threads):
    """``n_threads``, or 1 in a forked child of a multi-threaded parent (warned once)."""
    if n_threads <= 1:
        return n_threads
    if _state["single_threaded_child"]:
        if not _state["warned"]:
            _state["warned"] = True
            warnings.warn("pyml: this process was forked after pyml ran multi-threaded kernels; OpenMP cannot "
                          "start threads again after fork, so pyml runs single-threaded here (same results). "
                          "Use multiprocessing.get_context('spawn') or 'forkserver' to keep all cores.",
                          ForkedChildWarning, stacklevel=3)
        return 1
    _state["pool_maybe_started"] = True
    return n_threads


def _cgroup_cpu_quota():
    """CPU limit from cgroup v2 (cpu.max) or v1 (cfs quota/period), or None."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as fh:
            quota = int(fh.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as fh:
            period = int(fh.read())
        if quota > 0 and period > 0:
            return max(1, math.ceil(quota / period))
    except (OSError, ValueError):
        pass
    return None


@lru_cache(maxsize=1)
def _hardware_cpu_count():
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        count = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    return max(1, min(count, quota) if quota else count)


def usable_cpu_count():
    """Cores this process may use: affinity, cgroup quota and OMP_NUM_THREADS."""
    count = _hardware_cpu_count()
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        count = min(count, int(env))
    return count


def resolve_n_jobs(n_jobs=None):
    """Number of threads for ``n_jobs`` (see the module docstring).

    Raises
    ------
    ValueError
        If ``n_jobs`` is 0 or not an integer.
    """
    if n_jobs is None:
        return _fork_capped(usable_cpu_count())
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int,)) and not hasattr(n_jobs, "__index__"):
        raise ValueError(f"n_jobs must be an integer or None, got {n_jobs!r}")
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning: use None or -1 for all cores, or a positive count")
    if n_jobs > MAX_THREADS:
        raise ValueError(f"n_jobs={n_jobs} is more threads than pyml runs (at most {MAX_THREADS}; this machine has "
                         f"{usable_cpu_count()} usable cores): use n_jobs=-1 for all cores")
    if n_jobs < 0:
        return _fork_capped(max(1, usable_cpu_count() + 1 + n_jobs))
    return _fork_capped(n_jobs)


def threads_for_work(n_threads, n_items, min_items_per_thread=4096):
    """Cap ``n_threads`` so that each thread gets at least ``min_items_per_thread`` items."""
    by_work = max(1, int(n_items) // int(min_items_per_thread))
    return _fork_capped(max(1, min(int(n_threads), by_work)))


def joblib_backend_active(processes_only=False):
    """True inside a ``joblib.parallel_backend(...)`` / ``parallel_config(backend=...)`` context.

    ``processes_only``: False as well for a thread-based backend (for work that
    OpenMP already spreads over this process's cores better than Python
    threads would). False when joblib is not installed (it stays optional).
    """
    try:
        from joblib import parallel
    except ImportError:
        return False
    backend, n_jobs = parallel.get_active_backend()
    if processes_only and getattr(backend, "uses_threads", False):
        return False
    default = parallel.BACKENDS.get(parallel.DEFAULT_BACKEND)
    return n_jobs is not None or (default is not None and type(backend) is not default)


def joblib_map(func, tasks, n_jobs=None):
    """``[func(*t) for t in tasks]``, through ``joblib.Parallel`` when ``n_jobs`` asks for it.

    Used for independent fits (grid-search candidates x folds, forest trees):
    each task carries its own seed, so the results are the same, in the same
    order, whatever the backend. ``n_jobs=None`` runs sequentially in this
    process, except inside a joblib backend context, where (joblib's
    convention) the context decides: ``with joblib.parallel_backend("dask"):``
    sends the tasks to a Dask cluster. Without joblib everything runs
    sequentially.
    """
    tasks = list(tasks)
    if n_jobs == 1 or (n_jobs is None and not joblib_backend_active()):
        return [func(*t) for t in tasks]
    try:
        import joblib
    except ImportError:
        return [func(*t) for t in tasks]
    return joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(func)(*t) for t in tasks)
