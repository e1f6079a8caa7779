/* K-means kernels (Course 3, week 1).
 *
 * Objective (inertia), for centres c_1..c_k and sample weights w_i:
 *     J = sum_i w_i min_j ||x_i - c_j||^2
 * Lloyd iteration t:
 *     a_i   = argmin_j ||x_i - c_j||^2      (ties -> lowest j)
 *     c_j'  = sum_{a_i = j} w_i x_i / sum_{a_i = j} w_i
 * The assignment uses the expansion ||x||^2 - 2 x.c + ||c||^2: the x.c terms of a
 * tile of rows x a panel of centres are a small GEMM computed in registers
 * (centres packed transposed, NR per panel), fused with the argmin and with the
 * per-chunk centroid sums, so X is read once per iteration.
 *
 * Hamerly's algorithm keeps for each point an upper bound u_i on the distance to
 * its centre and a lower bound l_i on the distance to the second-closest one;
 * when u_i <= max(l_i, s(a_i)) (s(j) = half the distance from c_j to its nearest
 * other centre) the point cannot change cluster and its distances are skipped.
 *
 * k-means++ (greedy, as scikit-learn): the first centre is given; then for each
 * new centre n_trials candidates are drawn with probability w_i D(x_i)^2 (the
 * uniform numbers are drawn by the caller, so the random stream does not depend
 * on threads) and the candidate that lowers the potential sum_i w_i D(x_i)^2 the
 * most is kept.
 *
 * Determinism: rows are cut into chunks of a size that depends only on (n, k);
 * each chunk writes its partial sums to its own workspace slot and the slots
 * are combined in chunk order after the parallel region, so results are
 * bitwise identical for any n_threads.
 *
 * X is row-major with row stride ldx (elements). Workspace is raw bytes whose
 * size comes from the *_workspace_size functions.
 */
#ifndef PYML_CLUSTER_H
#define PYML_CLUSTER_H

#include "common.h"

enum { PYML_KMEANS_LLOYD = 0, PYML_KMEANS_HAMERLY = 1 };

size_t pyml_kmeans_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size,
                                  int algorithm);
size_t pyml_kmeans_assign_workspace_size(pyml_index d, pyml_index k, size_t elem_size);
size_t pyml_kmeans_centroids_workspace_size(pyml_index n, pyml_index d, pyml_index k,
                                            size_t elem_size);
size_t pyml_kmeanspp_workspace_size(pyml_index n, pyml_index d, int n_trials, size_t elem_size);

#define PYML_DECLARE_CLUSTER(T, SFX)                                                              \
    int pyml_kmeans_assign_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,          \
                                 const T *C, pyml_index k, int direct, int32_t *labels,           \
                                 T *min_dist, void *work, size_t work_bytes, int n_threads);      \
    int pyml_kmeans_transform_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,       \
                                    const T *C, pyml_index k, T *out, int n_threads);             \
    int pyml_kmeans_centroids_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,       \
                                    const int32_t *labels, const T *sample_weight, pyml_index k,  \
                                    T *centers, double *weight_sums, void *work,                  \
                                    size_t work_bytes, int n_threads);                            \
    int pyml_kmeans_fit_##SFX(const T *X, pyml_index ldx, const T *sample_weight, pyml_index n,   \
                              pyml_index d, pyml_index k, T *centers, int algorithm,              \
                              long max_iter, double tol, int32_t *labels, double *inertia,        \
                              long *n_iter, T *center_history, void *work, size_t work_bytes,     \
                              int n_threads, pyml_iteration_hook hook, void *hook_ctx);           \
    int pyml_kmeanspp_##SFX(const T *X, pyml_index ldx, const T *sample_weight, pyml_index n,     \
                            pyml_index d, pyml_index k, pyml_index first, const double *uniforms, \
                            int n_trials, int64_t *indices, T *centers, void *work,               \
                            size_t work_bytes, int n_threads);

PYML_DECLARE_CLUSTER(float, f32)
PYML_DECLARE_CLUSTER(double, f64)

#endif
