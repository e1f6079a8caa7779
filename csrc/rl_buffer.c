/* Replay ring and act+store crossing of DQN training (see rl_buffer.h). The typed
 * bodies are written once in rl_buffer_impl.inc and instantiated for float and
 * double; the index sampling and the workspace size (shared by both) live here. */
#include <math.h>
#include <string.h>

#include "rl.h"
#include "rl_buffer.h"

/* Floyd (1987): for j = size-batch .. size-1 draw t uniform in [0, j]; keep t
 * unless already chosen, else keep j. Each batch-subset has probability
 * 1 / C(size, batch). Same draws and rows as the fused update's sampler. */
int pyml_replay_sample_indices(uint64_t *rng_state, pyml_index size, pyml_index batch, int64_t *out,
                               int64_t *table, pyml_index table_size)
{
    if (!rng_state || !out) return PYML_ERR_NULL;
    if (batch < 1 || size < batch) return PYML_ERR_SIZE;
    if (!(rng_state[0] | rng_state[1] | rng_state[2] | rng_state[3])) return PYML_ERR_VALUE;
    int hashed = table && table_size >= 2 * batch && (table_size & (table_size - 1)) == 0 && batch > 16;
    if (!hashed) {
        /* membership by a linear scan: a mini-batch is small, O(B^2) compares are cheaper than a table */
        pyml_index n = 0;
        for (pyml_index j = size - batch; j < size; ++j) {
            int64_t t = (int64_t)pyml_rl_uniform(rng_state, (uint64_t)j + 1);
            int seen = 0;
            for (pyml_index q = 0; q < n; ++q)
                if (out[q] == t) { seen = 1; break; }
            out[n++] = seen ? (int64_t)j : t;
        }
        return PYML_OK;
    }
    /* open addressing, linear probing, keys >= 0, empty = -1 */
    int shift = 64;
    for (pyml_index s = table_size; s > 1; s >>= 1) --shift;
    const uint64_t mask = (uint64_t)table_size - 1;
    for (pyml_index q = 0; q < table_size; ++q) table[q] = -1;
    pyml_index n = 0;
    for (pyml_index j = size - batch; j < size; ++j) {
        int64_t t = (int64_t)pyml_rl_uniform(rng_state, (uint64_t)j + 1);
        for (int pass = 0; pass < 2; ++pass) {
            uint64_t h = ((uint64_t)t * 0x9E3779B97F4A7C15ull) >> shift;
            while (table[h] >= 0 && table[h] != t) h = (h + 1) & mask;
            if (table[h] < 0) { table[h] = t; break; }
            t = (int64_t)j; /* t taken: j is larger than anything drawn so far, never taken */
        }
        out[n++] = t;
    }
    return PYML_OK;
}

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* update workspace | forward scratch | Q-values of one observation */
size_t pyml_dqn_step_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                    size_t elem)
{
    if (!layers || n_layers < 1 || n_layers > PYML_NN_MAX_LAYERS || batch < 1) return 0;
    return round16(pyml_dqn_update_workspace_size(layers, n_layers, batch, elem)) +
           round16(pyml_mlp_forward_workspace_size(layers, n_layers, elem)) +
           round16((size_t)layers[n_layers - 1].n_out);
}

#define T float
#define SFX f32
#include "rl_buffer_impl.inc"
#undef T
#undef SFX

#define T double
#define SFX f64
#include "rl_buffer_impl.inc"
#undef T
#undef SFX
