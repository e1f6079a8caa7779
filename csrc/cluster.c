/* K-means kernels. The body is written once in cluster_impl.inc and
 * instantiated for float and double; workspace layouts are computed here so
 * the size functions and the kernels always agree. */
#include <math.h>
#include <string.h>

#include "cluster.h"

#define KM_MR 6 /* rows per register tile */

/* The tile helpers must be inlined into the PYML_HOT (target_clones) callers,
 * otherwise they are compiled once for the baseline ISA without AVX2/FMA. */
#define KM_HOT PYML_HOT /* feature-dispatched AVX2/FMA + baseline clones (common.h) */

#if defined(__GNUC__) && !defined(PYML_NO_VECTOR_EXT)
#define KM_VEC 1
typedef double km_v4d __attribute__((vector_size(32)));
typedef long long km_v4i __attribute__((vector_size(32)));
typedef float km_v8f __attribute__((vector_size(32)));
typedef int km_v8i __attribute__((vector_size(32)));
#endif

#if defined(__GNUC__)
#define KM_INLINE static inline __attribute__((always_inline))
#else
#define KM_INLINE static inline
#endif

/* Register panel width: 64 bytes of centres (8 doubles, 16 floats). */
static pyml_index km_nr(size_t es) { return (pyml_index)(64 / es); }

static size_t km_align(size_t x) { return (x + 63) & ~(size_t)63; }

/* Rows per chunk of the deterministic partition: a function of k only, so
 * the per-chunk centroid partials stay small next to X (k*(d+1) values per
 * >= 32k rows) while leaving enough chunks to share between threads. */
static pyml_index km_chunk_rows(pyml_index k)
{
    pyml_index rows = 32 * k;
    if (rows < 1024) rows = 1024;
    return (rows + KM_MR - 1) / KM_MR * KM_MR;
}

static pyml_index km_n_chunks(pyml_index n, pyml_index k)
{
    pyml_index c = km_chunk_rows(k);
    return n <= 0 ? 1 : (n + c - 1) / c;
}

typedef struct {
    size_t panels, csq, xsq, mind, part, stats, comb, oldc, upper, lower, half, shift, total;
} km_layout;

static km_layout km_fit_layout(pyml_index n, pyml_index d, pyml_index k, size_t es, int algorithm)
{
    km_layout L;
    pyml_index nr = km_nr(es), kp = (k + nr - 1) / nr * nr, nch = km_n_chunks(n, k);
    size_t off = 0;
    L.panels = off; off += km_align((size_t)(kp * d) * es);
    L.csq = off;    off += km_align((size_t)kp * es);
    L.xsq = off;    off += km_align((size_t)n * es);
    L.mind = off;   off += km_align((size_t)n * es);
    L.part = off;   off += km_align((size_t)(nch * k * (d + 1)) * es);
    L.stats = off;  off += km_align((size_t)nch * 2 * sizeof(double));
    L.comb = off;   off += km_align((size_t)(k * (d + 1)) * sizeof(double));
    L.oldc = off;   off += km_align((size_t)(k * d) * es);
    L.upper = L.lower = L.half = L.shift = off;
    if (algorithm == PYML_KMEANS_HAMERLY) {
        L.upper = off; off += km_align((size_t)n * es);
        L.lower = off; off += km_align((size_t)n * es);
        L.half = off;  off += km_align((size_t)k * sizeof(double));
        L.shift = off; off += km_align((size_t)k * sizeof(double));
    }
    L.total = off + 64; /* room to align the base pointer */
    return L;
}

size_t pyml_kmeans_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size,
                                  int algorithm)
{
    if (n < 0 || d < 0 || k < 1) return 0;
    return km_fit_layout(n, d, k, elem_size, algorithm).total;
}

size_t pyml_kmeans_assign_workspace_size(pyml_index d, pyml_index k, size_t elem_size)
{
    if (d < 0 || k < 1) return 0;
    pyml_index nr = km_nr(elem_size), kp = (k + nr - 1) / nr * nr;
    return km_align((size_t)(kp * d) * elem_size) + km_align((size_t)kp * elem_size) + 64;
}

size_t pyml_kmeans_centroids_workspace_size(pyml_index n, pyml_index d, pyml_index k,
                                            size_t elem_size)
{
    if (n < 0 || d < 0 || k < 1) return 0;
    return km_align((size_t)(km_n_chunks(n, k) * k * (d + 1)) * elem_size) + 64;
}

typedef struct {
    size_t panels, csq, xsq, closest, chunk_pot, trial_pot, total;
} kpp_layout;

static kpp_layout kpp_layout_for(pyml_index n, pyml_index d, int n_trials, size_t es)
{
    kpp_layout L;
    pyml_index nr = km_nr(es), tp = ((pyml_index)n_trials + nr - 1) / nr * nr;
    pyml_index nch = km_n_chunks(n, 1);
    size_t off = 0;
    L.panels = off;    off += km_align((size_t)(tp * d) * es);
    L.csq = off;       off += km_align((size_t)tp * es);
    L.xsq = off;       off += km_align((size_t)n * es);
    L.closest = off;   off += km_align((size_t)n * es);
    L.chunk_pot = off; off += km_align((size_t)nch * sizeof(double));
    L.trial_pot = off; off += km_align((size_t)(nch * tp) * sizeof(double));
    L.total = off + 64;
    return L;
}

size_t pyml_kmeanspp_workspace_size(pyml_index n, pyml_index d, int n_trials, size_t elem_size)
{
    if (n < 0 || d < 0 || n_trials < 1) return 0;
    return kpp_layout_for(n, d, n_trials, elem_size).total;
}

static char *km_base(void *work) { return (char *)(((uintptr_t)work + 63) & ~(uintptr_t)63); }

#define T float
#define SFX f32
#define T_NR 16
#define T_VEC km_v8f
#define T_IVEC km_v8i
#define T_BCAST(x) ((km_v8f){(x), (x), (x), (x), (x), (x), (x), (x)})
#define T_SQRT sqrtf
#include "cluster_impl.inc"
#undef T
#undef SFX
#undef T_NR
#undef T_VEC
#undef T_IVEC
#undef T_BCAST
#undef T_SQRT

#define T double
#define SFX f64
#define T_NR 8
#define T_VEC km_v4d
#define T_IVEC km_v4i
#define T_BCAST(x) ((km_v4d){(x), (x), (x), (x)})
#define T_SQRT sqrt
#include "cluster_impl.inc"
