"""Data preparation for the tree kernels: bin edges (hist splitter) and
per-feature sort orders and dense ranks (exact splitter).

hist: for a feature with at most ``max_bins`` distinct values the edges are the
midpoints ``u[k]/2 + u[k+1]/2`` between consecutive distinct values ``u`` (so a
histogram split is exactly a split between two observed values); otherwise
they are the ``max_bins - 1`` midpoint-interpolated quantiles of the column
(of a 200,000-row subsample for large data). The uint8 code of ``x`` is the
number of edges strictly below it, so ``x <= edges[b]`` iff ``code <= b``.

exact: each column is sorted once (a stable radix sort in C); the rows in
sorted order and their dense ranks are passed to the kernel with X, which
scans the sorted rows of a node and splits at ``a/2 + b/2`` between the
largest value a going left and the smallest value b going right
(scikit-learn's midpoint rule).
"""
import numpy as np

from pyml.tree import _tree_kernels as _k

__all__ = ["MAX_BINS", "check_max_bins", "prepare_hist", "prepare_exact", "bin_with"]

MAX_BINS = 255
_SUBSAMPLE = 200_000


def check_max_bins(max_bins, owner):
    """max_bins must be an int in [2, 255] (codes are uint8)."""
    if isinstance(max_bins, bool) or not isinstance(max_bins, (int, np.integer)):
        raise TypeError(f"{owner}: max_bins must be an int in [2, {MAX_BINS}], got {max_bins!r}")
    if not 2 <= max_bins <= MAX_BINS:
        raise ValueError(f"{owner}: max_bins={max_bins} is out of range: bins are stored as uint8 codes, "
                         f"so use 2 <= max_bins <= {MAX_BINS}")
    return int(max_bins)


def _midpoints(u):
    mid = u[:-1] / 2.0 + u[1:] / 2.0
    # scikit-learn's rule when the midpoint rounds up to the right value
    bad = (mid == u[1:]) | ~np.isfinite(mid)
    mid[bad] = u[:-1][bad]
    return mid


def midpoint_quantiles(sorted_col, q):
    """``np.percentile(col, 100 * q, method="midpoint")`` of an already sorted column, by indexing (NumPy
    would partition the column again): the mean of the two order statistics around ``(n-1)·q``, or the
    order statistic itself when ``(n-1)·q`` is an integer, with NumPy's interpolation arithmetic."""
    n = sorted_col.shape[0]
    h = 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q))
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    gamma = np.where(h % 1 == 0, 0.0, 0.5)
    a, b = sorted_col[lo], sorted_col[hi]
    diff = b - a
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)


def bin_edges(X, max_bins, seed=0):
    """(edges, edge_off, nbins) for every column of X (float64 edges)."""
    n, d = X.shape
    if n > _SUBSAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(n, _SUBSAMPLE, replace=False))
        Xs = X[rows]
    else:
        Xs = X
    # one contiguous float64 row per feature, sorted in place (faster than sorting down the columns of X)
    cols = np.array(Xs.T, dtype=np.float64, order="C")
    cols.sort(axis=1)
    new = np.empty(cols.shape, bool)
    new[:, 0] = True
    np.not_equal(cols[:, 1:], cols[:, :-1], out=new[:, 1:])
    n_distinct = new.sum(axis=1)
    q = np.true_divide(np.linspace(0, 100, max_bins + 1)[1:-1], 100)
    edges = []
    for j in range(d):
        if n_distinct[j] <= max_bins:
            e = _midpoints(cols[j][new[j]])
        else:
            e = np.unique(midpoint_quantiles(cols[j], q))
        edges.append(e)
    edge_off = np.zeros(d + 1, np.int64)
    edge_off[1:] = np.cumsum([e.shape[0] for e in edges])
    nbins = np.array([e.shape[0] + 1 for e in edges], np.int32)
    flat = np.concatenate(edges) if edge_off[-1] else np.zeros(0)
    return np.ascontiguousarray(flat, np.float64), edge_off, nbins


def bin_with(X, binning, n_threads):
    """uint8 codes of X with a fitted binning."""
    edges = binning["edges"] if binning["edges"].shape[0] else np.zeros(1)
    return _k.bin_data(X, edges, binning["edge_off"], n_threads)


def prepare_hist(X, max_bins, n_threads, seed=0, sample_weight=None):
    """Binning dict for the hist splitter (codes of X included). Edges come from the rows of positive
    weight only, so a row of weight 0 is the same as a row left out."""
    X_edges = X if sample_weight is None or np.all(sample_weight > 0) else X[sample_weight > 0]
    edges, edge_off, nbins = bin_edges(X_edges, max_bins, seed)
    binning = dict(edges=edges, edge_off=edge_off, nbins=nbins, nb_max=int(nbins.max()))
    codes = bin_with(X, binning, n_threads)
    if binning["edges"].shape[0] == 0:
        binning["edges"] = np.zeros(1)
    return binning, codes


def prepare_exact(X, n_threads=1):
    """(binning dict, sorted_rank (d, n) int32, sorted (d, n) int32) for the exact splitter.

    The binning only holds ``nbins`` (distinct values per column): thresholds are read from X."""
    srt, rank, n_uniq = _k.sort_columns(X, n_threads)
    binning = dict(edges=np.zeros(1), edge_off=np.zeros(X.shape[1] + 1, np.int64), nbins=n_uniq, nb_max=1)
    return binning, rank, srt
