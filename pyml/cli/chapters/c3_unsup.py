"""Course 3, week 1: k-means (lab steps, estimator, elbow, image compression)
and Gaussian anomaly detection (server metrics, threshold by F1)."""
import numpy as np

NAME = "c3-unsup"
TITLE = "Course 3 week 1: k-means clustering and Gaussian anomaly detection"
ORDER = 40


def run(ctx):
    from pyml.anomaly import GaussianAnomalyDetector, estimate_gaussian, multivariate_gaussian, select_threshold
    from pyml.cluster import KMeans, compress_image, kmeans_plusplus, run_kmeans
    from pyml.datasets import make_blobs, make_server_metrics
    from pyml.plot import (
        DensityContourDisplay, ElbowDisplay, F1ThresholdDisplay, ImageCompressionDisplay, KMeansProgressDisplay,
        sample_image, subplots,
    )

    # 1. The lab's loop on 2-D blobs, with the centroid trajectories.
    ctx.step("k-means lab steps (find_closest_centroids / compute_centroids) on 2-D blobs")
    X, blob = make_blobs(300, 2, centers=3, cluster_std=0.9, random_state=7)
    # a poor start: two centroids inside the most isolated blob, one halfway between the other two ->
    # k-means converges to a local optimum that merges two blobs
    c = np.array([X[blob == j].mean(axis=0) for j in range(3)])
    gaps = np.linalg.norm(c[:, None] - c[None], axis=2) + np.diag([np.inf] * 3)
    a = int(np.argmax(gaps.min(axis=1)))
    b, d = [j for j in range(3) if j != a]
    poor = np.array([c[a] - 0.5, c[a] + 0.5, (c[b] + c[d]) / 2])
    (cents, idx, history), t = ctx.timed(run_kmeans, X, poor, 10)
    inertia = float(((X - cents[idx]) ** 2).sum())
    ctx.row("blobs 300x2", "run_kmeans (10 it), poor start", "inertia", inertia, t)
    (cents_pp, idx_pp, history_pp), t = ctx.timed(run_kmeans, X, kmeans_plusplus(X, 3, random_state=0)[0], 10)
    inertia_pp = float(((X - cents_pp[idx_pp]) ** 2).sum())
    ctx.row("blobs 300x2", "run_kmeans (10 it), k-means++ start", "inertia", inertia_pp, t)
    fig, axes = subplots(1, 2, figsize=(11, 4.6))
    blob_features = (r"feature $x_1$ (synthetic blobs, no unit)", r"feature $x_2$ (synthetic blobs, no unit)")
    KMeansProgressDisplay(X, idx, history).plot(
        ax=axes[0], title=f"poor start: stuck in a local optimum (inertia {inertia:.0f})", feature_names=blob_features)
    KMeansProgressDisplay(X, idx_pp, history_pp).plot(
        ax=axes[1], title=f"k-means++ start: the three blobs (inertia {inertia_pp:.0f})", feature_names=blob_features)
    ctx.savefig(fig, "kmeans-progress")

    # 2. The estimator against scikit-learn from the same initial centres.
    ctx.step("KMeans (Lloyd, Hamerly) vs scikit-learn on 50k x 8 blobs, same initial centres")
    Xb, _ = make_blobs(50_000, 8, centers=10, random_state=0)
    init = Xb[np.random.default_rng(0).choice(len(Xb), 10, replace=False)]
    sk_val = sk_t = None
    if ctx.use_sklearn:
        from sklearn.cluster import KMeans as SKKMeans

        sk, sk_t = ctx.timed(SKKMeans(10, init=init, n_init=1, max_iter=50, tol=0).fit, Xb)
        sk_val = float(sk.inertia_)
    for alg in ("lloyd", "hamerly"):
        km, t = ctx.timed(KMeans(10, init=init, max_iter=50, tol=0, algorithm=alg).fit, Xb)
        ctx.row("blobs 50000x8", f"KMeans {alg} ({km.n_iter_} it)", "inertia", km.inertia_, t, sk_val, sk_t)
    km, t = ctx.timed(KMeans(10, random_state=0).fit, Xb)
    ctx.row("blobs 50000x8", "KMeans k-means++", "inertia", km.inertia_, t)

    ctx.step("elbow curve")
    fig, ax = subplots(figsize=(6, 4))
    ElbowDisplay.from_data(make_blobs(2000, 2, centers=4, random_state=3)[0], range(1, 9), ax=ax)
    ctx.savefig(fig, "elbow")

    # 3. Image compression to 16 colours.
    ctx.step("image compression to 16 colours (matplotlib's sample image)")
    img = sample_image("grace_hopper.jpg", step=4)
    (out, palette), t = ctx.timed(compress_image, img, 16, random_state=0)
    mse = float(np.mean((out.astype(float) - img.astype(float)) ** 2))
    sk_val = sk_t = None
    if ctx.use_sklearn:
        from sklearn.cluster import KMeans as SKKMeans

        pix = img.reshape(-1, 3).astype(np.float32)
        sk, sk_t = ctx.timed(SKKMeans(16, n_init=1, max_iter=10, tol=0, random_state=0).fit, pix)
        sk_val = float(np.mean((np.rint(sk.cluster_centers_[sk.labels_]) - pix) ** 2))
    ctx.row(f"grace_hopper {img.shape[0]}x{img.shape[1]}", "compress_image k=16", "pixel MSE", mse, t, sk_val, sk_t)
    disp = ImageCompressionDisplay(img, out, palette).plot()
    ctx.savefig(disp.figure_, "image-compression")

    # 4. Anomaly detection on server metrics (the lab's part 1).
    ctx.step("Gaussian anomaly detection on server latency / throughput")
    Xtr, _ = make_server_metrics(307, random_state=0, anomaly_fraction=0.02)
    Xval, yval = make_server_metrics(307, random_state=1, anomaly_fraction=0.03)
    mu, var = estimate_gaussian(Xtr)
    p_val = multivariate_gaussian(Xval, mu, var)
    (eps, f1), t = ctx.timed(select_threshold, yval, p_val)
    ctx.row("server metrics 307x2", "select_threshold (lab grid)", "F1", f1, t)
    det = GaussianAnomalyDetector(epsilon=eps).fit(Xtr)
    ctx.row("server metrics 307x2", "flagged in training set", "count", int(det.predict(Xtr).sum()), None)
    fig, ax = subplots(figsize=(6, 5))
    DensityContourDisplay.from_estimator(
        det, Xtr, ax=ax, feature_names=("latency (ms)", "throughput (mb/s)"), data_label="servers",
        title=f"Server metrics: Gaussian log p contours, ε = {eps:.3g}")
    ctx.savefig(fig, "density-contours")
    fig, ax = subplots(figsize=(6, 4))
    F1ThresholdDisplay.from_predictions(yval, p_val, ax=ax)
    ctx.savefig(fig, "f1-vs-epsilon")

    # 5. High-dimensional part: the linear grid vs the exact scan.
    ctx.step("high-dimensional server metrics (11 features): lab grid vs exact threshold scan")
    Xtr, _ = make_server_metrics(1000, random_state=2, anomaly_fraction=0.01, n_features=11)
    Xval, yval = make_server_metrics(1000, random_state=3, anomaly_fraction=0.05, n_features=11)
    for cov in ("diagonal", "full"):
        for method in ("grid", "exact"):
            det, t = ctx.timed(GaussianAnomalyDetector(covariance=cov).fit(Xtr).fit_threshold, Xval, yval,
                               method=method)
            ctx.row("server metrics 1000x11", f"{cov} cov, {method} threshold", "F1", det.f1_, t)
