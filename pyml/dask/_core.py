"""Shared machinery of :mod:`pyml.dask`: input checks, fixed-order tree reductions, lazy block-wise methods.

Every data-parallel fit in this package follows one pattern per iteration:

1. one task per row block of X (running on the worker that holds the block)
   calls a pyml C kernel and returns small partial SUMS (a gradient, per-cluster
   sums and counts, moments);
2. the partials are combined by a binary tree whose shape depends only on the
   number of blocks, always left block before right block, so the result is the
   same whatever the number of workers or the order in which tasks finish
   (up to ``CLIENT_COMBINE_MAX_BLOCKS`` blocks the tree is evaluated on the
   client, saving a scheduler round trip per level; beyond, as cluster tasks);
3. the driver (the client) updates the parameters and starts the next round.

Only the partials (O(n_features) numbers per block) travel to the client.
"""
import numpy as np

from pyml.utils._threads import resolve_n_jobs, threads_for_work, usable_cpu_count

__all__ = ["ClusterError", "is_dask_collection", "check_row_chunked", "aligned_blocks", "tree_reduce", "compute",
           "persist_calls", "gather_items", "task_threads", "lazy_method"]


def _require_dask():
    try:
        import dask  # noqa: F401
        import dask.array  # noqa: F401
    except ImportError as exc:  # pragma: no cover - exercised only without dask
        raise ImportError("pyml.dask needs dask: pip install 'pyml[dask]' (or: pip install 'dask[distributed]')"
                          ) from exc


def is_dask_collection(x):
    """True for a dask array (the only Dask input pyml.dask accepts)."""
    try:
        import dask.array as da
    except ImportError:
        return False
    return isinstance(x, da.Array)


def check_row_chunked(X, caller, name="X"):
    """Reject what the per-block kernels cannot use: not 2-D, split along columns, unknown chunk sizes."""
    est = caller if isinstance(caller, str) else type(caller).__name__
    if X.ndim != 2:
        raise ValueError(f"{est}: {name} must be a 2-D dask array (n_samples, n_features), got {X.ndim} dimension(s)")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(f"{est}: {name} has unknown chunk sizes (from a dataframe?); call "
                         f"{name}.compute_chunk_sizes() first")
    if X.numblocks[1] != 1:
        raise ValueError(f"{est}: {name} is chunked along columns ({X.numblocks[1]} column blocks, chunks "
                         f"{X.chunks[1]}); pyml.dask needs every block to hold whole rows: pass "
                         f"{name}.rechunk({{1: -1}})")
    if X.shape[0] == 0:
        raise ValueError(f"{est}: {name} has 0 rows; at least 1 is required")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{est}: {name} must hold numbers, got dtype {X.dtype}")
    return X


def _float_dtype(X):
    return X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def aligned_vector(v, X, caller, name):
    """A 1-D dask array chunked exactly like the rows of X (numpy input is split to match)."""
    import dask.array as da

    est = type(caller).__name__
    if v is None:
        return None
    if not is_dask_collection(v):
        v = np.asarray(v)
        if v.ndim == 2 and v.shape[1] == 1:
            v = v.ravel()
        if v.ndim != 1 or v.shape[0] != X.shape[0]:
            raise ValueError(f"{est}: {name} must have shape ({X.shape[0]},) to match X, got {v.shape}")
        return da.from_array(v, chunks=(X.chunks[0],))
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"{est}: {name} must be 1-D (n_samples,), got shape {v.shape}")
    if v.shape[0] != X.shape[0]:
        raise ValueError(f"{est}: X has {X.shape[0]} rows but {name} has {v.shape[0]}")
    if v.chunks[0] != X.chunks[0]:
        raise ValueError(f"{est}: the row chunks of X {X.chunks[0]} and of {name} {v.chunks[0]} differ; every "
                         f"block of {name} must sit with its block of X: pass {name}.rechunk(X.chunks[0])")
    return v


def _row_blocks(a):
    """The row blocks of a: the distributed Futures of a persisted array (no graph to build each
    iteration), else Delayed objects."""
    keys = a.__dask_keys__()
    keys = list(keys) if a.ndim == 1 else [k[0] for k in keys]
    try:
        from distributed import futures_of

        futures = {f.key: f for f in futures_of(a)}
    except (ImportError, ValueError):
        futures = {}
    if futures and all(k in futures for k in keys):
        return [futures[k] for k in keys]
    d = a.to_delayed()
    return list(d.ravel()) if a.ndim == 1 else list(d[:, 0])


def aligned_blocks(*arrays):
    """Per row block, the tuple of matching blocks (Future or Delayed) of each array (None stays None)."""
    out = [None if a is None else _row_blocks(a) for a in arrays]
    n = len(out[0])
    return [tuple(None if blocks is None else blocks[i] for blocks in out) for i in range(n)]


class _Call:
    """``func(*args)`` to run on a worker: the block (a Future or Delayed) comes first in ``args``."""

    __slots__ = ("func", "args")

    def __init__(self, func, args):
        self.func, self.args = func, args

    def delayed(self):
        import dask

        return dask.delayed(self.func, pure=True)(*self.args)


def task(func):
    """``task(func)(block, *args)``: one per-block task for :func:`tree_reduce` / :func:`compute`."""
    return lambda *args: _Call(func, args)


def row_offsets(X):
    """First global row of every block."""
    return np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)


def _pairwise(parts, combine):
    """The fixed binary tree: neighbours (left first) combined level by level; an odd last one moves up."""
    parts = list(parts)
    while len(parts) > 1:
        nxt = [combine(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            nxt.append(parts[-1])
        parts = nxt
    return parts[0]


#: Up to this many blocks the partials are gathered and combined on the client (fewer scheduler
#: round trips); beyond it the combine tasks run on the cluster. Same tree, so the same numbers.
CLIENT_COMBINE_MAX_BLOCKS = 64


class _Reduction:
    """A fixed-order tree reduction of Delayed partials, ready for :func:`compute`."""

    def __init__(self, parts, combine):
        self.parts, self.combine = list(parts), combine


def tree_reduce(parts, combine):
    """Combine Delayed partials pairwise in a fixed binary tree (left block first).

    The tree depends only on the number of blocks, never on the workers or on
    the order tasks finish in, so results are reproducible. Pass the result to
    :func:`compute`.
    """
    import dask

    parts = list(parts)
    if len(parts) <= CLIENT_COMBINE_MAX_BLOCKS:
        return _Reduction(parts, combine)
    parts = [p.delayed() if isinstance(p, _Call) else p for p in parts]
    return _pairwise(parts, dask.delayed(combine, pure=True))


def sum_partials(a, b):
    """Elementwise sum of two tuples of partial sums (arrays or floats)."""
    return tuple(x + y for x, y in zip(a, b))


class ClusterError(RuntimeError):
    """A distributed pass was lost: a worker died for good, or the client was restarted mid-fit."""


def _lost_errors():
    try:
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError
    except ImportError:
        return ()
    import asyncio
    import concurrent.futures

    return (KilledWorker, FutureCancelledError, asyncio.CancelledError, concurrent.futures.CancelledError)


def _client_for(calls):
    """The distributed Client when every item is a _Call on Futures / plain values (the fast path), else None."""
    try:
        from distributed import Future, get_client
    except ImportError:
        return None
    if not calls or not all(isinstance(c, _Call) for c in calls):
        return None
    if any(is_dask_collection(a) or hasattr(a, "dask") for c in calls for a in c.args):
        return None  # Delayed blocks: a lazy X, computed through the graph
    if not any(isinstance(a, Future) for c in calls for a in c.args):
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _run(items):
    """Values of _Call / Delayed items: ``client.submit`` on the block Futures when possible (one
    scheduler message per task, no graph to build), else one ``dask.compute``."""
    import dask

    client = _client_for(items)
    if client is not None:
        futures = [client.submit(c.func, *c.args, pure=False) for c in items]
        try:
            return client.gather(futures)
        finally:
            for f in futures:
                f.release()
    return dask.compute(*[c.delayed() if isinstance(c, _Call) else c for c in items], optimize_graph=False)


def compute(*delayed):
    """dask.compute with the active scheduler (the distributed Client when one exists).

    A pass whose data or workers were lost (``client.restart()``, a worker
    killed repeatedly) raises :class:`ClusterError` naming the cause, instead
    of a bare CancelledError; a single lost worker is recovered by Dask itself
    (it recomputes the missing blocks from their graph).
    """
    flat, slots = [], []
    for d in delayed:  # one round of tasks for every partial of every reduction
        if isinstance(d, _Reduction):
            slots.append((len(flat), len(d.parts), d.combine))
            flat.extend(d.parts)
        else:
            slots.append((len(flat), None, None))
            flat.append(d)
    values = _as_cluster_error(_run, flat)
    return tuple(values[i] if n is None else _pairwise(values[i:i + n], combine) for i, n, combine in slots)


def _as_cluster_error(func, *args):
    """func(*args), a lost pass (restart, dead workers) raised as :class:`ClusterError`."""
    try:
        return func(*args)
    except _lost_errors() as exc:
        raise ClusterError(f"pyml.dask: a distributed pass failed because its data or workers were lost "
                           f"({type(exc).__name__}: {exc}); the cluster was restarted or workers died during "
                           f"the fit. Persist X again (X = X.persist()) and refit.") from exc


def _persist(calls):
    import dask

    return list(dask.persist(*[c.delayed() for c in calls], optimize_graph=False))


def persist_calls(calls):
    """Run per-block :func:`task` calls and keep their results where they were computed (the workers'
    memory under dask.distributed): handles that later tasks take as arguments, so per-row state
    (e.g. each row's distance to its nearest candidate) stays on the cluster between passes."""
    return _as_cluster_error(_persist, calls)


def _items(handles, i):
    import dask

    return list(dask.compute(*[h[i] for h in handles], optimize_graph=False))


def gather_items(handles, i):
    """Item ``i`` of every persisted result tuple, brought to the client (the rest stays put)."""
    return _as_cluster_error(_items, handles, i)


def _memory_budget():
    """Bytes the fit may pin in memory: half the workers' total memory limit, or a quarter of this machine's RAM."""
    try:
        from distributed import get_client

        info = get_client().scheduler_info()
        limits = [w.get("memory_limit") or 0 for w in info.get("workers", {}).values()]
        if limits and all(limits):
            return 0.5 * sum(limits)
    except (ImportError, ValueError):
        pass
    from pyml.utils.validation import physical_memory_bytes

    mem = physical_memory_bytes()
    return 0.25 * mem if mem else float("inf")


def persist_if_fits(*arrays):
    """Persist the arrays on the workers when they fit in half the cluster's memory, else keep them lazy.

    Iterative fits read X once per iteration: persisted blocks are read from
    the workers' memory; a larger-than-memory X (e.g. ``da.random`` chunks)
    stays lazy and every pass regenerates / reloads its blocks on the workers.
    """
    import dask

    present = [a for a in arrays if a is not None]
    if sum(a.nbytes for a in present) > _memory_budget():
        return arrays
    persisted = iter(dask.persist(*present))
    return tuple(None if a is None else next(persisted) for a in arrays)


def task_threads(n_jobs, n_items, min_items_per_thread):
    """Threads for a kernel inside a task, resolved on the worker that runs it.

    On a dask worker the cores are shared by its ``nthreads`` concurrent tasks
    (and the nanny sets OMP_NUM_THREADS=1 by default, which
    :func:`resolve_n_jobs` honours), so OpenMP inside Dask does not
    oversubscribe; the client's core count never leaks into the task.
    """
    n = resolve_n_jobs(n_jobs)
    try:
        from distributed import get_worker

        worker = get_worker()
        slots = getattr(getattr(worker, "state", None), "nthreads", None) or getattr(worker, "nthreads", 1)
        n = min(n, max(1, usable_cpu_count() // max(1, int(slots))))
    except (ImportError, ValueError, AttributeError):
        pass
    return threads_for_work(n, n_items, min_items_per_thread)


def as_block(Xb, dtype):
    """A block as the C-contiguous float array the kernels read."""
    return np.ascontiguousarray(Xb, dtype=dtype)


def _probe_output(method, X):
    """(ndim, trailing shape, dtype) of method's output, from one row of zeros (no data touched)."""
    probe = np.zeros((1, X.shape[1]), dtype=X.dtype)
    try:
        out = np.asarray(method(probe))
    except Exception:  # the estimator may reject zeros (categories, ...): use the first real row
        out = np.asarray(method(np.asarray(X[:1].compute())))
    return out.ndim, out.shape[1:], out.dtype


def _apply(Xb, method):
    return method(Xb)


def lazy_method(method, X, caller, name="X"):
    """``method`` (a bound method of a fitted estimator) applied block by block: a lazy dask array.

    The output keeps X's row chunks; its number of columns and dtype come
    from calling ``method`` on one row of zeros.
    """
    check_row_chunked(X, caller, name)
    ndim, tail, dtype = _probe_output(method, X)
    if ndim == 1:
        return X.map_blocks(_apply, method=method, drop_axis=1, dtype=dtype, chunks=(X.chunks[0],),
                            meta=np.empty((0,), dtype=dtype))
    if ndim == 2:
        return X.map_blocks(_apply, method=method, dtype=dtype, chunks=(X.chunks[0], tail),
                            meta=np.empty((0, 0), dtype=dtype))
    return X.map_blocks(_apply, method=method, dtype=dtype, drop_axis=1,
                        new_axis=list(range(1, ndim)), chunks=(X.chunks[0],) + tuple((t,) for t in tail))
