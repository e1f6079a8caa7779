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

/* Many DQN training episodes on the built-in cart-pole in one call (DQN.learn on pyml's CartPole):
 * before each episode, stop when spec->max_episodes episodes are done (PYML_CP_STOP_EPISODES) or
 * spec->step_budget steps are taken (PYML_CP_STOP_BUDGET); else reset env_state with
 * pyml_cartpole_reset(episode_seed + episode_index + e), run the episode of
 * pyml_dqn_cartpole_episode (epsilon-greedy act, step, ring add, update every learn_every steps),
 * record returns[e], lengths[e], losses[e] (mean update loss, NaN without updates), then
 * *epsilon <- max(epsilon_min, epsilon_decay * *epsilon); after it, stop when use_target and
 * n_before + e + 1 >= window and the mean of the last `window` returns (the n_history returns
 * before the call, oldest first, then this call's) >= target (PYML_CP_STOP_TARGET).
 * ring: (pos, size, n_added) in/out. Everything is written back on every exit: on Ctrl-C
 * (PYML_ERR_INTERRUPTED, polled every step) the steps of the unfinished episode are stored and
 * counted, the episode is not recorded and epsilon is not decayed.
 * info (int64[6]) out: episodes completed, steps taken, updates, steps of the last (possibly
 * unfinished) episode, stop reason, optimiser step count.
 * Workspace: pyml_dqn_episode_workspace_size. */
size_t pyml_dqn_learn_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                     size_t elem);

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

/* Reset of the built-in cart-pole for an episode seed, exactly Gymnasium's CartPole-v1 reset(seed)
 * (and pyml.rl.envs.CartPole.reset(seed)): numpy.random.default_rng(seed).uniform(-0.05, 0.05, 4),
 * i.e. SeedSequence(seed) -> PCG64 -> low + (high - low) u. Stateless: an episode's start depends
 * only on its seed (DQN.learn uses episode_seed + the episode's index, as before). */
void pyml_cartpole_reset(double *state, uint64_t seed);

/* Hyper-parameters and stopping rules of pyml_dqn_cartpole_learn. */
typedef struct {
    long max_episode_steps; /* truncation (Gymnasium's TimeLimit) */
    long max_steps;         /* steps per episode at most (DQN.learn's max_steps) */
    long learn_every;
    pyml_index batch;
    double gamma, tau, epsilon_min, epsilon_decay;
    int huber, double_dqn;
    long max_episodes;      /* episodes in this call (>= 1; the length of the output arrays) */
    long step_budget;       /* steps in this call, < 0: no limit */
    int64_t episode_seed;   /* episode i of the agent starts from pyml_cartpole_reset(episode_seed + i) */
    int64_t episode_index;  /* the agent's index of the first episode of this call */
    int use_target;         /* stop once mean(last `window` returns) >= target (and >= window episodes) */
    double target;
    long window;
} pyml_cartpole_learn_spec;

/* Stop reasons (info[4] of pyml_dqn_cartpole_learn). */
enum { PYML_CP_STOP_EPISODES = 0, PYML_CP_STOP_BUDGET = 1, PYML_CP_STOP_TARGET = 2, PYML_CP_STOP_ERROR = 3 };

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
        int64_t *last_indices, T *work, size_t work_size, int n_threads, double *out);              \
    int pyml_dqn_cartpole_learn_##SFX(                                                                \
        pyml_dense_layer *online, pyml_dense_layer *target, int n_layers, pyml_optimizer *opt,        \
        T *states, T *next_states, int32_t *actions, T *rewards, uint8_t *terminated,                 \
        uint8_t *truncated, pyml_index capacity, int64_t *ring, const pyml_cartpole_learn_spec *spec, \
        const double *history, long n_history, long n_before, double *epsilon, double *env_state,     \
        uint64_t *rng_state, int64_t *last_indices, double *returns, int64_t *lengths,                \
        double *losses, int64_t *info, T *work, size_t work_size, int n_threads);

PYML_DECLARE_RL(float, f32)
PYML_DECLARE_RL(double, f64)

#endif
