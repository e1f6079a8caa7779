# Thin bindings over csrc/linear_model.{h,c}: typed memoryviews in, kernel
# called without the GIL, status turned into an exception. No arithmetic here.
from cython cimport floating
from libc.stdint cimport int32_t

import numpy as np

from pyml.utils.validation import check_allocation

from pyml.utils._kernel_support cimport (
    pyml_index, pyml_iteration_hook, iteration_hook, raise_for_status, finish_iterative,
)

cdef extern from "linear_model.h" nogil:
    size_t pyml_linear_workspace_size(pyml_index n, pyml_index d, size_t elem_size)
    size_t pyml_softmax_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size)

    int pyml_linear_value_grad_f32(const float *X, pyml_index ldx, const float *y, const float *sw, pyml_index n, pyml_index d,
                                   const float *w, float b, int model, double reg_lambda, float *grad_w,
                                   float *grad_b, double *cost, float *work, size_t work_size, int n_threads)
    int pyml_linear_value_grad_f64(const double *X, pyml_index ldx, const double *y, const double *sw, pyml_index n, pyml_index d,
                                   const double *w, double b, int model, double reg_lambda, double *grad_w,
                                   double *grad_b, double *cost, double *work, size_t work_size, int n_threads)
    int pyml_linear_hessp_f32(const float *X, pyml_index ldx, const float *sw, pyml_index n, pyml_index d, const float *w,
                              float b, const float *v_w, float v_b, double reg_lambda, float *hv_w,
                              float *hv_b, float *work, size_t work_size, int n_threads)
    int pyml_linear_hessp_f64(const double *X, pyml_index ldx, const double *sw, pyml_index n, pyml_index d, const double *w,
                              double b, const double *v_w, double v_b, double reg_lambda, double *hv_w,
                              double *hv_b, double *work, size_t work_size, int n_threads)
    int pyml_linear_predict_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, const float *w,
                                float b, int model, float *out, int n_threads)
    int pyml_linear_predict_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, const double *w,
                                double b, int model, double *out, int n_threads)
    int pyml_linear_gd_f32(const float *X, pyml_index ldx, const float *y, const float *sw, pyml_index n, pyml_index d,
                           int model, float *w, float *b, int fit_intercept, double alpha, double reg_lambda, long max_iter,
                           double tol, double *cost_history, long record_every, float *param_history,
                           long max_records, float *work, size_t work_size, int n_threads,
                           pyml_iteration_hook hook, void *hook_ctx, long *n_iter)
    int pyml_linear_gd_f64(const double *X, pyml_index ldx, const double *y, const double *sw, pyml_index n, pyml_index d,
                           int model, double *w, double *b, int fit_intercept, double alpha, double reg_lambda, long max_iter,
                           double tol, double *cost_history, long record_every, double *param_history,
                           long max_records, double *work, size_t work_size, int n_threads,
                           pyml_iteration_hook hook, void *hook_ctx, long *n_iter)
    int pyml_softmax_value_grad_f32(const float *X, pyml_index ldx, const int32_t *y, const float *sw, pyml_index n,
                                    pyml_index d, pyml_index k, const float *W, const float *b,
                                    double reg_lambda, float *grad_W, float *grad_b, double *cost,
                                    float *work, size_t work_size, int n_threads)
    int pyml_softmax_value_grad_f64(const double *X, pyml_index ldx, const int32_t *y, const double *sw, pyml_index n,
                                    pyml_index d, pyml_index k, const double *W, const double *b,
                                    double reg_lambda, double *grad_W, double *grad_b, double *cost,
                                    double *work, size_t work_size, int n_threads)
    int pyml_softmax_hessp_f32(const float *X, pyml_index ldx, const float *sw, pyml_index n, pyml_index d, pyml_index k,
                               const float *W, const float *b, const float *V, const float *vb,
                               double reg_lambda, float *hv_W, float *hv_b, float *work, size_t work_size,
                               int n_threads)
    int pyml_softmax_hessp_f64(const double *X, pyml_index ldx, const double *sw, pyml_index n, pyml_index d, pyml_index k,
                               const double *W, const double *b, const double *V, const double *vb,
                               double reg_lambda, double *hv_W, double *hv_b, double *work, size_t work_size,
                               int n_threads)
    int pyml_softmax_predict_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index d, pyml_index k,
                                 const float *W, const float *b, int probabilities, float *out, int n_threads)
    int pyml_softmax_predict_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index d, pyml_index k,
                                 const double *W, const double *b, int probabilities, double *out, int n_threads)
    int pyml_softmax_gd_f32(const float *X, pyml_index ldx, const int32_t *y, const float *sw, pyml_index n, pyml_index d,
                            pyml_index k, float *W, float *b, int fit_intercept, double alpha, double reg_lambda, long max_iter,
                            double tol, double *cost_history, float *work, size_t work_size, int n_threads,
                            pyml_iteration_hook hook, void *hook_ctx, long *n_iter)
    int pyml_softmax_gd_f64(const double *X, pyml_index ldx, const int32_t *y, const double *sw, pyml_index n, pyml_index d,
                            pyml_index k, double *W, double *b, int fit_intercept, double alpha, double reg_lambda, long max_iter,
                            double tol, double *cost_history, double *work, size_t work_size, int n_threads,
                            pyml_iteration_hook hook, void *hook_ctx, long *n_iter)

    int pyml_sigmoid_f32(const float *z, pyml_index n, float *out, int n_threads)
    int pyml_sigmoid_f64(const double *z, pyml_index n, double *out, int n_threads)

MODEL_LINEAR = 0
MODEL_LOGISTIC = 1



def _check_weights(sample_weight, pyml_index n, str caller):
    """sample_weight (None: unit weights) must have one entry per row of X."""
    if sample_weight is not None and sample_weight.shape[0] != n:
        raise ValueError(f"{caller}: sample_weight has {sample_weight.shape[0]} entries, X has {n} rows")


def value_grad(const floating[:, ::1] X, const floating[::1] y, const floating[::1] w, double b,
               int model, double reg_lambda, int n_threads, const floating[::1] sample_weight=None):
    """(cost, grad_w, grad_b) of the linear/logistic cost (see linear_model.h); sample_weight None
    means unit weights."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    dtype = np.float32 if floating is float else np.float64
    grad_w_arr = np.empty(d, dtype=dtype)
    work_arr = np.empty(pyml_linear_workspace_size(n, d, sizeof(floating)), dtype=dtype)
    cdef floating[::1] grad_w = grad_w_arr
    cdef floating[::1] work = work_arr
    cdef floating grad_b = 0
    cdef double cost = 0
    cdef int st
    if y.shape[0] != n or w.shape[0] != d:
        raise ValueError("value_grad: inconsistent shapes")
    _check_weights(sample_weight, n, "value_grad")
    cdef const floating *sw = &sample_weight[0] if sample_weight is not None and n > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_linear_value_grad_f32(&X[0, 0], X.strides[0] // sizeof(float), &y[0], sw, n, d,
                                            &w[0] if d else NULL,
                                            <float>b, model, reg_lambda, &grad_w[0] if d else NULL, &grad_b,
                                            &cost, &work[0], work.shape[0], n_threads)
        else:
            st = pyml_linear_value_grad_f64(&X[0, 0], X.strides[0] // sizeof(double), &y[0], sw, n, d,
                                            &w[0] if d else NULL,
                                            b, model, reg_lambda, &grad_w[0] if d else NULL, &grad_b,
                                            &cost, &work[0], work.shape[0], n_threads)
    raise_for_status(st, "linear value_grad")
    return cost, grad_w_arr, float(grad_b)


def hessp(const floating[:, ::1] X, const floating[::1] w, double b, const floating[::1] v_w, double v_b,
          double reg_lambda, int n_threads, const floating[::1] sample_weight=None):
    """Hessian-vector product of the (weighted) logistic cost: (hv_w, hv_b)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    dtype = np.float32 if floating is float else np.float64
    hv_arr = np.empty(d, dtype=dtype)
    work_arr = np.empty(pyml_linear_workspace_size(n, d, sizeof(floating)), dtype=dtype)
    cdef floating[::1] hv = hv_arr
    cdef floating[::1] work = work_arr
    cdef floating hv_b = 0
    cdef int st
    if w.shape[0] != d or v_w.shape[0] != d:
        raise ValueError("hessp: inconsistent shapes")
    _check_weights(sample_weight, n, "hessp")
    cdef const floating *sw = &sample_weight[0] if sample_weight is not None and n > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_linear_hessp_f32(&X[0, 0], X.strides[0] // sizeof(float), sw, n, d, &w[0], <float>b, &v_w[0],
                                       <float>v_b, reg_lambda, &hv[0], &hv_b, &work[0], work.shape[0], n_threads)
        else:
            st = pyml_linear_hessp_f64(&X[0, 0], X.strides[0] // sizeof(double), sw, n, d, &w[0], b, &v_w[0],
                                       v_b, reg_lambda, &hv[0], &hv_b, &work[0], work.shape[0], n_threads)
    raise_for_status(st, "logistic hessp")
    return hv_arr, float(hv_b)


def predict(const floating[:, ::1] X, const floating[::1] w, double b, int model, int n_threads):
    """z = Xw + b (linear) or sigmoid(z) (logistic), shape (n,)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    out_arr = np.empty(n, dtype=np.float32 if floating is float else np.float64)
    cdef floating[::1] out = out_arr
    cdef int st
    if w.shape[0] != d:
        raise ValueError("predict: inconsistent shapes")
    if n == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_linear_predict_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, &w[0] if d else NULL,
                                         <float>b, model, &out[0], n_threads)
        else:
            st = pyml_linear_predict_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, &w[0] if d else NULL,
                                         b, model, &out[0], n_threads)
    raise_for_status(st, "linear predict")
    return out_arr


def gradient_descent(const floating[:, ::1] X, const floating[::1] y, floating[::1] w, double b, int model,
                     bint fit_intercept, double alpha, double reg_lambda, long max_iter, double tol, long record_every,
                     long max_records, int n_threads, object hook_state,
                     const floating[::1] sample_weight=None):
    """Run batch gradient descent in C (sample_weight None: unit weights). ``w`` is updated in place.

    Returns (b, cost_history, param_history, n_iter, diverged).
    """
    cdef pyml_index n = X.shape[0], d = X.shape[1]
    dtype = np.float32 if floating is float else np.float64
    cdef size_t need = pyml_linear_workspace_size(n, d, sizeof(floating)) + d + 1
    check_allocation(8 * max(max_iter, 1), f"gradient descent: a cost history of max_iter={max_iter} entries",
                     "lower max_iter (tol stops the run earlier when it converges)")
    work_arr = np.empty(need, dtype=dtype)
    history_arr = np.zeros(max(max_iter, 1), dtype=np.float64)
    params_arr = np.zeros((max(max_records, 1), d + 1), dtype=dtype)
    cdef floating[::1] work = work_arr
    cdef double[::1] history = history_arr
    cdef floating[:, ::1] params = params_arr
    cdef floating b_io = <floating>b
    cdef long n_iter = 0
    cdef int st
    cdef void *ctx = <void *>hook_state
    if y.shape[0] != n or w.shape[0] != d:
        raise ValueError("gradient_descent: inconsistent shapes")
    _check_weights(sample_weight, n, "gradient_descent")
    cdef const floating *sw = &sample_weight[0] if sample_weight is not None and n > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_linear_gd_f32(&X[0, 0], X.strides[0] // sizeof(float), &y[0], sw, n, d, model, &w[0] if d else NULL,
                                    &b_io, fit_intercept, alpha, reg_lambda, max_iter, tol, &history[0], record_every,
                                    &params[0, 0], max_records, &work[0], work.shape[0], n_threads,
                                    iteration_hook, ctx, &n_iter)
        else:
            st = pyml_linear_gd_f64(&X[0, 0], X.strides[0] // sizeof(double), &y[0], sw, n, d, model, &w[0] if d else NULL,
                                    &b_io, fit_intercept, alpha, reg_lambda, max_iter, tol, &history[0], record_every,
                                    &params[0, 0], max_records, &work[0], work.shape[0], n_threads,
                                    iteration_hook, ctx, &n_iter)
    diverged = st == 4  # PYML_ERR_NONFINITE: reported to the caller, who warns
    if not diverged:
        finish_iterative(st, hook_state, "gradient descent")
    n_records = 0 if n_iter == 0 else min(max_records, (n_iter - 1) // record_every + 1)
    return float(b_io), history_arr[:n_iter], params_arr[:n_records], int(n_iter), diverged


def softmax_value_grad(const floating[:, ::1] X, const int32_t[::1] y, const floating[:, ::1] W,
                       const floating[::1] b, double reg_lambda, int n_threads,
                       const floating[::1] sample_weight=None):
    """(cost, grad_W (k, d), grad_b (k,)) of the (weighted) multinomial logistic cost."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = W.shape[0]
    dtype = np.float32 if floating is float else np.float64
    gW_arr = np.empty((k, d), dtype=dtype)
    gb_arr = np.empty(k, dtype=dtype)
    work_arr = np.empty(pyml_softmax_workspace_size(n, d, k, sizeof(floating)), dtype=dtype)
    cdef floating[:, ::1] gW = gW_arr
    cdef floating[::1] gb = gb_arr
    cdef floating[::1] work = work_arr
    cdef double cost = 0
    cdef int st
    if y.shape[0] != n or W.shape[1] != d or b.shape[0] != k:
        raise ValueError("softmax_value_grad: inconsistent shapes")
    _check_weights(sample_weight, n, "softmax_value_grad")
    cdef const floating *sw = &sample_weight[0] if sample_weight is not None and n > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_softmax_value_grad_f32(&X[0, 0], X.strides[0] // sizeof(float), &y[0], sw, n, d, k, &W[0, 0], &b[0],
                                             reg_lambda, &gW[0, 0], &gb[0], &cost, &work[0], work.shape[0],
                                             n_threads)
        else:
            st = pyml_softmax_value_grad_f64(&X[0, 0], X.strides[0] // sizeof(double), &y[0], sw, n, d, k, &W[0, 0], &b[0],
                                             reg_lambda, &gW[0, 0], &gb[0], &cost, &work[0], work.shape[0],
                                             n_threads)
    raise_for_status(st, "softmax value_grad")
    return cost, gW_arr, gb_arr


def softmax_hessp(const floating[:, ::1] X, const floating[:, ::1] W, const floating[::1] b,
                  const floating[:, ::1] V, const floating[::1] vb, double reg_lambda, int n_threads,
                  const floating[::1] sample_weight=None):
    """Hessian-vector product of the (weighted) multinomial cost: (hv_W, hv_b)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = W.shape[0]
    dtype = np.float32 if floating is float else np.float64
    hW_arr = np.empty((k, d), dtype=dtype)
    hb_arr = np.empty(k, dtype=dtype)
    work_arr = np.empty(pyml_softmax_workspace_size(n, d, k, sizeof(floating)), dtype=dtype)
    cdef floating[:, ::1] hW = hW_arr
    cdef floating[::1] hb = hb_arr
    cdef floating[::1] work = work_arr
    cdef int st
    if W.shape[1] != d or b.shape[0] != k or V.shape[0] != k or V.shape[1] != d or vb.shape[0] != k:
        raise ValueError("softmax_hessp: inconsistent shapes")
    _check_weights(sample_weight, n, "softmax_hessp")
    cdef const floating *sw = &sample_weight[0] if sample_weight is not None and n > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_softmax_hessp_f32(&X[0, 0], X.strides[0] // sizeof(float), sw, n, d, k, &W[0, 0], &b[0], &V[0, 0],
                                        &vb[0], reg_lambda, &hW[0, 0], &hb[0], &work[0], work.shape[0], n_threads)
        else:
            st = pyml_softmax_hessp_f64(&X[0, 0], X.strides[0] // sizeof(double), sw, n, d, k, &W[0, 0], &b[0], &V[0, 0],
                                        &vb[0], reg_lambda, &hW[0, 0], &hb[0], &work[0], work.shape[0], n_threads)
    raise_for_status(st, "softmax hessp")
    return hW_arr, hb_arr


def softmax_predict(const floating[:, ::1] X, const floating[:, ::1] W, const floating[::1] b,
                    bint probabilities, int n_threads):
    """Scores XW^T + b or softmax probabilities, shape (n, k)."""
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = W.shape[0]
    out_arr = np.empty((n, k), dtype=np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] out = out_arr
    cdef int st
    if W.shape[1] != d or b.shape[0] != k:
        raise ValueError("softmax_predict: inconsistent shapes")
    if n == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_softmax_predict_f32(&X[0, 0], X.strides[0] // sizeof(float), n, d, k, &W[0, 0], &b[0],
                                          probabilities, &out[0, 0], n_threads)
        else:
            st = pyml_softmax_predict_f64(&X[0, 0], X.strides[0] // sizeof(double), n, d, k, &W[0, 0], &b[0],
                                          probabilities, &out[0, 0], n_threads)
    raise_for_status(st, "softmax predict")
    return out_arr


def softmax_gradient_descent(const floating[:, ::1] X, const int32_t[::1] y, floating[:, ::1] W,
                             floating[::1] b, bint fit_intercept, double alpha, double reg_lambda, long max_iter, double tol,
                             int n_threads, object hook_state, const floating[::1] sample_weight=None):
    """Batch gradient descent for softmax regression in C; W and b updated in place.

    Returns (cost_history, n_iter, diverged).
    """
    cdef pyml_index n = X.shape[0], d = X.shape[1], k = W.shape[0]
    dtype = np.float32 if floating is float else np.float64
    work_arr = np.empty(pyml_softmax_workspace_size(n, d, k, sizeof(floating)) + k * (d + 1), dtype=dtype)
    history_arr = np.zeros(max(max_iter, 1), dtype=np.float64)
    cdef floating[::1] work = work_arr
    cdef double[::1] history = history_arr
    cdef long n_iter = 0
    cdef int st
    cdef void *ctx = <void *>hook_state
    if y.shape[0] != n or W.shape[1] != d or b.shape[0] != k:
        raise ValueError("softmax_gradient_descent: inconsistent shapes")
    _check_weights(sample_weight, n, "softmax_gradient_descent")
    cdef const floating *sw = &sample_weight[0] if sample_weight is not None and n > 0 else NULL
    with nogil:
        if floating is float:
            st = pyml_softmax_gd_f32(&X[0, 0], X.strides[0] // sizeof(float), &y[0], sw, n, d, k, &W[0, 0], &b[0], fit_intercept, alpha,
                                     reg_lambda, max_iter, tol, &history[0], &work[0], work.shape[0], n_threads,
                                     iteration_hook, ctx, &n_iter)
        else:
            st = pyml_softmax_gd_f64(&X[0, 0], X.strides[0] // sizeof(double), &y[0], sw, n, d, k, &W[0, 0], &b[0], fit_intercept, alpha,
                                     reg_lambda, max_iter, tol, &history[0], &work[0], work.shape[0], n_threads,
                                     iteration_hook, ctx, &n_iter)
    diverged = st == 4
    if not diverged:
        finish_iterative(st, hook_state, "softmax gradient descent")
    return history_arr[:n_iter], int(n_iter), diverged


def sigmoid(const floating[::1] z, int n_threads):
    """Elementwise 1 / (1 + exp(-z)) without overflow."""
    cdef pyml_index n = z.shape[0]
    out_arr = np.empty(n, dtype=np.float32 if floating is float else np.float64)
    cdef floating[::1] out = out_arr
    cdef int st
    if n == 0:
        return out_arr
    with nogil:
        if floating is float:
            st = pyml_sigmoid_f32(&z[0], n, &out[0], n_threads)
        else:
            st = pyml_sigmoid_f64(&z[0], n, &out[0], n_threads)
    raise_for_status(st, "sigmoid")
    return out_arr
