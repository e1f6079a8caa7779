/* Tree growth: the grower's workspace layout, node values and split rules,
 * the row partition, level-wise and best-first growth, and pyml_tree_build
 * (one tree, or a forest of bootstrapped trees). The maths and data layout
 * are in tree.h; node statistics and gains in tree_grow.h; histograms and the
 * hist splitter's search in tree_hist.c (the exact splitter in
 * tree_exact.inc); the boosting loop in gbt.c; binning, prediction and the
 * radix sort in tree_bin.c. */
#include "tree_grow.h"

int pyml_tree_bootstrap_counts(uint64_t seed, pyml_index n, pyml_index n_draw, int32_t *counts)
{
    if (n <= 0 || n_draw < 0) return PYML_ERR_SIZE;
    if (!counts) return PYML_ERR_NULL;
    memset(counts, 0, sizeof(int32_t) * (size_t)n);
    uint64_t s = seed;
    for (pyml_index i = 0; i < n_draw; i++) counts[pyml_rand_below(&s, (uint64_t)n)]++;
    return PYML_OK;
}

/* ----------------------------------------------------------- grower ----- */

static int stats_size(const pyml_tree_params *p)
{
    switch (p->criterion) {
    case PYML_CRIT_GINI:
    case PYML_CRIT_ENTROPY: return p->n_classes + 1;
    case PYML_CRIT_MSE: return 4;
    default: return 3;
    }
}

/* Newton histograms drop the row count when min_samples_leaf <= 1: bins of
 * (G, H) pairs are 16 bytes (one vector add per update) and the count is
 * only needed for min_samples_leaf. Empty bins are those with H == 0 (every
 * row has h >= 1e-16). */
static int hist_stride(const pyml_tree_params *p)
{
    return (p->criterion == PYML_CRIT_NEWTON && p->min_samples_leaf <= 1) ? 2 : stats_size(p);
}

/* Lays the grower's buffers out in base (or only measures when base is NULL). */
static size_t grower_layout(grower *g, char *base, const pyml_tree_params *p, pyml_index n, pyml_index d,
                            int nb, pyml_index cap, int nthr)
{
    carver cc = {base, 0}, *cur = &cc;
    int S = stats_size(p);
    int Sh = hist_stride(p);
    int slots = p->splitter == PYML_SPLIT_HIST ? (p->hist_slots < 2 ? 2 : p->hist_slots) : 0;
    size_t he = (size_t)d * (size_t)nb * (size_t)Sh;
    grower tmp;
    grower *G = base ? g : &tmp;
    G->rows = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * n);
    G->tmp = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * n);
    G->sorted = G->srank = G->xtmp = G->fbuf = G->sp_pos = NULL;
    G->cbuf = NULL;
    G->flags = NULL;
    if (p->splitter == PYML_SPLIT_EXACT) {
        G->flags = (uint8_t *)pyml_tree_carve(cur, (size_t)n);
        int nt = nthr < 1 ? 1 : (nthr > MAX_LEVEL_THREADS ? MAX_LEVEL_THREADS : nthr);
        if (!p->exact_in_place) { /* else the caller's lists (init_exact) */
            G->sorted = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * (size_t)n * (size_t)d);
            G->srank = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * (size_t)n * (size_t)d);
        }
        G->xtmp = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * 2 * (size_t)n * (size_t)nt);
        G->fbuf = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * (size_t)EXACT_FBUF_ROWS * (size_t)d);
        G->cbuf = pyml_tree_carve(cur, EXACT_CAND_BYTES * (size_t)EXACT_FBUF_ROWS * (size_t)d);
        G->sp_pos = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    }
    G->hist = (double *)pyml_tree_carve(cur, sizeof(double) * he * (size_t)slots);
    G->hist_elems = he;
    G->n_slots = slots;
    G->slot_free = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * (size_t)(slots + 1));
    G->nstats = (double *)pyml_tree_carve(cur, sizeof(double) * (size_t)cap * S);
    G->lstats = (double *)pyml_tree_carve(cur, sizeof(double) * (size_t)cap * S);
    G->scratch = (double *)pyml_tree_carve(cur, sizeof(double) * 4 * (size_t)S * MAX_LEVEL_THREADS);
    G->fgain = (double *)pyml_tree_carve(cur, sizeof(double) * FEATURE_SLOTS * (size_t)d);
    G->fbin = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * FEATURE_SLOTS * (size_t)d);
    G->nstart = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->nend = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->ndepth = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->nslot = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->sp_feat = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->sp_bin = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->open = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->open2 = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->mid = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * cap);
    G->aux = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * 2 * cap);
    G->sp_gain = (double *)pyml_tree_carve(cur, sizeof(double) * cap);
    G->sp_thr = (double *)pyml_tree_carve(cur, sizeof(double) * cap);
    G->active = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * d);
    G->fsample = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * d);
    G->chunk_left = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * (size_t)(n / PART_CHUNK + 2));
    G->w = NULL;
    return cc.off + 64;
}

size_t pyml_tree_workspace_size(const pyml_tree_params *p, pyml_index n, pyml_index d, int nb_max,
                                pyml_index capacity, int n_threads)
{
    /* + per-row weights (double), generic row stats (n * 3 doubles), counts;
     * exact: labels, integer weights and the c log2 c table */
    size_t extra = ALIGN64(sizeof(double) * (size_t)n) + ALIGN64(sizeof(double) * 3 * (size_t)n) +
                   ALIGN64(sizeof(int32_t) * (size_t)n);
    if (p->splitter == PYML_SPLIT_EXACT)
        extra += ALIGN64((size_t)n) + ALIGN64(sizeof(int32_t) * (size_t)n) + ALIGN64(sizeof(double) * ((size_t)n + 1));
    return grower_layout(NULL, NULL, p, n, d, nb_max, capacity, n_threads) + extra;
}

static int acquire_slot(grower *g, int32_t except_node)
{
    if (g->n_free > 0) return g->slot_free[--g->n_free];
    /* Steal the histogram of an open leaf (it will be rebuilt if needed). */
    for (int i = 0; i < g->n_open; i++) {
        int32_t nd = g->open[i];
        if (nd != except_node && g->nslot[nd] >= 0) {
            int s = g->nslot[nd];
            g->nslot[nd] = -1;
            return s;
        }
    }
    return -1;
}

static void release_slot(grower *g, int32_t node)
{
    if (g->nslot[node] >= 0) {
        g->slot_free[g->n_free++] = g->nslot[node];
        g->nslot[node] = -1;
    }
}

/* Features scanned at a node: all active ones, or max_features drawn. */
static int draw_features(grower *g, const int32_t **feats)
{
    int na = g->n_active, mf = g->P->max_features;
    if (mf <= 0 || mf >= na) {
        *feats = g->active; /* read-only: safe when nodes are evaluated in parallel */
        return na;
    }
    *feats = g->fsample;
    memcpy(g->fsample, g->active, sizeof(int32_t) * na);
    for (int i = 0; i < mf; i++) {
        int j = i + (int)pyml_rand_below(&g->rng, (uint64_t)(na - i));
        int32_t t = g->fsample[i];
        g->fsample[i] = g->fsample[j];
        g->fsample[j] = t;
    }
    return mf;
}

/* Records a node's chosen split (its left statistics are already in lstats). */
static void commit_split(grower *g, int32_t node, const split_cand *c)
{
    g->sp_gain[node] = c->gain;
    if (c->gain > -INFINITY) {
        g->sp_feat[node] = c->feat;
        g->sp_bin[node] = c->bin;
        g->sp_thr[node] = c->thr;
    }
}

/* lane: which of a level's concurrently evaluated nodes this is (0 when serial). */
static void find_split_hist(grower *g, int32_t node, const int32_t *feats, int nf, int lane)
{
    split_cand c;
    pyml_tree_scan_features(g, node, feats, 0, nf, 2 + lane);
    pyml_tree_pick_split(g, node, feats, nf, 2 + lane, &c, g->lstats + (size_t)node * g->S);
    commit_split(g, node, &c);
}

static void write_node_value(grower *g, int32_t node)
{
    const pyml_tree_params *p = g->P;
    int S = g->S;
    const double *s = g->nstats + (size_t)node * S;
    double *v = g->out.value + (size_t)node * g->n_value;
    double W = stat_weight(g, s);
    g->out.feature[node] = -1;
    g->out.split_bin[node] = -1;
    g->out.threshold[node] = -2.0; /* scikit-learn's TREE_UNDEFINED */
    g->out.left[node] = -1;
    g->out.right[node] = -1;
    g->out.n_samples[node] = (int32_t)s[S - 1];
    g->out.weight[node] = W;
    g->out.gain[node] = 0.0;
    if (p->criterion == PYML_CRIT_NEWTON) {
        g->out.impurity[node] = wimp(g, s);
        v[0] = -p->learning_rate * s[0] / (s[1] + p->reg_lambda);
    } else {
        g->out.impurity[node] = W > 0 ? wimp(g, s) / W : 0.0;
        if (p->criterion == PYML_CRIT_MSE) {
            v[0] = W > 0 ? s[1] / W : 0.0;
        } else {
            /* A child's class weights are parent - sibling: a class absent from the
             * node can be left with a rounding residue of either sign (-1e-16 with
             * sample weights). Probabilities must be >= 0 and sum to 1, so clamp the
             * residues and normalise by the clamped total. */
            double Wp = 0.0;
            for (int k = 0; k < p->n_classes; k++) Wp += s[k] > 0 ? s[k] : 0.0;
            for (int k = 0; k < p->n_classes; k++) v[k] = Wp > 0 && s[k] > 0 ? s[k] / Wp : 0.0;
        }
    }
}

/* The first part of evaluate_node: the node's value and the leaf tests;
 * returns whether its split must be searched. */
static int node_may_split(grower *g, int32_t node)
{
    const pyml_tree_params *p = g->P;
    int S = g->S;
    const double *s = g->nstats + (size_t)node * S;
    write_node_value(g, node);
    double cnt = s[S - 1];
    if (p->max_depth >= 0 && g->ndepth[node] >= p->max_depth) return 0;
    if (cnt < p->min_samples_split || cnt < 2.0 * p->min_samples_leaf || cnt < 2) return 0;
    double W = stat_weight(g, s);
    if (p->criterion == PYML_CRIT_NEWTON) {
        if (W < 2.0 * p->min_child_weight) return 0;
    } else if (g->out.impurity[node] <= 2.220446049250313e-16 || W < 2.0 * g->min_w_leaf) {
        return 0;
    }
    return 1;
}

/* The last part of evaluate_node: whether the found split is allowed. */
static int split_allowed(const grower *g, int32_t node)
{
    const pyml_tree_params *p = g->P;
    double gn = g->sp_gain[node];
    if (!(gn > -INFINITY)) return 0;
    if (p->criterion == PYML_CRIT_NEWTON) {
        if (!(gn > 0)) return 0;
    } else if (gn / g->w_root + 2.220446049250313e-16 < p->min_impurity_decrease) {
        return 0;
    }
    return 1;
}

/* A node of the hist splitter: value, leaf tests, and (if it may split) its
 * best split. Returns 1 when the node is open (has an allowed split). */
static int evaluate_node_in_lane(grower *g, int32_t node, int lane)
{
    if (!node_may_split(g, node)) return 0;
    const int32_t *feats;
    int nf = draw_features(g, &feats);
    /* (the exact splitter grows in grow_exact) */
    if (g->nslot[node] < 0) {
        int s2 = acquire_slot(g, node);
        if (s2 < 0) return 0; /* cannot happen with >= 2 slots */
        g->nslot[node] = s2;
        pyml_tree_hist_build(g, g->nstart[node], g->nend[node], g->hist + (size_t)s2 * g->hist_elems);
    }
    find_split_hist(g, node, feats, nf, lane);
    return split_allowed(g, node);
}

static int evaluate_node(grower *g, int32_t node) { return evaluate_node_in_lane(g, node, 0); }

/* Parallel stable partition of a large hist-mode segment. Pass 1: every
 * fixed chunk partitions its rows into its own range of tmp in one
 * branch-free pass (left rows from the front in order, right rows from the
 * back in reverse order). Pass 2: after a prefix sum of the left counts,
 * every chunk copies its rows to their final places in rows. Same output as
 * the serial loop (a stable partition is unique). */
static int32_t partition_parallel(grower *g, int32_t start, int32_t end, int f, int b)
{
    const pyml_tree_data *D = g->D;
    /* column f: contiguous in codes_t (stride 1), else strided in codes */
    pyml_index d = D->codes_t ? 1 : D->d;
    const uint8_t *col = D->codes_t ? D->codes_t + (size_t)f * D->n : D->codes + f;
    int32_t *rows = g->rows, *tmp = g->tmp, *cl = g->chunk_left;
    int32_t m = end - start;
    int nc = (int)((m + PART_CHUNK - 1) / PART_CHUNK);
    int nthr = g->n_threads < nc ? g->n_threads : nc;
#pragma omp parallel num_threads(nthr)
    {
#pragma omp for schedule(static)
        for (int c = 0; c < nc; c++) {
            int32_t q0 = start + c * PART_CHUNK, q1 = q0 + PART_CHUNK < end ? q0 + PART_CHUNK : end;
            int32_t *t = tmp + q0, last = q1 - q0 - 1, nl = 0, nr = 0;
            /* Both candidate slots are free: t[nl] lies before the right
             * rows placed so far and t[last - nr] after the left ones (they
             * coincide only for the chunk's last row). */
            for (int32_t q = q0; q < q1; q++) {
                int32_t r = rows[q];
                int left = col[(size_t)r * d] <= b;
                t[nl] = r;
                t[last - nr] = r;
                nl += left;
                nr += 1 - left;
            }
            cl[c] = nl;
        }
#pragma omp single
        {
            int32_t acc = 0;
            for (int c = 0; c < nc; c++) {
                int32_t k = cl[c];
                cl[c] = acc;
                acc += k;
            }
            cl[nc] = acc;
        }
#pragma omp for schedule(static)
        for (int c = 0; c < nc; c++) {
            int32_t q0 = start + c * PART_CHUNK, q1 = q0 + PART_CHUNK < end ? q0 + PART_CHUNK : end;
            const int32_t *t = tmp + q0;
            int32_t last = q1 - q0 - 1;
            int32_t nl = cl[c + 1] - cl[c], nr = q1 - q0 - nl;
            memcpy(rows + start + cl[c], t, sizeof(int32_t) * nl);
            int32_t *dst = rows + start + cl[nc] + (q0 - start - cl[c]);
            for (int32_t k = 0; k < nr; k++) dst[k] = t[last - k];
        }
    }
    return start + cl[nc];
}

static int32_t partition_rows(grower *g, int32_t node, int allow_parallel)
{
    const pyml_tree_data *D = g->D;
    pyml_index d = D->d, n = D->n;
    int32_t start = g->nstart[node], end = g->nend[node];
    int f = g->sp_feat[node], b = g->sp_bin[node];
    if (allow_parallel && g->n_threads > 1 && end - start >= 2 * PART_CHUNK)
        return partition_parallel(g, start, end, f, b);
    int32_t nl = start, nr = 0;
    /* tmp + start: nodes partitioned concurrently use disjoint scratch */
    int32_t *rows = g->rows, *tmp = g->tmp + start;
    /* Branch-free: the side of a row is data-dependent and unpredictable, so
     * each row is written to both buffers and only the right counter moves
     * (writing rows[nl] is safe: nl <= q). */
    const uint8_t *col = D->codes_t ? D->codes_t + (size_t)f * n : D->codes + f;
    const pyml_index stride = D->codes_t ? 1 : d;
    for (int32_t q = start; q < end; q++) {
        int32_t r = rows[q];
        int left = col[(size_t)r * stride] <= b;
        rows[nl] = r;
        tmp[nr] = r;
        nl += left;
        nr += 1 - left;
    }
    memcpy(rows + nl, tmp, sizeof(int32_t) * nr);
    return nl;
}

/* Stable partition of the node's rows (hist mode) into left (code <= bin) and
 * right; returns the first right row. */
static int32_t partition(grower *g, int32_t node) { return partition_rows(g, node, 1); }

static int32_t new_node(grower *g, int32_t start, int32_t end, int32_t depth)
{
    int32_t id = g->n_nodes++;
    g->nstart[id] = start;
    g->nend[id] = end;
    g->ndepth[id] = depth;
    g->nslot[id] = -1;
    g->sp_gain[id] = -INFINITY;
    return id;
}

/* Children L, R = L + 1 of a split node (rows already partitioned at mid):
 * statistics, output arrays. Returns whether a child may split (needs a
 * histogram). */
static int make_children(grower *g, int32_t node, int32_t mid)
{
    const pyml_tree_params *p = g->P;
    int S = g->S;
    int32_t L = new_node(g, g->nstart[node], mid, g->ndepth[node] + 1);
    int32_t R = new_node(g, mid, g->nend[node], g->ndepth[node] + 1);
    double *PS = g->nstats + (size_t)node * S;
    double *LS = g->nstats + (size_t)L * S, *RS = g->nstats + (size_t)R * S;
    memcpy(LS, g->lstats + (size_t)node * S, sizeof(double) * S);
    LS[S - 1] = (double)(mid - g->nstart[node]);
    for (int k = 0; k < S; k++) RS[k] = PS[k] - LS[k];
    RS[S - 1] = (double)(g->nend[node] - mid);
    g->out.feature[node] = g->sp_feat[node];
    g->out.split_bin[node] = g->sp_bin[node];
    g->out.threshold[node] = g->sp_thr[node];
    g->out.left[node] = L;
    g->out.right[node] = R;
    g->out.gain[node] = g->sp_gain[node];
    g->n_leaves += 1;
    /* Children that cannot split never need a histogram. */
    int need = 0;
    for (int c = 0; c < 2; c++) {
        int32_t k = c ? R : L;
        int32_t cnt = g->nend[k] - g->nstart[k];
        if (!(p->max_depth >= 0 && g->ndepth[k] >= p->max_depth) && cnt >= p->min_samples_split &&
            cnt >= 2 * p->min_samples_leaf && cnt >= 2)
            need = 1;
    }
    return need;
}

/* Depth-wise growth one level at a time (hist splitter, no per-node feature
 * sampling): the partitions of a level, the histograms of its children
 * (built for the smaller child of each pair, subtracted for the larger) and
 * their split searches each run as one parallel loop over (node, feature
 * range) tasks. Node ids, histograms and splits are the same for any thread
 * count. Entered with the open root in g->open. */
static void grow_levels(grower *g)
{
    const pyml_tree_params *p = g->P;
    const int na = g->n_active, nb = g->D->nb_max, Sh = g->Sh;
    const size_t he = g->hist_elems;
    pyml_index cap = g->out.capacity;
    int32_t *level = g->open, *next = g->open2, *mid = g->mid;
    int32_t *build = g->aux, *pair_large = g->aux + cap;
    int nlev = g->n_open;
    g->n_open = 0; /* no histogram stealing while a level is in flight */
    int maxthr = g->n_threads < MAX_LEVEL_THREADS ? g->n_threads : MAX_LEVEL_THREADS;
    while (nlev > 0) {
        if (g->n_nodes + 2 * (pyml_index)nlev > cap || pyml_interrupted()) {
            for (int i = 0; i < nlev; i++) release_slot(g, level[i]);
            break;
        }
        long rows_total = 0;
        for (int i = 0; i < nlev; i++) rows_total += g->nend[level[i]] - g->nstart[level[i]];
        int nthr = rows_total * (long)na >= 262144 ? maxthr : 1;
        /* 1. partitions (one node: chunked inside; several: one node per task) */
        if (nlev == 1) {
            mid[0] = partition(g, level[0]);
        } else {
#pragma omp parallel for num_threads(nthr) schedule(dynamic, 1) if (nthr > 1)
            for (int i = 0; i < nlev; i++) mid[i] = partition_rows(g, level[i], 0);
        }
        /* 2. children, slots (serial, in level order) */
        int32_t first_child = g->n_nodes;
        int nbuild = 0, npair = 0, serial_eval = 0;
        for (int i = 0; i < nlev; i++) {
            int32_t node = level[i];
            int need = make_children(g, node, mid[i]);
            int32_t L = g->out.left[node], R = g->out.right[node];
            if (!need) {
                release_slot(g, node);
                continue;
            }
            int ps = g->nslot[node];
            g->nslot[node] = -1;
            int32_t small = (g->nend[L] - g->nstart[L]) <= (g->nend[R] - g->nstart[R]) ? L : R;
            int32_t large = small == L ? R : L;
            int ss = acquire_slot(g, -1);
            if (ps >= 0 && ss >= 0) {
                g->nslot[small] = ss;
                g->nslot[large] = ps;
                build[nbuild++] = small;
                pair_large[npair++] = large;
            } else {
                if (ps >= 0) g->slot_free[g->n_free++] = ps;
                if (ss >= 0) g->slot_free[g->n_free++] = ss;
                serial_eval = 1; /* children build their own histograms when evaluated */
            }
        }
        int32_t nchild = g->n_nodes - first_child;
        /* 3. histograms of the smaller children, then the larger by subtraction */
        long brows = 0;
        for (int i = 0; i < nbuild; i++) brows += g->nend[build[i]] - g->nstart[build[i]];
        int bthr = brows * (long)na >= 262144 ? maxthr : 1;
        /* Enough nodes to keep every thread busy: one node per task, so each
         * row's codes and gradients are read once (split by features, every
         * thread would stream all the rows of the node). */
        int nch = nbuild >= 4 * bthr ? 1 : (bthr > na ? na : bthr);
        if (nbuild > 0) {
#pragma omp parallel num_threads(bthr) if (bthr > 1)
            {
#pragma omp for schedule(dynamic, 1)
                for (int t = 0; t < nbuild * nch; t++) {
                    int32_t c = build[t / nch];
                    int k = t % nch;
                    pyml_tree_hist_accum(g, g->nstart[c], g->nend[c], g->hist + (size_t)g->nslot[c] * he,
                               (int)((long)na * k / nch), (int)((long)na * (k + 1) / nch));
                }
#pragma omp for schedule(static)
                for (int t = 0; t < npair * na; t++) {
                    int32_t lg = pair_large[t / na], sm = build[t / na];
                    size_t off = (size_t)g->active[t % na] * nb * Sh;
                    double *hp = g->hist + (size_t)g->nslot[lg] * he + off;
                    const double *hs = g->hist + (size_t)g->nslot[sm] * he + off;
                    for (size_t k = 0; k < (size_t)nb * Sh; k++) hp[k] -= hs[k];
                }
            }
        }
        /* 4. split search of every child */
        int ethr = (serial_eval || (p->max_features > 0 && p->max_features < na)) ? 1 : bthr;
        int32_t *is_open = mid; /* reuse: mid[] is no longer needed */
#pragma omp parallel for num_threads(ethr) schedule(dynamic, 1) if (ethr > 1)
        for (int32_t c = 0; c < nchild; c++) is_open[c] = evaluate_node_in_lane(g, first_child + c, thread_id());
        int nnext = 0;
        for (int32_t c = 0; c < nchild; c++) {
            if (is_open[c]) next[nnext++] = first_child + c;
            else release_slot(g, first_child + c);
        }
        int32_t *tmp = level;
        level = next;
        next = tmp;
        nlev = nnext;
    }
}

/* After a split (hist splitter, subtraction trick): the smaller child's
 * histogram (built in its slot), the larger's (the parent's minus it, in the
 * parent's slot) and the split searches of both children L, R, in one
 * parallel region. Every thread builds and subtracts a fixed feature range,
 * then searches both children over that same range (histogram data it just
 * wrote); the per-range candidates are merged in range order. Every
 * (feature, bin) sum runs over the rows in their order and the merge keeps
 * the first best split of the whole scan, so the tree is the same for any
 * thread count. With per-node feature sampling the searches stay serial
 * (the draws come from one stream). */
static void split_children(grower *g, int32_t small, int32_t large, int32_t L, int32_t R, int *is_open)
{
    const pyml_tree_params *p = g->P;
    const int na = g->n_active, nb = g->D->nb_max, Sh = g->Sh, S = g->S;
    double *hs = g->hist + (size_t)g->nslot[small] * g->hist_elems;
    double *hp = g->hist + (size_t)g->nslot[large] * g->hist_elems;
    const int32_t start = g->nstart[small], end = g->nend[small];
    const int32_t kid[2] = {L, R};
    const int par_eval = !(p->max_features > 0 && p->max_features < na);
    int nthr = g->n_threads < na ? g->n_threads : na;
    if (nthr > MAX_LEVEL_THREADS) nthr = MAX_LEVEL_THREADS;
    if (nthr < 1) nthr = 1;
    int search[2] = {0, 0};
    if (par_eval)
        for (int c = 0; c < 2; c++) search[c] = node_may_split(g, kid[c]);
#pragma omp parallel num_threads(nthr) if (nthr > 1)
    {
        const int t = thread_id(), nt = team_size();
        int a0 = (int)((long)na * t / nt), a1 = (int)((long)na * (t + 1) / nt);
        pyml_tree_hist_accum(g, start, end, hs, a0, a1);
        for (int a = a0; a < a1; a++) {
            size_t off = (size_t)g->active[a] * nb * Sh;
            for (size_t k = 0; k < (size_t)nb * Sh; k++) hp[off + k] -= hs[off + k];
        }
        if (par_eval) {
            /* the larger child's histogram is complete once every thread
             * subtracted; each thread scans its own features of both */
#pragma omp barrier
            for (int c = 0; c < 2; c++)
                if (search[c])
                    pyml_tree_scan_features(g, kid[c], g->active, a0, a1, c);
        }
    }
    if (!par_eval) {
        is_open[0] = evaluate_node(g, L);
        is_open[1] = evaluate_node(g, R);
        return;
    }
    for (int c = 0; c < 2; c++) {
        is_open[c] = 0;
        if (!search[c]) continue;
        split_cand cand;
        pyml_tree_pick_split(g, kid[c], g->active, na, c, &cand, g->lstats + (size_t)kid[c] * S);
        commit_split(g, kid[c], &cand);
        is_open[c] = split_allowed(g, kid[c]);
    }
}

#include "tree_exact.inc"

/* Grow one tree on rows[0:m) (already in g->rows) with the active features. */
int pyml_tree_grow(grower *g, int32_t m)
{
    const pyml_tree_params *p = g->P;
    int S = g->S;
    pyml_index cap = g->out.capacity;
    g->n_nodes = 0;
    g->n_open = 0;
    g->n_free = 0;
    for (int s = g->n_slots - 1; s >= 0; s--) g->slot_free[g->n_free++] = s;
    int32_t root = new_node(g, 0, m, 0);
    double *rs = g->nstats;
    memset(rs, 0, sizeof(double) * S);
    int rthr = p->splitter == PYML_SPLIT_HIST ? pyml_tree_hist_threads(g, m) : 1;
    int rslot = rthr > 1 ? acquire_slot(g, root) : -1;
    if (rslot >= 0) {
        /* The root's statistics (one serial sum over its rows, in order)
         * overlap its histogram: thread 0 sums them and builds a smaller
         * share of the features (weights 2 : 3). The histogram does not
         * depend on the split of the features. */
        const int na = g->n_active;
        double *h = g->hist + (size_t)rslot * g->hist_elems;
        g->nslot[root] = rslot;
#pragma omp parallel num_threads(rthr)
        {
            const int t = thread_id(), nt = team_size();
            if (t == 0)
                for (int32_t q = 0; q < m; q++) add_row(g, rs, g->rows[q]);
            int a0 = t ? (int)((long)na * (3 * t - 1) / (3 * nt - 1)) : 0;
            int a1 = (int)((long)na * (3 * t + 2) / (3 * nt - 1));
            pyml_tree_hist_accum(g, 0, m, h, a0, a1);
        }
    } else {
        for (int32_t q = 0; q < m; q++) add_row(g, rs, g->rows[q]);
    }
    g->w_root = stat_weight(g, rs);
    g->min_w_leaf = p->criterion == PYML_CRIT_NEWTON ? 0.0 : p->min_weight_fraction_leaf * g->w_root;
    if (!(g->w_root > 0)) g->w_root = 1.0;
    g->n_leaves = 1;
    if (p->splitter == PYML_SPLIT_EXACT) return grow_exact(g);
    if (evaluate_node(g, root)) g->open[g->n_open++] = root;
    else release_slot(g, root);
    int leafwise = p->max_leaves > 0;
    if (g->bfs && !leafwise && p->splitter == PYML_SPLIT_HIST) {
        grow_levels(g);
        g->n_open = 0;
        return PYML_OK;
    }
    while (g->n_open > 0) {
        if (leafwise && g->n_leaves >= p->max_leaves) break;
        if (pyml_interrupted()) break;
        if (g->n_nodes + 2 > cap) break;
        int pick = g->n_open - 1;
        if (leafwise) {
            for (int i = 0; i < g->n_open; i++) {
                int32_t a = g->open[i], bsel = g->open[pick];
                if (g->sp_gain[a] > g->sp_gain[bsel] || (g->sp_gain[a] == g->sp_gain[bsel] && a < bsel)) pick = i;
            }
        }
        int32_t node = g->open[pick];
        g->open[pick] = g->open[--g->n_open];
        int32_t mid = partition(g, node);
        int need = make_children(g, node, mid);
        int32_t L = g->out.left[node], R = g->out.right[node];
        if (!need) release_slot(g, node);
        int is_open[2], evaluated = 0;
        if (p->splitter == PYML_SPLIT_HIST && g->nslot[node] >= 0) {
            /* Subtraction trick: build the smaller child, the sibling is the
             * parent's histogram minus it (computed in the parent's slot). */
            int32_t small = (mid - g->nstart[node]) <= (g->nend[node] - mid) ? L : R;
            int32_t large = small == L ? R : L;
            int ps = g->nslot[node];
            g->nslot[node] = -1;
            int ss = acquire_slot(g, -1);
            if (ss >= 0) {
                g->nslot[small] = ss;
                g->nslot[large] = ps;
                split_children(g, small, large, L, R, is_open);
                evaluated = 1;
            } else {
                g->slot_free[g->n_free++] = ps;
            }
        }
        /* (unevaluated children may take a histogram slot from an open
         * leaf: L joins the open list before R is evaluated) */
        if (evaluated ? is_open[0] : evaluate_node(g, L)) g->open[g->n_open++] = L;
        else release_slot(g, L);
        if (evaluated ? is_open[1] : evaluate_node(g, R)) g->open[g->n_open++] = R;
        else release_slot(g, R);
    }
    /* Nodes still open become leaves (leaf budget or capacity reached). */
    for (int i = 0; i < g->n_open; i++) release_slot(g, g->open[i]);
    g->n_open = 0;
    return PYML_OK;
}

int pyml_tree_check_data(const pyml_tree_data *D, const pyml_tree_params *p)
{
    if (D->n <= 0 || D->d <= 0) return PYML_ERR_SIZE;
    if (D->n >= 2147483647) return PYML_ERR_SIZE;
    if (!D->nbins) return PYML_ERR_NULL;
    if (p->splitter == PYML_SPLIT_HIST) {
        if (!D->codes || !D->edges || !D->edge_off) return PYML_ERR_NULL;
        if (D->nb_max < 1 || D->nb_max > 256) return PYML_ERR_VALUE;
        for (pyml_index j = 0; j < D->d; j++)
            if (D->nbins[j] < 1 || D->nbins[j] > D->nb_max || D->edge_off[j + 1] - D->edge_off[j] < D->nbins[j] - 1)
                return PYML_ERR_INDEX;
        for (pyml_index i = 0; i < D->n; i++)
            for (pyml_index j = 0; j < D->d; j++)
                if (D->codes[i * D->d + j] >= D->nbins[j]) return PYML_ERR_INDEX;
    } else {
        if (!D->sorted_rank || !D->sorted || !D->X) return PYML_ERR_NULL;
        if (D->ldx < D->d) return PYML_ERR_SIZE;
        for (pyml_index j = 0; j < D->d; j++) {
            const int32_t *rk = D->sorted_rank + j * D->n, *rows = D->sorted + j * D->n;
            for (pyml_index q = 0; q < D->n; q++) {
                if (rk[q] < 0 || rk[q] >= D->nbins[j] || (q > 0 && rk[q] < rk[q - 1])) return PYML_ERR_INDEX;
                if (rows[q] < 0 || rows[q] >= D->n) return PYML_ERR_INDEX;
            }
        }
    }
    return PYML_OK;
}

pyml_tree_arrays pyml_tree_slice(const pyml_tree_arrays *o, int t, int n_value)
{
    pyml_tree_arrays s = *o;
    size_t off = (size_t)t * (size_t)o->capacity;
    s.feature += off;
    s.split_bin += off;
    s.threshold += off;
    s.left += off;
    s.right += off;
    s.n_samples += off;
    s.weight += off;
    s.impurity += off;
    s.gain += off;
    s.value += off * (size_t)n_value;
    return s;
}

/* Sets up a grower in work for the rows with weight > 0; returns m. */
int32_t pyml_tree_grower_init(grower *g, char *work, const pyml_tree_data *D, const pyml_tree_params *p,
                           pyml_index cap, int nthr)
{
    grower_layout(g, work, p, D->n, D->d, D->nb_max, cap, nthr);
    g->D = D;
    g->P = p;
    g->S = stats_size(p);
    g->S0 = g->S - 1;
    g->Sh = hist_stride(p);
    g->n_value = (p->criterion == PYML_CRIT_GINI || p->criterion == PYML_CRIT_ENTROPY) ? p->n_classes : 1;
    return 0;
}

/* Exact mode: the tree's lists are the global ones restricted to the rows of
 * weight > 0 (g->rows[0:m)). Classification scans integer counts when every
 * weight is an integer summing to at most n and K <= 255 (labels as uint8,
 * the c log2 c table up to the total weight). */
static void init_exact(grower *g, int32_t m, const double *wrow, uint8_t *ylab, int32_t *iw, double *xlog)
{
    const pyml_tree_data *D = g->D;
    const pyml_index n = D->n;
    const int na = g->n_active;
    memset(g->flags, 0, (size_t)n);
    for (int32_t q = 0; q < m; q++) g->flags[g->rows[q]] = 1;
    if (g->P->exact_in_place) {
        /* one tree: its lists are the caller's, filtered in place (k <= q) */
        g->sorted = D->sorted;
        g->srank = D->sorted_rank;
    }
    int nthr = (long)n * na >= 262144 ? g->n_threads : 1;
#pragma omp parallel for num_threads(nthr) schedule(dynamic, 1) if (nthr > 1)
    for (int a = 0; a < na; a++) {
        size_t off = (size_t)g->active[a] * n;
        const int32_t *src = D->sorted + off, *srk = D->sorted_rank + off;
        int32_t *dst = g->sorted + off, *drk = g->srank + off;
        if (m == n) {
            if (dst != src) {
                memcpy(dst, src, sizeof(int32_t) * n);
                memcpy(drk, srk, sizeof(int32_t) * n);
            }
            continue;
        }
        int32_t k = 0;
        for (pyml_index q = 0; q < n; q++)
            if (g->flags[src[q]]) {
                dst[k] = src[q];
                drk[k++] = srk[q];
            }
    }
    g->ylab = NULL;
    g->iw = NULL;
    g->xlog = NULL;
    if (!g->yc || g->P->n_classes > 255) return;
    int ones = 1;
    double total = 0;
    for (int32_t q = 0; q < m; q++) {
        double w = wrow[g->rows[q]];
        if (!(w == floor(w) && w <= 2147483647.0)) return;
        ones &= w == 1.0;
        total += w;
    }
    if (total > (double)n) return;
    for (pyml_index i = 0; i < n; i++) ylab[i] = (uint8_t)g->yc[i];
    if (!ones) {
        for (pyml_index i = 0; i < n; i++) iw[i] = (int32_t)wrow[i];
        g->iw = iw;
    }
    if (g->P->criterion == PYML_CRIT_ENTROPY) {
        xlog[0] = 0.0;
        for (pyml_index c = 1; c <= (pyml_index)total; c++) xlog[c] = (double)c * log2((double)c);
        g->xlog = xlog;
    }
    g->ylab = ylab;
}

/* Renumbers a grown tree's nodes in one canonical order, whatever order
 * growth created them in (level-wise, depth-first, best-first), so both
 * splitters give the same arrays for the same tree: a depth-first walk, left
 * subtree first, that numbers the two children of a node together when it
 * reaches the node (siblings adjacent, right = left + 1: the prediction
 * kernel's fast path). Scratch: the grower's open lists, aux and lstats
 * (free after growth). */
static void renumber_canonical(grower *g)
{
    pyml_tree_arrays *o = &g->out;
    const int32_t nn = g->n_nodes;
    if (nn <= 1) return;
    int32_t *new_id = g->open, *stack = g->open2, *old_of = g->mid, *ti = g->aux;
    double *td = g->lstats;
    int32_t sp = 0, next = 1;
    new_id[0] = 0;
    stack[sp++] = 0;
    while (sp > 0) {
        int32_t v = stack[--sp];
        old_of[new_id[v]] = v;
        if (o->left[v] >= 0) {
            new_id[o->left[v]] = next;
            new_id[o->right[v]] = next + 1;
            next += 2;
            stack[sp++] = o->right[v];
            stack[sp++] = o->left[v];
        }
    }
    int32_t *ifield[3] = {o->feature, o->split_bin, o->n_samples};
    for (int f = 0; f < 3; f++) {
        for (int32_t k = 0; k < nn; k++) ti[k] = ifield[f][old_of[k]];
        memcpy(ifield[f], ti, sizeof(int32_t) * nn);
    }
    int32_t *child[2] = {o->left, o->right};
    for (int f = 0; f < 2; f++) {
        for (int32_t k = 0; k < nn; k++) {
            int32_t c = child[f][old_of[k]];
            ti[k] = c >= 0 ? new_id[c] : -1;
        }
        memcpy(child[f], ti, sizeof(int32_t) * nn);
    }
    double *dfield[4] = {o->threshold, o->weight, o->impurity, o->gain};
    for (int f = 0; f < 4; f++) {
        for (int32_t k = 0; k < nn; k++) td[k] = dfield[f][old_of[k]];
        memcpy(dfield[f], td, sizeof(double) * nn);
    }
    const int nv = g->n_value;
    for (int32_t k = 0; k < nn; k++) memcpy(td + (size_t)k * nv, o->value + (size_t)old_of[k] * nv, sizeof(double) * nv);
    memcpy(o->value, td, sizeof(double) * (size_t)nn * nv);
}

/* Tree t of pyml_tree_build in the workspace of the calling thread. */
static int build_one(const pyml_tree_data *D, const pyml_tree_params *p, const int32_t *y_class, const double *y,
                     const double *sample_weight, int bootstrap, pyml_index n_draw, const uint64_t *seeds, int t,
                     pyml_tree_arrays *out, int32_t *n_nodes, void *work, size_t work_size_per_tree, int inner,
                     int classif)
{
    if (pyml_interrupted()) return PYML_ERR_INTERRUPTED;
    pyml_index n = D->n, d = D->d;
    int tid = thread_id();
    char *base = (char *)work + (size_t)tid * work_size_per_tree;
    grower g;
    memset(&g, 0, sizeof g);
    pyml_tree_grower_init(&g, base, D, p, out->capacity, inner);
    carver cc = {base + grower_layout(NULL, NULL, p, n, d, D->nb_max, out->capacity, inner), 0}, *cur = &cc;
    double *wrow = (double *)pyml_tree_carve(cur, sizeof(double) * n);
    double *rs = (double *)pyml_tree_carve(cur, sizeof(double) * 3 * n);
    int32_t *cnt = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * n);
    uint8_t *ylab = NULL;
    int32_t *iw = NULL;
    double *xlog = NULL;
    if (p->splitter == PYML_SPLIT_EXACT) {
        ylab = (uint8_t *)pyml_tree_carve(cur, (size_t)n);
        iw = (int32_t *)pyml_tree_carve(cur, sizeof(int32_t) * n);
        xlog = (double *)pyml_tree_carve(cur, sizeof(double) * ((size_t)n + 1));
    }
    g.rng = seeds[t];
    g.n_threads = inner;
    g.out = pyml_tree_slice(out, t, g.n_value);
    if (bootstrap) pyml_tree_bootstrap_counts(g.rng, n, n_draw, cnt), g.rng ^= 0xD1B54A32D192ED03ULL;
    int32_t m = 0;
    for (pyml_index i = 0; i < n; i++) {
        double wi = (bootstrap ? (double)cnt[i] : 1.0) * (sample_weight ? sample_weight[i] : 1.0);
        wrow[i] = wi;
        if (wi > 0) g.rows[m++] = (int32_t)i;
    }
    if (classif) {
        g.yc = y_class;
        g.w = wrow;
    } else {
        g.yc = NULL;
        for (pyml_index i = 0; i < n; i++) {
            rs[3 * i] = wrow[i];
            rs[3 * i + 1] = wrow[i] * y[i];
            rs[3 * i + 2] = wrow[i] * y[i] * y[i];
        }
        g.rs = rs;
    }
    g.n_active = (int)d;
    for (int j = 0; j < d; j++) g.active[j] = j;
    if (m == 0) {
        /* every drawn row has weight 0: a single leaf predicting 0 */
        new_node(&g, 0, 0, 0);
        memset(g.nstats, 0, sizeof(double) * g.S);
        write_node_value(&g, 0);
        n_nodes[t] = 1;
        return PYML_OK;
    }
    g.seed0 = g.rng;
    if (p->splitter == PYML_SPLIT_EXACT) init_exact(&g, m, wrow, ylab, iw, xlog);
    int s2 = pyml_tree_grow(&g, m);
    if (s2 == PYML_OK && pyml_interrupted()) s2 = PYML_ERR_INTERRUPTED;
    renumber_canonical(&g);
    n_nodes[t] = g.n_nodes;
    return s2;
}

int pyml_tree_build(const pyml_tree_data *D, const pyml_tree_params *p, const int32_t *y_class,
                    const double *y, const double *sample_weight, int bootstrap, pyml_index n_draw,
                    const uint64_t *seeds, int n_trees, pyml_tree_arrays *out, int32_t *n_nodes,
                    void *work, size_t work_size_per_tree, int n_threads)
{
    if (!D || !p || !out || !n_nodes || !work || !seeds) return PYML_ERR_NULL;
    int st = pyml_tree_check_data(D, p);
    if (st) return st;
    if (n_trees < 1 || n_threads < 1) return PYML_ERR_SIZE;
    if (p->criterion == PYML_CRIT_NEWTON) return PYML_ERR_VALUE;
    if (p->splitter == PYML_SPLIT_EXACT && p->exact_in_place && n_trees != 1) return PYML_ERR_VALUE;
    int classif = p->criterion == PYML_CRIT_GINI || p->criterion == PYML_CRIT_ENTROPY;
    pyml_index n = D->n, d = D->d;
    if (classif) {
        if (!y_class) return PYML_ERR_NULL;
        if (p->n_classes < 1) return PYML_ERR_VALUE;
        for (pyml_index i = 0; i < n; i++)
            if (y_class[i] < 0 || y_class[i] >= p->n_classes) return PYML_ERR_INDEX;
    } else if (!y) {
        return PYML_ERR_NULL;
    }
    if (sample_weight)
        for (pyml_index i = 0; i < n; i++)
            if (!(sample_weight[i] >= 0 && sample_weight[i] < INFINITY)) return PYML_ERR_VALUE;
    int outer = n_trees > 1 ? (n_threads < n_trees ? n_threads : n_trees) : 1;
    int inner = n_trees > 1 ? 1 : n_threads;
    if (work_size_per_tree < pyml_tree_workspace_size(p, n, d, D->nb_max, out->capacity, inner))
        return PYML_ERR_WORKSPACE;
    int err = PYML_OK;
    if (outer == 1) {
        /* trees one after the other, each free to use every thread (called
         * outside any parallel construct so nested regions stay cheap) */
        for (int t = 0; t < n_trees && !err; t++)
            err = build_one(D, p, y_class, y, sample_weight, bootstrap, n_draw, seeds, t, out, n_nodes, work,
                            work_size_per_tree, inner, classif);
        return err;
    }
#pragma omp parallel for num_threads(outer) schedule(dynamic, 1)
    for (int t = 0; t < n_trees; t++) {
        int s2 = build_one(D, p, y_class, y, sample_weight, bootstrap, n_draw, seeds, t, out, n_nodes, work,
                           work_size_per_tree, inner, classif);
        if (s2) {
#pragma omp critical
            err = s2;
        }
    }
    return err;
}

