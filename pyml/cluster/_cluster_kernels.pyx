# Thin bindings over csrc/cluster.{h,c}: typed memoryviews in, kernel called
# without the GIL, status turned into an exception. No arithmetic here.
from cython cimport floating
from libc.stdint cimport int32_t, int64_t

import numpy as np

from pyml.utils._kernel_support cimport (
    pyml_index, pyml_iteration_hook, iteration_hook, raise_for_status, finish_iterative,
    interrupt_guard_begin, interrupt_guard_end,
)

cdef extern from "cluster.h" nogil:
    size_t pyml_kmeans_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size,
                                      int algorithm)
    size_t pyml_kmeans_assign_workspace_size(pyml_index d, pyml_index k, size_t elem_size)
    size_t pyml_kmeans_centroids_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size)
    size_t pyml_kmeanspp_workspace_size(pyml_index n, pyml_index d, int n_trials, size_t elem_size)

    int pyml_kmeans_assign_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const float *C,
                               pyml_index k, int direct, int32_t *labels, float *min_dist, void *work,
                               size_t work_bytes, int n_threads)
    int pyml_kmeans_assign_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *C,
                               pyml_index k, int direct, int32_t *labels, double *min_dist, void *work,
                               size_t work_bytes, int n_threads)
    int pyml_kmeans_transform_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const float *C,
                                  pyml_index k, float *out, int n_threads)
    int pyml_kmeans_transform_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *C,
                                  pyml_index k, double *out, int n_threads)
    int pyml_kmeans_centroids_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d,
                                  const int32_t *labels, const float *sample_weight, pyml_index k,
                                  float *centers, double *weight_sums, void *work, size_t work_bytes,
                                  int n_threads)
    int pyml_kmeans_centroids_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d,
                                  const int32_t *labels, const double *sample_weight, pyml_index k,
                                  double *centers, double *weight_sums, void *work, size_t work_bytes,
                                  int n_threads)
    int pyml_kmeans_fit_f32(const float *X, pyml_index ldx, const float *sample_weight, pyml_index n,
                            pyml_index d, pyml_index k, float *centers, int algorithm, long max_iter,
                            double tol, int32_t *labels, double *inertia, long *n_iter, float *center_history,
                            void *work, size_t work_bytes, int n_threads, pyml_iteration_hook hook,
                            void *hook_ctx)
    int pyml_kmeans_fit_f64(const double *X, pyml_index ldx, const double *sample_weight, pyml_index n,
                            pyml_index d, pyml_index k, double *centers, int algorithm, long max_iter,
                            double tol, int32_t *labels, double *inertia, long *n_iter, double *center_history,
                            void *work, size_t work_bytes, int n_threads, pyml_iteration_hook hook,
                            void *hook_ctx)
    int pyml_kmeanspp_f32(const float *X, pyml_index ldx, const float *sample_weight, pyml_index n,
                          pyml_index d, pyml_index k, pyml_index first, const double *uniforms, int n_trials,
                          int64_t *indices, float *centers, void *work, size_t work_bytes, int n_threads)
    int pyml_kmeanspp_f64(const double *X, pyml_index ldx, const double *sample_weight, pyml_index n,
                          pyml_index d, pyml_index k, pyml_index first, const double *uniforms, int n_trials,
                          int64_t *indices, double *centers, void *work, size_t work_bytes, int n_threads)

ALGORITHM_LLOYD = 0
ALGORITHM_HAMERLY = 1


def assign(const floating[:, ::1] X, const floating[:, ::1] C, bint direct, int n_threads):
    """(labels int32 (n,), squared distance to the chosen centre (n,))."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = C.shape[0]
    dtype = np.float32 if floating is float else np.float64
    if C.shape[1] != d:
        raise ValueError("assign: centres and X have different numbers of features")
    labels_arr = np.empty(n, dtype=np.int32)
    dist_arr = np.empty(n, dtype=dtype)
    work_arr = np.empty(pyml_kmeans_assign_workspace_size(d, k, sizeof(floating)), dtype=np.uint8)
    cdef int32_t[::1] labels = labels_arr
    cdef floating[::1] dist = dist_arr
    cdef unsigned char[::1] work = work_arr
    cdef int st
    if n == 0:
        return labels_arr, dist_arr
    with nogil:
        if floating is float:
            st = pyml_kmeans_assign_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &C[0, 0], k, direct,
                                        &labels[0], &dist[0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_kmeans_assign_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &C[0, 0], k, direct,
                                        &labels[0], &dist[0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "k-means assignment")
    return labels_arr, dist_arr


def transform(const floating[:, ::1] X, const floating[:, ::1] C, int n_threads):
    """Euclidean distances (n, k) from every row to every centre."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = C.shape[0]
    if C.shape[1] != d:
        raise ValueError("transform: centres and X have different numbers of features")
    out_arr = np.empty((n, k), dtype=np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] out = out_arr
    cdef int st
    if n == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_kmeans_transform_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &C[0, 0], k,
                                           &out[0, 0], n_threads)
        else:
            st = pyml_kmeans_transform_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &C[0, 0], k,
                                           &out[0, 0], n_threads)
    raise_for_status(st, "k-means transform")
    return out_arr


def centroids(const floating[:, ::1] X, const int32_t[::1] labels, const floating[::1] sample_weight,
              floating[:, ::1] centers, int n_threads):
    """Weighted means by label written into ``centers`` (empty rows untouched); returns weight sums (k,)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = centers.shape[0]
    if labels.shape[0] != n or centers.shape[1] != d or (sample_weight is not None and sample_weight.shape[0] != n):
        raise ValueError("centroids: inconsistent shapes")
    wsum_arr = np.zeros(k, dtype=np.float64)
    work_arr = np.empty(pyml_kmeans_centroids_workspace_size(n, d, k, sizeof(floating)), dtype=np.uint8)
    cdef double[::1] wsum = wsum_arr
    cdef unsigned char[::1] work = work_arr
    cdef const floating *w = NULL
    cdef int st
    if sample_weight is not None and n > 0:
        w = &sample_weight[0]
    if n == 0:
        return wsum_arr
    with nogil:
        if floating is float:
            st = pyml_kmeans_centroids_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &labels[0], w, k,
                                           &centers[0, 0], &wsum[0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_kmeans_centroids_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &labels[0], w, k,
                                           &centers[0, 0], &wsum[0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "k-means centroid update")
    return wsum_arr


def fit(const floating[:, ::1] X, const floating[::1] sample_weight, floating[:, ::1] centers, int algorithm,
        long max_iter, double tol, bint record_history, int n_threads, object hook_state):
    """Whole k-means run in C; ``centers`` is updated in place.

    Returns (labels, inertia, n_iter, history (n_iter + 1, k, d) or None).
    """
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = centers.shape[0]
    dtype = np.float32 if floating is float else np.float64
    if centers.shape[1] != d or (sample_weight is not None and sample_weight.shape[0] != n):
        raise ValueError("k-means fit: inconsistent shapes")
    labels_arr = np.empty(n, dtype=np.int32)
    work_arr = np.empty(pyml_kmeans_workspace_size(n, d, k, sizeof(floating), algorithm), dtype=np.uint8)
    hist_arr = np.empty(((max_iter + 1) if record_history else 1, k, d), dtype=dtype)
    cdef int32_t[::1] labels = labels_arr
    cdef unsigned char[::1] work = work_arr
    cdef floating[:, :, ::1] hist = hist_arr
    cdef floating *hist_ptr = &hist[0, 0, 0] if record_history else NULL
    cdef const floating *w = NULL
    cdef double inertia = 0
    cdef long n_iter = 0
    cdef int st
    cdef void *ctx = <void *>hook_state
    if sample_weight is not None:
        w = &sample_weight[0]
    with nogil:
        if floating is float:
            st = pyml_kmeans_fit_f32(&X[0, 0], X.strides[0] // sizeof(float), w, n, d, k, &centers[0, 0],
                                     algorithm, max_iter, tol, &labels[0], &inertia, &n_iter, hist_ptr,
                                     &work[0], work.shape[0], n_threads, iteration_hook, ctx)
        else:
            st = pyml_kmeans_fit_f64(&X[0, 0], X.strides[0] // sizeof(double), w, n, d, k, &centers[0, 0],
                                     algorithm, max_iter, tol, &labels[0], &inertia, &n_iter, hist_ptr,
                                     &work[0], work.shape[0], n_threads, iteration_hook, ctx)
    finish_iterative(st, hook_state, "k-means")
    return labels_arr, float(inertia), int(n_iter), (hist_arr[:n_iter + 1] if record_history else None)


def kmeanspp(const floating[:, ::1] X, const floating[::1] sample_weight, pyml_index k, pyml_index first,
             const double[:, ::1] uniforms, int n_threads):
    """Greedy k-means++ seeding: (centres (k, d), row indices (k,)); uniforms is (k - 1, n_trials)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    cdef int n_trials = <int>uniforms.shape[1]
    if uniforms.shape[0] < k - 1 or (sample_weight is not None and sample_weight.shape[0] != n):
        raise ValueError("kmeanspp: inconsistent shapes")
    centers_arr = np.empty((k, d), dtype=np.float32 if floating is float else np.float64)
    idx_arr = np.empty(k, dtype=np.int64)
    work_arr = np.empty(pyml_kmeanspp_workspace_size(n, d, n_trials, sizeof(floating)), dtype=np.uint8)
    cdef floating[:, ::1] centers = centers_arr
    cdef int64_t[::1] idx = idx_arr
    cdef unsigned char[::1] work = work_arr
    cdef const floating *w = NULL
    cdef const double *u = &uniforms[0, 0] if uniforms.shape[0] > 0 else NULL
    cdef int st
    if sample_weight is not None:
        w = &sample_weight[0]
    interrupt_guard_begin()
    with nogil:
        if floating is float:
            st = pyml_kmeanspp_f32(&X[0, 0], X.strides[0] // sizeof(float), w, n, d, k, first, u, n_trials,
                                   &idx[0], &centers[0, 0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_kmeanspp_f64(&X[0, 0], X.strides[0] // sizeof(double), w, n, d, k, first, u, n_trials,
                                   &idx[0], &centers[0, 0], &work[0], work.shape[0], n_threads)
    interrupt_guard_end(st)
    raise_for_status(st, "k-means++")
    return centers_arr, idx_arr
