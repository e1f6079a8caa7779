/* Linear and logistic regression kernels (Course 1).
 *
 * Model:   z_i = x_i . w + b
 *          linear:   f_i = z_i,           loss_i = (f_i - y_i)^2 / 2
 *          logistic: f_i = sigmoid(z_i),  loss_i = softplus(z_i) - y_i z_i
 *                    (= -y log f - (1-y) log(1-f), evaluated without overflow)
 * Cost:    J(w,b) = (1/m) sum_i loss_i + lambda/(2m) sum_j w_j^2     (b is not regularised)
 * Grad:    dJ/dw  = (1/m) sum_i (f_i - y_i) x_i + (lambda/m) w
 *          dJ/db  = (1/m) sum_i (f_i - y_i)
 * Both models share the residual f - y, so one fused pass over X gives the
 * cost and the gradient.
 *
 * Multinomial (softmax) regression, W of shape (K, d), labels 0..K-1:
 *          z_ik = x_i . W_k + b_k,  p_ik = softmax(z_i)_k
 *          J = (1/m) sum_i (logsumexp(z_i) - z_{i,y_i}) + lambda/(2m) ||W||^2
 *          dJ/dW_k = (1/m) sum_i (p_ik - [y_i = k]) x_i + (lambda/m) W_k
 *
 * Sample weights: every kernel that sums over rows takes sw (n weights s_i >= 0,
 * or NULL for unit weights). Weighted, each row's loss, residual and Hessian
 * term is multiplied by s_i and m becomes sum_i s_i (the penalty keeps the same
 * m: lambda/(2 sum s) ||w||^2), so integer weights equal repeated rows and a zero
 * weight drops the row. sw == NULL runs the unweighted code unchanged.
 *
 * X is row-major with row stride ldx (elements, >= d). The workspace holds
 * one partial result per row block; its size in elements comes from the
 * *_workspace_size functions. Results are identical for any n_threads.
 */
#ifndef PYML_LINEAR_MODEL_H
#define PYML_LINEAR_MODEL_H

#include "common.h"

enum { PYML_MODEL_LINEAR = 0, PYML_MODEL_LOGISTIC = 1 };

size_t pyml_linear_workspace_size(pyml_index n, pyml_index d, size_t elem_size);
size_t pyml_softmax_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size);

#define PYML_DECLARE_LINEAR(T, SFX)                                                               \
    int pyml_sigmoid_##SFX(const T *z, pyml_index n, T *out, int n_threads);                       \
    int pyml_linear_value_grad_##SFX(const T *X, pyml_index ldx, const T *y, const T *sw,          \
                                     pyml_index n,                                                 \
                                     pyml_index d, const T *w, T b, int model, double reg_lambda,  \
                                     T *grad_w, T *grad_b, double *cost, T *work,                  \
                                     size_t work_size, int n_threads);                             \
    int pyml_linear_hessp_##SFX(const T *X, pyml_index ldx, const T *sw, pyml_index n,             \
                                pyml_index d,                                                      \
                                const T *w, T b, const T *v_w, T v_b, double reg_lambda,           \
                                T *hv_w, T *hv_b, T *work, size_t work_size, int n_threads);       \
    int pyml_linear_predict_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,          \
                                  const T *w, T b, int model, T *out, int n_threads);              \
    int pyml_linear_gd_##SFX(const T *X, pyml_index ldx, const T *y, const T *sw, pyml_index n,    \
                             pyml_index d,                                                         \
                             int model, T *w, T *b, int fit_intercept, double alpha,               \
                             double reg_lambda, long max_iter, double tol, double *cost_history,   \
                             long record_every,                                                    \
                             T *param_history, long max_records, T *work, size_t work_size,        \
                             int n_threads, pyml_iteration_hook hook, void *hook_ctx,              \
                             long *n_iter);                                                        \
    int pyml_softmax_value_grad_##SFX(const T *X, pyml_index ldx, const int32_t *y, const T *sw,   \
                                      pyml_index n,                                                \
                                      pyml_index d, pyml_index k, const T *W, const T *b,          \
                                      double reg_lambda, T *grad_W, T *grad_b, double *cost,       \
                                      T *work, size_t work_size, int n_threads);                   \
    int pyml_softmax_hessp_##SFX(const T *X, pyml_index ldx, const T *sw, pyml_index n,            \
                                 pyml_index d,                                                     \
                                 pyml_index k, const T *W, const T *b, const T *V, const T *vb,    \
                                 double reg_lambda, T *hv_W, T *hv_b, T *work, size_t work_size,   \
                                 int n_threads);                                                   \
    int pyml_softmax_predict_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,         \
                                   pyml_index k, const T *W, const T *b, int probabilities,        \
                                   T *out, int n_threads);                                         \
    int pyml_softmax_gd_##SFX(const T *X, pyml_index ldx, const int32_t *y, const T *sw,           \
                              pyml_index n,                                                        \
                              pyml_index d, pyml_index k, T *W, T *b, int fit_intercept,           \
                              double alpha,                                                        \
                              double reg_lambda, long max_iter, double tol, double *cost_history,  \
                              T *work, size_t work_size, int n_threads, pyml_iteration_hook hook,  \
                              void *hook_ctx, long *n_iter);

PYML_DECLARE_LINEAR(float, f32)
PYML_DECLARE_LINEAR(double, f64)

#endif
