/* Reinforcement-learning kernels (see rl.h). The typed body is written once in
 * rl_impl.inc and instantiated for float and double; the generator and the
 * workspace layout (shared by both) live here. */
#define _USE_MATH_DEFINES
#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <string.h>

#include "rl.h"

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman & Vigna). */
static inline uint64_t rl_next(uint64_t *s)
{
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Unbiased: reject the top partial range of 2^64 so every residue is equally likely. */
uint64_t pyml_rl_uniform(uint64_t *state, uint64_t bound)
{
    uint64_t r = rl_next(state);
    /* r <= 2^64 - 1 - bound lies below the limit: the common case needs no second division */
    if (r > UINT64_MAX - bound) {
        uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
        while (r >= limit) r = rl_next(state);
    }
    return r % bound;
}

double pyml_rl_random(uint64_t *state) { return (double)(rl_next(state) >> 11) * 0x1.0p-53; }

/* Floyd's sampling of `batch` distinct integers of [0, size): uniform subset,
 * batch draws; membership by a linear scan (batch is a mini-batch: O(B^2) tiny). */
static void rl_sample_distinct(uint64_t *state, pyml_index size, pyml_index batch, int64_t *out)
{
    pyml_index n = 0;
    if (batch <= 512) {
        /* membership by an open-addressing set of value + 1 (0: empty), the same draws and results
         * as the scan below */
        uint64_t table[1024];
        pyml_index cap = 16;
        while (cap < 2 * batch) cap *= 2;
        memset(table, 0, (size_t)cap * sizeof table[0]);
        const pyml_index mask = cap - 1;
        for (pyml_index j = size - batch; j < size; ++j) {
            uint64_t t = pyml_rl_uniform(state, (uint64_t)j + 1), v = t;
            pyml_index h = (pyml_index)((t * 0x9E3779B97F4A7C15ull) >> 40) & mask;
            for (;; h = (h + 1) & mask) {
                if (table[h] == 0) break;
                if (table[h] == t + 1) { v = (uint64_t)j; break; }
            }
            if (v != t) { /* t was taken: j (never drawn before, as j > every earlier bound) */
                h = (pyml_index)(((uint64_t)j * 0x9E3779B97F4A7C15ull) >> 40) & mask;
                while (table[h] != 0) h = (h + 1) & mask;
            }
            table[h] = v + 1;
            out[n++] = (int64_t)v;
        }
        return;
    }
    for (pyml_index j = size - batch; j < size; ++j) {
        int64_t t = (int64_t)pyml_rl_uniform(state, (uint64_t)j + 1);
        int seen = 0;
        for (pyml_index q = 0; q < n; ++q)
            if (out[q] == t) { seen = 1; break; }
        out[n++] = seen ? (int64_t)j : t;
    }
}

/* Workspace (elements of T): S, S2 (B x d), y (B), q_target, q_online (B x k),
 * cols (B int32, rounded up), then the NN scratch shared by forward and training. */
typedef struct {
    size_t S, S2, y, qt, qo, cols, nn, nn_size, total;
} rl_layout;

static rl_layout rl_dqn_layout(const pyml_dense_layer *layers, int L, pyml_index B, size_t elem)
{
    rl_layout lay;
    size_t d = (size_t)layers[0].n_in, k = (size_t)layers[L - 1].n_out, b = (size_t)B, off = 0;
    lay.S = off;    off += b * d;
    lay.S2 = off;   off += b * d;
    lay.y = off;    off += b;
    lay.qt = off;   off += b * k;
    lay.qo = off;   off += b * k;
    lay.cols = off; off += (b * sizeof(int32_t) + elem - 1) / elem + 1;
    off = (off + 15) & ~(size_t)15; /* keep the NN scratch 64-byte aligned relative to the base */
    lay.nn = off;
    size_t f = pyml_mlp_forward_workspace_size(layers, L, elem);
    size_t t = pyml_mlp_train_workspace_size(layers, L, B, B, elem);
    lay.nn_size = f > t ? f : t;
    lay.total = off + lay.nn_size;
    return lay;
}

size_t pyml_dqn_update_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                      size_t elem)
{
    if (!layers || n_layers < 1 || batch < 1) return 0;
    return rl_dqn_layout(layers, n_layers, batch, elem).total;
}

size_t pyml_dqn_episode_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                       size_t elem)
{
    if (!layers || n_layers < 1 || batch < 1) return 0;
    /* the update's workspace, then one observation row and its Q-values */
    return rl_dqn_layout(layers, n_layers, batch, elem).total + (size_t)layers[0].n_in +
           (size_t)layers[n_layers - 1].n_out + 16;
}

size_t pyml_dqn_learn_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                     size_t elem)
{
    return pyml_dqn_episode_workspace_size(layers, n_layers, batch, elem);
}

/* ---- numpy.random.default_rng(seed).uniform(-0.05, 0.05, 4), exactly -----------------------
 * (Gymnasium's CartPole reset and pyml's Python CartPole.reset(seed)): SeedSequence(seed)'s
 * entropy pool and generate_state(4, uint64) (numpy/random/bit_generator.pyx), PCG64 seeded from
 * it (pcg64.h: setseq 128-bit LCG, XSL-RR output), doubles (x >> 11) 2^-53, low + range u. */
#define SS_INIT_A 0x43b0d7e5u
#define SS_MULT_A 0x931e8875u
#define SS_INIT_B 0x8b51f9ddu
#define SS_MULT_B 0x58f38dedu
#define SS_MIX_L 0xca01f9ddu
#define SS_MIX_R 0x4973f715u

static uint32_t ss_hashmix(uint32_t value, uint32_t *hc)
{
    value ^= *hc;
    *hc *= SS_MULT_A;
    value *= *hc;
    value ^= value >> 16;
    return value;
}

static uint32_t ss_mix(uint32_t x, uint32_t y)
{
    uint32_t r = SS_MIX_L * x - SS_MIX_R * y;
    return r ^ (r >> 16);
}

/* SeedSequence(seed).generate_state(4, np.uint64) for a non-negative integer seed. */
static void ss_state(uint64_t seed, uint64_t out[4])
{
    uint32_t ent[2], pool[4], hc = SS_INIT_A;
    int n = 0;
    if (seed == 0) ent[n++] = 0;
    while (seed) { ent[n++] = (uint32_t)(seed & 0xFFFFFFFFu); seed >>= 32; }
    for (int i = 0; i < 4; ++i) pool[i] = ss_hashmix(i < n ? ent[i] : 0u, &hc);
    for (int src = 0; src < 4; ++src)
        for (int dst = 0; dst < 4; ++dst)
            if (src != dst) pool[dst] = ss_mix(pool[dst], ss_hashmix(pool[src], &hc));
    /* (entropy words beyond the pool size: none for a seed below 2^128) */
    uint32_t hb = SS_INIT_B, w[8];
    for (int i = 0; i < 8; ++i) {
        uint32_t v = pool[i % 4];
        v ^= hb;
        hb *= SS_MULT_B;
        v *= hb;
        v ^= v >> 16;
        w[i] = v;
    }
    for (int i = 0; i < 4; ++i) out[i] = (uint64_t)w[2 * i] | ((uint64_t)w[2 * i + 1] << 32);
}

typedef struct { uint64_t hi, lo; } u128;

static u128 u128_mul(u128 a, u128 b)
{
    /* low 128 bits of a * b from 32-bit limbs (no compiler 128-bit type needed) */
    const uint64_t m = 0xFFFFFFFFu;
    uint64_t a0 = a.lo & m, a1 = a.lo >> 32, b0 = b.lo & m, b1 = b.lo >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & m) + (p10 & m);
    u128 r;
    r.lo = (p00 & m) | (mid << 32);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) + a.lo * b.hi + a.hi * b.lo;
    return r;
}

static u128 u128_add(u128 a, u128 b)
{
    u128 r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo);
    return r;
}

typedef struct { u128 state, inc; } pcg64;

static void pcg_step(pcg64 *g)
{
    const u128 mult = {0x2360ED051FC65DA4ull, 0x4385DF649FCCF645ull};
    g->state = u128_add(u128_mul(g->state, mult), g->inc);
}

static uint64_t pcg_next(pcg64 *g)
{
    pcg_step(g);
    uint64_t x = g->state.hi ^ g->state.lo;
    unsigned rot = (unsigned)(g->state.hi >> 58);
    return (x >> rot) | (x << ((64 - rot) & 63));
}

void pyml_cartpole_reset(double *state, uint64_t seed)
{
    uint64_t s[4];
    ss_state(seed, s);
    pcg64 g;
    u128 init = {s[0], s[1]}, seq = {s[2], s[3]};
    g.state.hi = g.state.lo = 0;
    g.inc.hi = (seq.hi << 1) | (seq.lo >> 63);
    g.inc.lo = (seq.lo << 1) | 1u;
    pcg_step(&g);
    g.state = u128_add(g.state, init);
    pcg_step(&g);
    const double low = -0.05, range = 0.05 - low;
    for (int c = 0; c < 4; ++c) state[c] = low + range * ((double)(pcg_next(&g) >> 11) * (1.0 / 9007199254740992.0));
}

/* Gymnasium CartPole-v1 (classic_control/cartpole.py, euler integrator). */
int pyml_cartpole_step(double *s, int action)
{
    const double gravity = 9.8, masscart = 1.0, masspole = 0.1, total_mass = masspole + masscart;
    const double length = 0.5, polemass_length = masspole * length, force_mag = 10.0, tau = 0.02;
    const double theta_threshold = 12 * 2 * M_PI / 360, x_threshold = 2.4;
    double x = s[0], x_dot = s[1], theta = s[2], theta_dot = s[3];
    double force = action == 1 ? force_mag : -force_mag;
    double costheta = cos(theta), sintheta = sin(theta);
    double temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass;
    double thetaacc = (gravity * sintheta - costheta * temp) /
                      (length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass));
    double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
    s[0] = x + tau * x_dot;
    s[1] = x_dot + tau * xacc;
    s[2] = theta + tau * theta_dot;
    s[3] = theta_dot + tau * thetaacc;
    return s[0] < -x_threshold || s[0] > x_threshold || s[2] < -theta_threshold || s[2] > theta_threshold;
}

#define T float
#define SFX f32
#include "rl_impl.inc"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "rl_impl.inc"
#undef T
#undef SFX
