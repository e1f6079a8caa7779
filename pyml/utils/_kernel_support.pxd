# Shared Cython declarations for every binding: csrc/common.h, the status ->
# exception helper and the iteration hook that lets long C loops honour
# Ctrl-C and Python callbacks between iterations.
from cpython.exc cimport PyErr_CheckSignals

cdef extern from "common.h" nogil:
    ctypedef Py_ssize_t pyml_index
    ctypedef int (*pyml_iteration_hook)(void *ctx, long iteration, double loss) noexcept nogil
    enum:
        PYML_OK
        PYML_ERR_SIZE
        PYML_ERR_VALUE
        PYML_ERR_INDEX
        PYML_ERR_NONFINITE
        PYML_ERR_INTERRUPTED
        PYML_ERR_WORKSPACE
        PYML_ERR_NULL
    const char *pyml_status_message(int status)
    int pyml_openmp_enabled()
    int pyml_max_threads()
    const char *pyml_compiler()
    int pyml_simd_dispatch()
    void pyml_interrupt_guard_begin()
    int pyml_interrupt_guard_end()
    int pyml_interrupted()


cdef inline void interrupt_guard_begin() noexcept:
    """Open the Ctrl-C guard before a long kernel call (GIL held)."""
    pyml_interrupt_guard_begin()


cdef inline int interrupt_guard_end(int status) except -1:
    """Close the guard; raise KeyboardInterrupt when a SIGINT stopped the kernel."""
    cdef int seen = pyml_interrupt_guard_end()
    if seen or status == PYML_ERR_INTERRUPTED:
        PyErr_CheckSignals()      # runs Python's handler: raises KeyboardInterrupt
        if seen:
            raise KeyboardInterrupt
    return 0


cdef inline int raise_for_status(int status, str where) except -1:
    """Turn a kernel status code into a Python exception (the only place that does)."""
    if status == PYML_OK:
        return 0
    message = pyml_status_message(status).decode("ascii")
    if status == PYML_ERR_NONFINITE:
        from pyml.exceptions import NonFiniteError

        raise NonFiniteError(f"{where}: {message}")
    if status == PYML_ERR_INDEX:
        raise IndexError(f"{where}: {message}")
    raise ValueError(f"{where}: {message} (kernel status {status})")


cdef inline int _dispatch_hook(object state, long iteration, double loss) noexcept:
    try:
        PyErr_CheckSignals()
        if state is not None and state.on_iteration(iteration, loss):
            return 1
        return 0
    except BaseException as exc:  # includes KeyboardInterrupt
        if state is not None:
            state.error = exc
        return -1


cdef inline int iteration_hook(void *ctx, long iteration, double loss) noexcept nogil:
    """pyml_iteration_hook implementation: ctx is a pyml.utils.callbacks.IterationHook."""
    with gil:
        return _dispatch_hook(<object>ctx, iteration, loss)


cdef inline int finish_iterative(int status, object state, str where) except -1:
    """Re-raise what the hook caught (Ctrl-C, a callback's exception), else check status."""
    if status == PYML_ERR_INTERRUPTED and state is not None and state.error is not None:
        error = state.error
        state.error = None
        raise error
    return raise_for_status(status, where)
