/* Neural-network kernels. The body is written once in nn_impl.inc and
 * instantiated for float and double; the workspace layouts (shared by both)
 * are computed here so the *_workspace_size functions and the kernels agree. */
/* sqrt of a non-negative value never sets errno: let it vectorise. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn_layout.h"
#include "nn_graph.h"

static pyml_index round_up(pyml_index x, pyml_index m) { return (x + m - 1) / m * m; }

pyml_index pyml_nn_panel(size_t elem) { return (pyml_index)(128 / elem); }

/* Row stride of a padded buffer: a whole number of panels, plus 64 bytes when
 * the stride would be a multiple of 512 bytes (such strides map the rows of a
 * panel to a few L1 sets and evict each other). */
pyml_index pyml_nn_ld(pyml_index n, size_t elem)
{
    pyml_index ld = round_up(n, pyml_nn_panel(elem));
    if ((ld * (pyml_index)elem) % 512 == 0) ld += (pyml_index)(64 / elem);
    return ld;
}

/* The 8-row AVX-512 tile is used when the CPU (and OS) support AVX-512F;
 * decided once. Results differ in the last bits between the two tile kinds
 * (never between thread counts). PYML_NN_NO_AVX512=1 in the environment
 * forces the portable tile. */
#if PYML_NN_AVX512
#include <stdlib.h>
static int pyml_nn_wide_state = -1;
int pyml_nn_wide_tiles(void)
{
    int s = __atomic_load_n(&pyml_nn_wide_state, __ATOMIC_RELAXED);
    if (s < 0) {
        const char *env = getenv("PYML_NN_NO_AVX512");
        __builtin_cpu_init();
        s = (env && env[0] == '1') ? 0 : (__builtin_cpu_supports("avx512f") ? 1 : 0);
        __atomic_store_n(&pyml_nn_wide_state, s, __ATOMIC_RELAXED);
    }
    return s;
}
#else
int pyml_nn_wide_tiles(void) { return 0; }
#endif

/* The 6-row tile is written with 32-byte vectors: only where the PYML_HOT code runs with AVX2
 * (the x86-64-v3 clone, or a build for an AVX2 target); the baseline clone keeps the 4-row
 * tile (it has 16 SSE registers for the tile's 24 halves). Decided once. */
#if defined(__GNUC__)
#define NN_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define NN_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#else
#define NN_LOAD(x) (x)
#define NN_STORE(x, v) ((x) = (v))
#endif
static int pyml_nn_avx2_state = -1;
int pyml_nn_avx2(void)
{
    int s = NN_LOAD(pyml_nn_avx2_state);
    if (s < 0) {
        int d = pyml_simd_dispatch();
#if defined(__AVX2__)
        s = d == 2 || d == 0;
#else
        s = d == 2;
#endif
        NN_STORE(pyml_nn_avx2_state, s);
    }
    return s;
}

void pyml_nn_train_layout(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                          pyml_index n_rows_loss, size_t elem, pyml_nn_layout *lay)
{
    size_t off = 0;
    lay->Xb = off;
    off += (size_t)(batch * (n_layers > 0 ? layers[0].n_in : 0));
    for (int l = 0; l < n_layers; ++l) {
        pyml_index ni = layers[l].n_in, no = layers[l].n_out;
        lay->ldo[l] = pyml_nn_ld(no, elem);
        lay->ldi[l] = pyml_nn_ld(ni, elem);
        lay->Wp[l] = off; off += (size_t)(ni * lay->ldo[l]);
        lay->Wt[l] = off; off += (size_t)(no * lay->ldi[l]);
        lay->A[l] = off;  off += (size_t)(batch * no);
        lay->dZ[l] = off; off += (size_t)(batch * lay->ldo[l]);
        lay->D[l] = lay->M[l] = off;
        if (layers[l].dropout > 0) {
            lay->M[l] = off + (size_t)(batch * no);
            off += (size_t)(2 * batch * no);
        }
    }
    lay->Xd = off;
    if (n_layers > 0 && layers[0].in_dropout > 0) off += (size_t)(batch * layers[0].n_in);
    lay->loss = off;
    off += (size_t)n_rows_loss;
    lay->total = off;
}

void pyml_nn_forward_layout(const pyml_dense_layer *layers, int n_layers, size_t elem,
                            pyml_nn_layout *lay)
{
    size_t off = 0;
    pyml_index maxw = 1;
    for (int l = 0; l < n_layers; ++l) {
        pyml_index ni = layers[l].n_in, no = layers[l].n_out;
        lay->ldo[l] = pyml_nn_ld(no, elem);
        lay->ldi[l] = pyml_nn_ld(ni, elem);
        /* W padded to ldo columns, or (a narrow layer) W^T with ldi columns */
        size_t wp = (size_t)(ni * lay->ldo[l]), wt = (size_t)(no * lay->ldi[l]);
        lay->Wp[l] = off; off += wp > wt ? wp : wt;
        if (no > maxw) maxw = no;
    }
    lay->A[0] = off; off += (size_t)(PYML_NN_CHUNK * maxw);
    lay->A[1] = off; off += (size_t)(PYML_NN_CHUNK * maxw);
    lay->total = off;
}

size_t pyml_dense_forward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem)
{
    (void)n;
    return (size_t)(n_in * pyml_nn_ld(n_out, elem)) + 1;
}

size_t pyml_dense_backward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem)
{
    return (size_t)(n * pyml_nn_ld(n_out, elem) + n_out * pyml_nn_ld(n_in, elem)) + 1;
}

size_t pyml_mlp_forward_workspace_size(const pyml_dense_layer *layers, int n_layers, size_t elem)
{
    pyml_nn_layout lay;
    if (n_layers < 1 || n_layers > PYML_NN_MAX_LAYERS) return 0;
    pyml_nn_forward_layout(layers, n_layers, elem, &lay);
    return lay.total;
}

size_t pyml_mlp_train_workspace_size(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                                     pyml_index n_rows_loss, size_t elem)
{
    pyml_nn_layout lay;
    if (n_layers < 1 || n_layers > PYML_NN_MAX_LAYERS) return 0;
    pyml_nn_train_layout(layers, n_layers, batch, n_rows_loss, elem, &lay);
    return lay.total;
}

#if PYML_NN_AVX512
#include <immintrin.h>
#endif

#define T float
#define SFX f32
#define NR 32
#define VW 16
#define V_T __m512
#define V_ZERO _mm512_setzero_ps
#define V_LOAD _mm512_loadu_ps
#define V_SET1 _mm512_set1_ps
#define V_FMA _mm512_fmadd_ps
#define V_STORE _mm512_storeu_ps
#define V_ADD _mm512_add_ps
#define V_SUB _mm512_sub_ps
#define V_MUL _mm512_mul_ps
#define V_DIV _mm512_div_ps
#define V_SQRT _mm512_sqrt_ps
#define V_MAX _mm512_max_ps
#define V_GT(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define V_MASKZ _mm512_maskz_mov_ps
#define V_MASK_MOV _mm512_mask_mov_ps
#define V_MASK_T __mmask16
#define V_MLOAD _mm512_maskz_loadu_ps
#define V_MSTORE _mm512_mask_storeu_ps
#define T_EXP expf
#define T_LOG logf
#define T_LOG1P log1pf
#define T_TANH tanhf
#define T_SQRT sqrtf
#include "nn_impl.inc"
#include "nn_graph_impl.inc"
#undef T
#undef SFX
#undef NR
#undef VW
#undef V_T
#undef V_ZERO
#undef V_LOAD
#undef V_SET1
#undef V_FMA
#undef V_STORE
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_DIV
#undef V_SQRT
#undef V_MAX
#undef V_GT
#undef V_MASKZ
#undef V_MASK_MOV
#undef V_MASK_T
#undef V_MLOAD
#undef V_MSTORE
#undef T_EXP
#undef T_LOG
#undef T_LOG1P
#undef T_TANH
#undef T_SQRT

#define T double
#define SFX f64
#define NR 16
#define VW 8
#define V_T __m512d
#define V_ZERO _mm512_setzero_pd
#define V_LOAD _mm512_loadu_pd
#define V_SET1 _mm512_set1_pd
#define V_FMA _mm512_fmadd_pd
#define V_STORE _mm512_storeu_pd
#define V_ADD _mm512_add_pd
#define V_SUB _mm512_sub_pd
#define V_MUL _mm512_mul_pd
#define V_DIV _mm512_div_pd
#define V_SQRT _mm512_sqrt_pd
#define V_MAX _mm512_max_pd
#define V_GT(a, b) _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ)
#define V_MASKZ _mm512_maskz_mov_pd
#define V_MASK_MOV _mm512_mask_mov_pd
#define V_MASK_T __mmask8
#define V_MLOAD _mm512_maskz_loadu_pd
#define V_MSTORE _mm512_mask_storeu_pd
#define T_EXP exp
#define T_LOG log
#define T_LOG1P log1p
#define T_TANH tanh
#define T_SQRT sqrt
#include "nn_impl.inc"
#include "nn_graph_impl.inc"
