# cython: language_level=3
"""Capture records and frame header fields read from raw bytes, without a packet object per frame.

Caller: tsnplan.replay.reader / tsnplan.replay.flows. Reference: tests/reference/framefields_ref.py.

``scan_pcap`` / ``scan_pcapng`` walk the records of one buffer of a capture file and stop at the
first incomplete record (the caller carries it into the next buffer), at a block the caller must
parse itself (pcapng section and interface headers), or at a malformed record (a status code and
the byte position). ``frame_fields`` reads the fixed-offset fields of each frame (MACs, up to three
VLAN tags, an 802.1CB R-TAG, IPv4/IPv6, UDP/TCP) and the protocol keys that split traffic into
flows; ``assign_flows`` maps each frame's 64-bit flow key to a dense flow number with an
open-addressing table kept by the caller across buffers.
"""
from libc.stdint cimport int64_t, int32_t, uint64_t, uint32_t, uint8_t

# scan status
DEF ST_MORE = 0        # buffer exhausted (or the next record is incomplete): feed more bytes
DEF ST_FULL = 1        # output arrays full
DEF ST_BLOCK = 2       # a pcapng block the caller parses (SHB, IDB)
DEF ST_BAD_LEN = 3     # record/block length impossible
DEF ST_TOO_BIG = 4     # captured length above the limit
DEF ST_BAD_IF = 5      # pcapng packet names an interface not described
DEF ST_BAD_TRAILER = 6 # pcapng trailing block length differs
ST = dict(MORE=0, FULL=1, BLOCK=2, BAD_LEN=3, TOO_BIG=4, BAD_IF=5, BAD_TRAILER=6)

# per-frame field columns
DEF F_DST = 0
DEF F_SRC = 1
DEF F_ETYPE = 2
DEF F_VID = 3
DEF F_PCP = 4
DEF F_NTAGS = 5
DEF F_VID2 = 6
DEF F_RTAG = 7
DEF F_PROTO = 8
DEF F_SUB = 9
DEF F_AUX = 10
DEF F_IPSRC = 11
DEF F_IPDST = 12
DEF F_SPORT = 13
DEF F_DPORT = 14
DEF F_L4 = 15
DEF F_KEY = 16
DEF NF = 17
N_FIELDS = NF
FIELDS = ("dst", "src", "etype", "vid", "pcp", "ntags", "vid2", "rtag", "proto", "sub", "aux",
          "ipsrc", "ipdst", "sport", "dport", "l4", "key")

# protocols
DEF P_OTHER = 0
DEF P_PNRT = 1
DEF P_ECAT = 2
DEF P_PTP = 3
DEF P_ENIP_IO = 4
DEF P_MODBUS = 5
DEF P_OPCUA = 6
DEF P_UADP = 7
DEF P_GOOSE = 8
DEF P_SV = 9
DEF P_TSNP = 10
PROTOCOLS = ("other", "profinet-rt", "ethercat", "ptp", "enip-io", "modbus", "opcua", "opcua-uadp",
             "goose", "sv", "tsnplan")

# link types
DEF LT_NULL = 0
DEF LT_ETHERNET = 1
DEF LT_LOOP = 108
DEF LT_SLL = 113
LINKTYPES = (LT_NULL, LT_ETHERNET, LT_LOOP, LT_SLL)

cdef uint64_t FNV_OFFSET = 0xcbf29ce484222325ULL
cdef uint64_t FNV_PRIME = 0x100000001b3ULL
cdef uint64_t KEY_MASK = 0x7FFFFFFFFFFFFFFFULL
cdef uint64_t GOLDEN = 0x9E3779B97F4A7C15ULL


cdef inline uint32_t rd32(const uint8_t[::1] b, Py_ssize_t o, bint swap) noexcept nogil:
    if swap:
        return (<uint32_t>b[o] << 24) | (<uint32_t>b[o + 1] << 16) | (<uint32_t>b[o + 2] << 8) | b[o + 3]
    return (<uint32_t>b[o + 3] << 24) | (<uint32_t>b[o + 2] << 16) | (<uint32_t>b[o + 1] << 8) | b[o]


cdef inline uint32_t rd16(const uint8_t[::1] b, Py_ssize_t o, bint swap) noexcept nogil:
    if swap:
        return (<uint32_t>b[o] << 8) | b[o + 1]
    return (<uint32_t>b[o + 1] << 8) | b[o]


cdef inline uint32_t be16(const uint8_t[::1] b, Py_ssize_t o) noexcept nogil:
    return (<uint32_t>b[o] << 8) | b[o + 1]


cdef inline uint32_t be32(const uint8_t[::1] b, Py_ssize_t o) noexcept nogil:
    return (<uint32_t>b[o] << 24) | (<uint32_t>b[o + 1] << 16) | (<uint32_t>b[o + 2] << 8) | b[o + 3]


cdef inline uint32_t le16(const uint8_t[::1] b, Py_ssize_t o) noexcept nogil:
    return (<uint32_t>b[o + 1] << 8) | b[o]


cdef inline uint32_t le32(const uint8_t[::1] b, Py_ssize_t o) noexcept nogil:
    return (<uint32_t>b[o + 3] << 24) | (<uint32_t>b[o + 2] << 16) | (<uint32_t>b[o + 1] << 8) | b[o]


cdef inline uint64_t be48(const uint8_t[::1] b, Py_ssize_t o) noexcept nogil:
    return (<uint64_t>be16(b, o) << 32) | be32(b, o + 2)


cdef inline uint64_t fnv(uint64_t h, uint64_t v) noexcept nogil:
    """FNV-1a over the 8 little-endian bytes of ``v``."""
    cdef int i
    for i in range(8):
        h = (h ^ ((v >> (8 * i)) & 0xFF)) * FNV_PRIME
    return h


cdef inline int64_t to_ns(uint64_t raw, int64_t mul, int64_t div, int shift) noexcept nogil:
    """Interface timestamp units -> ns: decimal resolutions multiply or divide, binary ones shift."""
    cdef uint64_t sec, frac
    if shift < 0:
        return <int64_t>(raw * <uint64_t>mul // <uint64_t>div)
    sec = raw >> shift
    frac = raw & ((1ULL << shift) - 1)
    if shift > 30:
        frac >>= shift - 30
        return <int64_t>(sec * 1000000000ULL + ((frac * 1000000000ULL) >> 30))
    return <int64_t>(sec * 1000000000ULL + ((frac * 1000000000ULL) >> shift))


def scan_pcap(const uint8_t[::1] buf, Py_ssize_t pos, bint swap, int64_t frac_ns, int64_t max_caplen,
              int64_t[::1] ts, int64_t[::1] off, int32_t[::1] caplen, int32_t[::1] wirelen):
    """Classic pcap records from ``pos``; ``frac_ns`` = 1000 (microsecond file) or 1 (nanosecond).

    Returns (records, position after the last complete record, status)."""
    cdef Py_ssize_t end = buf.shape[0], n = 0, cap_out = ts.shape[0]
    cdef uint32_t incl
    cdef int status = ST_MORE
    with nogil:
        while True:
            if pos + 16 > end:
                break
            if n == cap_out:
                status = ST_FULL
                break
            incl = rd32(buf, pos + 8, swap)
            if incl > max_caplen:
                status = ST_TOO_BIG
                break
            if pos + 16 + <Py_ssize_t>incl > end:
                break
            ts[n] = <int64_t>rd32(buf, pos, swap) * 1000000000 + <int64_t>rd32(buf, pos + 4, swap) * frac_ns
            off[n] = pos + 16
            caplen[n] = <int32_t>incl
            wirelen[n] = <int32_t>min(rd32(buf, pos + 12, swap), 0x7FFFFFFF)
            n += 1
            pos += 16 + incl
    return n, pos, status


def scan_pcapng(const uint8_t[::1] buf, Py_ssize_t pos, bint swap, int64_t max_block,
                const int64_t[::1] if_mul, const int64_t[::1] if_div, const int32_t[::1] if_shift,
                const int64_t[::1] if_offset_ns,
                int64_t[::1] ts, int64_t[::1] off, int32_t[::1] caplen, int32_t[::1] wirelen,
                int32_t[::1] ifid, int64_t last_ts=0):
    """pcapng blocks from ``pos``: enhanced, simple and obsolete packet blocks become records,
    unknown blocks are skipped, section and interface headers stop the scan (ST_BLOCK) for the
    caller. A simple packet block has no timestamp: it takes ``last_ts``, the time of the packet
    before it. Returns (records, position of the first unconsumed block, status, last time)."""
    cdef Py_ssize_t end = buf.shape[0], n = 0, cap_out = ts.shape[0], body
    cdef uint32_t kind, blen, incl, iface, n_if = <uint32_t>if_mul.shape[0]
    cdef uint64_t raw
    cdef int status = ST_MORE
    with nogil:
        while True:
            if pos + 8 > end:
                break
            kind = rd32(buf, pos, swap)
            if kind == 0x0A0D0D0A or kind == 1:
                status = ST_BLOCK
                break
            blen = rd32(buf, pos + 4, swap)
            if blen < 12 or blen % 4 != 0 or blen > max_block:
                status = ST_BAD_LEN
                break
            if pos + <Py_ssize_t>blen > end:
                break
            if rd32(buf, pos + blen - 4, swap) != blen:
                status = ST_BAD_TRAILER
                break
            if kind == 6 or kind == 2 or kind == 3:
                if n == cap_out:
                    status = ST_FULL
                    break
                if kind == 3:
                    if blen < 16:
                        status = ST_BAD_LEN
                        break
                    iface = 0
                    incl = rd32(buf, pos + 8, swap)
                    wirelen[n] = <int32_t>min(incl, 0x7FFFFFFF)
                    if incl > blen - 16:
                        incl = blen - 16
                    body = pos + 12
                else:
                    if blen < 32:
                        status = ST_BAD_LEN
                        break
                    iface = rd32(buf, pos + 8, swap) if kind == 6 else rd16(buf, pos + 8, swap)
                    incl = rd32(buf, pos + 20, swap)
                    if incl > blen - 32:
                        status = ST_BAD_LEN
                        break
                    wirelen[n] = <int32_t>min(rd32(buf, pos + 24, swap), 0x7FFFFFFF)
                    body = pos + 28
                if iface >= n_if:
                    status = ST_BAD_IF
                    break
                if kind != 3:
                    raw = (<uint64_t>rd32(buf, pos + 12, swap) << 32) | rd32(buf, pos + 16, swap)
                    last_ts = to_ns(raw, if_mul[iface], if_div[iface], if_shift[iface]) + if_offset_ns[iface]
                ts[n] = last_ts
                off[n] = body
                caplen[n] = <int32_t>incl
                ifid[n] = <int32_t>iface
                n += 1
            pos += blen
    return n, pos, status, last_ts


cdef void _fields(const uint8_t[::1] b, Py_ssize_t o, Py_ssize_t end, int linktype, int64_t[::1] f) noexcept nogil:
    """Fill one row ``f`` of header fields for the frame ``b[o:end]``."""
    cdef uint32_t et = 0, tci, ihl, proto = P_OTHER, l4 = 0, typ, ln, fam, i, items, ext1, idt
    cdef uint64_t sub = 0, aux = 0, h, addr
    cdef int ntags = 0, k
    cdef Py_ssize_t p, q, stop
    for k in range(NF):
        f[k] = 0
    f[F_VID] = -1
    f[F_PCP] = -1
    f[F_VID2] = -1
    f[F_RTAG] = -1
    if linktype == LT_ETHERNET:
        if end - o < 14:
            return
        f[F_DST] = <int64_t>be48(b, o)
        f[F_SRC] = <int64_t>be48(b, o + 6)
        et = be16(b, o + 12)
        p = o + 14
        while (et == 0x8100 or et == 0x88A8 or et == 0x9100) and p + 4 <= end and ntags < 3:
            tci = be16(b, p)
            if ntags == 0:
                f[F_VID] = tci & 0xFFF
                f[F_PCP] = tci >> 13
            elif ntags == 1:
                f[F_VID2] = tci & 0xFFF
            ntags += 1
            et = be16(b, p + 2)
            p += 4
        if et == 0xF1C1 and p + 6 <= end:
            f[F_RTAG] = be16(b, p + 2)
            et = be16(b, p + 4)
            p += 6
        if et < 0x0600:
            et = 0
    elif linktype == LT_SLL:
        if end - o < 16:
            return
        if be16(b, o + 4) == 6:
            f[F_SRC] = <int64_t>be48(b, o + 6)
        et = be16(b, o + 14)
        p = o + 16
    else:   # BSD loopback: a 4-byte address family in either byte order
        if end - o < 4:
            return
        fam = be32(b, o)
        if fam > 0xFFFF:
            fam = le32(b, o)
        et = 0x0800 if fam == 2 else (0x86DD if fam == 24 or fam == 28 or fam == 30 else 0)
        p = o + 4
    f[F_ETYPE] = et
    f[F_NTAGS] = ntags
    if et == 0x0800 and p + 20 <= end and (b[p] >> 4) == 4:
        ihl = (b[p] & 0x0F) * 4
        l4 = b[p + 9]
        f[F_IPSRC] = be32(b, p + 12)
        f[F_IPDST] = be32(b, p + 16)
        if (be16(b, p + 6) & 0x1FFF) != 0 or ihl < 20:
            l4 = 0
        p += ihl
    elif et == 0x86DD and p + 40 <= end:
        l4 = b[p + 6]
        h = FNV_OFFSET
        for i in range(16):
            h = (h ^ b[p + 8 + i]) * FNV_PRIME
        f[F_IPSRC] = <int64_t>(h & 0xFFFFFFFFULL)
        h = FNV_OFFSET
        for i in range(16):
            h = (h ^ b[p + 24 + i]) * FNV_PRIME
        f[F_IPDST] = <int64_t>(h & 0xFFFFFFFFULL)
        p += 40
        k = 0
        while (l4 == 0 or l4 == 43 or l4 == 60) and p + 8 <= end and k < 4:
            l4 = b[p]
            p += (<Py_ssize_t>b[p + 1] + 1) * 8
            k += 1
    if l4 == 17 and p + 8 <= end:
        f[F_SPORT] = be16(b, p)
        f[F_DPORT] = be16(b, p + 2)
        p += 8
    elif l4 == 6 and p + 20 <= end:
        f[F_SPORT] = be16(b, p)
        f[F_DPORT] = be16(b, p + 2)
        p += (b[p + 12] >> 4) * 4
    else:
        l4 = 0
    f[F_L4] = l4
    # protocol keys
    if et == 0x8892 and p + 2 <= end:
        proto = P_PNRT
        sub = be16(b, p)
    elif et == 0x88A4 and p + 2 <= end:
        proto = P_ECAT
        q = p + 2
        stop = min(end, q + (le16(b, p) & 0x7FF))
        h = FNV_OFFSET
        k = 0
        while q + 10 <= stop and k < 64:
            typ = b[q]
            addr = le32(b, q + 2)
            ln = le16(b, q + 6)
            h = fnv(fnv(fnv(h, typ), addr), ln & 0x7FF)
            if typ == 10 or typ == 11 or typ == 12:
                aux |= 1            # logical addressing: cyclic process data
            elif (typ == 4 or typ == 5) and (addr >> 16) >= 0x1000:
                aux |= 2            # configured-address access to the mailbox area
            k += 1
            if not (ln & 0x8000):
                break
            q += 12 + (ln & 0x7FF)
        sub = h
    elif (et == 0x88F7 or (l4 == 17 and (f[F_DPORT] == 319 or f[F_DPORT] == 320))) and p + 30 <= end:
        proto = P_PTP
        aux = b[p] & 0x0F
        h = fnv(fnv(FNV_OFFSET, aux), b[p + 4])
        for i in range(10):
            h = (h ^ b[p + 20 + i]) * FNV_PRIME
        sub = h
    elif (et == 0x88B8 or et == 0x88BA) and p + 2 <= end:
        proto = P_GOOSE if et == 0x88B8 else P_SV
        sub = be16(b, p)
    elif et == 0x88B5 and p + 10 <= end and b[p] == 84 and b[p + 1] == 83 and b[p + 2] == 78 and b[p + 3] == 80:
        proto = P_TSNP
        sub = be32(b, p + 4)
        aux = be16(b, p + 8)
    elif l4 == 17 and (f[F_DPORT] == 2222 or f[F_SPORT] == 2222) and p + 2 <= end:
        items = le16(b, p)
        q = p + 2
        k = 0
        while k < <int>items and k < 8 and q + 4 <= end:
            typ = le16(b, q)
            ln = le16(b, q + 2)
            if (typ == 0x8002 or typ == 0x00A1) and ln >= 4 and q + 8 <= end:
                proto = P_ENIP_IO
                sub = le32(b, q + 4)
                break
            q += 4 + ln
            k += 1
    elif l4 == 6 and (f[F_DPORT] == 502 or f[F_SPORT] == 502) and p + 8 <= end and be16(b, p + 2) == 0:
        proto = P_MODBUS
        sub = (<uint64_t>b[p + 6] << 8) | b[p + 7]
    elif l4 == 6 and p + 8 <= end and _opcua_type(b, p):
        proto = P_OPCUA
        sub = (<uint64_t>b[p] << 16) | (<uint64_t>b[p + 1] << 8) | b[p + 2]
    elif (et == 0xB62C or (l4 == 17 and f[F_DPORT] == 4840)) and p + 2 <= end and (b[p] & 0x0F) == 1:
        proto = P_UADP
        q = p + 1
        idt = 1        # publisher id type: byte unless ExtendedFlags1 says otherwise
        if b[p] & 0x80:
            ext1 = b[q]
            idt = ext1 & 0x07
            q += 1
            if ext1 & 0x80:
                q += 1
        if b[p] & 0x10:
            if idt == 0 and q + 1 <= end:
                sub = b[q]
            elif idt == 1 and q + 2 <= end:
                sub = le16(b, q)
            elif idt == 2 and q + 4 <= end:
                sub = le32(b, q)
            elif idt == 3 and q + 8 <= end:
                sub = (<uint64_t>le32(b, q + 4) << 32 | le32(b, q)) & KEY_MASK
            elif idt == 4 and q + 2 <= end:
                ln = le16(b, q)
                h = FNV_OFFSET
                q += 2
                stop = min(end, q + ln)
                while q < stop:
                    h = (h ^ b[q]) * FNV_PRIME
                    q += 1
                sub = h & KEY_MASK
    f[F_PROTO] = proto
    f[F_SUB] = <int64_t>(sub & KEY_MASK)
    f[F_AUX] = <int64_t>aux


cdef inline bint _opcua_type(const uint8_t[::1] b, Py_ssize_t p) noexcept nogil:
    """OPC UA binary chunk: HEL/ACK/OPN/MSG/CLO/ERR/RHE followed by F, C or A."""
    cdef uint32_t t = (<uint32_t>b[p] << 16) | (<uint32_t>b[p + 1] << 8) | b[p + 2]
    if b[p + 3] != 70 and b[p + 3] != 67 and b[p + 3] != 65:
        return False
    return (t == 0x48454C or t == 0x41434B or t == 0x4F504E or t == 0x4D5347 or t == 0x434C4F
            or t == 0x455252 or t == 0x524845)


def frame_fields(const uint8_t[::1] buf, const int64_t[::1] off, const int32_t[::1] caplen,
                 const int32_t[::1] ifid, const int32_t[::1] if_linktype, int32_t if_base,
                 int64_t[:, ::1] out):
    """Header fields of every frame (row per frame, columns ``FIELDS``) and its flow key: a 63-bit
    FNV-1a hash over the capture interface (``if_base + ifid``) and every field but the R-TAG."""
    cdef Py_ssize_t i, k, n = off.shape[0]
    cdef uint64_t h
    with nogil:
        for i in range(n):
            _fields(buf, off[i], off[i] + caplen[i], if_linktype[ifid[i]], out[i])
            h = fnv(FNV_OFFSET, <uint64_t>(if_base + ifid[i]))
            for k in range(F_KEY):
                if k != F_RTAG:
                    h = fnv(h, <uint64_t>out[i, k])
            out[i, F_KEY] = <int64_t>((h & KEY_MASK) | 1)
    return n


def assign_flows(const int64_t[:, ::1] fields, int64_t[::1] table_key, int32_t[::1] table_flow,
                 int32_t n_flows, int32_t[::1] flow, int32_t[::1] first_of_new):
    """Dense flow numbers for the frames' keys; the table (size a power of two, at least twice the
    flows it will hold, empty slots 0) persists across calls. New flows get the next numbers; the
    row of each new flow's first frame goes to ``first_of_new``. Returns the new flow count."""
    cdef Py_ssize_t i, n = fields.shape[0]
    cdef uint64_t mask = <uint64_t>table_key.shape[0] - 1, slot
    cdef int64_t key
    cdef int32_t added = 0
    with nogil:
        for i in range(n):
            key = fields[i, F_KEY]
            slot = (<uint64_t>key * GOLDEN) >> 20 & mask
            while table_key[slot] != 0 and table_key[slot] != key:
                slot = (slot + 1) & mask
            if table_key[slot] == 0:
                table_key[slot] = key
                table_flow[slot] = n_flows
                first_of_new[added] = <int32_t>i
                added += 1
                n_flows += 1
            flow[i] = table_flow[slot]
    return n_flows
