"""Course 3, week 2: collaborative filtering (the lab's cost, ALS and the lab's Adam,
a new user's recommendations, similar items) and the content-based two-tower network."""
import numpy as np

NAME = "c3-recsys"
TITLE = "Course 3 week 2: recommender systems (collaborative filtering, content-based two-tower network)"
ORDER = 50


def _synthetic_two_tower_data(n=6000, seed=0):
    """User (14) / item (16) features and a rating in [-1, 1] that depends on both (the lab's shapes)."""
    rng = np.random.default_rng(seed)
    user = rng.normal(size=(n, 14)).astype(np.float32)
    item = rng.normal(size=(n, 16)).astype(np.float32)
    taste = user[:, :4] @ rng.normal(size=(4, 4)).astype(np.float32)
    y = np.tanh(0.6 * np.sum(taste * item[:, :4], axis=1, keepdims=True) + 0.2 * user[:, 4:5])
    return user, item, y.astype(np.float32)


def _collaborative_filtering(ctx):
    from pyml.datasets import make_ratings
    from pyml.plot import CostHistoryDisplay, ItemEmbeddingDisplay, PredictedVsActualDisplay, subplots
    from pyml.recommender import CollaborativeFiltering, cofi_cost_func, normalize_ratings

    ctx.step("the lab's cost J(X, W, b) on synthetic low-rank ratings (400 users x 600 items)")
    data = make_ratings(n_users=400, n_items=600, n_features=6, density=0.08, noise=0.3, random_state=0)
    Ynorm, Ymean = normalize_ratings(data.Y, data.R)
    rng = np.random.default_rng(1)
    X0, W0, b0 = rng.normal(size=(600, 6)), rng.normal(size=(400, 6)), rng.normal(size=(1, 400))
    J, t = ctx.timed(cofi_cost_func, X0, W0, b0, Ynorm, data.R, 1.5)
    ctx.row(f"ratings {int(data.R.sum())} of 600x400", "cofi_cost_func (random X, W, b)", "J", float(J), t)

    perm = np.random.default_rng(0).permutation(len(data.y))
    n_test = len(perm) // 5
    te, tr = perm[:n_test], perm[n_test:]
    models = {}
    for label, est in (("ALS (default solver)", CollaborativeFiltering(reg_lambda=2.0, random_state=0)),
                       ("Adam, the lab's training", CollaborativeFiltering(n_features=20, reg_lambda=1.0,
                                                                           solver="adam", max_iter=200,
                                                                           random_state=0))):
        ctx.step(f"CollaborativeFiltering: {label}")
        model, t = ctx.timed(est.fit, data.X[tr], data.y[tr])
        rmse = float(np.sqrt(np.mean((model.predict(data.X[te]) - data.y[te]) ** 2)))
        ctx.row("synthetic ratings 80/20", f"CollaborativeFiltering {label}", "test RMSE", rmse, t)
        models[label] = model
    baseline = float(np.sqrt(np.mean((data.y[tr].mean() - data.y[te]) ** 2)))
    ctx.row("synthetic ratings 80/20", "global mean (baseline)", "test RMSE", baseline, None)
    als, adam = models["ALS (default solver)"], models["Adam, the lab's training"]

    fig, ax = subplots(figsize=(6, 4))
    CostHistoryDisplay.from_histories({"Adam (lab)": adam.cost_history_}).plot(
        ax=ax, xlabel="Adam iteration", ylabel="cost J(X, W, b)",
        title="Collaborative filtering: cost J per Adam iteration")
    ctx.savefig(fig, "cost-history")

    ctx.step("a new user rates three items: fold_in (no retraining) and their top recommendations")
    new_user = als.fold_in(items=[3, 10, 42], ratings=[5.0, 4.5, 1.0])
    items, scores = als.recommend(new_user, n=5)
    for rank, (i, s) in enumerate(zip(items, scores), 1):
        ctx.row("new user (rated items 3, 10, 42)", f"recommendation #{rank}: item {int(i)}", "predicted rating",
                float(s), None)
    near, d2 = als.similar_items(10, n=3)
    for i, d in zip(near, d2):
        ctx.row("similar to item 10", f"item {int(i)}", "||x_k - x_10||^2", float(d), None)

    titles = {int(i): f"item {int(i)}" for i in als.item_ids_}
    fig, ax = subplots(figsize=(6, 5))
    ItemEmbeddingDisplay.from_estimator(als, titles=titles, n_annotate=8, ax=ax)
    ctx.savefig(fig, "item-features-pca")
    fig, axes = subplots(1, 2, figsize=(11, 4))
    PredictedVsActualDisplay.from_estimator(als, data.X[te], data.y[te], histogram=True, ax=axes)
    ctx.savefig(fig, "predicted-vs-actual")


def _two_tower(ctx):
    from pyml.neural_network import Adam, Dense, Dot, Input, MeanSquaredError, Model, Sequential, l2_normalize
    from pyml.plot import TrainingHistoryDisplay, subplots

    ctx.step("content-based filtering: the lab's two-tower network (14 -> 256 -> 128 -> 32 per tower), synthetic data")
    user, item, y = _synthetic_two_tower_data()
    n_tr = int(0.8 * len(y))
    user_NN = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)], random_state=1)
    item_NN = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)], random_state=2)
    input_user, input_item = Input(shape=(14,)), Input(shape=(16,))
    vu = l2_normalize(user_NN(input_user), axis=1)
    vm = l2_normalize(item_NN(input_item), axis=1)
    model = Model([input_user, input_item], Dot(axes=1)([vu, vm]))
    model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
    history, t = ctx.timed(model.fit, [user[:n_tr], item[:n_tr]], y[:n_tr], epochs=10, batch_size=32,
                           validation_data=([user[n_tr:], item[n_tr:]], y[n_tr:]), verbose=0)
    ctx.row(f"{n_tr} train rows, {model.count_params()} weights", "two-tower Model, 10 epochs", "train MSE",
            float(history.history["loss"][-1]), t)
    ctx.row(f"{len(y) - n_tr} test rows", "two-tower Model", "test MSE",
            float(model.evaluate([user[n_tr:], item[n_tr:]], y[n_tr:])), None)
    ctx.row(f"{len(y) - n_tr} test rows", "predict the mean (baseline)", "test MSE",
            float(np.mean((y[n_tr:] - y[:n_tr].mean()) ** 2)), None)
    fig, ax = subplots(figsize=(6, 4))
    TrainingHistoryDisplay.from_history(history, keys=["loss", "val_loss"]).plot(
        ax=ax, ylabel="loss (mean squared error)", labels={"val_loss": "test loss"},
        title="Two-tower network: train and test loss")
    ctx.savefig(fig, "two-tower-loss")


def run(ctx):
    _collaborative_filtering(ctx)
    _two_tower(ctx)
