/* Collaborative-filtering kernels (see recommender.h for the maths). The
 * typed bodies are written once in recommender_impl.inc and instantiated for
 * float and double; the structure building (integer only) and the workspace
 * layouts live here so the size functions and the kernels agree. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif
#include <math.h>
#include <string.h>

#include "recommender.h"

static size_t rc_align(size_t x) { return (x + 63) & ~(size_t)63; }

/* cost+grad workspace: errors (nnz T), then doubles: per-item squared error,
 * per-item |x_i|^2, per-user |w_j|^2. */
typedef struct {
    size_t err, item_sq, item_reg, user_reg, total;
} rc_cg_layout;

static rc_cg_layout rc_cg(pyml_index nnz, pyml_index n_items, pyml_index n_users, size_t es)
{
    rc_cg_layout L;
    size_t off = 0;
    L.err = off;      off += rc_align((size_t)(nnz > 0 ? nnz : 1) * es);
    L.item_sq = off;  off += rc_align((size_t)(n_items + 1) * sizeof(double));
    L.item_reg = off; off += rc_align((size_t)(n_items + 1) * sizeof(double));
    L.user_reg = off; off += rc_align((size_t)(n_users + 1) * sizeof(double));
    L.total = off + 64;
    return L;
}

size_t pyml_cofi_cost_grad_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                          size_t elem_size)
{
    return rc_cg(nnz, n_items, n_users, elem_size).total;
}

/* Adam: the cost+grad workspace, then gradients, first and second moments of
 * all parameters (X, W, b laid out one after the other). */
static size_t rc_n_params(pyml_index n_items, pyml_index n_users, pyml_index d)
{
    return (size_t)(n_items * d + n_users * d + n_users);
}

size_t pyml_cofi_adam_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                     pyml_index n_features, size_t elem_size)
{
    size_t p = rc_align(rc_n_params(n_items, n_users, n_features) * elem_size);
    return pyml_cofi_cost_grad_workspace_size(nnz, n_items, n_users, elem_size) + 3 * p + 64;
}

/* ALS: per-thread normal equations (D x D + 2 D doubles, D = n_features + 1)
 * plus the gathered, transposed neighbour vectors and targets of one row
 * (D + 1 rows of max_len doubles), then the cost workspace (per item / user). */
static size_t rc_ridge_doubles(pyml_index d, pyml_index max_len)
{
    size_t len = (size_t)(max_len > 0 ? max_len : 1);
    len = (len + 7) & ~(size_t)7;
    return (size_t)((d + 1) * (d + 1) + 2 * (d + 1)) + (size_t)(d + 2) * len;
}

size_t pyml_cofi_ridge_workspace_doubles(pyml_index n_features, pyml_index max_len, int n_threads)
{
    if (n_threads < 1) n_threads = 1;
    return (size_t)n_threads * rc_ridge_doubles(n_features, max_len);
}

size_t pyml_cofi_als_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                    pyml_index n_features, int n_threads)
{
    if (n_threads < 1) n_threads = 1;
    pyml_index max_len = n_items > n_users ? n_items : n_users;
    return rc_align(pyml_cofi_ridge_workspace_doubles(n_features, max_len, n_threads) * sizeof(double)) +
           rc_align((size_t)(2 * n_items + n_users + 3) * sizeof(double)) + 64;
}

static void *rc_align_ptr(void *p) { return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

int pyml_cofi_csr_from_triplets(const int64_t *user_idx, const int64_t *item_idx, pyml_index nnz,
                                pyml_index n_users, pyml_index n_items, int64_t *item_ptr,
                                int32_t *item_users, int64_t *perm)
{
    if (nnz < 0 || n_users < 0 || n_items < 0) return PYML_ERR_SIZE;
    if (n_users > INT32_MAX || n_items > INT32_MAX) return PYML_ERR_SIZE;
    if (!item_ptr || (nnz > 0 && (!user_idx || !item_idx || !item_users || !perm))) return PYML_ERR_NULL;
    memset(item_ptr, 0, (size_t)(n_items + 1) * sizeof(int64_t));
    for (pyml_index p = 0; p < nnz; ++p) {
        if (item_idx[p] < 0 || item_idx[p] >= n_items || user_idx[p] < 0 || user_idx[p] >= n_users)
            return PYML_ERR_INDEX;
        item_ptr[item_idx[p] + 1]++;
    }
    for (pyml_index i = 0; i < n_items; ++i) item_ptr[i + 1] += item_ptr[i];
    /* Stable counting sort; item_ptr[i] is used as the running cursor and
     * restored afterwards by shifting. */
    for (pyml_index p = 0; p < nnz; ++p) {
        int64_t q = item_ptr[item_idx[p]]++;
        item_users[q] = (int32_t)user_idx[p];
        perm[q] = p;
    }
    for (pyml_index i = n_items; i > 0; --i) item_ptr[i] = item_ptr[i - 1];
    item_ptr[0] = 0;
    return PYML_OK;
}

int pyml_cofi_transpose(const int64_t *item_ptr, const int32_t *item_users, pyml_index n_items,
                        pyml_index n_users, int64_t *user_ptr, int32_t *user_items, int64_t *user_pos)
{
    if (n_items < 0 || n_users < 0) return PYML_ERR_SIZE;
    if (!item_ptr || !user_ptr) return PYML_ERR_NULL;
    int64_t nnz = item_ptr[n_items];
    if (nnz > 0 && (!item_users || !user_items || !user_pos)) return PYML_ERR_NULL;
    memset(user_ptr, 0, (size_t)(n_users + 1) * sizeof(int64_t));
    for (int64_t p = 0; p < nnz; ++p) {
        int32_t u = item_users[p];
        if (u < 0 || u >= n_users) return PYML_ERR_INDEX;
        user_ptr[u + 1]++;
    }
    for (pyml_index u = 0; u < n_users; ++u) user_ptr[u + 1] += user_ptr[u];
    for (pyml_index i = 0; i < n_items; ++i) {
        for (int64_t p = item_ptr[i]; p < item_ptr[i + 1]; ++p) {
            int64_t q = user_ptr[item_users[p]]++;
            user_items[q] = (int32_t)i;
            user_pos[q] = p;
        }
    }
    for (pyml_index u = n_users; u > 0; --u) user_ptr[u] = user_ptr[u - 1];
    user_ptr[0] = 0;
    /* Items are ascending within a user: a repeated (user, item) pair shows up
     * as two equal neighbours. Duplicates are refused (PYML_ERR_VALUE): the
     * per-row workspaces are sized by n_items / n_users. */
    for (pyml_index u = 0; u < n_users; ++u)
        for (int64_t q = user_ptr[u] + 1; q < user_ptr[u + 1]; ++q)
            if (user_items[q] == user_items[q - 1]) return PYML_ERR_VALUE;
    return PYML_OK;
}

#define T float
#define SFX f32
#define T_SQRT sqrtf
#include "recommender_impl.inc"
#undef T
#undef SFX
#undef T_SQRT

#define T double
#define SFX f64
#define T_SQRT sqrt
#include "recommender_impl.inc"
#undef T
#undef SFX
#undef T_SQRT
