#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Scripted SIP client for the sipadvisor Kamailio capture generator.

Python 3 standard library only.  Talks to a Kamailio on 127.0.0.1 and plays a
second user agent ("bob", UA2) on 127.0.0.1 that Kamailio forwards one INVITE
to.  Every SIP message the client or UA2 sends or receives is written to an
event log (JSON) together with what the client *expected*: which request a
response answers, the RFC 3903 entity-tag state behind every 412, the Contact
URIs of every 3xx and the request that followed it.  expected.py turns that
log plus tshark's dissection of the capture into kamailio-expected.tsv.

Sub-commands:
  initdb  --db PATH                     create the sqlite database Kamailio uses
  probe   --transport udp|tcp           wait until Kamailio answers OPTIONS
  run     --transport udp|tcp --log F   play all scenarios, write the event log

Only 127.0.0.1 is ever contacted.
"""

import argparse
import hashlib
import json
import re
import selectors
import socket
import sqlite3
import sys
import threading
import time

HOST = "127.0.0.1"          # the only address this script ever talks to
DOMAIN = "127.0.0.1"
USERS = {"alice": "alice-secret", "bob": "bob-secret"}
READ_TIMEOUT = 5.0
UA2_DELAY = 0.2              # UA2 pauses before answering: deterministic order           # every socket read has a timeout
EXPIRED_PUBLISH_EXPIRES = 2  # seconds; presence min_expires is 1 in the cfg
EXPIRED_WAIT = 5.0           # > expires + presence clean_period + margin
UNKNOWN_ETAG = "a.1000000000.4242.1.0"  # well-formed, never issued

PIDF = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:{user}@127.0.0.1">\r\n'
        '<tuple id="t1"><status><basic>{basic}</basic></status>'
        '<note>{note}</note></tuple>\r\n'
        '</presence>\r\n')

SDP = ("v=0\r\n"
       "o=alice 1 1 IN IP4 127.0.0.1\r\n"
       "s=-\r\n"
       "c=IN IP4 127.0.0.1\r\n"
       "t=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\n"
       "a=rtpmap:0 PCMU/8000\r\n")


class ScenarioError(Exception):
    pass


# --------------------------------------------------------------------------
# SIP message parsing

COMPACT = {"i": "call-id", "v": "via", "f": "from", "t": "to", "m": "contact",
           "l": "content-length", "c": "content-type", "e": "content-encoding",
           "o": "event", "k": "supported", "s": "subject"}


class SipMsg:
    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.first_line = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))
        parts = self.first_line.split(" ", 2)
        if parts[0].startswith("SIP/"):
            self.is_request = False
            self.status = int(parts[1])
            self.method = None
        else:
            self.is_request = True
            self.status = None
            self.method = parts[0]

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    def get(self, name, default=None):
        vals = self.all(name)
        return vals[0] if vals else default

    @property
    def call_id(self):
        return self.get("call-id")

    @property
    def cseq(self):
        num, method = self.get("cseq").split()
        return int(num), method

    @property
    def top_branch(self):
        via = self.get("via").split(",")[0]
        m = re.search(r";\s*branch=([^;,\s]+)", via)
        return m.group(1) if m else None

    def key(self):
        """What identifies this message in the capture (see expected.py)."""
        kind = ("req:" + self.method) if self.is_request else ("rsp:%d" % self.status)
        num, method = self.cseq
        return [kind, self.call_id, num, method, self.top_branch]


def split_header_list(value):
    """Split a comma separated header value, ignoring commas in <> and quotes."""
    out, cur, depth, quoted = [], "", 0, False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def contact_uris(msg):
    """Contact URIs of a message, highest q first (stable)."""
    entries = []
    for value in msg.all("contact"):
        for i, item in enumerate(split_header_list(value)):
            m = re.match(r'\s*(?:"[^"]*"\s*|[^<]*)<([^>]+)>(.*)', item)
            if m:
                uri, params = m.group(1), m.group(2)
            else:
                uri, _, params = item.partition(";")
                params = ";" + params
            q = re.search(r";\s*q=([0-9.]+)", params)
            entries.append((-(float(q.group(1)) if q else 1.0), len(entries), uri.strip()))
    return [uri for _, _, uri in sorted(entries)]


def parse_digest_challenge(value):
    scheme, _, rest = value.partition(" ")
    if scheme.lower() != "digest":
        raise ScenarioError("unexpected auth scheme %r" % value)
    params = {}
    for m in re.finditer(r'(\w+)\s*=\s*("([^"]*)"|[^,\s]+)', rest):
        params[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return params


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def digest_credentials(challenge, method, uri, user, nc, cnonce):
    p = parse_digest_challenge(challenge)
    ha1 = md5("%s:%s:%s" % (user, p["realm"], USERS[user]))
    ha2 = md5("%s:%s" % (method, uri))
    qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
    if "auth" in qops:
        resp = md5("%s:%s:%08x:%s:auth:%s" % (ha1, p["nonce"], nc, cnonce, ha2))
        extra = ', qop=auth, nc=%08x, cnonce="%s"' % (nc, cnonce)
    else:
        resp = md5("%s:%s:%s" % (ha1, p["nonce"], ha2))
        extra = ""
    hdr = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
           'response="%s", algorithm=MD5%s' % (user, p["realm"], p["nonce"], uri, resp, extra))
    if "opaque" in p:
        hdr += ', opaque="%s"' % p["opaque"]
    return hdr


# --------------------------------------------------------------------------
# transports

class StreamParser:
    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            while self.buf.startswith(b"\r\n"):   # keep-alive CRLFs
                self.buf = self.buf[2:]
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self.buf[:end].decode("latin-1")
            m = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
            if not m:
                raise ScenarioError("TCP message without Content-Length:\n" + head)
            total = end + 4 + int(m.group(1))
            if len(self.buf) < total:
                break
            out.append(SipMsg(self.buf[:total]))
            self.buf = self.buf[total:]
        return out


class UdpConn:
    transport = "UDP"

    def __init__(self, server_port, bind_port=0):
        self.server = (HOST, server_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, bind_port))
        self.port = self.sock.getsockname()[1]
        self.pending = []

    def send(self, data):
        self.sock.sendto(data, self.server)

    def recv(self, timeout=READ_TIMEOUT):
        if self.pending:
            return self.pending.pop(0)
        self.sock.settimeout(timeout)
        try:
            data, addr = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        if addr[0] != HOST:
            raise ScenarioError("datagram from unexpected address %r" % (addr,))
        return SipMsg(data)

    def close(self):
        self.sock.close()


class TcpConn:
    transport = "TCP"

    def __init__(self, server_port):
        self.sock = socket.create_connection((HOST, server_port), timeout=READ_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = self.sock.getsockname()[1]
        self.parser = StreamParser()
        self.pending = []

    def send(self, data):
        self.sock.sendall(data)     # one sendall() per call: one segment on lo

    def recv(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65535)
            except socket.timeout:
                return None
            if not data:
                raise ScenarioError("Kamailio closed the TCP connection")
            self.pending.extend(self.parser.feed(data))
        return self.pending.pop(0)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


# --------------------------------------------------------------------------
# event log

class EventLog:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def add(self, party, direction, msg, **ann):
        with self.lock:
            ev = {"id": len(self.events), "party": party, "dir": direction,
                  "t": round(time.monotonic(), 6), "first_line": msg.first_line,
                  "key": msg.key(), "raw": msg.raw.decode("latin-1")}
            ev.update(ann)
            self.events.append(ev)
            return ev["id"]

    def annotate(self, ev_id, **ann):
        with self.lock:
            self.events[ev_id].update(ann)

    def dump(self, path, meta):
        with open(path, "w") as f:
            json.dump({"meta": meta, "events": self.events}, f, indent=1)


# --------------------------------------------------------------------------
# UA2: bob's phone.  Rings on INVITE, answers CANCEL with 200 + 487.

class UA2(threading.Thread):
    def __init__(self, transport, port, log):
        super().__init__(daemon=True)
        self.transport = transport
        self.port = port
        self.log = log
        self.errors = []
        self.stop = threading.Event()
        self.got_invite = threading.Event()
        self.got_silent_invite = threading.Event()
        self.got_ack = threading.Event()
        self.invite = None      # (event id, msg)
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((HOST, port))
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((HOST, port))
            self.sock.listen(4)
        self.sock.settimeout(0.2)

    def respond(self, req, status, reason, to_tag, reply):
        hdrs = ["SIP/2.0 %d %s" % (status, reason)]
        for via in req.all("via"):
            hdrs.append("Via: " + via)
        hdrs.append("From: " + req.get("from"))
        to = req.get("to")
        if to_tag and ";tag=" not in to:
            to += ";tag=" + to_tag
        hdrs.append("To: " + to)
        hdrs.append("Call-ID: " + req.call_id)
        hdrs.append("CSeq: " + req.get("cseq"))
        if status < 300 and req.method == "INVITE":
            hdrs.append("Contact: <sip:bob@%s:%d;transport=%s>" % (HOST, self.port, self.transport))
        hdrs.append("Server: sipadvisor-ua2")
        hdrs.append("Content-Length: 0")
        msg = SipMsg(("\r\n".join(hdrs) + "\r\n\r\n").encode())
        reply(msg.raw)
        return msg

    def handle(self, req, reply):
        rid = self.log.add("ua2", "recv", req)
        if not req.is_request:
            self.errors.append("UA2 got a response: " + req.first_line)
            return
        if req.method == "INVITE" and req.first_line.startswith("INVITE sip:dan@"):
            self.got_silent_invite.set()   # dan's phone never answers
        elif req.method == "INVITE":
            self.invite = (rid, req)
            time.sleep(UA2_DELAY)   # Kamailio's own messages go out first
            msg = self.respond(req, 180, "Ringing", "ua2-bob-1", reply)
            self.log.add("ua2", "sent", msg, answers=rid, scenario="invite-cancel")
            self.got_invite.set()
        elif req.method == "CANCEL":
            if self.invite is None:
                self.errors.append("CANCEL without INVITE")
                return
            time.sleep(UA2_DELAY)   # tm's 200 for the CANCEL goes out first
            msg = self.respond(req, 200, "OK", "ua2-bob-1", reply)
            self.log.add("ua2", "sent", msg, answers=rid, scenario="invite-cancel")
            inv_id, inv = self.invite
            msg = self.respond(inv, 487, "Request Terminated", "ua2-bob-1", reply)
            self.log.add("ua2", "sent", msg, answers=inv_id, scenario="invite-cancel")
        elif req.method == "ACK":
            self.got_ack.set()
        else:
            self.errors.append("UA2 got unexpected " + req.first_line)

    def run(self):
        try:
            if self.transport == "udp":
                self.run_udp()
            else:
                self.run_tcp()
        except Exception as e:      # reported by the main thread
            self.errors.append("UA2 crashed: %r" % e)

    def run_udp(self):
        while not self.stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[0] != HOST:
                continue
            self.handle(SipMsg(data), lambda raw, a=addr: self.sock.sendto(raw, a))

    def run_tcp(self):
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ, None)
        while not self.stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                if key.data is None:
                    c, _ = self.sock.accept()
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(c, selectors.EVENT_READ, StreamParser())
                    continue
                c, parser = key.fileobj, key.data
                data = c.recv(65535)
                if not data:
                    sel.unregister(c)
                    c.close()
                    continue
                for msg in parser.feed(data):
                    self.handle(msg, lambda raw, c=c: c.sendall(raw))
        for key in list(sel.get_map().values()):
            if key.data is not None:
                key.fileobj.close()
        sel.close()

    def close(self):
        self.stop.set()
        self.join(3)
        self.sock.close()


# --------------------------------------------------------------------------
# the client

class Client:
    def __init__(self, transport, server_port, ua2_port, log):
        self.tp = transport
        self.server_port = server_port
        self.ua2_port = ua2_port
        self.log = log
        self.conn = UdpConn(server_port) if transport == "udp" else TcpConn(server_port)
        self.n_branch = 0
        self.tags = {}          # RFC 3903 entity-tag bookkeeping, see publish()
        self.nc = 0
        self.side_tx = {}

    # -- building and sending ------------------------------------------------
    def branch(self):
        self.n_branch += 1
        return "z9hG4bK-sa-%s-%03d" % (self.tp, self.n_branch)

    def uri(self, user):
        return "sip:%s@%s:%d" % (user, HOST, self.server_port)

    def build(self, method, ruri, d, headers=(), body="", ctype=None, branch=None,
              cseq_method=None):
        """d: dialog-ish dict with call_id, from_user, from_tag, to_uri, cseq."""
        branch = branch or self.branch()
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/%s %s:%d;rport;branch=%s" % (self.conn.transport, HOST,
                                                            self.conn.port, branch),
                 "Max-Forwards: 70",
                 "From: <sip:%s@%s>;tag=%s" % (d["from_user"], DOMAIN, d["from_tag"]),
                 "To: <%s>%s" % (d["to_uri"], (";tag=" + d["to_tag"]) if d.get("to_tag") else ""),
                 "Call-ID: " + d["call_id"],
                 "CSeq: %d %s" % (d["cseq"], cseq_method or method)]
        lines += list(headers)
        lines.append("User-Agent: sipadvisor-capture-client")
        if body:
            lines.append("Content-Type: " + ctype)
        lines.append("Content-Length: %d" % len(body.encode()))
        return SipMsg(("\r\n".join(lines) + "\r\n\r\n" + body).encode())

    def dialog(self, call_id, from_user, to_user, to_uri=None):
        return {"call_id": "%s-%s@sipadvisor.test" % (call_id, self.tp), "from_user": from_user,
                "from_tag": "%s-%s" % (call_id, self.tp), "to_uri": to_uri or self.uri(to_user),
                "cseq": 1}

    def send(self, msg, scenario, **ann):
        self.conn.send(msg.raw)
        return self.log.add("client", "sent", msg, scenario=scenario, **ann)

    def send_many(self, msgs, scenario):
        """Several requests written with ONE sendall() (one TCP segment)."""
        self.conn.send(b"".join(m.raw for m in msgs))
        return [self.log.add("client", "sent", m, scenario=scenario, coalesced=True)
                for m in msgs]

    def recv(self, what):
        msg = self.conn.recv()
        if msg is None:
            raise ScenarioError("timeout after %.0f s waiting for %s" % (READ_TIMEOUT, what))
        return msg

    def await_final(self, req, req_id, expect, scenario, on_provisional=None):
        """Read responses to req until a final one; check its code.

        self.side_tx holds other client transactions that may be answered in
        the meantime (the CANCEL of an INVITE): {(branch, method): (id, codes)}."""
        num, method = req.cseq
        while True:
            rsp = self.recv("a response to %s" % req.first_line)
            side = self.side_tx.get((rsp.top_branch, rsp.cseq[1])) if not rsp.is_request else None
            if side is not None:
                side_id, side_codes = side
                self.log.add("client", "recv", rsp, answers=side_id, scenario=scenario)
                if rsp.status >= 200:
                    if rsp.status not in side_codes:
                        raise ScenarioError("%s: expected %s, got %r" % (
                            scenario, side_codes, rsp.first_line))
                    del self.side_tx[(rsp.top_branch, rsp.cseq[1])]
                continue
            if rsp.is_request or rsp.top_branch != req.top_branch or rsp.cseq != (num, method):
                raise ScenarioError("unexpected message while waiting for a response to %r:\n%s"
                                    % (req.first_line, rsp.raw.decode("latin-1")))
            rid = self.log.add("client", "recv", rsp, answers=req_id, scenario=scenario)
            if rsp.status < 200:
                if on_provisional:
                    on_provisional(rsp, rid)
                continue
            if rsp.status not in expect:
                raise ScenarioError("%s: expected %s to %r, got %r\n%s" % (
                    scenario, "/".join(map(str, expect)), req.first_line, rsp.first_line,
                    rsp.raw.decode("latin-1")))
            if self.side_tx:
                # e.g. the 200 for a CANCEL: must still come
                for (branch, m), (side_id, side_codes) in list(self.side_tx.items()):
                    srsp = self.recv("a response to the %s" % m)
                    if srsp.is_request or (srsp.top_branch, srsp.cseq[1]) != (branch, m) \
                            or srsp.status not in side_codes:
                        raise ScenarioError("expected %s for %s, got:\n%s" % (
                            side_codes, m, srsp.raw.decode("latin-1")))
                    self.log.add("client", "recv", srsp, answers=side_id, scenario=scenario)
                    del self.side_tx[(branch, m)]
            # ACK after everything else of this exchange has arrived, so the
            # order of frames does not depend on thread scheduling
            if method == "INVITE" and rsp.status >= 300:
                self.ack_non2xx(req, rsp, scenario)
            return rsp, rid

    def ack_non2xx(self, inv, rsp, scenario):
        """RFC 3261 17.1.1.3: ACK for a non-2xx final response, same branch."""
        to_hdr = rsp.get("to")
        lines = ["ACK %s SIP/2.0" % inv.first_line.split()[1],
                 "Via: " + inv.get("via"),
                 "Max-Forwards: 70",
                 "From: " + inv.get("from"),
                 "To: " + to_hdr,
                 "Call-ID: " + inv.call_id,
                 "CSeq: %d ACK" % inv.cseq[0],
                 "Content-Length: 0"]
        ack = SipMsg(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.send(ack, scenario)

    def transaction(self, method, ruri, d, expect, scenario, **kw):
        on_prov = kw.pop("on_provisional", None)
        req = self.build(method, ruri, d, **kw)
        req_id = self.send(req, scenario)
        rsp, rid = self.await_final(req, req_id, expect, scenario, on_prov)
        d["cseq"] += 1
        return req, req_id, rsp, rid

    # -- scenarios -------------------------------------------------------------
    def authorization(self, rsp, hdr_in, hdr_out, method, uri, user):
        self.nc += 1
        return "%s: %s" % (hdr_out, digest_credentials(rsp.get(hdr_in), method, uri, user,
                                                        1, "sa%s%04d" % (self.tp, self.nc)))

    def register(self, user, contact, call):
        """REGISTER without credentials -> 401 (auth); retry -> 200 (registrar)."""
        sc = "register-401-" + user
        d = self.dialog(call, user, user)
        d["to_uri"] = "sip:%s@%s" % (user, DOMAIN)
        ruri = "sip:%s" % DOMAIN
        hdr = ["Contact: <%s>" % contact, "Expires: 3600"]
        _, _, rsp, _ = self.transaction("REGISTER", ruri, d, [401], sc, headers=hdr)
        auth = self.authorization(rsp, "www-authenticate", "Authorization", "REGISTER", ruri, user)
        self.transaction("REGISTER", ruri, d, [200], sc, headers=hdr + [auth])
        return d, rsp

    def scenario_register(self):
        d, challenge = self.register("alice", "sip:alice@%s:%d;transport=%s"
                                     % (HOST, self.conn.port, self.tp), "reg-alice")
        # 423: registrar's min_expires is 60
        ruri = "sip:%s" % DOMAIN
        sc = "register-423"
        contact = "Contact: <sip:alice@%s:%d;transport=%s>" % (HOST, self.conn.port, self.tp)
        auth = self.authorization(challenge, "www-authenticate", "Authorization", "REGISTER",
                                  ruri, "alice")
        _, _, rsp, _ = self.transaction("REGISTER", ruri, d, [423], sc,
                                        headers=[contact, "Expires: 10", auth])
        min_exp = rsp.get("min-expires")
        if min_exp is None:
            raise ScenarioError("423 without Min-Expires")
        auth = self.authorization(challenge, "www-authenticate", "Authorization", "REGISTER",
                                  ruri, "alice")
        self.transaction("REGISTER", ruri, d, [200], sc,
                         headers=[contact, "Expires: %s" % min_exp, auth])
        # bob's phone (UA2) is registered by the client on bob's behalf
        self.register("bob", "sip:bob@%s:%d;transport=%s" % (HOST, self.ua2_port, self.tp),
                      "reg-bob")

    def tag_state(self, tag, resource):
        """What the client believes about an entity-tag it sends in SIP-If-Match.

        returns (state, event id of the response that issued / superseded /
        removed it).  Entity-tags are per resource (RFC 3903 §4.1): a tag
        issued for another resource is 'unknown' for this one, and the event
        id then names the response that issued it for the other resource."""
        t = self.tags.get(tag)
        if t is None:
            return "unknown", None
        if t["resource"] != resource:
            return "unknown", t["issued"]
        if t["state"] in ("superseded", "removed"):
            return t["state"], t["ref"]
        if time.monotonic() > t["expires_at"]:
            return "expired", t["issued"]
        return "live", t["issued"]

    def publish(self, d, resource, scenario, if_match=None, expires=60, body=None,
                event="presence", expect=None, extra_ann=None):
        headers = ["Event: %s" % event, "Expires: %d" % expires]
        if if_match:
            headers.append("SIP-If-Match: " + if_match)
        ann = {}
        if expect is None:
            if if_match is None:
                expect = 200
            else:
                state, ref = self.tag_state(if_match, resource)
                if state == "live" and self.tags[if_match]["resource"] == resource:
                    expect = 200
                else:
                    expect = 412
                    ann = {"etag_state": state, "etag_ref": ref}
        kw = {"headers": headers}
        if body is not None:
            kw.update(body=body, ctype="application/pidf+xml")
        req, req_id, rsp, rid = self.transaction("PUBLISH", self.uri(resource), d, [expect],
                                                 scenario, **kw)
        if ann:
            self.log.annotate(rid, **ann)
        if rsp.status == 200:
            new = rsp.get("sip-etag")
            if not new:
                raise ScenarioError("200 to PUBLISH without SIP-ETag")
            got_exp = int(rsp.get("expires", expires))
            if if_match and expires == 0:
                self.tags[if_match].update(state="removed", ref=rid)
            else:
                if if_match and new != if_match:
                    self.tags[if_match].update(state="superseded", ref=rid)
                self.tags[new] = {"resource": resource, "issued": rid, "state": "live",
                                  "ref": None, "expires_at": time.monotonic() + got_exp}
            self.log.annotate(rid, etag_issued=new)
            return new
        return None

    def pidf(self, user, basic, note):
        return PIDF.format(user=user, basic=basic, note=note)

    def scenario_publish(self, coalesce_with=None):
        sc = "publish-lifecycle"
        d = self.dialog("publish-alice", "alice", "alice")
        e1 = self.publish(d, "alice", sc + ":initial", body=self.pidf("alice", "open", "initial"))
        e2 = self.publish(d, "alice", sc + ":refresh", if_match=e1)
        e3 = self.publish(d, "alice", sc + ":modify", if_match=e2,
                          body=self.pidf("alice", "closed", "modified"))
        self.publish(d, "alice", sc + ":stale-superseded", if_match=e1)
        self.publish(d, "alice", sc + ":remove", if_match=e3, expires=0)
        self.publish(d, "alice", sc + ":reuse-removed", if_match=e3)
        e4 = self.publish(d, "alice", sc + ":recovery-initial",
                          body=self.pidf("alice", "open", "back"))
        # a live tag of alice's publication used for another resource
        db = self.dialog("publish-bob", "alice", "bob")
        self.publish(db, "bob", sc + ":live-tag-wrong-resource", if_match=e4)
        # a tag this server never issued
        du = self.dialog("publish-unknown", "alice", "alice")
        if coalesce_with is None:
            self.publish(du, "alice", sc + ":unknown-tag", if_match=UNKNOWN_ETAG)
        else:
            coalesce_with(du)
        # an expired tag: short Expires, wait past it
        de = self.dialog("publish-expiring", "alice", "alice")
        e5 = self.publish(de, "alice", sc + ":short-lived", expires=EXPIRED_PUBLISH_EXPIRES,
                          body=self.pidf("alice", "open", "short-lived"))
        time.sleep(EXPIRED_WAIT)
        self.publish(de, "alice", sc + ":expired-tag", if_match=e5)
        # tidy up the remaining publication
        self.publish(d, "alice", sc + ":final-remove", if_match=e4, expires=0)

    def scenario_bad_event(self):
        sc = "bad-event-489"
        d = self.dialog("subscribe-bad-event", "alice", "alice")
        self.transaction("SUBSCRIBE", self.uri("alice"), d, [489], sc,
                         headers=["Event: sipadvisor-unknown-package", "Expires: 60",
                                  "Contact: <sip:alice@%s:%d;transport=%s>"
                                  % (HOST, self.conn.port, self.tp),
                                  "Accept: application/pidf+xml"])
        d = self.dialog("publish-bad-event", "alice", "alice")
        self.publish(d, "alice", sc, event="sipadvisor-unknown-package", expect=489,
                     body=self.pidf("alice", "open", "bad event"))

    def two_in_one_segment(self, du):
        """TCP only: PUBLISH (unknown tag -> 412) and SUBSCRIBE (bad Event -> 489)
        written with one sendall(), so both requests share one TCP segment."""
        sc = "tcp-two-requests-one-segment"
        pub = self.build("PUBLISH", self.uri("alice"), du,
                         headers=["Event: presence", "Expires: 60",
                                  "SIP-If-Match: " + UNKNOWN_ETAG])
        ds = self.dialog("subscribe-same-segment", "alice", "alice")
        sub = self.build("SUBSCRIBE", self.uri("alice"), ds,
                         headers=["Event: sipadvisor-unknown-package", "Expires: 60",
                                  "Contact: <sip:alice@%s:%d;transport=%s>"
                                  % (HOST, self.conn.port, self.tp)])
        state, ref = self.tag_state(UNKNOWN_ETAG, "alice")
        ids = self.send_many([pub, sub], sc)
        want = {pub.top_branch: (pub, ids[0], 412), sub.top_branch: (sub, ids[1], 489)}
        while want:
            rsp = self.recv("responses to the coalesced PUBLISH + SUBSCRIBE")
            if rsp.is_request or rsp.top_branch not in want:
                raise ScenarioError("unexpected message:\n" + rsp.raw.decode("latin-1"))
            req, req_id, code = want[rsp.top_branch]
            rid = self.log.add("client", "recv", rsp, answers=req_id, scenario=sc)
            if rsp.status < 200:
                continue
            if rsp.status != code:
                raise ScenarioError("%s: expected %d, got %s" % (sc, code, rsp.first_line))
            if code == 412:
                self.log.annotate(rid, etag_state=state, etag_ref=ref)
            del want[rsp.top_branch]
        du["cseq"] += 1

    def follow_redirect(self, rsp, rid, method, d, expect, scenario, **kw):
        contacts = contact_uris(rsp)
        if not contacts:
            raise ScenarioError("%d without Contact" % rsp.status)
        self.log.annotate(rid, contacts=contacts)
        target = contacts[0]
        req = self.build(method, target, d, **kw)
        req_id = self.send(req, scenario + ":follow")
        self.log.annotate(rid, followup=req_id)
        self.await_final(req, req_id, expect, scenario + ":follow")
        d["cseq"] += 1

    def scenario_redirects(self):
        sc = "redirect-301"
        d = self.dialog("invite-carol-old", "alice", "carol-old")
        _, _, rsp, rid = self.transaction("INVITE", self.uri("carol-old"), d, [301], sc,
                                          headers=self.invite_headers(), body=SDP,
                                          ctype="application/sdp")
        self.follow_redirect(rsp, rid, "INVITE", d, [486], sc, headers=self.invite_headers(),
                             body=SDP, ctype="application/sdp")
        sc = "redirect-302"
        d = self.dialog("message-dave", "alice", "dave")
        _, _, rsp, rid = self.transaction("MESSAGE", self.uri("dave"), d, [302], sc,
                                          body="hello dave", ctype="text/plain")
        self.follow_redirect(rsp, rid, "MESSAGE", d, [404], sc, body="hello dave",
                             ctype="text/plain")

    def invite_headers(self):
        return ["Contact: <sip:alice@%s:%d;transport=%s>" % (HOST, self.conn.port, self.tp)]

    def scenario_503(self):
        d = self.dialog("invite-support", "alice", "support")
        _, _, rsp, _ = self.transaction("INVITE", self.uri("support"), d, [503], "busy-503",
                                        headers=self.invite_headers(), body=SDP,
                                        ctype="application/sdp")
        if rsp.get("retry-after") is None:
            raise ScenarioError("503 without Retry-After")

    def scenario_invite_cancel(self, ua2):
        sc = "invite-407"
        d = self.dialog("invite-bob", "alice", "bob")
        ruri = self.uri("bob")
        _, _, rsp, _ = self.transaction("INVITE", ruri, d, [407], sc,
                                        headers=self.invite_headers(), body=SDP,
                                        ctype="application/sdp")
        auth = self.authorization(rsp, "proxy-authenticate", "Proxy-Authorization", "INVITE",
                                  ruri, "alice")
        sc = "invite-cancel"
        inv = self.build("INVITE", ruri, d, headers=self.invite_headers() + [auth], body=SDP,
                         ctype="application/sdp")
        inv_id = self.send(inv, sc)
        state = {"cancelled": False}

        def on_prov(prov, rid):
            if prov.status == 180 and not state["cancelled"]:
                if not ua2.got_invite.wait(READ_TIMEOUT):
                    raise ScenarioError("UA2 did not see the INVITE")
                cancel = self.cancel_for(inv)
                cid = self.send(cancel, sc)
                self.side_tx[(inv.top_branch, "CANCEL")] = (cid, [200])
                state["cancelled"] = True

        self.await_final(inv, inv_id, [487], sc, on_provisional=on_prov)
        if not state["cancelled"]:
            raise ScenarioError("no 180 Ringing before the final response")
        if not ua2.got_ack.wait(READ_TIMEOUT):
            raise ScenarioError("UA2 never got the ACK for its 487")
        d["cseq"] += 1

    def scenario_cancel_unanswered(self, ua2):
        """INVITE to a phone that never answers; CANCEL -> tm's own 487."""
        sc = "invite-cancel-unanswered"
        d = self.dialog("invite-dan", "alice", "dan")
        ruri = self.uri("dan")
        inv = self.build("INVITE", ruri, d, headers=self.invite_headers(), body=SDP,
                         ctype="application/sdp")
        inv_id = self.send(inv, sc)
        state = {"cancelled": False}

        def on_prov(prov, rid):
            if prov.status == 100 and not state["cancelled"]:
                # cancel before tm's first retransmission (T1 = 500 ms)
                if not ua2.got_silent_invite.wait(0.4):
                    raise ScenarioError("the INVITE for dan did not reach UA2")
                cid = self.send(self.cancel_for(inv), sc)
                self.side_tx[(inv.top_branch, "CANCEL")] = (cid, [200])
                state["cancelled"] = True

        self.await_final(inv, inv_id, [487], sc, on_provisional=on_prov)
        if not state["cancelled"]:
            raise ScenarioError("no 100 Trying before the final response")
        d["cseq"] += 1

    def cancel_for(self, inv):
        lines = ["CANCEL %s SIP/2.0" % inv.first_line.split()[1], "Via: " + inv.get("via"),
                 "Max-Forwards: 70", "From: " + inv.get("from"), "To: " + inv.get("to"),
                 "Call-ID: " + inv.call_id, "CSeq: %d CANCEL" % inv.cseq[0],
                 "User-Agent: sipadvisor-capture-client", "Content-Length: 0"]
        return SipMsg(("\r\n".join(lines) + "\r\n\r\n").encode())

    def settle(self):
        """Nothing else may arrive: Kamailio must not have sent anything extra."""
        extra = self.conn.recv(timeout=0.5)
        if extra is not None:
            raise ScenarioError("unexpected extra message:\n" + extra.raw.decode("latin-1"))

    def run(self, ua2):
        self.scenario_register()
        self.settle()
        if self.tp == "tcp":
            self.scenario_publish(coalesce_with=self.two_in_one_segment)
        else:
            self.scenario_publish()
        self.scenario_bad_event()
        self.scenario_redirects()
        self.scenario_503()
        self.scenario_invite_cancel(ua2)
        self.scenario_cancel_unanswered(ua2)
        self.settle()
        if ua2.errors:
            raise ScenarioError("UA2: " + "; ".join(ua2.errors))


# --------------------------------------------------------------------------

def cmd_initdb(args):
    con = sqlite3.connect(args.db)
    for name in ("standard", "auth_db", "presence", "usrloc"):
        with open("%s/%s-create.sql" % (args.schema_dir, name)) as f:
            con.executescript(f.read())
    for user, pw in USERS.items():
        con.execute("INSERT INTO subscriber (username, domain, password) VALUES (?, ?, ?)",
                    (user, DOMAIN, pw))
    con.commit()
    con.close()


def cmd_probe(args):
    deadline = time.monotonic() + args.timeout
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            conn = UdpConn(args.port) if args.transport == "udp" else TcpConn(args.port)
        except OSError:
            time.sleep(0.2)
            continue
        try:
            lines = ["OPTIONS sip:%s:%d SIP/2.0" % (HOST, args.port),
                     "Via: SIP/2.0/%s %s:%d;rport;branch=z9hG4bK-probe-%d"
                     % (conn.transport, HOST, conn.port, n),
                     "Max-Forwards: 70", "From: <sip:probe@%s>;tag=probe" % DOMAIN,
                     "To: <sip:%s:%d>" % (HOST, args.port), "Call-ID: probe-%d@sipadvisor.test" % n,
                     "CSeq: 1 OPTIONS", "Content-Length: 0"]
            conn.send(("\r\n".join(lines) + "\r\n\r\n").encode())
            rsp = conn.recv(timeout=0.5)
            if rsp is not None and not rsp.is_request:
                print("kamailio answers %s probe: %s" % (args.transport, rsp.first_line))
                return 0
        except (OSError, ScenarioError):
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    print("kamailio did not answer OPTIONS over %s within %.0f s" % (args.transport, args.timeout),
          file=sys.stderr)
    return 1


def cmd_run(args):
    log = EventLog()
    ua2 = UA2(args.transport, args.ua2_port, log)
    ua2.start()
    client = None
    rc = 0
    try:
        client = Client(args.transport, args.port, args.ua2_port, log)
        client.run(ua2)
    except (ScenarioError, OSError) as e:
        print("client.py: SCENARIO FAILED (%s): %s" % (args.transport, e), file=sys.stderr)
        rc = 2
    finally:
        if client:
            client.conn.close()
        ua2.close()
        log.dump(args.log, {"transport": args.transport, "server_port": args.port,
                            "ua2_port": args.ua2_port, "ok": rc == 0})
    if rc == 0:
        print("client.py: %s: %d SIP messages sent/received as expected"
              % (args.transport, len(log.events)))
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("initdb")
    p.add_argument("--db", required=True)
    p.add_argument("--schema-dir", default="/usr/share/kamailio/db_sqlite")
    for name in ("probe", "run"):
        p = sub.add_parser(name)
        p.add_argument("--transport", choices=("udp", "tcp"), required=True)
        p.add_argument("--port", type=int, default=5070)
        if name == "probe":
            p.add_argument("--timeout", type=float, default=15)
        else:
            p.add_argument("--ua2-port", type=int, default=5071)
            p.add_argument("--log", required=True)
    args = ap.parse_args()
    return {"initdb": cmd_initdb, "probe": cmd_probe, "run": cmd_run}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
