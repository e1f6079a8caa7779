"""Deep Q-Network (Mnih et al. 2015) with the Course 3 week 3 lab's hyper-parameters as defaults.

One update (``update``): sample a mini-batch of distinct transitions from the
replay buffer, then

    y_i = r_i + gamma * max_a Q_target(s'_i, a) * (1 - terminated_i)
          (double_dqn: Q_target(s'_i, argmax_a Q(s'_i, a)))
    loss = mean_i (y_i - Q(s_i, a_i))^2          (loss="mse", the lab's)
           mean_i huber(y_i - Q(s_i, a_i))       (loss="huber", delta 1)

one Adam step on the Q-network (the compiled training step of
pyml.neural_network on the gathered output Q(s_i, a_i)), then the soft target
update theta_target <- tau theta + (1 - tau) theta_target (compiled kernel).
Acting is epsilon-greedy; epsilon decays once per episode,
eps <- max(epsilon_min, epsilon_decay * eps).

Compiled paths (csrc/rl.h): ``update(n)`` is one C call for all n steps
(sampling from a xoshiro256** generator whose state ``_sample_state`` the agent
owns, so runs are deterministic, resumable and pickle exactly; the indices of
the last batch land in ``replay_buffer.last_indices_``). On the built-in
``pyml.rl.envs.CartPole``, ``learn`` runs each whole episode in one C call
(epsilon draw and random action from the same generator, C cart-pole step,
ring add, update every ``learn_every`` steps) and returns to Python between
episodes for callbacks and Ctrl-C. Other environments are stepped from Python.
"""
import math
import numbers
import pickle
import time
import warnings

import numpy as np

from pyml.neural_network import _nn_kernels as _k
from pyml.rl import _rl_kernels as _rk
from pyml.neural_network import Adam, Dense, Input, Sequential
from pyml.neural_network._sequential import soft_update
from pyml.rl._buffer import ReplayBuffer
from pyml.utils.callbacks import Callback, CallbackList, ProgressLogger
from pyml.utils.validation import check_array

__all__ = ["DQN"]

FORMAT = "pyml.rl.DQN/1"


def _check_int(value, name, low=1, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"DQN: {name} must be an integer >= {low}{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def _check_real(value, name, low, high, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or \
            value < low or value > high or (low_open and value == low):
        raise ValueError(f"DQN: {name} must be a number in {'(' if low_open else '['}{low}, {high}], got {value!r}")
    return float(value)


class DQN:
    """Deep Q-Network agent for environments with a discrete action space.

    Parameters
    ----------
    state_dim : int
        Length of an observation vector (LunarLander: 8).
    n_actions : int
        Number of discrete actions (LunarLander: 4).
    hidden_layer_sizes : tuple of int, default=(64, 64)
        ReLU hidden layers; the output layer is linear (one Q-value per action).
    learning_rate : float, default=1e-3
        Adam's step size.
    gamma : float, default=0.995
        Discount factor.
    buffer_size : int, default=100_000
        Replay-buffer capacity.
    batch_size : int, default=64
    learn_every : int, default=4
        One update every ``learn_every`` steps of an episode (once the buffer
        holds more than ``batch_size`` transitions).
    tau : float, default=1e-3
        Soft target-update rate.
    epsilon_start, epsilon_min, epsilon_decay : float
        Exploration schedule, decayed per episode.
    loss : {"mse", "huber"}, default="mse"
    double_dqn : bool, default=False
    random_state : int or None
    n_jobs : int or None
    verbose : int

    Attributes
    ----------
    q_network_, target_q_network_ : Sequential (also as ``q_network`` / ``target_q_network``)
    replay_buffer_ : ReplayBuffer (also as ``replay_buffer``)
    epsilon_ : float
    episode_returns_, episode_lengths_ : list
    n_timesteps_, n_updates_ : int
    """

    def __init__(self, state_dim, n_actions, hidden_layer_sizes=(64, 64), learning_rate=1e-3, gamma=0.995,
                 buffer_size=100_000, batch_size=64, learn_every=4, tau=1e-3, epsilon_start=1.0, epsilon_min=0.01,
                 epsilon_decay=0.995, loss="mse", double_dqn=False, random_state=None, n_jobs=None, verbose=0):
        self.state_dim = state_dim
        self.n_actions = n_actions
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.gamma = gamma
        self.buffer_size = buffer_size
        self.batch_size = batch_size
        self.learn_every = learn_every
        self.tau = tau
        self.epsilon_start = epsilon_start
        self.epsilon_min = epsilon_min
        self.epsilon_decay = epsilon_decay
        self.loss = loss
        self.double_dqn = double_dqn
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- sklearn-style params -------------------------------------------------------
    _PARAMS = ("state_dim", "n_actions", "hidden_layer_sizes", "learning_rate", "gamma", "buffer_size",
               "batch_size", "learn_every", "tau", "epsilon_start", "epsilon_min", "epsilon_decay", "loss",
               "double_dqn", "random_state", "n_jobs", "verbose")

    def get_params(self, deep=True):
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"DQN: unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    # -- construction -------------------------------------------------------------
    def _validate(self):
        _check_int(self.state_dim, "state_dim")
        _check_int(self.n_actions, "n_actions")
        if self.n_actions < 2:
            raise ValueError(f"DQN: n_actions must be >= 2, got {self.n_actions}")
        hs = self.hidden_layer_sizes
        if isinstance(hs, numbers.Integral):
            hs = (hs,)
        hs = tuple(hs)
        for h in hs:
            _check_int(h, "hidden_layer_sizes entries")
        _check_real(self.learning_rate, "learning_rate", 0, 10, low_open=True)
        _check_real(self.gamma, "gamma", 0, 1)
        _check_int(self.buffer_size, "buffer_size")
        _check_int(self.batch_size, "batch_size")
        _check_int(self.learn_every, "learn_every")
        _check_real(self.tau, "tau", 0, 1)
        _check_real(self.epsilon_start, "epsilon_start", 0, 1)
        _check_real(self.epsilon_min, "epsilon_min", 0, 1)
        _check_real(self.epsilon_decay, "epsilon_decay", 0, 1)
        if self.loss not in ("mse", "huber"):
            raise ValueError(f"DQN: loss must be 'mse' or 'huber', got {self.loss!r}")
        return hs

    def _build(self):
        hs = self._validate()
        seq = np.random.SeedSequence(self.random_state) if self.random_state is not None else np.random.SeedSequence()
        s_net, s_buf, s_act = seq.spawn(3)
        net_seed = int(s_net.generate_state(1)[0])

        def net(name):
            layers = [Input(shape=(self.state_dim,))] + [Dense(h, activation="relu") for h in hs]
            m = Sequential(layers + [Dense(self.n_actions, activation="linear")], name=name,
                           random_state=net_seed, n_jobs=self.n_jobs)
            m.build()
            return m

        self.q_network_ = net("q_network")
        self.q_network_.compile(loss="mse", optimizer=Adam(learning_rate=self.learning_rate))
        self.target_q_network_ = net("target_q_network")
        self.target_q_network_.set_weights(self.q_network_.get_weights())  # the lab starts them equal
        self.replay_buffer_ = ReplayBuffer(self.buffer_size, self.state_dim, random_state=np.random.default_rng(s_buf))
        self._rng = np.random.default_rng(s_act)
        self.epsilon_ = float(self.epsilon_start)
        self.episode_returns_, self.episode_lengths_, self.losses_ = [], [], []
        self.n_timesteps_ = 0
        self.n_updates_ = 0
        self.n_episodes_ = 0
        self._episode_seed = int(self._rng.integers(2**31 - 1))
        # xoshiro256** state of the fused C update's batch sampling (advanced in place by the kernel)
        self._sample_state = seq.spawn(1)[0].generate_state(4, np.uint64)

    def _ensure_built(self):
        if not hasattr(self, "q_network_"):
            self._build()

    @property
    def q_network(self):
        self._ensure_built()
        return self.q_network_

    @property
    def replay_buffer(self):
        self._ensure_built()
        return self.replay_buffer_

    @property
    def target_q_network(self):
        self._ensure_built()
        return self.target_q_network_

    # -- inference ----------------------------------------------------------------
    def _check_states(self, states, name="states"):
        X = check_array(states, name=name, caller="DQN", allow_1d=False, ensure_2d=False)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.state_dim:
            raise ValueError(f"DQN: {name} must have shape (n, {self.state_dim}) or ({self.state_dim},), "
                             f"got {np.shape(states)}")
        return np.ascontiguousarray(X, dtype=np.float32)

    def q_values(self, states):
        """Q(s, .) of shape (n_states, n_actions)."""
        self._ensure_built()
        return self._forward(self.q_network_, self._check_states(states))

    def predict(self, states):
        """Greedy actions argmax_a Q(s, a), shape (n_states,)."""
        return np.argmax(self.q_values(states), axis=1)

    def _forward(self, net, X):
        return _k.mlp_forward(net._specs(), X, True, 1)

    # -- learning -----------------------------------------------------------------
    def _targets(self, rewards, next_states, terminated):
        q_next = self._forward(self.target_q_network_, next_states)
        rows = np.arange(len(rewards))
        if self.double_dqn:
            best = np.argmax(self._forward(self.q_network_, next_states), axis=1)
            q_max = q_next[rows, best]
        else:
            q_max = q_next.max(axis=1)
        return (rewards + self.gamma * q_max * (1.0 - terminated)).astype(np.float32)

    def _update_python(self):
        """One update through the separate kernels (fallback when the buffer's dtype differs from the
        network's); samples with the buffer's NumPy generator."""
        buf = self.replay_buffer
        idx = buf.sample_indices(self.batch_size)
        s, a, r, s2 = buf.states[idx], buf.actions[idx], buf.rewards[idx], buf.next_states[idx]
        s, r, s2 = (np.ascontiguousarray(x, dtype=np.float32) for x in (s, r, s2))
        term = buf.terminated[idx].astype(np.float32)
        y = self._targets(r, s2, term)
        net = self.q_network_
        if self.loss == "huber":
            # Huber's gradient clip(d, -1, 1)/m equals the gathered-MSE gradient 2(q - y')/m at
            # y' = q - clip(d, -1, 1)/2: the compiled MSE step then takes the Huber step.
            q = self._forward(net, s)[np.arange(len(a)), a]
            d = q - y
            ad = np.abs(d)
            loss = float(np.mean(np.where(ad <= 1, 0.5 * d * d, ad - 0.5)))
            y = (q - np.clip(d, -1, 1) / 2).astype(np.float32)
            specs = net._specs(training=True)
            _, t = _k.mlp_train_step(specs, 0, False, net.optimizer._params(), s, y, None, a, 1)
        else:
            specs = net._specs(training=True)
            loss, t = _k.mlp_train_step(specs, 0, False, net.optimizer._params(), s, y, None, a, 1)
        net.optimizer.iterations = int(t)
        soft_update(self.target_q_network_, net, self.tau)
        self.n_updates_ += 1
        return loss

    def _update_fused(self, n_updates):
        """``n_updates`` steps in one C call (csrc/rl.h): sampling from the kernel's generator
        (``_sample_state``), targets, Huber/MSE step, Adam, soft update. Returns the mean loss."""
        buf, net = self.replay_buffer_, self.q_network_
        if getattr(self, "_sample_state", None) is None:  # agents pickled before the fused update
            self._sample_state = np.random.SeedSequence(self.random_state).spawn(4)[3].generate_state(4, np.uint64)
        last = getattr(self, "_last_idx", None)
        if last is None or last.shape != (self.batch_size,):
            last = self._last_idx = np.empty(self.batch_size, np.int64)
        loss, t, self._rl_work = _rk.dqn_update(
            net._specs(training=True), self.target_q_network_._specs(), net.optimizer._params(), buf.states,
            buf.next_states, buf.actions, buf.rewards, buf.terminated, buf.size, self.batch_size, self.gamma,
            self.tau, self.loss == "huber", bool(self.double_dqn), self._sample_state, n_updates, last, 1,
            getattr(self, "_rl_work", None))
        net.optimizer.iterations = int(t)
        buf.last_indices_ = last.copy()
        self.n_updates_ += n_updates
        return float(loss)

    def _update_once(self):
        return self._update_n(1)

    def _update_n(self, n_updates):
        if self.replay_buffer_.dtype == self.q_network_.layers[0].kernel.dtype:
            return self._update_fused(n_updates)
        return float(np.mean([self._update_python() for _ in range(n_updates)]))

    def update(self, n_updates=1):
        """``n_updates`` gradient steps from the replay buffer; returns their mean loss."""
        self._ensure_built()
        n_updates = _check_int(n_updates, "n_updates")
        if len(self.replay_buffer) < self.batch_size:
            raise ValueError(f"DQN.update: the replay buffer holds {len(self.replay_buffer)} transitions, fewer "
                             f"than batch_size={self.batch_size}; collect more experience first")
        return self._update_n(n_updates)

    def _act(self, obs):
        if self._rng.random() > self.epsilon_:
            q = self._forward(self.q_network_, obs.reshape(1, -1))
            return int(np.argmax(q[0]))
        return int(self._rng.integers(self.n_actions))

    @staticmethod
    def _check_env(env, state_dim, n_actions):
        space = getattr(env, "action_space", None)
        n = getattr(space, "n", None)
        if n is None:
            raise TypeError(f"DQN.learn: the environment's action space {space!r} is not Discrete; DQN needs a "
                            "finite set of actions (use a discretising wrapper for continuous actions)")
        if int(n) != n_actions:
            raise ValueError(f"DQN.learn: the environment has {int(n)} actions but n_actions={n_actions}")
        obs_shape = tuple(getattr(getattr(env, "observation_space", None), "shape", ()) or ())
        if obs_shape and obs_shape != (state_dim,):
            raise ValueError(f"DQN.learn: observations have shape {obs_shape} but state_dim={state_dim}")

    def _python_episode(self, env, obs, max_steps, total_timesteps, start_steps):
        """One episode of a Python (Gymnasium-API) env: one env.step per step from Python."""
        buf = self.replay_buffer_
        ret, length, losses = 0.0, 0, []
        for t in range(max_steps):
            action = self._act(obs)
            obs2, reward, terminated, truncated, _ = env.step(action)
            obs2 = np.asarray(obs2, dtype=np.float32)
            reward = float(reward)
            if obs2.shape != obs.shape or not math.isfinite(reward) or not np.isfinite(obs2).all():
                raise ValueError(f"DQN.learn: the environment returned observation {obs2!r} and reward "
                                 f"{reward!r}; expected a finite ({self.state_dim},) vector and a finite reward")
            buf._add_one(obs, action, reward, obs2, bool(terminated), bool(truncated))
            self.n_timesteps_ += 1
            ret += float(reward)
            length += 1
            if (t + 1) % self.learn_every == 0 and len(buf) > self.batch_size:
                losses.append(self._update_once())
            obs = obs2
            if terminated or truncated:
                break
            if total_timesteps is not None and self.n_timesteps_ - start_steps >= total_timesteps:
                break
        return ret, length, losses

    def _uses_c_env(self, env):
        """The built-in cart-pole runs whole episodes in C (same float dtype for buffer and networks)."""
        from pyml.rl.envs._cartpole import CartPole

        return type(env) is CartPole and self.state_dim == 4 and self.n_actions == 2 and \
            self.replay_buffer_.dtype == self.q_network_.layers[0].kernel.dtype

    def _c_episode(self, env, max_steps, budget):
        """One episode in one C call: epsilon-greedy act, C cart-pole step, ring add, update every
        learn_every steps (csrc/rl.h pyml_dqn_cartpole_episode)."""
        buf, net = self.replay_buffer_, self.q_network_
        last = getattr(self, "_last_idx", None)
        if last is None or last.shape != (self.batch_size,):
            last = self._last_idx = np.empty(self.batch_size, np.int64)
        if getattr(self, "_sample_state", None) is None:
            self._sample_state = np.random.SeedSequence(self.random_state).spawn(4)[3].generate_state(4, np.uint64)
        ring = np.array([buf.pos, buf.size, env._steps], np.int64)
        state = np.array(env.state, dtype=np.float64)
        out, t, self._rl_ep_work = _rk.dqn_cartpole_episode(
            net._specs(training=True), self.target_q_network_._specs(), net.optimizer._params(), buf.states,
            buf.next_states, buf.actions, buf.rewards, buf.terminated, buf.truncated, ring, state,
            env.max_episode_steps, max_steps, budget, self.epsilon_, self.batch_size, self.learn_every, self.gamma,
            self.tau, self.loss == "huber", bool(self.double_dqn), self._sample_state, last, 1,
            getattr(self, "_rl_ep_work", None))
        length, n_upd = int(out[3]), int(out[2])
        env.state, env._steps = state, int(ring[2])
        buf.pos, buf.size = int(ring[0]), int(ring[1])
        buf.n_added += length
        net.optimizer.iterations = int(t)
        if n_upd:
            buf.last_indices_ = last.copy()
        self.n_updates_ += n_upd
        self.n_timesteps_ += length
        return float(out[0]), length, ([float(out[1]) / n_upd] if n_upd else [])

    def learn(self, env, total_timesteps=None, max_episodes=None, max_steps=1000, target_mean_return=None,
              window=100, callbacks=None, verbose=0):
        """Train on ``env`` (Gymnasium API) until the first of: ``total_timesteps`` steps,
        ``max_episodes`` episodes, or the mean return of the last ``window`` episodes >= ``target_mean_return``.
        Calling it again continues training. Returns self."""
        self._ensure_built()
        total_timesteps = _check_int(total_timesteps, "total_timesteps", allow_none=True)
        max_episodes = _check_int(max_episodes, "max_episodes", allow_none=True)
        max_steps = _check_int(max_steps, "max_steps")
        window = _check_int(window, "window")
        if total_timesteps is None and max_episodes is None and target_mean_return is None:
            raise ValueError("DQN.learn: give total_timesteps, max_episodes or target_mean_return")
        self._check_env(env, self.state_dim, self.n_actions)
        cbs = [cb for cb in (callbacks or [])]
        for cb in cbs:
            if not hasattr(cb, "on_iteration_end"):
                raise TypeError(f"callbacks must implement on_iteration_end, got {cb!r}")
        verbose = verbose or self.verbose
        if verbose:
            cbs.append(ProgressLogger(total=max_episodes, verbose=verbose, name="episode"))
        cblist = CallbackList(cbs)
        cblist.on_fit_begin(self, {})
        start_steps, start_eps = self.n_timesteps_, len(self.episode_returns_)
        use_c = self._uses_c_env(env)
        while True:
            if max_episodes is not None and len(self.episode_returns_) - start_eps >= max_episodes:
                break
            if total_timesteps is not None and self.n_timesteps_ - start_steps >= total_timesteps:
                break
            obs, _ = env.reset(seed=self._episode_seed + self.n_episodes_)
            obs = self._check_states(obs, "observation")[0]
            if use_c:
                budget = -1 if total_timesteps is None else total_timesteps - (self.n_timesteps_ - start_steps)
                ret, length, losses = self._c_episode(env, max_steps, budget)
            else:
                ret, length, losses = self._python_episode(env, obs, max_steps, total_timesteps, start_steps)
            self.n_episodes_ += 1
            self.epsilon_ = max(self.epsilon_min, self.epsilon_decay * self.epsilon_)
            self.episode_returns_.append(ret)
            self.episode_lengths_.append(length)
            self.losses_.append(float(np.mean(losses)) if losses else float("nan"))
            mean_ret = float(np.mean(self.episode_returns_[-window:]))
            logs = {"return": ret, "mean_return": mean_ret, "epsilon": self.epsilon_}
            if cblist.on_iteration_end(self, len(self.episode_returns_) - 1, logs):
                break
            if target_mean_return is not None and len(self.episode_returns_) >= window and \
                    mean_ret >= target_mean_return:
                break
        cblist.on_fit_end(self, {})
        return self

    # -- persistence --------------------------------------------------------------
    def save(self, path, include_buffer=False):
        """Write the agent (networks, Adam state, epsilon, counters, generators; the buffer when
        ``include_buffer``) to ``path`` (a pickle)."""
        self._ensure_built()
        from pyml import __version__

        state = self.__getstate__()
        if not include_buffer:
            state["replay_buffer_"] = None
        with open(path, "wb") as fh:
            pickle.dump({"format": FORMAT, "pyml_version": __version__, "state": state}, fh)
        return path

    @classmethod
    def load(cls, path):
        """Agent written by :meth:`save` (an empty buffer of the same capacity when it was not saved)."""
        from pyml import __version__

        with open(path, "rb") as fh:
            data = pickle.load(fh)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a pyml DQN file")
        if data["pyml_version"] != __version__:
            from pyml.exceptions import InconsistentVersionWarning

            warnings.warn(f"DQN saved by pyml {data['pyml_version']}, loaded by {__version__}",
                          InconsistentVersionWarning, stacklevel=2)
        obj = cls.__new__(cls)
        obj.__dict__.update(data["state"])
        if obj.replay_buffer_ is None:
            obj.replay_buffer_ = ReplayBuffer(obj.buffer_size, obj.state_dim)
        return obj

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_rl_work", None)
        state.pop("_rl_ep_work", None)  # scratch space, rebuilt on the next update
        return state

    def __repr__(self):
        return f"DQN(state_dim={self.state_dim}, n_actions={self.n_actions})"
