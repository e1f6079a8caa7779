/* Gaussian anomaly detection kernels: the templated body is in
 * anomaly_impl.inc; the F1 scans work on float64 only. */
#include <math.h>
#include <string.h>

#include "anomaly.h"

#define GA_HOT PYML_HOT /* feature-dispatched AVX2/FMA + baseline clones (common.h) */

/* Rows per chunk of the mean/variance reduction: a function of d only (never of
 * the thread count: determinism), sized so a chunk (about 256 KiB of float64)
 * stays in a core's L2 cache between the chunk's two passes. */
#define GA_CHUNK_BYTES (256 * 1024)
#define GA_TILE 32 /* columns per accumulator tile of moments_chunk */

static pyml_index ga_chunk_rows(pyml_index d)
{
    pyml_index rows = GA_CHUNK_BYTES / (8 * (d > 0 ? d : 1));
    rows = rows < 64 ? 64 : rows > 4096 ? 4096 : rows;
    return rows & ~(pyml_index)3;
}

static pyml_index ga_n_chunks(pyml_index n, pyml_index d)
{
    pyml_index rows = ga_chunk_rows(d);
    return n <= 0 ? 1 : (n + rows - 1) / rows;
}

size_t pyml_gauss_fit_workspace_size(pyml_index n, pyml_index d)
{
    if (n < 0 || d < 0) return 0;
    return (size_t)ga_n_chunks(n, d) * (size_t)(2 * d);
}

/* Rows per chunk of the full-covariance log-density; each chunk owns a
 * d-sized slot of the workspace for the forward-substitution vector z. */
#define GA_FULL_CHUNK 512

static pyml_index ga_full_chunks(pyml_index n) { return n <= 0 ? 1 : (n + GA_FULL_CHUNK - 1) / GA_FULL_CHUNK; }

size_t pyml_gauss_full_workspace_size(pyml_index n, pyml_index d)
{
    if (n < 0 || d < 0) return 0;
    return (size_t)ga_full_chunks(n) * (size_t)d;
}

/* F1 from the confusion counts, the course's way (prec, rec, harmonic mean). */
static double f1_of(double tp, double fp, double fn)
{
    if (tp <= 0.0) return 0.0;
    double prec = tp / (tp + fp), rec = tp / (tp + fn);
    return 2.0 * prec * rec / (prec + rec);
}

int pyml_f1_grid_scan(const double *p_sorted, const uint8_t *y_sorted, pyml_index n,
                      const double *grid, pyml_index g, double *f1_out, pyml_index *best,
                      double *best_f1)
{
    if (n < 1 || g < 0) return PYML_ERR_SIZE;
    if (!p_sorted || !y_sorted || (g > 0 && !grid) || !best || !best_f1) return PYML_ERR_NULL;
    double pos = 0.0;
    for (pyml_index i = 0; i < n; ++i) {
        if (y_sorted[i] > 1) return PYML_ERR_VALUE;
        pos += y_sorted[i];
    }
    pyml_index j = 0; /* number of values < current eps */
    double tp = 0.0, flagged = 0.0, bf = 0.0;
    *best = -1;
    for (pyml_index t = 0; t < g; ++t) {
        if (t > 0 && grid[t] < grid[t - 1]) return PYML_ERR_VALUE;
        while (j < n && p_sorted[j] < grid[t]) {
            tp += y_sorted[j];
            flagged += 1.0;
            ++j;
        }
        double f1 = f1_of(tp, flagged - tp, pos - tp);
        if (f1_out) f1_out[t] = f1;
        if (f1 > bf) {
            bf = f1;
            *best = t;
        }
    }
    *best_f1 = bf;
    return PYML_OK;
}

int pyml_f1_exact_scan(const double *p_sorted, const uint8_t *y_sorted, pyml_index n,
                       pyml_index *best_cut, double *best_f1)
{
    if (n < 1) return PYML_ERR_SIZE;
    if (!p_sorted || !y_sorted || !best_cut || !best_f1) return PYML_ERR_NULL;
    double pos = 0.0;
    for (pyml_index i = 0; i < n; ++i) {
        if (y_sorted[i] > 1) return PYML_ERR_VALUE;
        if (i > 0 && p_sorted[i] < p_sorted[i - 1]) return PYML_ERR_VALUE;
        pos += y_sorted[i];
    }
    double tp = 0.0, bf = 0.0;
    *best_cut = 0;
    for (pyml_index j = 0; j < n; ++j) {
        tp += y_sorted[j];
        if (j + 1 < n && p_sorted[j + 1] == p_sorted[j]) continue; /* not a cut */
        double f1 = f1_of(tp, (double)(j + 1) - tp, pos - tp);
        if (f1 > bf) {
            bf = f1;
            *best_cut = j + 1;
        }
    }
    *best_f1 = bf;
    return PYML_OK;
}

#define T float
#define SFX f32
#include "anomaly_impl.inc"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "anomaly_impl.inc"
