# Thin bindings over csrc/anomaly.{h,c}: typed memoryviews in, kernel called
# without the GIL, status turned into an exception. No arithmetic here.
from cython cimport floating
from libc.stdint cimport uint8_t

import numpy as np

from pyml.utils._kernel_support cimport pyml_index, raise_for_status

cdef extern from "anomaly.h" nogil:
    size_t pyml_gauss_fit_workspace_size(pyml_index n, pyml_index d)
    size_t pyml_gauss_full_workspace_size(pyml_index n, pyml_index d)
    int pyml_gauss_fit_diag_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, float *mean,
                                float *var, double *work, size_t work_size, int n_threads)
    int pyml_gauss_fit_diag_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, double *mean,
                                double *var, double *work, size_t work_size, int n_threads)
    int pyml_gauss_logpdf_diag_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const float *mean,
                                   const float *inv_var, double log_norm, float *out, int n_threads)
    int pyml_gauss_logpdf_diag_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                                   const double *inv_var, double log_norm, double *out, int n_threads)
    int pyml_gauss_logpdf_full_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const float *mean,
                                   const float *L, double log_norm, float *out, double *work, size_t work_size,
                                   int n_threads)
    int pyml_gauss_logpdf_full_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *mean,
                                   const double *L, double log_norm, double *out, double *work, size_t work_size,
                                   int n_threads)
    int pyml_f1_grid_scan(const double *p_sorted, const uint8_t *y_sorted, pyml_index n, const double *grid,
                          pyml_index g, double *f1_out, pyml_index *best, double *best_f1)
    int pyml_f1_exact_scan(const double *p_sorted, const uint8_t *y_sorted, pyml_index n, pyml_index *best_cut,
                           double *best_f1)


def fit_diag(const floating[:, ::1] X, int n_threads):
    """(mean (d,), variance (d,)) with 1/m normalisation."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    dtype = np.float32 if floating is float else np.float64
    mean_arr = np.empty(d, dtype=dtype)
    var_arr = np.empty(d, dtype=dtype)
    work_arr = np.empty(max(pyml_gauss_fit_workspace_size(n, d), 1), dtype=np.float64)
    cdef floating[::1] mean = mean_arr
    cdef floating[::1] var = var_arr
    cdef double[::1] work = work_arr
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_gauss_fit_diag_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &mean[0], &var[0],
                                         &work[0], work.shape[0], n_threads)
        else:
            st = pyml_gauss_fit_diag_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &mean[0], &var[0],
                                         &work[0], work.shape[0], n_threads)
    raise_for_status(st, "Gaussian fit")
    return mean_arr, var_arr


def logpdf_diag(const floating[:, ::1] X, const floating[::1] mean, const floating[::1] inv_var,
                double log_norm, int n_threads):
    """log p(x) of the per-feature Gaussian for every row."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    if mean.shape[0] != d or inv_var.shape[0] != d:
        raise ValueError("logpdf_diag: inconsistent shapes")
    out_arr = np.empty(n, dtype=np.float32 if floating is float else np.float64)
    cdef floating[::1] out = out_arr
    cdef int st
    if n == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_gauss_logpdf_diag_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &mean[0], &inv_var[0],
                                            log_norm, &out[0], n_threads)
        else:
            st = pyml_gauss_logpdf_diag_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &mean[0], &inv_var[0],
                                            log_norm, &out[0], n_threads)
    raise_for_status(st, "Gaussian log-density")
    return out_arr


def logpdf_full(const floating[:, ::1] X, const floating[::1] mean, const floating[:, ::1] L,
                double log_norm, int n_threads):
    """log p(x) of the full-covariance Gaussian (L = lower Cholesky factor) for every row."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    if mean.shape[0] != d or L.shape[0] != d or L.shape[1] != d:
        raise ValueError("logpdf_full: inconsistent shapes")
    out_arr = np.empty(n, dtype=np.float32 if floating is float else np.float64)
    work_arr = np.empty(max(pyml_gauss_full_workspace_size(n, d), 1), dtype=np.float64)
    cdef floating[::1] out = out_arr
    cdef double[::1] work = work_arr
    cdef int st
    if n == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_gauss_logpdf_full_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &mean[0], &L[0, 0],
                                            log_norm, &out[0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_gauss_logpdf_full_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &mean[0], &L[0, 0],
                                            log_norm, &out[0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "Gaussian log-density")
    return out_arr


def f1_grid_scan(const double[::1] p_sorted, const uint8_t[::1] y_sorted, const double[::1] grid):
    """(best grid index or -1, best F1, F1 at each grid point)."""
    cdef pyml_index n = p_sorted.shape[0], g = grid.shape[0], best = -1
    cdef double best_f1 = 0
    if y_sorted.shape[0] != n:
        raise ValueError("f1_grid_scan: inconsistent shapes")
    f1_arr = np.zeros(max(g, 1), dtype=np.float64)
    cdef double[::1] f1 = f1_arr
    cdef const double *gp = &grid[0] if g > 0 else NULL
    cdef int st
    with nogil:
        st = pyml_f1_grid_scan(&p_sorted[0], &y_sorted[0], n, gp, g, &f1[0], &best, &best_f1)
    raise_for_status(st, "F1 threshold scan")
    return int(best), float(best_f1), f1_arr[:g]


def f1_exact_scan(const double[::1] p_sorted, const uint8_t[::1] y_sorted):
    """(number of smallest values flagged at the best cut, best F1)."""
    cdef pyml_index n = p_sorted.shape[0], cut = 0
    cdef double best_f1 = 0
    cdef int st
    if y_sorted.shape[0] != n:
        raise ValueError("f1_exact_scan: inconsistent shapes")
    with nogil:
        st = pyml_f1_exact_scan(&p_sorted[0], &y_sorted[0], n, &cut, &best_f1)
    raise_for_status(st, "F1 threshold scan")
    return int(cut), float(best_f1)
