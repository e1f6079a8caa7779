/* Neural-network kernels (Course 2): dense layers, losses, optimisers, and a
 * whole training step / epoch of a multi-layer perceptron in one call.
 *
 * Dense layer (Keras layout: W has shape (n_in, n_out), row-major):
 *     Z = X W + b,        A = g(Z)
 *     g: linear (z), relu max(0, z), sigmoid 1/(1+e^-z), tanh, softmax (row-wise),
 *        leaky_relu z > 0 ? z : alpha z   (alpha = the layer's `alpha` >= 0)
 * Backward, given dL/dA (or dL/dZ for the output layer, see the losses):
 *     dZ = dA * g'(A)     (relu: [A>0], sigmoid: A(1-A), tanh: 1-A^2, leaky_relu: A>0 ? 1 : alpha)
 *     dW = X^T dZ + 2 l2 W (Keras L2(l2) adds l2 * sum W^2 to the loss)
 *     db = sum_rows dZ,   dX = dZ W^T
 *
 * Losses (mean over the rows of the batch; over the last axis too for MSE/BCE):
 *     mse     l_i = (1/k) sum_c (a_ic - y_ic)^2        (or (a_{i,col_i} - y_i)^2 with a
 *                                                        gathered column per row: DQN)
 *     bce     l_i = (1/k) sum_c softplus(z_ic) - y_ic z_ic          (logits)
 *     cce     l_i = sum_c y_ic (logsumexp(z_i) - z_ic)              (logits)
 *     scce    l_i = logsumexp(z_i) - z_{i,y_i}                      (logits)
 * The loss kernels take the output layer's pre-activation Z and its activation.
 * When the output is a softmax (cce/scce) or a sigmoid (bce), or when the loss
 * is told the outputs are logits and the activation is linear, softmax and
 * cross-entropy are fused: log-sum-exp on Z and dL/dZ = (p - y)/m, never
 * forming log(p). Other combinations clip probabilities to [1e-7, 1-1e-7] like
 * Keras and chain through g'.
 *
 * Optimisers (Keras formulas; t counts steps from 1):
 *     adam  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
 *           w <- w - lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
 *     sgd   v <- mu v - lr g;  w <- w + v   (nesterov: w <- w + mu v - lr g; mu = 0: w -= lr g)
 *     soft target update  w_t <- tau w + (1 - tau) w_t
 *
 * Matrix products use register-tiled micro-kernels (4 rows x 64 bytes of
 * columns, compiled for AVX2/FMA and the baseline; 8 rows x 128 bytes on
 * AVX-512, with the common epilogues applied in registers), with bias +
 * activation or the activation derivative applied to the tile before it is
 * stored. Shapes the tiles serve badly have their own kernels forming the same
 * fused sums: one row (acting on one observation), few output columns with the
 * rows contiguous (a narrow layer's weight gradient). A narrow layer's forward
 * product (<= 8 outputs, >= 32 inputs: a Q-network's actions) is a dot product
 * per output on 32-byte lanes combined by a fixed tree. Which kernel runs
 * depends on the shapes only; every output element is one sum over k in a
 * fixed order, so results never depend on the thread count: threads only split
 * output tiles; the batch reductions (dW, db, the loss) run over the rows in
 * order. One thread never enters an OpenMP parallel region; a single training
 * step packs only what it reads (W itself when its rows are whole panels) and
 * updates W, b as flat arrays.
 *
 * Inverted dropout (training only; Keras Dropout after a Dense layer): a layer
 * with dropout = p > 0 passes D = A * M to the next layer, M_ij = 1/(1-p) with
 * probability 1-p, else 0, and the backward pass multiplies dL/dD by the same
 * M (in_dropout: the same on the first layer's input, a Dropout right after
 * the Input; no gradient flows there). The mask is a pure function of (the
 * layer's seed, the optimiser step t, the row within the batch, the column):
 * a counter-based generator (splitmix64's finaliser), so it does not depend
 * on the threads. Per-row loss weights (pyml_mlp_train_epoch_w) scale each
 * row's loss and dL/dZ.
 *
 * Weights, gradients and optimiser state are caller-owned arrays described by
 * pyml_dense_layer; the workspace (sizes from the *_workspace_size functions,
 * in elements of T) holds packed weights and the activations of one batch.
 */
#ifndef PYML_NN_H
#define PYML_NN_H

#include "common.h"

enum { PYML_ACT_LINEAR = 0, PYML_ACT_RELU = 1, PYML_ACT_SIGMOID = 2, PYML_ACT_SOFTMAX = 3,
       PYML_ACT_TANH = 4, PYML_ACT_LEAKY_RELU = 5 };
#define PYML_ACT_MAX PYML_ACT_LEAKY_RELU
enum { PYML_LOSS_MSE = 0, PYML_LOSS_BCE = 1, PYML_LOSS_CCE = 2, PYML_LOSS_SCCE = 3 };
enum { PYML_OPT_SGD = 0, PYML_OPT_ADAM = 1 };

#define PYML_NN_MAX_LAYERS 64

typedef struct {
    pyml_index n_in, n_out;
    int activation;
    double l2;          /* L2 penalty factor on W (Keras L2(l2)); 0 = none */
    void *W, *b;        /* (n_in, n_out), (n_out,)  T = float or double */
    void *gW, *gb;      /* gradients, same shapes (written by the training step) */
    void *mW, *mb;      /* Adam first moments / SGD velocity (NULL when unused) */
    void *vW, *vb;      /* Adam second moments (NULL when unused) */
    /* (appended fields: a caller that zero-initialises the struct gets the old behaviour) */
    double alpha;       /* PYML_ACT_LEAKY_RELU: slope for z <= 0 (>= 0) */
    double dropout;     /* inverted-dropout rate on this layer's output while training, in [0, 1) */
    uint64_t seed;      /* key of the dropout mask generator */
    double in_dropout;  /* the first layer only: inverted dropout on the network's input while training */
    uint64_t in_seed;   /* its key */
} pyml_dense_layer;

typedef struct {
    int kind;           /* PYML_OPT_* */
    double learning_rate, beta1, beta2, epsilon, momentum;
    int nesterov;
    long t;             /* steps already taken; advanced by the training kernels */
} pyml_optimizer;

typedef struct {
    int kind;           /* PYML_LOSS_* */
    int from_logits;
} pyml_loss_spec;

/* Elements of T in the workspace of each entry point. */
size_t pyml_dense_forward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem);
size_t pyml_dense_backward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem);
size_t pyml_mlp_forward_workspace_size(const pyml_dense_layer *layers, int n_layers, size_t elem);
size_t pyml_mlp_train_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                     pyml_index n_rows_loss, size_t elem);

#define PYML_DECLARE_NN(T, SFX)                                                                   \
    int pyml_dense_forward_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index n_in,        \
                                 const T *W, const T *b, pyml_index n_out, int activation, T *A,   \
                                 T *work, size_t work_size, int n_threads);                        \
    int pyml_dense_backward_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index n_in,       \
                                  const T *W, pyml_index n_out, int activation, const T *A,        \
                                  const T *dA, double l2, T *dW, T *db, T *dX, T *work,            \
                                  size_t work_size, int n_threads);                                \
    int pyml_nn_loss_##SFX(const pyml_loss_spec *loss, int activation, const T *Z, pyml_index n,   \
                           pyml_index k, const T *Yf, pyml_index ldy, const int32_t *Yi,           \
                           const int32_t *cols, T *dZ, double *loss_out, int n_threads);          \
    /* pyml_nn_loss with per-row weights sw (n, >= 0; NULL: 1): Keras's weighted \
     * loss sum_i sw_i loss_i / n ("sum over batch size"), dZ scaled to match. */  \
    int pyml_nn_loss_w_##SFX(const pyml_loss_spec *loss, int activation, const T *Z,              \
                             pyml_index n, pyml_index k, const T *Yf, pyml_index ldy,             \
                             const int32_t *Yi, const int32_t *cols, const T *sw, T *dZ,          \
                             double *loss_out, int n_threads);           \
    int pyml_activation_##SFX(int activation, const T *Z, pyml_index n, pyml_index k, T *A,        \
                              int n_threads);                                                      \
    int pyml_adam_update_##SFX(T *w, const T *g, T *m, T *v, pyml_index size, double lr,           \
                               double beta1, double beta2, double eps, long t, int n_threads);     \
    int pyml_sgd_update_##SFX(T *w, const T *g, T *vel, pyml_index size, double lr,                \
                              double momentum, int nesterov, int n_threads);                       \
    int pyml_soft_update_##SFX(T *target, const T *source, pyml_index size, double tau,            \
                               int n_threads);                                                     \
    int pyml_mlp_forward_##SFX(const pyml_dense_layer *layers, int n_layers, const T *X,           \
                               pyml_index ldx, pyml_index n, int apply_output_activation, T *out,  \
                               T *work, size_t work_size, int n_threads);                          \
    int pyml_mlp_train_step_##SFX(pyml_dense_layer *layers, int n_layers,                         \
                                  const pyml_loss_spec *loss, pyml_optimizer *opt, const T *X,     \
                                  pyml_index ldx, pyml_index n, const T *Yf, pyml_index ldy,       \
                                  const int32_t *Yi, const int32_t *cols, T *work,                 \
                                  size_t work_size, int n_threads, double *loss_out);              \
    int pyml_mlp_train_epoch_##SFX(pyml_dense_layer *layers, int n_layers,                        \
                                   const pyml_loss_spec *loss, pyml_optimizer *opt, const T *X,    \
                                   pyml_index ldx, pyml_index n_rows, const T *Yf, pyml_index ldy, \
                                   const int32_t *Yi, const int64_t *perm, pyml_index n,           \
                                   pyml_index batch_size, T *work, size_t work_size,               \
                                   int n_threads, double *loss_out);                                \
    /* The same with an activation parameter (alpha: leaky_relu's slope; the entry \
     * points above use alpha = 0). */                                                             \
    int pyml_dense_forward_ex_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index n_in,     \
                                    const T *W, const T *b, pyml_index n_out, int activation,       \
                                    double alpha, T *A, T *work, size_t work_size, int n_threads);  \
    int pyml_dense_backward_ex_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index n_in,    \
                                     const T *W, pyml_index n_out, int activation, double alpha,    \
                                     const T *A, const T *dA, double l2, T *dW, T *db, T *dX,       \
                                     T *work, size_t work_size, int n_threads);                     \
    int pyml_activation_ex_##SFX(int activation, double alpha, const T *Z, pyml_index n,           \
                                 pyml_index k, T *A, int n_threads);                               \
    /* out = X * M (inverted dropout, the mask of the training kernels for the \
     * given seed and step t; mask: M itself, or NULL). */                                         \
    int pyml_nn_dropout_##SFX(const T *X, pyml_index n, pyml_index k, double rate, uint64_t seed,   \
                              long t, T *out, T *mask, int n_threads);                             \
    /* pyml_mlp_train_epoch with per-row loss weights sw (n_rows, >= 0; NULL: 1): \
     * each row's loss and gradient are multiplied by sw[row], and a batch's sum  \
     * is divided by its size (weight_norm 0: Keras's sample_weight) or by the    \
     * sum of its weights (1: scikit-learn's MLP; a batch of zero weight has a    \
     * zero gradient). *loss_out = the epoch's weighted mean row loss (divided by \
     * the rows seen, or by their weight sum) + the mean L2 penalty of the       \
     * batches (each taken before the batch's update, weighted by batch size).   \
     * out_Z (n x k, or NULL): row i gets the output pre-activation of row      \
     * perm[i] as its batch's forward pass computed it (before the update). */   \
    int pyml_mlp_train_epoch_w_##SFX(pyml_dense_layer *layers, int n_layers,                      \
                                     const pyml_loss_spec *loss, pyml_optimizer *opt, const T *X,  \
                                     pyml_index ldx, pyml_index n_rows, const T *Yf,               \
                                     pyml_index ldy, const int32_t *Yi, const T *sw,               \
                                     int weight_norm, const int64_t *perm, pyml_index n,           \
                                     pyml_index batch_size, T *out_Z, T *work, size_t work_size,   \
                                     int n_threads, double *loss_out);

PYML_DECLARE_NN(float, f32)
PYML_DECLARE_NN(double, f64)

#endif
