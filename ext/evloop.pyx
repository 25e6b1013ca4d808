# cython: language_level=3
"""Packet-level discrete-event loop. Caller: tsnplan.emulate.engine. Reference: tests/reference/evloop_ref.py.

Everything is flat arrays: the event heap (time, key = priority << 56 | sequence, kind, a, b),
the packet pool (free list through ``pk_next``), eight FIFO queues per port (linked lists), gate
lists as rows (each port runs one; a control switches it), and per-port, per-resource,
per-listener state. Equal times run in priority order (control, releases,
arrivals, deliveries, transmission ends, gate/PLCA timers), then in push order, so a run is a pure
function of its inputs and the seed. Selection at a port happens after every arrival of the same
instant (arrivals request a kick; the kick runs later in that instant).

``run(stop_ns)`` processes events up to ``stop_ns`` and returns ``DONE`` (nothing left before
``stop_ns``) or ``FLUSH`` (the record or trace buffer is full: the caller drains it and calls
again). The pool and heap grow on demand between events.
"""
import numpy as np

from libc.math cimport log, ceil
from libc.stdint cimport uint64_t, int64_t
from _types cimport time_t, idx_t, flag_t, ceil_div

__all__ = ["EventLoop", "DONE", "FLUSH", "TRACE_KINDS", "splitmix64", "xoshiro_uniforms"]

DONE = 0
FLUSH = 1
cdef int _DONE = 0, _FLUSH = 1, _GROW = 2

cdef enum:
    EV_CONTROL = 0
    EV_RELEASE = 1
    EV_BG = 2
    EV_ENQUEUE = 3
    EV_DELIVER = 4
    EV_TX_END = 5
    EV_KICK = 6
    EV_PLCA = 7

# event kind -> priority at equal times
cdef int _PRIO[8]
_PRIO[:] = [0, 1, 1, 2, 3, 4, 5, 5]

cdef enum:
    TR_TX_START = 1
    TR_TX_END = 2
    TR_PREEMPT = 3
    TR_RESUME = 4
    TR_DELIVER = 5
    TR_DUPLICATE = 6
    TR_ROGUE = 7
    TR_DROP = 8
    TR_POLICE = 9

TRACE_KINDS = {1: "tx_start", 2: "tx_end", 3: "preempt", 4: "resume", 5: "deliver",
               6: "duplicate", 7: "rogue", 8: "drop", 9: "police"}

cdef enum:
    CTL_FAIL = 0
    CTL_RESTORE = 1
    CTL_SWITCH = 2
    CTL_GATES = 3

cdef enum:
    PLCA_PARKED = 0
    PLCA_BEACON = 1
    PLCA_TO = 2
    PLCA_TX = 3

cdef time_t INF = 0x3FFFFFFFFFFFFFFF
cdef time_t NS_PER_S = 1000000000
cdef int HELD = 8
# MAC merge (802.3br): first fragment >= 64 B incl. mCRC (60 B of frame data after the 8 B
# preamble), last fragment >= 64 B incl. FCS; a preemption costs mCRC + IFG now (16 B) and a new
# preamble/SMD-C for the continuation (8 B).
cdef time_t PRE_FIRST_BYTES = 68
cdef time_t PRE_LAST_BYTES = 64
cdef time_t IFG_BYTES = 12
cdef time_t PRE_GAP_BYTES = 16
cdef time_t PRE_RESUME_BYTES = 8
cdef time_t CBS_MAX_DT_NS = 100000000


cpdef uint64_t splitmix64(uint64_t x) noexcept nogil:
    """One splitmix64 step (used to seed xoshiro256**)."""
    cdef uint64_t z = x + <uint64_t>0x9E3779B97F4A7C15
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return z ^ (z >> 31)


cdef inline uint64_t _rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline time_t _tx_ns(time_t nbytes, time_t rate_bps) noexcept nogil:
    return ceil_div(nbytes * 8 * NS_PER_S, rate_bps)


def xoshiro_uniforms(uint64_t seed, int n):
    """The first ``n`` uniforms the loop would draw for ``seed`` (for the reference's tests)."""
    state = np.zeros(4, dtype=np.uint64)
    cdef uint64_t[::1] s = state
    _seed_rng(s, seed)
    return [_uniform(s) for _ in range(n)]


cdef void _seed_rng(uint64_t[::1] s, uint64_t seed) noexcept nogil:
    cdef uint64_t i
    for i in range(4):
        s[i] = splitmix64(seed + i * <uint64_t>0x9E3779B97F4A7C15)


cdef inline double _uniform(uint64_t[::1] s) noexcept nogil:
    """xoshiro256** -> a double in [0, 1) with 53 random bits."""
    cdef uint64_t result = _rotl(s[1] * 5, 7) * 9
    cdef uint64_t t = s[1] << 17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return <double>(result >> 11) * (1.0 / 9007199254740992.0)


def _grown(old, Py_ssize_t n, dtype):
    """A zeroed array of ``n`` entries starting with a copy of ``old`` (a memoryview or None)."""
    arr = np.zeros(n, dtype)
    if old is not None:
        old = np.asarray(old)
        arr[:old.shape[0]] = old
    return arr


cdef class EventLoop:
    # --- inputs (IN) ---
    cdef const time_t[::1] port_rate_bps
    cdef const idx_t[::1] port_res
    cdef const flag_t[::1] port_preempt
    cdef const idx_t[::1] port_express
    cdef const time_t[::1] port_cbs_slope     # P*8, idle slope bit/s, 0 = strict priority
    cdef const flag_t[::1] port_capture
    cdef const flag_t[::1] port_bg_class     # class of background (PCP 0) frames: Table 8-5 per queue count
    cdef const time_t[::1] gcl_ptr           # gate lists (rows); row p < P is port p's list at start
    cdef const time_t[::1] gcl_start         # offset of each entry in its row's cycle; entries tile [0, cycle)
    cdef const idx_t[::1] gcl_gates
    cdef const time_t[::1] gcl_cycle         # per row
    cdef const time_t[::1] gcl_base          # per row
    cdef const idx_t[::1] gcl_always         # per row: classes open throughout the cycle
    cdef const flag_t[::1] res_plca
    cdef const idx_t[::1] res_n_to
    cdef const time_t[::1] res_to_ns
    cdef const time_t[::1] res_beacon_ns
    cdef const idx_t[::1] res_burst
    cdef const time_t[::1] res_to_ptr
    cdef const idx_t[::1] res_to_port
    cdef const idx_t[::1] hop_port
    cdef const idx_t[::1] hop_stream
    cdef const time_t[::1] hop_child_ptr
    cdef const idx_t[::1] hop_child
    cdef const time_t[::1] hop_prop_ns
    cdef const time_t[::1] hop_proc_ns
    cdef const time_t[::1] hop_proc_var_ns    # forwarding is up to this much faster, drawn per frame
    cdef const idx_t[::1] hop_profile
    cdef const time_t[::1] hop_hold_ns
    cdef const idx_t[::1] hop_listener
    cdef const flag_t[::1] hop_class
    cdef const time_t[::1] prof_ptr
    cdef const double[::1] prof_pct
    cdef const time_t[::1] prof_ns
    cdef const time_t[::1] hop_sg_ptr        # 802.1Qci stream gate in front of each hop (may be empty)
    cdef const time_t[::1] hop_sg_cycle
    cdef const time_t[::1] sg_open           # open intervals, sorted, within [0, cycle) + length
    cdef const time_t[::1] sg_close
    cdef const time_t[::1] sg_octets         # IntervalOctetMax (MAC bytes)
    cdef const time_t[::1] frame_mac_bytes
    cdef const flag_t[::1] stream_frer
    cdef const time_t[::1] stream_frame_ptr
    cdef const time_t[::1] frame_wire_bytes
    cdef const idx_t[::1] src_stream
    cdef const idx_t[::1] src_route
    cdef const idx_t[::1] src_hop
    cdef const idx_t[::1] src_frame
    cdef const flag_t[::1] src_count
    cdef const time_t[::1] src_cycle_ns
    cdef const time_t[::1] src_off_ptr
    cdef const time_t[::1] src_off_ns
    cdef const time_t[::1] src_jitter_ns     # a release leaves the talker up to this much later
    cdef const time_t[::1] route_src_ptr
    cdef const idx_t[::1] route_src
    cdef const time_t[::1] ctl_time
    cdef const idx_t[::1] ctl_op
    cdef const idx_t[::1] ctl_a
    cdef const idx_t[::1] ctl_b
    cdef const time_t[::1] bg_mean_ns
    cdef time_t bg_wire_bytes
    cdef time_t release_until
    cdef int qlimit
    cdef int frer_history
    cdef time_t frer_reset_ns
    cdef int trace_level
    cdef int fanout
    cdef int reserve
    # --- state (INOUT) ---
    cdef public time_t now
    cdef public int64_t n_events, n_tx
    cdef int64_t eseq
    cdef Py_ssize_t hn, hcap
    cdef time_t[::1] h_time
    cdef int64_t[::1] h_key
    cdef idx_t[::1] h_kind
    cdef idx_t[::1] h_a
    cdef int64_t[::1] h_b
    cdef Py_ssize_t pcap, pfree, pfree_head
    cdef idx_t[::1] pk_stream
    cdef idx_t[::1] pk_hop
    cdef int64_t[::1] pk_seq
    cdef time_t[::1] pk_send
    cdef idx_t[::1] pk_frame
    cdef time_t[::1] pk_left
    cdef idx_t[::1] pk_nfrag
    cdef idx_t[::1] pk_next
    cdef idx_t[::1] pk_from
    cdef int64_t[::1] pk_epoch
    cdef time_t[::1] pk_arrive    # when the last bit reaches the node after port pk_from
    cdef flag_t[::1] pk_tc
    cdef idx_t[::1] q_head
    cdef idx_t[::1] q_tail
    cdef idx_t[::1] q_len
    cdef time_t[::1] cbs_credit   # bits * 1e9 (so that slope_bps * dt_ns is exact)
    cdef time_t[::1] cbs_last
    cdef idx_t[::1] port_tx
    cdef time_t[::1] port_tx_start
    cdef time_t[::1] port_tx_bytes
    cdef flag_t[::1] port_tx_express
    cdef int64_t[::1] port_token
    cdef time_t[::1] port_busy_until
    cdef time_t[::1] port_kick_at
    cdef public flag_t[::1] port_up
    cdef int64_t[::1] port_epoch
    cdef time_t[::1] port_fail_ptr   # P+1: port p's failure times in port_fail_ns[ptr[p]:ptr[p+1]]
    cdef time_t[::1] port_fail_ns    # indexed by the epoch the failure ended
    cdef idx_t[::1] port_gcl         # the gate list (row) port p runs now
    cdef idx_t[::1] port_held
    cdef flag_t[::1] res_state
    cdef idx_t[::1] res_to
    cdef int64_t[::1] res_token
    cdef time_t[::1] res_t0
    cdef idx_t[::1] res_burst_left
    cdef idx_t[::1] res_queued
    cdef public idx_t[::1] stream_route
    cdef flag_t[::1] src_active
    cdef int64_t[::1] src_k
    cdef int64_t[::1] lst_recov
    cdef uint64_t[::1] lst_hist
    cdef flag_t[::1] lst_takeany
    cdef time_t[::1] lst_last
    cdef uint64_t[::1] rng
    cdef time_t[::1] sg_used
    cdef int64_t[::1] sg_epoch
    # --- outputs (OUT) ---
    cdef public int64_t[::1] stream_sent
    cdef public int64_t[::1] stream_dropped
    cdef public int64_t[::1] stream_policed    # S*2: [late (gate closed), over the interval's octets]
    cdef public int64_t[::1] lst_duplicates
    cdef public int64_t[::1] lst_rogue
    cdef public Py_ssize_t rec_n, trace_n
    cdef public int64_t trace_overflow
    cdef Py_ssize_t rec_cap, trace_cap
    cdef public idx_t[::1] rec_stream
    cdef public int64_t[::1] rec_seq
    cdef public idx_t[::1] rec_listener
    cdef public time_t[::1] rec_send
    cdef public time_t[::1] rec_recv
    cdef public idx_t[::1] rec_hop
    cdef public time_t[::1] tr_time
    cdef public idx_t[::1] tr_kind
    cdef public idx_t[::1] tr_port
    cdef public idx_t[::1] tr_stream
    cdef public int64_t[::1] tr_seq
    cdef public idx_t[::1] tr_hop

    def __init__(self, dict a, uint64_t seed, int record_capacity=65536, int trace_capacity=65536,
                 int trace_level=0):
        """``a`` maps the input names above to C-contiguous arrays of their dtypes (the engine
        builds and checks them); scalars are ``bg_wire_bytes``, ``release_until``,
        ``qlimit``, ``frer_history``, ``frer_reset_ns``."""
        self.port_rate_bps = a["port_rate_bps"]; self.port_res = a["port_res"]
        self.port_preempt = a["port_preempt"]; self.port_express = a["port_express"]
        self.port_cbs_slope = a["port_cbs_slope"]; self.port_capture = a["port_capture"]
        self.gcl_ptr = a["gcl_ptr"]; self.gcl_start = a["gcl_start"]; self.gcl_gates = a["gcl_gates"]
        self.gcl_cycle = a["gcl_cycle"]; self.gcl_base = a["gcl_base"]; self.gcl_always = a["gcl_always"]
        self.res_plca = a["res_plca"]; self.res_n_to = a["res_n_to"]; self.res_to_ns = a["res_to_ns"]
        self.res_beacon_ns = a["res_beacon_ns"]; self.res_burst = a["res_burst"]
        self.res_to_ptr = a["res_to_ptr"]; self.res_to_port = a["res_to_port"]
        self.hop_port = a["hop_port"]; self.hop_stream = a["hop_stream"]
        self.hop_child_ptr = a["hop_child_ptr"]; self.hop_child = a["hop_child"]
        self.hop_prop_ns = a["hop_prop_ns"]; self.hop_proc_ns = a["hop_proc_ns"]
        self.hop_proc_var_ns = a["hop_proc_var_ns"]
        self.hop_profile = a["hop_profile"]; self.hop_hold_ns = a["hop_hold_ns"]
        self.hop_listener = a["hop_listener"]; self.hop_class = a["hop_class"]
        self.prof_ptr = a["prof_ptr"]; self.prof_pct = a["prof_pct"]; self.prof_ns = a["prof_ns"]
        self.hop_sg_ptr = a["hop_sg_ptr"]; self.hop_sg_cycle = a["hop_sg_cycle"]
        self.sg_open = a["sg_open"]; self.sg_close = a["sg_close"]; self.sg_octets = a["sg_octets"]
        self.frame_mac_bytes = a["frame_mac_bytes"]
        self.stream_frer = a["stream_frer"]
        self.stream_frame_ptr = a["stream_frame_ptr"]; self.frame_wire_bytes = a["frame_wire_bytes"]
        self.src_stream = a["src_stream"]; self.src_route = a["src_route"]; self.src_hop = a["src_hop"]
        self.src_frame = a["src_frame"]; self.src_count = a["src_count"]
        self.src_cycle_ns = a["src_cycle_ns"]; self.src_off_ptr = a["src_off_ptr"]
        self.src_off_ns = a["src_off_ns"]; self.src_jitter_ns = a["src_jitter_ns"]
        self.route_src_ptr = a["route_src_ptr"]; self.route_src = a["route_src"]
        self.ctl_time = a["ctl_time"]; self.ctl_op = a["ctl_op"]; self.ctl_a = a["ctl_a"]
        self.ctl_b = a["ctl_b"]
        self.bg_mean_ns = a["bg_mean_ns"]; self.bg_wire_bytes = a["bg_wire_bytes"]
        self.port_bg_class = a["port_bg_class"]; self.release_until = a["release_until"]
        self.qlimit = a["qlimit"]; self.frer_history = a["frer_history"]
        self.frer_reset_ns = a["frer_reset_ns"]
        self.trace_level = trace_level

        cdef Py_ssize_t n_ports = self.port_rate_bps.shape[0], n_res = self.res_plca.shape[0]
        cdef Py_ssize_t n_streams = self.stream_frer.shape[0], n_lst = a["n_listeners"]
        cdef Py_ssize_t h
        self.fanout = 1
        for h in range(self.hop_port.shape[0]):
            self.fanout = max(self.fanout, <int>(self.hop_child_ptr[h + 1] - self.hop_child_ptr[h]) + 1)

        self.reserve = self.fanout + 8
        for h in range(self.route_src_ptr.shape[0] - 1):
            self.reserve = max(self.reserve, <int>(self.route_src_ptr[h + 1] - self.route_src_ptr[h]) + 8)
        self.hcap = 1024
        while self.hcap < 2 * self.reserve:
            self.hcap *= 2
        self.h_time = np.zeros(self.hcap, np.int64); self.h_key = np.zeros(self.hcap, np.int64)
        self.h_kind = np.zeros(self.hcap, np.int32); self.h_a = np.zeros(self.hcap, np.int32)
        self.h_b = np.zeros(self.hcap, np.int64)
        self.pcap = 0
        self.pfree_head = -1
        self.pfree = 0
        self._grow_pool(1024)
        self.q_head = np.full(n_ports * 8, -1, np.int32); self.q_tail = np.full(n_ports * 8, -1, np.int32)
        self.q_len = np.zeros(n_ports * 8, np.int32)
        self.cbs_credit = np.zeros(n_ports * 8, np.int64); self.cbs_last = np.zeros(n_ports * 8, np.int64)
        self.port_tx = np.full(n_ports, -1, np.int32); self.port_tx_start = np.zeros(n_ports, np.int64)
        self.port_tx_bytes = np.zeros(n_ports, np.int64); self.port_tx_express = np.zeros(n_ports, np.int8)
        self.port_token = np.zeros(n_ports, np.int64); self.port_busy_until = np.zeros(n_ports, np.int64)
        self.port_kick_at = np.full(n_ports, INF, np.int64); self.port_up = np.ones(n_ports, np.int8)
        self.port_epoch = np.zeros(n_ports, np.int64); self.port_held = np.full(n_ports, -1, np.int32)
        failing = np.asarray(self.ctl_a)[np.asarray(self.ctl_op) == CTL_FAIL]
        self.port_fail_ptr = np.concatenate([[0], np.cumsum(np.bincount(failing, minlength=n_ports))]).astype(np.int64)
        self.port_fail_ns = np.zeros(max(1, len(failing)), np.int64)
        self.port_gcl = np.arange(n_ports, dtype=np.int32)
        self.res_state = np.zeros(n_res, np.int8); self.res_to = np.zeros(n_res, np.int32)
        self.res_token = np.zeros(n_res, np.int64); self.res_t0 = np.zeros(n_res, np.int64)
        self.res_burst_left = np.zeros(n_res, np.int32); self.res_queued = np.zeros(n_res, np.int32)
        self.stream_route = np.full(n_streams, -1, np.int32)
        self.src_active = np.zeros(self.src_stream.shape[0], np.int8)
        self.src_k = np.zeros(self.src_stream.shape[0], np.int64)
        self.lst_recov = np.zeros(n_lst, np.int64); self.lst_hist = np.zeros(n_lst, np.uint64)
        self.lst_takeany = np.ones(n_lst, np.int8); self.lst_last = np.zeros(n_lst, np.int64)
        self.rng = np.zeros(4, np.uint64)
        _seed_rng(self.rng, seed)
        self.stream_sent = np.zeros(n_streams, np.int64); self.stream_dropped = np.zeros(n_streams, np.int64)
        self.stream_policed = np.zeros(2 * n_streams, np.int64)
        self.sg_used = np.zeros(self.sg_open.shape[0], np.int64)
        self.sg_epoch = np.full(self.sg_open.shape[0], -1, np.int64)
        self.lst_duplicates = np.zeros(n_lst, np.int64); self.lst_rogue = np.zeros(n_lst, np.int64)
        self.rec_cap = record_capacity
        self.rec_stream = np.zeros(self.rec_cap, np.int32); self.rec_seq = np.zeros(self.rec_cap, np.int64)
        self.rec_listener = np.zeros(self.rec_cap, np.int32); self.rec_send = np.zeros(self.rec_cap, np.int64)
        self.rec_recv = np.zeros(self.rec_cap, np.int64); self.rec_hop = np.zeros(self.rec_cap, np.int32)
        self.trace_cap = trace_capacity if trace_level else 0
        self.tr_time = np.zeros(self.trace_cap, np.int64); self.tr_kind = np.zeros(self.trace_cap, np.int32)
        self.tr_port = np.zeros(self.trace_cap, np.int32); self.tr_stream = np.zeros(self.trace_cap, np.int32)
        self.tr_seq = np.zeros(self.trace_cap, np.int64); self.tr_hop = np.zeros(self.trace_cap, np.int32)
        self.rec_n = 0
        self.trace_n = 0
        self.trace_overflow = 0
        self.now = 0
        self.n_events = 0
        self.n_tx = 0
        self.eseq = 0
        self.hn = 0
        self._start()

    # ------------------------------------------------------------------ growth (with the GIL)
    def _grow_pool(self, Py_ssize_t extra):
        cdef Py_ssize_t old = self.pcap, new = old + extra, i
        self.pk_stream = _grown(self.pk_stream if old else None, new, np.int32)
        self.pk_hop = _grown(self.pk_hop if old else None, new, np.int32)
        self.pk_seq = _grown(self.pk_seq if old else None, new, np.int64)
        self.pk_send = _grown(self.pk_send if old else None, new, np.int64)
        self.pk_frame = _grown(self.pk_frame if old else None, new, np.int32)
        self.pk_left = _grown(self.pk_left if old else None, new, np.int64)
        self.pk_nfrag = _grown(self.pk_nfrag if old else None, new, np.int32)
        self.pk_next = _grown(self.pk_next if old else None, new, np.int32)
        self.pk_from = _grown(self.pk_from if old else None, new, np.int32)
        self.pk_epoch = _grown(self.pk_epoch if old else None, new, np.int64)
        self.pk_arrive = _grown(self.pk_arrive if old else None, new, np.int64)
        self.pk_tc = _grown(self.pk_tc if old else None, new, np.int8)
        for i in range(new - 1, old - 1, -1):
            self.pk_next[i] = <idx_t>self.pfree_head
            self.pfree_head = i
        self.pfree += extra
        self.pcap = new

    def _grow_heap(self):
        cdef Py_ssize_t new = self.hcap * 2
        self.h_time = _grown(self.h_time, new, np.int64)
        self.h_key = _grown(self.h_key, new, np.int64)
        self.h_kind = _grown(self.h_kind, new, np.int32)
        self.h_a = _grown(self.h_a, new, np.int32)
        self.h_b = _grown(self.h_b, new, np.int64)
        self.hcap = new

    def _start(self):
        """Initial events: controls, the active route of every stream, background generators."""
        cdef Py_ssize_t i, s, r
        for i in range(self.ctl_time.shape[0]):
            self._need(4)
            self._push(self.ctl_time[i], EV_CONTROL, <idx_t>i, 0)
        for r in range(self.route_src_ptr.shape[0] - 1):
            if self.route_src_ptr[r] == self.route_src_ptr[r + 1]:
                continue
            s = self.src_stream[self.route_src[self.route_src_ptr[r]]]
            if self.stream_route[s] < 0:
                self._need(<Py_ssize_t>(self.route_src_ptr[r + 1] - self.route_src_ptr[r]) + 4)
                self._activate(<idx_t>s, <idx_t>r, 0)
        for i in range(self.bg_mean_ns.shape[0]):
            if self.bg_mean_ns[i] > 0:
                self._need(4)
                self._push(self._bg_interval(<idx_t>i), EV_BG, <idx_t>i, 0)

    def _need(self, Py_ssize_t n):
        while self.hn + n > self.hcap:
            self._grow_heap()

    # ------------------------------------------------------------------ public driver
    def run(self, time_t stop_ns):
        """Process events with time <= ``stop_ns``; ``DONE`` or ``FLUSH`` (drain records/trace)."""
        cdef int status
        while True:
            with nogil:
                status = self._run(stop_ns)
            if status == _GROW:
                if self.pfree < self.fanout + 2:
                    self._grow_pool(self.pcap)
                if self.hn + self.reserve > self.hcap:
                    self._grow_heap()
                continue
            return status

    cdef int _run(self, time_t stop) noexcept nogil:
        cdef time_t t
        cdef int kind
        cdef idx_t a
        cdef int64_t b
        while self.hn > 0:
            if self.h_time[0] > stop:
                return _DONE
            if self.pfree < self.fanout + 2 or self.hn + self.reserve > self.hcap:
                return _GROW
            if self.rec_n >= self.rec_cap or (self.trace_level and self.trace_n + 8 > self.trace_cap):
                return _FLUSH
            t = self.h_time[0]
            kind = self.h_kind[0]
            a = self.h_a[0]
            b = self.h_b[0]
            self._pop()
            self.now = t
            self.n_events += 1
            if kind == EV_ENQUEUE:
                self._ev_enqueue(<idx_t>a, <idx_t>b, t)
            elif kind == EV_TX_END:
                self._ev_tx_end(a, b, t)
            elif kind == EV_DELIVER:
                self._ev_deliver(a, <idx_t>b, t)
            elif kind == EV_KICK:
                if self.port_kick_at[a] == t:
                    self.port_kick_at[a] = INF
                    self._try_start(a, t)
            elif kind == EV_RELEASE:
                self._ev_release(a, t)
            elif kind == EV_BG:
                self._ev_background(a, t)
            elif kind == EV_PLCA:
                if self.res_token[a] == b:
                    if self.res_state[a] == PLCA_BEACON:
                        self._plca_to_start(a, 0, t, t)
                    elif self.res_state[a] == PLCA_TO:
                        self._plca_next(a, t)
            else:
                self._ev_control(a, t)
        return _DONE

    # ------------------------------------------------------------------ heap
    cdef void _push(self, time_t t, int kind, idx_t a, int64_t b) noexcept nogil:
        cdef Py_ssize_t i = self.hn, parent
        cdef int64_t key = ((<int64_t>_PRIO[kind]) << 56) | self.eseq
        self.eseq += 1
        self.hn += 1
        while i > 0:
            parent = (i - 1) >> 1
            if self.h_time[parent] < t or (self.h_time[parent] == t and self.h_key[parent] < key):
                break
            self.h_time[i] = self.h_time[parent]; self.h_key[i] = self.h_key[parent]
            self.h_kind[i] = self.h_kind[parent]; self.h_a[i] = self.h_a[parent]; self.h_b[i] = self.h_b[parent]
            i = parent
        self.h_time[i] = t; self.h_key[i] = key; self.h_kind[i] = kind; self.h_a[i] = a; self.h_b[i] = b

    cdef void _pop(self) noexcept nogil:
        cdef Py_ssize_t n = self.hn - 1, i = 0, c
        cdef time_t t = self.h_time[n]
        cdef int64_t key = self.h_key[n]
        self.hn = n
        if n == 0:
            return
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and (self.h_time[c + 1] < self.h_time[c] or
                              (self.h_time[c + 1] == self.h_time[c] and self.h_key[c + 1] < self.h_key[c])):
                c += 1
            if t < self.h_time[c] or (t == self.h_time[c] and key < self.h_key[c]):
                break
            self.h_time[i] = self.h_time[c]; self.h_key[i] = self.h_key[c]
            self.h_kind[i] = self.h_kind[c]; self.h_a[i] = self.h_a[c]; self.h_b[i] = self.h_b[c]
            i = c
        self.h_time[i] = t; self.h_key[i] = key
        self.h_kind[i] = self.h_kind[n]; self.h_a[i] = self.h_a[n]; self.h_b[i] = self.h_b[n]

    cdef inline void _kick_at(self, idx_t p, time_t t) noexcept nogil:
        if t < self.port_kick_at[p]:
            self.port_kick_at[p] = t
            self._push(t, EV_KICK, p, 0)

    # ------------------------------------------------------------------ packets, trace, records
    cdef inline idx_t _alloc(self) noexcept nogil:
        cdef idx_t k = <idx_t>self.pfree_head
        self.pfree_head = self.pk_next[k]
        self.pfree -= 1
        self.pk_next[k] = -1
        return k

    cdef inline void _free(self, idx_t k) noexcept nogil:
        self.pk_next[k] = <idx_t>self.pfree_head
        self.pfree_head = k
        self.pfree += 1

    cdef inline idx_t _copy(self, idx_t k) noexcept nogil:
        cdef idx_t c = self._alloc()
        self.pk_stream[c] = self.pk_stream[k]; self.pk_hop[c] = self.pk_hop[k]
        self.pk_seq[c] = self.pk_seq[k]; self.pk_send[c] = self.pk_send[k]
        self.pk_frame[c] = self.pk_frame[k]; self.pk_left[c] = self.pk_left[k]
        self.pk_nfrag[c] = 0; self.pk_tc[c] = self.pk_tc[k]
        return c

    cdef inline void _trace(self, int kind, time_t t, idx_t port, idx_t k) noexcept nogil:
        cdef Py_ssize_t i = self.trace_n
        if self.trace_level == 0:
            return
        if self.trace_level == 1 and (kind != TR_TX_START or not self.port_capture[port]):
            return
        if i >= self.trace_cap:
            self.trace_overflow += 1
            return
        self.tr_time[i] = t; self.tr_kind[i] = kind; self.tr_port[i] = port
        self.tr_stream[i] = self.pk_stream[k]; self.tr_seq[i] = self.pk_seq[k]; self.tr_hop[i] = self.pk_hop[k]
        self.trace_n = i + 1

    cdef void _drop(self, idx_t k, idx_t port, time_t t) noexcept nogil:
        if self.pk_stream[k] >= 0:
            self.stream_dropped[self.pk_stream[k]] += 1
            self._trace(TR_DROP, t, port, k)
        self._free(k)

    # ------------------------------------------------------------------ gates and shapers
    cdef inline Py_ssize_t _entry(self, idx_t g, time_t pos) noexcept nogil:
        """Last entry of gate list ``g`` starting at or before ``pos`` (binary search)."""
        cdef Py_ssize_t lo = self.gcl_ptr[g], hi = self.gcl_ptr[g + 1] - 1, mid
        while lo < hi:
            mid = (lo + hi + 1) >> 1
            if self.gcl_start[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    cdef inline time_t _entry_end(self, idx_t g, Py_ssize_t e) noexcept nogil:
        return self.gcl_start[e + 1] if e + 1 < self.gcl_ptr[g + 1] else self.gcl_cycle[g]

    cdef time_t _open_until(self, idx_t p, int tc, time_t now) noexcept nogil:
        """When the gate of ``tc`` at port ``p`` next closes (``now`` if closed, INF if never)."""
        cdef idx_t g = self.port_gcl[p]
        cdef Py_ssize_t lo = self.gcl_ptr[g], hi = self.gcl_ptr[g + 1], e, steps = 0
        cdef time_t pos, t
        if (self.gcl_always[g] >> tc) & 1:
            return INF
        pos = (now - self.gcl_base[g]) % self.gcl_cycle[g]
        e = self._entry(g, pos)
        if not (self.gcl_gates[e] >> tc) & 1:
            return now
        t = now - pos + self._entry_end(g, e)
        while steps < hi - lo:
            e += 1
            if e == hi:
                e = lo
            if not (self.gcl_gates[e] >> tc) & 1:
                return t
            t += self._entry_end(g, e) - self.gcl_start[e]
            steps += 1
        return INF

    cdef inline time_t _next_boundary(self, idx_t p, time_t now) noexcept nogil:
        cdef idx_t g = self.port_gcl[p]
        cdef time_t pos
        if self.gcl_ptr[g + 1] - self.gcl_ptr[g] <= 1:
            return INF
        pos = (now - self.gcl_base[g]) % self.gcl_cycle[g]
        return now - pos + self._entry_end(g, self._entry(g, pos))

    cdef inline void _cbs_update(self, Py_ssize_t q, time_t now) noexcept nogil:
        cdef time_t slope = self.port_cbs_slope[q], dt
        if slope == 0 or now <= self.cbs_last[q]:
            return
        dt = now - self.cbs_last[q]
        if dt > CBS_MAX_DT_NS:
            dt = CBS_MAX_DT_NS
        if self.q_len[q] > 0:
            self.cbs_credit[q] += slope * dt
        elif self.cbs_credit[q] < 0:
            self.cbs_credit[q] = min(0, self.cbs_credit[q] + slope * dt)
        else:
            self.cbs_credit[q] = 0
        self.cbs_last[q] = now

    cdef bint _eligible(self, idx_t p, int tc, time_t nbytes, time_t now, bint cbs,
                        time_t* wake) noexcept nogil:
        """May a frame of ``nbytes`` of class ``tc`` start now? If not, lower ``wake`` to when it might."""
        cdef Py_ssize_t q = p * 8 + tc
        cdef time_t d, t
        if cbs and self.port_cbs_slope[q] > 0:
            self._cbs_update(q, now)
            if self.cbs_credit[q] < 0:
                t = max(now, self.cbs_last[q]) + ceil_div(-self.cbs_credit[q], self.port_cbs_slope[q])
                if t < wake[0]:
                    wake[0] = t
                return False
        d = _tx_ns(nbytes, self.port_rate_bps[p])
        t = self._open_until(p, tc, now)
        if t >= INF or t - now >= d:
            return True
        t = self._next_boundary(p, now)
        if t < wake[0]:
            wake[0] = t
        return False

    # ------------------------------------------------------------------ transmission selection
    cdef int _select(self, idx_t p, time_t now, time_t* wake) noexcept nogil:
        """Strict priority over open, fitting, credit-positive classes; express before a held
        preemptable frame before other preemptable ones. A class (0-7), ``HELD`` or -1."""
        cdef bint pre = self.port_preempt[p]
        cdef int express = self.port_express[p], tc
        cdef Py_ssize_t q
        cdef idx_t held
        for tc in range(7, -1, -1):
            if pre and not (express >> tc) & 1:
                continue
            q = p * 8 + tc
            if self.q_len[q] and self._eligible(p, tc, self.pk_left[self.q_head[q]], now, True, wake):
                return tc
        if not pre:
            return -1
        held = self.port_held[p]
        if held >= 0:
            if self._eligible(p, self.pk_tc[held], self.pk_left[held], now, False, wake):
                return HELD
            return -1
        for tc in range(7, -1, -1):
            if (express >> tc) & 1:
                continue
            q = p * 8 + tc
            if self.q_len[q] and self._eligible(p, tc, self.pk_left[self.q_head[q]], now, True, wake):
                return tc
        return -1

    cdef bint _start_best(self, idx_t p, time_t now) noexcept nogil:
        """Start the selected frame on idle port ``p``; else request a kick when one may be ready."""
        cdef time_t wake = INF, d
        cdef int tc = self._select(p, now, &wake)
        cdef idx_t k
        cdef Py_ssize_t q
        if tc < 0:
            if wake < INF:
                self._kick_at(p, wake)
            return False
        if tc == HELD:
            k = self.port_held[p]
            self.port_held[p] = -1
            tc = self.pk_tc[k]
            self._trace(TR_RESUME, now, p, k)
        else:
            q = p * 8 + tc
            k = self.q_head[q]
            if self.port_cbs_slope[q] > 0:
                self._cbs_update(q, now)
            self.q_head[q] = self.pk_next[k]
            if self.q_head[q] < 0:
                self.q_tail[q] = -1
            self.q_len[q] -= 1
            self.res_queued[self.port_res[p]] -= 1
            self.pk_next[k] = -1
            d = _tx_ns(self.pk_left[k], self.port_rate_bps[p])
            if self.port_cbs_slope[q] > 0:
                self.cbs_credit[q] -= (self.port_rate_bps[p] - self.port_cbs_slope[q]) * d
                self.cbs_last[q] = now + d
            self._trace(TR_TX_START, now, p, k)
        d = _tx_ns(self.pk_left[k], self.port_rate_bps[p])
        self.port_tx[p] = k
        self.port_tx_start[p] = now
        self.port_tx_bytes[p] = self.pk_left[k]
        self.port_tx_express[p] = (self.port_express[p] >> tc) & 1
        self.port_token[p] += 1
        self._push(now + d, EV_TX_END, p, self.port_token[p])
        return True

    cdef void _maybe_preempt(self, idx_t p, time_t now) noexcept nogil:
        """An express frame is ready while a preemptable one is on the wire: cut it at the first
        point the 802.3br fragment rules allow (or leave it if they never will)."""
        cdef time_t wake = INF, sent, seg = self.port_tx_bytes[p], rate = self.port_rate_bps[p]
        cdef int express = self.port_express[p], tc
        cdef bint ready = False
        cdef idx_t k
        cdef Py_ssize_t q
        for tc in range(7, -1, -1):
            q = p * 8 + tc
            if (express >> tc) & 1 and self.q_len[q] and \
                    self._eligible(p, tc, self.pk_left[self.q_head[q]], now, True, &wake):
                ready = True
                break
        if not ready:
            if wake < INF:
                self._kick_at(p, wake)
            return
        sent = (now - self.port_tx_start[p]) * rate // (8 * NS_PER_S)
        if sent < PRE_FIRST_BYTES:
            if seg - IFG_BYTES - PRE_FIRST_BYTES >= PRE_LAST_BYTES:
                self._kick_at(p, self.port_tx_start[p] + _tx_ns(PRE_FIRST_BYTES, rate))
            return
        if seg - IFG_BYTES - sent < PRE_LAST_BYTES:
            return
        k = self.port_tx[p]
        self.pk_left[k] = seg - sent + PRE_RESUME_BYTES
        self.pk_nfrag[k] += 1
        self.port_held[p] = k
        self.port_tx[p] = -1
        self.port_token[p] += 1
        self.port_busy_until[p] = now + _tx_ns(PRE_GAP_BYTES, rate)
        self._trace(TR_PREEMPT, now, p, k)
        self._kick_at(p, self.port_busy_until[p])

    cdef void _try_start(self, idx_t p, time_t now) noexcept nogil:
        cdef idx_t r = self.port_res[p]
        if not self.port_up[p]:
            return
        if self.res_plca[r]:
            if self.port_tx[p] >= 0:
                return
            if self.res_state[r] == PLCA_PARKED:
                self._plca_wake(r, now)
            elif self.res_state[r] == PLCA_TO and \
                    self.res_to_port[self.res_to_ptr[r] + self.res_to[r]] == p:
                if self._start_best(p, now):
                    self._plca_tx_begin(r)
            return
        if self.port_tx[p] >= 0:
            if self.port_preempt[p] and not self.port_tx_express[p]:
                self._maybe_preempt(p, now)
            return
        if now < self.port_busy_until[p]:
            self._kick_at(p, self.port_busy_until[p])
            return
        self._start_best(p, now)

    # ------------------------------------------------------------------ PLCA (10BASE-T1S)
    cdef inline void _plca_tx_begin(self, idx_t r) noexcept nogil:
        self.res_state[r] = PLCA_TX
        self.res_burst_left[r] = self.res_burst[r]
        self.res_token[r] += 1

    cdef void _plca_to_start(self, idx_t r, idx_t i, time_t opened, time_t now) noexcept nogil:
        """Transmit opportunity ``i`` (opened at ``opened`` <= ``now``): its member sends now or
        the TO timer runs out."""
        cdef idx_t p = self.res_to_port[self.res_to_ptr[r] + i]
        self.res_to[r] = i
        self.res_state[r] = PLCA_TO
        if p >= 0 and self.port_up[p] and self.port_tx[p] < 0 and self._start_best(p, now):
            self._plca_tx_begin(r)
            return
        self.res_token[r] += 1
        self._push(opened + self.res_to_ns[r], EV_PLCA, r, self.res_token[r])

    cdef void _plca_next(self, idx_t r, time_t now) noexcept nogil:
        """Next TO, or after the last one a beacon (or rest while no member has a frame)."""
        cdef idx_t i = self.res_to[r] + 1
        if i < self.res_n_to[r]:
            self._plca_to_start(r, i, now, now)
        elif self.res_queued[r] > 0:
            self.res_state[r] = PLCA_BEACON
            self.res_token[r] += 1
            self._push(now + self.res_beacon_ns[r], EV_PLCA, r, self.res_token[r])
        else:
            self.res_state[r] = PLCA_PARKED
            self.res_t0[r] = now

    cdef void _plca_wake(self, idx_t r, time_t now) noexcept nogil:
        """A frame arrives on a resting segment: find where the idle beacon/TO cycle would be now."""
        cdef time_t beacon = self.res_beacon_ns[r], to = self.res_to_ns[r]
        cdef time_t cycle = beacon + self.res_n_to[r] * to
        cdef time_t phase = (now - self.res_t0[r]) % cycle
        cdef time_t cs = now - phase
        cdef idx_t i
        if phase < beacon:
            self.res_state[r] = PLCA_BEACON
            self.res_token[r] += 1
            self._push(cs + beacon, EV_PLCA, r, self.res_token[r])
            return
        i = <idx_t>((phase - beacon) // to)
        self._plca_to_start(r, i, cs + beacon + i * to, now)

    # ------------------------------------------------------------------ events
    cdef void _enqueue(self, idx_t p, idx_t k, time_t now) noexcept nogil:
        cdef int tc = self.pk_tc[k]
        cdef Py_ssize_t q = p * 8 + tc
        if self.q_len[q] >= self.qlimit:
            self._drop(k, p, now)
            return
        self._cbs_update(q, now)
        if self.q_tail[q] >= 0:
            self.pk_next[self.q_tail[q]] = k
        else:
            self.q_head[q] = k
        self.q_tail[q] = k
        self.pk_next[k] = -1
        self.q_len[q] += 1
        self.res_queued[self.port_res[p]] += 1
        if self.port_tx[p] < 0 or (self.port_preempt[p] and not self.port_tx_express[p]
                                   and (self.port_express[p] >> tc) & 1):
            self._kick_at(p, now)

    cdef inline bint _lost_in_flight(self, idx_t k) noexcept nogil:
        """Did the link the frame last crossed fail before its last bit arrived? (The first failure
        since the frame left decides; once arrived, the frame is in the node: processing, a 5G
        bridge's delay and hold.)"""
        cdef idx_t f = self.pk_from[k]
        return f >= 0 and self.port_epoch[f] != self.pk_epoch[k] and \
            self.port_fail_ns[self.port_fail_ptr[f] + self.pk_epoch[k]] < self.pk_arrive[k]

    cdef void _to_hop(self, idx_t k, idx_t h, time_t now) noexcept nogil:
        cdef idx_t p = self.hop_port[h]
        self.pk_hop[k] = h
        if not self.port_up[p]:
            self._drop(k, p, now)
            return
        self.pk_left[k] = self.frame_wire_bytes[self.pk_frame[k]]
        self.pk_nfrag[k] = 0
        self.pk_tc[k] = self.hop_class[h]
        self._enqueue(p, k, now)

    cdef int _gate_verdict(self, idx_t k, idx_t h, time_t now) noexcept nogil:
        """802.1Qci stream gate of hop ``h``: 0 pass, 1 closed (late), 2 over the interval's octets."""
        cdef Py_ssize_t lo = self.hop_sg_ptr[h], hi = self.hop_sg_ptr[h + 1], e = -1, a, b, mid
        cdef time_t cycle, pos, x
        cdef int64_t epoch
        cdef int wrap
        if lo == hi:
            return 0
        cycle = self.hop_sg_cycle[h]
        pos = now % cycle
        for wrap in range(2):                 # an interval may run past the cycle end
            x = pos + wrap * cycle
            a = lo
            b = hi - 1
            if self.sg_open[a] > x:
                continue
            while a < b:
                mid = (a + b + 1) >> 1
                if self.sg_open[mid] <= x:
                    a = mid
                else:
                    b = mid - 1
            if x <= self.sg_close[a]:
                e = a
                pos = x
                break
        if e < 0:
            return 1
        epoch = (now - pos) // cycle
        if self.sg_epoch[e] != epoch:
            self.sg_epoch[e] = epoch
            self.sg_used[e] = 0
        if self.sg_used[e] + self.frame_mac_bytes[self.pk_frame[k]] > self.sg_octets[e]:
            return 2
        self.sg_used[e] += self.frame_mac_bytes[self.pk_frame[k]]
        return 0

    cdef void _ev_enqueue(self, idx_t k, idx_t h, time_t now) noexcept nogil:
        cdef int verdict
        if self._lost_in_flight(k):
            self._drop(k, self.pk_from[k], now)
            return
        verdict = self._gate_verdict(k, h, now)
        if verdict:
            self.pk_hop[k] = h
            self.stream_policed[2 * self.pk_stream[k] + verdict - 1] += 1
            self._trace(TR_POLICE, now, self.hop_port[h], k)
            self._free(k)
            return
        self._to_hop(k, h, now)

    cdef time_t _sample(self, idx_t prof) noexcept nogil:
        """Inverse-CDF draw from a piecewise-linear percentile table (DelayProfile.inverse_cdf_ns)."""
        cdef double pct = _uniform(self.rng) * 100.0, p0, p1, value
        cdef Py_ssize_t lo = self.prof_ptr[prof], hi = self.prof_ptr[prof + 1], i = lo
        if pct > 100.0:
            pct = 100.0
        while i < hi and self.prof_pct[i] < pct:
            i += 1
        if self.prof_pct[i] == pct:
            return self.prof_ns[i]
        p0 = self.prof_pct[i - 1]
        p1 = self.prof_pct[i]
        value = self.prof_ns[i - 1] + (self.prof_ns[i] - self.prof_ns[i - 1]) * (pct - p0) / (p1 - p0)
        return <time_t>ceil(value)

    cdef time_t _forward_delay(self, idx_t h) noexcept nogil:
        cdef time_t d = self.hop_proc_ns[h], x
        cdef idx_t prof = self.hop_profile[h]
        if self.hop_proc_var_ns[h] > 0:
            d -= <time_t>(_uniform(self.rng) * <double>(self.hop_proc_var_ns[h] + 1))
        if prof >= 0:
            x = self._sample(prof)
            if x < self.hop_hold_ns[h]:
                x = self.hop_hold_ns[h]
            d += x
        return d

    cdef void _forward(self, idx_t k, idx_t p, time_t now) noexcept nogil:
        """A frame left port ``p`` on its hop: copies go to every child hop and the listener."""
        cdef idx_t h = self.pk_hop[k], c, use, lst
        cdef Py_ssize_t i, lo, hi
        cdef bint first = True
        cdef time_t arrive
        if self.pk_stream[k] < 0:
            self._free(k)
            return
        arrive = now + self.hop_prop_ns[h]
        lo = self.hop_child_ptr[h]
        hi = self.hop_child_ptr[h + 1]
        lst = self.hop_listener[h]
        for i in range(lo, hi):
            c = self.hop_child[i]
            use = k if first else self._copy(k)
            first = False
            self.pk_from[use] = p
            self.pk_epoch[use] = self.port_epoch[p]
            self.pk_arrive[use] = arrive
            self._push(arrive + self._forward_delay(c), EV_ENQUEUE, use, c)
        if lst >= 0:
            use = k if first else self._copy(k)
            first = False
            self.pk_from[use] = p
            self.pk_epoch[use] = self.port_epoch[p]
            self.pk_arrive[use] = arrive
            self._push(arrive, EV_DELIVER, use, lst)
        if first:
            self._free(k)

    cdef void _ev_tx_end(self, idx_t p, int64_t token, time_t now) noexcept nogil:
        cdef idx_t k = self.port_tx[p], r = self.port_res[p]
        if token != self.port_token[p]:
            return
        self.port_tx[p] = -1
        self.port_busy_until[p] = now
        self.n_tx += 1
        self._trace(TR_TX_END, now, p, k)
        self._forward(k, p, now)
        if self.res_plca[r]:
            if self.res_burst_left[r] > 0 and self.port_up[p] and self._start_best(p, now):
                self.res_burst_left[r] -= 1
            else:
                self._plca_next(r, now)
        else:
            self._try_start(p, now)

    cdef int _recover(self, idx_t l, int64_t seq, time_t now) noexcept nogil:
        """802.1CB vector recovery (history length, reset timer): 0 accept, 1 duplicate, 2 rogue."""
        cdef int64_t s16 = seq & 0xFFFF, delta
        cdef int hist_len = self.frer_history
        cdef uint64_t mask = (<uint64_t>0xFFFFFFFFFFFFFFFF) if hist_len >= 64 else ((<uint64_t>1 << hist_len) - 1)
        cdef uint64_t bit
        if not self.lst_takeany[l] and now - self.lst_last[l] >= self.frer_reset_ns:
            self.lst_takeany[l] = 1
        if self.lst_takeany[l]:
            self.lst_takeany[l] = 0
            self.lst_recov[l] = s16
            self.lst_hist[l] = 1
            self.lst_last[l] = now
            return 0
        delta = ((s16 - self.lst_recov[l] + 0x8000) & 0xFFFF) - 0x8000
        if delta >= hist_len or delta <= -hist_len:
            return 2
        if delta <= 0:
            bit = (<uint64_t>1) << (-delta)
            if self.lst_hist[l] & bit:
                return 1
            self.lst_hist[l] |= bit
            self.lst_last[l] = now
            return 0
        self.lst_hist[l] = ((self.lst_hist[l] << delta) | 1) & mask
        self.lst_recov[l] = s16
        self.lst_last[l] = now
        return 0

    cdef void _ev_deliver(self, idx_t k, idx_t l, time_t now) noexcept nogil:
        cdef idx_t s = self.pk_stream[k]
        cdef int verdict = 0
        cdef Py_ssize_t i
        if self._lost_in_flight(k):
            self._drop(k, self.pk_from[k], now)
            return
        if self.stream_frer[s]:
            verdict = self._recover(l, self.pk_seq[k], now)
        if verdict == 0:
            i = self.rec_n
            self.rec_stream[i] = s; self.rec_seq[i] = self.pk_seq[k]; self.rec_listener[i] = l
            self.rec_send[i] = self.pk_send[k]; self.rec_recv[i] = now; self.rec_hop[i] = self.pk_hop[k]
            self.rec_n = i + 1
            self._trace(TR_DELIVER, now, l, k)
        elif verdict == 1:
            self.lst_duplicates[l] += 1
            self._trace(TR_DUPLICATE, now, l, k)
        else:
            self.lst_rogue[l] += 1
            self._trace(TR_ROGUE, now, l, k)
        self._free(k)

    cdef inline time_t _release_time(self, idx_t src, int64_t k) noexcept nogil:
        cdef Py_ssize_t lo = self.src_off_ptr[src]
        cdef int64_t n = self.src_off_ptr[src + 1] - lo
        return (k // n) * self.src_cycle_ns[src] + self.src_off_ns[lo + k % n]

    cdef void _ev_release(self, idx_t src, time_t now) noexcept nogil:
        cdef idx_t s = self.src_stream[src], k
        cdef int64_t inst = self.src_k[src], nf
        cdef time_t t, late = 0
        if not self.src_active[src]:
            return
        if self.src_jitter_ns[src] > 0:
            late = <time_t>(_uniform(self.rng) * <double>(self.src_jitter_ns[src] + 1))
        nf = self.stream_frame_ptr[s + 1] - self.stream_frame_ptr[s]
        k = self._alloc()
        self.pk_stream[k] = s
        self.pk_seq[k] = inst * nf + self.src_frame[src]
        self.pk_send[k] = now + late
        self.pk_frame[k] = <idx_t>(self.stream_frame_ptr[s] + self.src_frame[src])
        self.pk_from[k] = -1
        if self.src_count[src]:
            self.stream_sent[s] += 1
        if late:
            self._push(now + late, EV_ENQUEUE, k, self.src_hop[src])
        else:
            self._to_hop(k, self.src_hop[src], now)
        t = self._release_time(src, inst + 1)
        self.src_k[src] = inst + 1
        if t < self.release_until:
            self._push(t, EV_RELEASE, src, 0)

    cdef time_t _bg_interval(self, idx_t p) noexcept nogil:
        """Exponential inter-arrival time (Poisson background), at least 1 ns."""
        cdef double u = _uniform(self.rng)
        return <time_t>(-log(1.0 - u) * <double>self.bg_mean_ns[p]) + 1

    cdef void _ev_background(self, idx_t p, time_t now) noexcept nogil:
        cdef idx_t k
        cdef time_t t
        if self.port_up[p]:
            k = self._alloc()
            self.pk_stream[k] = -1
            self.pk_hop[k] = -1
            self.pk_seq[k] = 0
            self.pk_send[k] = now
            self.pk_frame[k] = -1
            self.pk_left[k] = self.bg_wire_bytes
            self.pk_nfrag[k] = 0
            self.pk_from[k] = -1
            self.pk_tc[k] = self.port_bg_class[p]
            self._enqueue(p, k, now)
        t = now + self._bg_interval(p)
        if t < self.release_until:
            self._push(t, EV_BG, p, 0)

    cdef void _activate(self, idx_t s, idx_t r, time_t now) noexcept nogil:
        """Make route ``r`` the one stream ``s`` releases on, from the first release at/after now."""
        cdef Py_ssize_t i, lo
        cdef idx_t src
        cdef int64_t k, n
        cdef time_t t
        if self.stream_route[s] >= 0:
            for i in range(self.route_src_ptr[self.stream_route[s]], self.route_src_ptr[self.stream_route[s] + 1]):
                self.src_active[self.route_src[i]] = 0
        self.stream_route[s] = r
        for i in range(self.route_src_ptr[r], self.route_src_ptr[r + 1]):
            src = self.route_src[i]
            lo = self.src_off_ptr[src]
            n = self.src_off_ptr[src + 1] - lo
            k = (now // self.src_cycle_ns[src]) * n
            if k > 0:
                k -= n
            while self._release_time(src, k) < now:
                k += 1
            self.src_k[src] = k
            self.src_active[src] = 1
            t = self._release_time(src, k)
            if t < self.release_until:
                self._push(t, EV_RELEASE, src, 0)

    cdef void _fail_port(self, idx_t p, time_t now) noexcept nogil:
        """Link down: everything queued on, held by or on the wire of ``p`` is lost."""
        cdef int tc
        cdef Py_ssize_t q
        cdef idx_t k, nxt, r = self.port_res[p]
        cdef bint was_sending = self.port_tx[p] >= 0
        if not self.port_up[p]:
            return
        self.port_up[p] = 0
        self.port_fail_ns[self.port_fail_ptr[p] + self.port_epoch[p]] = now
        self.port_epoch[p] += 1
        for tc in range(8):
            q = p * 8 + tc
            k = self.q_head[q]
            while k >= 0:
                nxt = self.pk_next[k]
                self.res_queued[r] -= 1
                self._drop(k, p, now)
                k = nxt
            self.q_head[q] = -1
            self.q_tail[q] = -1
            self.q_len[q] = 0
        if self.port_held[p] >= 0:
            self._drop(self.port_held[p], p, now)
            self.port_held[p] = -1
        if was_sending:
            self._drop(self.port_tx[p], p, now)
            self.port_tx[p] = -1
            self.port_token[p] += 1
        self.port_busy_until[p] = now
        if self.res_plca[r] and was_sending and self.res_state[r] == PLCA_TX:
            self._plca_next(r, now)

    cdef void _ev_control(self, idx_t i, time_t now) noexcept nogil:
        cdef int op = self.ctl_op[i]
        cdef idx_t a = self.ctl_a[i]
        if op == CTL_FAIL:
            self._fail_port(a, now)
        elif op == CTL_RESTORE:
            if not self.port_up[a]:
                self.port_up[a] = 1
                self.port_busy_until[a] = now
        elif op == CTL_SWITCH:
            self._activate(a, self.ctl_b[i], now)
        else:
            self.port_gcl[a] = self.ctl_b[i]
            if self.port_up[a]:
                self._kick_at(a, now)

    # ------------------------------------------------------------------ draining (with the GIL)
    def take_records(self):
        """The delivery records so far as numpy arrays (copies); the buffer is emptied."""
        n = self.rec_n
        out = {name: np.asarray(view)[:n].copy() for name, view in (
            ("stream", self.rec_stream), ("seq", self.rec_seq), ("listener", self.rec_listener),
            ("send_ns", self.rec_send), ("recv_ns", self.rec_recv), ("hop", self.rec_hop))}
        self.rec_n = 0
        return out

    def take_trace(self):
        """The trace rows so far as numpy arrays (copies); the buffer is emptied."""
        n = self.trace_n
        out = {name: np.asarray(view)[:n].copy() for name, view in (
            ("time_ns", self.tr_time), ("kind", self.tr_kind), ("port", self.tr_port),
            ("stream", self.tr_stream), ("seq", self.tr_seq), ("hop", self.tr_hop))}
        self.trace_n = 0
        return out
