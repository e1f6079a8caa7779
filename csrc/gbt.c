/* Gradient boosting (XGBoost-style second-order trees on histograms): the
 * per-round gradients and loss in fixed row blocks, one tree per output grown
 * by the tree grower (tree.c), the raw-score update, row / feature subsampling
 * and early stopping on an evaluation set. */
#include "tree_grow.h"

/* --------------------------------------------------------- boosting ----- */

#define GBT_BLOCK 4096

/* Gradients (when gh != NULL, layout (K, n, 2)) and the summed loss of raw
 * scores, in fixed row blocks combined in order. With row weights w (NULL =
 * 1) the gradient, hessian and loss of row i are multiplied by w_i; hessians
 * are floored at 1e-16 before that, so only rows of weight 0 have h = 0 (and
 * leave the histogram bins they fall in empty). */
static double gbt_grad_loss(int obj, int K, const double *y, const double *raw, const double *w, pyml_index n,
                            double *gh, double *partial, int n_threads)
{
    pyml_index nb = pyml_n_blocks(n, GBT_BLOCK);
    int nthr = n_threads;
    if (nb < nthr) nthr = (int)(nb > 0 ? nb : 1);
#pragma omp parallel for num_threads(nthr) schedule(static) if (nthr > 1)
    for (pyml_index blk = 0; blk < nb; blk++) {
        pyml_index i0 = blk * GBT_BLOCK, i1 = i0 + GBT_BLOCK < n ? i0 + GBT_BLOCK : n;
        double acc = 0;
        /* logistic: sum log(1 + e_i) as the log of products of 64 factors in
         * (1, 2] (no overflow below 2^1023): one log per 64 rows */
        double prod = 1.0;
        int np_ = 0;
        for (pyml_index i = i0; i < i1; i++) {
            const double wi = w ? w[i] : 1.0;
            if (obj == PYML_OBJ_SQUARED) {
                double r = raw[i] - y[i];
                acc += wi * r * r;
                if (gh) { gh[2 * i] = wi * r; gh[2 * i + 1] = wi; }
            } else if (obj == PYML_OBJ_LOGISTIC && !w) {
                /* one exp serves the loss and the probability */
                double z = raw[i];
                double e = exp(-fabs(z));
                acc += (z > 0 ? z : 0.0) - y[i] * z;
                prod *= 1.0 + e;
                if (++np_ == 64) {
                    acc += log(prod);
                    prod = 1.0;
                    np_ = 0;
                }
                if (gh) {
                    double pr = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                    double h = pr * (1.0 - pr);
                    gh[2 * i] = pr - y[i];
                    gh[2 * i + 1] = h > 1e-16 ? h : 1e-16;
                }
            } else if (obj == PYML_OBJ_LOGISTIC) {
                double z = raw[i];
                double e = exp(-fabs(z));
                acc += wi * ((z > 0 ? z : 0.0) - y[i] * z + log1p(e));
                if (gh) {
                    double pr = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
                    double h = pr * (1.0 - pr);
                    gh[2 * i] = wi * (pr - y[i]);
                    gh[2 * i + 1] = wi * (h > 1e-16 ? h : 1e-16);
                }
            } else {
                const double *z = raw + (size_t)i * K;
                double mx = z[0];
                for (int k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
                double se = 0;
                for (int k = 0; k < K; k++) se += exp(z[k] - mx);
                double lse = mx + log(se);
                int yi = (int)y[i];
                acc += wi * (lse - z[yi]);
                if (gh) {
                    for (int k = 0; k < K; k++) {
                        double pr = exp(z[k] - lse);
                        double h = pr * (1.0 - pr);
                        double *o = gh + ((size_t)k * n + i) * 2;
                        o[0] = wi * (pr - (k == yi ? 1.0 : 0.0));
                        o[1] = wi * (h > 1e-16 ? h : 1e-16);
                    }
                }
            }
        }
        partial[blk] = acc + log(prod);
    }
    double total = 0;
    for (pyml_index blk = 0; blk < nb; blk++) total += partial[blk];
    return total;
}

/* raw[i*K + k] += value of the leaf row i falls in (binned traversal). */
static void gbt_add_tree(const pyml_tree_arrays *t, const uint8_t *codes, pyml_index n, pyml_index d, double *raw,
                         int K, int k, int n_threads)
{
    int nthr = (int)(n / GBT_BLOCK) < n_threads ? (int)(n / GBT_BLOCK) : n_threads;
    if (nthr < 1) nthr = 1;
#pragma omp parallel for num_threads(nthr) schedule(static) if (nthr > 1)
    for (pyml_index i = 0; i < n; i++) {
        int32_t node = 0;
        const uint8_t *c = codes + (size_t)i * d;
        while (t->feature[node] >= 0)
            node = c[t->feature[node]] <= t->split_bin[node] ? t->left[node] : t->right[node];
        raw[(size_t)i * K + k] += t->value[node];
    }
}

/* Growers of one boosting fit: the K trees of a softmax round are grown in
 * parallel, one per thread (each with its own workspace). */
#define MAX_GROWERS 16

static int gbt_growers(int K, int n_threads)
{
    int ng = K > 1 ? (n_threads < K ? n_threads : K) : 1;
    return ng < MAX_GROWERS ? ng : MAX_GROWERS;
}

size_t pyml_gbt_workspace_size(const pyml_tree_params *p, const pyml_gbt_params *gp, pyml_index n, pyml_index d,
                               int nb_max, pyml_index capacity, pyml_index n_eval, int n_threads)
{
    pyml_index nmax = n > n_eval ? n : n_eval;
    return (size_t)gbt_growers(gp->n_outputs, n_threads) * pyml_tree_workspace_size(p, n, d, nb_max, capacity, 1) +
           ALIGN64(sizeof(double) * 2 * (size_t)n * (size_t)gp->n_outputs) +
           ALIGN64(sizeof(double) * (size_t)(pyml_n_blocks(nmax, GBT_BLOCK) + 1)) + ALIGN64(sizeof(int32_t) * d) +
           ALIGN64(sizeof(int32_t) * MAX_GROWERS) + 64;
}

int pyml_gbt_fit(const pyml_tree_data *D, const pyml_tree_params *tp, const pyml_gbt_params *gp,
                 const double *y, const double *sample_weight, double *raw, const uint8_t *eval_codes, pyml_index n_eval,
                 const double *eval_y, double *eval_raw, pyml_tree_arrays *out, int32_t *n_nodes,
                 double *train_loss, double *eval_loss, long *n_rounds_done, long *best_iteration,
                 void *work, size_t work_size, int n_threads, pyml_iteration_hook hook, void *hook_ctx)
{
    if (!D || !tp || !gp || !y || !raw || !out || !n_nodes || !train_loss || !n_rounds_done || !best_iteration ||
        !work)
        return PYML_ERR_NULL;
    if (tp->criterion != PYML_CRIT_NEWTON || tp->splitter != PYML_SPLIT_HIST) return PYML_ERR_VALUE;
    int st = pyml_tree_check_data(D, tp);
    if (st) return st;
    pyml_index n = D->n, d = D->d;
    int K = gp->n_outputs, obj = gp->objective;
    if (K < 1 || (obj != PYML_OBJ_SOFTMAX && K != 1) || gp->n_rounds < 0 || n_threads < 1) return PYML_ERR_SIZE;
    if (obj == PYML_OBJ_SOFTMAX)
        for (pyml_index i = 0; i < n; i++)
            if (!(y[i] >= 0 && y[i] < K)) return PYML_ERR_INDEX;
    if (sample_weight) {
        double tot = 0;
        for (pyml_index i = 0; i < n; i++) {
            if (!(sample_weight[i] >= 0 && sample_weight[i] < INFINITY)) return PYML_ERR_VALUE;
            tot += sample_weight[i];
        }
        if (!(tot > 0)) return PYML_ERR_VALUE;
    }
    if (n_eval > 0) {
        if (!eval_codes || !eval_y || !eval_raw || !eval_loss) return PYML_ERR_NULL;
        for (pyml_index i = 0; i < n_eval; i++) {
            if (obj == PYML_OBJ_SOFTMAX && !(eval_y[i] >= 0 && eval_y[i] < K)) return PYML_ERR_INDEX;
            for (pyml_index j = 0; j < d; j++)
                if (eval_codes[i * d + j] >= D->nbins[j]) return PYML_ERR_INDEX;
        }
    }
    if (work_size < pyml_gbt_workspace_size(tp, gp, n, d, D->nb_max, out->capacity, n_eval, n_threads))
        return PYML_ERR_WORKSPACE;
    int ng = gbt_growers(K, n_threads);
    grower gs[MAX_GROWERS];
    char *base = (char *)work;
    size_t tws = pyml_tree_workspace_size(tp, n, d, D->nb_max, out->capacity, 1);
    for (int i = 0; i < ng; i++) {
        grower *g = &gs[i];
        memset(g, 0, sizeof *g);
        pyml_tree_grower_init(g, base + (size_t)i * tws, D, tp, out->capacity, 1);
        g->yc = NULL;
        /* several trees at once: one thread each; one tree: all threads */
        g->n_threads = ng > 1 ? 1 : n_threads;
        g->rng = gp->seed; /* unused: boosting draws no per-node features */
        /* Level-wise growth when every node of the deepest split level can
         * keep its histogram (decided by the parameters only). */
        g->bfs = tp->max_leaves <= 0 && tp->max_depth >= 1 && tp->max_depth <= 24 &&
                 g->n_slots >= (1 << (tp->max_depth - 1)) + 1;
    }
    carver cc = {base + (size_t)ng * tws, 0}, *cur = &cc;
    double *gh = (double *)pyml_tree_carve(cur, sizeof(double) * 2 * (size_t)n * K);
    pyml_index nmax = n > n_eval ? n : n_eval;
    double *partial = (double *)pyml_tree_carve(cur, sizeof(double) * (size_t)(pyml_n_blocks(nmax, GBT_BLOCK) + 1));
    int32_t *perm = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * d);
    int32_t *mrows = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * MAX_GROWERS);
    /* Row and column subsamples come from one stream, drawn tree by tree in
     * order, so they do not depend on how trees are spread over threads. */
    uint64_t rng = gp->seed;
    double w_total = (double)n;
    if (sample_weight) {
        w_total = 0;
        for (pyml_index i = 0; i < n; i++) w_total += sample_weight[i];
    }
    double loss = gbt_grad_loss(obj, K, y, raw, sample_weight, n, gh, partial, n_threads) / w_total;
    double best = INFINITY;
    long best_it = -1, t;
    int ncol = (int)(gp->colsample_bytree * (double)d + 0.5);
    if (ncol < 1) ncol = 1;
    if (ncol > d) ncol = (int)d;
    int status = PYML_OK;
    for (t = 0; t < gp->n_rounds; t++) {
        /* The K trees of a round (one per class) all fit the gradients of
         * the round's start, in waves of ng trees grown in parallel. */
        for (int k0 = 0; k0 < K; k0 += ng) {
            int nk = K - k0 < ng ? K - k0 : ng;
            for (int j = 0; j < nk; j++) {
                int k = k0 + j;
                grower *g = &gs[j];
                g->out = pyml_tree_slice(out, (int)(t * K + k), 1);
                g->rs = gh + (size_t)k * n * 2;
                /* Column subsample: a sorted random subset of the features. */
                for (int c = 0; c < d; c++) perm[c] = c;
                if (ncol < d) {
                    for (int i = 0; i < ncol; i++) {
                        int c = i + (int)pyml_rand_below(&rng, (uint64_t)(d - i));
                        int32_t tmp = perm[i];
                        perm[i] = perm[c];
                        perm[c] = tmp;
                    }
                    /* insertion sort keeps histogram access in feature order */
                    for (int i = 1; i < ncol; i++) {
                        int32_t v = perm[i];
                        int c = i - 1;
                        while (c >= 0 && perm[c] > v) { perm[c + 1] = perm[c]; c--; }
                        perm[c + 1] = v;
                    }
                }
                g->n_active = ncol;
                memcpy(g->active, perm, sizeof(int32_t) * ncol);
                int32_t m = 0;
                if (gp->subsample < 1.0) {
                    for (pyml_index i = 0; i < n; i++)
                        if (pyml_rand_unit(&rng) < gp->subsample) g->rows[m++] = (int32_t)i;
                } else {
                    for (pyml_index i = 0; i < n; i++) g->rows[m++] = (int32_t)i;
                }
                if (m == 0) g->rows[m++] = 0;
                mrows[j] = m;
            }
            if (nk == 1) {
                /* no enclosing parallel construct (even an inactive one):
                 * the tree's own parallel loops must run at the top level,
                 * where OpenMP reuses its thread pool */
                pyml_tree_grow(&gs[0], mrows[0]);
            } else {
#pragma omp parallel for num_threads(nk) schedule(dynamic, 1)
                for (int j = 0; j < nk; j++) pyml_tree_grow(&gs[j], mrows[j]);
            }
            /* Add the wave's trees to the scores. */
            for (int j = 0; j < nk; j++) {
                int k = k0 + j;
                grower *g = &gs[j];
                n_nodes[t * K + k] = g->n_nodes;
                pyml_tree_arrays tr = pyml_tree_slice(out, (int)(t * K + k), 1);
                if (gp->subsample >= 1.0) {
                    /* Every row sits in one leaf's segment of g->rows: add
                     * the leaf values directly, no traversal needed. Serial:
                     * leaves interleave in row order, so threads writing
                     * different leaves would share cache lines of raw (2
                     * threads measured 2.4x slower than 1). */
                    const int32_t *rows = g->rows, *ns = g->nstart, *ne = g->nend;
                    for (int32_t nd = 0; nd < g->n_nodes; nd++) {
                        if (tr.feature[nd] >= 0) continue;
                        double v = tr.value[nd];
                        for (int32_t q = ns[nd]; q < ne[nd]; q++) raw[(size_t)rows[q] * K + k] += v;
                    }
                } else {
                    gbt_add_tree(&tr, D->codes, n, d, raw, K, k, n_threads);
                }
                if (n_eval > 0) gbt_add_tree(&tr, eval_codes, n_eval, d, eval_raw, K, k, n_threads);
            }
        }
        loss = gbt_grad_loss(obj, K, y, raw, sample_weight, n, gh, partial, n_threads) / w_total;
        train_loss[t] = loss;
        int stop = 0;
        if (n_eval > 0) {
            double el = gbt_grad_loss(obj, K, eval_y, eval_raw, NULL, n_eval, NULL, partial, n_threads) /
                        (double)n_eval;
            eval_loss[t] = el;
            if (el < best) {
                best = el;
                best_it = t;
            } else if (gp->early_stopping_rounds > 0 && t - best_it >= gp->early_stopping_rounds) {
                stop = 1;
            }
        }
        if (!isfinite(loss)) {
            status = PYML_ERR_NONFINITE;
            t++;
            break;
        }
        if (hook) {
            int h = hook(hook_ctx, t, loss);
            if (h < 0) {
                status = PYML_ERR_INTERRUPTED;
                t++;
                break;
            }
            if (h > 0) stop = 1;
        }
        if (stop) {
            t++;
            break;
        }
    }
    *n_rounds_done = t;
    *best_iteration = (n_eval > 0 && best_it >= 0) ? best_it : t - 1;
    return status;
}

