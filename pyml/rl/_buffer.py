"""Experience replay: a preallocated ring of transitions with seeded uniform sampling.

Transitions (s, a, r, s', terminated, truncated) are stored in fixed arrays of
``capacity`` rows; the write position wraps around so the oldest transition is
overwritten first. ``sample(batch_size)`` draws ``batch_size`` distinct rows
uniformly from the filled part (without replacement within a batch), from the
buffer's own seeded generator. Batched adds are one vectorised copy (no Python
loop over transitions).
"""
import numbers

import numpy as np

from pyml.utils.validation import check_allocation, check_random_state

__all__ = ["ReplayBuffer"]


def _posint(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"ReplayBuffer: {name} must be a positive integer, got {value!r}")
    return int(value)


class ReplayBuffer:
    """Ring buffer of transitions for DQN.

    Parameters
    ----------
    capacity : int
        Maximum number of transitions kept (oldest overwritten first).
    state_dim : int
        Length of a state vector.
    random_state : int, Generator or None
        Seeds the sampling.
    dtype : {"float32", "float64"}, default="float32"

    Attributes
    ----------
    states, next_states : ndarray (capacity, state_dim)
    actions : ndarray (capacity,) int32
    rewards : ndarray (capacity,)
    terminated, truncated : ndarray (capacity,) bool
        Kept apart: a time-limit truncation is not a terminal state for bootstrapping.
    last_indices_ : ndarray of int64
        Rows returned by the last ``sample`` call.
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
        self._rng = check_random_state(random_state)
        self.states = np.zeros((self.capacity, self.state_dim), self.dtype)
        self.next_states = np.zeros((self.capacity, self.state_dim), self.dtype)
        self.actions = np.zeros(self.capacity, np.int32)
        self.rewards = np.zeros(self.capacity, self.dtype)
        self.terminated = np.zeros(self.capacity, bool)
        self.truncated = np.zeros(self.capacity, bool)
        self.pos = 0
        self.size = 0
        self.n_added = 0
        self.last_indices_ = None

    def __len__(self):
        return self.size

    def _states(self, x, name, n):
        arr = np.asarray(x)
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"ReplayBuffer.add: {name} must be numeric, got dtype {arr.dtype}")
        arr = arr.astype(self.dtype, copy=False)
        if arr.shape != (n, self.state_dim):
            raise ValueError(f"ReplayBuffer.add: {name} must have shape ({self.state_dim},) or "
                             f"(n, {self.state_dim}), got {np.shape(x)}")
        if not np.isfinite(arr).all():
            raise ValueError(f"ReplayBuffer.add: {name} contains NaN or infinity")
        return arr

    def add(self, state, action, reward, next_state, done, truncated=False, n_actions=None):
        """Store one transition, or a batch (leading axis) of them.

        ``done`` is the *terminated* flag (the lab's ``done``); ``truncated``
        marks time-limit ends, which still bootstrap.
        """
        s = np.asarray(state)
        single = s.ndim == 1
        n = 1 if single else (s.shape[0] if s.ndim == 2 else -1)
        if n < 0:
            raise ValueError(f"ReplayBuffer.add: state must be 1-D or 2-D, got shape {s.shape}")
        s = self._states(s.reshape(1, -1) if single else s, "state", n)
        s2 = np.asarray(next_state)
        s2 = self._states(s2.reshape(1, -1) if single and s2.ndim == 1 else s2, "next_state", n)
        a = np.asarray(action).reshape(-1)
        if a.shape != (n,) or a.dtype.kind not in "iub" and not (a.dtype.kind == "f" and np.all(a == np.round(a))):
            raise ValueError(f"ReplayBuffer.add: action must be {n} integer(s), got {action!r}")
        a = a.astype(np.int64)
        if np.any(a < 0) or (n_actions is not None and np.any(a >= n_actions)):
            raise ValueError(f"ReplayBuffer.add: actions must lie in [0, {n_actions}), got {a.min()}..{a.max()}")
        r = np.asarray(reward, dtype=np.float64).reshape(-1)
        if r.shape != (n,) or not np.isfinite(r).all():
            raise ValueError(f"ReplayBuffer.add: reward must be {n} finite number(s), got {reward!r}")
        d = np.broadcast_to(np.asarray(done, dtype=bool).reshape(-1), (n,))
        t = np.broadcast_to(np.asarray(truncated, dtype=bool).reshape(-1), (n,))
        if n > self.capacity:  # only the last `capacity` survive
            s, s2, a, r, d, t = (x[-self.capacity:] for x in (s, s2, a, r, d, t))
            self.n_added += n - self.capacity
            self.pos = int((self.pos + n - self.capacity) % self.capacity)
            n = self.capacity
        idx = (self.pos + np.arange(n)) % self.capacity
        self.states[idx] = s
        self.next_states[idx] = s2
        self.actions[idx] = a
        self.rewards[idx] = r
        self.terminated[idx] = d
        self.truncated[idx] = t
        self.pos = int((self.pos + n) % self.capacity)
        self.size = int(min(self.capacity, self.size + n))
        self.n_added += n
        return self

    def _add_one(self, state, action, reward, next_state, terminated, truncated):
        """One transition already checked by the caller (DQN.learn's step loop): no conversions."""
        i = self.pos
        self.states[i] = state
        self.next_states[i] = next_state
        self.actions[i] = action
        self.rewards[i] = reward
        self.terminated[i] = terminated
        self.truncated[i] = truncated
        self.pos = (i + 1) % self.capacity
        if self.size < self.capacity:
            self.size += 1
        self.n_added += 1

    def sample_indices(self, batch_size):
        """``batch_size`` distinct rows drawn uniformly from the filled part."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"ReplayBuffer.sample: batch_size must be a positive integer, got {batch_size!r}")
        if batch_size > self.size:
            raise ValueError(f"ReplayBuffer.sample: batch_size={batch_size} is more than the {self.size} "
                             "transitions stored; add more transitions first or lower batch_size")
        idx = self._rng.choice(self.size, size=int(batch_size), replace=False).astype(np.int64)
        self.last_indices_ = idx
        return idx

    def sample(self, batch_size):
        """(states, actions, rewards, next_states, dones) of ``batch_size`` distinct transitions;
        ``dones`` is the terminated flag as float (the lab's ``done_vals``)."""
        idx = self.sample_indices(batch_size)
        return (self.states[idx], self.actions[idx], self.rewards[idx], self.next_states[idx],
                self.terminated[idx].astype(self.dtype))

    def clear(self):
        """Forget every transition."""
        self.pos = self.size = self.n_added = 0
        return self
