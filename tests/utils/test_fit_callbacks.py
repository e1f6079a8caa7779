"""fit_callbacks: every iterative fit checks its callbacks the same way, and accepts Keras-style ones."""
import numpy as np
import pytest

from pyml.cluster import KMeans
from pyml.linear_model import LinearRegression, gradient_descent
from pyml.utils.callbacks import Callback, CallbackList, ProgressLogger, fit_callbacks


class _KerasStyle:
    """Only Keras's method names: fit_callbacks adapts it."""

    def __init__(self):
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_fit_callbacks_orders_progress_and_adapts_keras_callbacks():
    user = Callback()
    cbs = fit_callbacks([user, _KerasStyle()], "Owner", verbose=1, total=5)
    assert isinstance(cbs, CallbackList)
    assert cbs.callbacks[0] is user and isinstance(cbs.callbacks[-1], ProgressLogger)
    first = fit_callbacks([user], "Owner", verbose=1, total=5, progress_first=True)
    assert isinstance(first.callbacks[0], ProgressLogger) and first.callbacks[1] is user
    assert not fit_callbacks(None, "Owner")  # no callbacks, not verbose: an empty list


@pytest.mark.parametrize("bad, message", [(Callback(), "must be a list of callbacks, got Callback"),
                                          ("print", "must be a list of callbacks, got str"),
                                          ([print], "must implement on_iteration_end")])
def test_fit_callbacks_rejects_what_is_not_a_list_of_callbacks(bad, message):
    with pytest.raises(TypeError, match=message):
        fit_callbacks(bad, "Owner")


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 3)), rng.normal(size=60)


@pytest.mark.filterwarnings("ignore:.*did not converge")
@pytest.mark.parametrize("fit", [
    lambda X, y, cbs: KMeans(n_clusters=2, n_init=1, random_state=0).fit(X, callbacks=cbs),
    lambda X, y, cbs: LinearRegression(solver="gd", max_iter=5).fit(X, y, callbacks=cbs),
    lambda X, y, cbs: gradient_descent(X, y, np.zeros(3), 0.0, 0.01, 5, callbacks=cbs),
], ids=["KMeans", "LinearRegression", "gradient_descent"])
def test_estimators_name_themselves_for_a_bad_callback_and_call_keras_style_ones(fit):
    X, y = _data()
    with pytest.raises(TypeError, match=r"(KMeans|LinearRegression|gradient_descent): callbacks must"):
        fit(X, y, [object()])
    keras_style = _KerasStyle()
    fit(X, y, [keras_style])
    assert keras_style.epochs and keras_style.epochs[0] == 0
