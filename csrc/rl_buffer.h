/* Replay ring of a DQN (Course 3 week 3) and the per-step act+store crossing of
 * the Python-environment training loop.
 *
 * The ring is structure-of-arrays, caller-owned: states, next_states
 * (capacity x state_dim, row-major), actions (int32), rewards, terminated and
 * truncated (uint8), plus ring = {pos, size, n_added} (int64[3], in/out): pos
 * is the next row written, size the rows filled (<= capacity), n_added the
 * transitions ever added. Rows are written at pos, pos+1, ... mod capacity, so
 * the oldest transition is overwritten first. terminated and truncated are kept
 * apart: a time-limit truncation still bootstraps.
 *
 * Sampling draws `batch` distinct rows of [0, size) uniformly (every subset of
 * that size equally likely) by Floyd's algorithm on a xoshiro256** generator
 * (pyml_rl_uniform, csrc/rl.h) whose 4-word state is a caller array advanced in
 * place; the rows drawn equal those the fused update pyml_dqn_update draws
 * from the same state, so the buffer and the agent share one stream.
 *
 * Act+store (pyml_dqn_store_act): one environment step of DQN training,
 *   1. (s, a, r, s', terminated, truncated) written at pos;
 *   2. when (t + 1) % learn_every == 0 and size > batch: one pyml_dqn_update;
 *   3. unless the episode ended (terminated, truncated or act_next == 0):
 *        a' = (u > epsilon) ? argmax_a Q(s', a) : uniform{0..k-1},  u ~ U[0, 1),
 *      both draws from the same generator (the lab's epsilon-greedy rule);
 *   s' becomes the observation of the next step (obs, in/out).
 * out (double[2]): the update's loss (NaN when none ran), 1 when one ran; next_action: a' or -1.
 * Nothing is allocated: the workspace (elements of T) comes from
 * pyml_dqn_step_workspace_size. Every result is independent of n_threads.
 */
#ifndef PYML_RL_BUFFER_H
#define PYML_RL_BUFFER_H

#include "common.h"
#include "nn.h"

/* Fields named by `bad[0]` when pyml_replay_add rejects a transition (bad[1]: its row). */
enum { PYML_REPLAY_BAD_STATE = 1, PYML_REPLAY_BAD_NEXT_STATE = 2, PYML_REPLAY_BAD_REWARD = 3,
       PYML_REPLAY_BAD_ACTION = 4 };

/* Floyd's sampling of `batch` distinct integers of [0, size) into out (in draw
 * order). table (table_size int64, a power of two >= 2 batch, or NULL) makes the
 * membership test a hash probe instead of a linear scan; the rows are the same. */
int pyml_replay_sample_indices(uint64_t *rng_state, pyml_index size, pyml_index batch, int64_t *out,
                               int64_t *table, pyml_index table_size);

/* Workspace of pyml_dqn_store_act / pyml_dqn_act (elements of T). */
size_t pyml_dqn_step_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                    size_t elem);

#define PYML_DECLARE_RL_BUFFER(T, SFX)                                                               \
    /* Validates all n transitions first (finite states, next states and rewards; 0 <= action <      \
     * n_actions, n_actions <= 0: < 2^31), then copies them; n > capacity keeps the last capacity. */ \
    int pyml_replay_add_##SFX(T *states, T *next_states, int32_t *actions, T *rewards,              \
                              uint8_t *terminated, uint8_t *truncated, pyml_index capacity,          \
                              pyml_index state_dim, int64_t *ring, const T *s, const T *s2,          \
                              const int64_t *a, const double *r, const uint8_t *term,                \
                              const uint8_t *trunc, pyml_index n, long n_actions, int64_t *bad);     \
    /* Gathers `batch` distinct rows; any output may be NULL (dones = terminated as T). */           \
    int pyml_replay_sample_##SFX(const T *states, const T *next_states, const int32_t *actions,     \
                                 const T *rewards, const uint8_t *terminated, pyml_index capacity,  \
                                 pyml_index state_dim, pyml_index size, uint64_t *rng_state,        \
                                 pyml_index batch, int64_t *indices, T *out_states,                 \
                                 int32_t *out_actions, T *out_rewards, T *out_next_states,          \
                                 T *out_dones, int64_t *table, pyml_index table_size);              \
    /* Epsilon-greedy action for obs (the first action of an episode). */                            \
    int pyml_dqn_act_##SFX(const pyml_dense_layer *online, int n_layers, const T *obs,              \
                           double epsilon, uint64_t *rng_state, T *work, size_t work_size,          \
                           int n_threads, int *action);                                             \
    int pyml_dqn_store_act_##SFX(                                                                    \
        pyml_dense_layer *online, pyml_dense_layer *target, int n_layers, pyml_optimizer *opt,       \
        T *states, T *next_states, int32_t *actions, T *rewards, uint8_t *terminated,                \
        uint8_t *truncated, pyml_index capacity, int64_t *ring, T *obs, int action, double reward,   \
        const T *next_obs, int term, int trunc, long t, long learn_every, int act_next,              \
        pyml_index batch, double gamma, double tau, int huber, int double_dqn, double epsilon,       \
        uint64_t *rng_state, int64_t *last_indices, T *work, size_t work_size, int n_threads,        \
        double *out, int *next_action);

PYML_DECLARE_RL_BUFFER(float, f32)
PYML_DECLARE_RL_BUFFER(double, f64)

#endif
