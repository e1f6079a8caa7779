/* Graph (Keras functional model) executor on the NN core kernels.
 *
 * A model is a DAG of nodes in topological order; node j reads the outputs of
 * nodes args[0..n_args) (all < j) and produces an (n, width) matrix:
 *     INPUT   columns of input array `input` (rows gathered by the epoch permutation)
 *     DENSE   g(A_arg W + b) with layer `layer` (a pyml_dense_layer; a layer may be
 *             used by several nodes: shared weights, gradients summed)
 *     L2NORM  y = x / sqrt(max(sum_c x_c^2, 1e-12))            (tf.math.l2_normalize)
 *             dx = (dy - y (y . dy)) / norm   (norm clamped: dx = dy / 1e-6)
 *     DOT     y_i = sum_c a_ic b_ic  (Keras Dot(axes=1), width 1); da = dy b, db = dy a
 *     CONCAT  the args' columns side by side; the gradient is split the same way
 *     ACT     y = g(x) elementwise with activation `act` (not softmax) and parameter
 *             `param` (leaky_relu's slope): Keras's LeakyReLU / Activation layers;
 *             dx = dy * g'(y)
 *     DROPOUT inverted dropout of rate `param` while training (y = x * M, dx = dy * M,
 *             the mask of nn.h from the node's `seed` and the optimiser step);
 *             the identity at inference
 * The loss is applied at the output node (the last node): a DENSE output keeps
 * its pre-activation Z and the loss applies its activation (fused softmax /
 * sigmoid cross-entropy as in Sequential); any other output is linear.
 *
 * Training: one call per epoch; for each mini-batch of the permutation the
 * inputs are gathered, nodes run level by level (nodes of one level do not
 * depend on each other, so they share one barrier), the loss gives dL/d(output),
 * the backward pass runs the levels in reverse: each node adds its consumers'
 * contributions into its gradient buffer in a fixed order (a node used once
 * receives its gradient written directly, already multiplied by g'(A) for a
 * dense node), dense nodes form dW = A^T dZ (+ 2 l2 W), db, and dX = dZ W^T
 * with the activation derivative of the argument fused in the product. Then
 * the optimiser updates every layer and refreshes its packed copies. Every sum
 * has a fixed order: results do not depend on the thread count.
 */
#ifndef PYML_NN_GRAPH_H
#define PYML_NN_GRAPH_H

#include "nn.h"

enum { PYML_NODE_INPUT = 0, PYML_NODE_DENSE = 1, PYML_NODE_L2NORM = 2, PYML_NODE_DOT = 3,
       PYML_NODE_CONCAT = 4, PYML_NODE_ACT = 5, PYML_NODE_DROPOUT = 6 };

#define PYML_GRAPH_MAX_NODES 256
#define PYML_GRAPH_MAX_ARGS 16

typedef struct {
    int kind;                       /* PYML_NODE_* */
    int n_args;
    int args[PYML_GRAPH_MAX_ARGS];  /* node indices, each < this node's index */
    pyml_index width;               /* columns of the node's output */
    int input;                      /* INPUT: index of the input array */
    int layer;                      /* DENSE: index into the layer array */
    int act;                        /* ACT: the activation (PYML_ACT_*) */
    double param;                   /* ACT: its parameter (leaky_relu slope); DROPOUT: the rate */
    uint64_t seed;                  /* DROPOUT: key of the mask generator */
} pyml_graph_node;

typedef struct {
    int n_nodes;                    /* the last node is the output */
    const pyml_graph_node *nodes;
    int n_inputs;
    int n_layers;
    pyml_dense_layer *layers;
} pyml_graph;

/* Elements of T in the workspace of each entry point. 0: invalid graph. */
size_t pyml_graph_forward_workspace_size(const pyml_graph *g, size_t elem);
size_t pyml_graph_train_workspace_size(const pyml_graph *g, pyml_index batch, pyml_index n_rows_loss,
                                       size_t elem);

/* X[i]: input array i, row stride ldx[i] (>= its INPUT node's width). */
#define PYML_DECLARE_NN_GRAPH(T, SFX)                                                              \
    int pyml_graph_forward_##SFX(const pyml_graph *g, const T *const *X, const pyml_index *ldx,      \
                                 pyml_index n, int apply_output_activation, T *out, T *work,         \
                                 size_t work_size, int n_threads);                                   \
    int pyml_graph_train_epoch_##SFX(pyml_graph *g, const pyml_loss_spec *loss,                      \
                                     pyml_optimizer *opt, const T *const *X,                         \
                                     const pyml_index *ldx, pyml_index n_rows, const T *Yf,          \
                                     pyml_index ldy, const int32_t *Yi, const int64_t *perm,         \
                                     pyml_index n, pyml_index batch_size, T *work,                   \
                                     size_t work_size, int n_threads, double *loss_out);             \
    /* pyml_graph_train_epoch with per-row loss weights sw (n_rows, >= 0; NULL: 1), as \
     * pyml_mlp_train_epoch_w (weight_norm 0: Keras, 1: each batch by its weight sum; \
     * out_Z: the output of each row before its batch's update, or NULL). */ \
    int pyml_graph_train_epoch_w_##SFX(pyml_graph *g, const pyml_loss_spec *loss,                    \
                                       pyml_optimizer *opt, const T *const *X,                       \
                                       const pyml_index *ldx, pyml_index n_rows, const T *Yf,        \
                                       pyml_index ldy, const int32_t *Yi, const T *sw,               \
                                       int weight_norm, const int64_t *perm, pyml_index n,           \
                                       pyml_index batch_size, T *out_Z, T *work, size_t work_size,   \
                                       int n_threads, double *loss_out);                             \
    int pyml_graph_gradient_##SFX(pyml_graph *g, const pyml_loss_spec *loss, const T *const *X,      \
                                  const pyml_index *ldx, pyml_index n, const T *Yf, pyml_index ldy,  \
                                  const int32_t *Yi, T *work, size_t work_size, int n_threads,       \
                                  double *loss_out);

PYML_DECLARE_NN_GRAPH(float, f32)
PYML_DECLARE_NN_GRAPH(double, f64)

#endif
