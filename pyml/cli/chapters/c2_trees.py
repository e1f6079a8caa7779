"""Course 2, week 4: decision trees, random forests, XGBoost-style boosting."""
import io
from contextlib import redirect_stdout

import numpy as np

NAME = "c2-trees"
TITLE = "Course 2 week 4: decision trees (entropy, information gain), random forests, boosted trees"
ORDER = 30


def run(ctx):
    from pyml.plot import subplots

    from pyml import plot
    from pyml.plot import _style as style
    from pyml.datasets import load_digits, load_mushroom
    from pyml.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from pyml.metrics import accuracy_score
    from pyml.model_selection import train_test_split
    from pyml.preprocessing import OneHotEncoder
    from pyml.tree import (
        DecisionTreeClassifier, build_tree_recursive, compute_entropy, compute_information_gain, export_text,
        get_best_split,
    )

    # 1. The lab's 10 mushrooms: entropy, information gains, the recursive tree.
    ctx.step("the course's 10-mushroom example (Brown Cap, Tapering Stalk, Solitary -> edible)")
    X10 = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1],
                    [0, 1, 1], [0, 0, 0], [1, 0, 1], [0, 1, 0], [1, 0, 0]])
    y10 = np.array([1, 1, 0, 0, 1, 0, 0, 1, 1, 0])
    root = list(range(10))
    names10 = ["Brown Cap", "Tapering Stalk Shape", "Solitary"]
    ctx.step(f"entropy at the root: {compute_entropy(y10):.4f} bits")
    for j, name in enumerate(names10):
        gain = compute_information_gain(X10, y10, root, j)
        ctx.step(f"  information gain splitting the root on {name!r} (feature {j}): {gain!r}")
        ctx.row("10 mushrooms", f"gain of feature {j}", "bits", float(gain), None)
    ctx.step(f"best split: feature {get_best_split(X10, y10, root)}")
    buf = io.StringIO()
    with redirect_stdout(buf):
        build_tree_recursive(X10, y10, root, "Root", max_depth=2, current_depth=0)
    for line in buf.getvalue().splitlines():
        ctx.step("  " + line)

    # 2. The full UCI mushroom data, one-hot encoded: one tree is enough.
    ctx.step("full UCI mushroom data (8124 x 22 categorical -> one-hot), entropy tree")
    mush = load_mushroom()
    enc = OneHotEncoder()
    Xm = enc.fit_transform(mush.X)
    names_m = list(enc.get_feature_names_out(mush.feature_names))
    Xtr, Xte, ytr, yte = train_test_split(Xm, mush.y, test_size=0.25, random_state=0)
    tree, t = ctx.timed(DecisionTreeClassifier(criterion="entropy", max_depth=5).fit, Xtr, ytr)
    sk_val = sk_t = None
    if ctx.use_sklearn:
        from sklearn.tree import DecisionTreeClassifier as SkTree

        sk, sk_t = ctx.timed(SkTree(criterion="entropy", max_depth=5, random_state=0).fit, Xtr, ytr)
        sk_val = accuracy_score(yte, sk.predict(Xte))
    ctx.row("mushroom", "DecisionTree(entropy, depth 5)", "test accuracy", accuracy_score(yte, tree.predict(Xte)), t,
            sk_val, sk_t)
    for line in export_text(tree, feature_names=names_m, class_names=mush.target_names, max_depth=2).splitlines():
        ctx.step("  " + line)
    # the depth-5 tree's top three levels; deeper subtrees end in a "…" box
    disp = plot.TreeDisplay.from_estimator(tree, feature_names=names_m, class_names=mush.target_names,
                                           max_depth=3).plot(
        title="UCI mushrooms: entropy tree (depth 5), its top three levels; one-hot feature_value <= 0.5 means "
              "'not that value'")
    ctx.savefig(disp.figure_, "mushroom-tree")

    # 3. A forest and a boosted model on the digits (real data, 10 classes).
    ctx.step("random forest and XGBoost-style boosting on the UCI digits (8x8, 10 classes)")
    Xtr, ytr = load_digits(split="train", return_X_y=True)
    Xte, yte = load_digits(split="test", return_X_y=True)
    forest, t = ctx.timed(RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1).fit, Xtr, ytr)
    sk_val = sk_t = None
    if ctx.use_sklearn:
        from sklearn.ensemble import RandomForestClassifier as SkForest

        sk, sk_t = ctx.timed(SkForest(n_estimators=100, random_state=0, n_jobs=-1).fit, Xtr, ytr)
        sk_val = accuracy_score(yte, sk.predict(Xte))
    ctx.row("digits", "RandomForest(100 trees)", "test accuracy", accuracy_score(yte, forest.predict(Xte)), t,
            sk_val, sk_t)
    Xfit, Xval, yfit, yval = train_test_split(Xtr, ytr, test_size=0.2, random_state=0)
    gb, t = ctx.timed(GradientBoostingClassifier(n_estimators=300, learning_rate=0.2, max_depth=4,
                                                 early_stopping_rounds=10, random_state=0).fit,
                      Xfit, yfit, eval_set=[(Xval, yval)])
    sk_val = sk_t = None
    if ctx.use_sklearn:
        from sklearn.ensemble import HistGradientBoostingClassifier as SkHGB

        hgb = SkHGB(max_iter=300, learning_rate=0.2, max_depth=4, early_stopping=True, validation_fraction=0.2,
                    n_iter_no_change=10, random_state=0)
        sk, sk_t = ctx.timed(hgb.fit, Xtr, ytr)
        sk_val = accuracy_score(yte, sk.predict(Xte))
    ctx.row("digits", f"GradientBoosting(best round {gb.best_iteration_})", "test accuracy",
            accuracy_score(yte, gb.predict(Xte)), t, sk_val, sk_t)
    fig, axes = subplots(1, 2, figsize=(12, 5))
    pix = [f"px({i // 8},{i % 8})" for i in range(64)]
    plot.FeatureImportanceDisplay(forest.feature_importances_, pix, top=15).plot(
        ax=axes[0], ylabel="pixel (row, column) of the 8x8 digit", title="random forest: top pixels")
    plot.FeatureImportanceDisplay(gb.feature_importances_, pix, top=15).plot(
        ax=axes[1], ylabel="pixel (row, column) of the 8x8 digit", title="boosting: top pixels (gain)")
    ctx.savefig(fig, "feature-importances")
    fig, ax = subplots(figsize=(6, 4))
    plot.TrainingHistoryDisplay({"train": gb.train_loss_, "validation": gb.validation_loss_},
                                keys=["train", "validation"]).plot(
        ax=ax, xlabel="boosting round", ylabel="loss (softmax cross-entropy)", start=0,
        labels={"train": "training loss", "validation": "validation loss (early stopping)"},
        title=f"Boosting on the digits: stopped {len(gb.validation_loss_) - 1 - gb.best_iteration_} rounds "
              "after the best")
    ax.axvline(gb.best_iteration_, c=style.BEST, ls="--", label=f"best round ({gb.best_iteration_})")
    ax.legend()
    ctx.savefig(fig, "boosting-loss")
