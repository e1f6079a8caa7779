# Thin bindings over csrc/tree.{h,c}: typed memoryviews in, kernels called
# without the GIL, outputs and workspace allocated here with NumPy, status
# turned into an exception. No arithmetic here.
from cython cimport floating
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memset

import numpy as np

from pyml.utils.validation import check_allocation

from pyml.utils._kernel_support cimport (
    pyml_index, pyml_iteration_hook, iteration_hook, raise_for_status, finish_iterative,
    interrupt_guard_begin, interrupt_guard_end,
)

cdef extern from "tree.h" nogil:
    enum:
        PYML_CRIT_GINI
        PYML_CRIT_ENTROPY
        PYML_CRIT_MSE
        PYML_CRIT_NEWTON
        PYML_SPLIT_HIST
        PYML_SPLIT_EXACT
    ctypedef struct pyml_tree_arrays:
        int32_t *feature
        int32_t *split_bin
        double *threshold
        int32_t *left
        int32_t *right
        int32_t *n_samples
        double *weight
        double *impurity
        double *gain
        double *value
        pyml_index capacity
    ctypedef struct pyml_tree_params:
        int criterion
        int splitter
        int n_classes
        int max_depth
        int max_leaves
        int min_samples_split
        int min_samples_leaf
        double min_impurity_decrease
        double min_weight_fraction_leaf
        int max_features
        int exact_in_place
        int hist_slots
        double reg_lambda, gamma, min_child_weight, learning_rate
    ctypedef struct pyml_tree_data:
        pyml_index n, d
        const uint8_t *codes
        const uint8_t *codes_t
        const int32_t *nbins
        const double *edges
        const int64_t *edge_off
        int nb_max
        int32_t *sorted_rank
        int32_t *sorted
        const void *X
        pyml_index ldx
        int x_is_float32
    ctypedef struct pyml_gbt_params:
        int objective
        int n_outputs
        long n_rounds
        long early_stopping_rounds
        double subsample, colsample_bytree
        uint64_t seed

    size_t pyml_tree_workspace_size(const pyml_tree_params *p, pyml_index n, pyml_index d, int nb_max,
                                    pyml_index capacity, int n_threads)
    size_t pyml_tree_sort_workspace_size(pyml_index n, int n_threads)
    int pyml_tree_sort_columns_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, int32_t *sorted,
                                   int32_t *sorted_rank, int32_t *n_uniq, void *work, size_t work_size,
                                   int n_threads)
    int pyml_tree_sort_columns_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, int32_t *sorted,
                                   int32_t *sorted_rank, int32_t *n_uniq, void *work, size_t work_size,
                                   int n_threads)
    int pyml_tree_build(const pyml_tree_data *data, const pyml_tree_params *p, const int32_t *y_class,
                        const double *y, const double *sample_weight, int bootstrap, pyml_index n_draw,
                        const uint64_t *seeds, int n_trees, pyml_tree_arrays *out, int32_t *n_nodes,
                        void *work, size_t work_size_per_tree, int n_threads)
    int pyml_tree_bootstrap_counts(uint64_t seed, pyml_index n, pyml_index n_draw, int32_t *counts)
    int pyml_gbt_fit(const pyml_tree_data *data, const pyml_tree_params *tp, const pyml_gbt_params *gp,
                     const double *y, const double *sample_weight, double *raw, const uint8_t *eval_codes, pyml_index n_eval,
                     const double *eval_y, double *eval_raw, pyml_tree_arrays *out, int32_t *n_nodes,
                     double *train_loss, double *eval_loss, long *n_rounds_done, long *best_iteration,
                     void *work, size_t work_size, int n_threads, pyml_iteration_hook hook, void *hook_ctx)
    size_t pyml_gbt_workspace_size(const pyml_tree_params *p, const pyml_gbt_params *gp, pyml_index n,
                                   pyml_index d, int nb_max, pyml_index capacity, pyml_index n_eval,
                                   int n_threads)
    int pyml_tree_bin_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const double *edges,
                          const int64_t *edge_off, uint8_t *codes, int n_threads)
    int pyml_tree_bin_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *edges,
                          const int64_t *edge_off, uint8_t *codes, int n_threads)
    int pyml_tree_apply_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const int32_t *feature,
                            const double *threshold, const int32_t *left, const int32_t *right,
                            pyml_index n_nodes, int32_t *leaf, int n_threads)
    int pyml_tree_apply_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const int32_t *feature,
                            const double *threshold, const int32_t *left, const int32_t *right,
                            pyml_index n_nodes, int32_t *leaf, int n_threads)
    int pyml_tree_predict_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const int32_t *feature,
                              const double *threshold, const int32_t *left, const int32_t *right,
                              const double *value, int n_value, const int64_t *tree_off, const int32_t *tree_col,
                              int n_trees, double scale, double *out, int n_out, int n_threads)
    int pyml_tree_predict_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const int32_t *feature,
                              const double *threshold, const int32_t *left, const int32_t *right,
                              const double *value, int n_value, const int64_t *tree_off, const int32_t *tree_col,
                              int n_trees, double scale, double *out, int n_out, int n_threads)

CRITERIA = {"gini": PYML_CRIT_GINI, "entropy": PYML_CRIT_ENTROPY, "squared_error": PYML_CRIT_MSE,
            "newton": PYML_CRIT_NEWTON}
SPLITTERS = {"hist": PYML_SPLIT_HIST, "exact": PYML_SPLIT_EXACT}
NODE_FIELDS = ("feature", "split_bin", "threshold", "left", "right", "n_samples", "weight", "impurity", "gain")


def bin_data(const floating[:, ::1] X, const double[::1] edges, const int64_t[::1] edge_off, int n_threads):
    """uint8 codes (n, d): codes[i, j] = number of edges of feature j below X[i, j]."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    if edge_off.shape[0] != d + 1:
        raise ValueError("bin_data: edge_off must have n_features + 1 entries")
    codes_arr = np.empty((n, d), dtype=np.uint8)
    cdef uint8_t[:, ::1] codes = codes_arr
    cdef int st = 0
    cdef const double *ep = &edges[0] if edges.shape[0] > 0 else <const double *>&edge_off[0]
    if n == 0:
        return codes_arr
    with nogil:
        if floating is float:
            st = pyml_tree_bin_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, ep, &edge_off[0],
                                   &codes[0, 0], n_threads)
        else:
            st = pyml_tree_bin_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, ep, &edge_off[0],
                                   &codes[0, 0], n_threads)
    raise_for_status(st, "tree binning")
    return codes_arr


cdef void _fill_params(pyml_tree_params *p, dict prm):
    p.criterion = prm["criterion"]
    p.splitter = prm["splitter"]
    p.n_classes = prm["n_classes"]
    p.max_depth = prm["max_depth"]
    p.max_leaves = prm["max_leaves"]
    p.min_samples_split = prm["min_samples_split"]
    p.min_samples_leaf = prm["min_samples_leaf"]
    p.min_impurity_decrease = prm["min_impurity_decrease"]
    p.min_weight_fraction_leaf = prm.get("min_weight_fraction_leaf", 0.0)
    p.max_features = prm["max_features"]
    p.exact_in_place = prm.get("exact_in_place", 0)
    p.hist_slots = prm["hist_slots"]
    p.reg_lambda = prm.get("reg_lambda", 0.0)
    p.gamma = prm.get("gamma", 0.0)
    p.min_child_weight = prm.get("min_child_weight", 0.0)
    p.learning_rate = prm.get("learning_rate", 1.0)


cdef const double *_optional_f64(object arr, Py_ssize_t n, str what) except? NULL:
    """Pointer to a contiguous float64 vector of length n, or NULL for None. The caller keeps arr alive
    while the pointer is in use."""
    cdef const double[::1] v
    if arr is None:
        return NULL
    v = arr
    if v.shape[0] != n:
        raise ValueError(f"{what} has the wrong length ({v.shape[0]}, expected {n})")
    return &v[0] if n > 0 else NULL


cdef const int32_t *_optional_i32(object arr, Py_ssize_t n, str message) except? NULL:
    """Pointer to a contiguous int32 vector of length n (else ValueError(message)), or NULL for None. The
    caller keeps arr alive while the pointer is in use."""
    cdef const int32_t[::1] v
    if arr is None:
        return NULL
    v = arr
    if v.shape[0] != n:
        raise ValueError(message)
    return &v[0]


cdef dict _alloc_arrays(pyml_tree_arrays *a, Py_ssize_t n_trees, Py_ssize_t cap, int n_value):
    check_allocation(n_trees * cap * (5 * 4 + 4 * 8 + 8 * n_value), f"the node arrays of {n_trees} trees",
                     "lower n_estimators, max_depth or max_leaf_nodes")
    arrs = {
        "feature": np.empty((n_trees, cap), np.int32), "split_bin": np.empty((n_trees, cap), np.int32),
        "threshold": np.empty((n_trees, cap), np.float64), "left": np.empty((n_trees, cap), np.int32),
        "right": np.empty((n_trees, cap), np.int32), "n_samples": np.empty((n_trees, cap), np.int32),
        "weight": np.empty((n_trees, cap), np.float64), "impurity": np.empty((n_trees, cap), np.float64),
        "gain": np.empty((n_trees, cap), np.float64), "value": np.empty((n_trees, cap, n_value), np.float64),
    }
    cdef int32_t[:, ::1] fe = arrs["feature"], sb = arrs["split_bin"], le = arrs["left"], ri = arrs["right"]
    cdef int32_t[:, ::1] ns = arrs["n_samples"]
    cdef double[:, ::1] th = arrs["threshold"], we = arrs["weight"], im = arrs["impurity"], ga = arrs["gain"]
    cdef double[:, :, ::1] va = arrs["value"]
    a.feature = &fe[0, 0]
    a.split_bin = &sb[0, 0]
    a.threshold = &th[0, 0]
    a.left = &le[0, 0]
    a.right = &ri[0, 0]
    a.n_samples = &ns[0, 0]
    a.weight = &we[0, 0]
    a.impurity = &im[0, 0]
    a.gain = &ga[0, 0]
    a.value = &va[0, 0, 0]
    a.capacity = cap
    return arrs


def _unpack(dict arrs, n_nodes):
    """List of per-tree dicts of node arrays cut to their node counts."""
    trees = []
    for t, m in enumerate(n_nodes):
        m = int(m)
        tree = {k: np.ascontiguousarray(arrs[k][t, :m]) for k in NODE_FIELDS}
        tree["value"] = np.ascontiguousarray(arrs["value"][t, :m])
        trees.append(tree)
    return trees


cdef object _fill_data(pyml_tree_data *D, Py_ssize_t n, Py_ssize_t d, object codes, object ranks, object srt,
                     object X, const int32_t[::1] nbins, const double[::1] edges, const int64_t[::1] edge_off,
                     int nb_max):
    """Fills D (hist: codes; exact: the sorted lists, written in place by a single tree, and X for the
    thresholds). Returns the objects the caller keeps alive while the kernel runs."""
    cdef const uint8_t[:, ::1] cv, ctv
    cdef int32_t[:, ::1] rv, sv
    cdef const float[:, ::1] x32
    cdef const double[:, ::1] x64
    D.n = n
    D.d = d
    D.nbins = &nbins[0]
    D.edges = &edges[0]
    D.edge_off = &edge_off[0]
    D.nb_max = nb_max
    D.codes = NULL
    D.sorted_rank = NULL
    D.sorted = NULL
    D.codes_t = NULL
    D.X = NULL
    D.ldx = 0
    D.x_is_float32 = 0
    codes_t = None
    if codes is not None:
        cv = codes
        D.codes = &cv[0, 0]
        # column-major copy: partitions read one contiguous column per split
        codes_t = np.ascontiguousarray(np.asarray(codes).T)
        ctv = codes_t
        D.codes_t = &ctv[0, 0]
    if ranks is not None:
        rv = ranks
        sv = srt
        if rv.shape[0] != d or rv.shape[1] != n or sv.shape[0] != d or sv.shape[1] != n:
            raise ValueError("build_trees: sorted lists must have shape (n_features, n_samples)")
        D.sorted_rank = &rv[0, 0]
        D.sorted = &sv[0, 0]
        if X is None or X.shape[0] != n or X.shape[1] != d:
            raise ValueError("build_trees: the exact splitter needs X of shape (n_samples, n_features)")
        if X.dtype == np.float32:
            x32 = X
            D.X = &x32[0, 0]
            D.ldx = x32.strides[0] // sizeof(float)
            D.x_is_float32 = 1
        else:
            x64 = X
            D.X = &x64[0, 0]
            D.ldx = x64.strides[0] // sizeof(double)
    return codes_t


def build_trees(object codes, object ranks, object sorted_idx, const int32_t[::1] nbins, const double[::1] edges,
                const int64_t[::1] edge_off, int nb_max, dict prm, object y_class, object y, bint bootstrap,
                Py_ssize_t n_draw, const uint64_t[::1] seeds, Py_ssize_t capacity, int n_threads,
                object sample_weight=None, object X=None):
    """Grow len(seeds) trees; returns a list of per-tree dicts of node arrays."""
    cdef pyml_tree_params p
    cdef pyml_tree_data D
    cdef pyml_tree_arrays a
    _fill_params(&p, prm)
    cdef Py_ssize_t n, d
    if codes is not None:
        n, d = codes.shape[0], codes.shape[1]
    else:
        d, n = ranks.shape[0], ranks.shape[1]
    if nbins.shape[0] != d or edge_off.shape[0] != d + 1 or edges.shape[0] < 1:
        raise ValueError("build_trees: inconsistent binning arrays")
    keep = _fill_data(&D, n, d, codes, ranks, sorted_idx, X, nbins, edges, edge_off, nb_max)
    cdef int n_trees = seeds.shape[0]
    cdef int n_value = p.n_classes if p.criterion in (PYML_CRIT_GINI, PYML_CRIT_ENTROPY) else 1
    arrs = _alloc_arrays(&a, n_trees, capacity, n_value)
    n_nodes_arr = np.zeros(n_trees, np.int32)
    cdef int32_t[::1] n_nodes = n_nodes_arr
    cdef int slots = min(n_threads, n_trees) if n_trees > 1 else 1
    cdef size_t ws = pyml_tree_workspace_size(&p, n, d, nb_max, capacity, 1 if n_trees > 1 else n_threads)
    work_arr = np.empty(ws * slots, dtype=np.uint8)
    cdef uint8_t[::1] work = work_arr
    cdef const int32_t *ycp = _optional_i32(y_class, n, "build_trees: y has the wrong length")
    cdef const double *yp = _optional_f64(y, n, "build_trees: y")
    cdef const double *swp = _optional_f64(sample_weight, n, "build_trees: sample_weight")
    cdef int st
    interrupt_guard_begin()
    with nogil:
        st = pyml_tree_build(&D, &p, ycp, yp, swp, bootstrap, n_draw, &seeds[0], n_trees, &a, &n_nodes[0],
                             &work[0], ws, n_threads)
    interrupt_guard_end(st)
    raise_for_status(st, "tree building")
    return _unpack(arrs, n_nodes_arr)


def sort_columns(const floating[:, ::1] X, int n_threads):
    """Exact-splitter lists: (sorted (d, n) int32 rows in ascending order of each column (stable),
    sorted_rank (d, n) int32 dense ranks, n_uniq (d,) int32 distinct values per column)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    if n == 0 or d == 0:
        raise ValueError("sort_columns: X is empty")
    sorted_arr = np.empty((d, n), np.int32)
    rank_arr = np.empty((d, n), np.int32)
    nu_arr = np.empty(d, np.int32)
    cdef int32_t[:, ::1] so = sorted_arr, rk = rank_arr
    cdef int32_t[::1] nu = nu_arr
    cdef size_t ws = pyml_tree_sort_workspace_size(n, n_threads)
    work_arr = np.empty(ws, np.uint8)
    cdef uint8_t[::1] work = work_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_tree_sort_columns_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &so[0, 0], &rk[0, 0],
                                            &nu[0], &work[0], ws, n_threads)
        else:
            st = pyml_tree_sort_columns_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &so[0, 0], &rk[0, 0],
                                            &nu[0], &work[0], ws, n_threads)
    raise_for_status(st, "column sort")
    return sorted_arr, rank_arr, nu_arr


def bootstrap_counts(uint64_t seed, Py_ssize_t n, Py_ssize_t n_draw):
    """Bootstrap multiplicities a forest tree grown from ``seed`` used."""
    out = np.empty(n, np.int32)
    cdef int32_t[::1] o = out
    cdef int st
    with nogil:
        st = pyml_tree_bootstrap_counts(seed, n, n_draw, &o[0])
    raise_for_status(st, "bootstrap")
    return out


def gbt_fit(const uint8_t[:, ::1] codes, const int32_t[::1] nbins, const double[::1] edges,
            const int64_t[::1] edge_off, int nb_max, dict prm, int objective, int n_outputs, long n_rounds,
            long early_stopping_rounds, double subsample, double colsample_bytree, uint64_t seed,
            const double[::1] y, double[:, ::1] raw, object eval_codes, object eval_y, object eval_raw,
            Py_ssize_t capacity, int n_threads, object hook_state, object sample_weight=None):
    """Boosting loop in C; returns (trees, train_loss, eval_loss, n_rounds_done, best_iteration)."""
    cdef pyml_tree_params p
    cdef pyml_gbt_params gp
    cdef pyml_tree_data D
    cdef pyml_tree_arrays a
    _fill_params(&p, prm)
    cdef Py_ssize_t n = codes.shape[0], d = codes.shape[1]
    if y.shape[0] != n or raw.shape[0] != n or raw.shape[1] != n_outputs:
        raise ValueError("gbt_fit: inconsistent shapes")
    keep = _fill_data(&D, n, d, codes, None, None, None, nbins, edges, edge_off, nb_max)
    gp.objective = objective
    gp.n_outputs = n_outputs
    gp.n_rounds = n_rounds
    gp.early_stopping_rounds = early_stopping_rounds
    gp.subsample = subsample
    gp.colsample_bytree = colsample_bytree
    gp.seed = seed
    cdef Py_ssize_t n_trees = max(1, n_rounds * n_outputs)
    arrs = _alloc_arrays(&a, n_trees, capacity, 1)
    n_nodes_arr = np.zeros(n_trees, np.int32)
    cdef int32_t[::1] n_nodes = n_nodes_arr
    train_loss_arr = np.full(max(1, n_rounds), np.nan)
    eval_loss_arr = np.full(max(1, n_rounds), np.nan)
    cdef double[::1] tl = train_loss_arr, el = eval_loss_arr
    cdef const uint8_t[:, ::1] ec
    cdef const double[::1] ey
    cdef double[:, ::1] er
    cdef const uint8_t *ecp = NULL
    cdef const double *eyp = NULL
    cdef double *erp = NULL
    cdef Py_ssize_t n_eval = 0
    if eval_codes is not None:
        ec = eval_codes
        ey = eval_y
        er = eval_raw
        n_eval = ec.shape[0]
        if ec.shape[1] != d or ey.shape[0] != n_eval or er.shape[0] != n_eval or er.shape[1] != n_outputs:
            raise ValueError("gbt_fit: inconsistent eval_set shapes")
        if n_eval > 0:
            ecp = &ec[0, 0]
            eyp = &ey[0]
            erp = &er[0, 0]
    cdef const double *swp = _optional_f64(sample_weight, n, "gbt_fit: sample_weight")
    cdef size_t ws = pyml_gbt_workspace_size(&p, &gp, n, d, nb_max, capacity, n_eval, n_threads)
    work_arr = np.empty(ws, dtype=np.uint8)
    cdef uint8_t[::1] work = work_arr
    cdef long done = 0, best = 0
    cdef int st
    cdef void *ctx = <void *>hook_state
    hook_state.val_loss = eval_loss_arr
    with nogil:
        st = pyml_gbt_fit(&D, &p, &gp, &y[0], swp, &raw[0, 0], ecp, n_eval, eyp, erp, &a, &n_nodes[0], &tl[0], &el[0],
                          &done, &best, &work[0], ws, n_threads, iteration_hook, ctx)
    finish_iterative(st, hook_state, "gradient boosting")
    trees = _unpack(arrs, n_nodes_arr[:done * n_outputs])
    return trees, train_loss_arr[:done], eval_loss_arr[:done], int(done), int(best)


def apply(const floating[:, ::1] X, const int32_t[::1] feature, const double[::1] threshold,
          const int32_t[::1] left, const int32_t[::1] right, int n_threads):
    """Index of the leaf each row of X reaches."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], m = feature.shape[0]
    out = np.empty(n, np.int32)
    cdef int32_t[::1] o = out
    cdef int st
    if n == 0:
        return out
    if threshold.shape[0] != m or left.shape[0] != m or right.shape[0] != m:
        raise ValueError("apply: inconsistent tree arrays")
    with nogil:
        if floating is float:
            st = pyml_tree_apply_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &feature[0], &threshold[0],
                                     &left[0], &right[0], m, &o[0], n_threads)
        else:
            st = pyml_tree_apply_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &feature[0], &threshold[0],
                                     &left[0], &right[0], m, &o[0], n_threads)
    raise_for_status(st, "tree apply")
    return out


def predict(const floating[:, ::1] X, const int32_t[::1] feature, const double[::1] threshold,
            const int32_t[::1] left, const int32_t[::1] right, const double[:, ::1] value,
            const int64_t[::1] tree_off, object tree_col, double scale, object out_arr, int n_threads):
    """out += scale * sum over trees of the leaf values (tree_col: output column of 1-value trees)."""
    cdef double[:, ::1] out = out_arr
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    cdef int n_trees = tree_off.shape[0] - 1
    cdef const int32_t *tcp = _optional_i32(tree_col, n_trees, "predict: tree_col must have one entry per tree")
    if out.shape[0] != n:
        raise ValueError("predict: out has the wrong number of rows")
    cdef pyml_index n_nodes = feature.shape[0]
    if tree_off.shape[0] < 1:
        raise ValueError("predict: tree offsets are empty")
    if (threshold.shape[0] != n_nodes or left.shape[0] != n_nodes or right.shape[0] != n_nodes
            or value.shape[0] != n_nodes or tree_off[0] != 0 or tree_off[n_trees] != n_nodes):
        raise ValueError("predict: inconsistent tree arrays (feature, threshold, children, value and the tree "
                         "offsets must describe the same nodes)")
    cdef int st
    if n == 0 or n_trees == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_tree_predict_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &feature[0], &threshold[0],
                                       &left[0], &right[0], &value[0, 0], value.shape[1], &tree_off[0], tcp,
                                       n_trees, scale, &out[0, 0], out.shape[1], n_threads)
        else:
            st = pyml_tree_predict_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &feature[0], &threshold[0],
                                       &left[0], &right[0], &value[0, 0], value.shape[1], &tree_off[0], tcp,
                                       n_trees, scale, &out[0, 0], out.shape[1], n_threads)
    raise_for_status(st, "tree predict")
    return out_arr
