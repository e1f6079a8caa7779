"""Course 2 weeks 1-3: neural networks (coffee roasting, digits) and model evaluation."""
import numpy as np

NAME = "c2-nn"
TITLE = "Course 2: neural networks (coffee, digits), learning curves, choosing lambda"
ORDER = 20


def run(ctx):
    from pyml.plot import subplots

    from pyml import plot
    from pyml.base import BaseEstimator, RegressorMixin
    from pyml.datasets import load_digits, make_coffee_roasting
    from pyml.linear_model import LinearRegression
    from pyml.model_selection import (
        diagnose_bias_variance, eval_mse, learning_curve, train_cv_test_split, validation_curve,
    )
    from pyml.neural_network import (
        Adam, BinaryCrossentropy, Dense, Input, MLPClassifier, Sequential, SparseCategoricalCrossentropy, sequential,
    )
    from pyml.preprocessing import PolynomialFeatures, StandardScaler

    # 1. Coffee roasting: the lab's fixed weights (NumPy forward pass) and a trained network.
    ctx.step("coffee roasting: the course's fixed-weight network and a trained 2-3-1 sigmoid network")
    X, y = make_coffee_roasting()
    mu, sd = X.mean(axis=0), X.std(axis=0)
    Xn = (X - mu) / sd
    W1 = np.array([[-8.93, 0.29, 12.9], [-0.1, -7.32, 10.81]])
    b1 = np.array([-9.82, -9.28, 0.96])
    W2 = np.array([[-31.18], [-27.59], [-32.56]])
    b2 = np.array([15.41])
    p = sequential((np.array([[200, 13.9], [200, 17]]) - mu) / sd, W1, b1, W2, b2)
    ctx.step(f"  lab weights: roasts (200C, 13.9min) and (200C, 17min) -> decisions {(p.ravel() >= 0.5).astype(int)}")
    ctx.row("coffee (200 roasts)", "course fixed weights", "train accuracy",
            float(np.mean((sequential(Xn, W1, b1, W2, b2) >= 0.5) == y)), 0.0)
    Xt, yt = np.tile(Xn, (1000, 1)), np.tile(y, (1000, 1))  # the lab tiles the data 1000 times
    model = Sequential([Input(shape=(2,)), Dense(3, activation="sigmoid", name="layer1"),
                        Dense(1, activation="sigmoid", name="layer2")], random_state=1234)
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(learning_rate=0.01))
    hist, t = ctx.timed(model.fit, Xt, yt, epochs=10, verbose=0)
    ctx.row("coffee x1000 (200,000 rows)", "Sequential 2-3-1 sigmoid, 10 epochs", "train accuracy",
            float(np.mean((model.predict(Xn) >= 0.5) == y)), t)
    fig, axes = subplots(1, 2, figsize=(10, 4))
    plot.TrainingHistoryDisplay.from_history(hist).plot(ax=axes[0], ylabel="loss (binary cross-entropy)",
                                                        title="Coffee network: training loss per epoch")
    grid_t, grid_d = np.meshgrid(np.linspace(150, 285, 160), np.linspace(11.5, 15.5, 160))
    G = (np.column_stack([grid_t.ravel(), grid_d.ravel()]) - mu) / sd
    plot.DecisionBoundaryDisplay(grid_t, grid_d, model.predict(G).reshape(grid_t.shape), X, y.ravel(),
                                 is_proba=True).plot(ax=axes[1],
                                                     feature_names=("temperature (°C)", "duration (minutes)"),
                                                     class_names=("bad roast", "good roast"),
                                                     legend_loc="outside")
    axes[1].set_title("trained network: P(good roast) = 0.5 boundary")
    ctx.savefig(fig, "coffee")

    # 2. Digits 0 vs 1 with sigmoid units (C2 W1), then 10 digits with ReLU + softmax (C2 W2).
    Xtr, ytr = load_digits(split="train", return_X_y=True)
    Xte, yte = load_digits(split="test", return_X_y=True)
    Xtr, Xte = (Xtr / 16.0).astype(np.float32), (Xte / 16.0).astype(np.float32)
    ctx.step("digits 0 vs 1: Dense(25, sigmoid) -> Dense(15, sigmoid) -> Dense(1, sigmoid)")
    tr01, te01 = ytr < 2, yte < 2
    m01 = Sequential([Input(shape=(64,)), Dense(25, activation="sigmoid"), Dense(15, activation="sigmoid"),
                      Dense(1, activation="sigmoid")], random_state=0)
    m01.compile(loss=BinaryCrossentropy(), optimizer=Adam(0.001))
    _, t = ctx.timed(m01.fit, Xtr[tr01], ytr[tr01], epochs=20, verbose=0)
    ctx.row("digits 0/1 (UCI 8x8)", "Sequential 25-15-1 sigmoid", "test accuracy",
            float(np.mean((m01.predict(Xte[te01]).ravel() >= 0.5) == yte[te01])), t)

    ctx.step("10 digits: Dense(25, relu) -> Dense(15, relu) -> Dense(10, linear), softmax cross-entropy from logits")
    m10 = Sequential([Input(shape=(64,)), Dense(25, activation="relu", name="L1"),
                      Dense(15, activation="relu", name="L2"), Dense(10, activation="linear", name="L3")],
                     random_state=0)
    m10.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(0.001), metrics=["accuracy"])
    h10, t = ctx.timed(m10.fit, Xtr, ytr, epochs=60, verbose=0, validation_data=(Xte, yte))
    acc = float(np.mean(np.argmax(m10.predict(Xte), axis=1) == yte))
    ctx.step(f"  10-class test accuracy {acc:.4f} ({len(yte)} test digits)")
    sk_val = sk_t = None
    if ctx.use_sklearn:
        import warnings

        from sklearn.neural_network import MLPClassifier as SkMLP

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk, sk_t = ctx.timed(SkMLP(hidden_layer_sizes=(25, 15), max_iter=60, batch_size=32,
                                       random_state=0).fit, Xtr, ytr)
        sk_val = float(sk.score(Xte, yte))
    ctx.row("digits 10 classes", "Sequential 25-15-10 relu, 60 epochs", "test accuracy", acc, t, sk_val, sk_t)
    clf, t = ctx.timed(MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, early_stopping=True, random_state=0).fit,
                       Xtr, ytr)
    ctx.row("digits 10 classes", "MLPClassifier(64,)", "test accuracy", float(clf.score(Xte, yte)), t)
    fig, axes = subplots(1, 2, figsize=(10, 4))
    plot.TrainingHistoryDisplay.from_history(h10, keys=["loss", "val_loss"]).plot(
        ax=axes[0], ylabel="loss (softmax cross-entropy)", labels={"val_loss": "test loss"},
        title="10 digits: loss per epoch")
    plot.DigitPredictionsDisplay.from_estimator(m10, Xte, yte, n_images=32).plot(ax=axes[1])
    axes[1].set_title("test digits: label,prediction")
    ctx.savefig(fig, "digits")

    # 3. Model evaluation (C2 W3): 60/20/20 split, degree and lambda selection, learning curves.
    ctx.step("bias and variance: polynomial degree and lambda on a 60/20/20 split")

    class PolyRegression(RegressorMixin, BaseEstimator):
        def __init__(self, degree=1, reg_lambda=0.0):
            self.degree = degree
            self.reg_lambda = reg_lambda

        def fit(self, X, y):
            self.poly_ = PolynomialFeatures(self.degree).fit(X)
            Z = self.poly_.transform(X)
            self.scaler_ = StandardScaler().fit(Z)
            self.lin_ = LinearRegression(reg_lambda=self.reg_lambda).fit(self.scaler_.transform(Z), y)
            return self

        def predict(self, X):
            return self.lin_.predict(self.scaler_.transform(self.poly_.transform(X)))

    # 50 noisy samples of a smooth curve: few enough that degree 12 overfits (the course's lab size)
    rng = np.random.default_rng(32)
    noise = 8.0
    x = rng.uniform(0, 100, size=(50, 1))
    yq = 40 * np.sin(x[:, 0] / 18) + 0.3 * x[:, 0] + rng.normal(scale=noise, size=50)
    Xa, Xcv, Xtest, ya, ycv, ytest = train_cv_test_split(x, yq, random_state=1)
    degrees = list(range(1, 13))
    tr_d, cv_d = validation_curve(PolyRegression(), Xa, ya, param_name="degree", param_range=degrees,
                                  validation_data=(Xcv, ycv))
    best_degree = degrees[int(np.argmin(cv_d[:, 0]))]
    lambdas = [0.0, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]
    tr_l, cv_l = validation_curve(PolyRegression(degree=12), Xa, ya, param_name="reg_lambda", param_range=lambdas,
                                  validation_data=(Xcv, ycv))
    best_lambda = lambdas[int(np.argmin(cv_l[:, 0]))]
    final = PolyRegression(degree=best_degree).fit(Xa, ya)
    baseline = noise ** 2 / 2  # noise variance / 2: the irreducible eval_mse
    ctx.row("sine + noise (50)", f"best degree {best_degree} on cv", "test eval_mse",
            eval_mse(ytest, final.predict(Xtest)), 0.0)
    ctx.row("sine + noise (50)", f"degree 12, best lambda {best_lambda:g}", "cv eval_mse",
            float(cv_l.min()), 0.0)
    sizes, tr_m, cv_m = learning_curve(PolyRegression(degree=1), Xa, ya, train_sizes=np.linspace(0.15, 1, 8),
                                       validation_data=(Xcv, ycv))
    diag = diagnose_bias_variance(tr_m[-1, 0], cv_m[-1, 0], baseline)
    ctx.step(f"  degree 1 learning curve: {diag}; best degree {best_degree}, best lambda {best_lambda:g}")
    fig, axes = subplots(1, 3, figsize=(15, 4.2))
    # the overfit models' J_cv is far off the chart: cut the axis and write those values at its top
    err = "error J = eval_mse"
    plot.ValidationCurveDisplay(degrees, tr_d, cv_d, param_name="degree", baseline=baseline,
                                y_max=3 * float(np.max(tr_d))).plot(
        ax=axes[0], xlabel="polynomial degree d", ylabel=err, title="degree: high bias (left), high variance (right)")
    plot.ValidationCurveDisplay(lambdas, tr_l, cv_l, param_name="λ", baseline=baseline, log_x=True,
                                y_max=3 * float(np.max(tr_l))).plot(
        ax=axes[1], xlabel="regularisation λ (log scale)", ylabel=err,
        title="degree 12: λ from overfit (0) to underfit")
    plot.LearningCurveDisplay(sizes, tr_m, cv_m, baseline=baseline, name="degree 1").plot(
        ax=axes[2], xlabel="training set size m", ylabel=err)
    ctx.savefig(fig, "bias-variance")
