"""Reference for ext/listsched.pyx: the same list scheduler on Python lists, slow and plain."""
from bisect import bisect_right

PLACED, FIXED, NO_SLOT, GCL_FULL = 1, 2, 3, 4
N_CLASSES = 8


def _ceil_q(x, q):
    return -(-x // q) * q


def _gap_entries(gap, guard):
    if gap <= 0:
        return 0
    return 1 if guard <= 0 or gap <= guard else 2


def _contrib(a, c, pb, pc, guard):
    if a == pb and c == pc:
        return 0
    return _gap_entries(a - pb, guard) + 1


class _State:
    def __init__(self, n_ports):
        self.n_ports = n_ports
        self.tl = [[] for _ in range(n_ports * (1 + N_CLASSES))]   # sorted [a, b, owner, cls]
        self.gcl = [0] * n_ports
        self.undo = []
        self.block_port = -1
        self.block_owner = -1

    def first_ending_after(self, tli, x):
        ends = [iv[1] for iv in self.tl[tli]]
        return bisect_right(ends, x)

    def conflict(self, tli, a, b):
        t = self.tl[tli]
        i = self.first_ending_after(tli, a)
        if i < len(t) and t[i][0] < b:
            return t[i][1], t[i][2]
        return -1, -1

    def insert(self, tli, a, b, owner, c, guard, count):
        t = self.tl[tli]
        i = self.first_ending_after(tli, a)
        delta = 0
        if count:
            pb, pc = (t[i - 1][1], t[i - 1][3]) if i > 0 else (0, -1)
            delta = _contrib(a, c, pb, pc, guard)
            if i < len(t):
                delta += _contrib(t[i][0], t[i][3], b, c, guard) - _contrib(t[i][0], t[i][3], pb, pc, guard)
            self.gcl[tli] += delta
        t.insert(i, [a, b, owner, c])
        self.undo.append((tli, a, delta))

    def rollback(self, mark):
        while len(self.undo) > mark:
            tli, a, delta = self.undo.pop()
            i = self.first_ending_after(tli, a)
            del self.tl[tli][i]
            if tli < self.n_ports:
                self.gcl[tli] -= delta


def list_schedule(hop_ptr, hop_port, hop_parent, hop_prop, hop_proc, hop_listener, frame_ptr, hf_ptr, hf_len,
                  hf_slack, hop_early, hf_start, period, deadline, cls, share_ptr, share_port, port_guard, port_gcl_max, fixed, order,
                  hyper, quantum, sync, max_wait):
    """Returns (hf_start, status, block_port, block_owner, gcl_count) like the kernel's outputs."""
    n_streams, n_ports = len(period), len(port_guard)
    hf_start = list(hf_start)
    status, block_port, block_owner = [0] * n_streams, [-1] * n_streams, [-1] * n_streams
    st = _State(n_ports)
    q = quantum

    def nf_of(s):
        return frame_ptr[s + 1] - frame_ptr[s]

    def slot(s, h, f):
        return hf_ptr[s] + (h - hop_ptr[s]) * nf_of(s) + f

    def arrival(s, h, f):
        par = hop_parent[h]
        i = slot(s, par, f)
        return hf_start[i] + hf_len[i] + hop_prop[par] + hop_proc[h]

    def earliest(s, h, f):
        return arrival(s, h, f) - hf_slack[slot(s, hop_parent[h], f)] - hop_early[h]

    def queue(p, c):
        return n_ports + p * N_CLASSES + c

    for s in fixed:
        T, n_inst = period[s], hyper // period[s]
        for f in range(nf_of(s)):
            for h in range(hop_ptr[s], hop_ptr[s + 1]):
                c = cls[h]
                start, ln, p = hf_start[slot(s, h, f)], hf_len[slot(s, h, f)], hop_port[h]
                res_a = start if hop_parent[h] < 0 else earliest(s, h, f) - sync
                for k in range(n_inst):
                    st.insert(p, start + k * T, start + k * T + ln, s, c, port_guard[p], True)
                    ra = res_a + k * T
                    e, _ = st.conflict(queue(p, c), ra, start + k * T + ln)
                    if e >= 0:
                        ra = e
                    st.insert(queue(p, c), ra, start + k * T + ln, s, c, 0, False)
        status[s] = FIXED

    def try_frame(s, f, t, bound):
        T, n_inst = period[s], hyper // period[s]
        mark = len(st.undo)
        for h in range(hop_ptr[s], hop_ptr[s + 1]):
            c = cls[h]
            idx = slot(s, h, f)
            ln, p = hf_len[idx], hop_port[h]
            if hop_parent[h] < 0:
                ready = res_a = t
            else:
                nominal = arrival(s, h, f)
                ready = _ceil_q(nominal + sync, q)
                res_a = earliest(s, h, f) - sync
            start, own_wait = ready, 0
            while True:
                blocked = False
                for k in range(n_inst):
                    for sp in range(share_ptr[p], share_ptr[p + 1]):
                        e, owner = st.conflict(share_port[sp], start + k * T, start + k * T + ln)
                        if e >= 0:
                            if owner == s:
                                own_wait += _ceil_q(e - k * T, q) - start
                            else:
                                st.block_port, st.block_owner = share_port[sp], owner
                            start = _ceil_q(e - k * T, q)
                            blocked = True
                            break
                    if blocked:
                        break
                if not blocked:
                    break
                if hop_parent[h] < 0 or start - ready - own_wait > max_wait:
                    st.rollback(mark)
                    return 1, start - ready - (0 if hop_parent[h] < 0 else own_wait + max_wait)
            end = start + ln
            if end > T or end - res_a > T or (hop_listener[h] and end + hop_prop[h] > bound):
                st.rollback(mark)
                if st.block_port < 0:
                    st.block_port = p
                return NO_SLOT, 0
            while True:
                blocked = False
                for k in range(n_inst):
                    e, owner = st.conflict(queue(p, c), res_a + k * T, end + k * T)
                    if e >= 0:
                        if owner == s and e - k * T <= start:
                            res_a = e - k * T
                            blocked = True
                            break
                        st.rollback(mark)
                        st.block_port, st.block_owner = p, owner
                        return 1, e - (res_a + k * T)
                if not blocked:
                    break
            for k in range(n_inst):
                st.insert(p, start + k * T, end + k * T, s, c, port_guard[p], True)
                st.insert(queue(p, c), res_a + k * T, end + k * T, s, c, 0, False)
            if st.gcl[p] + 2 > port_gcl_max[p]:
                st.rollback(mark)
                st.block_port = p
                return GCL_FULL, 0
            hf_start[idx] = start
        return 0, 0

    def place_stream(s):
        T = period[s]
        mark = len(st.undo)
        t = t0 = 0
        for f in range(nf_of(s)):
            while True:
                bound = min(T, (t if f == 0 else t0) + deadline[s])
                root_len = hf_len[hf_ptr[s] + f]
                if t + root_len > T:
                    st.rollback(mark)
                    return NO_SLOT
                r, shift = try_frame(s, f, t, bound)
                if r == 0:
                    break
                if r != 1:
                    st.rollback(mark)
                    return r
                t += _ceil_q(shift if shift > q else q, q)
            if f == 0:
                t0 = t
            t += root_len
        return PLACED

    for s in order:
        st.block_port = st.block_owner = -1
        st.undo = []
        r = place_stream(s)
        status[s] = r
        block_port[s] = st.block_port if r != PLACED else -1
        block_owner[s] = st.block_owner if r != PLACED else -1
    return hf_start, status, block_port, block_owner, st.gcl
