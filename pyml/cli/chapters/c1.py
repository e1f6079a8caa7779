"""Course 1: linear regression, logistic regression, regularisation."""
import numpy as np

NAME = "c1"
TITLE = "Course 1: linear and logistic regression, gradient descent, regularisation"
ORDER = 10


def run(ctx):
    from pyml.plot import figure, subplots

    from pyml import plot
    from pyml.plot import _style as style
    from pyml.datasets import load_breast_cancer, load_diabetes, load_digits, make_exam_scores, make_house_prices
    from pyml.datasets import make_microchip_qa
    from pyml.linear_model import LinearRegression, LogisticRegression, gradient_descent
    from pyml.metrics import accuracy_score, r2_score
    from pyml.model_selection import train_test_split
    from pyml.preprocessing import StandardScaler, map_feature, zscore_normalize_features

    # 1. One feature, the lab's gradient descent, the cost pictures.
    ctx.step("one-feature linear regression by gradient descent (house prices)")
    X, y = make_house_prices(100, n_features=1, random_state=0)
    x = X[:, 0] / 1000.0  # size in 1000 sq ft
    res, t = ctx.timed(gradient_descent, x, y, 0.0, 0.0, 0.1, 2000)
    ctx.row("house prices (1 feature)", "gradient_descent a=0.1", "final cost J", float(res.J_history[-1]), t)
    size, price = "size (1000 sqft)", "price ($1000s)"
    w_label, b_label = "w ($1000s per 1000 sqft)", "b ($1000s)"
    fig, axes = subplots(1, 2, figsize=(11, 4))
    plot.FitDisplay.from_params(x, y, res.w, res.b).plot(ax=axes[0], xlabel=size, ylabel=price,
                                                         title="House prices: the line found by gradient descent",
                                                         data_label="houses (training examples)")
    w_lo, w_hi = min(0, res.w) - 50, max(0, res.w) + 50
    b_lo, b_hi = min(0, res.b) - 150, max(0, res.b) + 150
    path = np.vstack([[0.0, 0.0], res.p_history])  # p_history starts after the first update: add the start
    plot.CostContourDisplay.from_data(x, y, (w_lo, w_hi), (b_lo, b_hi), path=path).plot(
        ax=axes[1], w_label=w_label, b_label=b_label, title="Cost contours J(w, b) and the descent path")
    ctx.savefig(fig, "linear-fit-and-contour")
    fig = figure(figsize=(6, 5))
    plot.CostSurfaceDisplay.from_data(x, y, (w_lo, w_hi), (b_lo, b_hi), n_points=50).plot(
        ax=fig.add_subplot(projection="3d"), w_label=w_label, b_label=b_label, cost_label="J(w, b) ($1000s²)",
        title="Squared-error cost J(w, b): one bowl, one minimum")
    ctx.savefig(fig, "cost-surface")
    fig, ax = subplots()
    plot.CostCurveDisplay.from_data(x, y, b=res.b, w_marked=res.w).plot(ax=ax, w_label=w_label,
                                                                       cost_label="cost J(w, b) ($1000s²)")
    ctx.savefig(fig, "cost-vs-w")
    histories = {f"α = {a}": gradient_descent(x, y, 0.0, 0.0, a, 200).J_history for a in (0.01, 0.03, 0.1, 0.3)}
    fig, ax = subplots()
    plot.CostHistoryDisplay.from_histories(histories).plot(
        ax=ax, xlabel="gradient-descent iteration", ylabel="cost J(w, b) ($1000s²)",
        title="Learning rate α: a larger α needs fewer iterations (too large diverges)")
    ctx.savefig(fig, "learning-rates")

    # 2. Multiple features: feature scaling, normal equation vs gradient descent, vs scikit-learn.
    ctx.step("multiple linear regression (diabetes), normal equation and gradient descent")
    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(Xtr)
    Xtr_s, Xte_s = scaler.transform(Xtr), scaler.transform(Xte)
    for solver, kw in (("normal", {}), ("gd", dict(learning_rate=0.3, max_iter=5000))):
        model, t = ctx.timed(LinearRegression(solver=solver, **kw).fit, Xtr_s, ytr)
        sk_val = sk_t = None
        if ctx.use_sklearn:
            from sklearn.linear_model import LinearRegression as SkLinear

            sk, sk_t = ctx.timed(SkLinear().fit, Xtr_s, ytr)
            sk_val = r2_score(yte, sk.predict(Xte_s))
        ctx.row("diabetes", f"LinearRegression({solver})", "test R2", r2_score(yte, model.predict(Xte_s)), t,
                sk_val, sk_t)
    fig, axes = subplots(1, 2 if ctx.use_sklearn else 1, figsize=(10, 4), squeeze=False)
    lims = [float(min(yte.min(), model.predict(Xte_s).min())), float(max(yte.max(), model.predict(Xte_s).max()))]
    panels = [(axes[0, 0], model, "pyml", style.PRIMARY)] + ([(axes[0, 1], sk, "scikit-learn", style.ACCENT)]
                                                             if ctx.use_sklearn else [])
    for ax, est, who, colour in panels:
        ax.scatter(yte, est.predict(Xte_s), s=10, c=colour, label="test patients")
        ax.plot(lims, lims, "--", c=style.REFERENCE, lw=1, label="y = x (perfect prediction)")
        ax.set(title=f"{who}: predicted vs true disease progression",
               xlabel="true disease progression after one year (score)", ylabel="predicted progression (score)")
        ax.legend(loc="upper left")
    ctx.savefig(fig, "diabetes-predictions")

    # 3. Logistic regression with a linear boundary; the sigmoid.
    ctx.step("logistic regression (exam scores), decision boundary")
    X, y = make_exam_scores(100, random_state=1)
    Xn, mu, sigma = zscore_normalize_features(X)
    clf, t = ctx.timed(LogisticRegression(solver="gd", learning_rate=1.0, max_iter=3000, reg_lambda=0.0).fit, Xn, y)
    ctx.row("exam scores", "LogisticRegression(gd)", "train accuracy", clf.score(Xn, y), t)
    fig, axes = subplots(1, 2, figsize=(11, 4))
    plot.DecisionBoundaryDisplay.from_estimator(clf, Xn, y).plot(
        ax=axes[0], feature_names=("exam 1 score (z-score)", "exam 2 score (z-score)"),
        class_names=("not admitted", "admitted"), title="Exam scores: logistic regression's linear boundary")
    plot.SigmoidDisplay.from_range().plot(ax=axes[1])
    ctx.savefig(fig, "logistic-boundary-and-sigmoid")

    # 4. Polynomial features + regularisation (microchips).
    ctx.step("regularised logistic regression on mapped features (microchip QA)")
    X, y = make_microchip_qa(118, random_state=2)

    def mapped(A):
        return map_feature(A[:, 0], A[:, 1])

    fig, axes = subplots(1, 3, figsize=(15, 4.4))
    for ax, lam, lesson in zip(axes, (0.0, 1.0, 40.0), ("overfit", "just right", "underfit")):
        clf, t = ctx.timed(LogisticRegression(reg_lambda=lam, max_iter=200).fit, mapped(X), y)
        acc = clf.score(mapped(X), y)
        ctx.row("microchip QA", f"LogisticRegression(lambda={lam:g}) 27 features", "train accuracy", acc, t)
        plot.DecisionBoundaryDisplay.from_estimator(clf, X, y, feature_map=mapped).plot(
            ax=ax, feature_names=("microchip test 1", "microchip test 2"), class_names=("rejected", "accepted"))
        ax.set_title(f"λ = {lam:g}: {lesson} (train accuracy {acc:.2f})")
    ctx.savefig(fig, "regularisation")

    # 5. Real binary data and 6. multinomial (softmax) regression, against scikit-learn.
    for name, loader, lam in (("breast cancer", load_breast_cancer, 1.0), ("optdigits (10 classes)", load_digits, 1.0)):
        ctx.step(f"logistic regression on {name}")
        X, y = loader(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        scaler = StandardScaler().fit(Xtr)
        Xtr_s, Xte_s = scaler.transform(Xtr), scaler.transform(Xte)
        clf, t = ctx.timed(LogisticRegression(reg_lambda=lam).fit, Xtr_s, ytr)
        sk_val = sk_t = None
        if ctx.use_sklearn:
            from sklearn.linear_model import LogisticRegression as SkLogistic

            sk, sk_t = ctx.timed(SkLogistic(C=1.0 / lam, max_iter=5000).fit, Xtr_s, ytr)
            sk_val = accuracy_score(yte, sk.predict(Xte_s))
        ctx.row(name, "LogisticRegression(newton)", "test accuracy", accuracy_score(yte, clf.predict(Xte_s)), t,
                sk_val, sk_t)
    fig, ax = subplots()
    plot.CostHistoryDisplay.from_histories({"Newton-CG (digits)": clf.cost_history_}).plot(
        ax=ax, xlabel="Newton iteration", ylabel="cost J(w, b) (cross-entropy + L2)",
        title="Softmax regression on the digits: Newton converges in a few steps")
    ctx.savefig(fig, "newton-cost-history")
