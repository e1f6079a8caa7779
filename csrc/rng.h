/* splitmix64: a tiny, well-mixed generator (one 64-bit state word), for the
 * families that draw numbers per tree / per task from a seed: header-only. */
#ifndef PYML_RNG_H
#define PYML_RNG_H

#include <stdint.h>

static inline uint64_t pyml_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, n) for n < 2^32 (multiply-shift, no modulo bias worth
 * speaking of at these sizes). */
static inline uint64_t pyml_rand_below(uint64_t *s, uint64_t n)
{
    return ((pyml_splitmix64(s) >> 32) * n) >> 32;
}

/* Uniform double in [0, 1) (53 bits). */
static inline double pyml_rand_unit(uint64_t *s)
{
    return (double)(pyml_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
