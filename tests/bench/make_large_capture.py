#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate a large, deterministic SIP capture for benchmarks (never committed).

    python3 tests/bench/make_large_capture.py --messages 1000000 --out build/bench/sip-1000000.pcapng
    python3 tests/bench/make_large_capture.py --messages 20000 --seed 7 --out /tmp/small.pcapng

The capture holds exactly N SIP messages (TCP handshakes add a few non-SIP
frames). Same N and seed, same bytes. Traffic: many interleaved flows between
user agents in 198.18.0.0/15 (the RFC 2544 benchmarking range; SDP c= lines
use it too) and four servers in 192.0.2.0/24:

  * calls INVITE(SDP)/100/180/200(SDP)/ACK/BYE/200, some on two legs
  * failed calls: 404, 480, 486, 488, 500, 503 + Retry-After, 603, 403, 408 ...
  * CANCEL/200 and 487 + ACK
  * REGISTER, 401 challenge, REGISTER with Authorization, 200 (a few 403/423)
  * OPTIONS keep-alives, MESSAGE/202
  * PUBLISH chains (RFC 3903): initial, refresh with SIP-If-Match, SIP-ETag
    changes, stale tags answered 412, unknown tags answered 412, removals
  * 301/302 redirects followed by the client, some clients ignoring a 301
  * a few RFC 2543 style peers (branch without the z9hG4bK cookie)

Most flows run over UDP; some clients keep a TCP connection to the proxy
(handshake once, then data segments; a 100 Trying and 180 Ringing sometimes
travel in one segment). Frames are written as they are made, through the
project's stdlib pcapng writer (pcaps/generate/pcapng_writer.py), flushed in
batches, so memory stays small; 1M messages take well under two minutes.
"""

import argparse
import heapq
import os
import random
import struct
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "pcaps", "generate"))
import pcapng_writer  # noqa: E402
from pcapng_writer import (EPOCH_2026, PcapngWriter, TCP_ACK, TCP_PSH, TCP_SYN,  # noqa: E402
                           inet_checksum)

GENERATOR_VERSION = "1"   # bump when the output for a given (N, seed) changes
UA_NAME = "sipadvisor-bench UA/1.0"
SERVER_NAME = "sipadvisor-bench Server/1.0"

REGISTRAR = ("192.0.2.10", 5060)
PROXY = ("192.0.2.20", 5060)
PRESENCE = ("192.0.2.30", 5060)
REDIRECT = ("192.0.2.40", 5060)
DOMAIN = "bench.example.com"


# --------------------------------------------------------------------------
# frames: Ethernet / IPv4 / UDP|TCP, built with precomputed pieces
# --------------------------------------------------------------------------

_pack_ip = struct.Struct("!BBHHHBBH4s4s").pack
_pack_udp = struct.Struct("!HHHH").pack
_pack_tcp = struct.Struct("!HHIIBBHHH").pack
_pack_pseudo = struct.Struct("!4s4sBBH").pack


class Host:
    __slots__ = ("ip", "packed", "mac", "ident")

    def __init__(self, ip):
        self.ip = ip
        self.packed = bytes(int(x) for x in ip.split("."))
        self.mac = pcapng_writer.mac_for(ip)
        self.ident = 0x1000


class FrameSink:
    """Streams Enhanced Packet Blocks through PcapngWriter into a file."""

    FLUSH_EVERY = 4096

    def __init__(self, path, comment):
        self.file = open(path, "wb")
        self.writer = PcapngWriter(comment)
        self.frames = 0
        self.messages = 0
        self.hosts = {}

    def host(self, ip):
        h = self.hosts.get(ip)
        if h is None:
            h = self.hosts[ip] = Host(ip)
        return h

    def _ip_frame(self, ts_us, src, dst, proto, l4):
        src.ident = (src.ident + 1) & 0xFFFF
        hdr = _pack_ip(0x45, 0, 20 + len(l4), src.ident, 0x4000, 64, proto, 0, src.packed, dst.packed)
        hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
        self.writer.add(ts_us, dst.mac + src.mac + b"\x08\x00" + hdr + l4)
        self.frames += 1
        if len(self.writer._chunks) >= self.FLUSH_EVERY:
            self.flush()

    def udp(self, ts_us, src, sport, dst, dport, payload, messages=1):
        length = 8 + len(payload)
        hdr = _pack_udp(sport, dport, length, 0)
        c = inet_checksum(_pack_pseudo(src.packed, dst.packed, 0, 17, length) + hdr + payload) or 0xFFFF
        self._ip_frame(ts_us, src, dst, 17, _pack_udp(sport, dport, length, c) + payload)
        self.messages += messages

    def tcp(self, ts_us, src, sport, dst, dport, seq, ack, flags, payload=b"", options=b"", messages=0):
        off = (20 + len(options)) // 4
        hdr = _pack_tcp(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4, flags, 65535, 0, 0) + options
        c = inet_checksum(_pack_pseudo(src.packed, dst.packed, 0, 6, len(hdr) + len(payload)) + hdr + payload)
        self._ip_frame(ts_us, src, dst, 6, hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload)
        self.messages += messages

    def flush(self):
        # PcapngWriter keeps its blocks in _chunks: write and drop them.
        self.file.write(b"".join(self.writer._chunks))
        self.writer._chunks.clear()

    def close(self):
        self.flush()
        self.file.close()


class TcpConn:
    """A client's persistent TCP connection to a server."""

    def __init__(self, sink, client, cport, server, sport, isn):
        self.sink, self.client, self.cport, self.server, self.sport = sink, client, cport, server, sport
        self.seq = {True: isn, False: isn ^ 0x5A5A5A5A}
        self.open = False

    def handshake(self, ts_us):
        mss = struct.pack("!BBH", 2, 4, 1460)
        s = self.sink
        s.tcp(ts_us, self.client, self.cport, self.server, self.sport, self.seq[True], 0, TCP_SYN, options=mss)
        self.seq[True] += 1
        s.tcp(ts_us + 150, self.server, self.sport, self.client, self.cport, self.seq[False], self.seq[True],
              TCP_SYN | TCP_ACK, options=mss)
        self.seq[False] += 1
        s.tcp(ts_us + 300, self.client, self.cport, self.server, self.sport, self.seq[True], self.seq[False],
              TCP_ACK)
        self.open = True

    def send(self, ts_us, from_client, data, messages):
        if from_client:
            src, sp, dst, dp = self.client, self.cport, self.server, self.sport
        else:
            src, sp, dst, dp = self.server, self.sport, self.client, self.cport
        self.sink.tcp(ts_us, src, sp, dst, dp, self.seq[from_client], self.seq[not from_client],
                      TCP_PSH | TCP_ACK, data, messages=messages)
        self.seq[from_client] += len(data)


# --------------------------------------------------------------------------
# SIP text
# --------------------------------------------------------------------------

def render(start, headers, body=b""):
    return (start + "\r\n" + "".join(h + "\r\n" for h in headers if h)
            + "Content-Length: %d\r\n\r\n" % len(body)).encode() + body


SDP = ("v=0\r\no=- %d %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
       "m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n")

PIDF = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="%s">\r\n'
        '  <tuple id="t%d"><status><basic>%s</basic></status><note>%s</note></tuple>\r\n'
        '</presence>\r\n')


class Leg:
    """One side's view of a dialog or transaction series: who talks to whom,
    over which transport, with which From/To/Call-ID."""

    def __init__(self, g, ua, server, user, target, transport, cookie=True):
        self.g = g
        self.ua_ip, self.ua_port = ua
        self.server = server
        self.user = user
        self.transport = transport        # "UDP" or a TcpConn
        self.via_transport = "UDP" if transport == "UDP" else "TCP"
        self.cookie = cookie
        self.call_id = "%016x@%s" % (g.rng.getrandbits(64), self.ua_ip)
        self.from_tag = "%08x" % g.rng.getrandbits(32)
        self.to_tag = None
        self.from_line = "From: <sip:%s@%s>;tag=%s" % (user, DOMAIN, self.from_tag)
        self.to_uri = target
        self.contact_line = "Contact: <sip:%s@%s:%d%s>" % (
            user, self.ua_ip, self.ua_port, "" if transport == "UDP" else ";transport=tcp")

    def branch(self):
        self.g.branches += 1
        return ("z9hG4bK%x.%x" if self.cookie else "%x.%x") % (self.g.branches, self.g.rng.getrandbits(24))

    def request(self, method, cseq, ruri=None, extra=(), body=b"", branch=None, to_tag=None):
        branch = branch or self.branch()
        via = "Via: SIP/2.0/%s %s:%d;branch=%s;rport" % (self.via_transport, self.ua_ip, self.ua_port, branch)
        to_tag = to_tag if to_tag is not None else self.to_tag
        to = "To: <%s>%s" % (self.to_uri, ";tag=" + to_tag if to_tag else "")
        headers = [via, "Max-Forwards: 70", self.from_line, to, "Call-ID: " + self.call_id,
                   "CSeq: %d %s" % (cseq, method), self.contact_line, "User-Agent: " + UA_NAME]
        headers.extend(extra)
        msg = render("%s %s SIP/2.0" % (method, ruri or self.to_uri), headers, body)
        return Request(method, cseq, via, to, branch, msg)

    def response(self, req, code, reason, extra=(), body=b"", to_tag=True):
        via = req.via + "=%d;received=%s" % (self.ua_port, self.ua_ip)   # fills ;rport
        to = req.to
        if to_tag and code != 100 and ";tag=" not in to:
            if self.to_tag is None:
                self.to_tag = "%08x" % self.g.rng.getrandbits(32)
            to += ";tag=" + self.to_tag
        headers = [via, self.from_line, to, "Call-ID: " + self.call_id, "CSeq: %d %s" % (req.cseq, req.method),
                   "Server: " + SERVER_NAME]
        headers.extend(extra)
        return render("SIP/2.0 %d %s" % (code, reason), headers, body)

    def ack_non2xx(self, req):
        """ACK of a non-2xx final response: same branch and CSeq number."""
        return self.request("ACK", req.cseq, extra=(), branch=req.branch, to_tag=self.to_tag).msg

    def send(self, messages, from_ua):
        """Emit messages now: one UDP datagram each, or one TCP segment for all."""
        g = self.g
        room = g.target - g.sink.messages
        if room < len(messages):             # the capture holds exactly N messages
            messages = messages[:max(room, 0)]
            if not messages:
                return
        if self.transport == "UDP":
            ua = g.sink.host(self.ua_ip)
            srv = g.sink.host(self.server[0])
            for m in messages:
                if from_ua:
                    g.sink.udp(g.now, ua, self.ua_port, srv, self.server[1], m)
                else:
                    g.sink.udp(g.now, srv, self.server[1], ua, self.ua_port, m)
                g.now += 20
        else:
            conn = self.transport
            if not conn.open:
                conn.handshake(g.now)
                g.now += 400
            conn.send(g.now, from_ua, b"".join(messages), len(messages))
            g.now += 20


class Request:
    __slots__ = ("method", "cseq", "via", "to", "branch", "msg")

    def __init__(self, method, cseq, via, to, branch, msg):
        self.method, self.cseq, self.via, self.to, self.branch, self.msg = method, cseq, via, to, branch, msg


# --------------------------------------------------------------------------
# flows: generators yielding the delay (seconds) before their next step
# --------------------------------------------------------------------------

FAIL_CODES = [(404, "Not Found", 20), (486, "Busy Here", 20), (480, "Temporarily Unavailable", 12),
              (603, "Decline", 8), (488, "Not Acceptable Here", 8), (503, "Service Unavailable", 8),
              (500, "Server Internal Error", 4), (403, "Forbidden", 6), (408, "Request Timeout", 4),
              (484, "Address Incomplete", 3), (415, "Unsupported Media Type", 2), (420, "Bad Extension", 2),
              (481, "Call/Transaction Does Not Exist", 1), (502, "Bad Gateway", 2), (504, "Server Time-out", 2),
              (600, "Busy Everywhere", 1), (604, "Does Not Exist Anywhere", 1), (406, "Not Acceptable", 1),
              (410, "Gone", 1), (414, "Request-URI Too Long", 1), (482, "Loop Detected", 1),
              (483, "Too Many Hops", 1), (491, "Request Pending", 1), (493, "Undecipherable", 1),
              (513, "Message Too Large", 1), (580, "Precondition Failure", 1), (606, "Not Acceptable", 1),
              (499, "Unregistered Four-Ninety-Nine", 1)]


class Generator:
    def __init__(self, messages, seed, path):
        self.rng = random.Random(seed)
        self.target = messages
        self.sink = FrameSink(path, "sipadvisor benchmark capture: %d SIP messages, seed %d, generator v%s"
                              % (messages, seed, GENERATOR_VERSION))
        self.now = EPOCH_2026 * 1000000
        self.branches = 0
        self.heap = []
        self.seq = 0
        self.n_ua = max(1000, min(60000, messages // 20))
        self.tcp_conns = {}
        self.etags = 0
        self.moved = []           # (old URI, new URI) of 301s, for clients that ignore them
        self.fail_codes = [c for c in FAIL_CODES for _ in range(c[2])]

    # ---- helpers
    def ua(self, i=None):
        if i is None:
            i = self.rng.randrange(self.n_ua)
        ip = "198.18.%d.%d" % (i // 250, 1 + i % 250) if i < 62500 else "198.19.%d.%d" % ((i - 62500) // 250,
                                                                                            1 + i % 250)
        return i, (ip, 5060 if i % 3 else 10000 + i % 50000)

    def transport(self, ua_index, ua, server):
        # One client in 12 talks to the proxy over a persistent TCP connection.
        if server is PROXY and ua_index % 12 == 0:
            conn = self.tcp_conns.get(ua_index)
            if conn is None:
                conn = self.tcp_conns[ua_index] = TcpConn(
                    self.sink, self.sink.host(ua[0]), 30000 + ua_index % 30000, self.sink.host(server[0]),
                    server[1], self.rng.getrandbits(31))
            return conn
        return "UDP"

    def leg(self, server, target=None, user=None, ua_index=None):
        i, ua = self.ua(ua_index)
        user = user or "u%06d" % i
        target = target or "sip:u%06d@%s" % (self.rng.randrange(self.n_ua), DOMAIN)
        conn = self.transport(i, ua, server)
        if conn != "UDP":
            ua = (ua[0], conn.cport)
        leg = Leg(self, ua, server, user, target, conn, cookie=self.rng.random() > 0.02)
        leg.ua_index = i
        return leg

    def sdp(self, ip_host):
        sess = self.rng.getrandbits(31)
        media = "198.%d.%d.%d" % (18 + self.rng.getrandbits(1), self.rng.randrange(256), 1 + self.rng.randrange(254))
        return (SDP % (sess, sess, ip_host, media, 16384 + 2 * self.rng.randrange(8000))).encode()

    # ---- flows
    def call_ok(self, leg=None, ruri=None, cseq=1):
        leg = leg or self.leg(PROXY)
        inv = leg.request("INVITE", cseq, ruri=ruri, extra=("Content-Type: application/sdp",),
                          body=self.sdp(leg.ua_ip))
        leg.send([inv.msg], True)
        yield 0.004
        trying = leg.response(inv, 100, "Trying")
        ringing = leg.response(inv, 180, "Ringing")
        if leg.transport != "UDP" and self.rng.random() < 0.5:
            leg.send([trying, ringing], False)   # two responses in one TCP segment
        else:
            leg.send([trying], False)
            yield 0.05
            leg.send([ringing], False)
        yield self.rng.uniform(0.5, 8)
        leg.send([leg.response(inv, 200, "OK", extra=("Content-Type: application/sdp",),
                               body=self.sdp(leg.server[0]))], False)
        yield 0.02
        leg.send([leg.request("ACK", cseq, ruri=ruri).msg], True)
        yield self.rng.expovariate(1 / 45)
        bye = leg.request("BYE", cseq + 1, ruri=ruri)
        leg.send([bye.msg], True)
        yield 0.01
        leg.send([leg.response(bye, 200, "OK")], False)

    def call_fail(self):
        leg = self.leg(PROXY)
        inv = leg.request("INVITE", 1, extra=("Content-Type: application/sdp",), body=self.sdp(leg.ua_ip))
        leg.send([inv.msg], True)
        yield 0.004
        leg.send([leg.response(inv, 100, "Trying")], False)
        yield self.rng.uniform(0.05, 3)
        code, reason, _ = self.rng.choice(self.fail_codes)
        extra = ("Retry-After: %d" % self.rng.choice((30, 60, 120, 300)),) if code in (503, 480, 486) else ()
        if code == 488:
            extra = ("Warning: 304 %s \"Media type not available\"" % leg.server[0],)
        leg.send([leg.response(inv, code, reason, extra=extra)], False)
        yield 0.01
        leg.send([leg.ack_non2xx(inv)], True)

    def call_cancel(self):
        leg = self.leg(PROXY)
        inv = leg.request("INVITE", 1, extra=("Content-Type: application/sdp",), body=self.sdp(leg.ua_ip))
        leg.send([inv.msg], True)
        yield 0.004
        leg.send([leg.response(inv, 100, "Trying")], False)
        yield 0.05
        leg.send([leg.response(inv, 180, "Ringing")], False)
        yield self.rng.uniform(1, 15)
        cancel = leg.request("CANCEL", 1, branch=inv.branch, to_tag="")
        leg.send([cancel.msg], True)
        yield 0.004
        leg.send([leg.response(cancel, 200, "OK")], False)
        yield 0.002
        leg.send([leg.response(inv, 487, "Request Terminated")], False)
        yield 0.01
        leg.send([leg.ack_non2xx(inv)], True)

    def register(self):
        leg = self.leg(REGISTRAR)
        leg.to_uri = "sip:%s@%s" % (leg.user, DOMAIN)
        ruri = "sip:" + DOMAIN
        expires = ("Expires: 3600",)
        reg = leg.request("REGISTER", 1, ruri=ruri, extra=expires)
        leg.send([reg.msg], True)
        yield 0.003
        nonce = "%032x" % self.rng.getrandbits(128)
        leg.send([leg.response(reg, 401, "Unauthorized", extra=(
            'WWW-Authenticate: Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"' % (DOMAIN, nonce),))],
            False)
        leg.to_tag = None          # a REGISTER is no dialog
        yield 0.02
        auth = ('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%032x", '
                'algorithm=MD5, qop=auth, nc=00000001, cnonce="%08x"'
                % (leg.user, DOMAIN, nonce, ruri, self.rng.getrandbits(128), self.rng.getrandbits(32)))
        reg2 = leg.request("REGISTER", 2, ruri=ruri, extra=expires + (auth,))
        leg.send([reg2.msg], True)
        yield 0.003
        r = self.rng.random()
        if r < 0.03:
            leg.send([leg.response(reg2, 403, "Forbidden")], False)
        elif r < 0.05:
            leg.send([leg.response(reg2, 423, "Interval Too Brief", extra=("Min-Expires: 7200",))], False)
        else:
            leg.send([leg.response(reg2, 200, "OK", extra=(leg.contact_line + ";expires=3600",
                                                           "Date: Thu, 01 Jan 2026 00:00:00 GMT"))], False)

    def options(self):
        leg = self.leg(self.rng.choice((PROXY, REGISTRAR)))
        opt = leg.request("OPTIONS", 1, ruri="sip:" + leg.server[0])
        leg.send([opt.msg], True)
        yield 0.002
        leg.send([leg.response(opt, 200, "OK", extra=("Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE",))],
                 False)

    def message(self):
        leg = self.leg(PROXY)
        text = ("hello %d" % self.rng.getrandbits(20)).encode()
        msg = leg.request("MESSAGE", 1, extra=("Content-Type: text/plain",), body=text)
        leg.send([msg.msg], True)
        yield 0.01
        code, reason = self.rng.choice(((202, "Accepted"), (202, "Accepted"), (200, "OK"),
                                        (415, "Unsupported Media Type"), (404, "Not Found")))
        leg.send([leg.response(msg, code, reason)], False)

    def new_etag(self):
        self.etags += 1
        return "e%x.%x" % (self.etags, self.rng.getrandbits(24))

    def publish(self):
        leg = self.leg(PRESENCE)
        leg.to_uri = "sip:%s@%s" % (leg.user, DOMAIN)
        entity = leg.to_uri
        cseq = 1
        issued = []

        def pub(if_match=None, expires=3600, body=True):
            extra = ["Event: presence", "Expires: %d" % expires]
            if if_match:
                extra.append("SIP-If-Match: " + if_match)
            b = b""
            if body:
                extra.append("Content-Type: application/pidf+xml")
                b = (PIDF % (entity, cseq, self.rng.choice(("open", "closed")),
                             self.rng.choice(("Online", "Away", "In a meeting", "Busy")))).encode()
            return leg.request("PUBLISH", cseq, extra=extra, body=b)

        def ok(req, expires=3600):
            tag = self.new_etag()
            issued.append(tag)
            return leg.response(req, 200, "OK", extra=("SIP-ETag: " + tag, "Expires: %d" % expires), to_tag=False)

        req = pub()
        leg.send([req.msg], True)
        yield 0.01
        leg.send([ok(req)], False)
        for _ in range(self.rng.randrange(1, 4)):
            yield self.rng.uniform(5, 60)
            cseq += 1
            r = self.rng.random()
            if r < 0.25 and len(issued) > 1:                     # stale tag: superseded -> 412
                req = pub(if_match=issued[-2], body=False)
                leg.send([req.msg], True)
                yield 0.01
                leg.send([leg.response(req, 412, "Conditional Request Failed", to_tag=False)], False)
                yield 0.05
                cseq += 1
                req = pub()                                      # start over
                leg.send([req.msg], True)
                yield 0.01
                leg.send([ok(req)], False)
            elif r < 0.32:                                       # a tag never issued here -> 412
                req = pub(if_match="x%08x" % self.rng.getrandbits(32), body=False)
                leg.send([req.msg], True)
                yield 0.01
                leg.send([leg.response(req, 412, "Conditional Request Failed", to_tag=False)], False)
            else:                                                # refresh or modify
                req = pub(if_match=issued[-1], body=self.rng.random() < 0.5)
                leg.send([req.msg], True)
                yield 0.01
                leg.send([ok(req)], False)
        if self.rng.random() < 0.3:                              # remove
            yield self.rng.uniform(1, 20)
            cseq += 1
            req = pub(if_match=issued[-1], expires=0, body=False)
            leg.send([req.msg], True)
            yield 0.01
            leg.send([leg.response(req, 200, "OK", extra=("SIP-ETag: " + issued[-1], "Expires: 0"),
                                   to_tag=False)], False)

    def redirect(self):
        leg = self.leg(REDIRECT)
        permanent = self.rng.random() < 0.35
        inv = leg.request("INVITE", 1, extra=("Content-Type: application/sdp",), body=self.sdp(leg.ua_ip))
        leg.send([inv.msg], True)
        yield 0.005
        new = "sip:%s@%s:5060" % (leg.to_uri[4:].split("@")[0], "192.0.2.%d" % (100 + self.rng.randrange(50)))
        alt = "sip:%s@%s:5060" % (leg.to_uri[4:].split("@")[0], "203.0.113.%d" % (1 + self.rng.randrange(200)))
        contacts = ("Contact: <%s>;q=0.9;expires=3600" % new, "Contact: <%s>;q=0.4" % alt)
        code, reason = (301, "Moved Permanently") if permanent else (302, "Moved Temporarily")
        leg.send([leg.response(inv, code, reason, extra=contacts)], False)
        if permanent:
            self.moved.append((leg.to_uri, leg.ua_index))
            if len(self.moved) > 256:
                del self.moved[:128]
        yield 0.01
        leg.send([leg.ack_non2xx(inv)], True)
        yield 0.02
        # Follow: same Call-ID, new branch, CSeq + 1, Request-URI = the Contact.
        leg.to_tag = None
        leg.server = PROXY
        yield from self.call_ok(leg=leg, ruri=new, cseq=2)

    def ignores_301(self):
        """The client of an earlier 301 calls the moved URI again: it ignores the 301."""
        if not self.moved:
            return self.call_fail()
        return self._ignores(*self.rng.choice(self.moved))

    def _ignores(self, uri, ua_index):
        leg = self.leg(REDIRECT, target=uri, ua_index=ua_index)
        inv = leg.request("INVITE", 1, extra=("Content-Type: application/sdp",), body=self.sdp(leg.ua_ip))
        leg.send([inv.msg], True)
        yield 0.005
        leg.send([leg.response(inv, 404, "Not Found")], False)
        yield 0.01
        leg.send([leg.ack_non2xx(inv)], True)

    # ---- scheduler
    def spawner(self):
        flows = ((self.call_ok, 26), (self.call_fail, 16), (self.call_cancel, 7), (self.register, 20),
                 (self.options, 6), (self.message, 5), (self.publish, 11), (self.redirect, 8),
                 (self.ignores_301, 1))
        table = [f for f, w in flows for _ in range(w)]
        while True:
            self.schedule(0, self.rng.choice(table)())
            yield self.rng.expovariate(80.0)      # ~80 new flows a second, ~500 messages a second

    def schedule(self, delay, flow):
        self.seq += 1
        heapq.heappush(self.heap, (self.now + int(delay * 1e6), self.seq, flow))

    def run(self):
        self.schedule(0, self.spawner())
        heap, sink = self.heap, self.sink
        while sink.messages < self.target:
            t, _, flow = heapq.heappop(heap)
            if t > self.now:
                self.now = t
            try:
                delay = next(flow)
            except StopIteration:
                continue
            self.seq += 1
            heapq.heappush(heap, (self.now + int(delay * 1e6), self.seq, flow))
        sink.close()
        return sink.frames, sink.messages


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=1000000, help="SIP messages in the capture (default 1000000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", required=True, help="pcapng file to write")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".part"
    started = time.monotonic()
    frames, messages = Generator(args.messages, args.seed, tmp).run()
    os.replace(tmp, args.out)
    if not args.quiet:
        print("%s: %d frames, %d SIP messages, %.1f MB, %.1f s" % (
            args.out, frames, messages, os.path.getsize(args.out) / 1e6, time.monotonic() - started))


if __name__ == "__main__":
    main()
