/* Reinforcement-learning kernels (Course 3 week 3): the fused DQN update.
 *
 * One call runs n_updates gradient steps of a Deep Q-Network on a replay ring
 * owned by the caller. Each step:
 *   1. draws batch distinct rows i_1..i_B uniformly from [0, size) (Floyd's
 *      algorithm on a xoshiro256** generator whose 4-word state is a caller
 *      array, advanced in place: results are deterministic and resumable);
 *   2. gathers s, a, r, s', terminated of those rows;
 *   3. y_j = r_j + gamma * max_a Q_target(s'_j, a) * (1 - terminated_j)
 *      (double_dqn: Q_target(s'_j, argmax_a Q(s'_j, a))), linear outputs;
 *   4. loss = mean_j (Q(s_j, a_j) - y_j)^2, or Huber (delta 1): the gathered
 *      MSE step is taken at y'_j = q_j - clip(q_j - y_j, -1, 1) / 2, whose MSE
 *      gradient 2 (q - y') / B equals Huber's clip(q - y, -1, 1) / B;
 *   5. one optimiser step of the online network (pyml_mlp_train_step, loss on
 *      the gathered output column a_j);
 *   6. soft target update  theta_t <- tau theta + (1 - tau) theta_t  of every
 *      layer's W and b.
 * mean_loss receives the mean of the n_updates losses; last_indices (batch
 * int64) the rows of the last step. No allocation: the workspace (elements of
 * T, size from pyml_dqn_update_workspace_size) holds the gathered batch, the
 * Q-values and the training step's scratch. Results do not depend on
 * n_threads (the NN kernels are deterministic).
 */
#ifndef PYML_RL_H
#define PYML_RL_H

#include "common.h"
#include "nn.h"

/* Uniform integer in [0, bound) from a xoshiro256** state (bound >= 1). */
uint64_t pyml_rl_uniform(uint64_t *state, uint64_t bound);
/* Uniform double in [0, 1) (53 bits). */
double pyml_rl_random(uint64_t *state);

size_t pyml_dqn_update_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                      size_t elem);

/* The classic cart-pole with Gymnasium's CartPole-v1 constants (Euler step, tau = 0.02 s):
 * state (x, x_dot, theta, theta_dot) in place; returns 1 when terminated
 * (|x| > 2.4 or |theta| > 12 degrees). */
int pyml_cartpole_step(double *state, int action);

/* One DQN training episode on the built-in cart-pole, all in C (act, env step,
 * ring add, update every learn_every steps once the ring holds more than batch):
 *   action = (u > epsilon) ? argmax_a Q(obs, a) : uniform{0..k-1}, u ~ U[0,1),
 * both draws from rng_state. ring: (pos, size, env_steps) int64 in/out;
 * env_state double[4] in/out; stops at termination, truncation (env_steps ==
 * max_episode_steps), max_steps steps or step_budget steps (< 0: none).
 * out (double[6]): return, sum of losses, updates, length, terminated, truncated.
 * Workspace: pyml_dqn_episode_workspace_size. */
size_t pyml_dqn_episode_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                       size_t elem);

#define PYML_DECLARE_RL(T, SFX)                                                                     \
    int pyml_dqn_update_##SFX(pyml_dense_layer *online, pyml_dense_layer *target, int n_layers,      \
                              pyml_optimizer *opt, const T *states, const T *next_states,            \
                              pyml_index state_dim, const int32_t *actions, const T *rewards,        \
                              const uint8_t *terminated, pyml_index size, pyml_index batch,          \
                              double gamma, double tau, int huber, int double_dqn,                   \
                              uint64_t *rng_state, long n_updates, int64_t *last_indices, T *work,   \
                              size_t work_size, int n_threads, double *mean_loss);               \
    int pyml_dqn_cartpole_episode_##SFX(                                                              \
        pyml_dense_layer *online, pyml_dense_layer *target, int n_layers, pyml_optimizer *opt,        \
        T *states, T *next_states, int32_t *actions, T *rewards, uint8_t *terminated,                 \
        uint8_t *truncated, pyml_index capacity, int64_t *ring, double *env_state,                    \
        long max_episode_steps, long max_steps, long step_budget, double epsilon, pyml_index batch,   \
        long learn_every, double gamma, double tau, int huber, int double_dqn, uint64_t *rng_state,   \
        int64_t *last_indices, T *work, size_t work_size, int n_threads, double *out);

PYML_DECLARE_RL(float, f32)
PYML_DECLARE_RL(double, f64)

#endif
