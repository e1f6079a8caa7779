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

/* The Adam passes and the ALS solves are compute-bound on short rows, where
 * AVX-512 pays: the ALS group solve gets an x86-64-v4 clone (RC_HOT), and the
 * Adam passes (double) a separate 64-byte-vector build picked at run time
 * when the CPU has x86-64-v4 (rc_cpu_v4; a target clone could not change the
 * vector type). The order of every sum is fixed by the C code, so all these
 * builds give the same bits up to FMA contraction in the baseline one, and
 * never depend on the thread count. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(PYML_NO_TARGET_CLONES) && __GNUC__ >= 12
#define RC_HAVE_V4 1
#define RC_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define RC_HOT_NO_V4 PYML_HOT
static int rc_cpu_v4(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v4");
}
#else
#define RC_HAVE_V4 0
#define RC_HOT PYML_HOT
#define RC_HOT_NO_V4 PYML_HOT
#endif

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

/* Adam, one iteration in two passes, each row's Adam step fused into the
 * pass that completes its gradient:
 *   users: e_ij = x_i . w_j + b_j - y_ij over the user's ratings (stored in
 *          item-CSR order), dJ/dw_j, dJ/db_j, the old w_j kept in a padded
 *          copy, then the Adam step of w_j, b_j in place;
 *   items: dJ/dx_i = sum_j e_ij w_j(old) + lambda x_i, then x_i's step.
 * Layout: first and second moments of all parameters (X, W, b one after the
 * other), errors (nnz, item order), the ratings in user order (nnz), the
 * old W (rows of ldw = d rounded up to 8), one gradient row per block of
 * rows, then per-user squared error and |w_j|^2 and per-item
 * |x_i|^2 (doubles). */
static size_t rc_n_params(pyml_index n_items, pyml_index n_users, pyml_index d)
{
    return (size_t)(n_items * d + n_users * d + n_users);
}

/* Rows per scheduling block: users are few and of very uneven length (the
 * lab: 443 users, up to 1,270 ratings each), items many and short. */
#define RC_ADAM_UBLOCK 4
#define RC_ADAM_IBLOCK 16

typedef struct {
    size_t m, v, err, uvals, inv, wold, scr, user_sq, user_reg, item_reg, total;
    pyml_index ldw;
} rc_adam_layout;

static rc_adam_layout rc_adam(pyml_index nnz, pyml_index n_items, pyml_index n_users, pyml_index d,
                              size_t es)
{
    rc_adam_layout L;
    const size_t p = rc_align(rc_n_params(n_items, n_users, d) * es);
    const pyml_index nbu = (n_users + RC_ADAM_UBLOCK - 1) / RC_ADAM_UBLOCK;
    const pyml_index nbi = (n_items + RC_ADAM_IBLOCK - 1) / RC_ADAM_IBLOCK;
    const size_t nblk = (size_t)(nbu > nbi ? nbu : nbi);
    size_t off = 0;
    L.ldw = (d + 7) & ~(pyml_index)7;
    L.m = off;        off += p;
    L.v = off;        off += p;
    L.err = off;      off += rc_align((size_t)(nnz > 0 ? nnz : 1) * es);
    L.uvals = off;    off += rc_align((size_t)(nnz > 0 ? nnz : 1) * es);
    L.inv = off;      off += rc_align((size_t)(nnz > 0 ? nnz : 1) * sizeof(int64_t));
    L.wold = off;     off += rc_align((size_t)(n_users * L.ldw) * es);
    L.scr = off;      off += rc_align((nblk > 0 ? nblk : 1) * (size_t)L.ldw * es);
    L.user_sq = off;  off += rc_align((size_t)(n_users + 1) * sizeof(double));
    L.user_reg = off; off += rc_align((size_t)(n_users + 1) * sizeof(double));
    L.item_reg = off; off += rc_align((size_t)(n_items + 1) * sizeof(double));
    L.total = off + 64;
    return L;
}

size_t pyml_cofi_adam_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                     pyml_index n_features, size_t elem_size)
{
    return rc_adam(nnz, n_items, n_users, n_features, elem_size).total;
}

/* ALS rows solved side by side (lanes of one interleaved Cholesky): 8
 * doubles fill one AVX-512 vector or two AVX2 ones (12 % faster than 4 on
 * MovieLens' items). */
#define RC_NL 8

/* ALS, per thread: one row's normal equations and right-hand side (Dp + 1
 * rows of Dp doubles, D = n_features + 1 rounded up to Dp, a multiple of 4),
 * RC_NL systems interleaved (RC_NL Dp^2), their right-hand sides and inverse
 * diagonals (RC_NL Dp each), the gathered neighbour vectors of one row
 * (max_len + 4 rows of Dp, zero padded) and its targets; then the cost
 * workspace (per item / user). */
static size_t rc_ridge_doubles(pyml_index d, pyml_index max_len)
{
    const size_t Dp = (size_t)((d + 1 + 3) & ~(pyml_index)3);
    const size_t len = (size_t)(max_len > 0 ? max_len : 1) + 4;
    size_t n = (Dp + 1) * Dp + RC_NL * Dp * Dp + 2 * RC_NL * Dp + len * Dp + len;
    return (n + 7) & ~(size_t)7;
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
