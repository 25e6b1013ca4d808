"""Plain-Python twin of ext/evloop.pyx: a simpy-style heap of (time, priority, sequence) tuples.

Written from the model in tsnplan/emulate/engine.py's docstring with objects, deques and heapq;
it takes the same input dict as the kernel and returns the same event trace, records and counters,
so a test can demand exact equality.
"""
from __future__ import annotations

import heapq
import math
from collections import deque

MASK64 = (1 << 64) - 1
INF = 0x3FFFFFFFFFFFFFFF
HELD = 8
PRIO = {"control": 0, "release": 1, "background": 1, "enqueue": 2, "deliver": 3, "tx_end": 4, "kick": 5, "plca": 5}
PRE_FIRST, PRE_LAST, IFG, PRE_GAP, PRE_RESUME = 68, 64, 12, 16, 8
CBS_MAX_DT = 100_000_000
TR = {"tx_start": 1, "tx_end": 2, "preempt": 3, "resume": 4, "deliver": 5, "duplicate": 6, "rogue": 7, "drop": 8,
      "police": 9}


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class Xoshiro:
    def __init__(self, seed):
        self.s = [splitmix64((seed + i * 0x9E3779B97F4A7C15) & MASK64) for i in range(4)]

    def uniform(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK64
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return (result >> 11) * (1.0 / 9007199254740992.0)


def tx_ns(nbytes, rate):
    return -(-(nbytes * 8 * 1_000_000_000) // rate)


class Packet:
    def __init__(self, stream, seq, send, frame, left, tc, hop=-1):
        self.stream, self.seq, self.send, self.frame, self.left, self.tc, self.hop = stream, seq, send, frame, left, tc, hop
        self.origin, self.epoch, self.arrive = -1, 0, 0

    def copy(self):
        c = Packet(self.stream, self.seq, self.send, self.frame, self.left, self.tc, self.hop)
        return c


class ReferenceLoop:
    def __init__(self, a, seed, trace_level=2):
        self.a = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in a.items()}
        a = self.a
        self.heap, self.eseq, self.now, self.events, self.n_tx = [], 0, 0, 0, 0
        self.trace, self.records, self.trace_level = [], [], trace_level
        n_ports, n_res = len(a["port_rate_bps"]), len(a["res_plca"])
        self.queues = [[deque() for _ in range(8)] for _ in range(n_ports)]
        self.credit = [[0] * 8 for _ in range(n_ports)]
        self.credit_last = [[0] * 8 for _ in range(n_ports)]
        self.tx = [None] * n_ports
        self.tx_start, self.tx_bytes, self.tx_express = [0] * n_ports, [0] * n_ports, [0] * n_ports
        self.token, self.busy_until, self.kick_at = [0] * n_ports, [0] * n_ports, [INF] * n_ports
        self.up, self.epoch, self.held = [1] * n_ports, [0] * n_ports, [None] * n_ports
        self.fail_times = [[] for _ in range(n_ports)]    # fail_times[p][e]: the failure that ended epoch e
        self.gate_list = list(range(n_ports))
        self.res_state, self.res_to, self.res_token = [0] * n_res, [0] * n_res, [0] * n_res
        self.res_t0, self.res_burst_left, self.res_queued = [0] * n_res, [0] * n_res, [0] * n_res
        n_streams = len(a["stream_frer"])
        self.route_of = [-1] * n_streams
        self.src_active, self.src_k = [0] * len(a["src_stream"]), [0] * len(a["src_stream"])
        n_lst = a["n_listeners"]
        self.recov, self.hist, self.takeany, self.last = [0] * n_lst, [0] * n_lst, [1] * n_lst, [0] * n_lst
        self.rng = Xoshiro(seed)
        self.sent, self.dropped = [0] * n_streams, [0] * n_streams
        self.policed = [0] * (2 * n_streams)
        self.gate_used = {}    # stream-gate interval -> (cycle instance, octets passed)
        self.duplicates, self.rogue = [0] * n_lst, [0] * n_lst
        self.children = [[] for _ in a["hop_port"]]
        for h in range(len(a["hop_port"])):
            self.children[h] = a["hop_child"][a["hop_child_ptr"][h]:a["hop_child_ptr"][h + 1]]
        for i, t in enumerate(a["ctl_time"]):
            self.push(t, "control", i)
        for r in range(len(a["route_src_ptr"]) - 1):
            srcs = a["route_src"][a["route_src_ptr"][r]:a["route_src_ptr"][r + 1]]
            if srcs and self.route_of[a["src_stream"][srcs[0]]] < 0:
                self.activate(a["src_stream"][srcs[0]], r, 0)
        for p, mean in enumerate(a["bg_mean_ns"]):
            if mean > 0:
                self.push(self.bg_interval(p), "background", p)

    # --- plumbing
    def push(self, t, kind, x, y=0):
        heapq.heappush(self.heap, (t, PRIO[kind], self.eseq, kind, x, y))
        self.eseq += 1

    def kick(self, p, t):
        if t < self.kick_at[p]:
            self.kick_at[p] = t
            self.push(t, "kick", p)

    def log(self, kind, t, port, pkt):
        if self.trace_level == 2 or (self.trace_level == 1 and kind == "tx_start" and self.a["port_capture"][port]):
            self.trace.append((t, TR[kind], port, pkt.stream, pkt.seq, pkt.hop))

    def drop(self, pkt, port, t):
        if pkt.stream >= 0:
            self.dropped[pkt.stream] += 1
            self.log("drop", t, port, pkt)

    def run(self, stop):
        while self.heap and self.heap[0][0] <= stop:
            t, _, _, kind, x, y = heapq.heappop(self.heap)
            self.now = t
            self.events += 1
            if kind == "enqueue":
                if self.lost_in_flight(x):
                    self.drop(x, x.origin, t)
                elif self.stream_gate(x, y, t):
                    x.hop = y
                    self.log("police", t, self.a["hop_port"][y], x)
                else:
                    self.to_hop(x, y, t)
            elif kind == "tx_end":
                self.tx_end(x, y, t)
            elif kind == "deliver":
                self.deliver(x, y, t)
            elif kind == "kick":
                if self.kick_at[x] == t:
                    self.kick_at[x] = INF
                    self.try_start(x, t)
            elif kind == "release":
                self.release(x, t)
            elif kind == "background":
                self.background(x, t)
            elif kind == "plca":
                if self.res_token[x] == y:
                    if self.res_state[x] == 1:
                        self.plca_to_start(x, 0, t, t)
                    elif self.res_state[x] == 2:
                        self.plca_next(x, t)
            else:
                self.control(x, t)

    def stream_gate(self, pkt, h, now):
        """802.1Qci: is the frame dropped by hop h's stream gate (counted by reason)?"""
        a = self.a
        lo, hi = a["hop_sg_ptr"][h], a["hop_sg_ptr"][h + 1]
        if lo == hi:
            return False
        cycle = a["hop_sg_cycle"][h]
        hit = None
        for e in range(lo, hi):
            for x in (now % cycle, now % cycle + cycle):
                if a["sg_open"][e] <= x <= a["sg_close"][e] and hit is None:
                    hit = (e, (now - x) // cycle)
        if hit is None:
            self.policed[2 * pkt.stream] += 1
            return True
        e, instance = hit
        seen, used = self.gate_used.get(e, (None, 0))
        used = used if seen == instance else 0
        size = a["frame_mac_bytes"][pkt.frame]
        if used + size > a["sg_octets"][e]:
            self.gate_used[e] = (instance, used)
            self.policed[2 * pkt.stream + 1] += 1
            return True
        self.gate_used[e] = (instance, used + size)
        return False

    # --- gates and shapers
    def entries(self, g):
        a = self.a
        lo, hi = a["gcl_ptr"][g], a["gcl_ptr"][g + 1]
        starts = a["gcl_start"][lo:hi]
        ends = starts[1:] + [a["gcl_cycle"][g]]
        return list(zip(starts, ends, a["gcl_gates"][lo:hi]))

    def position(self, g, now):
        return (now - self.a["gcl_base"][g]) % self.a["gcl_cycle"][g]

    def open_until(self, p, tc, now):
        a = self.a
        g = self.gate_list[p]
        if (a["gcl_always"][g] >> tc) & 1:
            return INF
        entries = self.entries(g)
        pos = self.position(g, now)
        e = max(i for i, (start, _, _) in enumerate(entries) if start <= pos)
        if not (entries[e][2] >> tc) & 1:
            return now
        t = now - pos + entries[e][1]
        for step in range(len(entries)):
            e = (e + 1) % len(entries)
            start, end, gates = entries[e]
            if not (gates >> tc) & 1:
                return t
            t += end - start
        return INF

    def next_boundary(self, p, now):
        g = self.gate_list[p]
        entries = self.entries(g)
        if len(entries) <= 1:
            return INF
        pos = self.position(g, now)
        e = max(i for i, (start, _, _) in enumerate(entries) if start <= pos)
        return now - pos + entries[e][1]

    def cbs_update(self, p, tc, now):
        slope = self.a["port_cbs_slope"][p * 8 + tc]
        if slope == 0 or now <= self.credit_last[p][tc]:
            return
        dt = min(now - self.credit_last[p][tc], CBS_MAX_DT)
        if self.queues[p][tc]:
            self.credit[p][tc] += slope * dt
        elif self.credit[p][tc] < 0:
            self.credit[p][tc] = min(0, self.credit[p][tc] + slope * dt)
        else:
            self.credit[p][tc] = 0
        self.credit_last[p][tc] = now

    def eligible(self, p, tc, nbytes, now, cbs, wake):
        slope = self.a["port_cbs_slope"][p * 8 + tc]
        if cbs and slope > 0:
            self.cbs_update(p, tc, now)
            if self.credit[p][tc] < 0:
                wake[0] = min(wake[0], max(now, self.credit_last[p][tc]) + -(-(-self.credit[p][tc]) // slope))
                return False
        d = tx_ns(nbytes, self.a["port_rate_bps"][p])
        until = self.open_until(p, tc, now)
        if until >= INF or until - now >= d:
            return True
        wake[0] = min(wake[0], self.next_boundary(p, now))
        return False

    # --- selection
    def select(self, p, now, wake):
        pre, express = self.a["port_preempt"][p], self.a["port_express"][p]
        for tc in range(7, -1, -1):
            if pre and not (express >> tc) & 1:
                continue
            q = self.queues[p][tc]
            if q and self.eligible(p, tc, q[0].left, now, True, wake):
                return tc
        if not pre:
            return -1
        held = self.held[p]
        if held is not None:
            return HELD if self.eligible(p, held.tc, held.left, now, False, wake) else -1
        for tc in range(7, -1, -1):
            if (express >> tc) & 1:
                continue
            q = self.queues[p][tc]
            if q and self.eligible(p, tc, q[0].left, now, True, wake):
                return tc
        return -1

    def start_best(self, p, now):
        wake = [INF]
        tc = self.select(p, now, wake)
        a = self.a
        if tc < 0:
            if wake[0] < INF:
                self.kick(p, wake[0])
            return False
        if tc == HELD:
            pkt, self.held[p] = self.held[p], None
            tc = pkt.tc
            self.log("resume", now, p, pkt)
        else:
            slope = a["port_cbs_slope"][p * 8 + tc]
            if slope > 0:
                self.cbs_update(p, tc, now)
            pkt = self.queues[p][tc].popleft()
            self.res_queued[a["port_res"][p]] -= 1
            d = tx_ns(pkt.left, a["port_rate_bps"][p])
            if slope > 0:
                self.credit[p][tc] -= (a["port_rate_bps"][p] - slope) * d
                self.credit_last[p][tc] = now + d
            self.log("tx_start", now, p, pkt)
        d = tx_ns(pkt.left, a["port_rate_bps"][p])
        self.tx[p], self.tx_start[p], self.tx_bytes[p] = pkt, now, pkt.left
        self.tx_express[p] = (a["port_express"][p] >> tc) & 1
        self.token[p] += 1
        self.push(now + d, "tx_end", p, self.token[p])
        return True

    def maybe_preempt(self, p, now):
        a = self.a
        wake = [INF]
        rate, seg = a["port_rate_bps"][p], self.tx_bytes[p]
        ready = False
        for tc in range(7, -1, -1):
            q = self.queues[p][tc]
            if (a["port_express"][p] >> tc) & 1 and q and self.eligible(p, tc, q[0].left, now, True, wake):
                ready = True
                break
        if not ready:
            if wake[0] < INF:
                self.kick(p, wake[0])
            return
        sent = (now - self.tx_start[p]) * rate // 8_000_000_000
        if sent < PRE_FIRST:
            if seg - IFG - PRE_FIRST >= PRE_LAST:
                self.kick(p, self.tx_start[p] + tx_ns(PRE_FIRST, rate))
            return
        if seg - IFG - sent < PRE_LAST:
            return
        pkt = self.tx[p]
        pkt.left = seg - sent + PRE_RESUME
        self.held[p], self.tx[p] = pkt, None
        self.token[p] += 1
        self.busy_until[p] = now + tx_ns(PRE_GAP, rate)
        self.log("preempt", now, p, pkt)
        self.kick(p, self.busy_until[p])

    def current_to_port(self, r):
        a = self.a
        return a["res_to_port"][a["res_to_ptr"][r] + self.res_to[r]]

    def try_start(self, p, now):
        a = self.a
        r = a["port_res"][p]
        if not self.up[p]:
            return
        if a["res_plca"][r]:
            if self.tx[p] is not None:
                return
            if self.res_state[r] == 0:
                self.plca_wake(r, now)
            elif self.res_state[r] == 2 and self.current_to_port(r) == p:
                if self.start_best(p, now):
                    self.plca_tx_begin(r)
            return
        if self.tx[p] is not None:
            if a["port_preempt"][p] and not self.tx_express[p]:
                self.maybe_preempt(p, now)
            return
        if now < self.busy_until[p]:
            self.kick(p, self.busy_until[p])
            return
        self.start_best(p, now)

    # --- PLCA
    def plca_tx_begin(self, r):
        self.res_state[r] = 3
        self.res_burst_left[r] = self.a["res_burst"][r]
        self.res_token[r] += 1

    def plca_to_start(self, r, i, opened, now):
        self.res_to[r] = i
        self.res_state[r] = 2
        p = self.current_to_port(r)
        if p >= 0 and self.up[p] and self.tx[p] is None and self.start_best(p, now):
            self.plca_tx_begin(r)
            return
        self.res_token[r] += 1
        self.push(opened + self.a["res_to_ns"][r], "plca", r, self.res_token[r])

    def plca_next(self, r, now):
        i = self.res_to[r] + 1
        if i < self.a["res_n_to"][r]:
            self.plca_to_start(r, i, now, now)
        elif self.res_queued[r] > 0:
            self.res_state[r] = 1
            self.res_token[r] += 1
            self.push(now + self.a["res_beacon_ns"][r], "plca", r, self.res_token[r])
        else:
            self.res_state[r] = 0
            self.res_t0[r] = now

    def plca_wake(self, r, now):
        a = self.a
        beacon, to = a["res_beacon_ns"][r], a["res_to_ns"][r]
        phase = (now - self.res_t0[r]) % (beacon + a["res_n_to"][r] * to)
        start = now - phase
        if phase < beacon:
            self.res_state[r] = 1
            self.res_token[r] += 1
            self.push(start + beacon, "plca", r, self.res_token[r])
            return
        i = (phase - beacon) // to
        self.plca_to_start(r, i, start + beacon + i * to, now)

    # --- events
    def enqueue(self, p, pkt, now):
        a = self.a
        q = self.queues[p][pkt.tc]
        if len(q) >= a["qlimit"]:
            self.drop(pkt, p, now)
            return
        self.cbs_update(p, pkt.tc, now)
        q.append(pkt)
        self.res_queued[a["port_res"][p]] += 1
        if self.tx[p] is None or (a["port_preempt"][p] and not self.tx_express[p]
                                  and (a["port_express"][p] >> pkt.tc) & 1):
            self.kick(p, now)

    def lost_in_flight(self, pkt):
        """The first failure of the link crossed last, since the frame left, came before it arrived."""
        f = pkt.origin
        return f >= 0 and self.epoch[f] != pkt.epoch and self.fail_times[f][pkt.epoch] < pkt.arrive

    def to_hop(self, pkt, h, now):
        a = self.a
        p = a["hop_port"][h]
        pkt.hop = h
        if not self.up[p]:
            self.drop(pkt, p, now)
            return
        pkt.left = a["frame_wire_bytes"][pkt.frame]
        pkt.tc = a["hop_class"][h]
        self.enqueue(p, pkt, now)

    def sample(self, prof):
        a = self.a
        lo, hi = a["prof_ptr"][prof], a["prof_ptr"][prof + 1]
        pcts, delays = a["prof_pct"][lo:hi], a["prof_ns"][lo:hi]
        pct = min(100.0, self.rng.uniform() * 100.0)
        i = next(i for i, p in enumerate(pcts) if p >= pct)
        if pcts[i] == pct:
            return delays[i]
        value = delays[i - 1] + (delays[i] - delays[i - 1]) * (pct - pcts[i - 1]) / (pcts[i] - pcts[i - 1])
        return math.ceil(value)

    def forward_delay(self, h):
        a = self.a
        d = a["hop_proc_ns"][h]
        if a["hop_proc_var_ns"][h] > 0:
            d -= int(self.rng.uniform() * float(a["hop_proc_var_ns"][h] + 1))
        if a["hop_profile"][h] >= 0:
            d += max(self.sample(a["hop_profile"][h]), a["hop_hold_ns"][h])
        return d

    def forward(self, pkt, p, now):
        a = self.a
        if pkt.stream < 0:
            return
        h = pkt.hop
        arrive = now + a["hop_prop_ns"][h]
        uses = [(c, "enqueue") for c in self.children[h]]
        if a["hop_listener"][h] >= 0:
            uses.append((a["hop_listener"][h], "deliver"))
        for i, (target, kind) in enumerate(uses):
            use = pkt if i == 0 else pkt.copy()
            use.origin, use.epoch, use.arrive = p, self.epoch[p], arrive
            self.push(arrive + (self.forward_delay(target) if kind == "enqueue" else 0), kind, use, target)

    def tx_end(self, p, token, now):
        a = self.a
        if token != self.token[p]:
            return
        pkt, self.tx[p] = self.tx[p], None
        self.busy_until[p] = now
        self.n_tx += 1
        self.log("tx_end", now, p, pkt)
        self.forward(pkt, p, now)
        r = a["port_res"][p]
        if a["res_plca"][r]:
            if self.res_burst_left[r] > 0 and self.up[p] and self.start_best(p, now):
                self.res_burst_left[r] -= 1
            else:
                self.plca_next(r, now)
        else:
            self.try_start(p, now)

    def recover(self, l, seq, now):
        a = self.a
        length = a["frer_history"]
        s16 = seq & 0xFFFF
        if not self.takeany[l] and now - self.last[l] >= a["frer_reset_ns"]:
            self.takeany[l] = 1
        if self.takeany[l]:
            self.takeany[l], self.recov[l], self.hist[l], self.last[l] = 0, s16, 1, now
            return "accept"
        delta = ((s16 - self.recov[l] + 0x8000) & 0xFFFF) - 0x8000
        if abs(delta) >= length:
            return "rogue"
        if delta <= 0:
            if self.hist[l] & (1 << -delta):
                return "duplicate"
            self.hist[l] |= 1 << -delta
            self.last[l] = now
            return "accept"
        self.hist[l] = ((self.hist[l] << delta) | 1) & ((1 << length) - 1)
        self.recov[l], self.last[l] = s16, now
        return "accept"

    def deliver(self, pkt, l, now):
        if self.lost_in_flight(pkt):
            self.drop(pkt, pkt.origin, now)
            return
        verdict = self.recover(l, pkt.seq, now) if self.a["stream_frer"][pkt.stream] else "accept"
        if verdict == "accept":
            self.records.append((pkt.stream, pkt.seq, l, pkt.send, now, pkt.hop))
            self.log("deliver", now, l, pkt)
        elif verdict == "duplicate":
            self.duplicates[l] += 1
            self.log("duplicate", now, l, pkt)
        else:
            self.rogue[l] += 1
            self.log("rogue", now, l, pkt)

    def release_time(self, src, k):
        a = self.a
        offsets = a["src_off_ns"][a["src_off_ptr"][src]:a["src_off_ptr"][src + 1]]
        return (k // len(offsets)) * a["src_cycle_ns"][src] + offsets[k % len(offsets)]

    def release(self, src, now):
        a = self.a
        if not self.src_active[src]:
            return
        s = a["src_stream"][src]
        k = self.src_k[src]
        n_frames = a["stream_frame_ptr"][s + 1] - a["stream_frame_ptr"][s]
        frame = a["stream_frame_ptr"][s] + a["src_frame"][src]
        late = int(self.rng.uniform() * float(a["src_jitter_ns"][src] + 1)) if a["src_jitter_ns"][src] > 0 else 0
        pkt = Packet(s, k * n_frames + a["src_frame"][src], now + late, frame, 0, 0)
        if a["src_count"][src]:
            self.sent[s] += 1
        if late:
            self.push(now + late, "enqueue", pkt, a["src_hop"][src])
        else:
            self.to_hop(pkt, a["src_hop"][src], now)
        self.src_k[src] = k + 1
        t = self.release_time(src, k + 1)
        if t < a["release_until"]:
            self.push(t, "release", src)

    def bg_interval(self, p):
        return int(-math.log(1.0 - self.rng.uniform()) * float(self.a["bg_mean_ns"][p])) + 1

    def background(self, p, now):
        a = self.a
        if self.up[p]:
            self.enqueue(p, Packet(-1, 0, now, -1, a["bg_wire_bytes"], int(a["port_bg_class"][p])), now)
        t = now + self.bg_interval(p)
        if t < a["release_until"]:
            self.push(t, "background", p)

    def activate(self, s, r, now):
        a = self.a
        old = self.route_of[s]
        if old >= 0:
            for i in range(a["route_src_ptr"][old], a["route_src_ptr"][old + 1]):
                self.src_active[a["route_src"][i]] = 0
        self.route_of[s] = r
        for i in range(a["route_src_ptr"][r], a["route_src_ptr"][r + 1]):
            src = a["route_src"][i]
            k = 0
            while self.release_time(src, k) < now:
                k += 1
            self.src_k[src], self.src_active[src] = k, 1
            t = self.release_time(src, k)
            if t < a["release_until"]:
                self.push(t, "release", src)

    def fail(self, p, now):
        a = self.a
        if not self.up[p]:
            return
        sending = self.tx[p] is not None
        self.up[p] = 0
        self.fail_times[p].append(now)
        self.epoch[p] += 1
        r = a["port_res"][p]
        for q in self.queues[p]:
            while q:
                self.res_queued[r] -= 1
                self.drop(q.popleft(), p, now)
        if self.held[p] is not None:
            self.drop(self.held[p], p, now)
            self.held[p] = None
        if sending:
            self.drop(self.tx[p], p, now)
            self.tx[p] = None
            self.token[p] += 1
        self.busy_until[p] = now
        if a["res_plca"][r] and sending and self.res_state[r] == 3:
            self.plca_next(r, now)

    def control(self, i, now):
        a = self.a
        op, x = a["ctl_op"][i], a["ctl_a"][i]
        if op == 0:
            self.fail(x, now)
        elif op == 1:
            if not self.up[x]:
                self.up[x] = 1
                self.busy_until[x] = now
        elif op == 2:
            self.activate(x, a["ctl_b"][i], now)
        else:
            self.gate_list[x] = a["ctl_b"][i]
            if self.up[x]:
                self.kick(x, now)
