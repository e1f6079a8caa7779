"""The Mars rover: the lab's Q values by hand and an independent NumPy Bellman solve with missteps."""
import numpy as np
import pytest

from pyml.rl import optimal_policy, state_action_values


def test_lab_values_gamma_half():
    Q = state_action_values()
    # by hand (the lab's figure): Q(s, left) = 0.5 V(s - 1), Q(s, right) = 0.5 V(s + 1), V = max
    # V = [100, 50, 25, 12.5, 20, 40]
    want = np.array([[100, 100], [50, 12.5], [25, 6.25], [12.5, 10], [6.25, 20], [40, 40]])
    np.testing.assert_array_equal(Q, want)
    policy, V = optimal_policy()
    np.testing.assert_array_equal(policy, [-1, 0, 0, 0, 1, -1])
    np.testing.assert_array_equal(V, [100, 50, 25, 12.5, 20, 40])


def test_lab_other_settings():
    # gamma 0.9: going left is best everywhere: V = 100 * 0.9 ** s for the inner states
    Q = state_action_values(gamma=0.9)
    np.testing.assert_allclose(Q[1:5, 0], 100 * 0.9 ** np.arange(1, 5))
    # each_step_reward = -10 (gamma 0.5): Q(5, right) = -10 + 0.5 * 40 = 10
    Q = state_action_values(each_step_reward=-10)
    assert Q[4, 1] == 10.0 and Q[1, 0] == 40.0


def _bellman_reference(n, left, right, step, gamma, p):
    """Independent solve: iterate the Bellman operator written with a transition tensor P[s, a, s']."""
    R = np.full(n, float(step))
    R[0], R[-1] = left, right
    P = np.zeros((n, 2, n))
    for s in range(1, n - 1):
        P[s, 0, s - 1] += 1 - p
        P[s, 0, s + 1] += p
        P[s, 1, s + 1] += 1 - p
        P[s, 1, s - 1] += p
    V = R.copy()
    for _ in range(5000):
        Q = R[:, None] + gamma * P @ V
        Q[[0, -1]] = R[[0, -1], None]
        V = Q.max(1)
    return Q


@pytest.mark.parametrize("p", [0.0, 0.1, 0.4])
@pytest.mark.parametrize("n, gamma, step", [(6, 0.5, 0), (10, 0.9, -1), (4, 0.99, 2)])
def test_misstep_matches_numpy_bellman(p, n, gamma, step):
    Q = state_action_values(n, 100, 40, step, gamma, p)
    np.testing.assert_allclose(Q, _bellman_reference(n, 100, 40, step, gamma, p), rtol=1e-10, atol=1e-10)
    # the fixed point: one more Bellman step changes nothing
    V = Q.max(1)
    inner = np.arange(1, n - 1)
    np.testing.assert_allclose(Q[inner, 0], step + gamma * ((1 - p) * V[inner - 1] + p * V[inner + 1]), rtol=1e-10)


def test_misstep_closed_form_two_inner_states():
    # n = 4, gamma 0.5, p = 0.1, both inner states go left:
    # V(1) = Q(1, left) = 0.5 (0.9 * 100 + 0.1 V(2)),  V(2) = Q(2, left) = 0.5 (0.9 V(1) + 0.1 * 40)
    Q = state_action_values(4, 100, 40, 0, 0.5, 0.1)
    v1, v2 = np.linalg.solve(np.array([[1, -0.05], [-0.45, 1]]), [45.0, 2.0])
    np.testing.assert_allclose([Q[1, 0], Q[2, 0]], [v1, v2], rtol=1e-12)
    np.testing.assert_allclose(Q[2, 1], 0.5 * (0.9 * 40 + 0.1 * v1), rtol=1e-12)
    assert Q[2, 0] > Q[2, 1]


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_states=1), "num_states"), (dict(gamma=1.0), "gamma"), (dict(gamma=-0.1), "gamma"),
    (dict(misstep_prob=1.5), "misstep_prob"), (dict(each_step_reward=np.nan), "each_step_reward"),
    (dict(num_states=2.5), "num_states"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        state_action_values(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(tol=-1.0), r"tol must be a finite number >= 0"), (dict(tol=float("nan")), r"tol must be a finite"),
    (dict(tol="abc"), r"tol must be a finite"), (dict(max_iter=0), r"max_iter must be a positive integer"),
    (dict(max_iter=-1), r"max_iter must be a positive integer"), (dict(max_iter="abc"), r"max_iter must be"),
    (dict(max_iter=2.5), r"max_iter must be"),
])
def test_stopping_parameters_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        state_action_values(**kwargs)


def test_max_iter_reached_warns_and_gives_the_partial_sweeps():
    from pyml.exceptions import ConvergenceWarning

    # one sweep from Q = R: Q(s, left) = 0.5 R(s - 1), Q(s, right) = 0.5 R(s + 1)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        Q = state_action_values(max_iter=1)
    np.testing.assert_array_equal(Q, [[100, 100], [50, 0], [0, 0], [0, 0], [0, 20], [40, 40]])
    # enough sweeps: no warning, the lab's values; tol = 0 is allowed (stop at the exact fixed point)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(state_action_values(tol=0.0), state_action_values())


@pytest.mark.parametrize("fn", [state_action_values, optimal_policy])
def test_huge_num_states_checked_before_allocating(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}\(num_states=4611686018427387904\) would need .* GiB.*"
                                         r"lower num_states"):
        fn(num_states=2**62)
    with pytest.raises(ValueError, match=rf"{fn.__name__}: num_states must be an integer >= 2"):
        fn(num_states=1)
