# SPDX-License-Identifier: GPL-2.0-or-later
"""Rewrites the SIP text inside a pcapng capture into hostile variants.

Reads a pcapng file (either byte order), finds the SIP payloads of Ethernet
(optionally VLAN-tagged) IPv4/IPv6 UDP and TCP packets, applies text
mutations to them and writes a new pcapng file in which every length and
checksum is right again (IPv4 header, UDP, TCP), TCP sequence numbers of the
rest of the stream are shifted by the length change, and a TCP payload that
outgrew an IP packet is split into several segments. So Wireshark's SIP
dissector reaches the mutated text instead of discarding a broken packet.

Mutations (pick with ``mutate_capture(data, rng, operators=...)``):
  truncate        cut messages inside the header block
  huge_value      one header value of 64 KiB (or 1..64 KiB)
  many_contacts   thousands of Contacts (lines, or one comma-separated line)
  non_utf8        bytes that are not UTF-8 inside values, URIs, phrases
  bad_numbers     Expires/CSeq/Content-Length/... = -1, 4294967296,
                  99999999999999999999, garbage
  dup_etag        repeated SIP-ETag / SIP-If-Match with other values
  status_code     000, 099, 700, 999, 1000, 65736 ... in status lines
  bare_lf         LF (or CR) line ends instead of CRLF
  missing_headers Via, Call-ID, CSeq, From, To removed or empty
  garbage         NULs, folded lines, empty names, stray start lines
  branch_reuse    one Via branch for every message of the capture
  callid_reuse    one Call-ID for every message of the capture
  timestamps      packet times backwards, equal, zero or far future

Only the standard library; deterministic for a given random.Random.
"""
import re
import struct

SIP_START = re.compile(rb"^(?:[A-Za-z]{2,20} \S+ SIP/2\.0\r?\n|SIP/2\.0 )")

OPERATORS = ["truncate", "huge_value", "many_contacts", "non_utf8", "bad_numbers", "dup_etag",
             "status_code", "bare_lf", "missing_headers", "garbage", "branch_reuse", "callid_reuse",
             "timestamps"]
PACKET_OPERATORS = OPERATORS[:10]
CAPTURE_OPERATORS = OPERATORS[10:]

MAX_UDP_PAYLOAD_V4 = 65535 - 20 - 8
MAX_TCP_SEGMENT = 32000


# --------------------------------------------------------------------------
# checksums
# --------------------------------------------------------------------------

def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def pseudo_header(version, src, dst, proto, length):
    if version == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


# --------------------------------------------------------------------------
# packets
# --------------------------------------------------------------------------

class Packet:
    """An Ethernet frame split into its layers, when it is IP + UDP/TCP."""

    def __init__(self, frame):
        self.frame = frame
        self.ok = False
        self.parse()

    def parse(self):
        f = self.frame
        if len(f) < 14:
            return
        offset = 12
        ethertype = struct.unpack_from("!H", f, offset)[0]
        offset += 2
        while ethertype in (0x8100, 0x88A8) and len(f) >= offset + 4:
            ethertype = struct.unpack_from("!H", f, offset + 2)[0]
            offset += 4
        self.l2 = f[:offset]
        if ethertype == 0x0800 and len(f) >= offset + 20:
            ihl = (f[offset] & 0x0F) * 4
            total = struct.unpack_from("!H", f, offset + 2)[0]
            frag = struct.unpack_from("!H", f, offset + 6)[0]
            if ihl < 20 or frag & 0x3FFF or total < ihl or len(f) < offset + total:
                return
            self.version = 4
            self.ip_header = bytearray(f[offset:offset + ihl])
            self.proto = f[offset + 9]
            self.src, self.dst = bytes(f[offset + 12:offset + 16]), bytes(f[offset + 16:offset + 20])
            l4 = f[offset + ihl:offset + total]
            self.trailer = f[offset + total:]
        elif ethertype == 0x86DD and len(f) >= offset + 40:
            plen = struct.unpack_from("!H", f, offset + 4)[0]
            if len(f) < offset + 40 + plen:
                return
            self.version = 6
            self.ip_header = bytearray(f[offset:offset + 40])
            self.proto = f[offset + 6]
            self.src, self.dst = bytes(f[offset + 8:offset + 24]), bytes(f[offset + 24:offset + 40])
            l4 = f[offset + 40:offset + 40 + plen]
            self.trailer = f[offset + 40 + plen:]
        else:
            return
        if self.proto == 17 and len(l4) >= 8:
            self.sport, self.dport = struct.unpack_from("!HH", l4, 0)
            self.l4_header = bytearray(l4[:8])
            self.payload = bytes(l4[8:])
        elif self.proto == 6 and len(l4) >= 20:
            data_offset = (l4[12] >> 4) * 4
            if data_offset < 20 or data_offset > len(l4):
                return
            self.sport, self.dport = struct.unpack_from("!HH", l4, 0)
            self.l4_header = bytearray(l4[:data_offset])
            self.payload = bytes(l4[data_offset:])
        else:
            return
        self.ok = True

    def flow(self):
        return (self.src, self.sport, self.dst, self.dport)

    def build(self, payload, seq_shift=0, ack_shift=0):
        """The frame again with `payload`; TCP seq/ack moved by the shifts."""
        l4_header = bytearray(self.l4_header)
        if self.proto == 17:
            struct.pack_into("!HH", l4_header, 4, 8 + len(payload), 0)
        else:
            seq, ack = struct.unpack_from("!II", l4_header, 4)
            struct.pack_into("!II", l4_header, 4, (seq + seq_shift) & 0xFFFFFFFF, (ack + ack_shift) & 0xFFFFFFFF)
            struct.pack_into("!H", l4_header, 16, 0)
        segment_length = len(l4_header) + len(payload)
        checksum = inet_checksum(pseudo_header(self.version, self.src, self.dst, self.proto, segment_length)
                                 + bytes(l4_header) + payload)
        if self.proto == 17:
            struct.pack_into("!H", l4_header, 6, checksum or 0xFFFF)
        else:
            struct.pack_into("!H", l4_header, 16, checksum)
        ip_header = bytearray(self.ip_header)
        if self.version == 4:
            struct.pack_into("!H", ip_header, 2, min(len(ip_header) + segment_length, 0xFFFF))
            struct.pack_into("!H", ip_header, 10, 0)
            struct.pack_into("!H", ip_header, 10, inet_checksum(bytes(ip_header)))
        else:
            struct.pack_into("!H", ip_header, 4, min(segment_length, 0xFFFF))
        return bytes(self.l2) + bytes(ip_header) + bytes(l4_header) + payload + bytes(self.trailer)


# --------------------------------------------------------------------------
# pcapng
# --------------------------------------------------------------------------

class Pcapng:
    """Blocks of a pcapng file; EPBs of Ethernet interfaces can be rewritten."""

    def __init__(self, data):
        self.blocks = []  # [type, body, endian]
        self.linktypes = []
        offset = 0
        endian = "<"
        while offset + 12 <= len(data):
            btype_le = struct.unpack_from("<I", data, offset)[0]
            if btype_le == 0x0A0D0D0A:
                magic = data[offset + 8:offset + 12]
                endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
                self.linktypes = []
            btype, length = struct.unpack_from(endian + "II", data, offset)
            if length < 12 or offset + length > len(data):
                raise ValueError("bad pcapng block at %d" % offset)
            body = data[offset + 8:offset + length - 4]
            if btype == 1:
                self.linktypes.append(struct.unpack_from(endian + "H", body, 0)[0])
            self.blocks.append([btype, body, endian, list(self.linktypes)])
            offset += length

    def packets(self):
        """(index, frame, ts) of EPBs on Ethernet interfaces."""
        for index, (btype, body, endian, linktypes) in enumerate(self.blocks):
            if btype != 6 or len(body) < 20:
                continue
            interface, ts_hi, ts_lo, caplen, _ = struct.unpack_from(endian + "IIIII", body, 0)
            if interface >= len(linktypes) or linktypes[interface] != 1 or 20 + caplen > len(body):
                continue
            yield index, body[20:20 + caplen], (ts_hi << 32) | ts_lo

    @staticmethod
    def epb_body(endian, old_body, frame, ts=None):
        interface, ts_hi, ts_lo, caplen, origlen = struct.unpack_from(endian + "IIIII", old_body, 0)
        options = old_body[20 + ((caplen + 3) & ~3):]
        if ts is not None:
            ts_hi, ts_lo = (ts >> 32) & 0xFFFFFFFF, ts & 0xFFFFFFFF
        padded = frame + b"\0" * (-len(frame) % 4)
        return struct.pack(endian + "IIIII", interface, ts_hi, ts_lo, len(frame), len(frame)) + padded + options

    def serialize(self):
        out = []
        for btype, body, endian, _ in self.blocks:
            body = body + b"\0" * (-len(body) % 4)
            length = len(body) + 12
            out.append(struct.pack(endian + "II", btype, length) + body + struct.pack(endian + "I", length))
        return b"".join(out)


# --------------------------------------------------------------------------
# text mutations (bytes -> bytes)
# --------------------------------------------------------------------------

NUMBERS = [b"-1", b"4294967296", b"99999999999999999999", b"4294967295", b"0", b"", b"abc", b"1e9",
           b"0x10", b"+5", b"65536", b"-0", b"18446744073709551616", b"NaN", b"1.5", b" 12 34",
           b"-4294967296", b"00000000000000000000000000000000000000001"]
NUMBER_HEADERS = [b"Expires", b"CSeq", b"Content-Length", b"Max-Forwards", b"Retry-After", b"Min-Expires",
                  b"Min-SE", b"Session-Expires", b"RSeq", b"l", b"Subscription-State"]
VALUE_HEADERS = [b"Via", b"Call-ID", b"From", b"To", b"Contact", b"Subject", b"User-Agent", b"SIP-ETag",
                 b"SIP-If-Match", b"Event", b"Expires", b"CSeq", b"Warning", b"Reason", b"Retry-After",
                 b"Allow", b"Supported", b"Require", b"Unsupported", b"WWW-Authenticate", b"Content-Type",
                 b"Min-Expires", b"Accept"]
STATUS_CODES = [b"000", b"099", b"700", b"999", b"1000", b"-1", b"20", b"2OO", b"65736", b"4294967496",
                b"", b"100000000000000000000", b"412", b"302", b"301"]
BAD_BYTES = [b"\x80", b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xfe\xfe",
             b"\xc3", b"\x00", b"\xa0\xa1"]
REMOVABLE = [b"Via", b"v", b"Call-ID", b"i", b"CSeq", b"From", b"f", b"To", b"t", b"Contact", b"m",
             b"SIP-ETag", b"SIP-If-Match", b"Event", b"o", b"Content-Length", b"l"]


def header_re(name):
    return re.compile(rb"(?im)^(" + re.escape(name) + rb"[ \t]*:[ \t]*)([^\r\n]*)")


def head_end(text):
    end = text.find(b"\r\n\r\n")
    return len(text) if end < 0 else end + 2


def huge(rng, size):
    kind = rng.randrange(6)
    if kind == 0:
        return b"a" * size
    if kind == 1:
        return (b"tok,") * (size // 4)
    if kind == 2:
        return b"<sip:" * (size // 5)
    if kind == 3:
        return b'"' + b"x" * (size - 1)
    if kind == 4:
        return bytes(rng.randrange(0x21, 0x7F) for _ in range(min(size, 4096))) * max(1, size // 4096)
    return b";p=" * (size // 3)


def op_truncate(rng, text):
    end = head_end(text)
    line_end = text.find(b"\n")
    low = max(1, line_end + 1 if 0 <= line_end < end else 1)
    if low >= end:
        return text[:max(1, len(text) // 2)]
    return text[:rng.randrange(low, end + 1)]


def op_huge_value(rng, text, size=None):
    size = size or rng.choice([65536, 65536, 65536 - 1, rng.randrange(1024, 65536)])
    name = rng.choice(VALUE_HEADERS)
    pattern = header_re(name)
    value = huge(rng, size)
    if pattern.search(text):
        return pattern.sub(lambda m: m.group(1) + value, text, count=1)
    line_end = text.find(b"\n") + 1
    return text[:line_end] + name + b": " + value + b"\r\n" + text[line_end:]


def op_many_contacts(rng, text):
    count = rng.choice([1000, 2000, 3000, 5000])
    line_end = text.find(b"\n") + 1
    if rng.random() < 0.5:
        entries = [b"<sip:c%d@198.51.100.%d:5060>;q=0.%d;expires=%d" % (i, i % 250, i % 10, i) for i in range(count)]
        block = b"Contact: " + b", ".join(entries) + b"\r\n"
    else:
        block = b"".join(b"Contact: <sip:c%d@203.0.113.%d>;expires=%s\r\n"
                         % (i, i % 250, rng.choice(NUMBERS)) for i in range(count))
    return text[:line_end] + block + text[line_end:]


def op_non_utf8(rng, text):
    out = bytearray(text)
    end = head_end(text)
    for _ in range(rng.randrange(1, 12)):
        if end <= 1:
            break
        position = rng.randrange(1, end)
        bad = rng.choice(BAD_BYTES)
        out[position:position] = bad
        end += len(bad)
    # And always one value made of nothing but invalid bytes.
    name = rng.choice([b"Call-ID", b"SIP-ETag", b"SIP-If-Match", b"Event", b"Subject", b"Contact", b"Warning"])
    value = b"".join(rng.choice(BAD_BYTES) for _ in range(rng.randrange(1, 40)))
    line_end = out.find(b"\n") + 1
    out[line_end:line_end] = name + b": " + value + b"\r\n"
    return bytes(out)


def op_bad_numbers(rng, text):
    for _ in range(rng.randrange(1, 5)):
        name = rng.choice(NUMBER_HEADERS)
        number = rng.choice(NUMBERS)
        pattern = header_re(name)
        if name == b"CSeq":
            text = pattern.sub(lambda m: m.group(1) + number + b" " + (m.group(2).split(b" ")[-1]), text)
        elif pattern.search(text):
            text = pattern.sub(lambda m: m.group(1) + number, text)
        else:
            line_end = text.find(b"\n") + 1
            text = text[:line_end] + name + b": " + number + b"\r\n" + text[line_end:]
    if rng.random() < 0.5:
        text = re.sub(rb"(?i)(;(?:expires|q)=)[^;,>\s]*", lambda m: m.group(1) + rng.choice(NUMBERS), text)
    return text


def op_dup_etag(rng, text):
    line_end = text.find(b"\n") + 1
    extra = b""
    for name in (b"SIP-ETag", b"SIP-If-Match"):
        for _ in range(rng.randrange(1, 4)):
            value = rng.choice([b"dup-%d" % rng.randrange(5), b"", b"e1", b"  ", b"x" * 300])
            extra += name + b": " + value + b"\r\n"
    return text[:line_end] + extra + text[line_end:]


def op_status_code(rng, text):
    code = rng.choice(STATUS_CODES)
    return re.sub(rb"(?m)^SIP/2\.0 \S*", b"SIP/2.0 " + code, text)


def op_bare_lf(rng, text):
    kind = rng.randrange(3)
    if kind == 0:
        return text.replace(b"\r\n", b"\n")
    if kind == 1:
        return text.replace(b"\r\n", b"\r")
    # Mixed: some lines LF, some CRLF.
    lines = text.split(b"\r\n")
    return b"".join(line + (b"\n" if rng.random() < 0.5 else b"\r\n") for line in lines[:-1]) + lines[-1]


def op_missing_headers(rng, text):
    for name in rng.sample(REMOVABLE, rng.randrange(1, 5)):
        if rng.random() < 0.7:
            text = re.sub(rb"(?im)^" + re.escape(name) + rb"[ \t]*:[^\r\n]*\r?\n", b"", text)
        else:
            text = header_re(name).sub(lambda m: m.group(1), text)
    return text


def op_garbage(rng, text):
    end = head_end(text)
    line_end = text.find(b"\n") + 1
    choices = [
        b"\x00\x00\x00\r\n",
        b": no-name\r\n",
        b"X-Folded: first\r\n  second\r\n\tthird\r\n",
        b"SIP/2.0 200 OK\r\n",
        b"INVITE sip:x SIP/2.0\r\n",
        b"NoColonLine" + b"z" * rng.randrange(1, 5000) + b"\r\n",
        b"Via: SIP/2.0/UDP ;branch=\r\n",
        b"Via: SIP/2.0/UDP [::1;branch=z9hG4bK\r\n",
        b"Contact: *\r\n",
        b"Contact: <>\r\n",
        b"Contact: <sip:a@b;q=>;q=;expires=\r\n",
        b"Call-ID:\r\n",
        b"CSeq: 1\r\n",
        b"CSeq: INVITE\r\n",
        b"\r\n",
    ]
    insert = b"".join(rng.choice(choices) for _ in range(rng.randrange(1, 4)))
    position = rng.randrange(line_end, max(line_end, end) + 1)
    return text[:position] + insert + text[position:]


PACKET_FUNCTIONS = {
    "truncate": op_truncate, "huge_value": op_huge_value, "many_contacts": op_many_contacts,
    "non_utf8": op_non_utf8, "bad_numbers": op_bad_numbers, "dup_etag": op_dup_etag,
    "status_code": op_status_code, "bare_lf": op_bare_lf, "missing_headers": op_missing_headers,
    "garbage": op_garbage,
}


# --------------------------------------------------------------------------
# the capture
# --------------------------------------------------------------------------

def mutate_capture(data, rng, operators=None, probability=None):
    """Returns (new pcapng bytes, list of operator names applied).

    Raises ValueError when the file is not a pcapng file it can read.
    """
    capture = Pcapng(data)
    if operators is None:
        operators = rng.sample(OPERATORS, rng.choice([1, 1, 2, 3]))
    probability = probability if probability is not None else rng.choice([0.1, 0.3, 0.6, 1.0])
    packet_ops = [name for name in operators if name in PACKET_FUNCTIONS]
    reused_branch = b"z9hG4bK-reused-%d" % rng.randrange(1000)
    reused_call_id = b"reused-%d@fuzz" % rng.randrange(1000)

    shift = {}  # TCP flow -> bytes added so far
    new_blocks = []
    replaced = {}
    last_ts = None
    for index, frame, ts in list(capture.packets()):
        btype, body, endian, linktypes = capture.blocks[index]
        packet = Packet(frame)
        new_ts = None
        if "timestamps" in operators:
            kind = rng.randrange(5)
            if kind == 0:
                new_ts = max(0, ts - rng.randrange(1, 10 ** 9))      # backwards
            elif kind == 1 and last_ts is not None:
                new_ts = last_ts                                       # equal
            elif kind == 2:
                new_ts = 0
            elif kind == 3:
                new_ts = (1 << 63) + rng.randrange(1 << 40)           # far future
            last_ts = ts
        if not packet.ok:
            if new_ts is not None:
                replaced[index] = [Pcapng.epb_body(endian, body, frame, new_ts)]
            continue
        payload = packet.payload
        is_sip = bool(payload) and (SIP_START.match(payload) is not None or b"SIP/2.0" in payload[:2048])
        if is_sip:
            if "branch_reuse" in operators:
                payload = re.sub(rb"(?i)(;branch=)[^;,\s]+", lambda m: m.group(1) + reused_branch, payload)
            if "callid_reuse" in operators:
                payload = re.sub(rb"(?im)^((?:Call-ID|i)[ \t]*:[ \t]*)[^\r\n]*",
                                 lambda m: m.group(1) + reused_call_id, payload)
            if packet_ops and rng.random() < probability:
                for name in packet_ops:
                    payload = PACKET_FUNCTIONS[name](rng, payload)
        flow = packet.flow()
        reverse = (flow[2], flow[3], flow[0], flow[1])
        if packet.proto == 6:
            seq_shift, ack_shift = shift.get(flow, 0), shift.get(reverse, 0)
            shift[flow] = seq_shift + len(payload) - len(packet.payload)
            pieces = [payload[i:i + MAX_TCP_SEGMENT] for i in range(0, len(payload), MAX_TCP_SEGMENT)] or [b""]
            frames, offset = [], 0
            for piece in pieces:
                frames.append(packet.build(piece, seq_shift + offset, ack_shift))
                offset += len(piece)
        else:
            limit = MAX_UDP_PAYLOAD_V4 if packet.version == 4 else 65535 - 8
            frames = [packet.build(payload[:limit])]
        if payload == packet.payload and new_ts is None and len(frames) == 1 and packet.proto == 6 \
                and seq_shift == 0 and ack_shift == 0:
            continue
        if payload == packet.payload and new_ts is None and packet.proto == 17:
            continue
        replaced[index] = [Pcapng.epb_body(endian, body, f, new_ts) for f in frames]

    for index, block in enumerate(capture.blocks):
        if index in replaced:
            for body in replaced[index]:
                new_blocks.append([block[0], body, block[2], block[3]])
        else:
            new_blocks.append(block)
    capture.blocks = new_blocks
    return capture.serialize(), operators
