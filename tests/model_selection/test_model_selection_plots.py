"""Learning/validation curve displays and the network plots: check what was drawn."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402

from pyml import plot  # noqa: E402
from pyml.linear_model import LinearRegression  # noqa: E402


def test_learning_curve_display(rng):
    X = rng.normal(size=(90, 2))
    y = X @ np.array([1.0, 2.0]) + rng.normal(size=90)
    disp = plot.LearningCurveDisplay.from_estimator(LinearRegression(), X, y, baseline=0.5, cv=3).plot()
    np.testing.assert_allclose(disp.artists_["train"].get_ydata(), disp.train_errors)
    np.testing.assert_allclose(disp.artists_["cv"].get_xdata(), disp.train_sizes)
    assert disp.artists_["baseline"].get_ydata()[0] == 0.5
    assert disp.diagnosis_ in ("just right", "high bias", "high variance", "high bias and high variance")
    plt.close("all")


def test_validation_curve_display_marks_best():
    disp = plot.ValidationCurveDisplay([0.01, 0.1, 1, 10, 100], [[1], [1.1], [1.3], [2], [3]],
                                       [[3], [2], [1.5], [2.2], [3.1]], param_name="lambda", log_x=True)
    fig, ax = plt.subplots()
    disp.plot(ax=ax)
    assert disp.best_value_ == 1 and ax.get_xscale() == "log"
    assert disp.artists_["best"].get_xdata()[0] == 1
    plt.close(fig)


def test_history_and_digits_displays():
    from pyml.datasets import load_digits
    from pyml.neural_network import Dense, Input, Sequential

    X, y = load_digits(split="test", return_X_y=True)
    model = Sequential([Input(shape=(64,)), Dense(16, activation="relu"), Dense(10)], random_state=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.loss.from_logits = True
    h = model.fit(X / 16, y, epochs=3, validation_split=0.2, verbose=0)
    disp = plot.TrainingHistoryDisplay.from_history(h).plot()
    np.testing.assert_allclose(disp.artists_["loss"].get_ydata(), h.history["loss"])
    assert "val_loss" in disp.artists_
    d2 = plot.DigitPredictionsDisplay.from_estimator(model, X / 16, y, n_images=16).plot()
    assert len(d2.artists_["images"]) == 16
    assert d2.n_errors_ == int(np.sum(d2.labels != d2.predictions))
    with pytest.raises(ValueError):
        plot.TrainingHistoryDisplay({"loss": [1, 2]}, keys=["acc"])
    plt.close("all")


def test_validation_curve_marks_lambda_zero_honestly_and_cuts_huge_errors():
    import matplotlib.pyplot as plt

    from pyml import plot

    lambdas = [0.0, 1e-3, 1e-1, 10]
    disp = plot.ValidationCurveDisplay(lambdas, [1, 2, 3, 5], [900, 2.5, 3.5, 6], param_name="lambda",
                                       log_x=True, y_max=10)
    fig, ax = plt.subplots()
    disp.plot(ax=ax)
    assert disp.best_value_ == 1e-3 and "best lambda = 0.001" in disp.artists_["best"].get_label()
    assert disp.artists_["zero_tick"] == 1e-4  # 0 drawn one decade left of 1e-3 ...
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "0"  # ... and labelled 0, not 1e-4
    assert ax.get_ylim()[1] == 10 and [a.get_text() for a in disp.artists_["cut"]] == ["↑900"]
    zero_best = plot.ValidationCurveDisplay(lambdas, [1, 2, 3, 5], [1, 2.5, 3.5, 6], param_name="lambda",
                                            log_x=True).plot()
    assert "best lambda = 0" in zero_best.artists_["best"].get_label()
    assert zero_best.artists_["best"].get_xdata()[0] == 1e-4
    plt.close("all")
