/* Collaborative-filtering kernels (Course 3, week 2).
 *
 * Orientation is the course's: items x users. Observed ratings are held twice,
 * as CSR by item and CSR by user, so both gradient halves run in parallel
 * without atomics:
 *     item_ptr (n_items + 1), item_users (nnz), item_vals (nnz)
 *     user_ptr (n_users + 1), user_items (nnz), user_pos (nnz)
 * user_pos[p] is the position, in the item-ordered arrays, of the p-th rating
 * of the user-ordered arrays (within a user, items are ascending).
 *
 * Cost (the lab's cofi_cost_func), over the observed entries only:
 *     e_ij = x_i . w_j + b_j - y_ij
 *     J    = 1/2 sum_{R=1} e_ij^2 + lambda/2 (sum W^2 + sum X^2)
 *     dJ/dx_i = sum_j e_ij w_j + lambda x_i       (per item: item CSR)
 *     dJ/dw_j = sum_i e_ij x_i + lambda w_j       (per user: user CSR)
 *     dJ/db_j = sum_i e_ij
 * Every per-item / per-user sum runs in a fixed order and the cost is added
 * item by item in index order after the parallel region, so results are
 * bitwise identical for any thread count.
 *
 * ALS (biased): with item bias c_i, prediction x_i.w_j + b_j + c_i, objective
 *     J = 1/2 sum (x_i.w_j + b_j + c_i - y_ij)^2 + lambda/2 (|W|^2 + |X|^2)
 *         + lambda_bias/2 (|b|^2 + |c|^2)
 * alternates exact ridge solves: for each user, [w_j, b_j] from the
 * (n_features + 1)^2 normal equations over the items it rated (targets
 * y - c_i); then the same for each item with the users frozen. Each solve is
 * independent (Cholesky in double), so the parallel loop is deterministic.
 *
 * Adam (the lab's training): full-batch cost and gradient above, then
 *     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *     p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)   (Keras' form)
 * cost_history[t] is the cost of the parameters before update t. One
 * iteration is two passes, each row's step taken as soon as its gradient is
 * complete: per user (its errors e_ij, dJ/dw_j and dJ/db_j, then the steps of
 * w_j and b_j; the old W is kept for the item pass) and per item (dJ/dx_i
 * from the stored errors and the old W, then the step of x_i). Every row is
 * independent within a pass, so any thread count gives the same bits.
 */
#ifndef PYML_RECOMMENDER_H
#define PYML_RECOMMENDER_H

#include "common.h"

/* Structure building (type independent parts). */
/* Counting sort of triplets into the item CSR: item_ptr (n_items + 1) and
 * perm (nnz): perm[p] = index of the triplet at item-CSR position p (stable). */
int pyml_cofi_csr_from_triplets(const int64_t *user_idx, const int64_t *item_idx, pyml_index nnz,
                                pyml_index n_users, pyml_index n_items, int64_t *item_ptr,
                                int32_t *item_users, int64_t *perm);
/* User CSR from the item CSR (counting sort; items ascending within a user).
 * PYML_ERR_VALUE when a (user, item) pair occurs twice. */
int pyml_cofi_transpose(const int64_t *item_ptr, const int32_t *item_users, pyml_index n_items,
                        pyml_index n_users, int64_t *user_ptr, int32_t *user_items, int64_t *user_pos);

size_t pyml_cofi_cost_grad_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                          size_t elem_size);
size_t pyml_cofi_adam_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                     pyml_index n_features, size_t elem_size);
/* Doubles of workspace for pyml_cofi_ridge_rows_*: max_len >= the longest row (entries). */
size_t pyml_cofi_ridge_workspace_doubles(pyml_index n_features, pyml_index max_len, int n_threads);
size_t pyml_cofi_als_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                    pyml_index n_features, int n_threads);

#define PYML_DECLARE_RECOMMENDER(T, SFX)                                                          \
    /* Dense (Y, R), items x users with row strides: counts per item, checks R in {0,1}     \
     * and Y finite where R != 0 (status VALUE / NONFINITE; *bad_row = first offending      \
     * row). Y is not read where R == 0. mask (optional, n_items x ceil(n_users / 64)      \
     * words) receives the R != 0 bits, which the fill pass then reads instead of R. */     \
    int pyml_cofi_dense_count_##SFX(const T *Y, pyml_index ldy, const T *R, pyml_index ldr,       \
                                    pyml_index n_items, pyml_index n_users, int64_t *item_ptr,    \
                                    uint64_t *mask, pyml_index *bad_row, int n_threads);          \
    int pyml_cofi_dense_fill_##SFX(const T *Y, pyml_index ldy, const T *R, pyml_index ldr,        \
                                   pyml_index n_items, pyml_index n_users,                        \
                                   const int64_t *item_ptr, const uint64_t *mask,                 \
                                   int32_t *item_users, T *item_vals, int n_threads);             \
    int pyml_cofi_cost_grad_##SFX(pyml_index n_items, pyml_index n_users, pyml_index n_features,  \
                                  const int64_t *item_ptr, const int32_t *item_users,             \
                                  const T *item_vals, const int64_t *user_ptr,                    \
                                  const int32_t *user_items, const int64_t *user_pos,             \
                                  const T *X, const T *W, const T *b, double lambda,              \
                                  double *cost, T *dX, T *dW, T *db, void *work,                  \
                                  size_t work_bytes, int n_threads);                              \
    int pyml_cofi_adam_##SFX(pyml_index n_items, pyml_index n_users, pyml_index n_features,       \
                             const int64_t *item_ptr, const int32_t *item_users,                  \
                             const T *item_vals, const int64_t *user_ptr,                         \
                             const int32_t *user_items, const int64_t *user_pos, T *X, T *W,      \
                             T *b, double lambda, double lr, double beta1, double beta2,          \
                             double eps, long max_iter, double *cost_history, long *n_iter,       \
                             void *work, size_t work_bytes, int n_threads,                        \
                             pyml_iteration_hook hook, void *hook_ctx);                           \
    /* One half-step of ALS: for every row r of (ptr, idx, vals), solve                     \
     *   min 1/2 sum_k (f_r . g_k + beta_r - (v_k - other_bias_k))^2                        \
     *       + lambda/2 |f_r|^2 + lambda_bias/2 beta_r^2                                    \
     * (beta_r fixed at 0 when fit_bias == 0). vals are read as vals[pos[p]] when pos is    \
     * not NULL. Rows without entries get f_r = 0, beta_r = 0. max_len >= longest row;    \
     * work holds pyml_cofi_ridge_workspace_doubles(n_features, max_len, n_threads). */     \
    int pyml_cofi_ridge_rows_##SFX(pyml_index n_rows, pyml_index n_other, pyml_index n_features,  \
                                   const int64_t *ptr, const int32_t *idx, const int64_t *pos,    \
                                   const T *vals, const T *G, const T *other_bias,                \
                                   double lambda, double lambda_bias, int fit_bias, T *F,         \
                                   T *bias, pyml_index max_len, double *work, int n_threads);     \
    int pyml_cofi_als_##SFX(pyml_index n_items, pyml_index n_users, pyml_index n_features,        \
                            const int64_t *item_ptr, const int32_t *item_users,                   \
                            const T *item_vals, const int64_t *user_ptr,                          \
                            const int32_t *user_items, const int64_t *user_pos, T *X, T *W,       \
                            T *b, T *c, double lambda, double lambda_bias, long max_iter,         \
                            double tol, double *cost_history, long *n_iter, void *work,           \
                            size_t work_bytes, int n_threads, pyml_iteration_hook hook,           \
                            void *hook_ctx);                                                      \
    /* Top-k items by score x_i . w_q + b_q + offset_i for each query (n_q), excluding the \
     * items excl_idx[excl_ptr[q]:excl_ptr[q+1]] (may be NULL). Descending score, ties to    \
     * the lower index; slots past the number of candidates get index -1. */                 \
    int pyml_cofi_topk_##SFX(const T *X, pyml_index n_items, pyml_index n_features,               \
                             const T *offset, const T *Wq, const T *bq, pyml_index n_q,           \
                             const int64_t *excl_ptr, const int32_t *excl_idx, pyml_index k,      \
                             int64_t *out_idx, T *out_score, T *work, int n_threads);             \
    /* k nearest items by ||x_k - x_q||^2 for each query item, the item itself excluded.     \
     * Ascending distance, ties to the lower index. */                                       \
    int pyml_cofi_similar_##SFX(const T *X, pyml_index n_items, pyml_index n_features,            \
                                const int64_t *queries, pyml_index n_q, pyml_index k,             \
                                int64_t *out_idx, T *out_dist, T *work, int n_threads);           \
    /* out[r] = sum_f (A[r, f] - B[r, f])^2 (rows of A and B, row strides lda, ldb). */        \
    int pyml_cofi_sq_dist_rows_##SFX(const T *A, pyml_index lda, const T *B, pyml_index ldb,      \
                                     pyml_index n, pyml_index n_features, T *out, int n_threads);

PYML_DECLARE_RECOMMENDER(float, f32)
PYML_DECLARE_RECOMMENDER(double, f64)

#endif
