# Shared C types of every kernel: time is int64 ns, indices int32.
from libc.stdint cimport int64_t, int32_t, int8_t

ctypedef int64_t time_t
ctypedef int32_t idx_t
ctypedef int8_t flag_t

cdef inline time_t ceil_div(time_t a, time_t b) noexcept nogil:
    # a >= 0, b > 0; C division truncates, so add b - 1 before dividing
    return (a + b - 1) // b
