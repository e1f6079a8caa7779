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
    pyml_index, raise_for_status, interrupt_guard_begin, interrupt_guard_end,
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
    if len(target_specs) != len(online_specs):
        raise ValueError("dqn_update: the online and target networks have different numbers of layers")
    _fill_layers(online, online_specs, dt, True)
    _fill_layers(target, target_specs, dt, False)
    cdef int L = len(online_specs), l
    for l in range(L):
        if target_specs[l]["W"].shape != online_specs[l]["W"].shape:
            raise ValueError(f"dqn_update: layer {l} differs between the online and target networks")
        _waddr(target_specs[l]["W"], dt, "target kernel")
        _waddr(target_specs[l]["b"], dt, "target bias")
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
    if len(target_specs) != len(online_specs):
        raise ValueError("dqn_cartpole_episode: the networks have different numbers of layers")
    _fill_layers(online, online_specs, dt, True)
    _fill_layers(target, target_specs, dt, False)
    cdef int L = len(online_specs), l
    for l in range(L):
        if target_specs[l]["W"].shape != online_specs[l]["W"].shape:
            raise ValueError(f"dqn_cartpole_episode: layer {l} differs between the networks")
        _waddr(target_specs[l]["W"], dt, "target kernel")
        _waddr(target_specs[l]["b"], dt, "target bias")
    if online[0].n_in != 4 or online[L - 1].n_out != 2:
        raise ValueError("dqn_cartpole_episode: the cart-pole needs a 4-input, 2-output network")
    cdef pyml_optimizer opt
    _fill_opt(&opt, opt_params)
    cdef pyml_index cap = states.shape[0]
    _rows(states, dt, (cap, 4), "states")
    _rows(next_states, dt, (cap, 4), "next_states")
    _rows(actions, np.int32, (cap,), "actions")
    _rows(rewards, dt, (cap,), "rewards")
    _rows(terminated, np.bool_, (cap,), "terminated")
    _rows(truncated, np.bool_, (cap,), "truncated")
    _rows(ring, np.int64, (3,), "ring")
    _rows(env_state, np.float64, (4,), "env_state")
    _rows(rng_state, np.uint64, (4,), "rng_state")
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
