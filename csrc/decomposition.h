/* PCA kernels (Course 3 optional lab: principal component analysis).
 *
 * For X (n x d, row stride ldx) and its column means m, with Xc = X - 1 m^T:
 *   moments:      m_f = (1/n) sum_i x_if,  s_f = sum_i (x_if - m_f)^2
 *   covariance:   C = Xc^T Xc              (d x d, "tall" data: n >= d)
 *   gram:         G = Xc Xc^T              (n x n, "wide" data: n < d)
 *   project:      Y = Xc Q                 (n x k, Q is d x k; transform and
 *                                           the randomized range finder)
 *   project_t:    Z = Xc^T P               (d x k, P is n x k)
 * The centring is applied on the fly (X is never copied, except for the Gram
 * pass whose rows are re-read n times). The eigen/SVD step on the small d x d,
 * n x n or k x d matrix is left to LAPACK (NumPy) in Python.
 *
 * Accumulation is in double for float32 and float64 input (the covariance
 * squares the condition number, so its sums need the extra digits).
 *
 * Determinism: reductions over rows (moments, covariance, project_t) cut the
 * rows into chunks whose number depends only on (n, d, k); every chunk writes
 * a partial result to its own workspace slot and the slots are added in chunk
 * order after the parallel region. gram and project compute every output
 * entry as one fixed-order sum. Results are bitwise identical for any
 * n_threads. Workspace sizes come from the *_workspace_size functions (bytes).
 */
#ifndef PYML_DECOMPOSITION_H
#define PYML_DECOMPOSITION_H

#include "common.h"

size_t pyml_pca_moments_workspace_size(pyml_index n, pyml_index d);
size_t pyml_pca_covariance_workspace_size(pyml_index n, pyml_index d);
size_t pyml_pca_gram_workspace_size(pyml_index n, pyml_index d);
size_t pyml_pca_project_t_workspace_size(pyml_index n, pyml_index d, pyml_index k);

#define PYML_DECLARE_DECOMPOSITION(T, SFX)                                                          \
    int pyml_pca_moments_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,              \
                               double *mean, double *sq_dev, void *work, size_t work_bytes,         \
                               int n_threads);                                                      \
    int pyml_pca_covariance_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,           \
                                  const double *mean, double *C, void *work, size_t work_bytes,     \
                                  int n_threads);                                                   \
    int pyml_pca_gram_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,                 \
                            const double *mean, double *G, void *work, size_t work_bytes,           \
                            int n_threads);                                                         \
    int pyml_pca_project_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,              \
                               const double *mean, const T *Q, pyml_index k, T *out,                \
                               int n_threads);                                                      \
    int pyml_pca_project_t_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,            \
                                 const double *mean, const T *P, pyml_index k, T *out, void *work,  \
                                 size_t work_bytes, int n_threads);

PYML_DECLARE_DECOMPOSITION(float, f32)
PYML_DECLARE_DECOMPOSITION(double, f64)

#endif
