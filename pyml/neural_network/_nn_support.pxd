# Shared by the bindings that hand pyml networks to C (neural_network, rl): the
# struct declarations of csrc/nn.h and the helpers that fill pyml_dense_layer /
# pyml_optimizer arrays from the Python-owned weight, gradient and state arrays.
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_C_CONTIGUOUS
from libc.stddef cimport size_t
from libc.stdint cimport uint64_t

from pyml.utils._kernel_support cimport pyml_index

cdef extern from "nn.h" nogil:
    enum:
        PYML_NN_MAX_LAYERS
    ctypedef struct pyml_dense_layer:
        pyml_index n_in, n_out
        int activation
        double l2
        void *W
        void *b
        void *gW
        void *gb
        void *mW
        void *mb
        void *vW
        void *vb
        double alpha
        double dropout
        uint64_t seed
        double in_dropout
        uint64_t in_seed
    ctypedef struct pyml_optimizer:
        int kind
        double learning_rate, beta1, beta2, epsilon, momentum
        int nesterov
        long t
    ctypedef struct pyml_loss_spec:
        int kind
        int from_logits


cdef inline size_t _addr(object arr, object dtype, str name) except? 0:
    """Address of a C-contiguous array of ``dtype`` (None -> 0). Read through the buffer
    protocol: ``__array_interface__`` builds a dict per call (~1 us, ~40 arrays per update)."""
    cdef Py_buffer view
    cdef size_t p
    if arr is None:
        return 0
    if getattr(arr, "dtype", None) != dtype or not arr.flags.c_contiguous:
        raise TypeError(f"{name} must be a C-contiguous {dtype.__name__ if isinstance(dtype, type) else dtype} array")
    if arr.size == 0:
        return 0
    PyObject_GetBuffer(arr, &view, PyBUF_C_CONTIGUOUS)
    p = <size_t>view.buf
    PyBuffer_Release(&view)
    return p


cdef inline size_t _waddr(object arr, object dtype, str name) except? 0:
    if arr is not None and not arr.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return _addr(arr, dtype, name)


cdef inline int _fill_layers(pyml_dense_layer *layers, list specs, object dt, bint training) except -1:
    """specs: one dict per layer with W, b, activation, l2, optionally alpha (leaky_relu slope),
    dropout (rate on the layer's output while training) and seed (the mask key, an int in
    [0, 2**64)), in_dropout / in_seed (the first layer: dropout on the network's input);
    plus gW, gb, mW, mb, vW, vb when training."""
    cdef int l
    if not 1 <= len(specs) <= PYML_NN_MAX_LAYERS:
        raise ValueError(f"a network needs 1 to {PYML_NN_MAX_LAYERS} dense layers, got {len(specs)}")
    for l, s in enumerate(specs):
        W, b = s["W"], s["b"]
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"layer {l}: kernel {W.shape} and bias {b.shape} do not match")
        layers[l].n_in = W.shape[0]
        layers[l].n_out = W.shape[1]
        layers[l].activation = s["activation"]
        layers[l].l2 = s.get("l2", 0.0)
        layers[l].alpha = s.get("alpha", 0.0)
        layers[l].dropout = s.get("dropout", 0.0)
        layers[l].seed = <uint64_t>s.get("seed", 0)
        layers[l].in_dropout = s.get("in_dropout", 0.0)
        layers[l].in_seed = <uint64_t>s.get("in_seed", 0)
        if training:
            layers[l].W = <void *>_waddr(W, dt, "kernel")
            layers[l].b = <void *>_waddr(b, dt, "bias")
        else:
            layers[l].W = <void *>_addr(W, dt, "kernel")
            layers[l].b = <void *>_addr(b, dt, "bias")
        layers[l].gW = layers[l].gb = layers[l].mW = layers[l].mb = layers[l].vW = layers[l].vb = NULL
        if training:
            for key in ("gW", "mW", "vW"):
                arr = s.get(key)
                if arr is not None and arr.shape != W.shape:
                    raise ValueError(f"layer {l}: {key} shape {arr.shape} != kernel shape {W.shape}")
            for key in ("gb", "mb", "vb"):
                arr = s.get(key)
                if arr is not None and arr.shape != b.shape:
                    raise ValueError(f"layer {l}: {key} shape {arr.shape} != bias shape {b.shape}")
            layers[l].gW = <void *>_waddr(s["gW"], dt, "gradient")
            layers[l].gb = <void *>_waddr(s["gb"], dt, "gradient")
            layers[l].mW = <void *>_waddr(s.get("mW"), dt, "optimizer state")
            layers[l].mb = <void *>_waddr(s.get("mb"), dt, "optimizer state")
            layers[l].vW = <void *>_waddr(s.get("vW"), dt, "optimizer state")
            layers[l].vb = <void *>_waddr(s.get("vb"), dt, "optimizer state")
    return 0


cdef inline void _fill_opt(pyml_optimizer *opt, dict o):
    opt.kind = o["kind"]
    opt.learning_rate = o.get("learning_rate", 0.001)
    opt.beta1 = o.get("beta_1", 0.9)
    opt.beta2 = o.get("beta_2", 0.999)
    opt.epsilon = o.get("epsilon", 1e-7)
    opt.momentum = o.get("momentum", 0.0)
    opt.nesterov = o.get("nesterov", False)
    opt.t = o.get("t", 0)
