"""The classic cart-pole (Barto, Sutton & Anderson 1983) with Gymnasium's CartPole-v1 constants and rules.

Dynamics (Euler step of tau = 0.02 s), force = +-10 N:
    temp   = (F + m_p l theta_dot^2 sin theta) / (m_c + m_p)
    theta_acc = (g sin theta - cos theta temp) / (l (4/3 - m_p cos^2 theta / (m_c + m_p)))
    x_acc  = temp - m_p l theta_acc cos theta / (m_c + m_p)
Terminated when |x| > 2.4 or |theta| > 12 degrees; truncated after 500 steps; reward 1 per step.
"""
import math
import numbers

import numpy as np

__all__ = ["CartPole", "Discrete", "Box", "make"]


class Discrete:
    """Gymnasium-like ``Discrete(n)`` action space."""

    def __init__(self, n, rng=None):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"Discrete: n must be a positive integer (the number of actions), got {n!r}")
        self.n = int(n)
        self.shape = ()
        self._rng = rng if rng is not None else np.random.default_rng()

    def sample(self):
        return int(self._rng.integers(self.n))

    def contains(self, a):
        return isinstance(a, (int, np.integer)) and 0 <= int(a) < self.n

    def __repr__(self):
        return f"Discrete({self.n})"


class Box:
    """Gymnasium-like ``Box`` observation space (only bounds, shape and dtype).

    ``low`` and ``high`` have the same shape (a scalar bound is broadcast to the other's shape), hold no
    NaN (infinite bounds are allowed: an unbounded coordinate) and ``low <= high`` everywhere.
    """

    def __init__(self, low, high, dtype=np.float32):
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype is None or self.dtype.kind not in "fiu":
            raise TypeError(f"Box: dtype must be a numeric dtype (e.g. float32), got {dtype!r}")
        lo, hi = self._bound(low, "low"), self._bound(high, "high")
        if lo.shape != hi.shape and lo.ndim and hi.ndim:
            raise ValueError(f"Box: low and high must have the same shape, got {lo.shape} and {hi.shape}")
        lo, hi = np.broadcast_arrays(lo, hi)
        if np.any(lo > hi):
            i = int(np.flatnonzero(lo > hi)[0])
            where = tuple(int(j) for j in np.unravel_index(i, lo.shape))
            raise ValueError(f"Box: low must be <= high everywhere, got low={lo.flat[i]} > high={hi.flat[i]} at "
                             f"index {where[0] if len(where) == 1 else where}; swap the bounds")
        with np.errstate(over="ignore"):  # a float64 bound beyond the float32 range becomes +-inf: unbounded
            self.low, self.high = lo.astype(self.dtype), hi.astype(self.dtype)
        self.shape = self.low.shape

    @staticmethod
    def _bound(x, name):
        try:
            arr = np.array(x)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Box: {name} could not be converted to an array: {exc}") from None
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"Box: {name} must be numeric, got dtype {arr.dtype}")
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(f"Box: {name} contains NaN; use -inf / inf for an unbounded coordinate")
        return arr

    def __repr__(self):
        return f"Box({self.shape}, {self.dtype})"


class CartPole:
    """CartPole-v1 with Gymnasium's API: ``reset(seed=None) -> (obs, info)``,
    ``step(action) -> (obs, reward, terminated, truncated, info)``.

    Parameters
    ----------
    max_episode_steps : int, default=500
        Truncation limit (Gymnasium's TimeLimit for CartPole-v1).
    """

    gravity = 9.8
    masscart = 1.0
    masspole = 0.1
    total_mass = masspole + masscart
    length = 0.5
    polemass_length = masspole * length
    force_mag = 10.0
    tau = 0.02
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, max_episode_steps=500):
        if isinstance(max_episode_steps, bool) or not isinstance(max_episode_steps, (int, np.integer)) or \
                max_episode_steps < 1:
            raise ValueError(f"CartPole: max_episode_steps must be a positive integer, got {max_episode_steps!r}")
        self.max_episode_steps = int(max_episode_steps)
        self._rng = np.random.default_rng()
        self.action_space = Discrete(2, self._rng)
        high = np.array([self.x_threshold * 2, np.finfo(np.float32).max, self.theta_threshold_radians * 2,
                         np.finfo(np.float32).max], dtype=np.float32)
        self.observation_space = Box(-high, high)
        self.state = None
        self._steps = 0

    def reset(self, seed=None, options=None):
        """New episode: state drawn uniformly from (-0.05, 0.05)^4."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            self.action_space._rng = self._rng
        self.state = self._rng.uniform(-0.05, 0.05, size=4)
        self._steps = 0
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        if self.state is None:
            raise RuntimeError("CartPole: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"CartPole: action must be 0 or 1, got {action!r}")
        x, x_dot, theta, theta_dot = (float(v) for v in self.state)
        force = self.force_mag if int(action) == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + self.polemass_length * theta_dot ** 2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self._steps += 1
        terminated = bool(x < -self.x_threshold or x > self.x_threshold or
                          theta < -self.theta_threshold_radians or theta > self.theta_threshold_radians)
        truncated = (not terminated) and self._steps >= self.max_episode_steps
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated, {}

    def close(self):
        pass


def make(name, **kwargs):
    """``make("CartPole-v1")``: the built-in environment (no Gymnasium needed)."""
    if name in ("CartPole-v1", "CartPole"):
        return CartPole(**kwargs)
    if name == "CartPole-v0":
        return CartPole(max_episode_steps=200, **kwargs)
    raise ValueError(f"pyml.rl.envs.make: unknown environment {name!r}; built in: 'CartPole-v1'. "
                     "For other environments use gymnasium.make (pip install pyml[rl])")
