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
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do {
        r = rl_next(state);
    } while (r >= limit);
    return r % bound;
}

double pyml_rl_random(uint64_t *state) { return (double)(rl_next(state) >> 11) * 0x1.0p-53; }

/* Floyd's sampling of `batch` distinct integers of [0, size): uniform subset,
 * batch draws; membership by a linear scan (batch is a mini-batch: O(B^2) tiny). */
static void rl_sample_distinct(uint64_t *state, pyml_index size, pyml_index batch, int64_t *out)
{
    pyml_index n = 0;
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
