/* Gaussian anomaly detection kernels (Course 3, week 1).
 *
 * Per-feature (diagonal) model, the course's:
 *     mu_j = (1/m) sum_i x_ij,   var_j = (1/m) sum_i (x_ij - mu_j)^2
 *     log p(x) = -1/2 sum_j [ log(2 pi var_j) + (x_j - mu_j)^2 / var_j ]
 * Full covariance Sigma = L L^T (Cholesky done once by the caller, who passes
 * L, lower triangular, and log_norm = -1/2 (d log 2 pi + log det Sigma)):
 *     log p(x) = log_norm - 1/2 ||z||^2,   L z = x - mu  (forward substitution per row)
 * Working in log-density keeps tiny densities (1e-18 and far below) exact.
 *
 * Threshold selection by F1 (anomaly when p < eps): with p sorted ascending and
 * the labels in the same order, the confusion counts at any threshold come from
 * one walk over the sorted values, so a whole grid (the course's 1000 steps) or
 * every distinct threshold costs O(n + grid) after the sort.
 *     prec = tp / (tp + fp), rec = tp / (tp + fn), F1 = 2 prec rec / (prec + rec)
 * A grid point with tp = 0 has F1 undefined in the course's loop and never wins.
 */
#ifndef PYML_ANOMALY_H
#define PYML_ANOMALY_H

#include "common.h"

size_t pyml_gauss_fit_workspace_size(pyml_index n, pyml_index d);
size_t pyml_gauss_full_workspace_size(pyml_index n, pyml_index d);

#define PYML_DECLARE_ANOMALY(T, SFX)                                                              \
    int pyml_gauss_fit_diag_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d, T *mean, \
                                  T *var, double *work, size_t work_size, int n_threads);         \
    int pyml_gauss_logpdf_diag_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,      \
                                     const T *mean, const T *inv_var, double log_norm, T *out,    \
                                     int n_threads);                                              \
    int pyml_gauss_logpdf_full_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,      \
                                     const T *mean, const T *L, double log_norm, T *out,          \
                                     double *work, size_t work_size, int n_threads);

PYML_DECLARE_ANOMALY(float, f32)
PYML_DECLARE_ANOMALY(double, f64)

/* Grid scan: p_sorted ascending (n), y_sorted 0/1 in the same order, grid
 * ascending (g values). f1_out (optional, g) receives F1 at each grid point
 * (0 where undefined). best = first grid index with the largest F1 (> 0), or
 * -1 if none. Returns PYML_ERR_VALUE if the grid is not ascending. */
int pyml_f1_grid_scan(const double *p_sorted, const uint8_t *y_sorted, pyml_index n,
                      const double *grid, pyml_index g, double *f1_out, pyml_index *best,
                      double *best_f1);

/* Exact scan over every distinct cut of the sorted values: flagging the j
 * smallest values (j at the end of a run of equal values). best_cut = j of the
 * first best F1 (0 if none); the caller turns it into a threshold. */
int pyml_f1_exact_scan(const double *p_sorted, const uint8_t *y_sorted, pyml_index n,
                       pyml_index *best_cut, double *best_f1);

#endif
