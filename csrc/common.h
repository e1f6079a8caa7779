/* pyml common kernel definitions: status codes, the iteration hook, the
 * deterministic row-block partition and float32/float64 templating helpers.
 *
 * Every kernel in csrc/ follows the same contract:
 *   - inputs are const pointers with explicit sizes and row strides (in elements);
 *   - outputs and scratch space ("workspace") are allocated by the caller;
 *   - the thread count is decided by the caller and passed in;
 *   - the return value is a pyml_status (0 = success).
 *
 * Deterministic reductions: rows are cut into blocks whose size depends only on
 * the problem shape, never on the thread count. Each block writes its partial
 * result to its own slot of the workspace, and the slots are added in block
 * order after the parallel region. The result is therefore bitwise identical
 * for any number of threads (and any schedule) on a given machine and build.
 */
#ifndef PYML_COMMON_H
#define PYML_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if PYML_HAVE_OPENMP
#include <omp.h>
#endif

typedef ptrdiff_t pyml_index;

typedef enum {
    PYML_OK = 0,
    PYML_ERR_SIZE = 1,        /* a size or stride is negative / inconsistent */
    PYML_ERR_VALUE = 2,       /* a parameter is out of its domain */
    PYML_ERR_INDEX = 3,       /* an index read from the data is out of range */
    PYML_ERR_NONFINITE = 4,   /* the computation produced NaN or inf */
    PYML_ERR_INTERRUPTED = 5, /* the iteration hook asked to abort (Ctrl-C, callback error) */
    PYML_ERR_WORKSPACE = 6,   /* the caller's workspace is missing or too small */
    PYML_ERR_NULL = 7         /* a required pointer is NULL */
} pyml_status;

/* Called by iterative kernels between iterations, from the calling thread and
 * outside any parallel region. Returns 0 to continue, 1 to stop normally
 * (converged / early stopping) and a negative value to abort. */
typedef int (*pyml_iteration_hook)(void *ctx, long iteration, double loss);

const char *pyml_status_message(int status);

/* Ctrl-C inside one long kernel call. The binding opens a guard around the
 * call (pyml_interrupt_guard_begin/end, with the GIL held); while it is open
 * a SIGINT sets a flag (and is passed on to the previous handler, Python's, so
 * KeyboardInterrupt follows). Long kernels poll pyml_interrupted() between
 * units of work (a mini-batch, a k-means++ centre, a tree level) and return
 * PYML_ERR_INTERRUPTED; polling costs one load. Guards nest. */
void pyml_interrupt_guard_begin(void);
int pyml_interrupt_guard_end(void); /* 1 when a SIGINT arrived while the guard was open */
int pyml_interrupted(void);
int pyml_openmp_enabled(void);
int pyml_max_threads(void);
const char *pyml_compiler(void);
/* Which clone the PYML_HOT (target_clones) loops run on this CPU: 2 = the
 * x86-64-v3 (AVX2 + FMA) clone, 1 = the baseline clone, 0 = no run-time
 * dispatch in this build (compiled for the build's target only). */
int pyml_simd_dispatch(void);

/* Rows per block of the deterministic partition: about 32 KiB of X per block,
 * between 64 and 4096 rows. A function of (n_features, element size) only. */
static inline pyml_index pyml_block_rows(pyml_index n_features, size_t elem_size)
{
    pyml_index bytes_per_row = (n_features > 0 ? n_features : 1) * (pyml_index)elem_size;
    pyml_index rows = (pyml_index)32768 / bytes_per_row;
    if (rows < 64) rows = 64;
    if (rows > 4096) rows = 4096;
    return rows;
}

static inline pyml_index pyml_n_blocks(pyml_index n_rows, pyml_index block_rows)
{
    return n_rows <= 0 ? 0 : (n_rows + block_rows - 1) / block_rows;
}

/* Hot per-block loops are compiled twice on x86-64 Linux with GCC: for the
 * x86-64-v3 level (AVX2 + FMA + BMI) and for the baseline, picked at load time
 * by CPU features (not by CPU model, which "arch=haswell" would test). Wheels
 * stay portable and modern CPUs get wide vectors. Results may differ in the
 * last bits between the two machine types (FMA), never between thread counts. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(PYML_NO_TARGET_CLONES)
#if __GNUC__ >= 12
#define PYML_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define PYML_HOT __attribute__((target_clones("avx2", "default")))
#endif
#else
#define PYML_HOT
#endif

/* Small helpers called from PYML_HOT functions must be inlined into each
 * clone so they are compiled for its instruction set. */
#if defined(__GNUC__)
#define PYML_INLINE static inline __attribute__((always_inline))
#else
#define PYML_INLINE static inline
#endif

#define PYML_CONCAT_(a, b) a##b
#define PYML_CONCAT(a, b) PYML_CONCAT_(a, b)

#endif /* PYML_COMMON_H */
