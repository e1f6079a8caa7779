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

Compiled paths (csrc/rl.h, csrc/rl_buffer.h): one random stream drives
training, the replay buffer's xoshiro256** generator (``replay_buffer.rng_state``,
also ``_sample_state``): the epsilon draws, the random actions and every
mini-batch, so runs are deterministic, resumable, pickle and save exactly.
``update(n)`` is one C call for all n steps (the indices of the last batch land
in ``replay_buffer.last_indices_``). On the built-in ``pyml.rl.envs.CartPole``,
``learn`` runs all its episodes in one C call (reset, epsilon draw and random
action from the generator, C cart-pole step, ring add, update every
``learn_every`` steps, epsilon decay and the three stopping rules); with
callbacks or ``verbose`` it returns to Python after every episode. Ctrl-C stops
it within a step, keeping what completed. Other
environments are stepped from Python; after each ``env.step`` one C call
(DQNStepper) stores the transition, runs the update when
(t + 1) % learn_every == 0 and the buffer holds more than batch_size
transitions, and picks the next epsilon-greedy action from the Q-network.
"""
import json
import math
import numbers
import warnings

import numpy as np

from pyml.neural_network import _nn_kernels as _k
from pyml.rl import _rl_kernels as _rk
from pyml.neural_network import Adam, Dense, Input, Sequential
from pyml.neural_network._sequential import soft_update
from pyml.rl._buffer import ReplayBuffer
from pyml.utils.callbacks import fit_callbacks
from pyml.utils._threads import resolve_n_jobs
from pyml.utils.validation import check_allocation, check_array

__all__ = ["DQN"]

FORMAT = "pyml.rl.DQN/2"


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


def _check_buffer_memory(buffer_size, state_dim):
    """The replay buffer's bytes (float32 states and rewards, int32 actions, two flags per row) must fit in
    memory: checked here so that the message names DQN's buffer_size, not the buffer's capacity."""
    per_row = 2 * state_dim * 4 + 4 + 4 + 2
    check_allocation(buffer_size * per_row, f"DQN(buffer_size={buffer_size}, state_dim={state_dim})'s replay "
                     "buffer", "lower buffer_size")


def _check_n_jobs(n_jobs):
    """The n_jobs rules of every pyml estimator (pyml.utils._threads.resolve_n_jobs): None, -1, -k or k >= 1, at
    most MAX_THREADS. (The DQN's kernels run on one thread; n_jobs goes to its networks.)"""
    if n_jobs is None:
        return
    try:
        resolve_n_jobs(n_jobs)
    except ValueError as exc:
        raise ValueError(f"DQN: {exc}") from None


# -- save / load (.npz + JSON; see DQN.save) -----------------------------------------------------------
_META_SCALARS = ("epsilon", "n_timesteps", "n_updates", "n_episodes", "episode_seed", "optimizer_iterations")
_BUFFER_ARRAYS = ("states", "next_states", "actions", "rewards", "terminated", "truncated")


def _file_record(ag, include_buffer):
    """(arrays, meta) of an agent for DQN.save."""
    from pyml import __version__

    params = ag.get_params()
    params["hidden_layer_sizes"] = [int(h) for h in ag._validate()]
    if not (params["random_state"] is None or isinstance(params["random_state"], numbers.Integral)):
        params["random_state"] = None  # a Generator cannot be written; the generator state below is
    params = {k: (int(v) if isinstance(v, numbers.Integral) and not isinstance(v, bool) else v)
              for k, v in params.items()}
    net, tgt, buf = ag.q_network_, ag.target_q_network_, ag.replay_buffer_
    steps = net.optimizer.iterations
    opt_state = net.optimizer._state_for(net.layers)  # zeros before the first update
    net.optimizer.iterations = steps  # (_state_for restarts the count when it creates the moments)
    arrays = {}
    for i, (lq, lt, st) in enumerate(zip(net.layers, tgt.layers, opt_state)):
        arrays[f"q_W{i}"], arrays[f"q_b{i}"] = lq.kernel, lq.bias
        arrays[f"target_W{i}"], arrays[f"target_b{i}"] = lt.kernel, lt.bias
        for key in ("mW", "mb", "vW", "vb"):
            arrays[f"adam_{key}{i}"] = st[key]
    arrays["episode_returns"] = np.asarray(ag.episode_returns_, np.float64)
    arrays["episode_lengths"] = np.asarray(ag.episode_lengths_, np.int64)
    arrays["losses"] = np.asarray(ag.losses_, np.float64)
    arrays["rng_state"] = ag._sample_state
    if include_buffer:
        for name in _BUFFER_ARRAYS:
            arrays[f"buffer_{name}"] = getattr(buf, name)
    meta = {"format": FORMAT, "pyml_version": __version__, "params": params, "n_layers": len(net.layers),
            "dtype": np.dtype(net.layers[0].kernel.dtype).name, "epsilon": float(ag.epsilon_),
            "n_timesteps": int(ag.n_timesteps_), "n_updates": int(ag.n_updates_),
            "n_episodes": int(ag.n_episodes_), "episode_seed": int(ag._episode_seed),
            "optimizer_iterations": int(net.optimizer.iterations), "include_buffer": include_buffer,
            "buffer": {"capacity": buf.capacity, "dtype": buf.dtype.name, "pos": buf.pos, "size": buf.size,
                       "n_added": buf.n_added}}
    return arrays, meta


def _read_npz(path):
    """All arrays of the file, or a ValueError naming it (never a crash on garbage)."""
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise ValueError("not an .npz archive")
            return {k: np.array(data[k]) for k in data.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, RuntimeError) as exc:
        raise ValueError(f"{path}: not a readable pyml DQN file ({type(exc).__name__}: {exc}); it is damaged or "
                         "truncated, save the agent again") from None


class _Checker:
    """Field checks of a DQN file; each failure names the file and the field."""

    def __init__(self, path, arrays):
        self.path, self.arrays = path, arrays

    def fail(self, field, why):
        raise ValueError(f"{self.path}: damaged DQN file: field {field!r} {why}")

    def array(self, name, dtype, shape, finite=True):
        if name not in self.arrays:
            self.fail(name, "is missing")
        arr = self.arrays[name]
        if arr.dtype != np.dtype(dtype):
            self.fail(name, f"has dtype {arr.dtype}, expected {np.dtype(dtype).name}")
        if shape is not None and arr.shape != tuple(shape):
            self.fail(name, f"has shape {arr.shape}, expected {tuple(shape)}")
        if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
            self.fail(name, "holds NaN or infinite values")
        return arr

    def integer(self, meta, key, low=0, high=None):
        v = meta.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < low or (high is not None and v > high):
            self.fail(key, f"must be an integer in [{low}, {'inf' if high is None else high}], got {v!r}")
        return v


def _from_file(cls, path):
    from pyml import __version__

    arrays = _read_npz(path)
    ck = _Checker(path, arrays)
    if "meta" not in arrays:
        ck.fail("meta", "is missing (not a file written by DQN.save)")
    meta_arr = arrays["meta"]
    if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
        ck.fail("meta", "is not a JSON string")
    try:
        meta = json.loads(str(meta_arr))
    except ValueError:
        ck.fail("meta", "is not valid JSON")
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if fmt != FORMAT:
        raise ValueError(f"{path}: not a pyml DQN file (format {fmt!r}, expected {FORMAT!r})")
    for key in ("params", "n_layers", "dtype", "buffer", "include_buffer", "pyml_version") + _META_SCALARS:
        if key not in meta:
            ck.fail(key, "is missing from the meta record")
    params = meta["params"]
    if not isinstance(params, dict) or set(params) != set(DQN._PARAMS):
        ck.fail("params", f"must name exactly the parameters {DQN._PARAMS}")
    try:
        obj = cls(**params)
        obj.hidden_layer_sizes = tuple(obj.hidden_layer_sizes) if isinstance(obj.hidden_layer_sizes, list) else \
            obj.hidden_layer_sizes
        hs = obj._validate()
        _check_int(obj.random_state, "random_state", low=0, allow_none=True)
        if isinstance(obj.n_jobs, bool) or not (obj.n_jobs is None or isinstance(obj.n_jobs, int)):
            raise ValueError(f"n_jobs must be an integer or None, got {obj.n_jobs!r}")
        if not isinstance(obj.double_dqn, bool) or isinstance(obj.verbose, bool) or \
                not isinstance(obj.verbose, int) or obj.verbose < 0:
            raise ValueError(f"double_dqn must be true/false and verbose an integer >= 0, got "
                             f"{obj.double_dqn!r}, {obj.verbose!r}")
    except (TypeError, ValueError) as exc:
        ck.fail("params", f"is invalid: {exc}")
    L = len(hs) + 1
    if ck.integer(meta, "n_layers", 1) != L:
        ck.fail("n_layers", f"is {meta['n_layers']} but hidden_layer_sizes gives {L}")
    if meta["dtype"] != "float32":
        ck.fail("dtype", f"must be 'float32', got {meta['dtype']!r}")
    # the layer shapes the parameters imply must be the file's arrays: building then allocates no more
    # than the file holds (a crafted hidden_layer_sizes cannot ask for gigabytes)
    dims = [obj.state_dim, *hs, obj.n_actions]
    for i in range(L):
        ck.array(f"q_W{i}", np.float32, (dims[i], dims[i + 1]))
    # a check on the buffer's size before anything is allocated (a crafted capacity)
    bmeta = meta["buffer"]
    if not isinstance(bmeta, dict) or bmeta.get("capacity") != obj.buffer_size or \
            bmeta.get("dtype") not in ("float32", "float64"):
        ck.fail("buffer", f"must record capacity == buffer_size ({obj.buffer_size}) and a float dtype")
    try:
        obj._build()
    except ValueError as exc:  # e.g. a buffer_size larger than the machine's memory
        ck.fail("params", f"cannot be built: {exc}")
    _restore_networks(ck, obj, L)
    _restore_scalars(ck, obj, meta)
    _restore_buffer(ck, obj, meta, bmeta)
    if meta["pyml_version"] != __version__:
        from pyml.exceptions import InconsistentVersionWarning

        warnings.warn(f"DQN saved by pyml {meta['pyml_version']}, loaded by {__version__}",
                      InconsistentVersionWarning, stacklevel=3)
    return obj


def _restore_networks(ck, obj, L):
    net, tgt = obj.q_network_, obj.target_q_network_
    state = net.optimizer._state_for(net.layers)
    for i in range(L):
        lq, lt = net.layers[i], tgt.layers[i]
        lq.kernel[...] = ck.array(f"q_W{i}", lq.kernel.dtype, lq.kernel.shape)
        lq.bias[...] = ck.array(f"q_b{i}", lq.bias.dtype, lq.bias.shape)
        lt.kernel[...] = ck.array(f"target_W{i}", lt.kernel.dtype, lt.kernel.shape)
        lt.bias[...] = ck.array(f"target_b{i}", lt.bias.dtype, lt.bias.shape)
        for key in ("mW", "mb", "vW", "vb"):
            arr = ck.array(f"adam_{key}{i}", state[i][key].dtype, state[i][key].shape)
            if key[0] == "v" and (arr < 0).any():
                ck.fail(f"adam_{key}{i}", "holds negative second moments")
            state[i][key][...] = arr
    expected = {f"{p}{i}" for i in range(L) for p in ("q_W", "q_b", "target_W", "target_b", "adam_mW", "adam_mb",
                                                        "adam_vW", "adam_vb")}
    extra = sorted(k for k in ck.arrays if k.startswith(("q_", "target_", "adam_")) and k not in expected)
    if extra:
        ck.fail(extra[0], f"belongs to no layer of the {L}-layer network")


def _restore_scalars(ck, obj, meta):
    eps = meta["epsilon"]
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps <= 1:
        ck.fail("epsilon", f"must be a number in [0, 1], got {eps!r}")
    obj.epsilon_ = float(eps)
    obj.n_timesteps_ = ck.integer(meta, "n_timesteps")
    obj.n_updates_ = ck.integer(meta, "n_updates")
    obj.n_episodes_ = ck.integer(meta, "n_episodes")
    obj._episode_seed = ck.integer(meta, "episode_seed", 0, 2**31 - 1)
    obj.q_network_.optimizer.iterations = ck.integer(meta, "optimizer_iterations")
    n = obj.n_episodes_
    returns = ck.array("episode_returns", np.float64, (n,))
    lengths = ck.array("episode_lengths", np.int64, (n,))
    losses = ck.array("losses", np.float64, (n,), finite=False)
    if (lengths < 0).any() or lengths.sum() > obj.n_timesteps_:
        ck.fail("episode_lengths", f"must be >= 0 and sum to at most n_timesteps ({obj.n_timesteps_})")
    if np.isinf(losses).any():
        ck.fail("losses", "holds infinite values")
    obj.episode_returns_ = [float(x) for x in returns]
    obj.episode_lengths_ = [int(x) for x in lengths]
    obj.losses_ = [float(x) for x in losses]
    rng = ck.array("rng_state", np.uint64, (4,))
    if not rng.any():
        ck.fail("rng_state", "is all zero (not a xoshiro256** state)")
    obj._sample_state = rng


def _restore_buffer(ck, obj, meta, bmeta):
    buf = obj.replay_buffer_
    if meta["include_buffer"] is False:
        return
    if meta["include_buffer"] is not True:
        ck.fail("include_buffer", "must be true or false")
    if bmeta["dtype"] != buf.dtype.name:
        buf = obj.replay_buffer_ = ReplayBuffer(obj.buffer_size, obj.state_dim, random_state=0, dtype=bmeta["dtype"])
        buf.rng_state[...] = ck.arrays["rng_state"]
    cap, d = buf.capacity, buf.state_dim
    shapes = {"states": (cap, d), "next_states": (cap, d), "actions": (cap,), "rewards": (cap,),
              "terminated": (cap,), "truncated": (cap,)}
    dtypes = {"actions": np.int32, "terminated": np.bool_, "truncated": np.bool_}
    got = {name: ck.array(f"buffer_{name}", dtypes.get(name, buf.dtype), shapes[name]) for name in _BUFFER_ARRAYS}
    if ((got["actions"] < 0) | (got["actions"] >= obj.n_actions)).any():
        ck.fail("buffer_actions", f"holds actions outside [0, {obj.n_actions})")
    pos = ck.integer(bmeta, "pos", 0, cap - 1)
    size = ck.integer(bmeta, "size", 0, cap)
    n_added = ck.integer(bmeta, "n_added", size)
    if size < cap and (pos != size or n_added != size):
        ck.fail("buffer", f"ring counters pos={pos}, size={size}, n_added={n_added} are inconsistent "
                "(a ring that is not full has pos == size == n_added)")
    for name in _BUFFER_ARRAYS:
        getattr(buf, name)[...] = got[name]
    buf.pos, buf.size, buf.n_added = pos, size, n_added


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
        Mini-batch size, at most ``buffer_size``.
    learn_every : int, default=4
        One update every ``learn_every`` steps of an episode (once the buffer
        holds more than ``batch_size`` transitions).
    tau : float, default=1e-3
        Soft target-update rate.
    epsilon_start, epsilon_min, epsilon_decay : float
        Exploration schedule, decayed per episode: ``epsilon_start`` and ``epsilon_min`` in [0, 1],
        ``epsilon_decay`` in (0, 1].
    loss : {"mse", "huber"}, default="mse"
    double_dqn : bool, default=False
    random_state : int or None
    n_jobs : int or None
        Threads of the networks' kernels (None or -1: all cores, -k: all but k - 1, k >= 1: k).
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
        if self.batch_size > self.buffer_size:
            raise ValueError(f"DQN: batch_size={self.batch_size} is larger than buffer_size={self.buffer_size}: the "
                             "replay buffer can never hold a mini-batch, so the agent would never learn; use "
                             "batch_size <= buffer_size")
        _check_buffer_memory(self.buffer_size, self.state_dim)
        _check_int(self.learn_every, "learn_every")
        _check_real(self.tau, "tau", 0, 1)
        _check_real(self.epsilon_start, "epsilon_start", 0, 1)
        _check_real(self.epsilon_min, "epsilon_min", 0, 1)
        # epsilon_decay = 0 would drop epsilon to epsilon_min after the first episode: no decay schedule
        _check_real(self.epsilon_decay, "epsilon_decay", 0, 1, low_open=True)
        if self.loss not in ("mse", "huber"):
            raise ValueError(f"DQN: loss must be 'mse' or 'huber', got {self.loss!r}")
        _check_n_jobs(self.n_jobs)
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
        # One random stream for training: the buffer's xoshiro256** state (csrc/rl_buffer.h) drives the
        # epsilon-greedy draws, the fused update's batches and buffer.sample (``_sample_state`` is it).
        self.replay_buffer_ = ReplayBuffer(self.buffer_size, self.state_dim, random_state=seq.spawn(1)[0])
        self.epsilon_ = float(self.epsilon_start)
        self.episode_returns_, self.episode_lengths_, self.losses_ = [], [], []
        self.n_timesteps_ = 0
        self.n_updates_ = 0
        self.n_episodes_ = 0
        self._episode_seed = int(np.random.default_rng(s_act).integers(2**31 - 1))

    def _ensure_built(self):
        if not hasattr(self, "q_network_"):
            self._build()

    @property
    def _sample_state(self):
        """xoshiro256** state (uint64[4]) of every training draw: the replay buffer's generator."""
        return self.replay_buffer_.rng_state

    @_sample_state.setter
    def _sample_state(self, value):
        self.replay_buffer_.rng_state[...] = value

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
        """Epsilon-greedy action from the training generator (the rule of the C step:
        u ~ U[0, 1) > epsilon -> argmax_a Q(obs, a), else a uniform action)."""
        if _rk.rl_random(self._sample_state) > self.epsilon_:
            q = self._forward(self.q_network_, obs.reshape(1, -1))
            return int(np.argmax(q[0]))
        return int(_rk.rl_uniform(self._sample_state, self.n_actions))

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
        """One episode of a Python (Gymnasium-API) env. Per step: ``env.step`` from Python, then one C
        call that stores the transition, updates every ``learn_every`` steps once the buffer holds more
        than ``batch_size`` transitions, and picks the next epsilon-greedy action (DQNStepper)."""
        buf, net = self.replay_buffer_, self.q_network_
        n_steps = max_steps if total_timesteps is None else \
            min(max_steps, total_timesteps - (self.n_timesteps_ - start_steps))
        if buf.dtype != net.layers[0].kernel.dtype:
            return self._python_episode_slow(env, obs, n_steps)
        stepper = self._stepper(obs, n_steps)
        step = stepper.step
        try:
            action = stepper.first_action()
            while action >= 0:
                obs2, reward, terminated, truncated, _ = env.step(action)
                action = step(obs2, reward, terminated, truncated)
        finally:  # also after an error or Ctrl-C: the counters match what was stored and trained
            self._finish_stepper(stepper)
        n_upd = stepper.n_updates
        return stepper.ret, int(stepper.t), ([stepper.loss_sum / n_upd] if n_upd else [])

    def _stepper(self, obs, n_steps):
        """The episode's C stepper: layer structs, optimiser and ring addresses filled once here."""
        net, buf = self.q_network_, self.replay_buffer_
        last = getattr(self, "_last_idx", None)
        if last is None or last.shape != (self.batch_size,):
            last = self._last_idx = np.empty(self.batch_size, np.int64)
        return _rk.DQNStepper(net._specs(training=True), self.target_q_network_._specs(), net.optimizer._params(),
                              buf._kernel, obs, self.epsilon_, self.batch_size, self.learn_every, self.gamma,
                              self.tau, self.loss == "huber", bool(self.double_dqn), n_steps, last, 1,
                              getattr(self, "_rl_step_work", None))

    def _finish_stepper(self, stepper):
        self._rl_step_work = stepper.workspace
        self.q_network_.optimizer.iterations = int(stepper.optimizer_steps)
        self.n_timesteps_ += int(stepper.t)
        self.n_updates_ += int(stepper.n_updates)
        if stepper.n_updates:
            self.replay_buffer_.last_indices_ = self._last_idx.copy()

    def _python_episode_slow(self, env, obs, n_steps):
        """The same loop step by step in Python (a replay buffer whose dtype differs from the network's)."""
        buf = self.replay_buffer_
        ret, length, losses = 0.0, 0, []
        for t in range(n_steps):
            action = self._act(obs)
            obs2, reward, terminated, truncated, _ = env.step(action)
            obs2 = np.asarray(obs2, dtype=np.float32)
            reward = float(reward)
            if obs2.shape != obs.shape or not math.isfinite(reward) or not np.isfinite(obs2).all():
                raise ValueError(f"DQN.learn: the environment returned observation {obs2!r} and reward "
                                 f"{reward!r}; expected a finite ({self.state_dim},) vector and a finite reward")
            buf.add(obs, action, reward, obs2, bool(terminated), bool(truncated))
            self.n_timesteps_ += 1
            ret += reward
            length += 1
            if (t + 1) % self.learn_every == 0 and len(buf) > self.batch_size:
                losses.append(self._update_once())
            obs = obs2
            if terminated or truncated:
                break
        return ret, length, losses

    def _uses_c_env(self, env):
        """The built-in cart-pole runs whole episodes in C (same float dtype for buffer and networks)."""
        from pyml.rl.envs._cartpole import CartPole

        return type(env) is CartPole and self.state_dim == 4 and self.n_actions == 2 and \
            self.replay_buffer_.dtype == self.q_network_.layers[0].kernel.dtype

    # episodes per C call on the built-in cart-pole when nothing else bounds them (no callbacks)
    _C_CHUNK = 65536

    def _c_learn(self, env, total_timesteps, max_episodes, max_steps, target, window, cblist, start_steps,
                 start_eps):
        """``learn`` on the built-in cart-pole (csrc/rl.h pyml_dqn_cartpole_learn): every episode in C
        (reset from the episode's seed, epsilon-greedy act, C step, ring add, update every learn_every
        steps, epsilon decay, the stopping rules). Without callbacks one C call runs all the episodes;
        with callbacks (or verbose) one call per episode, the callbacks after each. After every call,
        also on Ctrl-C or an error, the agent holds exactly what the completed steps and episodes did."""
        buf, net = self.replay_buffer_, self.q_network_
        last = getattr(self, "_last_idx", None)
        if last is None or last.shape != (self.batch_size,):
            last = self._last_idx = np.empty(self.batch_size, np.int64)
        per_episode = bool(cblist)
        spec = dict(max_episode_steps=env.max_episode_steps, max_steps=max_steps, learn_every=self.learn_every,
                    batch_size=self.batch_size, gamma=self.gamma, tau=self.tau, epsilon_min=self.epsilon_min,
                    epsilon_decay=self.epsilon_decay, huber=self.loss == "huber", double_dqn=bool(self.double_dqn),
                    episode_seed=self._episode_seed, target=None if target is None else float(target),
                    window=window)
        while True:
            done_eps, done_steps = len(self.episode_returns_) - start_eps, self.n_timesteps_ - start_steps
            if max_episodes is not None and done_eps >= max_episodes:
                return
            if total_timesteps is not None and done_steps >= total_timesteps:
                return
            cap = 1 if per_episode else self._C_CHUNK
            if max_episodes is not None:
                cap = min(cap, max_episodes - done_eps)
            if total_timesteps is not None:  # an episode takes at least one step
                cap = min(cap, total_timesteps - done_steps)
            spec.update(max_episodes=cap, episode_index=self.n_episodes_,
                        step_budget=-1 if total_timesteps is None else total_timesteps - done_steps)
            out = dict(returns=np.empty(cap), lengths=np.empty(cap, np.int64), losses=np.empty(cap),
                       info=np.full(6, -1, np.int64), ring=np.array([buf.pos, buf.size, buf.n_added], np.int64),
                       epsilon=np.array([self.epsilon_]), env_state=np.zeros(4))
            try:
                self._rl_ep_work = _rk.dqn_cartpole_learn(
                    net._specs(training=True), self.target_q_network_._specs(), net.optimizer._params(),
                    buf.states, buf.next_states, buf.actions, buf.rewards, buf.terminated, buf.truncated, out["ring"],
                    spec, np.asarray(self.episode_returns_[-window:], np.float64), len(self.episode_returns_),
                    out["epsilon"], out["env_state"], self._sample_state, last, out["returns"], out["lengths"],
                    out["losses"], out["info"], 1, getattr(self, "_rl_ep_work", None))
            finally:  # also on Ctrl-C or a kernel error: keep what the C loop did
                self._c_learn_writeback(env, out, last)
            info = out["info"]
            if per_episode and info[0]:
                ret = float(out["returns"][0])
                logs = {"return": ret, "mean_return": float(np.mean(self.episode_returns_[-window:])),
                        "epsilon": self.epsilon_}
                if cblist.on_iteration_end(self, len(self.episode_returns_) - 1, logs):
                    return
            if info[4] == 2:  # PYML_CP_STOP_TARGET
                return

    def _c_learn_writeback(self, env, out, last):
        """Counters, histories, ring, epsilon and the env state after a pyml_dqn_cartpole_learn call."""
        info = out["info"]
        if info[4] < 0:  # the kernel never started: nothing changed
            return
        buf = self.replay_buffer_
        n = int(info[0])
        self.episode_returns_.extend(float(x) for x in out["returns"][:n])
        self.episode_lengths_.extend(int(x) for x in out["lengths"][:n])
        self.losses_.extend(float(x) for x in out["losses"][:n])
        self.n_episodes_ += n
        self.epsilon_ = float(out["epsilon"][0])
        self.n_timesteps_ += int(info[1])
        self.n_updates_ += int(info[2])
        self.q_network_.optimizer.iterations = int(info[5])
        ring = out["ring"]
        buf.pos, buf.size, buf.n_added = int(ring[0]), int(ring[1]), int(ring[2])
        if info[2]:
            buf.last_indices_ = last.copy()
        if info[1]:
            env.state, env._steps = out["env_state"].copy(), int(info[3])

    def learn(self, env, total_timesteps=None, max_episodes=None, max_steps=1000, target_mean_return=None,
              window=100, callbacks=None, verbose=0):
        """Train on ``env`` (Gymnasium API) until the first of: ``total_timesteps`` steps,
        ``max_episodes`` episodes, or the mean return of the last ``window`` episodes >= ``target_mean_return``.
        Calling it again continues training. Returns self.

        Episode ``i`` of the agent starts from ``env.reset(seed=episode_seed + i)``. On the built-in
        :class:`pyml.rl.envs.CartPole` the whole run is one C call (csrc/rl.h ``pyml_dqn_cartpole_learn``:
        the reset, numpy's ``default_rng(seed).uniform(-0.05, 0.05, 4)`` as Gymnasium's, computed in C;
        epsilon-greedy acting; the cart-pole step; ring add; an update every ``learn_every`` steps; the
        epsilon decay and the stopping rules), or one call per episode when there are callbacks or
        ``verbose`` (they run after every episode); both give identical results. Ctrl-C stops within a
        step: the transitions, updates and completed episodes so far are kept (the interrupted
        episode's steps are stored and counted in ``n_timesteps_``, the episode is not recorded), then
        KeyboardInterrupt is raised."""
        self._ensure_built()
        total_timesteps = _check_int(total_timesteps, "total_timesteps", allow_none=True)
        max_episodes = _check_int(max_episodes, "max_episodes", allow_none=True)
        max_steps = _check_int(max_steps, "max_steps")
        window = _check_int(window, "window")
        if total_timesteps is None and max_episodes is None and target_mean_return is None:
            raise ValueError("DQN.learn: give total_timesteps, max_episodes or target_mean_return")
        self._check_env(env, self.state_dim, self.n_actions)
        if self.batch_size >= self.buffer_size:  # the lab's update condition: more than one mini-batch stored
            raise ValueError(f"DQN.learn: batch_size={self.batch_size} must be smaller than buffer_size="
                             f"{self.buffer_size}: learn() updates once the buffer holds more than one "
                             "mini-batch, which a buffer of batch_size transitions never does; raise buffer_size "
                             "(update() alone accepts batch_size == buffer_size)")
        cblist = fit_callbacks(callbacks, "DQN.learn", verbose or self.verbose, max_episodes, "episode")
        cblist.on_fit_begin(self, {})
        start_steps, start_eps = self.n_timesteps_, len(self.episode_returns_)
        if self._uses_c_env(env):
            self._c_learn(env, total_timesteps, max_episodes, max_steps, target_mean_return, window, cblist,
                          start_steps, start_eps)
            cblist.on_fit_end(self, {})
            return self
        while True:
            if max_episodes is not None and len(self.episode_returns_) - start_eps >= max_episodes:
                break
            if total_timesteps is not None and self.n_timesteps_ - start_steps >= total_timesteps:
                break
            obs, _ = env.reset(seed=self._episode_seed + self.n_episodes_)
            obs = self._check_states(obs, "observation")[0]
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
        """Write the agent to ``path``: one ``.npz`` (no pickle) holding the Q- and target networks'
        weights, the Adam moments and step count, epsilon, the step/episode counters and histories,
        the training generator's state, and the replay buffer when ``include_buffer``; the
        hyper-parameters and scalars are a JSON record (``meta``) inside it. Training resumes from
        :meth:`load` exactly as if it had never stopped (with the buffer saved). Returns ``path``."""
        self._ensure_built()
        arrays, meta = _file_record(self, bool(include_buffer))
        arrays["meta"] = np.array(json.dumps(meta))
        with open(path, "wb") as fh:  # a file object: numpy does not append ".npz" to the name
            np.savez(fh, **arrays)
        return path

    @classmethod
    def load(cls, path):
        """Agent written by :meth:`save` (an empty buffer of the same capacity when it was not saved).
        Every field is checked (names, shapes, dtypes, finite values, ranges, ring consistency): a
        damaged, truncated or crafted file raises a ValueError naming the file and the field."""
        return _from_file(cls, path)

    def __getstate__(self):
        state = self.__dict__.copy()
        for scratch in ("_rl_work", "_rl_ep_work", "_rl_step_work"):  # rebuilt on the next call
            state.pop(scratch, None)
        from pyml import __version__

        state["_pyml_version"] = __version__
        return state

    def __setstate__(self, state):
        from pyml.neural_network._sequential import _check_pickle_version

        state = _check_pickle_version(state, type(self).__name__)
        old = state.pop("_sample_state", None)  # pickles from before the buffer owned the generator
        state.pop("_rng", None)
        self.__dict__.update(state)
        if old is not None and self.__dict__.get("replay_buffer_") is not None:
            self.replay_buffer_.rng_state[...] = old

    def __repr__(self):
        return f"DQN(state_dim={self.state_dim}, n_actions={self.n_actions})"
