/* Linear / logistic / softmax regression kernels. The body is written once in
 * linear_model_impl.inc and instantiated for float and double. */
#include <math.h>
#include <string.h>

#include "linear_model.h"

size_t pyml_linear_workspace_size(pyml_index n, pyml_index d, size_t elem_size)
{
    pyml_index nb = pyml_n_blocks(n, pyml_block_rows(d, elem_size));
    /* per block: gradient (d), sum of residuals, sum of losses, sum of weights */
    return (size_t)(nb > 0 ? nb : 1) * (size_t)(d + 3);
}

size_t pyml_softmax_workspace_size(pyml_index n, pyml_index d, pyml_index k, size_t elem_size)
{
    pyml_index nb = pyml_n_blocks(n, pyml_block_rows(d, elem_size));
    /* per block: gradient (k (d + 1)), sum of losses, sum of weights */
    return (size_t)(nb > 0 ? nb : 1) * (size_t)(k * (d + 1) + 2);
}

#define T float
#define SFX f32
#define T_IS_DOUBLE 0
#define T_EXP expf
#define T_LOG1P log1pf
#define T_LOG logf
#include "linear_model_impl.inc"
#undef T
#undef SFX
#undef T_IS_DOUBLE
#undef T_EXP
#undef T_LOG1P
#undef T_LOG

#define T double
#define SFX f64
#define T_IS_DOUBLE 1
#define T_EXP exp
#define T_LOG1P log1p
#define T_LOG log
#include "linear_model_impl.inc"
