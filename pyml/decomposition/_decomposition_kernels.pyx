# Thin bindings over csrc/decomposition.{h,c}: typed memoryviews in, kernel
# called without the GIL, status turned into an exception. No arithmetic here.
from cython cimport floating

import numpy as np

from pyml.utils._kernel_support cimport pyml_index, raise_for_status

cdef extern from "decomposition.h" nogil:
    size_t pyml_pca_moments_workspace_size(pyml_index n, pyml_index d)
    size_t pyml_pca_covariance_workspace_size(pyml_index n, pyml_index d)
    size_t pyml_pca_gram_workspace_size(pyml_index n, pyml_index d)
    size_t pyml_pca_project_t_workspace_size(pyml_index n, pyml_index d, pyml_index k)

    int pyml_pca_moments_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, double *mean,
                             double *sq_dev, void *work, size_t work_bytes, int n_threads)
    int pyml_pca_moments_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, double *mean,
                             double *sq_dev, void *work, size_t work_bytes, int n_threads)
    int pyml_pca_covariance_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                                double *C, void *work, size_t work_bytes, int n_threads)
    int pyml_pca_covariance_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                                double *C, void *work, size_t work_bytes, int n_threads)
    int pyml_pca_gram_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                          double *G, void *work, size_t work_bytes, int n_threads)
    int pyml_pca_gram_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                          double *G, void *work, size_t work_bytes, int n_threads)
    int pyml_pca_project_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                             const float *Q, pyml_index k, float *out, int n_threads)
    int pyml_pca_project_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                             const double *Q, pyml_index k, double *out, int n_threads)
    int pyml_pca_project_t_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                               const float *P, pyml_index k, float *out, void *work, size_t work_bytes,
                               int n_threads)
    int pyml_pca_project_t_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                               const double *P, pyml_index k, double *out, void *work, size_t work_bytes,
                               int n_threads)


cdef _check_X(const floating[:, ::1] X, str where):
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{where}: X must have at least one row and one column")


cdef const double *_mean_ptr(const double[::1] mean, pyml_index d, str where) except? NULL:
    if mean is None:
        return NULL
    if mean.shape[0] != d:
        raise ValueError(f"{where}: mean has {mean.shape[0]} entries, X has {d} columns")
    return &mean[0]


def moments(const floating[:, ::1] X, int n_threads):
    """(column means (d,), centred column sums of squares (d,)), both float64."""
    _check_X(X, "pca moments")
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    mean_arr = np.empty(d, dtype=np.float64)
    sq_arr = np.empty(d, dtype=np.float64)
    work_arr = np.empty(pyml_pca_moments_workspace_size(n, d), dtype=np.uint8)
    cdef double[::1] mean = mean_arr
    cdef double[::1] sq = sq_arr
    cdef unsigned char[::1] work = work_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_pca_moments_f32(&X[0, 0], d, n, d, &mean[0], &sq[0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_pca_moments_f64(&X[0, 0], d, n, d, &mean[0], &sq[0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "pca moments")
    return mean_arr, sq_arr


def covariance(const floating[:, ::1] X, const double[::1] mean, int n_threads):
    """Centred scatter matrix (X - mean)^T (X - mean), float64 (d, d)."""
    _check_X(X, "pca covariance")
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    cdef const double *m = _mean_ptr(mean, d, "pca covariance")
    if m == NULL:
        raise ValueError("pca covariance: mean is required")
    C_arr = np.empty((d, d), dtype=np.float64)
    work_arr = np.empty(pyml_pca_covariance_workspace_size(n, d), dtype=np.uint8)
    cdef double[:, ::1] C = C_arr
    cdef unsigned char[::1] work = work_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_pca_covariance_f32(&X[0, 0], d, n, d, m, &C[0, 0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_pca_covariance_f64(&X[0, 0], d, n, d, m, &C[0, 0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "pca covariance")
    return C_arr


def gram(const floating[:, ::1] X, const double[::1] mean, int n_threads):
    """Centred Gram matrix (X - mean) (X - mean)^T, float64 (n, n)."""
    _check_X(X, "pca gram")
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    cdef const double *m = _mean_ptr(mean, d, "pca gram")
    if m == NULL:
        raise ValueError("pca gram: mean is required")
    G_arr = np.empty((n, n), dtype=np.float64)
    work_arr = np.empty(pyml_pca_gram_workspace_size(n, d), dtype=np.uint8)
    cdef double[:, ::1] G = G_arr
    cdef unsigned char[::1] work = work_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_pca_gram_f32(&X[0, 0], d, n, d, m, &G[0, 0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_pca_gram_f64(&X[0, 0], d, n, d, m, &G[0, 0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "pca gram")
    return G_arr


def project(const floating[:, ::1] X, const double[::1] mean, const floating[:, ::1] Q, int n_threads):
    """(X - mean) @ Q, shape (n, k), dtype of X; mean None means no centring."""
    _check_X(X, "pca project")
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = Q.shape[1]
    cdef const double *m = _mean_ptr(mean, d, "pca project")
    if Q.shape[0] != d or k < 1:
        raise ValueError(f"pca project: Q has shape ({Q.shape[0]}, {k}), expected ({d}, k >= 1)")
    out_arr = np.empty((n, k), dtype=np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] out = out_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_pca_project_f32(&X[0, 0], d, n, d, m, &Q[0, 0], k, &out[0, 0], n_threads)
        else:
            st = pyml_pca_project_f64(&X[0, 0], d, n, d, m, &Q[0, 0], k, &out[0, 0], n_threads)
    raise_for_status(st, "pca project")
    return out_arr


def project_t(const floating[:, ::1] X, const double[::1] mean, const floating[:, ::1] P, int n_threads):
    """(X - mean)^T @ P, shape (d, k), dtype of X; mean None means no centring."""
    _check_X(X, "pca project_t")
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = P.shape[1]
    cdef const double *m = _mean_ptr(mean, d, "pca project_t")
    if P.shape[0] != n or k < 1:
        raise ValueError(f"pca project_t: P has shape ({P.shape[0]}, {k}), expected ({n}, k >= 1)")
    out_arr = np.empty((d, k), dtype=np.float32 if floating is float else np.float64)
    work_arr = np.empty(pyml_pca_project_t_workspace_size(n, d, k), dtype=np.uint8)
    cdef floating[:, ::1] out = out_arr
    cdef unsigned char[::1] work = work_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_pca_project_t_f32(&X[0, 0], d, n, d, m, &P[0, 0], k, &out[0, 0], &work[0],
                                        work.shape[0], n_threads)
        else:
            st = pyml_pca_project_t_f64(&X[0, 0], d, n, d, m, &P[0, 0], k, &out[0, 0], &work[0],
                                        work.shape[0], n_threads)
    raise_for_status(st, "pca project_t")
    return out_arr
