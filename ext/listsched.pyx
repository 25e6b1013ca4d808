# cython: language_level=3
"""List scheduler: places every frame of every stream on its hop tree, earliest offset first.

Caller: tsnplan.schedule.heuristic. Reference: tests/reference/listsched_ref.py (same algorithm,
same integers). Offsets repeat every period, so a (hop, frame) has one start ``hf_start`` and its
instance ``k`` occupies ``[start + k*T, start + k*T + len)``. Three kinds of timeline, sorted
interval arrays over the hyperperiod, keep the state:

- one per port: windows (start, end, traffic class, owner stream), also used to count GCL entries;
- ports that share a medium (``share_*``, T1S) are checked against each other's windows;
- one per (port, traffic class): queue residency, from the earliest arrival of a frame to the end
  of its window. Residencies in one queue never overlap (frame isolation), so the queue order is
  fixed whatever the clocks, the PLCA cycle or a 5G delay do.

A window may be longer than its frame (``hf_slack``: on a 10BASE-T1S member, room for the PLCA
wait): the frame leaves at the latest at the window's end, at the earliest ``slack`` before it.
The earliest arrival at the next queue is that, plus propagation and processing, minus the hop's
``hop_early`` (a 5G delay below its planning quantile) and the sync error.

A frame may start on hop h no earlier than ``ready = parent end + prop + proc + sync``; it waits at
most ``max_wait`` beyond that (0 = no-wait). A conflict moves the stream's root offset past the
blocking window and the frame is tried again; nothing is ever placed partially.
"""
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memmove
from _types cimport time_t, idx_t, flag_t, ceil_div

cdef enum:
    PLACED = 1
    FIXED = 2
    NO_SLOT = 3
    GCL_FULL = 4
    N_CLASSES = 8

# the ``status`` codes for Python callers (0: not placed yet)
ST_PENDING, ST_PLACED, ST_FIXED, ST_NO_SLOT, ST_GCL = 0, PLACED, FIXED, NO_SLOT, GCL_FULL


cdef struct Timeline:
    time_t* a
    time_t* b
    idx_t* owner
    flag_t* cls
    Py_ssize_t n
    Py_ssize_t cap


cdef struct Undo:
    idx_t tl
    time_t a
    time_t gcl_delta


cdef struct State:
    Timeline* tl          # ports first, then N_CLASSES queues per port
    idx_t n_ports
    time_t* gcl_count     # per port: entries the GCL will need, minus the 2 of the cycle's tail
    Undo* undo
    Py_ssize_t n_undo
    Py_ssize_t cap_undo
    time_t block_port
    time_t block_owner


cdef inline time_t ceil_q(time_t x, time_t q) noexcept nogil:
    """x rounded up to a multiple of q, for x >= 0."""
    return ceil_div(x, q) * q


cdef int tl_reserve(Timeline* t) noexcept nogil:
    cdef Py_ssize_t cap
    if t.n < t.cap:
        return 0
    cap = 16 if t.cap == 0 else 2 * t.cap
    t.a = <time_t*> realloc(t.a, cap * sizeof(time_t))
    t.b = <time_t*> realloc(t.b, cap * sizeof(time_t))
    t.owner = <idx_t*> realloc(t.owner, cap * sizeof(idx_t))
    t.cls = <flag_t*> realloc(t.cls, cap * sizeof(flag_t))
    if t.a == NULL or t.b == NULL or t.owner == NULL or t.cls == NULL:
        return -1
    t.cap = cap
    return 0


cdef inline Py_ssize_t tl_first_ending_after(Timeline* t, time_t x) noexcept nogil:
    """Index of the first interval whose end is > x (ends are sorted: intervals are disjoint)."""
    cdef Py_ssize_t lo = 0, hi = t.n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if t.b[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


cdef inline time_t gap_entries(time_t gap, time_t guard) noexcept nogil:
    """GCL entries between two windows: none, one closed (or guard) entry, or open + guard."""
    if gap <= 0:
        return 0
    if guard <= 0 or gap <= guard:
        return 1
    return 2


cdef inline time_t contrib(time_t a, flag_t c, time_t prev_b, flag_t prev_c, time_t guard) noexcept nogil:
    if a == prev_b and c == prev_c:
        return 0
    return gap_entries(a - prev_b, guard) + 1


cdef int tl_insert(State* st, idx_t tli, time_t a, time_t b, idx_t owner, flag_t c,
                   time_t guard, bint count) noexcept nogil:
    """Insert [a, b) keeping the order; for a port timeline update its GCL entry count."""
    cdef Timeline* t = &st.tl[tli]
    cdef Py_ssize_t i
    cdef time_t delta = 0, pb = 0
    cdef flag_t pc = -1
    if tl_reserve(t) != 0:
        return -1
    i = tl_first_ending_after(t, a)
    if count:
        if i > 0:
            pb = t.b[i - 1]
            pc = t.cls[i - 1]
        delta = contrib(a, c, pb, pc, guard)
        if i < t.n:
            delta += contrib(t.a[i], t.cls[i], b, c, guard) - contrib(t.a[i], t.cls[i], pb, pc, guard)
        st.gcl_count[tli] += delta
    memmove(&t.a[i + 1], &t.a[i], (t.n - i) * sizeof(time_t))
    memmove(&t.b[i + 1], &t.b[i], (t.n - i) * sizeof(time_t))
    memmove(&t.owner[i + 1], &t.owner[i], (t.n - i) * sizeof(idx_t))
    memmove(&t.cls[i + 1], &t.cls[i], (t.n - i) * sizeof(flag_t))
    t.a[i] = a
    t.b[i] = b
    t.owner[i] = owner
    t.cls[i] = c
    t.n += 1
    if st.n_undo == st.cap_undo:
        st.cap_undo = 2 * st.cap_undo
        st.undo = <Undo*> realloc(st.undo, st.cap_undo * sizeof(Undo))
        if st.undo == NULL:
            return -1
    st.undo[st.n_undo].tl = tli
    st.undo[st.n_undo].a = a
    st.undo[st.n_undo].gcl_delta = delta
    st.n_undo += 1
    return 0


cdef void rollback(State* st, Py_ssize_t mark) noexcept nogil:
    """Remove everything inserted since ``mark``, newest first, restoring the GCL counts."""
    cdef Undo* u
    cdef Timeline* t
    cdef Py_ssize_t i
    while st.n_undo > mark:
        st.n_undo -= 1
        u = &st.undo[st.n_undo]
        t = &st.tl[u.tl]
        i = tl_first_ending_after(t, u.a)
        memmove(&t.a[i], &t.a[i + 1], (t.n - i - 1) * sizeof(time_t))
        memmove(&t.b[i], &t.b[i + 1], (t.n - i - 1) * sizeof(time_t))
        memmove(&t.owner[i], &t.owner[i + 1], (t.n - i - 1) * sizeof(idx_t))
        memmove(&t.cls[i], &t.cls[i + 1], (t.n - i - 1) * sizeof(flag_t))
        t.n -= 1
        if u.tl < st.n_ports:
            st.gcl_count[u.tl] -= u.gcl_delta


cdef inline time_t tl_conflict(Timeline* t, time_t a, time_t b, idx_t* owner) noexcept nogil:
    """End of the first interval overlapping [a, b), or -1."""
    cdef Py_ssize_t i = tl_first_ending_after(t, a)
    if i < t.n and t.a[i] < b:
        owner[0] = t.owner[i]
        return t.b[i]
    return -1


cdef struct Ctx:
    # problem arrays (raw pointers into the caller's buffers)
    const time_t* hop_ptr
    const idx_t* hop_port
    const idx_t* hop_parent
    const time_t* hop_prop
    const time_t* hop_proc
    const flag_t* hop_listener
    const time_t* frame_ptr
    const time_t* hf_ptr
    const time_t* hf_len
    const time_t* hf_slack
    const time_t* hop_early
    time_t* hf_start
    const time_t* period
    const time_t* deadline
    const flag_t* cls
    const time_t* share_ptr
    const idx_t* share_port
    const time_t* port_guard
    const time_t* port_gcl_max
    time_t hyper
    time_t quantum
    time_t sync
    time_t max_wait


cdef inline time_t arrival_at(Ctx* cx, idx_t s, time_t h, idx_t nf, idx_t f) noexcept nogil:
    """Nominal arrival of frame ``f`` at the queue of hop ``h``: parent end + propagation + processing."""
    cdef idx_t par = cx.hop_parent[h]
    cdef time_t lo = cx.hop_ptr[s]
    cdef time_t pidx = cx.hf_ptr[s] + (par - lo) * nf + f
    return cx.hf_start[pidx] + cx.hf_len[pidx] + cx.hop_prop[par] + cx.hop_proc[h]


cdef inline time_t earliest_at(Ctx* cx, idx_t s, time_t h, idx_t nf, idx_t f) noexcept nogil:
    """Earliest arrival of frame ``f`` at the queue of hop ``h`` (before the sync error)."""
    cdef time_t pidx = cx.hf_ptr[s] + (cx.hop_parent[h] - cx.hop_ptr[s]) * nf + f
    return arrival_at(cx, s, h, nf, f) - cx.hf_slack[pidx] - cx.hop_early[h]


cdef int insert_frame(State* st, Ctx* cx, idx_t s, idx_t f) noexcept nogil:
    """Insert the windows of frame ``f`` of stream ``s`` from ``hf_start`` (fixed streams)."""
    cdef time_t lo = cx.hop_ptr[s], hi = cx.hop_ptr[s + 1], base = cx.hf_ptr[s]
    cdef idx_t nf = <idx_t> (cx.frame_ptr[s + 1] - cx.frame_ptr[s])
    cdef time_t T = cx.period[s], n_inst = cx.hyper // cx.period[s]
    cdef time_t h, k, idx, start, ln, res_a, ra, e
    cdef idx_t p, owner
    cdef flag_t c
    for h in range(lo, hi):
        c = cx.cls[h]
        idx = base + (h - lo) * nf + f
        start = cx.hf_start[idx]
        ln = cx.hf_len[idx]
        p = cx.hop_port[h]
        res_a = start if cx.hop_parent[h] < 0 else earliest_at(cx, s, h, nf, f) - cx.sync
        for k in range(n_inst):
            if tl_insert(st, p, start + k * T, start + k * T + ln, s, c, cx.port_guard[p], True) != 0:
                return -1
            ra = res_a + k * T
            e = tl_conflict(&st.tl[st.n_ports + p * N_CLASSES + c], ra, start + k * T + ln, &owner)
            if e >= 0:                               # behind its own copy, as when it was placed
                ra = e
            if tl_insert(st, st.n_ports + p * N_CLASSES + c, ra, start + k * T + ln, s, c, 0, False) != 0:
                return -1
    return 0


cdef int try_frame(State* st, Ctx* cx, idx_t s, idx_t f, time_t t, time_t bound, time_t* shift) noexcept nogil:
    """Place frame ``f`` of stream ``s`` with root offset ``t``.

    Returns 0 placed, 1 blocked (``shift`` = how far the root must move at least), a status code
    (NO_SLOT, GCL_FULL) when no later offset can help, -1 out of memory.
    """
    cdef time_t lo = cx.hop_ptr[s], hi = cx.hop_ptr[s + 1], base = cx.hf_ptr[s]
    cdef idx_t nf = <idx_t> (cx.frame_ptr[s + 1] - cx.frame_ptr[s])
    cdef time_t T = cx.period[s], n_inst = cx.hyper // cx.period[s]
    cdef time_t h, k, idx, ready, nominal, start, ln, end, res_a, e, q = cx.quantum
    cdef time_t sp, own_wait
    cdef idx_t p, owner = -1, blocked
    cdef flag_t c
    cdef Py_ssize_t mark = st.n_undo
    for h in range(lo, hi):
        c = cx.cls[h]
        idx = base + (h - lo) * nf + f
        ln = cx.hf_len[idx]
        p = cx.hop_port[h]
        if cx.hop_parent[h] < 0:
            ready = t
            res_a = t
        else:
            nominal = arrival_at(cx, s, h, nf, f)
            ready = ceil_q(nominal + cx.sync, q)
            res_a = earliest_at(cx, s, h, nf, f) - cx.sync
        start = ready
        own_wait = 0
        while True:                                  # earliest start of this hop, all instances
            blocked = 0
            for k in range(n_inst):
                for sp in range(cx.share_ptr[p], cx.share_ptr[p + 1]):
                    e = tl_conflict(&st.tl[cx.share_port[sp]], start + k * T, start + k * T + ln, &owner)
                    if e >= 0:
                        if owner == s:               # the stream's own copy (FRER): this one waits
                            own_wait += ceil_q(e - k * T, q) - start
                        else:
                            st.block_port = cx.share_port[sp]
                            st.block_owner = owner
                        start = ceil_q(e - k * T, q)
                        blocked = 1
                        break
                if blocked:
                    break
            if not blocked:
                break
            if cx.hop_parent[h] < 0 or start - ready - own_wait > cx.max_wait:
                rollback(st, mark)
                shift[0] = start - ready - (0 if cx.hop_parent[h] < 0 else own_wait + cx.max_wait)
                return 1
        end = start + ln
        if end > T or end - res_a > T or (cx.hop_listener[h] and end + cx.hop_prop[h] > bound):
            rollback(st, mark)            # a later root offset only makes this worse
            if st.block_port < 0:
                st.block_port = p
            return NO_SLOT
        while True:                                  # frame isolation in the queue
            blocked = 0
            for k in range(n_inst):
                e = tl_conflict(&st.tl[st.n_ports + p * N_CLASSES + c], res_a + k * T, end + k * T, &owner)
                if e >= 0:
                    if owner == s and e - k * T <= start:
                        res_a = e - k * T            # own copies are interchangeable: queue behind it
                        blocked = 1
                        break
                    rollback(st, mark)
                    st.block_port = p
                    st.block_owner = owner
                    shift[0] = e - (res_a + k * T)
                    return 1
            if not blocked:
                break
        for k in range(n_inst):
            if tl_insert(st, p, start + k * T, end + k * T, s, c, cx.port_guard[p], True) != 0:
                return -1
            if tl_insert(st, st.n_ports + p * N_CLASSES + c, res_a + k * T, end + k * T, s, c, 0, False) != 0:
                return -1
        if st.gcl_count[p] + 2 > cx.port_gcl_max[p]:
            rollback(st, mark)
            st.block_port = p
            return GCL_FULL
        cx.hf_start[idx] = start
    return 0


cdef int place_stream(State* st, Ctx* cx, idx_t s) noexcept nogil:
    """Place every frame of stream ``s``; returns its status (PLACED or why not), -1 out of memory."""
    cdef idx_t nf = <idx_t> (cx.frame_ptr[s + 1] - cx.frame_ptr[s])
    cdef idx_t f
    cdef time_t t = 0, t0 = 0, shift = 0, bound, root_len
    cdef time_t T = cx.period[s]
    cdef Py_ssize_t mark = st.n_undo
    cdef int r
    for f in range(nf):
        while True:
            bound = min(T, (t if f == 0 else t0) + cx.deadline[s])
            root_len = cx.hf_len[cx.hf_ptr[s] + f]
            if t + root_len > T:
                rollback(st, mark)
                return NO_SLOT
            r = try_frame(st, cx, s, f, t, bound, &shift)
            if r == 0:
                break
            if r != 1:
                rollback(st, mark)
                return r
            t += ceil_q(shift if shift > cx.quantum else cx.quantum, cx.quantum)
        if f == 0:
            t0 = t
        t += root_len
    return PLACED


def list_schedule(const time_t[::1] hop_ptr,        # IN  [S+1] hops of stream s
                  const idx_t[::1] hop_port,        # IN  [Hp]
                  const idx_t[::1] hop_parent,      # IN  [Hp] parent hop or -1; parents first
                  const time_t[::1] hop_prop,       # IN  [Hp] propagation after the hop's link
                  const time_t[::1] hop_proc,       # IN  [Hp] processing before the hop
                  const flag_t[::1] hop_listener,   # IN  [Hp] 1: delivers to a listener
                  const time_t[::1] frame_ptr,      # IN  [S+1] frames of stream s
                  const time_t[::1] hf_ptr,         # IN  [S+1] (hop, frame) slots: hf_ptr[s] + j*nf + f
                  const time_t[::1] hf_len,         # IN  window length, a multiple of quantum
                  const time_t[::1] hf_slack,       # IN  window length minus transmission time
                  const time_t[::1] hop_early,      # IN  [Hp] earliest arrival before the nominal one
                  time_t[::1] hf_start,             # INOUT start in the first period (fixed streams: IN)
                  const time_t[::1] period,         # IN  [S]
                  const time_t[::1] deadline,       # IN  [S]
                  const flag_t[::1] cls,            # IN  [Hp] traffic class 0..7 of each hop
                  const time_t[::1] share_ptr,      # IN  [P+1] ports sharing the medium of port p
                  const idx_t[::1] share_port,      # IN  (p itself included)
                  const time_t[::1] port_guard,     # IN  [P] guard band, 0: no unscheduled class
                  const time_t[::1] port_gcl_max,   # IN  [P]
                  const idx_t[::1] fixed,           # IN  streams already placed (windows in hf_start)
                  const idx_t[::1] order,           # IN  streams to place, in this order
                  flag_t[::1] status,               # OUT [S] ST_* code of each stream in order
                  idx_t[::1] block_port,            # OUT [S] port that stopped a failed stream
                  idx_t[::1] block_owner,           # OUT [S] stream owning the blocking window
                  time_t[::1] gcl_count,            # OUT [P] GCL entries needed (upper bound)
                  time_t hyper, time_t quantum, time_t sync, time_t max_wait):
    """Place the streams of ``order`` one by one around the ``fixed`` ones; returns 0 or -1 (memory)."""
    cdef Ctx cx
    cdef State st
    cdef Py_ssize_t i, n_ports = port_guard.shape[0], n_tl
    cdef idx_t s, f
    cdef int r = 0, res = 0
    if hf_start.shape[0] == 0 or hop_port.shape[0] == 0:
        for i in range(order.shape[0]):
            status[order[i]] = PLACED
        return 0
    cx.hop_ptr = &hop_ptr[0]; cx.hop_port = &hop_port[0]; cx.hop_parent = &hop_parent[0]
    cx.hop_prop = &hop_prop[0]; cx.hop_proc = &hop_proc[0]; cx.hop_listener = &hop_listener[0]
    cx.frame_ptr = &frame_ptr[0]; cx.hf_ptr = &hf_ptr[0]; cx.hf_len = &hf_len[0]
    cx.hf_slack = &hf_slack[0]; cx.hop_early = &hop_early[0]
    cx.hf_start = &hf_start[0]; cx.period = &period[0]; cx.deadline = &deadline[0]; cx.cls = &cls[0]
    cx.share_ptr = &share_ptr[0]; cx.share_port = &share_port[0]; cx.port_guard = &port_guard[0]
    cx.port_gcl_max = &port_gcl_max[0]
    cx.hyper = hyper; cx.quantum = quantum; cx.sync = sync; cx.max_wait = max_wait
    n_tl = n_ports * (1 + N_CLASSES)
    st.n_ports = <idx_t> n_ports
    st.tl = <Timeline*> malloc(n_tl * sizeof(Timeline))
    st.cap_undo = 1024
    st.undo = <Undo*> malloc(st.cap_undo * sizeof(Undo))
    st.n_undo = 0
    st.gcl_count = &gcl_count[0]
    if st.tl == NULL or st.undo == NULL:
        free(st.tl); free(st.undo)
        return -1
    with nogil:
        for i in range(n_tl):
            st.tl[i].a = NULL; st.tl[i].b = NULL; st.tl[i].owner = NULL; st.tl[i].cls = NULL
            st.tl[i].n = 0; st.tl[i].cap = 0
        for i in range(n_ports):
            gcl_count[i] = 0
        for i in range(fixed.shape[0]):
            s = fixed[i]
            for f in range(<idx_t> (frame_ptr[s + 1] - frame_ptr[s])):
                if insert_frame(&st, &cx, s, f) != 0:
                    res = -1
            status[s] = FIXED
        for i in range(order.shape[0]):
            if res != 0:
                break
            s = order[i]
            st.block_port = -1
            st.block_owner = -1
            st.n_undo = 0
            r = place_stream(&st, &cx, s)
            if r < 0:
                res = -1
                break
            status[s] = <flag_t> r
            block_port[s] = <idx_t> st.block_port if r != PLACED else -1
            block_owner[s] = <idx_t> st.block_owner if r != PLACED else -1
        for i in range(n_tl):
            free(st.tl[i].a); free(st.tl[i].b); free(st.tl[i].owner); free(st.tl[i].cls)
    free(st.tl)
    free(st.undo)
    return res
