# Thin binding over csrc/rl.{h,c}: the fused DQN update. Arrays are checked
# (dtype, C order, shape, every length the kernel indexes) and handed to the
# kernel by address with the GIL released; the status becomes an exception.
# The layer-struct helpers are shared with the NN binding (pyml/neural_network/_nn_support.pxd).
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stddef cimport size_t

import numpy as np

from pyml.neural_network._nn_support cimport (
    PYML_NN_MAX_LAYERS, pyml_dense_layer, pyml_optimizer, pyml_loss_spec, _addr, _waddr, _fill_layers, _fill_opt,
)
from pyml.utils._kernel_support cimport (
    pyml_index, raise_for_status, interrupt_guard_begin, interrupt_guard_end, PYML_ERR_NONFINITE,
)

cdef extern from "rl.h" nogil:
    uint64_t pyml_rl_uniform(uint64_t *state, uint64_t bound)
    double pyml_rl_random(uint64_t *state)
    size_t pyml_dqn_update_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                          size_t elem)
    int pyml_cartpole_step(double *state, int action)
    size_t pyml_dqn_episode_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                           size_t elem)
    int pyml_dqn_cartpole_episode_f32(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                                      pyml_optimizer *opt, float *states, float *next_states, int32_t *actions,
                                      float *rewards, uint8_t *terminated, uint8_t *truncated,
                                      pyml_index capacity, int64_t *ring, double *env_state,
                                      long max_episode_steps, long max_steps, long step_budget, double epsilon,
                                      pyml_index batch, long learn_every, double gamma, double tau, int huber,
                                      int double_dqn, uint64_t *rng_state, int64_t *last_indices, float *work,
                                      size_t work_size, int n_threads, double *out)
    int pyml_dqn_cartpole_episode_f64(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                                      pyml_optimizer *opt, double *states, double *next_states, int32_t *actions,
                                      double *rewards, uint8_t *terminated, uint8_t *truncated,
                                      pyml_index capacity, int64_t *ring, double *env_state,
                                      long max_episode_steps, long max_steps, long step_budget, double epsilon,
                                      pyml_index batch, long learn_every, double gamma, double tau, int huber,
                                      int double_dqn, uint64_t *rng_state, int64_t *last_indices, double *work,
                                      size_t work_size, int n_threads, double *out)
    int pyml_dqn_update_f32(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                            pyml_optimizer *opt, const float *states, const float *next_states,
                            pyml_index state_dim, const int32_t *actions, const float *rewards,
                            const uint8_t *terminated, pyml_index size, pyml_index batch,
                            double gamma, double tau, int huber, int double_dqn,
                            uint64_t *rng_state, long n_updates, int64_t *last_indices, float *work,
                            size_t work_size, int n_threads, double *mean_loss)
    int pyml_dqn_update_f64(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                            pyml_optimizer *opt, const double *states, const double *next_states,
                            pyml_index state_dim, const int32_t *actions, const double *rewards,
                            const uint8_t *terminated, pyml_index size, pyml_index batch,
                            double gamma, double tau, int huber, int double_dqn,
                            uint64_t *rng_state, long n_updates, int64_t *last_indices, double *work,
                            size_t work_size, int n_threads, double *mean_loss)


def _dtype_of(X):
    if X.dtype == np.float32:
        return np.float32
    if X.dtype == np.float64:
        return np.float64
    raise TypeError(f"expected float32 or float64, got {X.dtype}")


def _rows(arr, dt, shape, str name):
    if not isinstance(arr, np.ndarray) or arr.dtype != dt or arr.shape != shape or not arr.flags.c_contiguous:
        raise TypeError(f"dqn_update: {name} must be a C-contiguous {np.dtype(dt).name} array of shape {shape}")



cdef int _fill_networks(pyml_dense_layer *online, pyml_dense_layer *target, list online_specs,
                        list target_specs, object dt, str caller) except -1:
    """The online network (writable: it trains) and its target (same shapes, written by the soft update)."""
    if len(target_specs) != len(online_specs):
        raise ValueError(f"{caller}: the online and target networks have different numbers of layers")
    _fill_layers(online, online_specs, dt, True)
    _fill_layers(target, target_specs, dt, False)
    cdef int l
    for l in range(len(online_specs)):
        if target_specs[l]["W"].shape != online_specs[l]["W"].shape:
            raise ValueError(f"{caller}: layer {l} differs between the online and target networks")
        _waddr(target_specs[l]["W"], dt, "target kernel")
        _waddr(target_specs[l]["b"], dt, "target bias")
    return 0


def _check_ring_arrays(states, next_states, actions, rewards, terminated, truncated, ring, rng_state, dt, int d):
    """The replay ring's arrays (capacity rows of d state features), its (pos, size, n) counters and the
    generator state, each C-contiguous of the kernel's dtype; returns the capacity."""
    cdef pyml_index cap = states.shape[0]
    _rows(states, dt, (cap, d), "states")
    _rows(next_states, dt, (cap, d), "next_states")
    _rows(actions, np.int32, (cap,), "actions")
    _rows(rewards, dt, (cap,), "rewards")
    _rows(terminated, np.bool_, (cap,), "terminated")
    _rows(truncated, np.bool_, (cap,), "truncated")
    _rows(ring, np.int64, (3,), "ring")
    _rows(rng_state, np.uint64, (4,), "rng_state")
    return cap


cdef int _fill_cartpole_networks(pyml_dense_layer *online, pyml_dense_layer *target, list online_specs,
                                 list target_specs, object dt, str caller) except -1:
    """_fill_networks for the built-in cart-pole (4 observations, 2 actions); returns the layer count."""
    _fill_networks(online, target, online_specs, target_specs, dt, caller)
    cdef int L = len(online_specs)
    if online[0].n_in != 4 or online[L - 1].n_out != 2:
        raise ValueError(f"{caller}: the cart-pole needs a 4-input, 2-output network")
    return L


def dqn_update(list online_specs, list target_specs, dict opt_params, states, next_states, actions, rewards,
               terminated, long size, long batch_size, double gamma, double tau, bint huber, bint double_dqn,
               rng_state, long n_updates, last_indices, int n_threads, work=None):
    """n_updates fused DQN steps (csrc/rl.h) on the first ``size`` rows of the ring arrays.
    Weights, optimiser state, the target network and rng_state (uint64[4]) change in place;
    last_indices (int64[batch_size]) gets the last step's rows.
    Returns (mean loss, optimiser step count, workspace for reuse)."""
    dt = _dtype_of(states)
    cdef pyml_dense_layer online[PYML_NN_MAX_LAYERS]
    cdef pyml_dense_layer target[PYML_NN_MAX_LAYERS]
    _fill_networks(online, target, online_specs, target_specs, dt, "dqn_update")
    cdef int L = len(online_specs)
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    if states.ndim != 2:
        raise ValueError("dqn_update: states must be 2-D")
    cdef pyml_index cap = states.shape[0], d = states.shape[1]
    if d != online[0].n_in:
        raise ValueError(f"dqn_update: states have {d} features, the network expects {online[0].n_in}")
    _rows(next_states, dt, (cap, d), "next_states")
    _rows(actions, np.int32, (cap,), "actions")
    _rows(rewards, dt, (cap,), "rewards")
    _rows(terminated, np.bool_, (cap,), "terminated")
    _rows(rng_state, np.uint64, (4,), "rng_state")
    _rows(last_indices, np.int64, (batch_size,), "last_indices")
    if not 1 <= batch_size <= size <= cap:
        raise ValueError(f"dqn_update: need 1 <= batch_size ({batch_size}) <= size ({size}) <= capacity ({cap})")
    if n_updates < 1:
        raise ValueError(f"dqn_update: n_updates must be >= 1, got {n_updates}")
    cdef size_t need = pyml_dqn_update_workspace_size(online, L, batch_size, states.itemsize)
    if work is None or work.dtype != dt or work.shape[0] < need:
        work = np.empty(need, dtype=dt)
    cdef size_t ps = _addr(states, dt, "states"), ps2 = _addr(next_states, dt, "next_states")
    cdef size_t pa = _addr(actions, np.int32, "actions"), pr = _addr(rewards, dt, "rewards")
    cdef size_t pt = _addr(terminated, np.bool_, "terminated"), pg = _waddr(rng_state, np.uint64, "rng_state")
    cdef size_t pi = _waddr(last_indices, np.int64, "last_indices"), pk = _waddr(work, dt, "work")
    cdef size_t ws = work.shape[0]
    cdef double value = 0
    cdef int st
    cdef bint f32 = dt is np.float32
    interrupt_guard_begin()
    with nogil:
        if f32:
            st = pyml_dqn_update_f32(online, target, L, &opt, <float *>ps, <float *>ps2, d, <int32_t *>pa,
                                     <float *>pr, <uint8_t *>pt, size, batch_size, gamma, tau, huber,
                                     double_dqn, <uint64_t *>pg, n_updates, <int64_t *>pi, <float *>pk, ws,
                                     n_threads, &value)
        else:
            st = pyml_dqn_update_f64(online, target, L, &opt, <double *>ps, <double *>ps2, d, <int32_t *>pa,
                                     <double *>pr, <uint8_t *>pt, size, batch_size, gamma, tau, huber,
                                     double_dqn, <uint64_t *>pg, n_updates, <int64_t *>pi, <double *>pk, ws,
                                     n_threads, &value)
    interrupt_guard_end(st)
    raise_for_status(st, "DQN update")
    return value, opt.t, work


def rl_uniform(rng_state, unsigned long long bound):
    """One draw of the kernel's generator in [0, bound) (advances rng_state): for tests."""
    _rows(rng_state, np.uint64, (4,), "rng_state")
    if bound < 1:
        raise ValueError("bound must be >= 1")
    cdef size_t pg = _waddr(rng_state, np.uint64, "rng_state")
    return pyml_rl_uniform(<uint64_t *>pg, bound)


# ---- replay ring and act+store step (csrc/rl_buffer.h; helper "rl-buffer") ----------------------------
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_C_CONTIGUOUS

cdef extern from "rl_buffer.h" nogil:
    int pyml_replay_sample_indices(uint64_t *rng_state, pyml_index size, pyml_index batch, int64_t *out,
                                   int64_t *table, pyml_index table_size)
    size_t pyml_dqn_step_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                        size_t elem)
    int pyml_replay_add_f32(float *states, float *next_states, int32_t *actions, float *rewards,
                            uint8_t *terminated, uint8_t *truncated, pyml_index capacity, pyml_index state_dim,
                            int64_t *ring, const float *s, const float *s2, const int64_t *a, const double *r,
                            const uint8_t *term, const uint8_t *trunc, pyml_index n, long n_actions,
                            int64_t *bad)
    int pyml_replay_add_f64(double *states, double *next_states, int32_t *actions, double *rewards,
                            uint8_t *terminated, uint8_t *truncated, pyml_index capacity, pyml_index state_dim,
                            int64_t *ring, const double *s, const double *s2, const int64_t *a, const double *r,
                            const uint8_t *term, const uint8_t *trunc, pyml_index n, long n_actions,
                            int64_t *bad)
    int pyml_replay_sample_f32(const float *states, const float *next_states, const int32_t *actions,
                               const float *rewards, const uint8_t *terminated, pyml_index capacity,
                               pyml_index state_dim, pyml_index size, uint64_t *rng_state, pyml_index batch,
                               int64_t *indices, float *out_states, int32_t *out_actions, float *out_rewards,
                               float *out_next_states, float *out_dones, int64_t *table, pyml_index table_size)
    int pyml_replay_sample_f64(const double *states, const double *next_states, const int32_t *actions,
                               const double *rewards, const uint8_t *terminated, pyml_index capacity,
                               pyml_index state_dim, pyml_index size, uint64_t *rng_state, pyml_index batch,
                               int64_t *indices, double *out_states, int32_t *out_actions, double *out_rewards,
                               double *out_next_states, double *out_dones, int64_t *table, pyml_index table_size)
    int pyml_dqn_act_f32(const pyml_dense_layer *online, int n_layers, const float *obs, double epsilon,
                         uint64_t *rng_state, float *work, size_t work_size, int n_threads, int *action)
    int pyml_dqn_act_f64(const pyml_dense_layer *online, int n_layers, const double *obs, double epsilon,
                         uint64_t *rng_state, double *work, size_t work_size, int n_threads, int *action)
    int pyml_dqn_store_act_f32(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                               pyml_optimizer *opt, float *states, float *next_states, int32_t *actions,
                               float *rewards, uint8_t *terminated, uint8_t *truncated, pyml_index capacity,
                               int64_t *ring, float *obs, int action, double reward, const float *next_obs,
                               int term, int trunc, long t, long learn_every, int act_next, pyml_index batch,
                               double gamma, double tau, int huber, int double_dqn, double epsilon,
                               uint64_t *rng_state, int64_t *last_indices, float *work, size_t work_size,
                               int n_threads, double *out, int *next_action)
    int pyml_dqn_store_act_f64(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                               pyml_optimizer *opt, double *states, double *next_states, int32_t *actions,
                               double *rewards, uint8_t *terminated, uint8_t *truncated, pyml_index capacity,
                               int64_t *ring, double *obs, int action, double reward, const double *next_obs,
                               int term, int trunc, long t, long learn_every, int act_next, pyml_index batch,
                               double gamma, double tau, int huber, int double_dqn, double epsilon,
                               uint64_t *rng_state, int64_t *last_indices, double *work, size_t work_size,
                               int n_threads, double *out, int *next_action)


cdef inline size_t _ptr(object arr) except? 0:
    """Data address of an array this module just allocated (C-contiguous, writeable, right dtype)."""
    cdef Py_buffer view
    PyObject_GetBuffer(arr, &view, PyBUF_C_CONTIGUOUS)
    cdef size_t p = <size_t>view.buf
    PyBuffer_Release(&view)
    return p


cdef inline pyml_index _table_size(pyml_index batch):
    """Power of two >= 2 batch: the hash set of Floyd's sampler (unused for batch <= 16)."""
    cdef pyml_index n = 32
    while n < 2 * batch:
        n *= 2
    return n


cdef class ReplayRing:
    """Addresses of a ReplayBuffer's arrays (kept alive here), read once; add/sample cross into
    csrc/rl_buffer.h with the GIL released. ring = int64[3] (pos, size, n_added), rng = uint64[4]."""
    cdef readonly object states, next_states, actions, rewards, terminated, truncated, ring, rng, dtype
    cdef size_t ps, ps2, pa, pr, pt, ptr, pring, prng, ptab
    cdef readonly pyml_index capacity, state_dim
    cdef bint f32
    cdef object table, out_cache
    cdef size_t out_ptr[6]
    cdef pyml_index out_batch

    def __cinit__(self, states, next_states, actions, rewards, terminated, truncated, ring, rng_state):
        dt = _dtype_of(states)
        if states.ndim != 2:
            raise ValueError("ReplayRing: states must be 2-D")
        cdef pyml_index cap = _check_ring_arrays(states, next_states, actions, rewards, terminated, truncated, ring,
                                                 rng_state, dt, states.shape[1])
        self.states, self.next_states, self.actions, self.rewards = states, next_states, actions, rewards
        self.terminated, self.truncated, self.ring, self.rng, self.dtype = terminated, truncated, ring, rng_state, dt
        self.ps, self.ps2 = _waddr(states, dt, "states"), _waddr(next_states, dt, "next_states")
        self.pa, self.pr = _waddr(actions, np.int32, "actions"), _waddr(rewards, dt, "rewards")
        self.pt, self.ptr = _waddr(terminated, np.bool_, "terminated"), _waddr(truncated, np.bool_, "truncated")
        self.pring, self.prng = _waddr(ring, np.int64, "ring"), _waddr(rng_state, np.uint64, "rng_state")
        self.capacity, self.state_dim, self.f32 = cap, states.shape[1], dt is np.float32
        self.table = None
        self.ptab = 0

    cdef int _check_size(self, pyml_index batch) except -1:
        cdef int64_t *ring = <int64_t *>self.pring
        if batch < 1 or batch > ring[1]:
            raise ValueError(f"ReplayBuffer.sample: batch_size={batch} is more than the {ring[1]} transitions "
                             "stored; add more transitions first or lower batch_size")
        if batch > 16 and (self.table is None or self.table.shape[0] < 2 * batch):
            self.table = np.empty(_table_size(batch), np.int64)
            self.ptab = _waddr(self.table, np.int64, "table")
        return 0

    def add(self, s, s2, a, r, term, trunc, long n_actions):
        """Validate then store n transitions (s, s2: (n, d) of the ring's dtype; a int64; r float64;
        term, trunc bool). Returns None, or (field code, row) of the first bad transition."""
        dt = self.dtype
        cdef pyml_index n = s.shape[0], d = self.state_dim
        _rows(s, dt, (n, d), "state")
        _rows(s2, dt, (n, d), "next_state")
        _rows(a, np.int64, (n,), "action")
        _rows(r, np.float64, (n,), "reward")
        _rows(term, np.bool_, (n,), "terminated")
        _rows(trunc, np.bool_, (n,), "truncated")
        cdef size_t p1 = _addr(s, dt, "state"), p2 = _addr(s2, dt, "next_state"), p3 = _addr(a, np.int64, "action")
        cdef size_t p4 = _addr(r, np.float64, "reward"), p5 = _addr(term, np.bool_, "terminated")
        cdef size_t p6 = _addr(trunc, np.bool_, "truncated")
        cdef int64_t bad[2]
        cdef int st
        bad[0] = bad[1] = 0
        with nogil:
            if self.f32:
                st = pyml_replay_add_f32(<float *>self.ps, <float *>self.ps2, <int32_t *>self.pa, <float *>self.pr,
                                         <uint8_t *>self.pt, <uint8_t *>self.ptr, self.capacity, d,
                                         <int64_t *>self.pring, <float *>p1, <float *>p2, <int64_t *>p3,
                                         <double *>p4, <uint8_t *>p5, <uint8_t *>p6, n, n_actions, bad)
            else:
                st = pyml_replay_add_f64(<double *>self.ps, <double *>self.ps2, <int32_t *>self.pa,
                                         <double *>self.pr, <uint8_t *>self.pt, <uint8_t *>self.ptr, self.capacity,
                                         d, <int64_t *>self.pring, <double *>p1, <double *>p2, <int64_t *>p3,
                                         <double *>p4, <uint8_t *>p5, <uint8_t *>p6, n, n_actions, bad)
        if bad[0]:
            return int(bad[0]), int(bad[1])
        raise_for_status(st, "ReplayBuffer.add")
        return None

    def sample_indices(self, pyml_index batch, idx=None):
        """``batch`` distinct rows (int64) drawn from the ring's generator."""
        self._check_size(batch)
        if idx is None:
            idx = np.empty(batch, np.int64)
        else:
            _rows(idx, np.int64, (batch,), "indices")
        cdef size_t pi = _waddr(idx, np.int64, "indices")
        cdef pyml_index size = (<int64_t *>self.pring)[1], tsz = 0 if self.table is None else self.table.shape[0]
        cdef int st
        with nogil:
            st = pyml_replay_sample_indices(<uint64_t *>self.prng, size, batch, <int64_t *>pi,
                                            <int64_t *>self.ptab, tsz)
        raise_for_status(st, "ReplayBuffer.sample")
        return idx

    def sample(self, pyml_index batch, out=None):
        """(indices, states, actions, rewards, next_states, dones) of ``batch`` distinct rows, into
        ``out`` (a tuple of those six arrays, reused: checked once, then recognised by identity)
        or into new arrays."""
        self._check_size(batch)
        dt = self.dtype
        cdef pyml_index d = self.state_dim
        cdef size_t pi, pS, pA, pR, pS2, pD
        if out is None:  # fresh arrays of the right type: their addresses need no checks
            idx, S, A, R = np.empty(batch, np.int64), np.empty((batch, d), dt), np.empty(batch, np.int32), \
                np.empty(batch, dt)
            S2, D = np.empty((batch, d), dt), np.empty(batch, dt)
            pi, pS, pA, pR, pS2, pD = _ptr(idx), _ptr(S), _ptr(A), _ptr(R), _ptr(S2), _ptr(D)
            res = (idx, S, A, R, S2, D)
        else:
            if out is not self.out_cache or batch != self.out_batch:
                self._check_out(batch, out)
            pi, pS, pA = self.out_ptr[0], self.out_ptr[1], self.out_ptr[2]
            pR, pS2, pD = self.out_ptr[3], self.out_ptr[4], self.out_ptr[5]
            res = out
        cdef pyml_index size = (<int64_t *>self.pring)[1], tsz = 0 if self.table is None else self.table.shape[0]
        cdef int st
        with nogil:
            if self.f32:
                st = pyml_replay_sample_f32(<float *>self.ps, <float *>self.ps2, <int32_t *>self.pa,
                                            <float *>self.pr, <uint8_t *>self.pt, self.capacity, d, size,
                                            <uint64_t *>self.prng, batch, <int64_t *>pi, <float *>pS,
                                            <int32_t *>pA, <float *>pR, <float *>pS2, <float *>pD,
                                            <int64_t *>self.ptab, tsz)
            else:
                st = pyml_replay_sample_f64(<double *>self.ps, <double *>self.ps2, <int32_t *>self.pa,
                                            <double *>self.pr, <uint8_t *>self.pt, self.capacity, d, size,
                                            <uint64_t *>self.prng, batch, <int64_t *>pi, <double *>pS,
                                            <int32_t *>pA, <double *>pR, <double *>pS2, <double *>pD,
                                            <int64_t *>self.ptab, tsz)
        raise_for_status(st, "ReplayBuffer.sample")
        return res

    cdef int _check_out(self, pyml_index batch, out) except -1:
        dt = self.dtype
        cdef pyml_index d = self.state_dim
        if not isinstance(out, tuple) or len(out) != 6:
            raise TypeError("ReplayBuffer.sample: out must be the 6 arrays (indices, states, actions, rewards, "
                            "next_states, dones) of ReplayBuffer.sample_buffers(batch_size)")
        idx, S, A, R, S2, D = out
        for arr, t, shape, name in ((idx, np.int64, (batch,), "indices"), (S, dt, (batch, d), "states"),
                                    (A, np.int32, (batch,), "actions"), (R, dt, (batch,), "rewards"),
                                    (S2, dt, (batch, d), "next_states"), (D, dt, (batch,), "dones")):
            if not isinstance(arr, np.ndarray) or arr.dtype != t or arr.shape != shape or \
                    not arr.flags.c_contiguous or not arr.flags.writeable:
                raise ValueError(f"ReplayBuffer.sample: out {name} must be a writeable C-contiguous "
                                 f"{np.dtype(t).name} array of shape {shape} (use sample_buffers({batch}))")
        self.out_ptr[0], self.out_ptr[1] = _waddr(idx, np.int64, "indices"), _waddr(S, dt, "states")
        self.out_ptr[2], self.out_ptr[3] = _waddr(A, np.int32, "actions"), _waddr(R, dt, "rewards")
        self.out_ptr[4], self.out_ptr[5] = _waddr(S2, dt, "next_states"), _waddr(D, dt, "dones")
        self.out_cache, self.out_batch = out, batch  # the tuple keeps the six arrays alive
        return 0


cdef class DQNStepper:
    """One episode of DQN training on a Python environment: per env step one call of ``step``
    (store the transition, update every learn_every steps once the ring holds more than batch,
    epsilon-greedy next action; csrc/rl_buffer.h pyml_dqn_store_act). Built once per episode:
    the layer structs, optimiser struct and ring addresses are filled here, not per step."""
    cdef pyml_dense_layer online[PYML_NN_MAX_LAYERS]
    cdef pyml_dense_layer target[PYML_NN_MAX_LAYERS]
    cdef pyml_optimizer opt
    cdef int L, action
    cdef ReplayRing ring
    cdef object keep, dtype, obs, cast, work, last_indices
    cdef size_t pobs, pcast, pwork, plast, work_size
    cdef double epsilon, gamma, tau
    cdef pyml_index batch
    cdef long learn_every, n_steps
    cdef bint huber, double_dqn, f32
    cdef int n_threads
    cdef readonly long t, n_updates
    cdef readonly double ret, loss_sum

    def __cinit__(self, list online_specs, list target_specs, dict opt_params, ReplayRing ring, obs,
                  double epsilon, long batch_size, long learn_every, double gamma, double tau, bint huber,
                  bint double_dqn, long n_steps, last_indices, int n_threads, work=None):
        dt = ring.dtype
        _fill_networks(self.online, self.target, online_specs, target_specs, dt, "DQNStepper")
        cdef int L = len(online_specs)
        if self.online[0].n_in != ring.state_dim:
            raise ValueError(f"DQNStepper: the ring holds {ring.state_dim}-dim states, the network expects "
                             f"{self.online[0].n_in}")
        _fill_opt(&self.opt, opt_params)
        if batch_size < 1 or learn_every < 1 or n_steps < 1:
            raise ValueError("DQNStepper: batch_size, learn_every and n_steps must be >= 1")
        if not 0 <= epsilon <= 1:
            raise ValueError(f"DQNStepper: epsilon must lie in [0, 1], got {epsilon}")
        _rows(last_indices, np.int64, (batch_size,), "last_indices")
        self.obs = np.array(obs, dtype=dt).reshape(-1)  # own copy: the state s of the next transition
        self.cast = np.empty(ring.state_dim, dtype=dt)   # an observation of the other float type, cast
        self.pcast = _waddr(self.cast, dt, "cast")
        if self.obs.shape != (ring.state_dim,):
            raise ValueError(f"DQNStepper: obs must have shape ({ring.state_dim},)")
        cdef size_t need = pyml_dqn_step_workspace_size(self.online, L, batch_size, np.dtype(dt).itemsize)
        if work is None or work.dtype != dt or work.shape[0] < need:
            work = np.empty(need, dtype=dt)
        self.keep = (online_specs, target_specs)  # the arrays the structs point into stay alive
        self.ring, self.dtype, self.work, self.last_indices, self.L = ring, dt, work, last_indices, L
        self.pobs, self.pwork = _waddr(self.obs, dt, "obs"), _waddr(work, dt, "work")
        self.plast, self.work_size = _waddr(last_indices, np.int64, "last_indices"), work.shape[0]
        self.epsilon, self.gamma, self.tau, self.batch = epsilon, gamma, tau, batch_size
        self.learn_every, self.n_steps, self.huber, self.double_dqn = learn_every, n_steps, huber, double_dqn
        self.n_threads, self.f32 = n_threads, dt is np.float32
        self.t = self.n_updates = 0
        self.ret = self.loss_sum = 0.0
        self.action = -1

    @property
    def optimizer_steps(self):
        return self.opt.t

    @property
    def workspace(self):
        return self.work

    def first_action(self):
        """Epsilon-greedy action for the episode's first observation."""
        cdef int st, a = -1
        with nogil:
            if self.f32:
                st = pyml_dqn_act_f32(self.online, self.L, <float *>self.pobs, self.epsilon,
                                      <uint64_t *>self.ring.prng, <float *>self.pwork, self.work_size,
                                      self.n_threads, &a)
            else:
                st = pyml_dqn_act_f64(self.online, self.L, <double *>self.pobs, self.epsilon,
                                      <uint64_t *>self.ring.prng, <double *>self.pwork, self.work_size,
                                      self.n_threads, &a)
        raise_for_status(st, "DQN act")
        self.action = a
        return a

    def step(self, next_obs, reward_in, bint terminated, bint truncated):
        """Store (s, a, r, s', terminated, truncated) for the action last returned, update when due;
        returns the next action, or -1 when the episode is over (terminated, truncated, n_steps)."""
        if self.action < 0:
            raise RuntimeError("DQNStepper.step: call first_action() first; the episode is over")
        cdef double reward
        try:
            reward = reward_in
        except TypeError:
            raise TypeError(f"DQN.learn: the environment returned reward {reward_in!r}; expected a finite "
                            "number") from None
        dt = self.dtype
        x = next_obs
        cdef pyml_index c, d = self.ring.state_dim
        cdef size_t px = 0
        cdef float *pf
        cdef double *pd
        if type(x) is np.ndarray and x.ndim == 1 and x.shape[0] == d and x.flags.c_contiguous:
            if x.dtype == dt:
                px = _addr(x, dt, "observation")
            elif x.dtype == np.float64 or x.dtype == np.float32:  # the other float type: cast here, no temporary
                px = self.pcast
                if self.f32:
                    pf, pd = <float *>px, <double *>_addr(x, np.float64, "observation")
                    for c in range(d):
                        pf[c] = <float>pd[c]
                else:
                    pd, pf = <double *>px, <float *>_addr(x, np.float32, "observation")
                    for c in range(d):
                        pd[c] = pf[c]
        if px == 0:
            try:
                with np.errstate(over="ignore", invalid="ignore"):  # an overflowing cast is caught below
                    x = np.ascontiguousarray(x, dtype=dt)
            except (TypeError, ValueError):
                x = None
            if x is None or x.ndim != 1 or x.shape[0] != d:
                raise ValueError(f"DQN.learn: the environment returned observation {next_obs!r}; expected a "
                                 f"finite ({d},) vector")
            px = _addr(x, dt, "observation")
        cdef int st, a = -1
        cdef double out[2]
        cdef int act_next = self.t + 1 < self.n_steps
        with nogil:
            if self.f32:
                st = pyml_dqn_store_act_f32(self.online, self.target, self.L, &self.opt, <float *>self.ring.ps,
                                            <float *>self.ring.ps2, <int32_t *>self.ring.pa,
                                            <float *>self.ring.pr, <uint8_t *>self.ring.pt,
                                            <uint8_t *>self.ring.ptr, self.ring.capacity,
                                            <int64_t *>self.ring.pring, <float *>self.pobs, self.action, reward,
                                            <float *>px, terminated, truncated, self.t, self.learn_every,
                                            act_next, self.batch, self.gamma, self.tau, self.huber,
                                            self.double_dqn, self.epsilon, <uint64_t *>self.ring.prng,
                                            <int64_t *>self.plast, <float *>self.pwork, self.work_size,
                                            self.n_threads, out, &a)
            else:
                st = pyml_dqn_store_act_f64(self.online, self.target, self.L, &self.opt, <double *>self.ring.ps,
                                            <double *>self.ring.ps2, <int32_t *>self.ring.pa,
                                            <double *>self.ring.pr, <uint8_t *>self.ring.pt,
                                            <uint8_t *>self.ring.ptr, self.ring.capacity,
                                            <int64_t *>self.ring.pring, <double *>self.pobs, self.action,
                                            reward, <double *>px, terminated, truncated, self.t,
                                            self.learn_every, act_next, self.batch, self.gamma, self.tau,
                                            self.huber, self.double_dqn, self.epsilon,
                                            <uint64_t *>self.ring.prng, <int64_t *>self.plast,
                                            <double *>self.pwork, self.work_size, self.n_threads, out, &a)
        if st == PYML_ERR_NONFINITE:
            raise ValueError(f"DQN.learn: the environment returned observation {next_obs!r} and reward "
                             f"{reward_in!r}; expected a finite ({self.ring.state_dim},) vector and a finite reward")
        raise_for_status(st, "DQN step")
        self.t += 1
        self.ret += reward
        if out[1] != 0:  # an update ran
            self.n_updates += 1
            self.loss_sum += out[0]
        self.action = a
        return a


def cartpole_step(state, int action):
    """One Euler step of the C cart-pole on ``state`` (float64[4], in place); returns terminated."""
    _rows(state, np.float64, (4,), "state")
    if action not in (0, 1):
        raise ValueError(f"cartpole_step: action must be 0 or 1, got {action}")
    cdef size_t ps = _waddr(state, np.float64, "state")
    return bool(pyml_cartpole_step(<double *>ps, action))


def dqn_cartpole_episode(list online_specs, list target_specs, dict opt_params, states, next_states, actions,
                         rewards, terminated, truncated, ring, env_state, long max_episode_steps, long max_steps,
                         long step_budget, double epsilon, long batch_size, long learn_every, double gamma,
                         double tau, bint huber, bint double_dqn, rng_state, last_indices, int n_threads,
                         work=None):
    """One training episode on the C cart-pole (csrc/rl.h). ring (int64[3]: pos, size, env steps),
    env_state (float64[4]), the ring arrays, weights, optimiser state and rng_state change in place.
    Returns (out float64[6]: return, loss sum, updates, length, terminated, truncated; optimiser
    step count; workspace)."""
    dt = _dtype_of(states)
    cdef pyml_dense_layer online[PYML_NN_MAX_LAYERS]
    cdef pyml_dense_layer target[PYML_NN_MAX_LAYERS]
    cdef int L = _fill_cartpole_networks(online, target, online_specs, target_specs, dt, "dqn_cartpole_episode")
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    cdef pyml_index cap = _check_ring_arrays(states, next_states, actions, rewards, terminated, truncated, ring,
                                             rng_state, dt, 4)
    _rows(env_state, np.float64, (4,), "env_state")
    _rows(last_indices, np.int64, (batch_size,), "last_indices")
    if batch_size < 1 or learn_every < 1 or max_steps < 1 or max_episode_steps < 1:
        raise ValueError("dqn_cartpole_episode: batch_size, learn_every, max_steps, max_episode_steps must be >= 1")
    cdef size_t need = pyml_dqn_episode_workspace_size(online, L, batch_size, states.itemsize)
    if work is None or work.dtype != dt or work.shape[0] < need:
        work = np.empty(need, dtype=dt)
    out = np.zeros(6, np.float64)
    cdef size_t ps = _waddr(states, dt, "states"), ps2 = _waddr(next_states, dt, "next_states")
    cdef size_t pa = _waddr(actions, np.int32, "actions"), pr = _waddr(rewards, dt, "rewards")
    cdef size_t pt = _waddr(terminated, np.bool_, "terminated"), ptr = _waddr(truncated, np.bool_, "truncated")
    cdef size_t pring = _waddr(ring, np.int64, "ring"), pe = _waddr(env_state, np.float64, "env_state")
    cdef size_t pg = _waddr(rng_state, np.uint64, "rng_state"), pi = _waddr(last_indices, np.int64, "last_indices")
    cdef size_t pk = _waddr(work, dt, "work"), po = _waddr(out, np.float64, "out")
    cdef size_t ws = work.shape[0]
    cdef int st
    cdef bint f32 = dt is np.float32
    interrupt_guard_begin()
    with nogil:
        if f32:
            st = pyml_dqn_cartpole_episode_f32(online, target, L, &opt, <float *>ps, <float *>ps2, <int32_t *>pa,
                                               <float *>pr, <uint8_t *>pt, <uint8_t *>ptr, cap, <int64_t *>pring,
                                               <double *>pe, max_episode_steps, max_steps, step_budget, epsilon,
                                               batch_size, learn_every, gamma, tau, huber, double_dqn,
                                               <uint64_t *>pg, <int64_t *>pi, <float *>pk, ws, n_threads,
                                               <double *>po)
        else:
            st = pyml_dqn_cartpole_episode_f64(online, target, L, &opt, <double *>ps, <double *>ps2,
                                               <int32_t *>pa, <double *>pr, <uint8_t *>pt, <uint8_t *>ptr, cap,
                                               <int64_t *>pring, <double *>pe, max_episode_steps, max_steps,
                                               step_budget, epsilon, batch_size, learn_every, gamma, tau, huber,
                                               double_dqn, <uint64_t *>pg, <int64_t *>pi, <double *>pk, ws,
                                               n_threads, <double *>po)
    interrupt_guard_end(st)
    raise_for_status(st, "DQN cart-pole episode")
    return out, opt.t, work


def rl_random(rng_state):
    """One uniform [0, 1) draw of the kernel's generator (advances rng_state): for tests."""
    _rows(rng_state, np.uint64, (4,), "rng_state")
    cdef size_t pg = _waddr(rng_state, np.uint64, "rng_state")
    return pyml_rl_random(<uint64_t *>pg)


# ---- many cart-pole episodes in one call (csrc/rl.h pyml_dqn_cartpole_learn; helper "rl-speed") ----------
cdef extern from "rl.h" nogil:
    ctypedef struct pyml_cartpole_learn_spec:
        long max_episode_steps
        long max_steps
        long learn_every
        pyml_index batch
        double gamma
        double tau
        double epsilon_min
        double epsilon_decay
        int huber
        int double_dqn
        long max_episodes
        long step_budget
        int64_t episode_seed
        int64_t episode_index
        int use_target
        double target
        long window
    void pyml_cartpole_reset(double *state, uint64_t seed)
    size_t pyml_dqn_learn_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                         size_t elem)
    int pyml_dqn_cartpole_learn_f32(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                                    pyml_optimizer *opt, float *states, float *next_states, int32_t *actions,
                                    float *rewards, uint8_t *terminated, uint8_t *truncated, pyml_index capacity,
                                    int64_t *ring, const pyml_cartpole_learn_spec *spec, const double *history,
                                    long n_history, long n_before, double *epsilon, double *env_state,
                                    uint64_t *rng_state, int64_t *last_indices, double *returns, int64_t *lengths,
                                    double *losses, int64_t *info, float *work, size_t work_size, int n_threads)
    int pyml_dqn_cartpole_learn_f64(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,
                                    pyml_optimizer *opt, double *states, double *next_states, int32_t *actions,
                                    double *rewards, uint8_t *terminated, uint8_t *truncated, pyml_index capacity,
                                    int64_t *ring, const pyml_cartpole_learn_spec *spec, const double *history,
                                    long n_history, long n_before, double *epsilon, double *env_state,
                                    uint64_t *rng_state, int64_t *last_indices, double *returns, int64_t *lengths,
                                    double *losses, int64_t *info, double *work, size_t work_size, int n_threads)


def cartpole_reset(unsigned long long seed):
    """Start state of the C cart-pole for an episode seed (float64[4] in (-0.05, 0.05))."""
    state = np.empty(4, np.float64)
    cdef size_t ps = _waddr(state, np.float64, "state")
    pyml_cartpole_reset(<double *>ps, seed)
    return state


def dqn_cartpole_learn(list online_specs, list target_specs, dict opt_params, states, next_states, actions,
                       rewards, terminated, truncated, ring, dict spec, history, long n_before, epsilon, env_state,
                       rng_state, last_indices, returns, lengths, losses, info, int n_threads, work=None):
    """Episodes of DQN training on the C cart-pole in one call (csrc/rl.h pyml_dqn_cartpole_learn).
    In/out, changed in place even when it raises (Ctrl-C, a kernel error): ring (int64[3]: pos, size,
    n_added), the ring arrays, weights, optimiser state, epsilon (float64[1]), env_state (float64[4]),
    rng_state, last_indices; out: returns/lengths/losses (one row per episode, spec["max_episodes"]
    rows), info (int64[6]: episodes, steps, updates, steps of the last episode, stop reason, optimiser
    steps). history: float64, the last returns before the call (at most spec["window"]).
    Returns the workspace for reuse."""
    dt = _dtype_of(states)
    cdef pyml_dense_layer online[PYML_NN_MAX_LAYERS]
    cdef pyml_dense_layer target[PYML_NN_MAX_LAYERS]
    cdef int L = _fill_cartpole_networks(online, target, online_specs, target_specs, dt, "dqn_cartpole_learn")
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    cdef pyml_cartpole_learn_spec sp
    sp.max_episode_steps = spec["max_episode_steps"]
    sp.max_steps = spec["max_steps"]
    sp.learn_every = spec["learn_every"]
    sp.batch = spec["batch_size"]
    sp.gamma = spec["gamma"]
    sp.tau = spec["tau"]
    sp.epsilon_min = spec["epsilon_min"]
    sp.epsilon_decay = spec["epsilon_decay"]
    sp.huber = spec["huber"]
    sp.double_dqn = spec["double_dqn"]
    sp.max_episodes = spec["max_episodes"]
    sp.step_budget = spec["step_budget"]
    sp.episode_seed = spec["episode_seed"]
    sp.episode_index = spec["episode_index"]
    sp.use_target = spec["target"] is not None
    sp.target = spec["target"] if spec["target"] is not None else 0.0
    sp.window = spec["window"]
    if sp.batch < 1 or sp.learn_every < 1 or sp.max_steps < 1 or sp.max_episode_steps < 1 or sp.max_episodes < 1 \
            or sp.window < 1:
        raise ValueError("dqn_cartpole_learn: batch_size, learn_every, max_steps, max_episode_steps, max_episodes "
                         "and window must be >= 1")
    cdef pyml_index cap = _check_ring_arrays(states, next_states, actions, rewards, terminated, truncated, ring,
                                             rng_state, dt, 4)
    cdef long E = sp.max_episodes
    _rows(epsilon, np.float64, (1,), "epsilon")
    _rows(env_state, np.float64, (4,), "env_state")
    _rows(last_indices, np.int64, (sp.batch,), "last_indices")
    _rows(returns, np.float64, (E,), "returns")
    _rows(lengths, np.int64, (E,), "lengths")
    _rows(losses, np.float64, (E,), "losses")
    _rows(info, np.int64, (6,), "info")
    if not isinstance(history, np.ndarray) or history.dtype != np.float64 or history.ndim != 1 or \
            not history.flags.c_contiguous or history.shape[0] > sp.window or history.shape[0] > n_before:
        raise TypeError("dqn_cartpole_learn: history must be a C-contiguous float64 vector of at most window "
                        "(and n_before) returns")
    cdef long n_hist = history.shape[0]
    cdef size_t need = pyml_dqn_learn_workspace_size(online, L, sp.batch, states.itemsize)
    if work is None or work.dtype != dt or work.shape[0] < need:
        work = np.empty(need, dtype=dt)
    cdef size_t ps = _waddr(states, dt, "states"), ps2 = _waddr(next_states, dt, "next_states")
    cdef size_t pa = _waddr(actions, np.int32, "actions"), pr = _waddr(rewards, dt, "rewards")
    cdef size_t pt = _waddr(terminated, np.bool_, "terminated"), ptr = _waddr(truncated, np.bool_, "truncated")
    cdef size_t pring = _waddr(ring, np.int64, "ring"), pe = _waddr(env_state, np.float64, "env_state")
    cdef size_t pg = _waddr(rng_state, np.uint64, "rng_state"), pi = _waddr(last_indices, np.int64, "last_indices")
    cdef size_t peps = _waddr(epsilon, np.float64, "epsilon"), pinfo = _waddr(info, np.int64, "info")
    cdef size_t pret = _waddr(returns, np.float64, "returns"), plen = _waddr(lengths, np.int64, "lengths")
    cdef size_t ploss = _waddr(losses, np.float64, "losses")
    cdef size_t ph = _addr(history, np.float64, "history") if n_hist > 0 else 0
    cdef size_t pk = _waddr(work, dt, "work")
    cdef size_t ws = work.shape[0]
    cdef int st
    cdef bint f32 = dt is np.float32
    interrupt_guard_begin()
    with nogil:
        if f32:
            st = pyml_dqn_cartpole_learn_f32(online, target, L, &opt, <float *>ps, <float *>ps2, <int32_t *>pa,
                                             <float *>pr, <uint8_t *>pt, <uint8_t *>ptr, cap, <int64_t *>pring, &sp,
                                             <const double *>ph, n_hist, n_before, <double *>peps, <double *>pe,
                                             <uint64_t *>pg, <int64_t *>pi, <double *>pret, <int64_t *>plen,
                                             <double *>ploss, <int64_t *>pinfo, <float *>pk, ws, n_threads)
        else:
            st = pyml_dqn_cartpole_learn_f64(online, target, L, &opt, <double *>ps, <double *>ps2, <int32_t *>pa,
                                             <double *>pr, <uint8_t *>pt, <uint8_t *>ptr, cap, <int64_t *>pring,
                                             &sp, <const double *>ph, n_hist, n_before, <double *>peps,
                                             <double *>pe, <uint64_t *>pg, <int64_t *>pi, <double *>pret,
                                             <int64_t *>plen, <double *>ploss, <int64_t *>pinfo, <double *>pk, ws,
                                             n_threads)
    interrupt_guard_end(st)
    raise_for_status(st, "DQN cart-pole training")
    return work
