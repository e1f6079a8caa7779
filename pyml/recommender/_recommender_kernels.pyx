# Thin bindings over csrc/recommender.{h,c}: typed memoryviews in, kernel
# called without the GIL, status turned into an exception. No arithmetic here.
#
# The rating structure travels as a tuple ``csr`` of six arrays:
# (item_ptr int64 (n_items+1), item_users int32, item_vals float, user_ptr int64 (n_users+1),
#  user_items int32, user_pos int64); see recommender.h.
from cython cimport floating
from libc.stdint cimport int32_t, int64_t, uint64_t

import numpy as np

from pyml.utils._kernel_support cimport (
    pyml_index, pyml_iteration_hook, iteration_hook, raise_for_status, finish_iterative,
)

cdef extern from "recommender.h" nogil:
    int pyml_cofi_csr_from_triplets(const int64_t *user_idx, const int64_t *item_idx, pyml_index nnz,
                                    pyml_index n_users, pyml_index n_items, int64_t *item_ptr,
                                    int32_t *item_users, int64_t *perm)
    int pyml_cofi_transpose(const int64_t *item_ptr, const int32_t *item_users, pyml_index n_items,
                            pyml_index n_users, int64_t *user_ptr, int32_t *user_items, int64_t *user_pos)
    size_t pyml_cofi_cost_grad_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                              size_t elem_size)
    size_t pyml_cofi_adam_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                         pyml_index n_features, size_t elem_size)
    size_t pyml_cofi_ridge_workspace_doubles(pyml_index n_features, pyml_index max_len, int n_threads)
    size_t pyml_cofi_als_workspace_size(pyml_index nnz, pyml_index n_items, pyml_index n_users,
                                        pyml_index n_features, int n_threads)

    int pyml_cofi_dense_count_f32(const float *Y, pyml_index ldy, const float *R, pyml_index ldr,
                                  pyml_index n_items, pyml_index n_users, int64_t *item_ptr,
                                  uint64_t *mask, pyml_index *bad_row, int n_threads)
    int pyml_cofi_dense_count_f64(const double *Y, pyml_index ldy, const double *R, pyml_index ldr,
                                  pyml_index n_items, pyml_index n_users, int64_t *item_ptr,
                                  uint64_t *mask, pyml_index *bad_row, int n_threads)
    int pyml_cofi_dense_fill_f32(const float *Y, pyml_index ldy, const float *R, pyml_index ldr,
                                 pyml_index n_items, pyml_index n_users, const int64_t *item_ptr,
                                 const uint64_t *mask, int32_t *item_users, float *item_vals, int n_threads)
    int pyml_cofi_dense_fill_f64(const double *Y, pyml_index ldy, const double *R, pyml_index ldr,
                                 pyml_index n_items, pyml_index n_users, const int64_t *item_ptr,
                                 const uint64_t *mask, int32_t *item_users, double *item_vals, int n_threads)
    int pyml_cofi_cost_grad_f32(pyml_index n_items, pyml_index n_users, pyml_index n_features,
                                const int64_t *item_ptr, const int32_t *item_users, const float *item_vals,
                                const int64_t *user_ptr, const int32_t *user_items, const int64_t *user_pos,
                                const float *X, const float *W, const float *b, double lam, double *cost,
                                float *dX, float *dW, float *db, void *work, size_t work_bytes, int n_threads)
    int pyml_cofi_cost_grad_f64(pyml_index n_items, pyml_index n_users, pyml_index n_features,
                                const int64_t *item_ptr, const int32_t *item_users, const double *item_vals,
                                const int64_t *user_ptr, const int32_t *user_items, const int64_t *user_pos,
                                const double *X, const double *W, const double *b, double lam, double *cost,
                                double *dX, double *dW, double *db, void *work, size_t work_bytes, int n_threads)
    int pyml_cofi_adam_f32(pyml_index n_items, pyml_index n_users, pyml_index n_features,
                           const int64_t *item_ptr, const int32_t *item_users, const float *item_vals,
                           const int64_t *user_ptr, const int32_t *user_items, const int64_t *user_pos,
                           float *X, float *W, float *b, double lam, double lr, double beta1, double beta2,
                           double eps, long max_iter, double *cost_history, long *n_iter, void *work,
                           size_t work_bytes, int n_threads, pyml_iteration_hook hook, void *hook_ctx)
    int pyml_cofi_adam_f64(pyml_index n_items, pyml_index n_users, pyml_index n_features,
                           const int64_t *item_ptr, const int32_t *item_users, const double *item_vals,
                           const int64_t *user_ptr, const int32_t *user_items, const int64_t *user_pos,
                           double *X, double *W, double *b, double lam, double lr, double beta1, double beta2,
                           double eps, long max_iter, double *cost_history, long *n_iter, void *work,
                           size_t work_bytes, int n_threads, pyml_iteration_hook hook, void *hook_ctx)
    int pyml_cofi_ridge_rows_f32(pyml_index n_rows, pyml_index n_other, pyml_index n_features,
                                 const int64_t *ptr, const int32_t *idx, const int64_t *pos, const float *vals,
                                 const float *G, const float *other_bias, double lam, double lambda_bias,
                                 int fit_bias, float *F, float *bias, pyml_index max_len, double *work,
                                 int n_threads)
    int pyml_cofi_ridge_rows_f64(pyml_index n_rows, pyml_index n_other, pyml_index n_features,
                                 const int64_t *ptr, const int32_t *idx, const int64_t *pos, const double *vals,
                                 const double *G, const double *other_bias, double lam, double lambda_bias,
                                 int fit_bias, double *F, double *bias, pyml_index max_len, double *work,
                                 int n_threads)
    int pyml_cofi_als_f32(pyml_index n_items, pyml_index n_users, pyml_index n_features,
                          const int64_t *item_ptr, const int32_t *item_users, const float *item_vals,
                          const int64_t *user_ptr, const int32_t *user_items, const int64_t *user_pos,
                          float *X, float *W, float *b, float *c, double lam, double lambda_bias,
                          long max_iter, double tol, double *cost_history, long *n_iter, void *work,
                          size_t work_bytes, int n_threads, pyml_iteration_hook hook, void *hook_ctx)
    int pyml_cofi_als_f64(pyml_index n_items, pyml_index n_users, pyml_index n_features,
                          const int64_t *item_ptr, const int32_t *item_users, const double *item_vals,
                          const int64_t *user_ptr, const int32_t *user_items, const int64_t *user_pos,
                          double *X, double *W, double *b, double *c, double lam, double lambda_bias,
                          long max_iter, double tol, double *cost_history, long *n_iter, void *work,
                          size_t work_bytes, int n_threads, pyml_iteration_hook hook, void *hook_ctx)
    int pyml_cofi_topk_f32(const float *X, pyml_index n_items, pyml_index n_features, const float *offset,
                           const float *Wq, const float *bq, pyml_index n_q, const int64_t *excl_ptr,
                           const int32_t *excl_idx, pyml_index k, int64_t *out_idx, float *out_score,
                           float *work, int n_threads)
    int pyml_cofi_topk_f64(const double *X, pyml_index n_items, pyml_index n_features, const double *offset,
                           const double *Wq, const double *bq, pyml_index n_q, const int64_t *excl_ptr,
                           const int32_t *excl_idx, pyml_index k, int64_t *out_idx, double *out_score,
                           double *work, int n_threads)
    int pyml_cofi_similar_f32(const float *X, pyml_index n_items, pyml_index n_features, const int64_t *queries,
                              pyml_index n_q, pyml_index k, int64_t *out_idx, float *out_dist, float *work,
                              int n_threads)
    int pyml_cofi_similar_f64(const double *X, pyml_index n_items, pyml_index n_features, const int64_t *queries,
                              pyml_index n_q, pyml_index k, int64_t *out_idx, double *out_dist, double *work,
                              int n_threads)
    int pyml_cofi_sq_dist_rows_f32(const float *A, pyml_index lda, const float *B, pyml_index ldb, pyml_index n,
                                   pyml_index n_features, float *out, int n_threads)
    int pyml_cofi_sq_dist_rows_f64(const double *A, pyml_index lda, const double *B, pyml_index ldb,
                                   pyml_index n, pyml_index n_features, double *out, int n_threads)


class RatingsError(ValueError):
    """Bad (Y, R): ``row`` is the first offending item row, ``kind`` "R" or "Y"."""

    def __init__(self, message, row, kind):
        super().__init__(message)
        self.row = row
        self.kind = kind


def _transpose(int64_t[::1] item_ptr, int32_t[::1] item_users, pyml_index n_users):
    cdef pyml_index n_items = item_ptr.shape[0] - 1
    cdef pyml_index nnz = item_users.shape[0]
    if item_ptr[n_items] != nnz:
        raise ValueError("transpose: item_ptr[-1] != len(item_users)")
    user_ptr_a = np.empty(n_users + 1, dtype=np.int64)
    user_items_a = np.empty(nnz, dtype=np.int32)
    user_pos_a = np.empty(nnz, dtype=np.int64)
    cdef int64_t[::1] user_ptr = user_ptr_a
    cdef int32_t[::1] user_items = user_items_a
    cdef int64_t[::1] user_pos = user_pos_a
    cdef const int32_t *iu = &item_users[0] if nnz > 0 else NULL
    cdef int32_t *ui = &user_items[0] if nnz > 0 else NULL
    cdef int64_t *up = &user_pos[0] if nnz > 0 else NULL
    cdef int st
    with nogil:
        st = pyml_cofi_transpose(&item_ptr[0], iu, n_items, n_users, &user_ptr[0], ui, up)
    if st == 2:  # PYML_ERR_VALUE
        raise RatingsError("a (user, item) pair occurs more than once", -1, "duplicate")
    raise_for_status(st, "rating structure (by user)")
    return user_ptr_a, user_items_a, user_pos_a


def csr_from_dense(const floating[:, ::1] Y, const floating[:, ::1] R, int n_threads):
    """The rating structure of a dense (Y, R) pair (items x users), found in C.

    Raises RatingsError when R holds a value other than 0/1 or Y a NaN/inf.
    """
    cdef pyml_index n_items = Y.shape[0], n_users = Y.shape[1]
    if R.shape[0] != n_items or R.shape[1] != n_users:
        raise ValueError("csr_from_dense: Y and R shapes differ")
    item_ptr_a = np.zeros(n_items + 1, dtype=np.int64)
    cdef int64_t[::1] item_ptr = item_ptr_a
    cdef pyml_index bad = -1
    cdef int st
    cdef const floating *yp = &Y[0, 0] if n_items > 0 and n_users > 0 else NULL
    cdef const floating *rp = &R[0, 0] if n_items > 0 and n_users > 0 else NULL
    cdef pyml_index ld = n_users
    mask_a = np.empty(max(n_items * ((n_users + 63) // 64), 1), dtype=np.uint64)
    cdef uint64_t[::1] mask = mask_a
    cdef uint64_t *pm = &mask[0]
    with nogil:
        if floating is float:
            st = pyml_cofi_dense_count_f32(yp, ld, rp, ld, n_items, n_users, &item_ptr[0], pm, &bad, n_threads)
        else:
            st = pyml_cofi_dense_count_f64(yp, ld, rp, ld, n_items, n_users, &item_ptr[0], pm, &bad, n_threads)
    if st == 2:  # PYML_ERR_VALUE
        raise RatingsError("R must hold only 0 and 1", bad, "R")
    if st == 4:  # PYML_ERR_NONFINITE
        raise RatingsError("Y contains NaN or infinity", bad, "Y")
    raise_for_status(st, "rating structure (dense count)")
    cdef pyml_index nnz = item_ptr[n_items]
    item_users_a = np.empty(nnz, dtype=np.int32)
    item_vals_a = np.empty(nnz, dtype=np.float32 if floating is float else np.float64)
    cdef int32_t[::1] item_users = item_users_a
    cdef floating[::1] item_vals = item_vals_a
    cdef int32_t *iu = &item_users[0] if nnz > 0 else NULL
    cdef floating *iv = &item_vals[0] if nnz > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_cofi_dense_fill_f32(yp, ld, rp, ld, n_items, n_users, &item_ptr[0], pm, iu, iv, n_threads)
        else:
            st = pyml_cofi_dense_fill_f64(yp, ld, rp, ld, n_items, n_users, &item_ptr[0], pm, iu, iv, n_threads)
    raise_for_status(st, "rating structure (dense fill)")
    return (item_ptr_a, item_users_a, item_vals_a) + _transpose(item_ptr_a, item_users_a, n_users)


def csr_from_triplets(const int64_t[::1] user_idx, const int64_t[::1] item_idx, vals, pyml_index n_users,
                      pyml_index n_items):
    """The rating structure of (user index, item index, rating) triplets (indices already 0-based)."""
    cdef pyml_index nnz = user_idx.shape[0]
    if item_idx.shape[0] != nnz or vals.shape[0] != nnz:
        raise ValueError("csr_from_triplets: arrays of different lengths")
    item_ptr_a = np.zeros(n_items + 1, dtype=np.int64)
    item_users_a = np.empty(nnz, dtype=np.int32)
    perm_a = np.empty(nnz, dtype=np.int64)
    cdef int64_t[::1] item_ptr = item_ptr_a
    cdef int32_t[::1] item_users = item_users_a
    cdef int64_t[::1] perm = perm_a
    cdef const int64_t *u = &user_idx[0] if nnz > 0 else NULL
    cdef const int64_t *it = &item_idx[0] if nnz > 0 else NULL
    cdef int32_t *iu = &item_users[0] if nnz > 0 else NULL
    cdef int64_t *pp = &perm[0] if nnz > 0 else NULL
    cdef int st
    with nogil:
        st = pyml_cofi_csr_from_triplets(u, it, nnz, n_users, n_items, &item_ptr[0], iu, pp)
    raise_for_status(st, "rating structure (triplets)")
    item_vals_a = np.ascontiguousarray(vals[perm_a])
    return (item_ptr_a, item_users_a, item_vals_a) + _transpose(item_ptr_a, item_users_a, n_users)


cdef class _CSR:
    """Raw pointers of a csr tuple, lengths checked once."""
    cdef pyml_index n_items, n_users, nnz
    cdef const int64_t *item_ptr
    cdef const int32_t *item_users
    cdef const int64_t *user_ptr
    cdef const int32_t *user_items
    cdef const int64_t *user_pos
    cdef object keep

    def __cinit__(self, tuple csr, pyml_index n_items, pyml_index n_users):
        cdef const int64_t[::1] ip = csr[0]
        cdef const int32_t[::1] iu = csr[1]
        cdef const int64_t[::1] up = csr[3]
        cdef const int32_t[::1] ui = csr[4]
        cdef const int64_t[::1] upos = csr[5]
        if ip.shape[0] != n_items + 1 or up.shape[0] != n_users + 1:
            raise ValueError("rating structure does not match the parameter shapes")
        self.nnz = iu.shape[0]
        if ui.shape[0] != self.nnz or upos.shape[0] != self.nnz or csr[2].shape[0] != self.nnz:
            raise ValueError("rating structure arrays have different lengths")
        if ip[n_items] != self.nnz or up[n_users] != self.nnz:
            raise ValueError("rating structure pointers do not end at nnz")
        self.n_items, self.n_users = n_items, n_users
        self.keep = csr
        self.item_ptr = &ip[0]
        self.user_ptr = &up[0]
        self.item_users = &iu[0] if self.nnz > 0 else NULL
        self.user_items = &ui[0] if self.nnz > 0 else NULL
        self.user_pos = &upos[0] if self.nnz > 0 else NULL


cdef inline const floating *_vals_ptr(const floating[::1] v):
    return &v[0] if v.shape[0] > 0 else NULL


def cost_grad(tuple csr, const floating[::1] item_vals, const floating[:, ::1] X, const floating[:, ::1] W,
              const floating[::1] b, double lam, bint want_grad, int n_threads):
    """(J, dX, dW, db) of the lab's cost over the observed entries (gradients None unless want_grad)."""
    cdef pyml_index n_items = X.shape[0], n_users = W.shape[0], d = X.shape[1]
    if W.shape[1] != d or b.shape[0] != n_users:
        raise ValueError("cost_grad: X, W, b shapes do not agree")
    cdef _CSR s = _CSR(csr, n_items, n_users)
    if item_vals.shape[0] != s.nnz:
        raise ValueError("cost_grad: item_vals length != nnz")
    dtype = np.float32 if floating is float else np.float64
    dX_a = np.empty((n_items, d), dtype=dtype)
    dW_a = np.empty((n_users, d), dtype=dtype)
    db_a = np.empty(n_users, dtype=dtype)
    work_a = np.empty(pyml_cofi_cost_grad_workspace_size(s.nnz, n_items, n_users, sizeof(floating)), dtype=np.uint8)
    cdef floating[:, ::1] dX = dX_a
    cdef floating[:, ::1] dW = dW_a
    cdef floating[::1] db = db_a
    cdef unsigned char[::1] work = work_a
    cdef floating *pdX = &dX[0, 0] if (want_grad and n_items > 0) else NULL
    cdef floating *pdW = &dW[0, 0] if (want_grad and n_users > 0) else NULL
    cdef floating *pdb = &db[0] if (want_grad and n_users > 0) else NULL
    cdef const floating *px = &X[0, 0] if n_items > 0 else NULL
    cdef const floating *pw = &W[0, 0] if n_users > 0 else NULL
    cdef const floating *pb = &b[0] if n_users > 0 else NULL
    cdef const floating *pv = _vals_ptr(item_vals)
    cdef double J = 0
    cdef int st
    if want_grad and (pdX == NULL or pdW == NULL):
        raise ValueError("cost_grad: gradients need at least one item and one user")
    with nogil:
        if floating is float:
            st = pyml_cofi_cost_grad_f32(n_items, n_users, d, s.item_ptr, s.item_users, pv, s.user_ptr,
                                         s.user_items, s.user_pos, px, pw, pb, lam, &J, pdX, pdW, pdb,
                                         &work[0], work.shape[0], n_threads)
        else:
            st = pyml_cofi_cost_grad_f64(n_items, n_users, d, s.item_ptr, s.item_users, pv, s.user_ptr,
                                         s.user_items, s.user_pos, px, pw, pb, lam, &J, pdX, pdW, pdb,
                                         &work[0], work.shape[0], n_threads)
    raise_for_status(st, "collaborative-filtering cost")
    if want_grad:
        return J, dX_a, dW_a, db_a
    return J, None, None, None


def adam(tuple csr, const floating[::1] item_vals, floating[:, ::1] X, floating[:, ::1] W, floating[::1] b,
         double lam, double lr, double beta1, double beta2, double eps, long max_iter, int n_threads,
         object hook_state):
    """The whole Adam run in C; X, W, b updated in place. Returns (cost_history, n_iter)."""
    cdef pyml_index n_items = X.shape[0], n_users = W.shape[0], d = X.shape[1]
    if W.shape[1] != d or b.shape[0] != n_users or n_items == 0 or n_users == 0:
        raise ValueError("adam: X, W, b shapes do not agree")
    cdef _CSR s = _CSR(csr, n_items, n_users)
    if item_vals.shape[0] != s.nnz:
        raise ValueError("adam: item_vals length != nnz")
    hist_a = np.zeros(max(max_iter, 1), dtype=np.float64)
    work_a = np.empty(pyml_cofi_adam_workspace_size(s.nnz, n_items, n_users, d, sizeof(floating)), dtype=np.uint8)
    cdef double[::1] hist = hist_a
    cdef unsigned char[::1] work = work_a
    cdef const floating *pv = _vals_ptr(item_vals)
    cdef long n_iter = 0
    cdef void *ctx = <void *>hook_state
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_cofi_adam_f32(n_items, n_users, d, s.item_ptr, s.item_users, pv, s.user_ptr, s.user_items,
                                    s.user_pos, &X[0, 0], &W[0, 0], &b[0], lam, lr, beta1, beta2, eps, max_iter,
                                    &hist[0], &n_iter, &work[0], work.shape[0], n_threads, iteration_hook, ctx)
        else:
            st = pyml_cofi_adam_f64(n_items, n_users, d, s.item_ptr, s.item_users, pv, s.user_ptr, s.user_items,
                                    s.user_pos, &X[0, 0], &W[0, 0], &b[0], lam, lr, beta1, beta2, eps, max_iter,
                                    &hist[0], &n_iter, &work[0], work.shape[0], n_threads, iteration_hook, ctx)
    finish_iterative(st, hook_state, "collaborative filtering (adam)")
    return hist_a[:n_iter].copy(), int(n_iter)


def als(tuple csr, const floating[::1] item_vals, floating[:, ::1] X, floating[:, ::1] W, floating[::1] b,
        floating[::1] c, double lam, double lambda_bias, long max_iter, double tol, int n_threads,
        object hook_state):
    """The whole ALS run in C; X, W, b, c (item bias, or None) updated in place. Returns (cost_history, n_iter)."""
    cdef pyml_index n_items = X.shape[0], n_users = W.shape[0], d = X.shape[1]
    if W.shape[1] != d or b.shape[0] != n_users or n_items == 0 or n_users == 0:
        raise ValueError("als: X, W, b shapes do not agree")
    if c is not None and c.shape[0] != n_items:
        raise ValueError("als: item bias length != n_items")
    cdef _CSR s = _CSR(csr, n_items, n_users)
    if item_vals.shape[0] != s.nnz:
        raise ValueError("als: item_vals length != nnz")
    hist_a = np.zeros(max(max_iter, 1), dtype=np.float64)
    work_a = np.empty(pyml_cofi_als_workspace_size(s.nnz, n_items, n_users, d, n_threads), dtype=np.uint8)
    cdef double[::1] hist = hist_a
    cdef unsigned char[::1] work = work_a
    cdef const floating *pv = _vals_ptr(item_vals)
    cdef floating *pc = &c[0] if c is not None else NULL
    cdef long n_iter = 0
    cdef void *ctx = <void *>hook_state
    cdef int st
    with nogil:
        if floating is float:
            st = pyml_cofi_als_f32(n_items, n_users, d, s.item_ptr, s.item_users, pv, s.user_ptr, s.user_items,
                                   s.user_pos, &X[0, 0], &W[0, 0], &b[0], pc, lam, lambda_bias, max_iter, tol,
                                   &hist[0], &n_iter, &work[0], work.shape[0], n_threads, iteration_hook, ctx)
        else:
            st = pyml_cofi_als_f64(n_items, n_users, d, s.item_ptr, s.item_users, pv, s.user_ptr, s.user_items,
                                   s.user_pos, &X[0, 0], &W[0, 0], &b[0], pc, lam, lambda_bias, max_iter, tol,
                                   &hist[0], &n_iter, &work[0], work.shape[0], n_threads, iteration_hook, ctx)
    finish_iterative(st, hook_state, "collaborative filtering (als)")
    return hist_a[:n_iter].copy(), int(n_iter)


def ridge_rows(const int64_t[::1] ptr, const int32_t[::1] idx, const floating[::1] vals, const floating[:, ::1] G,
               const floating[::1] other_bias, double lam, double lambda_bias, bint fit_bias, int n_threads):
    """Per-row ridge solves (one ALS half-step) against frozen factors G: returns (F, bias)."""
    cdef pyml_index n_rows = ptr.shape[0] - 1, n_other = G.shape[0], d = G.shape[1]
    if n_rows < 0 or idx.shape[0] != ptr[n_rows] or vals.shape[0] != idx.shape[0]:
        raise ValueError("ridge_rows: ptr, idx, vals lengths do not agree")
    if other_bias is not None and other_bias.shape[0] != n_other:
        raise ValueError("ridge_rows: other_bias length != G rows")
    dtype = np.float32 if floating is float else np.float64
    F_a = np.zeros((max(n_rows, 0), d), dtype=dtype)
    bias_a = np.zeros(max(n_rows, 0), dtype=dtype)
    cdef pyml_index max_len = int(np.max(np.diff(np.asarray(ptr)))) if n_rows > 0 else 0
    work_a = np.empty(pyml_cofi_ridge_workspace_doubles(d, max_len, n_threads), dtype=np.float64)
    cdef floating[:, ::1] F = F_a
    cdef floating[::1] bias = bias_a
    cdef double[::1] work = work_a
    cdef const int32_t *pi = &idx[0] if idx.shape[0] > 0 else NULL
    cdef const floating *pv = _vals_ptr(vals)
    cdef const floating *pg = &G[0, 0] if n_other > 0 else NULL
    cdef const floating *pob = &other_bias[0] if other_bias is not None and n_other > 0 else NULL
    cdef int st
    if n_rows == 0:
        return F_a, bias_a
    with nogil:
        if floating is float:
            st = pyml_cofi_ridge_rows_f32(n_rows, n_other, d, &ptr[0], pi, NULL, pv, pg, pob, lam, lambda_bias,
                                          fit_bias, &F[0, 0], &bias[0], max_len, &work[0], n_threads)
        else:
            st = pyml_cofi_ridge_rows_f64(n_rows, n_other, d, &ptr[0], pi, NULL, pv, pg, pob, lam, lambda_bias,
                                          fit_bias, &F[0, 0], &bias[0], max_len, &work[0], n_threads)
    raise_for_status(st, "ridge solve")
    return F_a, bias_a


def topk(const floating[:, ::1] X, const floating[::1] offset, const floating[:, ::1] Wq, const floating[::1] bq,
         const int64_t[::1] excl_ptr, const int32_t[::1] excl_idx, pyml_index k, int n_threads):
    """Top-k items per query user (indices int64 (n_q, k), scores (n_q, k)); -1 pads missing slots."""
    cdef pyml_index n_items = X.shape[0], d = X.shape[1], n_q = Wq.shape[0]
    if Wq.shape[1] != d or bq.shape[0] != n_q or (offset is not None and offset.shape[0] != n_items):
        raise ValueError("topk: shapes do not agree")
    if excl_ptr is not None and (excl_ptr.shape[0] != n_q + 1 or excl_idx is None
                                 or excl_idx.shape[0] != excl_ptr[n_q]):
        raise ValueError("topk: exclusion lists do not agree")
    dtype = np.float32 if floating is float else np.float64
    idx_a = np.full((n_q, k), -1, dtype=np.int64)
    score_a = np.zeros((n_q, k), dtype=dtype)
    work_a = np.empty(max(n_threads, 1) * max(n_items, 1), dtype=dtype)
    cdef int64_t[:, ::1] oi = idx_a
    cdef floating[:, ::1] os = score_a
    cdef floating[::1] work = work_a
    cdef const floating *po = &offset[0] if offset is not None and n_items > 0 else NULL
    cdef const int64_t *pe = &excl_ptr[0] if excl_ptr is not None else NULL
    cdef const int32_t *pei = &excl_idx[0] if excl_idx is not None and excl_idx.shape[0] > 0 else NULL
    cdef int st
    if n_q == 0 or n_items == 0:
        return idx_a, score_a
    with nogil:
        if floating is float:
            st = pyml_cofi_topk_f32(&X[0, 0], n_items, d, po, &Wq[0, 0], &bq[0], n_q, pe, pei, k, &oi[0, 0],
                                    &os[0, 0], &work[0], n_threads)
        else:
            st = pyml_cofi_topk_f64(&X[0, 0], n_items, d, po, &Wq[0, 0], &bq[0], n_q, pe, pei, k, &oi[0, 0],
                                    &os[0, 0], &work[0], n_threads)
    raise_for_status(st, "recommend")
    return idx_a, score_a


def similar(const floating[:, ::1] X, const int64_t[::1] queries, pyml_index k, int n_threads):
    """k nearest items by squared distance for each query item (itself excluded)."""
    cdef pyml_index n_items = X.shape[0], d = X.shape[1], n_q = queries.shape[0]
    dtype = np.float32 if floating is float else np.float64
    idx_a = np.full((n_q, k), -1, dtype=np.int64)
    dist_a = np.zeros((n_q, k), dtype=dtype)
    cdef int64_t[:, ::1] oi = idx_a
    cdef floating[:, ::1] od = dist_a
    cdef int st
    if n_q == 0 or n_items == 0:
        return idx_a, dist_a
    with nogil:
        if floating is float:
            st = pyml_cofi_similar_f32(&X[0, 0], n_items, d, &queries[0], n_q, k, &oi[0, 0], &od[0, 0], NULL,
                                       n_threads)
        else:
            st = pyml_cofi_similar_f64(&X[0, 0], n_items, d, &queries[0], n_q, k, &oi[0, 0], &od[0, 0], NULL,
                                       n_threads)
    raise_for_status(st, "similar_items")
    return idx_a, dist_a


def sq_dist_rows(const floating[:, ::1] A, const floating[:, ::1] B, int n_threads):
    """Row-wise sum of squared differences (n,)."""
    cdef pyml_index n = A.shape[0], d = A.shape[1]
    if B.shape[0] != n or B.shape[1] != d:
        raise ValueError("sq_dist_rows: A and B shapes differ")
    out_a = np.zeros(n, dtype=np.float32 if floating is float else np.float64)
    cdef floating[::1] out = out_a
    cdef int st
    if n == 0:
        return out_a
    with nogil:
        if floating is float:
            st = pyml_cofi_sq_dist_rows_f32(&A[0, 0], d, &B[0, 0], d, n, d, &out[0], n_threads)
        else:
            st = pyml_cofi_sq_dist_rows_f64(&A[0, 0], d, &B[0, 0], d, n, d, &out[0], n_threads)
    raise_for_status(st, "sq_dist")
    return out_a
