/* Decision-tree kernels (Course 2, week 4): binning, histogram split search,
 * exact (sorted) split search, row partitioning, forests, gradient boosting
 * and batch prediction.
 *
 * Data. A tree is grown on integer "bins" of each feature, never on raw X:
 *   - hist splitter:  codes[i*d + j] = #{ edges_j < x_ij } (uint8, < 256),
 *     with edges_j the midpoints between consecutive distinct values (or
 *     quantiles when a feature has more than max_bins values). Split at bin b
 *     sends x <= edges_j[b] to the left, exactly the rows with code <= b.
 *   - exact splitter: sorted[j*n + q] the rows sorted by column j (stable)
 *     and sorted_rank[j*n + q] the dense rank of that row's value among the
 *     distinct values of column j (pyml_tree_sort_columns_*). A split between
 *     the largest left value a and the smallest right value b (read from X)
 *     sends x <= a/2 + b/2 to the left (scikit-learn's midpoint). Growth on
 *     these lists: tree_exact.inc.
 *
 * Node statistics (S doubles per node or histogram bin, the last is the
 * unweighted row count):
 *   - gini / entropy: weighted class counts c_k (K values) + count;
 *       W·gini = W - sum c_k^2 / W,  W·H = W log2 W - sum c_k log2 c_k (bits)
 *   - squared error:  (W, sum w y, sum w y^2) + count;
 *       W·mse = sum w y^2 - (sum w y)^2 / W
 *   - newton (boosting): (G, H) + count, with g, h the loss derivatives;
 *       leaf value -G/(H + lambda), gain
 *       1/2 [G_L^2/(H_L+lambda) + G_R^2/(H_R+lambda) - G^2/(H+lambda)] - gamma
 * A split's gain for impurity criteria is W·imp - W_L·imp_L - W_R·imp_R (the
 * weighted impurity decrease; feature importances sum it).
 *
 * Histogram of a node: hist[(j*nb + b)*S + s], built from the node's rows
 * (OpenMP over features: each (feature, bin) sum runs over the rows in their
 * fixed order by one thread, so results do not depend on the thread count).
 * Subtraction trick: the smaller child is built, the sibling is parent - child.
 *
 * Growth: depth-first (max_leaves <= 0) or best-first "leaf-wise" (max_leaves
 * > 0: the open leaf of largest gain is split next, ties to the oldest node).
 * Random draws (bootstrap, per-node feature sampling, boosting row and column
 * subsampling) come from a splitmix64 generator seeded per tree by Python, so
 * a model depends on random_state only, never on n_threads.
 */
#ifndef PYML_TREE_H
#define PYML_TREE_H

#include "common.h"

enum { PYML_CRIT_GINI = 0, PYML_CRIT_ENTROPY = 1, PYML_CRIT_MSE = 2, PYML_CRIT_NEWTON = 3 };
enum { PYML_SPLIT_HIST = 0, PYML_SPLIT_EXACT = 1 };
enum { PYML_OBJ_SQUARED = 0, PYML_OBJ_LOGISTIC = 1, PYML_OBJ_SOFTMAX = 2 };

/* Output arrays of one or more trees (capacity nodes per tree, trees stored one
 * after the other: tree t's node k is at t*capacity + k). Leaves have
 * feature == -1 and left == right == -1. value has n_value doubles per node. */
typedef struct {
    int32_t *feature;
    int32_t *split_bin;   /* bin (hist) or rank (exact) of the threshold */
    double *threshold;    /* x <= threshold goes left */
    int32_t *left;
    int32_t *right;
    int32_t *n_samples;   /* rows (count, unweighted) */
    double *weight;       /* W (sum of weights) or H (newton: cover) */
    double *impurity;     /* impurity, or G^2/(H+lambda) for newton */
    double *gain;         /* gain of the node's split (0 for leaves) */
    double *value;        /* (n_nodes, n_value) */
    pyml_index capacity;
} pyml_tree_arrays;

/* Growth parameters shared by trees, forests and boosting. */
typedef struct {
    int criterion;          /* PYML_CRIT_* */
    int splitter;           /* PYML_SPLIT_* */
    int n_classes;          /* K for gini/entropy */
    int max_depth;          /* < 0: unlimited */
    int max_leaves;         /* > 0: leaf-wise growth up to this many leaves */
    int min_samples_split;
    int min_samples_leaf;
    double min_impurity_decrease; /* on the normalised gain (W_node/W_root)·(...) */
    double min_weight_fraction_leaf; /* impurity criteria: a child needs W >= this · W_root */
    int max_features;       /* features drawn per node (<= d) */
    int exact_in_place;     /* exact, one tree: grow in the caller's lists (they are permuted) */
    int hist_slots;         /* histograms kept alive (>= 2) */
    double reg_lambda, gamma, min_child_weight, learning_rate; /* newton */
} pyml_tree_params;

/* Binning data (hist) or sorted data (exact). */
typedef struct {
    pyml_index n, d;
    const uint8_t *codes;     /* (n, d) hist */
    const uint8_t *codes_t;   /* (d, n) the same codes column-major, or NULL (faster partitions) */
    const int32_t *nbins;     /* (d,) bins used per feature (hist: len(edges)+1; exact: n distinct) */
    const double *edges;      /* hist: concatenated thresholds per feature */
    const int64_t *edge_off;  /* hist: (d+1,) offsets into edges */
    int nb_max;               /* max(nbins) (hist), histogram stride */
    int32_t *sorted_rank;     /* (d, n) exact: rank of sorted[j*n + q] in column j */
    int32_t *sorted;          /* (d, n) exact: rows sorted by each column (written only with exact_in_place) */
    const void *X;            /* exact: the training data (thresholds), float or double */
    pyml_index ldx;           /* exact: row stride of X */
    int x_is_float32;         /* exact: X holds float (1) or double (0) */
} pyml_tree_data;

/* Workspace of one tree grown with n_threads threads. */
size_t pyml_tree_workspace_size(const pyml_tree_params *p, pyml_index n, pyml_index d, int nb_max,
                                pyml_index capacity, int n_threads);

/* Exact-splitter data: for every column j, sorted[j*n + q] the rows in
 * ascending order of x_ij (stable), sorted_rank[j*n + q] their dense ranks
 * and n_uniq[j] the number of distinct values. LSD radix sort on
 * order-preserving integer keys, columns in parallel. */
size_t pyml_tree_sort_workspace_size(pyml_index n, int n_threads);

/* Build n_trees trees (in parallel over trees when n_trees > 1, else the
 * histogram of one tree is built with n_threads threads). y_class (K classes)
 * for gini/entropy, y for squared error. weights: NULL = all rows weight 1;
 * with bootstrap, tree t draws n_draw rows with replacement from seeds[t]. */
int pyml_tree_build(const pyml_tree_data *data, const pyml_tree_params *p, const int32_t *y_class,
                    const double *y, const double *sample_weight, int bootstrap, pyml_index n_draw,
                    const uint64_t *seeds, int n_trees, pyml_tree_arrays *out, int32_t *n_nodes,
                    void *work, size_t work_size_per_tree, int n_threads);

/* The bootstrap counts tree t used (for out-of-bag estimates). */
int pyml_tree_bootstrap_counts(uint64_t seed, pyml_index n, pyml_index n_draw, int32_t *counts);

typedef struct {
    int objective;        /* PYML_OBJ_* */
    int n_outputs;        /* K for softmax, else 1 */
    long n_rounds;
    long early_stopping_rounds; /* <= 0: none */
    double subsample, colsample_bytree;
    uint64_t seed;
} pyml_gbt_params;

/* Gradient boosting: n_rounds rounds, each adds n_outputs trees (one per
 * class for softmax). raw (n, K) holds the initial scores on entry and the
 * final scores on exit; eval_raw likewise for the optional eval set (codes
 * binned with the training edges). train_loss[t] / eval_loss[t] are the
 * losses after round t (sample_weight, NULL = 1: weighted mean of the
 * training loss, weighted gradients and hessians). Stops early when eval loss has not improved for
 * early_stopping_rounds rounds; best_iteration is the round of the best
 * eval loss (or the last round). The hook is called after every round. */
int pyml_gbt_fit(const pyml_tree_data *data, const pyml_tree_params *tp, const pyml_gbt_params *gp,
                 const double *y, const double *sample_weight, double *raw, const uint8_t *eval_codes, pyml_index n_eval,
                 const double *eval_y, double *eval_raw, pyml_tree_arrays *out, int32_t *n_nodes,
                 double *train_loss, double *eval_loss, long *n_rounds_done, long *best_iteration,
                 void *work, size_t work_size, int n_threads, pyml_iteration_hook hook, void *hook_ctx);
size_t pyml_gbt_workspace_size(const pyml_tree_params *p, const pyml_gbt_params *gp, pyml_index n,
                               pyml_index d, int nb_max, pyml_index capacity, pyml_index n_eval, int n_threads);

#define PYML_DECLARE_TREE(T, SFX)                                                                  \
    int pyml_tree_bin_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,                \
                            const double *edges, const int64_t *edge_off, uint8_t *codes,          \
                            int n_threads);                                                        \
    int pyml_tree_apply_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,              \
                              const int32_t *feature, const double *threshold,                    \
                              const int32_t *left, const int32_t *right, pyml_index n_nodes,       \
                              int32_t *leaf, int n_threads);                                       \
    int pyml_tree_predict_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,            \
                                const int32_t *feature, const double *threshold,                  \
                                const int32_t *left, const int32_t *right, const double *value,    \
                                int n_value, const int64_t *tree_off, const int32_t *tree_col,     \
                                int n_trees, double scale, double *out, int n_out, int n_threads); \
    int pyml_tree_sort_columns_##SFX(const T *X, pyml_index ldx, pyml_index n, pyml_index d,       \
                                     int32_t *sorted, int32_t *sorted_rank, int32_t *n_uniq,       \
                                     void *work, size_t work_size, int n_threads);

PYML_DECLARE_TREE(float, f32)
PYML_DECLARE_TREE(double, f64)

#endif
