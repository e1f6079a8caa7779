"""Plots for reinforcement learning (Course 3, week 3): the Mars rover's Q values and optimal
actions, a DQN's episode returns with their moving average, and a filmstrip / GIF of frames."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display, subplots

__all__ = ["MarsRoverDisplay", "EpisodeReturnDisplay", "FilmstripDisplay", "record_frames", "save_gif"]


def _new_ax(ax, figsize):
    if ax is not None:
        return ax
    _, ax = subplots(figsize=figsize)
    return ax


def _fmt(v):
    return f"{v:.4g}"


class MarsRoverDisplay(Display):
    """The lab's picture of the Mars rover: the states in a row, the terminal rewards, Q(s, left) and
    Q(s, right) under every state and an arrow for the optimal action of every non-terminal state.

    Parameters
    ----------
    Q : ndarray of shape (num_states, 2)
        ``Q[s, 0]`` = Q(s, left), ``Q[s, 1]`` = Q(s, right) (:func:`pyml.rl.state_action_values`).
    rewards : ndarray of shape (num_states,)
    gamma, misstep_prob : float, optional
        Shown in the title.

    Attributes
    ----------
    policy_ : ndarray of shape (num_states,)
        0 (left) / 1 (right) / -1 (terminal), ties going left.
    values_ : ndarray of shape (num_states,)
        :math:`V^*(s) = \\max_a Q(s, a)`.
    """

    def __init__(self, Q, rewards, gamma=None, misstep_prob=None):
        self.Q = np.asarray(Q, dtype=np.float64)
        self.rewards = np.asarray(rewards, dtype=np.float64)
        if self.Q.ndim != 2 or self.Q.shape[1] != 2 or self.rewards.shape != (self.Q.shape[0],):
            raise ValueError(f"MarsRoverDisplay: Q must be (num_states, 2) and rewards (num_states,), got "
                             f"{self.Q.shape} and {self.rewards.shape}")
        self.gamma, self.misstep_prob = gamma, misstep_prob
        self.policy_ = np.argmax(self.Q, axis=1)
        self.policy_[[0, -1]] = -1
        self.values_ = self.Q.max(axis=1)

    @classmethod
    def from_params(cls, num_states=6, terminal_left_reward=100, terminal_right_reward=40, each_step_reward=0,
                    gamma=0.5, misstep_prob=0.0, ax=None):
        """Solve the rover with :func:`pyml.rl.state_action_values` and draw it."""
        from pyml.rl import state_action_values
        from pyml.rl._mars_rover import rewards_vector

        Q = state_action_values(num_states, terminal_left_reward, terminal_right_reward, each_step_reward, gamma,
                                misstep_prob)
        R = rewards_vector(num_states, terminal_left_reward, terminal_right_reward, each_step_reward)
        return cls(Q, R, gamma, misstep_prob).plot(ax=ax)

    def _axes(self, ax):
        return _new_ax(ax, (1.6 * len(self.rewards) + 1, 3.2))

    def _draw(self, ax):
        from matplotlib.patches import Rectangle

        n = len(self.rewards)
        self.artists_.update(states=[], rewards=[], q_left=[], q_right=[], arrows=[], labels=[])
        for s in range(n):
            terminal = s in (0, n - 1)
            box = Rectangle((s, 0), 0.92, 1, facecolor=style.TERMINAL_STATE if terminal else style.STATE,
                            edgecolor="black")
            ax.add_patch(box)
            self.artists_["states"].append(box)
            self.artists_["labels"].append(ax.text(s + 0.46, 1.12, f"state {s + 1}", ha="center", fontsize=10))
            self.artists_["rewards"].append(ax.text(s + 0.46, 0.78, f"R = {_fmt(self.rewards[s])}", ha="center",
                                                    fontsize=10, weight="bold" if terminal else "normal"))
            if terminal:
                ax.text(s + 0.46, 0.45, "terminal", ha="center", fontsize=9, style="italic")
            else:
                direction = -1 if self.policy_[s] == 0 else 1
                arrow = ax.annotate("", xy=(s + 0.46 + 0.3 * direction, 0.45),
                                    xytext=(s + 0.46 - 0.3 * direction, 0.45),
                                    arrowprops=dict(arrowstyle="-|>", color=style.ACTION, lw=2.5, mutation_scale=18))
                arrow.direction = "left" if direction < 0 else "right"
                self.artists_["arrows"].append(arrow)
            self.artists_["q_left"].append(ax.text(s + 0.22, -0.25, _fmt(self.Q[s, 0]), ha="center", fontsize=9,
                                                   color=style.Q_LEFT))
            self.artists_["q_right"].append(ax.text(s + 0.70, -0.25, _fmt(self.Q[s, 1]), ha="center", fontsize=9,
                                                    color=style.Q_RIGHT))
        ax.text(-0.1, -0.25, "Q(s,←)  Q(s,→)", ha="right", fontsize=9)
        ax.set_xlim(-1.4, n + 0.1)
        ax.set_ylim(-0.5, 1.4)
        ax.set_aspect("equal")
        ax.set_axis_off()
        extra = []
        if self.gamma is not None:
            extra.append(f"γ = {self.gamma:g}")
        if self.misstep_prob is not None:
            extra.append(f"misstep probability = {self.misstep_prob:g}")
        self.artists_["title"] = ax.set_title("Mars rover: Q(s, left) / Q(s, right) and the optimal actions"
                                              + (f" ({', '.join(extra)})" if extra else ""))


class EpisodeReturnDisplay(Display):
    """Return of every episode, the moving average over the last ``window`` episodes and the
    "solved" line, as the lab's ``plot_history``.

    Parameters
    ----------
    returns : array-like of shape (n_episodes,)
    window : int, default=100
        ``moving_average_[i]`` is the mean of episodes ``max(0, i - window + 1) .. i`` (the lab prints
        the mean of the last 100 episodes, fewer at the start).
    solved : float or None, default=200
        Mean return that counts as solved (LunarLander: 200); drawn as a horizontal line.

    Attributes
    ----------
    moving_average_ : ndarray of shape (n_episodes,)
    solved_episode_ : int or None
        First episode (1-based) whose moving average over a full window reaches ``solved``.
    """

    def __init__(self, returns, window=100, solved=200):
        self.returns = np.asarray(returns, dtype=np.float64).ravel()
        if self.returns.size == 0:
            raise ValueError("EpisodeReturnDisplay: no episode returns to draw")
        if not np.all(np.isfinite(self.returns)):
            raise ValueError("EpisodeReturnDisplay: returns contain NaN or infinity")
        if int(window) < 1:
            raise ValueError(f"EpisodeReturnDisplay: window must be >= 1, got {window!r}")
        self.window, self.solved = int(window), solved
        c = np.concatenate([[0.0], np.cumsum(self.returns)])
        i = np.arange(1, self.returns.size + 1)
        lo = np.maximum(0, i - self.window)
        self.moving_average_ = (c[i] - c[lo]) / (i - lo)
        self.solved_episode_ = None
        if solved is not None:
            hit = np.flatnonzero((self.moving_average_ >= solved) & (i >= min(self.window, self.returns.size)))
            self.solved_episode_ = int(hit[0]) + 1 if hit.size else None

    @classmethod
    def from_returns(cls, returns, window=100, solved=200, ax=None, **plot_kwargs):
        """From a list of episode returns (``plot_kwargs``, e.g. ``title``, go to :meth:`plot`)."""
        return cls(returns, window, solved).plot(ax=ax, **plot_kwargs)

    @classmethod
    def from_estimator(cls, dqn, window=100, solved=200, ax=None, **plot_kwargs):
        """From a trained agent's ``episode_returns_`` (e.g. :class:`pyml.rl.DQN`)."""
        if not hasattr(dqn, "episode_returns_"):
            raise ValueError(f"EpisodeReturnDisplay: {type(dqn).__name__} has no episode_returns_; train it first "
                             "(dqn.learn(env, ...))")
        return cls(dqn.episode_returns_, window, solved).plot(ax=ax, **plot_kwargs)

    def _axes(self, ax):
        return _new_ax(ax, (7, 4))

    def _draw(self, ax, title="Training progress"):
        ep = np.arange(1, self.returns.size + 1)
        (self.artists_["returns"],) = ax.plot(ep, self.returns, color=style.EPISODE, alpha=0.5, lw=1,
                                              label="episode return")
        (self.artists_["moving_average"],) = ax.plot(ep, self.moving_average_, color=style.MOVING_AVERAGE, lw=2,
                                                     label=f"mean of the last {self.window} episodes")
        if self.solved is not None:
            self.artists_["solved"] = ax.axhline(self.solved, color=style.ACCENT, ls="--", lw=1.5,
                                                 label=f"solved ({self.solved:g})")
            if self.solved_episode_ is not None:
                self.artists_["solved_marker"] = ax.axvline(self.solved_episode_, color=style.ACCENT, ls=":", lw=1,
                                                            label=f"solved at episode {self.solved_episode_}")
        ax.set_xlabel("episode")
        ax.set_ylabel("return (total reward)")
        ax.set_title(title)
        ax.legend(loc="lower right")


def record_frames(env, policy=None, max_steps=1000, seed=0):
    """Run one episode and collect ``env.render()`` frames (an env made with ``render_mode="rgb_array"``).

    Parameters
    ----------
    env : Gymnasium-API environment
    policy : callable obs -> action, an object with ``predict(states)`` (e.g. a DQN), or None (random)
    max_steps : int
    seed : int

    Returns
    -------
    frames : list of ndarray (height, width, 3)
    total_reward : float
    """
    obs, _ = env.reset(seed=seed)
    if hasattr(env, "action_space") and hasattr(env.action_space, "seed"):
        env.action_space.seed(seed)
    frames, total = [], 0.0
    frame = env.render()
    if frame is None:
        raise ValueError("record_frames: env.render() returned None; make the env with render_mode='rgb_array'")
    frames.append(np.asarray(frame))
    for _ in range(int(max_steps)):
        if policy is None:
            action = env.action_space.sample()
        elif hasattr(policy, "predict"):
            action = int(np.asarray(policy.predict(np.asarray(obs, dtype=np.float32)[None]))[0])
        else:
            action = policy(obs)
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        frames.append(np.asarray(env.render()))
        if terminated or truncated:
            break
    return frames, total


def save_gif(frames, path, fps=30, dpi=72):
    """Write frames to an animated GIF with matplotlib's Pillow writer; returns ``path``.

    Raises
    ------
    ImportError
        When Pillow is not installed (``pip install pillow``).
    """
    try:
        import PIL  # noqa: F401
    except ImportError:  # pragma: no cover - Pillow ships with matplotlib's wheels
        raise ImportError("save_gif needs Pillow: pip install pillow") from None
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    frames = [np.asarray(f) for f in frames]
    if not frames:
        raise ValueError("save_gif: no frames")
    h, w = frames[0].shape[:2]
    fig = plt.figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    im = ax.imshow(frames[0])

    def update(i):
        im.set_data(frames[i])
        return (im,)

    anim = FuncAnimation(fig, update, frames=len(frames), interval=1000 / fps, blit=True)
    anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    plt.close(fig)
    return path


class FilmstripDisplay(Display):
    """A row of frames (e.g. Gymnasium's ``rgb_array`` renders of an episode), each titled with its step.

    Parameters
    ----------
    frames : sequence of ndarray (height, width, 3)
    n_frames : int, default=6
        Frames shown, evenly spaced from the first to the last.

    Attributes
    ----------
    indices_ : ndarray of int
        Which frames were shown.
    """

    def __init__(self, frames, n_frames=6):
        self.frames = [np.asarray(f) for f in frames]
        if not self.frames:
            raise ValueError("FilmstripDisplay: no frames")
        if any(f.ndim != 3 or f.shape[2] not in (3, 4) for f in self.frames):
            raise ValueError("FilmstripDisplay: frames must be (height, width, 3) RGB (or RGBA) images")
        k = max(1, min(int(n_frames), len(self.frames)))
        self.indices_ = np.unique(np.linspace(0, len(self.frames) - 1, k).round().astype(int))

    @classmethod
    def from_env(cls, env, policy=None, n_frames=6, max_steps=1000, seed=0, axes=None):
        """Run one episode with :func:`record_frames` and draw it; the frames stay on ``frames``."""
        frames, total = record_frames(env, policy, max_steps, seed)
        disp = cls(frames, n_frames)
        disp.total_reward_ = total
        return disp.plot(axes=axes)

    def plot(self, axes=None):
        """Draw onto a row of axes (created when None); returns self."""
        k = len(self.indices_)
        if axes is None:
            h, w = self.frames[0].shape[:2]
            _, axes = subplots(1, k, figsize=(2.4 * k, 2.4 * h / w + 0.5), squeeze=False)
            axes = axes[0]
        axes = np.atleast_1d(axes)
        if len(axes) < k:
            raise ValueError(f"FilmstripDisplay: {k} frames need {k} axes, got {len(axes)}")
        self.ax_, self.figure_, self.artists_ = axes, axes[0].figure, {"images": []}
        if getattr(self, "total_reward_", None) is not None:
            self.artists_["suptitle"] = self.figure_.suptitle(f"episode return {self.total_reward_:.1f} "
                                                              f"({len(self.frames) - 1} steps)")
        for ax, i in zip(axes, self.indices_):
            self.artists_["images"].append(ax.imshow(self.frames[i]))
            ax.set_title(f"step {i}")
            ax.set_axis_off()
        return self

    def save_gif(self, path, fps=30):
        """All frames (not only the shown ones) as an animated GIF; see :func:`save_gif`."""
        return save_gif(self.frames, path, fps=fps)
