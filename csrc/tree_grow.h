/* Internal to the tree family (not part of the kernel API): the state of one
 * tree grower and the helpers that tree.c (growth: histograms, split search,
 * partition, levels, the exact splitter), gbt.c (the boosting loop) and
 * tree_bin.c (binning, prediction, the radix sort) share. */
#ifndef PYML_TREE_GROW_H
#define PYML_TREE_GROW_H

#include <math.h>
#include <string.h>

#include "rng.h"
#include "tree.h"

typedef struct {
    const pyml_tree_data *D;
    const pyml_tree_params *P;
    int S;          /* stats per node / bin, last = count */
    int S0;         /* generic row stats (S - 1) */
    int Sh;         /* doubles per histogram bin: S, or 2 (G, H) for count-free newton */
    int n_value;
    const int32_t *yc;  /* class mode labels */
    const double *w;    /* class mode row weights (NULL = 1) */
    const double *rs;   /* generic row stats (n, S0) */
    /* workspace */
    int32_t *rows, *tmp;
    /* exact splitter (tree_exact.inc) */
    int32_t *sorted, *srank;  /* (d, n) per-feature lists */
    int32_t *xtmp;            /* (threads, 2, n) partition scratch */
    int32_t *fbuf;            /* per-node feature draws */
    void *cbuf;               /* per-(node, feature) candidates */
    int32_t *sp_pos;          /* last left position of a node's split */
    uint8_t *flags;           /* per row: in the tree (init), goes left (partition) */
    const uint8_t *ylab;      /* class of every row (K <= 255, integer weights) or NULL */
    const int32_t *iw;        /* integer row weights, or NULL when all are 1 */
    const double *xlog;       /* xlog[c] = c log2 c */
    uint64_t seed0;           /* tree seed (per-node feature draws) */
    double *hist;
    size_t hist_elems;  /* doubles per slot */
    int32_t *slot_free;
    int n_free, n_slots;
    double *nstats, *lstats, *scratch;
    double *fgain;            /* per-feature best gain and bin of the nodes being searched: FEATURE_SLOTS slots of d */
    int32_t *fbin;
    int32_t *nstart, *nend, *ndepth, *nslot, *sp_feat, *sp_bin, *open;
    double *sp_gain, *sp_thr;
    int n_open;
    int32_t *active, *fsample;
    int32_t *chunk_left;   /* rows sent left per chunk (parallel partition) */
    int n_active;
    uint64_t rng;
    double w_root;
    double min_w_leaf;     /* impurity criteria: least child weight (min_weight_fraction_leaf · W_root) */
    pyml_tree_arrays out;
    int n_nodes, n_leaves;
    int n_threads;
    int bfs;               /* depth-wise growth one level at a time (boosting) */
    int32_t *open2, *mid, *aux;
} grower;

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

/* Rows per chunk of the parallel partition (a fixed size, so the result
 * never depends on the thread count). */
#define PART_CHUNK 8192

/* Rows ahead whose codes and gradients the histogram loop prefetches. */
#define HIST_PF 16

/* Threads of the level-wise growth (each has its own split-scan scratch). */
#define MAX_LEVEL_THREADS 64

/* Slots of the per-feature split search (fgain/fbin): 0 and 1 for the two
 * children split_children searches together (threads share the node), and
 * 2 + t for the node thread t of a level evaluates on its own. */
#define FEATURE_SLOTS (2 + MAX_LEVEL_THREADS)

/* Exact splitter scratch: feature draws and split candidates of up to
 * EXACT_FBUF_ROWS nodes (>= MAX_LEVEL_THREADS and the level task limit). */
#define EXACT_FBUF_ROWS 256
#define EXACT_CAND_BYTES 16

static inline int thread_id(void)
{
#if PYML_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Threads of the current team (1 outside a parallel region). */
static inline int team_size(void)
{
#if PYML_HAVE_OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Workspace carving: *off advances by the aligned size; with base NULL only
 * the total is measured. */
typedef struct {
    char *base;
    size_t off;
} carver;

static inline void *pyml_tree_carve(carver *c, size_t bytes)
{
    void *p = c->base ? (void *)(c->base + c->off) : NULL;
    c->off += ALIGN64(bytes);
    return p;
}

/* Sort keys of doubles: unsigned order equals numeric order (negatives flipped). */
static inline uint64_t sort_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
}

static inline double sort_key_value(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* W·impurity of a stats vector (see tree.h); newton: score G^2/(H+lambda). */
static inline double wimp(const grower *g, const double *s)
{
    const pyml_tree_params *p = g->P;
    switch (p->criterion) {
    case PYML_CRIT_GINI: {
        double W = 0, sq = 0;
        for (int k = 0; k < p->n_classes; k++) { W += s[k]; sq += s[k] * s[k]; }
        return W > 0 ? W - sq / W : 0.0;
    }
    case PYML_CRIT_ENTROPY: {
        double W = 0, acc = 0;
        for (int k = 0; k < p->n_classes; k++) {
            W += s[k];
            if (s[k] > 0) acc += s[k] * log2(s[k]);
        }
        return W > 0 ? W * log2(W) - acc : 0.0;
    }
    case PYML_CRIT_MSE: return s[0] > 0 ? s[2] - s[1] * s[1] / s[0] : 0.0;
    default: return s[0] * s[0] / (s[1] + p->reg_lambda);
    }
}

static inline double stat_weight(const grower *g, const double *s)
{
    if (g->P->criterion == PYML_CRIT_GINI || g->P->criterion == PYML_CRIT_ENTROPY) {
        double W = 0;
        for (int k = 0; k < g->P->n_classes; k++) W += s[k];
        return W;
    }
    return g->P->criterion == PYML_CRIT_MSE ? s[0] : s[1];
}

/* Gain of splitting P into L and R; returns -inf when the split is not allowed. */
static inline double split_gain(const grower *g, const double *P, const double *L, const double *R)
{
    const pyml_tree_params *p = g->P;
    int S = g->S;
    if (L[S - 1] < p->min_samples_leaf || R[S - 1] < p->min_samples_leaf) return -INFINITY;
    if (p->criterion == PYML_CRIT_NEWTON) {
        if (L[1] < p->min_child_weight || R[1] < p->min_child_weight) return -INFINITY;
        return 0.5 * (wimp(g, L) + wimp(g, R) - wimp(g, P)) - p->gamma;
    }
    double wl = stat_weight(g, L), wr = stat_weight(g, R);
    if (wl <= 0 || wr <= 0 || wl < g->min_w_leaf || wr < g->min_w_leaf) return -INFINITY;
    /* The parent's term is constant within a node; keeping it gives the real
     * impurity decrease for importances and min_impurity_decrease. */
    return wimp(g, P) - wimp(g, L) - wimp(g, R);
}

static inline void add_row(const grower *g, double *s, int32_t r)
{
    int S = g->S;
    if (g->yc) {
        s[g->yc[r]] += g->w ? g->w[r] : 1.0;
    } else {
        const double *x = g->rs + (size_t)r * g->S0;
        for (int k = 0; k < g->S0; k++) s[k] += x[k];
    }
    s[S - 1] += 1.0;
}

/* A split candidate: the best split over some of a node's features (gain
 * -inf when none is allowed; its left statistics go to a caller buffer). */
typedef struct {
    double gain, thr;
    int32_t feat, bin;
} split_cand;

/* tree_hist.c */
void pyml_tree_hist_accum(const grower *g, int32_t start, int32_t end, double *h, int a0, int a1);
int pyml_tree_hist_threads(const grower *g, int32_t m);
void pyml_tree_hist_build(grower *g, int32_t start, int32_t end, double *h);
void pyml_tree_scan_features(grower *g, int32_t node, const int32_t *feats, int i0, int i1, int slot);
void pyml_tree_pick_split(grower *g, int32_t node, const int32_t *feats, int nf, int slot, split_cand *cand,
                          double *bestL);
/* tree.c */
int pyml_tree_check_data(const pyml_tree_data *D, const pyml_tree_params *p);
pyml_tree_arrays pyml_tree_slice(const pyml_tree_arrays *o, int t, int n_value);
int32_t pyml_tree_grower_init(grower *g, char *work, const pyml_tree_data *D, const pyml_tree_params *p,
                              pyml_index cap, int nthr);
int pyml_tree_grow(grower *g, int32_t m);
/* tree_bin.c */
size_t pyml_tree_sort_work_per_thread(pyml_index n);
void pyml_tree_radix_sort_pairs(uint64_t *key, int32_t *row, uint64_t *key2, int32_t *row2, pyml_index n,
                                uint32_t *count);

#endif
