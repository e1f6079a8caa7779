/* Binning (quantile bin edges per feature, via an LSD radix sort of the
 * values), bin codes and prediction of trees and forests, templated over
 * float/double in tree_impl.inc. */
#include "tree_grow.h"

/* ---------------------------------------------- exact-splitter sort ----- */

/* LSD radix sort of (key, row) pairs: 6 passes of 11 bits over 64-bit keys;
 * a pass whose digit is the same for every key is skipped. Stable, so equal
 * keys keep their row order. The result ends in (key, row).
 *
 * Columns of few distinct values (one-hot features) send most rows to one
 * bucket, and one write cursor per bucket becomes a single dependent chain
 * of increments; such columns use radix_pass_quarters (4 independent
 * cursors, sort 20% faster on one-hot data). Continuous columns keep the
 * single-cursor passes with all digit counts taken in one read of the keys
 * (4 cursors cost them one more read per pass: 20% slower). */
#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)
#define RADIX_PASSES 6
#define RADIX_WAYS 4

/* One pass over (k0, r0) into (k1, r1) seen as 4 quarters, each with its own
 * counts and cursors (the last quarter also takes the n % 4 tail). Within a
 * bucket quarter 0's rows come first, then quarter 1's, ..., which keeps the
 * pass stable. c: RADIX_WAYS * RADIX_SIZE scratch. */
static void radix_pass_quarters(const uint64_t *k0, const int32_t *r0, uint64_t *k1, int32_t *r1, pyml_index n,
                                int shift, uint32_t *c)
{
    const pyml_index qn = n / RADIX_WAYS;
    uint32_t *c0 = c, *c1 = c + RADIX_SIZE, *c2 = c + 2 * RADIX_SIZE, *c3 = c + 3 * RADIX_SIZE;
    memset(c, 0, sizeof(uint32_t) * RADIX_WAYS * RADIX_SIZE);
    for (pyml_index i = 0; i < qn; i++) { /* the quarters interleaved: 4 independent chains */
        c0[(k0[i] >> shift) & (RADIX_SIZE - 1)]++;
        c1[(k0[i + qn] >> shift) & (RADIX_SIZE - 1)]++;
        c2[(k0[i + 2 * qn] >> shift) & (RADIX_SIZE - 1)]++;
        c3[(k0[i + 3 * qn] >> shift) & (RADIX_SIZE - 1)]++;
    }
    for (pyml_index i = RADIX_WAYS * qn; i < n; i++) c3[(k0[i] >> shift) & (RADIX_SIZE - 1)]++;
    uint32_t acc = 0;
    for (int b = 0; b < RADIX_SIZE; b++)
        for (int w = 0; w < RADIX_WAYS; w++) {
            uint32_t t = c[w * RADIX_SIZE + b];
            c[w * RADIX_SIZE + b] = acc;
            acc += t;
        }
    for (pyml_index i = 0; i < qn; i++) {
        pyml_index i1 = i + qn, i2 = i + 2 * qn, i3 = i + 3 * qn;
        uint32_t d0 = c0[(k0[i] >> shift) & (RADIX_SIZE - 1)]++;
        uint32_t d1 = c1[(k0[i1] >> shift) & (RADIX_SIZE - 1)]++;
        uint32_t d2 = c2[(k0[i2] >> shift) & (RADIX_SIZE - 1)]++;
        uint32_t d3 = c3[(k0[i3] >> shift) & (RADIX_SIZE - 1)]++;
        k1[d0] = k0[i];
        r1[d0] = r0[i];
        k1[d1] = k0[i1];
        r1[d1] = r0[i1];
        k1[d2] = k0[i2];
        r1[d2] = r0[i2];
        k1[d3] = k0[i3];
        r1[d3] = r0[i3];
    }
    for (pyml_index i = RADIX_WAYS * qn; i < n; i++) { /* quarter 3's tail, after its first qn rows */
        uint32_t dst = c3[(k0[i] >> shift) & (RADIX_SIZE - 1)]++;
        k1[dst] = k0[i];
        r1[dst] = r0[i];
    }
}

/* Whether the first 64 keys hold at most 8 distinct values (a guess that the
 * column has few: it only picks the faster of two exact sorts). */
static int radix_few_values(const uint64_t *key, pyml_index n)
{
    uint64_t seen[8];
    int ns = 0;
    for (pyml_index i = 0; i < n && i < 64; i++) {
        int found = 0;
        for (int s = 0; s < ns; s++) found |= seen[s] == key[i];
        if (found) continue;
        if (ns == 8) return 0;
        seen[ns++] = key[i];
    }
    return 1;
}

_Static_assert(RADIX_PASSES >= RADIX_WAYS, "radix count scratch too small for the 4-cursor passes");

/* count: RADIX_PASSES * RADIX_SIZE scratch. */
void pyml_tree_radix_sort_pairs(uint64_t *key, int32_t *row, uint64_t *key2, int32_t *row2, pyml_index n,
                             uint32_t *count)
{
    uint64_t *k0 = key, *k1 = key2;
    int32_t *r0 = row, *r1 = row2;
    const int quarters = n >= 4 * RADIX_WAYS && radix_few_values(key, n);
    uint64_t diff = 0; /* quarters: the bits that vary */
    if (quarters) {
        for (pyml_index i = 0; i < n; i++) diff |= key[i] ^ key[0];
    } else {
        memset(count, 0, sizeof(uint32_t) * RADIX_PASSES * RADIX_SIZE);
        for (pyml_index i = 0; i < n; i++)
            for (int p = 0; p < RADIX_PASSES; p++)
                count[p * RADIX_SIZE + ((key[i] >> (p * RADIX_BITS)) & (RADIX_SIZE - 1))]++;
    }
    for (int p = 0; p < RADIX_PASSES; p++) {
        const int shift = p * RADIX_BITS;
        if (quarters) {
            if (((diff >> shift) & (RADIX_SIZE - 1)) == 0) continue;
            radix_pass_quarters(k0, r0, k1, r1, n, shift, count);
        } else {
            uint32_t *c = count + p * RADIX_SIZE;
            if (c[(k0[0] >> shift) & (RADIX_SIZE - 1)] == (uint32_t)n) continue;
            uint32_t acc = 0;
            for (int b = 0; b < RADIX_SIZE; b++) {
                uint32_t t = c[b];
                c[b] = acc;
                acc += t;
            }
            for (pyml_index i = 0; i < n; i++) {
                uint32_t dst = c[(k0[i] >> shift) & (RADIX_SIZE - 1)]++;
                k1[dst] = k0[i];
                r1[dst] = r0[i];
            }
        }
        uint64_t *tk = k0;
        k0 = k1;
        k1 = tk;
        int32_t *tr = r0;
        r0 = r1;
        r1 = tr;
    }
    if (k0 != key) {
        memcpy(key, k0, sizeof(uint64_t) * (size_t)n);
        memcpy(row, r0, sizeof(int32_t) * (size_t)n);
    }
}

/* Order-preserving map of a (non-NaN) double to an unsigned integer: flip
 * every bit of negatives, set the sign bit of the others. */
size_t pyml_tree_sort_work_per_thread(pyml_index n)
{
    return 2 * ALIGN64(sizeof(uint64_t) * (size_t)n) + ALIGN64(sizeof(int32_t) * (size_t)n) +
           ALIGN64(sizeof(uint32_t) * RADIX_PASSES * RADIX_SIZE);
}

size_t pyml_tree_sort_workspace_size(pyml_index n, int n_threads)
{
    return (size_t)(n_threads < 1 ? 1 : n_threads) * pyml_tree_sort_work_per_thread(n) + 64;
}

/* ------------------------------------------------- binning, predict ----- */

#define T float
#define SFX f32
#include "tree_impl.inc"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "tree_impl.inc"
#undef T
#undef SFX

