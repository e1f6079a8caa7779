"""The Deep Q-Learning lab's functions (Course 3, week 3), with the lab's names and behaviour.

They are the lab's readable reference path (vectorised NumPy, no Python loop
over transitions); :class:`pyml.rl.DQN` runs the same update fused in C.
Randomness comes from Python's :mod:`random` module, as in the lab's
``utils.py``, so ``random.seed(...)`` reproduces the lab's draws.
"""
import numbers
import random

import numpy as np

__all__ = ["MINIBATCH_SIZE", "TAU", "E_DECAY", "E_MIN", "compute_loss", "get_action", "check_update_conditions",
           "get_new_eps", "get_experiences", "update_target_network"]

MINIBATCH_SIZE = 64  #: the lab's mini-batch size
TAU = 1e-3  #: the lab's soft-update rate
E_DECAY = 0.995  #: the lab's ε decay per episode
E_MIN = 0.01  #: the lab's lowest ε


def _array(x, name, caller, ndim):
    try:
        arr = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{caller}: {name} could not be converted to an array: {exc}") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{caller}: {name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{caller}: {name} must be {ndim}-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        kind = "NaN" if np.isnan(arr).any() else "infinity"
        raise ValueError(f"{caller}: {name} contains {kind}; check the environment's observations and rewards")
    return arr


def _q_values(network, states, n, name):
    if not callable(network):
        raise TypeError(f"compute_loss: {name} must be callable (n, state_dim) -> (n, n_actions), "
                        f"got {type(network).__name__}")
    q = _array(network(states), f"{name}(...)", "compute_loss", 2)
    if q.shape[0] != n:
        raise ValueError(f"compute_loss: {name} returned {q.shape[0]} rows for {n} states")
    return q


def compute_loss(experiences, gamma, q_network, target_q_network):
    """The lab's DQN loss on a mini-batch.

    .. math::

        y_j = r_j + \\gamma \\max_{a'} \\hat Q(s'_j, a') (1 - d_j), \\qquad
        L = \\frac{1}{n} \\sum_j \\left(y_j - Q(s_j, a_j)\\right)^2

    Parameters
    ----------
    experiences : tuple of arrays
        ``(states (n, state_dim), actions (n,), rewards (n,), next_states (n, state_dim), done_vals (n,))``;
        actions may be floats holding integers (as the lab's ``get_experiences`` returns them).
    gamma : float in [0, 1]
        Discount factor.
    q_network, target_q_network : callable
        Map an (n, state_dim) array to (n, n_actions) Q-values: a pyml ``Sequential`` or ``Model``
        (``model(X)`` is ``model.predict(X)``) or any function. As in the lab, the target network is
        evaluated first.

    Returns
    -------
    loss : float
    """
    if not isinstance(experiences, (tuple, list)) or len(experiences) != 5:
        raise ValueError("compute_loss: experiences must be a tuple (states, actions, rewards, next_states, "
                         "done_vals)")
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0 <= gamma <= 1:
        raise ValueError(f"compute_loss: gamma must be a number in [0, 1], got {gamma!r}")
    states, actions, rewards, next_states, done_vals = experiences
    states = _array(states, "states", "compute_loss", 2)
    next_states = _array(next_states, "next_states", "compute_loss", 2)
    actions = _array(actions, "actions", "compute_loss", 1)
    rewards = _array(rewards, "rewards", "compute_loss", 1)
    done = _array(done_vals, "done_vals", "compute_loss", 1)
    n = states.shape[0]
    if n == 0:
        raise ValueError("compute_loss: the mini-batch is empty")
    if next_states.shape != states.shape or not actions.shape[0] == rewards.shape[0] == done.shape[0] == n:
        raise ValueError(f"compute_loss: inconsistent mini-batch: states {states.shape}, actions {actions.shape}, "
                         f"rewards {rewards.shape}, next_states {next_states.shape}, done_vals {done.shape}")
    if np.any((done != 0) & (done != 1)):
        raise ValueError("compute_loss: done_vals must be 0 or 1")

    target_q = _q_values(target_q_network, next_states, n, "target_q_network")  # first, as the lab
    q = _q_values(q_network, states, n, "q_network")
    a = actions.astype(np.int64)
    if np.any(a != actions) or a.min() < 0 or a.max() >= q.shape[1]:
        raise ValueError(f"compute_loss: actions must be integers in [0, {q.shape[1] - 1}] (the network has "
                         f"{q.shape[1]} outputs)")
    max_qsa = target_q.max(axis=1).astype(np.float64)
    y_targets = rewards.astype(np.float64) + (1.0 - done) * gamma * max_qsa
    q_sa = q[np.arange(n), a].astype(np.float64)
    return float(np.mean((y_targets - q_sa) ** 2))


def get_action(q_values, epsilon=0.0):
    """ε-greedy action, as the lab's ``utils.get_action``.

    With probability :math:`1 - \\varepsilon` (``random.random() > epsilon``) the greedy action
    :math:`\\arg\\max_a Q(s, a)`; otherwise a uniformly random action in ``0 .. n_actions - 1``
    (``random.choice``).

    Parameters
    ----------
    q_values : array-like of shape (n_actions,) or (1, n_actions)
    epsilon : float in [0, 1]

    Returns
    -------
    action : int
    """
    q = np.asarray(q_values.numpy() if hasattr(q_values, "numpy") else q_values)
    if q.ndim == 2 and q.shape[0] == 1:
        q = q[0]
    if q.ndim != 1 or q.size == 0:
        raise ValueError(f"get_action: q_values must have shape (n_actions,) or (1, n_actions), got {q.shape}")
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not 0 <= epsilon <= 1:
        raise ValueError(f"get_action: epsilon must be a number in [0, 1], got {epsilon!r}")
    if np.isnan(q).any():
        raise ValueError("get_action: q_values contains NaN")
    if random.random() > epsilon:
        return int(np.argmax(q))
    return int(random.choice(range(q.size)))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_update_conditions(t, num_steps_upd, memory_buffer):
    """True when ``(t + 1) % num_steps_upd == 0`` and the buffer holds more than ``MINIBATCH_SIZE`` (64).

    Parameters
    ----------
    t : int >= 0
        The time step within the episode (0, 1, 2, ...).
    num_steps_upd : int >= 1
        Update every ``num_steps_upd`` steps (the lab's ``NUM_STEPS_FOR_UPDATE``, 4).
    memory_buffer : sized container (the lab's ``deque``)
    """
    if not _is_int(t) or t < 0:
        raise ValueError(f"check_update_conditions: t must be a non-negative integer (the time step 0, 1, 2, "
                         f"...), got {t!r}")
    if not _is_int(num_steps_upd) or num_steps_upd < 1:
        raise ValueError(f"check_update_conditions: num_steps_upd must be a positive integer, got "
                         f"{num_steps_upd!r}")
    if not hasattr(memory_buffer, "__len__"):
        raise TypeError(f"check_update_conditions: memory_buffer must be a sized container of experiences (the "
                        f"lab's deque), got {type(memory_buffer).__name__}")
    return bool((t + 1) % num_steps_upd == 0 and len(memory_buffer) > MINIBATCH_SIZE)


def get_new_eps(epsilon):
    """The lab's ε decay: :math:`\\max(0.01, 0.995\\,\\varepsilon)`, for ε in [0, 1]."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not 0 <= epsilon <= 1:
        raise ValueError(f"get_new_eps: epsilon must be a number in [0, 1] (a probability), got {epsilon!r}")
    return max(E_MIN, E_DECAY * epsilon)


def get_experiences(memory_buffer, batch_size=MINIBATCH_SIZE):
    """Sample a mini-batch from a deque of experience namedtuples, as the lab's ``utils.get_experiences``.

    ``random.sample(memory_buffer, k=batch_size)`` picks the experiences (fields ``state``, ``action``,
    ``reward``, ``next_state`` and ``done`` -- or ``terminated`` as in newer versions of the lab);
    they are stacked into float32 arrays.

    Parameters
    ----------
    memory_buffer : deque or list of experience namedtuples
    batch_size : int >= 1, default=MINIBATCH_SIZE (64)
        At most ``len(memory_buffer)``.

    Returns
    -------
    (states, actions, rewards, next_states, done_vals) : tuple of float32 ndarrays
        Shapes (batch_size, state_dim), (batch_size,), (batch_size,), (batch_size, state_dim), (batch_size,).
    """
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"get_experiences: batch_size must be a positive integer (the mini-batch size), got "
                         f"{batch_size!r}")
    if not hasattr(memory_buffer, "__len__"):
        raise TypeError(f"get_experiences: memory_buffer must be a deque or list of experiences, got "
                        f"{type(memory_buffer).__name__}")
    if len(memory_buffer) < batch_size:
        raise ValueError(f"get_experiences: the buffer holds {len(memory_buffer)} experiences, fewer than the "
                         f"mini-batch of {batch_size}; collect more steps first")
    experiences = [e for e in random.sample(memory_buffer, k=batch_size) if e is not None]
    first = experiences[0]
    done_field = "done" if hasattr(first, "done") else "terminated"
    if not all(hasattr(first, f) for f in ("state", "action", "reward", "next_state", done_field)):
        raise TypeError("get_experiences: experiences must be namedtuples with fields state, action, reward, "
                        "next_state and done (or terminated)")

    def stack(field, dtype=np.float32):
        return np.array([getattr(e, field) for e in experiences]).astype(dtype)

    done = np.array([getattr(e, done_field) for e in experiences]).astype(np.uint8).astype(np.float32)
    return stack("state"), stack("action"), stack("reward"), stack("next_state"), done


def update_target_network(q_network, target_q_network, tau=TAU):
    """Soft update of the target network: :math:`\\theta^- \\leftarrow \\tau \\theta + (1 - \\tau) \\theta^-`.

    pyml ``Sequential`` networks are updated in place by the compiled
    :func:`pyml.neural_network.soft_update`; any other pair of objects with
    ``get_weights()`` / ``set_weights(list)`` (a functional ``Model``, a Keras model) goes through
    their weight lists.

    Returns
    -------
    target_q_network
    """
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not 0 <= tau <= 1:
        raise ValueError(f"update_target_network: tau must be in [0, 1], got {tau!r}")
    from pyml.neural_network import Sequential, soft_update

    if isinstance(q_network, Sequential) and isinstance(target_q_network, Sequential):
        return soft_update(target_q_network, q_network, float(tau))
    for net, name in ((q_network, "q_network"), (target_q_network, "target_q_network")):
        if not (hasattr(net, "get_weights") and hasattr(net, "set_weights")):
            raise TypeError(f"update_target_network: {name} must be a pyml Sequential or have get_weights() and "
                            f"set_weights(), got {type(net).__name__}")
    source, target = q_network.get_weights(), target_q_network.get_weights()
    if len(source) != len(target) or any(np.shape(s) != np.shape(t) for s, t in zip(source, target)):
        raise ValueError("update_target_network: the two networks have different weight shapes")
    target_q_network.set_weights([tau * np.asarray(s) + (1.0 - tau) * np.asarray(t) for s, t in zip(source, target)])
    return target_q_network
