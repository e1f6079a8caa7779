/* PCA kernels (see decomposition.h for the maths). The bodies are written once
 * in decomposition_impl.inc and instantiated for float and double input; the
 * chunk partitions and workspace layouts (always double) live here so the size
 * functions and the kernels agree. */
#include <string.h>

#include "decomposition.h"

/* GCC/Clang vector extensions for the 4 x 8 register blocks (the default
 * target clone lowers the 32-byte vectors to SSE2 pairs); plain loops
 * otherwise. Either way each output is the same fixed-order sum. */
#if defined(__GNUC__) && !defined(PYML_NO_VECTOR_EXT)
#define PCA_VEC 1
typedef double pca_v4d __attribute__((vector_size(32)));
#define PCA_LOAD4(dst, ptr) __builtin_memcpy(&(dst), (ptr), sizeof(dst))
#define PCA_BCAST(x) ((pca_v4d){(x), (x), (x), (x)})
#endif

#define PCA_TILE 64            /* rows of X centred into one covariance tile */
#define PCA_MAX_CHUNKS 16      /* row chunks of the reductions (fixed by shape) */
#define PCA_PARTIAL_BUDGET ((pyml_index)1 << 22) /* doubles of partial results */

/* Number of row chunks of a reduction whose per-chunk partial has `slot`
 * doubles: at least 512 rows per chunk, at most PCA_MAX_CHUNKS chunks and
 * about 32 MiB of partials. Depends on the shape only, never on threads. */
static pyml_index pca_chunks(pyml_index n, pyml_index slot, pyml_index max_chunks)
{
    pyml_index c = (n + 511) / 512;
    pyml_index by_mem = slot > 0 ? PCA_PARTIAL_BUDGET / slot : max_chunks;
    if (c > max_chunks) c = max_chunks;
    if (c > by_mem) c = by_mem;
    return c < 1 ? 1 : c;
}

static pyml_index pca_moment_chunks(pyml_index n, pyml_index d) { return pca_chunks(n, d, 64); }
static pyml_index pca_pad8(pyml_index d) { return (d + 7) / 8 * 8; }
static pyml_index pca_cov_slot(pyml_index d) { return d * d + pca_pad8(d) * PCA_TILE; }
static pyml_index pca_cov_chunks(pyml_index n, pyml_index d)
{
    return pca_chunks(n, pca_cov_slot(d), PCA_MAX_CHUNKS);
}
static pyml_index pca_pt_slot(pyml_index d, pyml_index k) { return d * k + PCA_TILE * ((d + 3) / 4 * 4 + k); }
static pyml_index pca_pt_chunks(pyml_index n, pyml_index d, pyml_index k)
{
    return pca_chunks(n, pca_pt_slot(d, k), PCA_MAX_CHUNKS);
}

size_t pyml_pca_moments_workspace_size(pyml_index n, pyml_index d)
{
    if (n < 0 || d < 1) return 0;
    return (size_t)(pca_moment_chunks(n, d) * d) * sizeof(double);
}

size_t pyml_pca_covariance_workspace_size(pyml_index n, pyml_index d)
{
    if (n < 0 || d < 1) return 0;
    return (size_t)(pca_cov_chunks(n, d) * pca_cov_slot(d)) * sizeof(double);
}

/* gram: the centred transpose Xc^T (d x n), n zeros (its "mean") and the
 * covariance workspace of Xc^T, whose scatter matrix is Xc Xc^T. */
size_t pyml_pca_gram_workspace_size(pyml_index n, pyml_index d)
{
    if (n < 0 || d < 1) return 0;
    pyml_index nn = n > 0 ? n : 1;
    return (size_t)(d * nn + nn) * sizeof(double) + pyml_pca_covariance_workspace_size(d, nn);
}

size_t pyml_pca_project_t_workspace_size(pyml_index n, pyml_index d, pyml_index k)
{
    if (n < 0 || d < 1 || k < 1) return 0;
    return (size_t)(pca_pt_chunks(n, d, k) * pca_pt_slot(d, k)) * sizeof(double);
}

/* Fixed-order dot product of two double rows (8 partial sums, pairwise
 * combine): the same value whichever thread computes it. */
PYML_INLINE double pca_dot(const double *restrict a, const double *restrict b, pyml_index d)
{
    double acc[8] = {0};
    pyml_index j = 0;
    for (; j + 8 <= d; j += 8)
        for (int l = 0; l < 8; ++l) acc[l] += a[j + l] * b[j + l];
    for (int l = 0; l < 4; ++l) acc[l] += acc[l + 4];
    double s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (; j < d; ++j) s += a[j] * b[j];
    return s;
}

/* acc[r][c] = sum_{l < rows} a[l * lda + r] b[l * ldb + c] (r < 4, c < 8), in
 * increasing l: the 4 x 8 register block shared by the covariance and
 * X^T P kernels. */
PYML_INLINE void pca_block_4x8(const double *restrict a, pyml_index lda, const double *restrict b,
                               pyml_index ldb, pyml_index rows, double acc[4][8])
{
#ifdef PCA_VEC
    pca_v4d v[4][2] = {{{0}}};
    for (pyml_index l = 0; l < rows; ++l) {
        pca_v4d b0, b1;
        PCA_LOAD4(b0, b + l * ldb);
        PCA_LOAD4(b1, b + l * ldb + 4);
        const double *ar = a + l * lda;
        for (int r = 0; r < 4; ++r) {
            const pca_v4d x = PCA_BCAST(ar[r]);
            v[r][0] += x * b0;
            v[r][1] += x * b1;
        }
    }
    for (int r = 0; r < 4; ++r) __builtin_memcpy(acc[r], v[r], sizeof v[r]);
#else
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 8; ++c) acc[r][c] = 0;
    for (pyml_index l = 0; l < rows; ++l)
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 8; ++c) acc[r][c] += a[l * lda + r] * b[l * ldb + c];
#endif
}

/* part[i][j] += sum_l xc[l][i] xc[l][j] for j >= i (rounded down to the
 * 8-wide block) over the `rows` rows of a centred tile packed in panels of 8
 * features (panel b holds xc[l][8b + c] at tp[b * rows * 8 + l * 8 + c], zero
 * padded), so both operands of the 4 x 8 register block stream contiguously.
 * The lower triangle is mirrored by the caller. */
PYML_HOT static void pca_tile_syrk(const double *restrict tp, pyml_index rows, pyml_index d,
                                   double *restrict part)
{
    for (pyml_index i0 = 0; i0 < d; i0 += 4) {
        const pyml_index ni = d - i0 < 4 ? d - i0 : 4;
        const double *a = tp + (i0 / 8) * rows * 8 + (i0 % 8);
        for (pyml_index j0 = i0 / 8 * 8; j0 < d; j0 += 8) {
            const pyml_index nj = d - j0 < 8 ? d - j0 : 8;
            double acc[4][8];
            pca_block_4x8(a, 8, tp + (j0 / 8) * rows * 8, 8, rows, acc);
            for (pyml_index r = 0; r < ni; ++r)
                for (pyml_index c = 0; c < nj; ++c) part[(i0 + r) * d + j0 + c] += acc[r][c];
        }
    }
}

/* part[f][c] += sum_l xc[l][f] p[l][c] over the `rows` rows of a tile. The
 * centred X tile is packed in panels of 4 features (panel b holds
 * xc[l][4b + r] at xp[b * rows * 4 + l * 4 + r], zero padded), so the 4 x 8
 * register block reads it contiguously; p is the P tile (rows x k). */
PYML_HOT static void pca_tile_gemm_tn(const double *restrict xp, const double *restrict p, pyml_index rows,
                                      pyml_index d, pyml_index k, double *restrict part)
{
    for (pyml_index f0 = 0; f0 < d; f0 += 4) {
        const pyml_index nf = d - f0 < 4 ? d - f0 : 4;
        const double *panel = xp + (f0 / 4) * rows * 4;
        for (pyml_index c0 = 0; c0 < k; c0 += 8) {
            const pyml_index nc = k - c0 < 8 ? k - c0 : 8;
            if (nc == 8) {
                double acc[4][8];
                pca_block_4x8(panel, 4, p + c0, k, rows, acc);
                for (pyml_index r = 0; r < nf; ++r)
                    for (int c = 0; c < 8; ++c) part[(f0 + r) * k + c0 + c] += acc[r][c];
            } else {
                for (pyml_index r = 0; r < nf; ++r)
                    for (pyml_index c = 0; c < nc; ++c) {
                        double acc = 0;
                        for (pyml_index l = 0; l < rows; ++l) acc += panel[l * 4 + r] * p[l * k + c0 + c];
                        part[(f0 + r) * k + c0 + c] += acc;
                    }
            }
        }
    }
}

#if PYML_HAVE_OPENMP
#define PCA_PARALLEL_CHUNKS _Pragma("omp parallel for schedule(dynamic, 1) num_threads(n_threads > 0 ? n_threads : 1)")
#define PCA_PARALLEL_FOR _Pragma("omp parallel for schedule(static) num_threads(n_threads > 0 ? n_threads : 1)")
#else
#define PCA_PARALLEL_CHUNKS
#define PCA_PARALLEL_FOR
#endif

/* Add the nch partials (each `len` doubles, consecutive) in chunk order. */
static void pca_combine(const double *parts, pyml_index nch, pyml_index len, double *out, int n_threads)
{
    PCA_PARALLEL_FOR
    for (pyml_index e = 0; e < len; ++e) {
        double s = parts[e];
        for (pyml_index c = 1; c < nch; ++c) s += parts[c * len + e];
        out[e] = s;
    }
}

#define T float
#define SFX f32
#include "decomposition_impl.inc"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "decomposition_impl.inc"
#undef T
#undef SFX
