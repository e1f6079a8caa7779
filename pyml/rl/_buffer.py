"""Experience replay: a preallocated ring of transitions with seeded uniform sampling, in C.

Transitions (s, a, r, s', terminated, truncated) are stored in fixed arrays of
``capacity`` rows (csrc/rl_buffer.h); the write position wraps around so the
oldest transition is overwritten first. ``sample(batch_size)`` draws
``batch_size`` distinct rows uniformly from the filled part (without
replacement within a batch: every subset of that size is equally likely,
Floyd's algorithm) from the buffer's own xoshiro256** generator. A batched add
is one C call (validated first, no Python loop over transitions).
"""
import numbers

import numpy as np

from pyml.rl import _rl_kernels as _rk
from pyml.utils.validation import check_allocation

__all__ = ["ReplayBuffer"]

_FIELDS = {1: "state", 2: "next_state", 3: "reward", 4: "action"}


def _posint(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"ReplayBuffer: {name} must be a positive integer, got {value!r}")
    return int(value)


def generator_state(random_state):
    """xoshiro256** state (uint64[4], never all zero) from ``random_state``: an int or a
    SeedSequence (reproducible), a numpy Generator / RandomState (four draws from it), or None
    (fresh OS entropy)."""
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        seq = random_state if random_state is not None else np.random.SeedSequence()
        state = seq.generate_state(4, np.uint64)
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        state = np.random.SeedSequence(int(random_state)).generate_state(4, np.uint64)
    elif isinstance(random_state, np.random.Generator):
        state = random_state.integers(0, 2**64, size=4, dtype=np.uint64)
    elif isinstance(random_state, np.random.RandomState):
        state = random_state.randint(0, 2**63, size=4, dtype=np.int64).astype(np.uint64)
    else:
        raise ValueError(f"random_state must be None, an int or a numpy Generator, got {random_state!r}")
    state = np.ascontiguousarray(state, dtype=np.uint64)
    if not state.any():  # the all-zero state is xoshiro's one fixed point
        state[0] = 0x9E3779B97F4A7C15
    return state


class ReplayBuffer:
    """Ring buffer of transitions for DQN, stored and sampled in C.

    Parameters
    ----------
    capacity : int
        Maximum number of transitions kept (oldest overwritten first).
    state_dim : int
        Length of a state vector.
    random_state : int, numpy Generator or None
        Seeds the sampling generator (xoshiro256**; an int goes through
        ``numpy.random.SeedSequence``). None: fresh entropy.
    dtype : {"float32", "float64"}, default="float32"
        Storage type of states and rewards.

    Attributes
    ----------
    states, next_states : ndarray (capacity, state_dim)
    actions : ndarray (capacity,) int32
    rewards : ndarray (capacity,)
    terminated, truncated : ndarray (capacity,) bool
        Kept apart: a time-limit truncation is not a terminal state for bootstrapping.
        The arrays are the ring itself (read them; write through :meth:`add`).
    pos, size, n_added : int
        Next row written, rows filled, transitions ever added.
    last_indices_ : ndarray of int64
        Rows returned by the last ``sample`` call.

    Notes
    -----
    Sampling without replacement (Floyd): for j = size - B, ..., size - 1 draw
    t uniformly in [0, j]; keep t unless already taken, else keep j. Every
    B-subset has probability 1 / C(size, B).
    """

    def __init__(self, capacity, state_dim, random_state=None, dtype="float32"):
        self.capacity = _posint(capacity, "capacity")
        self.state_dim = _posint(state_dim, "state_dim")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"ReplayBuffer: dtype must be float32 or float64, got {dtype!r}")
        per_row = 2 * self.state_dim * self.dtype.itemsize + 4 + self.dtype.itemsize + 2
        check_allocation(self.capacity * per_row, f"ReplayBuffer(capacity={self.capacity}, "
                         f"state_dim={self.state_dim})", "lower capacity")
        self.random_state = random_state
        self._rng_state = generator_state(random_state)
        self._arrays = dict(
            states=np.zeros((self.capacity, self.state_dim), self.dtype),
            next_states=np.zeros((self.capacity, self.state_dim), self.dtype),
            actions=np.zeros(self.capacity, np.int32), rewards=np.zeros(self.capacity, self.dtype),
            terminated=np.zeros(self.capacity, bool), truncated=np.zeros(self.capacity, bool))
        self._ring = np.zeros(3, np.int64)  # pos, size, n_added (read and written by the C kernels)
        self.last_indices_ = None
        self._attach()

    def _attach(self):
        a = self._arrays
        self._kernel = _rk.ReplayRing(a["states"], a["next_states"], a["actions"], a["rewards"], a["terminated"],
                                      a["truncated"], self._ring, self._rng_state)

    # -- the ring's arrays and counters (read-only arrays: the kernel holds their addresses) --
    states = property(lambda self: self._arrays["states"])
    next_states = property(lambda self: self._arrays["next_states"])
    actions = property(lambda self: self._arrays["actions"])
    rewards = property(lambda self: self._arrays["rewards"])
    terminated = property(lambda self: self._arrays["terminated"])
    truncated = property(lambda self: self._arrays["truncated"])

    def _counter(i, name):
        def get(self):
            return int(self._ring[i])

        def put(self, value):
            value = int(value)
            limit = self.capacity - 1 if i == 0 else (self.capacity if i == 1 else None)
            if value < 0 or (limit is not None and value > limit):
                raise ValueError(f"ReplayBuffer: {name} must lie in [0, {limit}], got {value}")
            self._ring[i] = value
        return property(get, put)

    pos = _counter(0, "pos")
    size = _counter(1, "size")
    n_added = _counter(2, "n_added")
    del _counter

    @property
    def rng_state(self):
        """The sampling generator's xoshiro256** state (uint64[4], advanced in place by every draw)."""
        return self._rng_state

    def __len__(self):
        return int(self._ring[1])

    # -- adding -------------------------------------------------------------------
    def _states(self, x, name, n):
        arr = np.asarray(x)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"ReplayBuffer.add: {name} must be numeric, got dtype {arr.dtype}")
        if arr.ndim == 1 and n == 1:
            arr = arr.reshape(1, -1)
        if arr.shape != (n, self.state_dim):
            raise ValueError(f"ReplayBuffer.add: {name} must have shape ({self.state_dim},) or "
                             f"(n, {self.state_dim}), got {np.shape(x)}")
        if arr.dtype == self.dtype and arr.flags.c_contiguous:
            return arr
        with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf is rejected by the kernel
            return np.ascontiguousarray(arr, dtype=self.dtype)

    def _flags(self, x, name, n):
        f = np.asarray(x)
        if f.dtype.kind not in "biuf" or f.ndim > 1 or (f.ndim == 1 and f.shape[0] not in (1, n)):
            raise ValueError(f"ReplayBuffer.add: {name} must be a bool or {n} bools, got {x!r}")
        f = f.reshape(-1)
        flag = (f == 0) | (f == 1)
        if f.dtype.kind != "b" and not flag.all():  # 2.0 or NaN is no flag: likely a mix-up of arguments
            bad = f[~flag][0].item()
            raise ValueError(f"ReplayBuffer.add: {name} must be True/False (or 0/1), got {bad!r}; pass the "
                             f"environment's {'terminated' if name == 'done' else name} flag")
        f = f != 0
        return np.full(n, f[0]) if f.shape[0] != n else f

    def add(self, state, action, reward, next_state, done, truncated=False, n_actions=None):
        """Store one transition, or a batch (leading axis) of them, in one C call.

        A scalar action, reward, done or truncated applies to every transition of a batch.

        ``done`` is the *terminated* flag (the lab's ``done``); ``truncated``
        marks time-limit ends, which still bootstrap. Everything is checked
        before anything is stored: state shapes, numeric types, finite states
        and rewards, integer actions in ``[0, n_actions)`` (``n_actions`` when
        given). A batch larger than the capacity keeps its last ``capacity`` rows.
        """
        s = np.asarray(state)
        if s.ndim not in (1, 2):
            raise ValueError(f"ReplayBuffer.add: state must be 1-D or 2-D, got shape {s.shape}")
        n = 1 if s.ndim == 1 else s.shape[0]
        s = self._states(s, "state", n)
        s2 = self._states(next_state, "next_state", n)
        a = np.asarray(action).reshape(-1)
        if a.shape == (1,) and n > 1:  # one action for the whole batch
            a = np.full(n, a[0])
        if a.shape != (n,) or a.dtype.kind not in "iub" and not (a.dtype.kind == "f" and np.all(a == np.round(a))):
            raise ValueError(f"ReplayBuffer.add: action must be {n} integer(s), got {action!r}")
        if n_actions is not None:
            n_actions = _posint(n_actions, "n_actions")
        a = np.ascontiguousarray(np.clip(a, -1, 2**31), dtype=np.int64) if a.dtype.kind == "f" else \
            np.ascontiguousarray(a, dtype=np.int64)
        try:
            r = np.asarray(reward, dtype=np.float64).reshape(-1)
            r = np.full(n, r[0]) if r.shape == (1,) and n > 1 else np.ascontiguousarray(r)
        except (TypeError, ValueError):
            r = None
        if r is None or r.shape != (n,):
            raise ValueError(f"ReplayBuffer.add: reward must be {n} finite number(s), got {reward!r}")
        d, t = self._flags(done, "done", n), self._flags(truncated, "truncated", n)
        bad = self._kernel.add(s, s2, a, r, d, t, n_actions or 0)
        if bad is not None:
            field, row = _FIELDS[bad[0]], bad[1]
            where = f" (row {row})" if n > 1 else ""
            if field == "action":
                raise ValueError(f"ReplayBuffer.add: actions must lie in [0, {n_actions or 2**31}), got "
                                 f"{a[row]}{where}")
            if field == "reward":
                raise ValueError(f"ReplayBuffer.add: reward must be finite{where}, got {r[row]} (rewards are "
                                 f"stored as {self.dtype.name})")
            raise ValueError(f"ReplayBuffer.add: {field} contains NaN or infinity{where} (or a value beyond the "
                             f"{self.dtype.name} range); pass finite states")
        return self

    def _add_one(self, state, action, reward, next_state, terminated, truncated):
        """One transition (kept for callers of the NumPy buffer's helper): same checks as :meth:`add`."""
        return self.add(state, action, reward, next_state, terminated, truncated)

    # -- sampling -----------------------------------------------------------------
    def _batch(self, batch_size):
        if type(batch_size) is int and batch_size > 0:  # the common case, checked cheaply
            return batch_size
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"ReplayBuffer.sample: batch_size must be a positive integer, got {batch_size!r}")
        return int(batch_size)

    def sample_indices(self, batch_size):
        """``batch_size`` distinct rows (int64) drawn uniformly from the filled part."""
        idx = self._kernel.sample_indices(self._batch(batch_size))
        self.last_indices_ = idx
        return idx

    def sample(self, batch_size, out=None):
        """(states, actions, rewards, next_states, dones) of ``batch_size`` distinct transitions.

        ``dones`` is the terminated flag as float (the lab's ``done_vals``).
        New arrays each call; pass ``out=buffer.sample_buffers(batch_size)``
        to have those arrays overwritten instead (nothing allocated; the next
        call overwrites the previous batch).
        """
        res = self._kernel.sample(self._batch(batch_size), out)
        self.last_indices_ = res[0]
        return res[1:]

    def sample_buffers(self, batch_size):
        """Output arrays for ``sample(batch_size, out=...)``: (indices, states, actions, rewards,
        next_states, dones), checked on first use and then recognised by identity."""
        b, d = self._batch(batch_size), self.state_dim
        return (np.empty(b, np.int64), np.empty((b, d), self.dtype), np.empty(b, np.int32),
                np.empty(b, self.dtype), np.empty((b, d), self.dtype), np.empty(b, self.dtype))

    def clear(self):
        """Forget every transition (the generator continues its stream)."""
        self._ring[:] = 0
        self.last_indices_ = None
        return self

    # -- pickling -----------------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_kernel", None)  # raw addresses: rebuilt on unpickling
        return state

    def __setstate__(self, state):
        if "_arrays" not in state:  # a buffer pickled by the NumPy implementation
            state = dict(state)
            state["_arrays"] = {k: state.pop(k) for k in ("states", "next_states", "actions", "rewards",
                                                        "terminated", "truncated")}
            state["_ring"] = np.array([state.pop("pos"), state.pop("size"), state.pop("n_added")], np.int64)
            state.pop("_rng", None)
            state["_rng_state"] = generator_state(state.get("random_state") if isinstance(
                state.get("random_state"), numbers.Integral) else None)
        self.__dict__.update(state)
        self._arrays = {k: np.require(v, requirements=["C", "W"]) for k, v in self._arrays.items()}
        self._ring = np.require(self._ring, np.int64, ["C", "W"])
        self._rng_state = np.require(self._rng_state, np.uint64, ["C", "W"])
        self._attach()

    def __repr__(self):
        return f"ReplayBuffer(capacity={self.capacity}, state_dim={self.state_dim}, size={len(self)})"

