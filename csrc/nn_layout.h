/* Internal: workspace layouts shared by nn.c and nn_impl.inc (offsets in elements). */
#ifndef PYML_NN_LAYOUT_H
#define PYML_NN_LAYOUT_H

#include "nn.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(PYML_NO_TARGET_CLONES)
#define PYML_NN_AVX512 1
#else
#define PYML_NN_AVX512 0
#endif
int pyml_nn_wide_tiles(void);
int pyml_nn_avx2(void);

/* Rows per chunk of the inference forward pass. */
#define PYML_NN_CHUNK 256

typedef struct {
    size_t Xb, loss, total;
    size_t Wp[PYML_NN_MAX_LAYERS], Wt[PYML_NN_MAX_LAYERS];
    size_t A[PYML_NN_MAX_LAYERS], dZ[PYML_NN_MAX_LAYERS];
    /* a layer with dropout: its dropped output D = A * M (read by the next layer) and M */
    size_t D[PYML_NN_MAX_LAYERS], M[PYML_NN_MAX_LAYERS];
    size_t Xd;          /* the dropped input batch (first layer's in_dropout > 0) */
    pyml_index ldo[PYML_NN_MAX_LAYERS], ldi[PYML_NN_MAX_LAYERS];
} pyml_nn_layout;

/* Columns of one register panel (128 bytes of T); buffers used as the right-hand
 * operand of a product are padded to a multiple of it. */
pyml_index pyml_nn_panel(size_t elem);
pyml_index pyml_nn_ld(pyml_index n, size_t elem);
void pyml_nn_train_layout(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                          pyml_index n_rows_loss, size_t elem, pyml_nn_layout *lay);
void pyml_nn_forward_layout(const pyml_dense_layer *layers, int n_layers, size_t elem,
                            pyml_nn_layout *lay);

/* Inverted-dropout mask (counter-based: a pure function of the layer's seed, the
 * optimiser step, the row within the batch and the column; see nn.h). */
static inline uint64_t pyml_nn_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
/* The key of row i of step t: every element of the row is then mix(key + (j + 1) * golden). */
static inline uint64_t pyml_nn_row_key(uint64_t seed, long t, pyml_index i)
{
    uint64_t k = pyml_nn_mix(seed ^ pyml_nn_mix((uint64_t)t * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL));
    return pyml_nn_mix(k + (uint64_t)i * 0x9E3779B97F4A7C15ULL);
}
/* Keep when the top 53 bits fall under (1 - rate) 2^53. */
static inline uint64_t pyml_nn_keep_threshold(double rate)
{
    return (uint64_t)((1.0 - rate) * 9007199254740992.0);
}
static inline int pyml_nn_keep(uint64_t row_key, pyml_index j, uint64_t thr)
{
    return (pyml_nn_mix(row_key + (uint64_t)(j + 1) * 0x9E3779B97F4A7C15ULL) >> 11) < thr;
}

/* Training flushes denormals to zero (FTZ/DAZ) in every thread while it runs:
 * Adam's second moments of tiny gradients otherwise fall into the denormal
 * range, where x86 arithmetic is ~100x slower. Restored on exit. */
#if defined(__SSE2__) || defined(__x86_64__)
#include <xmmintrin.h>
static inline unsigned int pyml_nn_ftz_on(void)
{
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return old;
}
static inline void pyml_nn_ftz_restore(unsigned int old) { _mm_setcsr(old); }
#else
static inline unsigned int pyml_nn_ftz_on(void) { return 0; }
static inline void pyml_nn_ftz_restore(unsigned int old) { (void)old; }
#endif

#endif
