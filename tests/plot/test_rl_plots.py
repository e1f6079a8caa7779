"""RL plots: the Mars rover picture, episode returns, filmstrip / GIF -- check what was drawn."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pyml import plot  # noqa: E402
from pyml.rl import state_action_values  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_mars_rover_display_draws_the_labs_values():
    d = plot.MarsRoverDisplay.from_params()
    a = d.artists_
    assert len(a["states"]) == 6 and [t.get_text() for t in a["rewards"]] == ["R = 100"] + ["R = 0"] * 4 + ["R = 40"]
    assert [t.get_text() for t in a["q_left"]] == ["100", "50", "25", "12.5", "6.25", "40"]
    assert [t.get_text() for t in a["q_right"]] == ["100", "12.5", "6.25", "10", "20", "40"]
    assert [arrow.direction for arrow in a["arrows"]] == ["left", "left", "left", "right"]
    # the arrows point the way their direction says: head (xy) left of the tail (xytext) for "left"
    for arrow in a["arrows"]:
        assert (arrow.xy[0] < arrow.xyann[0]) == (arrow.direction == "left")
    assert "γ = 0.5" in a["title"].get_text()
    np.testing.assert_array_equal(d.policy_, [-1, 0, 0, 0, 1, -1])


def test_mars_rover_display_with_misstep_matches_solver():
    d = plot.MarsRoverDisplay.from_params(num_states=8, gamma=0.9, misstep_prob=0.2, each_step_reward=-1)
    Q = state_action_values(8, 100, 40, -1, 0.9, 0.2)
    np.testing.assert_allclose([float(t.get_text()) for t in d.artists_["q_left"]], Q[:, 0], rtol=1e-3)
    assert len(d.artists_["arrows"]) == 6
    with pytest.raises(ValueError, match="Q must be"):
        plot.MarsRoverDisplay(np.zeros((3, 3)), np.zeros(3))


def test_episode_return_display_moving_average_and_solved():
    rng = np.random.default_rng(0)
    r = np.linspace(-200, 260, 400) + rng.normal(0, 30, 400)
    d = plot.EpisodeReturnDisplay.from_returns(r, window=100, solved=200)
    ref = np.array([r[max(0, i - 99):i + 1].mean() for i in range(len(r))])
    np.testing.assert_allclose(d.moving_average_, ref, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(d.artists_["moving_average"].get_ydata(), ref, rtol=1e-10, atol=1e-9)
    np.testing.assert_array_equal(d.artists_["returns"].get_ydata(), r)
    assert d.artists_["solved"].get_ydata()[0] == 200
    first = int(np.flatnonzero((ref >= 200) & (np.arange(400) >= 99))[0]) + 1
    assert d.solved_episode_ == first and d.artists_["solved_marker"].get_xdata()[0] == first
    assert d.ax_.get_xlabel() == "episode" and "return" in d.ax_.get_ylabel()
    assert len(d.ax_.get_legend().get_texts()) == 4
    never = plot.EpisodeReturnDisplay(np.zeros(50), window=10, solved=200)
    assert never.solved_episode_ is None


def test_episode_return_from_estimator():
    class Agent:
        episode_returns_ = [1.0, 2.0, 3.0, 4.0]

    d = plot.EpisodeReturnDisplay.from_estimator(Agent(), window=2, solved=None)
    np.testing.assert_allclose(d.moving_average_, [1, 1.5, 2.5, 3.5])
    assert "solved" not in d.artists_
    with pytest.raises(ValueError, match="episode_returns_"):
        plot.EpisodeReturnDisplay.from_estimator(object())
    with pytest.raises(ValueError, match="NaN"):
        plot.EpisodeReturnDisplay([1.0, np.nan])


def _frames(n=10):
    f = np.zeros((n, 20, 30, 3), dtype=np.uint8)
    f[np.arange(n), :, np.arange(n) * 2] = 255  # a moving white column: frame i has it at x = 2 i
    return list(f)


def test_filmstrip_and_gif(tmp_path):
    frames = _frames()
    d = plot.FilmstripDisplay(frames, n_frames=4).plot()
    np.testing.assert_array_equal(d.indices_, [0, 3, 6, 9])
    assert [ax.get_title() for ax in d.ax_] == ["step 0", "step 3", "step 6", "step 9"]
    for img, i in zip(d.artists_["images"], d.indices_):
        np.testing.assert_array_equal(img.get_array(), frames[i])
    Image = pytest.importorskip("PIL.Image")
    path = d.save_gif(str(tmp_path / "x.gif"), fps=10)

    with Image.open(path) as im:
        assert im.n_frames == 10
    with pytest.raises(ValueError, match="RGB"):
        plot.FilmstripDisplay([np.zeros((4, 4))])


def test_record_frames_with_a_tiny_env():
    class Env:
        class action_space:
            @staticmethod
            def sample():
                return 0

        def reset(self, seed=None):
            self.t = 0
            return np.zeros(2), {}

        def step(self, a):
            self.t += 1
            return np.full(2, self.t), 1.0, self.t >= 5, False, {}

        def render(self):
            return np.full((6, 8, 3), self.t * 40, dtype=np.uint8)

    frames, total = plot.record_frames(Env(), policy=lambda obs: 0)
    assert len(frames) == 6 and total == 5.0 and frames[-1][0, 0, 0] == 200
    d = plot.FilmstripDisplay.from_env(Env(), n_frames=3)
    assert "episode return 5.0" in d.artists_["suptitle"].get_text()


def test_filmstrip_lunar_lander_rgb_array():
    gym = pytest.importorskip("gymnasium")
    try:
        env = gym.make("LunarLander-v3", render_mode="rgb_array")
    except Exception as exc:  # box2d / pygame missing
        pytest.skip(f"LunarLander-v3 not available: {exc}")
    d = plot.FilmstripDisplay.from_env(env, n_frames=3, max_steps=30, seed=0)
    assert d.frames[0].shape == (400, 600, 3) and len(d.artists_["images"]) == 3
    env.close()
