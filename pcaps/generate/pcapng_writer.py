# SPDX-License-Identifier: GPL-2.0-or-later
"""Tiny deterministic pcapng writer and packet builders (Python 3 stdlib only).

Writes one Section Header Block, one Interface Description Block
(LINKTYPE_ETHERNET, microsecond timestamps) and Enhanced Packet Blocks.

Packet builders: Ethernet, IPv4 (correct header checksum), IPv6, UDP and TCP
(correct checksums), SCTP (one DATA chunk per packet, CRC32c checksum), plus
``TcpStream``, which performs a 3-way handshake, tracks seq/ack and can send a
byte string as one segment or split across several segments.

Nothing here is random: identical calls produce identical bytes.
"""

import ipaddress
import struct

LINKTYPE_ETHERNET = 1
EPOCH_2026 = 1767225600  # 2026-01-01T00:00:00Z


# --------------------------------------------------------------------------
# pcapng file
# --------------------------------------------------------------------------

def _pad4(b):
    return b + b"\0" * (-len(b) % 4)


def _block(btype, body):
    body = _pad4(body)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def _option(code, value):
    return struct.pack("<HH", code, len(value)) + _pad4(value)


class PcapngWriter:
    """Collects packets in memory; ``getvalue()``/``save()`` produce the file."""

    def __init__(self, comment=None, snaplen=262144):
        opts = b""
        if comment:
            opts += _option(1, comment.encode())          # opt_comment
        if opts:
            opts += _option(0, b"")
        shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opts
        idb_opts = _option(9, b"\x06") + _option(0, b"")  # if_tsresol = 10^-6
        idb = struct.pack("<HHI", LINKTYPE_ETHERNET, 0, snaplen) + idb_opts
        self._chunks = [_block(0x0A0D0D0A, shb), _block(0x00000001, idb)]
        self.count = 0

    def add(self, ts_us, frame, comment=None):
        """Append one Ethernet frame; ts_us = microseconds since the Unix epoch."""
        hi, lo = ts_us >> 32, ts_us & 0xFFFFFFFF
        body = struct.pack("<IIIII", 0, hi, lo, len(frame), len(frame))
        body += _pad4(frame)
        if comment:
            body += _option(1, comment.encode()) + _option(0, b"")
        self._chunks.append(_block(0x00000006, body))
        self.count += 1
        return self.count

    def getvalue(self):
        return b"".join(self._chunks)

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.getvalue())


# --------------------------------------------------------------------------
# checksums
# --------------------------------------------------------------------------

def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------

def mac_for(ip):
    """Deterministic locally administered MAC derived from an IP address."""
    packed = ipaddress.ip_address(ip).packed
    return b"\x02\x00" + packed[-4:]


def ethernet(src_mac, dst_mac, ethertype, payload):
    return dst_mac + src_mac + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident=0, ttl=64):
    s = ipaddress.IPv4Address(src).packed
    d = ipaddress.IPv4Address(dst).packed
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF,
                      0x4000, ttl, proto, 0, s, d)   # DF set, no fragments
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, next_header, payload, hop_limit=64):
    s = ipaddress.IPv6Address(src).packed
    d = ipaddress.IPv6Address(dst).packed
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header,
                       hop_limit, s, d) + payload


def _pseudo(src, dst, proto, length):
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if a.version == 4:
        return a.packed + b.packed + struct.pack("!BBH", 0, proto, length)
    return a.packed + b.packed + struct.pack("!IxxxB", length, proto)


def udp(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = inet_checksum(_pseudo(src, dst, 17, length) + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535, options=b""):
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, window, 0, 0) + options
    c = inet_checksum(_pseudo(src, dst, 6, len(hdr) + len(payload)) + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    return hdr + payload


def sctp_chunk(ctype, flags, value):
    c = struct.pack("!BBH", ctype, flags, 4 + len(value)) + value
    return _pad4(c)


def sctp_data_chunk(tsn, stream, ssn, payload, ppid=0):
    """DATA chunk with B and E flags set (unfragmented user message)."""
    return sctp_chunk(0, 0x03, struct.pack("!IHHI", tsn, stream, ssn, ppid) + payload)


def sctp(sport, dport, vtag, chunks):
    pkt = struct.pack("!HHII", sport, dport, vtag, 0) + chunks
    c = crc32c(pkt)
    return pkt[:8] + struct.pack("<I", c) + pkt[12:]


def ip_packet(src, dst, proto, payload, ident=0):
    """Ethernet frame carrying an IPv4 or IPv6 packet (chosen by address family)."""
    if ipaddress.ip_address(src).version == 4:
        return ethernet(mac_for(src), mac_for(dst), 0x0800, ipv4(src, dst, proto, payload, ident))
    return ethernet(mac_for(src), mac_for(dst), 0x86DD, ipv6(src, dst, proto, payload))


# --------------------------------------------------------------------------
# capture with a clock
# --------------------------------------------------------------------------

class Capture:
    """A pcapng writer plus a virtual clock (microseconds since 2026-01-01Z).

    Every emitted packet is stamped with the current clock value, after which
    the clock advances by ``step_us`` (default 10 ms).
    """

    def __init__(self, start=EPOCH_2026, step_us=10000, comment=None):
        self.w = PcapngWriter(comment)
        self.now = start * 1000000
        self.step_us = step_us
        self._ident = {}

    def wait(self, seconds):
        self.now += int(round(seconds * 1000000))

    def emit(self, frame):
        n = self.w.add(self.now, frame)
        self.now += self.step_us
        return n

    def next_ident(self, src):
        self._ident[src] = self._ident.get(src, 0x1000) + 1
        return self._ident[src]

    def udp(self, src, dst, payload):
        """src/dst are (ip, port) tuples; returns the frame number."""
        (sip, sport), (dip, dport) = src, dst
        seg = udp(sip, dip, sport, dport, payload)
        return self.emit(ip_packet(sip, dip, 17, seg, self.next_ident(sip)))

    def sctp_data(self, src, dst, vtag, tsn, ssn, payload, ppid=0, stream=0):
        (sip, sport), (dip, dport) = src, dst
        pkt = sctp(sport, dport, vtag, sctp_data_chunk(tsn, stream, ssn, payload, ppid))
        return self.emit(ip_packet(sip, dip, 132, pkt, self.next_ident(sip)))

    def sctp_raw(self, src, dst, vtag, chunks):
        (sip, sport), (dip, dport) = src, dst
        return self.emit(ip_packet(sip, dip, 132, sctp(sport, dport, vtag, chunks),
                                   self.next_ident(sip)))

    def getvalue(self):
        return self.w.getvalue()

    def save(self, path):
        self.w.save(path)


class TcpStream:
    """One TCP connection between a client and a server inside a Capture."""

    def __init__(self, cap, client, server, client_isn=1000, server_isn=5000):
        self.cap, self.client, self.server = cap, client, server
        self.seq = {True: client_isn, False: server_isn}   # key: from_client

    def _emit(self, from_client, flags, payload=b""):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        seg = tcp(src[0], dst[0], src[1], dst[1], self.seq[from_client],
                  self.seq[not from_client], flags, payload)
        n = self.cap.emit(ip_packet(src[0], dst[0], 6, seg, self.cap.next_ident(src[0])))
        self.seq[from_client] += len(payload)
        if flags & (TCP_SYN | TCP_FIN):
            self.seq[from_client] += 1
        return n

    def handshake(self):
        mss = struct.pack("!BBH", 2, 4, 1460)
        c, s = self.client, self.server
        frames = []
        seg = tcp(c[0], s[0], c[1], s[1], self.seq[True], 0, TCP_SYN, options=mss)
        frames.append(self.cap.emit(ip_packet(c[0], s[0], 6, seg, self.cap.next_ident(c[0]))))
        self.seq[True] += 1
        seg = tcp(s[0], c[0], s[1], c[1], self.seq[False], self.seq[True],
                  TCP_SYN | TCP_ACK, options=mss)
        frames.append(self.cap.emit(ip_packet(s[0], c[0], 6, seg, self.cap.next_ident(s[0]))))
        self.seq[False] += 1
        frames.append(self._emit(True, TCP_ACK))
        return frames

    def send(self, from_client, data):
        """Send ``data`` as one PSH/ACK segment; returns the frame number."""
        return self._emit(from_client, TCP_PSH | TCP_ACK, data)

    def send_split(self, from_client, data, cuts):
        """Send ``data`` as several segments, cut at the given byte offsets."""
        bounds = [0] + list(cuts) + [len(data)]
        return [self.send(from_client, data[a:b]) for a, b in zip(bounds, bounds[1:])]

    def ack(self, from_client):
        return self._emit(from_client, TCP_ACK)

    def close(self):
        """FIN from the client, FIN/ACK from the server, final ACK."""
        return [self._emit(True, TCP_FIN | TCP_ACK), self._emit(False, TCP_FIN | TCP_ACK),
                self._emit(True, TCP_ACK)]
