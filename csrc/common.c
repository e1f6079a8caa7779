#include "common.h"

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

const char *pyml_compiler(void)
{
#ifdef PYML_COMPILER_ID
    return PYML_COMPILER_ID;
#else
    return "unknown";
#endif
}
