"""EarlyStopping: its settings are checked when it is built, and the stopping rule counts epochs exactly."""
import numpy as np
import pytest

from pyml.utils.callbacks import EarlyStopping


def _run(stopper, losses):
    """Feed a loss sequence; the number of epochs run before the stopper asked to stop."""
    stopper.on_fit_begin(None, {})
    for i, loss in enumerate(losses):
        if stopper.on_iteration_end(None, i, {"loss": loss}):
            return i + 1
    return len(losses)


@pytest.mark.parametrize("patience, exc", [(-1, ValueError), (2.5, TypeError), (float("nan"), TypeError),
                                           ("abc", TypeError), (True, TypeError), (None, TypeError)])
def test_patience_must_be_a_non_negative_integer(patience, exc):
    with pytest.raises(exc, match="EarlyStopping: patience must be"):
        EarlyStopping(patience=patience)


@pytest.mark.parametrize("min_delta, exc", [(float("nan"), ValueError), (float("inf"), ValueError),
                                            ("abc", TypeError), (None, TypeError)])
def test_min_delta_must_be_finite(min_delta, exc):
    with pytest.raises(exc, match="EarlyStopping: min_delta must be a finite number"):
        EarlyStopping(min_delta=min_delta)


def test_monitor_must_be_a_name():
    with pytest.raises(TypeError, match="EarlyStopping: monitor"):
        EarlyStopping(monitor=3)


def test_patience_counts_epochs_without_improvement():
    losses = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert _run(EarlyStopping(monitor="loss", patience=0), losses) == 3  # stops at the first stale epoch
    assert _run(EarlyStopping(monitor="loss", patience=2), losses) == 4
    assert _run(EarlyStopping(monitor="loss", patience=np.int64(3)), losses) == 5


def test_min_delta_is_taken_as_an_absolute_change_as_keras():
    losses = [1.0, 0.95, 0.9, 0.85]  # each epoch improves by 0.05
    assert _run(EarlyStopping(monitor="loss", patience=1, min_delta=0.1), losses) == 2
    s = EarlyStopping(monitor="loss", patience=1, min_delta=-0.1)
    assert s.min_delta == 0.1
    assert _run(s, losses) == 2
    assert _run(EarlyStopping(monitor="loss", patience=1, min_delta=0.01), losses) == 4
