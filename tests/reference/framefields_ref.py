"""Reference for ext/framefields.pyx: the same records, fields and flow numbers, in plain Python."""
import struct

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
M64 = (1 << 64) - 1
KEY_MASK = (1 << 63) - 1
NF = 17
F = {name: i for i, name in enumerate(("dst", "src", "etype", "vid", "pcp", "ntags", "vid2", "rtag", "proto",
                                       "sub", "aux", "ipsrc", "ipdst", "sport", "dport", "l4", "key"))}
MORE, FULL, BLOCK, BAD_LEN, TOO_BIG, BAD_IF, BAD_TRAILER = range(7)


def fnv_bytes(h, data):
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & M64
    return h


def fnv(h, v):
    return fnv_bytes(h, (v & M64).to_bytes(8, "little"))


def to_ns(raw, mul, div, shift):
    if shift < 0:
        return ((raw * mul) & M64) // div
    sec, frac = raw >> shift, raw & ((1 << shift) - 1)
    if shift > 30:
        frac >>= shift - 30
        shift = 30
    return (sec * 10**9 + ((frac * 10**9) >> shift)) & M64


def _signed(v):
    v &= M64
    return v - (1 << 64) if v >> 63 else v


def scan_pcap(buf, pos, swap, frac_ns, max_caplen, capacity):
    end = len(buf)
    e = ">" if swap else "<"
    out = []
    status = MORE
    while pos + 16 <= end:
        if len(out) == capacity:
            status = FULL
            break
        sec, frac, incl, orig = struct.unpack_from(e + "IIII", buf, pos)
        if incl > max_caplen:
            status = TOO_BIG
            break
        if pos + 16 + incl > end:
            break
        out.append((sec * 10**9 + frac * frac_ns, pos + 16, incl, min(orig, 0x7FFFFFFF)))
        pos += 16 + incl
    return out, pos, status


def scan_pcapng(buf, pos, swap, max_block, interfaces, capacity, last_ts=0):
    """``interfaces``: list of (mul, div, shift, offset_ns). Records: (ts, off, caplen, wirelen, ifid)."""
    end = len(buf)
    e = ">" if swap else "<"
    out = []
    status = MORE
    while pos + 8 <= end:
        kind, blen = struct.unpack_from(e + "II", buf, pos)
        if kind in (0x0A0D0D0A, 1):
            status = BLOCK
            break
        if blen < 12 or blen % 4 or blen > max_block:
            status = BAD_LEN
            break
        if pos + blen > end:
            break
        if struct.unpack_from(e + "I", buf, pos + blen - 4)[0] != blen:
            status = BAD_TRAILER
            break
        if kind in (2, 3, 6):
            if len(out) == capacity:
                status = FULL
                break
            if kind == 3:
                if blen < 16:
                    status = BAD_LEN
                    break
                iface = 0
                incl = struct.unpack_from(e + "I", buf, pos + 8)[0]
                wire = min(incl, 0x7FFFFFFF)
                incl = min(incl, blen - 16)
                body = pos + 12
            else:
                if blen < 32:
                    status = BAD_LEN
                    break
                iface = struct.unpack_from(e + ("I" if kind == 6 else "H"), buf, pos + 8)[0]
                incl, orig = struct.unpack_from(e + "II", buf, pos + 20)
                if incl > blen - 32:
                    status = BAD_LEN
                    break
                wire = min(orig, 0x7FFFFFFF)
                body = pos + 28
            if iface >= len(interfaces):
                status = BAD_IF
                break
            if kind != 3:
                hi, lo = struct.unpack_from(e + "II", buf, pos + 12)
                mul, div, shift, offset = interfaces[iface]
                last_ts = _signed(to_ns((hi << 32) | lo, mul, div, shift)) + offset
            out.append((last_ts, body, incl, wire, iface))
        pos += blen
    return out, pos, status, last_ts


def _be(b, o, n):
    return int.from_bytes(b[o:o + n], "big")


def _le(b, o, n):
    return int.from_bytes(b[o:o + n], "little")


_OPCUA = {b"HEL", b"ACK", b"OPN", b"MSG", b"CLO", b"ERR", b"RHE"}


def fields_of(b, linktype):
    """One row of fields for frame bytes ``b`` (without the key)."""
    f = [0] * NF
    f[F["vid"]] = f[F["pcp"]] = f[F["vid2"]] = f[F["rtag"]] = -1
    end = len(b)
    ntags = 0
    if linktype == 1:
        if end < 14:
            return f
        f[F["dst"]], f[F["src"]], et = _be(b, 0, 6), _be(b, 6, 6), _be(b, 12, 2)
        p = 14
        while et in (0x8100, 0x88A8, 0x9100) and p + 4 <= end and ntags < 3:
            tci = _be(b, p, 2)
            if ntags == 0:
                f[F["vid"]], f[F["pcp"]] = tci & 0xFFF, tci >> 13
            elif ntags == 1:
                f[F["vid2"]] = tci & 0xFFF
            ntags += 1
            et = _be(b, p + 2, 2)
            p += 4
        if et == 0xF1C1 and p + 6 <= end:
            f[F["rtag"]] = _be(b, p + 2, 2)
            et = _be(b, p + 4, 2)
            p += 6
        if et < 0x0600:
            et = 0
    elif linktype == 113:
        if end < 16:
            return f
        if _be(b, 4, 2) == 6:
            f[F["src"]] = _be(b, 6, 6)
        et, p = _be(b, 14, 2), 16
    else:
        if end < 4:
            return f
        fam = _be(b, 0, 4)
        if fam > 0xFFFF:
            fam = _le(b, 0, 4)
        et = 0x0800 if fam == 2 else (0x86DD if fam in (24, 28, 30) else 0)
        p = 4
    f[F["etype"]], f[F["ntags"]] = et, ntags
    l4 = 0
    if et == 0x0800 and p + 20 <= end and b[p] >> 4 == 4:
        ihl = (b[p] & 0x0F) * 4
        l4 = b[p + 9]
        f[F["ipsrc"]], f[F["ipdst"]] = _be(b, p + 12, 4), _be(b, p + 16, 4)
        if _be(b, p + 6, 2) & 0x1FFF or ihl < 20:
            l4 = 0
        p += ihl
    elif et == 0x86DD and p + 40 <= end:
        l4 = b[p + 6]
        f[F["ipsrc"]] = fnv_bytes(FNV_OFFSET, b[p + 8:p + 24]) & 0xFFFFFFFF
        f[F["ipdst"]] = fnv_bytes(FNV_OFFSET, b[p + 24:p + 40]) & 0xFFFFFFFF
        p += 40
        k = 0
        while l4 in (0, 43, 60) and p + 8 <= end and k < 4:
            l4 = b[p]
            p += (b[p + 1] + 1) * 8
            k += 1
    if l4 == 17 and p + 8 <= end:
        f[F["sport"]], f[F["dport"]] = _be(b, p, 2), _be(b, p + 2, 2)
        p += 8
    elif l4 == 6 and p + 20 <= end:
        f[F["sport"]], f[F["dport"]] = _be(b, p, 2), _be(b, p + 2, 2)
        p += (b[p + 12] >> 4) * 4
    else:
        l4 = 0
    f[F["l4"]] = l4
    proto, sub, aux = 0, 0, 0
    sport, dport = f[F["sport"]], f[F["dport"]]
    if et == 0x8892 and p + 2 <= end:
        proto, sub = 1, _be(b, p, 2)
    elif et == 0x88A4 and p + 2 <= end:
        proto = 2
        q = p + 2
        stop = min(end, q + (_le(b, p, 2) & 0x7FF))
        h = FNV_OFFSET
        k = 0
        while q + 10 <= stop and k < 64:
            typ, addr, ln = b[q], _le(b, q + 2, 4), _le(b, q + 6, 2)
            h = fnv(fnv(fnv(h, typ), addr), ln & 0x7FF)
            if typ in (10, 11, 12):
                aux |= 1
            elif typ in (4, 5) and addr >> 16 >= 0x1000:
                aux |= 2
            k += 1
            if not ln & 0x8000:
                break
            q += 12 + (ln & 0x7FF)
        sub = h
    elif (et == 0x88F7 or (l4 == 17 and dport in (319, 320))) and p + 30 <= end:
        proto, aux = 3, b[p] & 0x0F
        sub = fnv_bytes(fnv(fnv(FNV_OFFSET, aux), b[p + 4]), b[p + 20:p + 30])
    elif et in (0x88B8, 0x88BA) and p + 2 <= end:
        proto, sub = (8 if et == 0x88B8 else 9), _be(b, p, 2)
    elif et == 0x88B5 and p + 10 <= end and b[p:p + 4] == b"TSNP":
        proto, sub, aux = 10, _be(b, p + 4, 4), _be(b, p + 8, 2)
    elif l4 == 17 and 2222 in (sport, dport) and p + 2 <= end:
        items, q, k = _le(b, p, 2), p + 2, 0
        while k < items and k < 8 and q + 4 <= end:
            typ, ln = _le(b, q, 2), _le(b, q + 2, 2)
            if typ in (0x8002, 0x00A1) and ln >= 4 and q + 8 <= end:
                proto, sub = 4, _le(b, q + 4, 4)
                break
            q += 4 + ln
            k += 1
    elif l4 == 6 and 502 in (sport, dport) and p + 8 <= end and _be(b, p + 2, 2) == 0:
        proto, sub = 5, (b[p + 6] << 8) | b[p + 7]
    elif l4 == 6 and p + 8 <= end and bytes(b[p:p + 3]) in _OPCUA and b[p + 3] in (70, 67, 65):
        proto, sub = 6, _be(b, p, 3)
    elif (et == 0xB62C or (l4 == 17 and dport == 4840)) and p + 2 <= end and b[p] & 0x0F == 1:
        proto = 7
        q, idt = p + 1, 1
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
                sub = _le(b, q, 2)
            elif idt == 2 and q + 4 <= end:
                sub = _le(b, q, 4)
            elif idt == 3 and q + 8 <= end:
                sub = _le(b, q, 8) & KEY_MASK
            elif idt == 4 and q + 2 <= end:
                ln = _le(b, q, 2)
                sub = fnv_bytes(FNV_OFFSET, b[q + 2:min(end, q + 2 + ln)]) & KEY_MASK
    f[F["proto"]], f[F["sub"]], f[F["aux"]] = proto, sub & KEY_MASK, aux
    return f


def frame_fields(frames, ifids, if_linktype, if_base):
    """Rows (with keys) for a list of frame byte strings."""
    rows = []
    for data, ifid in zip(frames, ifids):
        f = fields_of(data, if_linktype[ifid])
        h = fnv(FNV_OFFSET, if_base + ifid)
        for k in range(NF - 1):
            if k != F["rtag"]:
                h = fnv(h, f[k])
        f[F["key"]] = (h & KEY_MASK) | 1
        rows.append(f)
    return rows


def assign_flows(keys, known):
    """Flow numbers in order of first appearance; ``known`` (key -> flow) is updated."""
    out = []
    for key in keys:
        if key not in known:
            known[key] = len(known)
        out.append(known[key])
    return out
