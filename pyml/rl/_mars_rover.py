"""The Mars rover of the optional lab "State-action value function" (Course 3, week 3).

The rover lives on a line of ``num_states`` states; the two ends are terminal,
with rewards ``terminal_left_reward`` and ``terminal_right_reward``, every
other state gives ``each_step_reward``. Action 0 moves left, action 1 right; with
probability ``misstep_prob`` the rover slips and moves the other way. The
state-action values solve the Bellman optimality equation

.. math::

    Q(s, a) = R(s) + \\gamma \\sum_{s'} P(s' \\mid s, a) \\max_{a'} Q(s', a'), \\qquad
    Q(s_{terminal}, a) = R(s_{terminal}),

computed by value iteration (vectorised over the states) until the values stop changing.
"""
import numbers
import warnings

import numpy as np

from pyml.exceptions import ConvergenceWarning, compatible_class
from pyml.utils.validation import check_allocation

__all__ = ["LEFT", "RIGHT", "state_action_values", "optimal_policy"]

LEFT, RIGHT = 0, 1


# bytes per state of one value-iteration sweep: R, V, V_new, the two neighbour gathers, the inner index
# (8 bytes each), Q and Q_new (16 each) and the |Q_new - Q| temporaries (32)
_BYTES_PER_STATE = 6 * 8 + 2 * 16 + 32


def _real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma, misstep_prob,
           caller="state_action_values"):
    if isinstance(num_states, bool) or not isinstance(num_states, numbers.Integral) or num_states < 2:
        raise ValueError(f"{caller}: num_states must be an integer >= 2, got {num_states!r}")
    for name, value in (("terminal_left_reward", terminal_left_reward),
                        ("terminal_right_reward", terminal_right_reward), ("each_step_reward", each_step_reward)):
        if not _real(value) or not np.isfinite(value):
            raise ValueError(f"{caller}: {name} must be a finite number, got {value!r}")
    if not _real(gamma) or not 0 <= gamma < 1:
        raise ValueError(f"{caller}: gamma must be in [0, 1), got {gamma!r} (with gamma = 1 the "
                         "returns of a rover that never reaches a terminal state are unbounded)")
    if not _real(misstep_prob) or not 0 <= misstep_prob <= 1:
        raise ValueError(f"{caller}: misstep_prob must be in [0, 1], got {misstep_prob!r}")
    check_allocation(int(num_states) * _BYTES_PER_STATE, f"{caller}(num_states={int(num_states)})",
                     "lower num_states")


def _check_stopping(tol, max_iter):
    if not _real(tol) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"state_action_values: tol must be a finite number >= 0 (the largest change of a value "
                         f"that counts as converged), got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"state_action_values: max_iter must be a positive integer (value-iteration sweeps), got "
                         f"{max_iter!r}")


def rewards_vector(num_states=6, terminal_left_reward=100, terminal_right_reward=40, each_step_reward=0):
    """R(s) for every state: (num_states,) float64."""
    R = np.full(int(num_states), float(each_step_reward))
    R[0], R[-1] = terminal_left_reward, terminal_right_reward
    return R


def state_action_values(num_states=6, terminal_left_reward=100, terminal_right_reward=40, each_step_reward=0,
                        gamma=0.5, misstep_prob=0.0, tol=1e-12, max_iter=100_000):
    """Optimal state-action values of the Mars rover by value iteration.

    Parameters
    ----------
    num_states : int, default=6
    terminal_left_reward, terminal_right_reward, each_step_reward : float
    gamma : float in [0, 1), default=0.5
    misstep_prob : float in [0, 1], default=0.0
        Probability that the rover moves opposite to the chosen direction.
    tol : float >= 0, default=1e-12
        Stop when no value changes by more than ``tol``.
    max_iter : int >= 1, default=100_000
        At most this many sweeps; a ``ConvergenceWarning`` says when they did not reach ``tol``.

    Returns
    -------
    Q : ndarray of shape (num_states, 2)
        ``Q[s, 0]`` = Q(s, left), ``Q[s, 1]`` = Q(s, right); both equal R(s) in the terminal states.

    Examples
    --------
    >>> state_action_values()[:, 0].tolist()
    [100.0, 50.0, 25.0, 12.5, 6.25, 40.0]
    """
    _check(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma, misstep_prob)
    _check_stopping(tol, max_iter)
    return _value_iteration(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma,
                            misstep_prob, tol, max_iter)


def _value_iteration(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma,
                     misstep_prob, tol, max_iter):
    R = rewards_vector(num_states, terminal_left_reward, terminal_right_reward, each_step_reward)
    n = int(num_states)
    inner = np.arange(1, n - 1)
    p = float(misstep_prob)
    V = R.copy()
    Q = np.repeat(R[:, None], 2, axis=1)
    for _ in range(int(max_iter)):
        V_left, V_right = V[inner - 1], V[inner + 1]
        Q_new = Q.copy()
        Q_new[inner, LEFT] = R[inner] + gamma * ((1 - p) * V_left + p * V_right)
        Q_new[inner, RIGHT] = R[inner] + gamma * ((1 - p) * V_right + p * V_left)
        V_new = Q_new.max(axis=1)
        done = np.max(np.abs(Q_new - Q)) <= tol
        Q, V = Q_new, V_new
        if done:
            return Q
    warnings.warn(f"state_action_values: value iteration did not converge to tol={tol} in max_iter={max_iter} "
                  "sweeps; raise max_iter or tol", compatible_class(ConvergenceWarning), stacklevel=3)
    return Q


def optimal_policy(num_states=6, terminal_left_reward=100, terminal_right_reward=40, each_step_reward=0,
                   gamma=0.5, misstep_prob=0.0):
    """Optimal policy and optimal values of the Mars rover.

    Parameters are those of :func:`state_action_values`.

    Returns
    -------
    policy : ndarray of shape (num_states,), int
        :math:`\\pi^*(s) = \\arg\\max_a Q(s, a)`: 0 (left) or 1 (right), ties going left; -1 in the two
        terminal states (no action is taken there).
    V : ndarray of shape (num_states,)
        :math:`V^*(s) = \\max_a Q(s, a)`.
    """
    _check(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma, misstep_prob,
           caller="optimal_policy")
    Q = _value_iteration(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma,
                         misstep_prob, 1e-12, 100_000)
    policy = np.argmax(Q, axis=1).astype(np.int64)  # argmax takes the first maximum: ties go left
    policy[[0, -1]] = -1
    return policy, Q.max(axis=1)
