#include "common.h"

#include <signal.h>
#include <string.h>

const char *pyml_status_message(int status)
{
    switch (status) {
    case PYML_OK: return "success";
    case PYML_ERR_SIZE: return "inconsistent array sizes or strides";
    case PYML_ERR_VALUE: return "parameter out of range";
    case PYML_ERR_INDEX: return "index out of range";
    case PYML_ERR_NONFINITE: return "computation produced NaN or infinity";
    case PYML_ERR_INTERRUPTED: return "interrupted";
    case PYML_ERR_WORKSPACE: return "workspace missing or too small";
    case PYML_ERR_NULL: return "required pointer is NULL";
    default: return "unknown error";
    }
}

int pyml_openmp_enabled(void)
{
#if PYML_HAVE_OPENMP
    return 1;
#else
    return 0;
#endif
}

int pyml_max_threads(void)
{
#if PYML_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int pyml_simd_dispatch(void)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(PYML_NO_TARGET_CLONES)
    __builtin_cpu_init();
#if __GNUC__ >= 12
    return __builtin_cpu_supports("x86-64-v3") ? 2 : 1;
#else
    return __builtin_cpu_supports("avx2") ? 2 : 1;
#endif
#else
    return 0;
#endif
}

const char *pyml_compiler(void)
{
#ifdef PYML_COMPILER_ID
    return PYML_COMPILER_ID;
#else
    return "unknown";
#endif
}

/* ---- Ctrl-C guard (see common.h) ---------------------------------------- */
static volatile sig_atomic_t sigint_seen = 0;
static int guard_depth = 0; /* changed only with the GIL held */

#if defined(_WIN32)
typedef void (*sig_fn)(int);
static sig_fn prev_handler = SIG_DFL;
static void on_sigint(int sig)
{
    sigint_seen = 1;
    signal(SIGINT, on_sigint);
    if (prev_handler != SIG_DFL && prev_handler != SIG_IGN && prev_handler) prev_handler(sig);
}
static void install_guard(void) { prev_handler = signal(SIGINT, on_sigint); }
static void remove_guard(void) { signal(SIGINT, prev_handler); }
#else
static struct sigaction prev_action;
static void on_sigint(int sig, siginfo_t *info, void *uctx)
{
    if (!(prev_action.sa_flags & SA_SIGINFO) && prev_action.sa_handler == SIG_IGN) return;
    sigint_seen = 1;
    if (prev_action.sa_flags & SA_SIGINFO) {
        if (prev_action.sa_sigaction) prev_action.sa_sigaction(sig, info, uctx);
    } else if (prev_action.sa_handler != SIG_DFL && prev_action.sa_handler) {
        prev_action.sa_handler(sig);
    }
}
static void install_guard(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigint;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &prev_action);
}
static void remove_guard(void) { sigaction(SIGINT, &prev_action, NULL); }
#endif

void pyml_interrupt_guard_begin(void)
{
    if (guard_depth++ > 0) return;
    sigint_seen = 0;
    install_guard();
}

int pyml_interrupt_guard_end(void)
{
    int seen = sigint_seen;
    if (guard_depth <= 0 || --guard_depth > 0) return seen;
    remove_guard();
    sigint_seen = 0;
#if !defined(_WIN32)
    /* nobody else would have seen it: with the default action, deliver it now */
    if (seen && !(prev_action.sa_flags & SA_SIGINFO) && prev_action.sa_handler == SIG_DFL) raise(SIGINT);
#endif
    return seen;
}

int pyml_interrupted(void) { return sigint_seen; }
