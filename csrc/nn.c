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

static pyml_index round_up(pyml_index x, pyml_index m) { return (x + m - 1) / m * m; }

pyml_index pyml_nn_panel(size_t elem) { return (pyml_index)(64 / elem); }

void pyml_nn_train_layout(const pyml_dense_layer *layers, int n_layers, pyml_index batch,
                          pyml_index n_rows_loss, size_t elem, pyml_nn_layout *lay)
{
    const pyml_index nr = pyml_nn_panel(elem);
    size_t off = 0;
    lay->Xb = off;
    off += (size_t)(batch * (n_layers > 0 ? layers[0].n_in : 0));
    for (int l = 0; l < n_layers; ++l) {
        pyml_index ni = layers[l].n_in, no = layers[l].n_out;
        lay->ldo[l] = round_up(no, nr);
        lay->ldi[l] = round_up(ni, nr);
        lay->Wp[l] = off; off += (size_t)(ni * lay->ldo[l]);
        lay->Wt[l] = off; off += (size_t)(no * lay->ldi[l]);
        lay->A[l] = off;  off += (size_t)(batch * no);
        lay->dZ[l] = off; off += (size_t)(batch * lay->ldo[l]);
    }
    lay->loss = off;
    off += (size_t)n_rows_loss;
    lay->total = off;
}

void pyml_nn_forward_layout(const pyml_dense_layer *layers, int n_layers, size_t elem,
                            pyml_nn_layout *lay)
{
    const pyml_index nr = pyml_nn_panel(elem);
    size_t off = 0;
    pyml_index maxw = 1;
    for (int l = 0; l < n_layers; ++l) {
        pyml_index ni = layers[l].n_in, no = layers[l].n_out;
        lay->ldo[l] = round_up(no, nr);
        lay->ldi[l] = round_up(ni, nr);
        lay->Wp[l] = off; off += (size_t)(ni * lay->ldo[l]);
        if (no > maxw) maxw = no;
    }
    lay->A[0] = off; off += (size_t)(PYML_NN_CHUNK * maxw);
    lay->A[1] = off; off += (size_t)(PYML_NN_CHUNK * maxw);
    lay->total = off;
}

size_t pyml_dense_forward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem)
{
    (void)n;
    return (size_t)(n_in * round_up(n_out, pyml_nn_panel(elem))) + 1;
}

size_t pyml_dense_backward_workspace_size(pyml_index n, pyml_index n_in, pyml_index n_out, size_t elem)
{
    pyml_index nr = pyml_nn_panel(elem);
    return (size_t)(n * round_up(n_out, nr) + n_out * round_up(n_in, nr)) + 1;
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

#define T float
#define SFX f32
#define NR 16
#define T_EXP expf
#define T_LOG logf
#define T_LOG1P log1pf
#define T_TANH tanhf
#define T_SQRT sqrtf
#include "nn_impl.inc"
#undef T
#undef SFX
#undef NR
#undef T_EXP
#undef T_LOG
#undef T_LOG1P
#undef T_TANH
#undef T_SQRT

#define T double
#define SFX f64
#define NR 8
#define T_EXP exp
#define T_LOG log
#define T_LOG1P log1p
#define T_TANH tanh
#define T_SQRT sqrt
#include "nn_impl.inc"
