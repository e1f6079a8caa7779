# Thin bindings over csrc/nn.{h,c}: arrays are checked (dtype, C order, shape)
# and handed to the kernels by address with the GIL released; the status is
# turned into an exception. No arithmetic here. Layer lists (weights, gradients,
# optimiser state) are Python-owned numpy arrays, passed as a C array of
# pyml_dense_layer structs built on the stack.
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stddef cimport size_t

import numpy as np

from pyml.neural_network._nn_support cimport (
    PYML_NN_MAX_LAYERS, pyml_dense_layer, pyml_optimizer, pyml_loss_spec, _addr, _waddr, _fill_layers, _fill_opt,
)
from pyml.utils._kernel_support cimport (
    pyml_index, raise_for_status, interrupt_guard_begin, interrupt_guard_end,
)

cdef extern from "nn.h" nogil:
    size_t pyml_dense_forward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem)
    size_t pyml_dense_backward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem)
    size_t pyml_mlp_forward_workspace_size(const pyml_dense_layer *layers, int n_layers, size_t elem)
    size_t pyml_mlp_train_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                         pyml_index n_rows_loss, size_t elem)

    int pyml_dense_forward_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index n_in, const float *W,
                               const float *b, pyml_index n_out, int activation, float *A, float *work,
                               size_t work_size, int n_threads)
    int pyml_dense_forward_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index n_in, const double *W,
                               const double *b, pyml_index n_out, int activation, double *A, double *work,
                               size_t work_size, int n_threads)
    int pyml_dense_backward_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index n_in, const float *W,
                                pyml_index n_out, int activation, const float *A, const float *dA, double l2,
                                float *dW, float *db, float *dX, float *work, size_t work_size, int n_threads)
    int pyml_dense_backward_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index n_in, const double *W,
                                pyml_index n_out, int activation, const double *A, const double *dA, double l2,
                                double *dW, double *db, double *dX, double *work, size_t work_size, int n_threads)
    int pyml_nn_loss_f32(const pyml_loss_spec *loss, int activation, const float *Z, pyml_index n, pyml_index k,
                         const float *Yf, pyml_index ldy, const int32_t *Yi, const int32_t *cols, float *dZ,
                         double *loss_out, int n_threads)
    int pyml_nn_loss_f64(const pyml_loss_spec *loss, int activation, const double *Z, pyml_index n, pyml_index k,
                         const double *Yf, pyml_index ldy, const int32_t *Yi, const int32_t *cols, double *dZ,
                         double *loss_out, int n_threads)
    int pyml_nn_loss_w_f32(const pyml_loss_spec *loss, int activation, const float *Z, pyml_index n, pyml_index k,
                           const float *Yf, pyml_index ldy, const int32_t *Yi, const int32_t *cols, const float *sw,
                           float *dZ, double *loss_out, int n_threads)
    int pyml_nn_loss_w_f64(const pyml_loss_spec *loss, int activation, const double *Z, pyml_index n,
                           pyml_index k, const double *Yf, pyml_index ldy, const int32_t *Yi, const int32_t *cols,
                           const double *sw, double *dZ, double *loss_out, int n_threads)
    int pyml_activation_f32(int activation, const float *Z, pyml_index n, pyml_index k, float *A, int n_threads)
    int pyml_activation_f64(int activation, const double *Z, pyml_index n, pyml_index k, double *A, int n_threads)
    int pyml_adam_update_f32(float *w, const float *g, float *m, float *v, pyml_index size, double lr,
                             double beta1, double beta2, double eps, long t, int n_threads)
    int pyml_adam_update_f64(double *w, const double *g, double *m, double *v, pyml_index size, double lr,
                             double beta1, double beta2, double eps, long t, int n_threads)
    int pyml_sgd_update_f32(float *w, const float *g, float *vel, pyml_index size, double lr, double momentum,
                            int nesterov, int n_threads)
    int pyml_sgd_update_f64(double *w, const double *g, double *vel, pyml_index size, double lr, double momentum,
                            int nesterov, int n_threads)
    int pyml_soft_update_f32(float *target, const float *source, pyml_index size, double tau, int n_threads)
    int pyml_soft_update_f64(double *target, const double *source, pyml_index size, double tau, int n_threads)
    int pyml_mlp_forward_f32(const pyml_dense_layer *layers, int n_layers, const float *X, pyml_index ldx,
                             pyml_index n, int apply_output_activation, float *out, float *work,
                             size_t work_size, int n_threads)
    int pyml_mlp_forward_f64(const pyml_dense_layer *layers, int n_layers, const double *X, pyml_index ldx,
                             pyml_index n, int apply_output_activation, double *out, double *work,
                             size_t work_size, int n_threads)
    int pyml_mlp_train_step_f32(pyml_dense_layer *layers, int n_layers, const pyml_loss_spec *loss,
                                pyml_optimizer *opt, const float *X, pyml_index ldx, pyml_index n,
                                const float *Yf, pyml_index ldy, const int32_t *Yi, const int32_t *cols,
                                float *work, size_t work_size, int n_threads, double *loss_out)
    int pyml_mlp_train_step_f64(pyml_dense_layer *layers, int n_layers, const pyml_loss_spec *loss,
                                pyml_optimizer *opt, const double *X, pyml_index ldx, pyml_index n,
                                const double *Yf, pyml_index ldy, const int32_t *Yi, const int32_t *cols,
                                double *work, size_t work_size, int n_threads, double *loss_out)
    int pyml_mlp_train_epoch_f32(pyml_dense_layer *layers, int n_layers, const pyml_loss_spec *loss,
                                 pyml_optimizer *opt, const float *X, pyml_index ldx, pyml_index n_rows,
                                 const float *Yf, pyml_index ldy, const int32_t *Yi, const int64_t *perm,
                                 pyml_index n, pyml_index batch_size, float *work, size_t work_size,
                                 int n_threads, double *loss_out)
    int pyml_mlp_train_epoch_f64(pyml_dense_layer *layers, int n_layers, const pyml_loss_spec *loss,
                                 pyml_optimizer *opt, const double *X, pyml_index ldx, pyml_index n_rows,
                                 const double *Yf, pyml_index ldy, const int32_t *Yi, const int64_t *perm,
                                 pyml_index n, pyml_index batch_size, double *work, size_t work_size,
                                 int n_threads, double *loss_out)
    int pyml_dense_forward_ex_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index n_in, const float *W,
                                  const float *b, pyml_index n_out, int activation, double alpha, float *A,
                                  float *work, size_t work_size, int n_threads)
    int pyml_dense_forward_ex_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index n_in,
                                  const double *W, const double *b, pyml_index n_out, int activation,
                                  double alpha, double *A, double *work, size_t work_size, int n_threads)
    int pyml_dense_backward_ex_f32(const float *X, pyml_index ldx, pyml_index n, pyml_index n_in, const float *W,
                                   pyml_index n_out, int activation, double alpha, const float *A,
                                   const float *dA, double l2, float *dW, float *db, float *dX, float *work,
                                   size_t work_size, int n_threads)
    int pyml_dense_backward_ex_f64(const double *X, pyml_index ldx, pyml_index n, pyml_index n_in,
                                   const double *W, pyml_index n_out, int activation, double alpha,
                                   const double *A, const double *dA, double l2, double *dW, double *db,
                                   double *dX, double *work, size_t work_size, int n_threads)
    int pyml_activation_ex_f32(int activation, double alpha, const float *Z, pyml_index n, pyml_index k, float *A,
                               int n_threads)
    int pyml_activation_ex_f64(int activation, double alpha, const double *Z, pyml_index n, pyml_index k,
                               double *A, int n_threads)
    int pyml_nn_dropout_f32(const float *X, pyml_index n, pyml_index k, double rate, uint64_t seed, long t,
                            float *out, float *mask, int n_threads)
    int pyml_nn_dropout_f64(const double *X, pyml_index n, pyml_index k, double rate, uint64_t seed, long t,
                            double *out, double *mask, int n_threads)
    int pyml_mlp_train_epoch_w_f32(pyml_dense_layer *layers, int n_layers, const pyml_loss_spec *loss,
                                   pyml_optimizer *opt, const float *X, pyml_index ldx, pyml_index n_rows,
                                   const float *Yf, pyml_index ldy, const int32_t *Yi, const float *sw,
                                   int weight_norm, const int64_t *perm, pyml_index n, pyml_index batch_size,
                                   float *out_Z, float *work, size_t work_size, int n_threads, double *loss_out)
    int pyml_mlp_train_epoch_w_f64(pyml_dense_layer *layers, int n_layers, const pyml_loss_spec *loss,
                                   pyml_optimizer *opt, const double *X, pyml_index ldx, pyml_index n_rows,
                                   const double *Yf, pyml_index ldy, const int32_t *Yi, const double *sw,
                                   int weight_norm, const int64_t *perm, pyml_index n, pyml_index batch_size,
                                   double *out_Z, double *work, size_t work_size, int n_threads, double *loss_out)

ACTIVATIONS = {"linear": 0, "relu": 1, "sigmoid": 2, "softmax": 3, "tanh": 4, "leaky_relu": 5}
LOSSES = {"mse": 0, "binary_crossentropy": 1, "categorical_crossentropy": 2,
          "sparse_categorical_crossentropy": 3}
OPTIMIZERS = {"sgd": 0, "adam": 1}
MAX_LAYERS = PYML_NN_MAX_LAYERS


def _dtype_of(X):
    if X.dtype == np.float32:
        return np.float32
    if X.dtype == np.float64:
        return np.float64
    raise TypeError(f"expected float32 or float64, got {X.dtype}")


cdef pyml_loss_spec _loss_spec(int kind, bint from_logits):
    cdef pyml_loss_spec spec
    spec.kind = kind
    spec.from_logits = from_logits
    return spec


cdef pyml_index _target_ld(object Yf, object Yi, object sw, pyml_index n, str rows) except -1:
    """Leading dimension of the float targets Yf (0 without them), once Yf, the labels Yi and the
    sample weights sw (each optional) are checked to have the n rows of ``rows``."""
    cdef pyml_index ldy = 0
    if Yf is not None:
        ldy = 1 if Yf.ndim == 1 else Yf.shape[1]
        if Yf.shape[0] != n:
            raise ValueError(f"targets and {rows} have different numbers of rows")
    if Yi is not None and Yi.shape != (n,):
        raise ValueError(f"labels and {rows} have different numbers of rows")
    if sw is not None and sw.shape != (n,):
        raise ValueError(f"sample weights and {rows} have different numbers of rows")
    return ldy


cdef size_t _out_z_addr(object out_Z, pyml_index n, pyml_index k, object dt) except? 0:
    """Address of the epoch's output buffer (0: none), once it is checked to be a writable,
    C-contiguous (n, k) array of the network's dtype."""
    if out_Z is None:
        return 0
    if out_Z.shape != (n, k):
        raise ValueError(f"out_Z must have shape ({n}, {k}) (one output row per trained row), got {out_Z.shape}")
    return _waddr(out_Z, dt, "out_Z")


def dense_forward(X, W, b, int activation, int n_threads, double alpha=0.0):
    """A = g(X W + b), shape (n, n_out) (alpha: leaky_relu's slope)."""
    dt = _dtype_of(X)
    cdef pyml_index n = X.shape[0], n_in = X.shape[1], n_out = W.shape[1]
    if W.shape[0] != n_in or b.shape != (n_out,):
        raise ValueError(f"dense_forward: X {X.shape}, W {W.shape}, b {b.shape} do not match")
    A = np.empty((n, n_out), dtype=dt)
    work = np.empty(pyml_dense_forward_workspace_size(n, n_in, n_out, X.itemsize), dtype=dt)
    cdef size_t px = _addr(X, dt, "X"), pw = _addr(W, dt, "W"), pb = _addr(b, dt, "b")
    cdef size_t pa = _waddr(A, dt, "A"), pk = _waddr(work, dt, "work")
    cdef size_t ws = work.shape[0]
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_dense_forward_ex_f32(<float *>px, n_in, n, n_in, <float *>pw, <float *>pb, n_out, activation,
                                           alpha, <float *>pa, <float *>pk, ws, n_threads)
        else:
            st = pyml_dense_forward_ex_f64(<double *>px, n_in, n, n_in, <double *>pw, <double *>pb, n_out,
                                           activation, alpha, <double *>pa, <double *>pk, ws, n_threads)
    raise_for_status(st, "dense forward")
    return A


def dense_backward(X, W, A, dA, int activation, double l2, bint need_dX, int n_threads, double alpha=0.0):
    """(dW, db, dX or None) of a dense layer given dL/dA (alpha: leaky_relu's slope)."""
    dt = _dtype_of(X)
    cdef pyml_index n = X.shape[0], n_in = X.shape[1], n_out = W.shape[1]
    if W.shape[0] != n_in or A.shape != (n, n_out) or dA.shape != (n, n_out):
        raise ValueError("dense_backward: inconsistent shapes")
    if n == 0:  # a gradient over no rows is undefined; the kernel would report only a size error
        raise ValueError("dense_backward: X has 0 rows (samples); the dense backward pass needs at least one row")
    dW = np.empty((n_in, n_out), dtype=dt)
    db = np.empty(n_out, dtype=dt)
    dX = np.empty((n, n_in), dtype=dt) if need_dX else None
    work = np.empty(pyml_dense_backward_workspace_size(n, n_in, n_out, X.itemsize), dtype=dt)
    cdef size_t px = _addr(X, dt, "X"), pw = _addr(W, dt, "W"), pa = _addr(A, dt, "A"), pda = _addr(dA, dt, "dA")
    cdef size_t pdw = _waddr(dW, dt, "dW"), pdb = _waddr(db, dt, "db"), pdx = _waddr(dX, dt, "dX")
    cdef size_t pk = _waddr(work, dt, "work"), ws = work.shape[0]
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_dense_backward_ex_f32(<float *>px, n_in, n, n_in, <float *>pw, n_out, activation, alpha,
                                            <float *>pa, <float *>pda, l2, <float *>pdw, <float *>pdb,
                                            <float *>pdx, <float *>pk, ws, n_threads)
        else:
            st = pyml_dense_backward_ex_f64(<double *>px, n_in, n, n_in, <double *>pw, n_out, activation, alpha,
                                            <double *>pa, <double *>pda, l2, <double *>pdw, <double *>pdb,
                                            <double *>pdx, <double *>pk, ws, n_threads)
    raise_for_status(st, "dense backward")
    return dW, db, dX


def loss_grad(int kind, bint from_logits, int activation, Z, Yf, Yi, cols, int n_threads, sw=None):
    """(mean loss, dL/dZ) for the output pre-activation Z (n, k); sw: per-row weights (n,)
    or None (Keras's weighted mean: sum_i sw_i loss_i / n)."""
    dt = _dtype_of(Z)
    cdef pyml_index n = Z.shape[0], k = Z.shape[1]
    cdef pyml_index ldy = 0
    if Yf is not None:
        ldy = 1 if Yf.ndim == 1 else Yf.shape[1]
        if Yf.shape[0] != n or (cols is None and ldy != k):
            raise ValueError(f"loss: targets of shape {Yf.shape} do not match outputs {Z.shape}")
    if Yi is not None and Yi.shape != (n,):
        raise ValueError(f"loss: labels of shape {Yi.shape} do not match outputs {Z.shape}")
    if cols is not None and cols.shape != (n,):
        raise ValueError("loss: cols must have one entry per row")
    if sw is not None and sw.shape != (n,):
        raise ValueError(f"loss: sample_weight of shape {sw.shape} does not match outputs {Z.shape}")
    dZ = np.empty((n, k), dtype=dt)
    cdef pyml_loss_spec spec = _loss_spec(kind, from_logits)
    cdef size_t pz = _addr(Z, dt, "Z"), pyf = _addr(Yf, dt, "y"), pyi = _addr(Yi, np.int32, "y")
    cdef size_t pc = _addr(cols, np.int32, "cols"), pdz = _waddr(dZ, dt, "dZ")
    cdef size_t psw = _addr(sw, dt, "sample_weight")
    cdef double value = 0
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_nn_loss_w_f32(&spec, activation, <float *>pz, n, k, <float *>pyf, ldy, <int32_t *>pyi,
                                    <int32_t *>pc, <float *>psw, <float *>pdz, &value, n_threads)
        else:
            st = pyml_nn_loss_w_f64(&spec, activation, <double *>pz, n, k, <double *>pyf, ldy, <int32_t *>pyi,
                                    <int32_t *>pc, <double *>psw, <double *>pdz, &value, n_threads)
    raise_for_status(st, "loss")
    return value, dZ


def activation(int act, Z, int n_threads, double alpha=0.0):
    """g(Z) elementwise (softmax: per row; alpha: leaky_relu's slope)."""
    dt = _dtype_of(Z)
    cdef pyml_index n = Z.shape[0], k = Z.shape[1]
    A = np.empty((n, k), dtype=dt)
    cdef size_t pz = _addr(Z, dt, "Z"), pa = _waddr(A, dt, "A")
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_activation_ex_f32(act, alpha, <float *>pz, n, k, <float *>pa, n_threads)
        else:
            st = pyml_activation_ex_f64(act, alpha, <double *>pz, n, k, <double *>pa, n_threads)
    raise_for_status(st, "activation")
    return A


def dropout(X, double rate, object seed, long t, bint return_mask, int n_threads):
    """X * M, the inverted-dropout mask of the training kernels for (seed, step t):
    M = 1/(1-rate) with probability 1-rate, else 0. Returns out (and M)."""
    dt = _dtype_of(X)
    if X.ndim != 2:
        raise ValueError("dropout: X must be 2-D")
    cdef pyml_index n = X.shape[0], k = X.shape[1]
    out = np.empty((n, k), dtype=dt)
    M = np.empty((n, k), dtype=dt) if return_mask else None
    cdef uint64_t key = <uint64_t>int(seed)
    cdef size_t px = _addr(X, dt, "X"), po = _waddr(out, dt, "out"), pm = _waddr(M, dt, "mask")
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_nn_dropout_f32(<float *>px, n, k, rate, key, t, <float *>po, <float *>pm, n_threads)
        else:
            st = pyml_nn_dropout_f64(<double *>px, n, k, rate, key, t, <double *>po, <double *>pm, n_threads)
    raise_for_status(st, "dropout")
    return (out, M) if return_mask else out


def adam_update(w, g, m, v, double lr, double beta1, double beta2, double eps, long t, int n_threads):
    """In-place Adam step on w (any shape; g, m, v the same shape)."""
    dt = _dtype_of(w)
    if not (g.shape == m.shape == v.shape == w.shape):
        raise ValueError("adam_update: w, g, m, v must have the same shape")
    cdef size_t pw = _waddr(w, dt, "w"), pg = _addr(g, dt, "g"), pm = _waddr(m, dt, "m"), pv = _waddr(v, dt, "v")
    cdef pyml_index size = w.size
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_adam_update_f32(<float *>pw, <float *>pg, <float *>pm, <float *>pv, size, lr, beta1, beta2,
                                      eps, t, n_threads)
        else:
            st = pyml_adam_update_f64(<double *>pw, <double *>pg, <double *>pm, <double *>pv, size, lr, beta1,
                                      beta2, eps, t, n_threads)
    raise_for_status(st, "adam update")


def sgd_update(w, g, vel, double lr, double momentum, bint nesterov, int n_threads):
    """In-place SGD (momentum) step on w."""
    dt = _dtype_of(w)
    if g.shape != w.shape or (vel is not None and vel.shape != w.shape):
        raise ValueError("sgd_update: w, g, velocity must have the same shape")
    cdef size_t pw = _waddr(w, dt, "w"), pg = _addr(g, dt, "g"), pv = _waddr(vel, dt, "velocity")
    cdef pyml_index size = w.size
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_sgd_update_f32(<float *>pw, <float *>pg, <float *>pv, size, lr, momentum, nesterov, n_threads)
        else:
            st = pyml_sgd_update_f64(<double *>pw, <double *>pg, <double *>pv, size, lr, momentum, nesterov,
                                     n_threads)
    raise_for_status(st, "sgd update")


def soft_update(target, source, double tau, int n_threads):
    """In place: target <- tau * source + (1 - tau) * target."""
    dt = _dtype_of(target)
    if source.shape != target.shape:
        raise ValueError("soft_update: target and source must have the same shape")
    cdef size_t pt = _waddr(target, dt, "target"), ps = _addr(source, dt, "source")
    cdef pyml_index size = target.size
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_soft_update_f32(<float *>pt, <float *>ps, size, tau, n_threads)
        else:
            st = pyml_soft_update_f64(<double *>pt, <double *>ps, size, tau, n_threads)
    raise_for_status(st, "soft update")


def mlp_forward(list specs, X, bint apply_output_activation, int n_threads):
    """Network output for X (n, n_in): activations applied (or the last layer's Z)."""
    dt = _dtype_of(X)
    cdef pyml_dense_layer layers[PYML_NN_MAX_LAYERS]
    _fill_layers(layers, specs, dt, False)
    cdef int L = len(specs)
    cdef pyml_index n = X.shape[0], ldx = X.shape[1]
    if X.ndim != 2 or ldx != layers[0].n_in:
        raise ValueError(f"mlp_forward: X has {ldx} features, the network expects {layers[0].n_in}")
    out = np.empty((n, layers[L - 1].n_out), dtype=dt)
    work = np.empty(pyml_mlp_forward_workspace_size(layers, L, X.itemsize), dtype=dt)
    cdef size_t px = _addr(X, dt, "X"), po = _waddr(out, dt, "out"), pk = _waddr(work, dt, "work")
    cdef size_t ws = work.shape[0]
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_mlp_forward_f32(layers, L, <float *>px, ldx, n, apply_output_activation, <float *>po,
                                      <float *>pk, ws, n_threads)
        else:
            st = pyml_mlp_forward_f64(layers, L, <double *>px, ldx, n, apply_output_activation, <double *>po,
                                      <double *>pk, ws, n_threads)
    raise_for_status(st, "network forward")
    return out


def mlp_train_epoch(list specs, int loss_kind, bint from_logits, dict opt_params, X, Yf, Yi, perm,
                    long batch_size, int n_threads, work=None, sw=None, int weight_norm=0, out_Z=None):
    """One epoch over the rows perm (int64) of X in mini-batches; updates weights and
    optimiser state in place. sw: per-row loss weights (n_rows,) or None; weight_norm 1
    divides each batch by its weight sum (scikit-learn), 0 by its size (Keras). out_Z
    (len(perm), n_out) or None receives each row's output pre-activation before its
    batch's update. Returns (mean loss, optimiser step count, work)."""
    dt = _dtype_of(X)
    cdef pyml_dense_layer layers[PYML_NN_MAX_LAYERS]
    _fill_layers(layers, specs, dt, True)
    cdef int L = len(specs)
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    cdef pyml_loss_spec spec = _loss_spec(loss_kind, from_logits)
    cdef pyml_index n_rows = X.shape[0], ldx = X.shape[1], n = perm.shape[0]
    if ldx != layers[0].n_in:
        raise ValueError(f"X has {ldx} features, the network expects {layers[0].n_in}")
    cdef pyml_index ldy = _target_ld(Yf, Yi, sw, n_rows, "X")
    cdef pyml_index B = min(batch_size, n) if n > 0 else 1
    cdef size_t need = pyml_mlp_train_workspace_size(layers, L, B, n, X.itemsize)
    if work is None or work.dtype != dt or work.shape[0] < need:
        work = np.empty(need, dtype=dt)
    cdef size_t px = _addr(X, dt, "X"), pyf = _addr(Yf, dt, "y"), pyi = _addr(Yi, np.int32, "y")
    cdef size_t pp = _addr(perm, np.int64, "perm"), pk = _waddr(work, dt, "work")
    cdef size_t psw = _addr(sw, dt, "sample_weight")
    cdef size_t poz = _out_z_addr(out_Z, n, layers[L - 1].n_out, dt)
    cdef size_t ws = work.shape[0]
    cdef double value = 0
    cdef int st
    cdef bint f32 = dt is np.float32
    interrupt_guard_begin()
    with nogil:
        if f32:
            st = pyml_mlp_train_epoch_w_f32(layers, L, &spec, &opt, <float *>px, ldx, n_rows, <float *>pyf, ldy,
                                            <int32_t *>pyi, <float *>psw, weight_norm, <int64_t *>pp, n,
                                            batch_size, <float *>poz, <float *>pk, ws, n_threads, &value)
        else:
            st = pyml_mlp_train_epoch_w_f64(layers, L, &spec, &opt, <double *>px, ldx, n_rows, <double *>pyf,
                                            ldy, <int32_t *>pyi, <double *>psw, weight_norm, <int64_t *>pp, n,
                                            batch_size, <double *>poz, <double *>pk, ws, n_threads, &value)
    opt_params["t"] = opt.t   # batches done before a Ctrl-C still count for Adam
    interrupt_guard_end(st)
    if st != 4:  # PYML_ERR_NONFINITE is reported through the loss value
        raise_for_status(st, "training epoch")
    return value, opt.t, work


def mlp_train_step(list specs, int loss_kind, bint from_logits, dict opt_params, X, Yf, Yi, cols,
                   int n_threads):
    """One mini-batch step on all rows of X (loss optionally on a gathered column per
    row, ``cols``). Returns (loss, optimiser step count)."""
    dt = _dtype_of(X)
    cdef pyml_dense_layer layers[PYML_NN_MAX_LAYERS]
    _fill_layers(layers, specs, dt, True)
    cdef int L = len(specs)
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    cdef pyml_loss_spec spec = _loss_spec(loss_kind, from_logits)
    cdef pyml_index n = X.shape[0], ldx = X.shape[1]
    if ldx != layers[0].n_in:
        raise ValueError(f"X has {ldx} features, the network expects {layers[0].n_in}")
    cdef pyml_index ldy = _target_ld(Yf, Yi, None, n, "X")
    if cols is not None and cols.shape != (n,):
        raise ValueError("cols must have one entry per row")
    work = np.empty(pyml_mlp_train_workspace_size(layers, L, n, n, X.itemsize), dtype=dt)
    cdef size_t px = _addr(X, dt, "X"), pyf = _addr(Yf, dt, "y"), pyi = _addr(Yi, np.int32, "y")
    cdef size_t pc = _addr(cols, np.int32, "cols"), pk = _waddr(work, dt, "work")
    cdef size_t ws = work.shape[0]
    cdef double value = 0
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_mlp_train_step_f32(layers, L, &spec, &opt, <float *>px, ldx, n, <float *>pyf, ldy,
                                         <int32_t *>pyi, <int32_t *>pc, <float *>pk, ws, n_threads, &value)
        else:
            st = pyml_mlp_train_step_f64(layers, L, &spec, &opt, <double *>px, ldx, n, <double *>pyf, ldy,
                                         <int32_t *>pyi, <int32_t *>pc, <double *>pk, ws, n_threads, &value)
    if st != 4:
        raise_for_status(st, "training step")
    return value, opt.t


# ---- graph (functional Model) executor: csrc/nn_graph.h ------------------------------------------

cdef extern from "nn_graph.h" nogil:
    enum:
        PYML_GRAPH_MAX_NODES
        PYML_GRAPH_MAX_ARGS
    ctypedef struct pyml_graph_node:
        int kind
        int n_args
        int args[PYML_GRAPH_MAX_ARGS]
        pyml_index width
        int input
        int layer
        int act
        double param
        uint64_t seed
    ctypedef struct pyml_graph:
        int n_nodes
        const pyml_graph_node *nodes
        int n_inputs
        int n_layers
        pyml_dense_layer *layers

    size_t pyml_graph_forward_workspace_size(const pyml_graph *g, size_t elem)
    size_t pyml_graph_train_workspace_size(const pyml_graph *g, pyml_index batch, pyml_index n_rows_loss,
                                           size_t elem)
    int pyml_graph_forward_f32(const pyml_graph *g, const float *const *X, const pyml_index *ldx, pyml_index n,
                               int apply_output_activation, float *out, float *work, size_t work_size,
                               int n_threads)
    int pyml_graph_forward_f64(const pyml_graph *g, const double *const *X, const pyml_index *ldx, pyml_index n,
                               int apply_output_activation, double *out, double *work, size_t work_size,
                               int n_threads)
    int pyml_graph_train_epoch_f32(pyml_graph *g, const pyml_loss_spec *loss, pyml_optimizer *opt,
                                   const float *const *X, const pyml_index *ldx, pyml_index n_rows,
                                   const float *Yf, pyml_index ldy, const int32_t *Yi, const int64_t *perm,
                                   pyml_index n, pyml_index batch_size, float *work, size_t work_size,
                                   int n_threads, double *loss_out)
    int pyml_graph_train_epoch_f64(pyml_graph *g, const pyml_loss_spec *loss, pyml_optimizer *opt,
                                   const double *const *X, const pyml_index *ldx, pyml_index n_rows,
                                   const double *Yf, pyml_index ldy, const int32_t *Yi, const int64_t *perm,
                                   pyml_index n, pyml_index batch_size, double *work, size_t work_size,
                                   int n_threads, double *loss_out)
    int pyml_graph_train_epoch_w_f32(pyml_graph *g, const pyml_loss_spec *loss, pyml_optimizer *opt,
                                     const float *const *X, const pyml_index *ldx, pyml_index n_rows,
                                     const float *Yf, pyml_index ldy, const int32_t *Yi, const float *sw,
                                     int weight_norm, const int64_t *perm, pyml_index n, pyml_index batch_size,
                                     float *out_Z, float *work, size_t work_size, int n_threads, double *loss_out)
    int pyml_graph_train_epoch_w_f64(pyml_graph *g, const pyml_loss_spec *loss, pyml_optimizer *opt,
                                     const double *const *X, const pyml_index *ldx, pyml_index n_rows,
                                     const double *Yf, pyml_index ldy, const int32_t *Yi, const double *sw,
                                     int weight_norm, const int64_t *perm, pyml_index n, pyml_index batch_size,
                                     double *out_Z, double *work, size_t work_size, int n_threads, double *loss_out)
    int pyml_graph_gradient_f32(pyml_graph *g, const pyml_loss_spec *loss, const float *const *X,
                                const pyml_index *ldx, pyml_index n, const float *Yf, pyml_index ldy,
                                const int32_t *Yi, float *work, size_t work_size, int n_threads,
                                double *loss_out)
    int pyml_graph_gradient_f64(pyml_graph *g, const pyml_loss_spec *loss, const double *const *X,
                                const pyml_index *ldx, pyml_index n, const double *Yf, pyml_index ldy,
                                const int32_t *Yi, double *work, size_t work_size, int n_threads,
                                double *loss_out)

NODE_KINDS = {"input": 0, "dense": 1, "l2norm": 2, "dot": 3, "concat": 4, "act": 5, "dropout": 6}
MAX_NODES = PYML_GRAPH_MAX_NODES
cdef enum:
    _MAX_INPUTS = 64
MAX_INPUTS = _MAX_INPUTS


cdef struct _graph_call:
    # what one graph kernel call reads, on the caller's stack (no allocation per call)
    pyml_dense_layer layers[PYML_NN_MAX_LAYERS]
    pyml_graph_node nodes[PYML_GRAPH_MAX_NODES]
    pyml_graph g
    size_t xaddr[_MAX_INPUTS]
    pyml_index ldx[_MAX_INPUTS]


cdef int _fill_graph(pyml_graph *g, pyml_graph_node *nodes, pyml_dense_layer *layers, list node_list,
                     list specs, list Xs, object dt, bint training, pyml_index n_rows) except -1:
    """Graph structs from the node dicts (kind, args, width, input, layer) and layer specs."""
    cdef int j, a
    if not 1 <= len(node_list) <= PYML_GRAPH_MAX_NODES:
        raise ValueError(f"a graph needs 1 to {PYML_GRAPH_MAX_NODES} nodes, got {len(node_list)}")
    if len(Xs) > MAX_INPUTS:
        raise ValueError(f"at most {MAX_INPUTS} inputs, got {len(Xs)}")
    if specs:
        _fill_layers(layers, specs, dt, training)
    for j, nd in enumerate(node_list):
        args = nd.get("args", ())
        if len(args) > PYML_GRAPH_MAX_ARGS:
            raise ValueError(f"node {j}: at most {PYML_GRAPH_MAX_ARGS} arguments")
        nodes[j].kind = NODE_KINDS[nd["kind"]]
        nodes[j].n_args = len(args)
        for a in range(len(args)):
            nodes[j].args[a] = args[a]
        nodes[j].width = nd["width"]
        nodes[j].input = nd.get("input", -1)
        nodes[j].layer = nd.get("layer", -1)
        nodes[j].act = nd.get("act", 0)
        nodes[j].param = nd.get("param", 0.0)
        nodes[j].seed = <uint64_t>nd.get("seed", 0)
        if nd["kind"] == "input":
            X = Xs[nd["input"]]
            if X.ndim != 2 or X.shape[1] != nd["width"] or X.shape[0] != n_rows:
                raise ValueError(f"input {nd['input']} has shape {X.shape}, expected ({n_rows}, {nd['width']})")
    g.n_nodes = len(node_list)
    g.nodes = nodes
    g.n_inputs = len(Xs)
    g.n_layers = len(specs)
    g.layers = layers
    return 0


cdef int _fill_inputs(size_t *xaddr, pyml_index *ldx, list Xs, object dt) except -1:
    cdef int i
    for i, X in enumerate(Xs):
        if X.shape[0] == 0:
            xaddr[i] = 0
            ldx[i] = X.shape[1]
            continue
        xaddr[i] = _addr(X, dt, f"input {i}")
        ldx[i] = X.shape[1]
    return 0


cdef object _fill_call(_graph_call *c, str what, list node_list, list specs, list Xs, bint training):
    """Fill c (graph, layers, input addresses) for the inputs Xs (same rows); returns their dtype."""
    if not Xs:
        raise ValueError(f"{what}: no inputs")
    dt = _dtype_of(Xs[0])
    _fill_graph(&c.g, c.nodes, c.layers, node_list, specs, Xs, dt, training, Xs[0].shape[0])
    _fill_inputs(c.xaddr, c.ldx, Xs, dt)
    return dt


cdef int _check_output_width(object Yf, pyml_index ldy, list node_list) except -1:
    if Yf is not None and ldy != node_list[len(node_list) - 1]["width"]:
        raise ValueError("targets do not match the output width")
    return 0


def graph_forward(list node_list, list specs, list Xs, bint apply_output_activation, int n_threads):
    """Output of the graph's last node for the input arrays Xs (same rows)."""
    cdef _graph_call c
    dt = _fill_call(&c, "graph_forward", node_list, specs, Xs, False)
    cdef pyml_index n = Xs[0].shape[0]
    cdef size_t need = pyml_graph_forward_workspace_size(&c.g, Xs[0].itemsize)
    if need == 0:
        raise ValueError("graph_forward: invalid graph")
    out = np.empty((n, node_list[len(node_list) - 1]["width"]), dtype=dt)
    work = np.empty(need, dtype=dt)
    cdef size_t po = _waddr(out, dt, "out"), pk = _waddr(work, dt, "work")
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_graph_forward_f32(&c.g, <const float *const *>c.xaddr, c.ldx, n, apply_output_activation,
                                        <float *>po, <float *>pk, need, n_threads)
        else:
            st = pyml_graph_forward_f64(&c.g, <const double *const *>c.xaddr, c.ldx, n, apply_output_activation,
                                        <double *>po, <double *>pk, need, n_threads)
    raise_for_status(st, "graph forward")
    return out


def graph_train_epoch(list node_list, list specs, int loss_kind, bint from_logits, dict opt_params, list Xs, Yf,
                      Yi, perm, long batch_size, int n_threads, work=None, sw=None, int weight_norm=0,
                      out_Z=None):
    """One epoch over the rows perm (int64) of the inputs in mini-batches; weights and
    optimiser state updated in place. sw: per-row loss weights or None (weight_norm as in
    mlp_train_epoch); out_Z as in mlp_train_epoch. Returns (mean loss, optimiser step count,
    work)."""
    cdef _graph_call c
    dt = _fill_call(&c, "graph_train_epoch", node_list, specs, Xs, True)
    cdef pyml_index n_rows = Xs[0].shape[0], n = perm.shape[0]
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    cdef pyml_loss_spec spec = _loss_spec(loss_kind, from_logits)
    cdef pyml_index ldy = _target_ld(Yf, Yi, sw, n_rows, "inputs")
    _check_output_width(Yf, ldy, node_list)
    cdef pyml_index B = min(batch_size, n) if n > 0 else 1
    cdef size_t need = pyml_graph_train_workspace_size(&c.g, B, n, Xs[0].itemsize)
    if need == 0:
        raise ValueError("graph_train_epoch: invalid graph")
    if work is None or work.dtype != dt or work.shape[0] < need:
        work = np.empty(need, dtype=dt)
    cdef size_t pyf = _addr(Yf, dt, "y"), pyi = _addr(Yi, np.int32, "y")
    cdef size_t pp = _addr(perm, np.int64, "perm"), pk = _waddr(work, dt, "work")
    cdef size_t psw = _addr(sw, dt, "sample_weight")
    cdef size_t poz = _out_z_addr(out_Z, n, node_list[len(node_list) - 1]["width"], dt)
    cdef size_t ws = work.shape[0]
    cdef double value = 0
    cdef int st
    cdef bint f32 = dt is np.float32
    interrupt_guard_begin()
    with nogil:
        if f32:
            st = pyml_graph_train_epoch_w_f32(&c.g, &spec, &opt, <const float *const *>c.xaddr, c.ldx, n_rows,
                                              <float *>pyf, ldy, <int32_t *>pyi, <float *>psw, weight_norm,
                                              <int64_t *>pp, n, batch_size, <float *>poz, <float *>pk, ws,
                                              n_threads, &value)
        else:
            st = pyml_graph_train_epoch_w_f64(&c.g, &spec, &opt, <const double *const *>c.xaddr, c.ldx, n_rows,
                                              <double *>pyf, ldy, <int32_t *>pyi, <double *>psw, weight_norm,
                                              <int64_t *>pp, n, batch_size, <double *>poz, <double *>pk, ws,
                                              n_threads, &value)
    opt_params["t"] = opt.t   # batches done before a Ctrl-C still count for Adam
    interrupt_guard_end(st)
    if st != 4:  # PYML_ERR_NONFINITE is reported through the loss value
        raise_for_status(st, "graph training epoch")
    return value, opt.t, work


def graph_gradient(list node_list, list specs, int loss_kind, bint from_logits, list Xs, Yf, Yi, int n_threads):
    """Loss of all rows as one batch; the gradients land in the specs' gW / gb (no update)."""
    cdef _graph_call c
    dt = _fill_call(&c, "graph_gradient", node_list, specs, Xs, True)
    cdef pyml_index n = Xs[0].shape[0]
    cdef pyml_loss_spec spec = _loss_spec(loss_kind, from_logits)
    cdef pyml_index ldy = _target_ld(Yf, Yi, None, n, "inputs")
    _check_output_width(Yf, ldy, node_list)
    cdef size_t need = pyml_graph_train_workspace_size(&c.g, max(n, 1), n, Xs[0].itemsize)
    if need == 0:
        raise ValueError("graph_gradient: invalid graph")
    work = np.empty(need, dtype=dt)
    cdef size_t pyf = _addr(Yf, dt, "y"), pyi = _addr(Yi, np.int32, "y"), pk = _waddr(work, dt, "work")
    cdef double value = 0
    cdef int st
    cdef bint f32 = dt is np.float32
    with nogil:
        if f32:
            st = pyml_graph_gradient_f32(&c.g, &spec, <const float *const *>c.xaddr, c.ldx, n, <float *>pyf, ldy,
                                         <int32_t *>pyi, <float *>pk, need, n_threads, &value)
        else:
            st = pyml_graph_gradient_f64(&c.g, &spec, <const double *const *>c.xaddr, c.ldx, n, <double *>pyf, ldy,
                                         <int32_t *>pyi, <double *>pk, need, n_threads, &value)
    if st != 4:
        raise_for_status(st, "graph gradient")
    return value
