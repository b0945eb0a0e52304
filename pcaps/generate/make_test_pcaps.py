#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write sipadvisor's synthetic test captures into pcaps/.

    python3 pcaps/generate/make_test_pcaps.py            # (re)write all captures
    python3 pcaps/generate/make_test_pcaps.py --check    # regenerate in a temp dir,
                                                         # compare bytes, exit 1 on diff
    python3 pcaps/generate/make_test_pcaps.py --verify   # run tshark, compare per-frame
                                                         # Status-Code/Method with the
                                                         # expectation recorded here
    python3 pcaps/generate/make_test_pcaps.py --tables   # print the README tables
    python3 pcaps/generate/make_test_pcaps.py --only NAME ...

Everything is deterministic: fixed clock starting at 2026-01-01T00:00:00Z,
documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32), fixed tags/branches/Call-IDs. No randomness anywhere.
"""

import argparse
import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True   # keep pcaps/generate free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapng_writer import Capture, TcpStream  # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
UA = "sipadvisor-testgen UA/1.0"
SERVER = "sipadvisor-testgen Server/1.0"


# --------------------------------------------------------------------------
# SIP text helpers
# --------------------------------------------------------------------------

def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def render(head, body=""):
    """head: start line + headers (LF or CRLF, no Content-Length); body: text.

    Blank header lines are dropped, Content-Length is computed and appended.
    """
    lines = [ln for ln in head.replace("\r\n", "\n").split("\n") if ln.strip()]
    b = crlf(body).encode() if isinstance(body, str) else body
    lines.append("Content-Length: %d" % len(b))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + b


def parse(msg):
    head, _, body = msg.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    return lines[0], [tuple(x.strip() for x in ln.split(":", 1)) for ln in lines[1:]], body


def hget(msg, name):
    return [v for n, v in parse(msg)[1] if n.lower() == name.lower()]


REQUEST = """\
{method} {ruri} SIP/2.0
Via: SIP/2.0/{transport} {via};branch={branch}{rport}
Max-Forwards: {max_forwards}
From: {from_}
To: {to}
Call-ID: {call_id}
CSeq: {cseq} {method}
Contact: {contact}
User-Agent: {ua}
{extra}"""


def request(method, ruri, *, via, branch, from_, to, call_id, cseq, contact=None,
            transport="UDP", extra="", body="", max_forwards=70, rport=True, ua=UA):
    """Render a request from the REQUEST template.

    branch=None omits the branch parameter (RFC 2543 style);
    contact=None uses the user part of From at the Via address.
    """
    if contact is None:
        user = from_.split("sip:", 1)[1].split("@", 1)[0]
        contact = "<sip:%s@%s%s>" % (user, via, "" if transport == "UDP"
                                     else ";transport=%s" % transport.lower())
    head = REQUEST.format(method=method, ruri=ruri, transport=transport, via=via,
                          branch=branch, rport=";rport" if rport else "",
                          max_forwards=max_forwards, from_=from_, to=to, call_id=call_id,
                          cseq=cseq, contact=contact, ua=ua, extra=extra)
    if branch is None:
        head = head.replace(";branch=None", "")
    return render(head, body)


def response(req, code, reason, *, to_tag=None, received=None, extra="", body="",
             server=SERVER):
    """Build a response from its request as RFC 3261 section 8.2.6 says:
    copy every Via (in order), From, To (adding the To tag except for 100),
    Call-ID and CSeq. If the top Via carries a valueless ;rport and
    ``received`` = (ip, port) is given, fill in received/rport (RFC 3581)."""
    _, hdrs, _ = parse(req)
    vias = [v for n, v in hdrs if n.lower() == "via"]
    if received and vias and vias[0].endswith(";rport"):
        vias[0] = vias[0][:-len(";rport")] + ";rport=%d;received=%s" % (received[1], received[0])
    to = hget(req, "To")[0]
    if to_tag and code != 100 and ";tag=" not in to:
        to += ";tag=" + to_tag
    lines = ["SIP/2.0 %d %s" % (code, reason)]
    lines += ["Via: " + v for v in vias]
    lines += ["From: " + hget(req, "From")[0], "To: " + to,
              "Call-ID: " + hget(req, "Call-ID")[0], "CSeq: " + hget(req, "CSeq")[0]]
    if server:
        lines.append("Server: " + server)
    return render("\n".join(lines) + "\n" + extra, body)


def ack_for_non2xx(invite, resp, ua=UA):
    """ACK for a non-2xx final response (RFC 3261 17.1.1.3): same branch,
    Request-URI, From, Call-ID and CSeq number; To from the response."""
    start = parse(invite)[0]
    ruri = start.split(" ")[1]
    cseq_n = hget(invite, "CSeq")[0].split()[0]
    lines = ["ACK %s SIP/2.0" % ruri, "Via: " + hget(invite, "Via")[0],
             "Max-Forwards: 70", "From: " + hget(invite, "From")[0],
             "To: " + hget(resp, "To")[0], "Call-ID: " + hget(invite, "Call-ID")[0],
             "CSeq: %s ACK" % cseq_n, "User-Agent: " + ua]
    return render("\n".join(lines))


def to_tag_of(resp):
    return hget(resp, "To")[0].split(";tag=", 1)[1]


def sdp(ip, port=49170, sess=2890844526, ip6=False):
    fam = "IP6" if ip6 else "IP4"
    return ("v=0\n"
            "o=- %d %d IN %s %s\n"
            "s=-\n"
            "c=IN %s %s\n"
            "t=0 0\n"
            "m=audio %d RTP/AVP 0 8 101\n"
            "a=rtpmap:0 PCMU/8000\n"
            "a=rtpmap:8 PCMA/8000\n"
            "a=rtpmap:101 telephone-event/8000\n"
            "a=fmtp:101 0-16\n"
            "a=ptime:20\n"
            "a=sendrecv\n") % (sess, sess, fam, ip, fam, ip, port)


def pidf(entity, status="open", note="Online", tuple_id="t1"):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="%s">\n'
            '  <tuple id="%s">\n'
            '    <status><basic>%s</basic></status>\n'
            '    <note>%s</note>\n'
            '  </tuple>\n'
            '</presence>\n') % (entity, tuple_id, status, note)


def summary(msg):
    start = parse(msg)[0]
    if start.startswith("SIP/2.0 "):
        return "%s (%s)" % (start[8:], hget(msg, "CSeq")[0].split()[1])
    return start.split(" ")[0] + " " + start.split(" ")[1]


def expect_of(msg):
    """What tshark should show for one message: ('code', 200) or ('method', 'INVITE')."""
    start = parse(msg)[0]
    if start.startswith("SIP/2.0 "):
        return ("code", start.split(" ")[1])
    return ("method", start.split(" ")[0])


# --------------------------------------------------------------------------
# Scenario: a Capture plus a frame-by-frame record for README/verification
# --------------------------------------------------------------------------

class Scenario:
    def __init__(self, name, **kw):
        self.name = name
        self.cap = Capture(**kw)
        self.rows = []      # (frame, message text, advisor note)
        self.expect = {}    # frame -> list of ('code'|'method', value)

    def _record(self, frame, msgs, note):
        self.rows.append((frame, " + ".join(summary(m) for m in msgs) if msgs else "", note))
        if msgs:
            self.expect.setdefault(frame, []).extend(expect_of(m) for m in msgs)

    def udp(self, src, dst, msg, note=""):
        n = self.cap.udp(src, dst, msg)
        self._record(n, [msg], note)
        return n

    def sctp(self, src, dst, vtag, tsn, msg, note=""):
        n = self.cap.sctp_data(src, dst, vtag, tsn, tsn, msg)
        self._record(n, [msg], note)
        return n

    def tcp(self, stream, from_client, msgs, note="", cuts=None):
        """Send one or more SIP messages; with cuts, split the bytes there.
        The message is recorded on the frame where it completes."""
        data = b"".join(msgs)
        if cuts is None:
            n = stream.send(from_client, data)
            self._record(n, msgs, note)
            return [n]
        frames = stream.send_split(from_client, data, cuts)
        for i, f in enumerate(frames[:-1]):
            self.rows.append((f, "(segment %d/%d of %s)" % (i + 1, len(frames),
                                                            " + ".join(summary(m) for m in msgs)), ""))
        self._record(frames[-1], msgs, note + (" (reassembled from frames %s)" %
                                               ", ".join(map(str, frames))))
        return frames

    def other(self, frames, text):
        for f in frames if isinstance(frames, list) else [frames]:
            self.rows.append((f, text, ""))

    def table(self):
        if getattr(self, "pairs", None):
            out = ["| Request frame | Request | Response frame | Response (sip.Status-Code) "
                   "| sipadvisor should say |", "|---:|---|---:|---|---|"]
            rows = self.rows
            for (fq, mq, _), (fr, mr, nr) in zip(rows[0::2], rows[1::2]):
                out.append("| %d | %s | %d | %s | %s |" % (fq, mq, fr, mr, nr))
            return "\n".join(out)
        out = ["| Frame | Message | sipadvisor should say |", "|---:|---|---|"]
        for f, m, n in self.rows:
            out.append("| %d | %s | %s |" % (f, m.replace("|", "\\|"), n.replace("|", "\\|")))
        return "\n".join(out)


# addresses --------------------------------------------------------------
UAC = ("192.0.2.10", 5060)
UAS = ("198.51.100.20", 5060)


def uri_user(uri):
    return uri.split(":", 1)[1].split("@", 1)[0]


# --------------------------------------------------------------------------
# 1. iana-codes-udp
# --------------------------------------------------------------------------

# code, reason (IANA registry), request method, extra request headers,
# extra response headers
IANA = [
    (100, "Trying", "INVITE", "", ""),
    (180, "Ringing", "INVITE", "", "Contact: <sip:bob@198.51.100.20>"),
    (181, "Call Is Being Forwarded", "INVITE", "", ""),
    (182, "Queued", "INVITE", "", ""),
    (183, "Session Progress", "INVITE", "", "Contact: <sip:bob@198.51.100.20>"),
    (199, "Early Dialog Terminated", "INVITE", "", "Reason: SIP;cause=486;text=\"Busy Here\""),
    (200, "OK", "INVITE", "", "Contact: <sip:bob@198.51.100.20>"),
    (202, "Accepted", "SUBSCRIBE", "Event: presence\nExpires: 600\nAccept: application/pidf+xml",
     "Contact: <sip:bob@198.51.100.20>\nExpires: 600"),
    (204, "No Notification", "SUBSCRIBE",
     "Event: presence\nExpires: 600\nSuppress-If-Match: b4cf7", "Expires: 600"),
    (300, "Multiple Choices", "INVITE", "",
     "Contact: <sip:bob@a.example.net>;q=0.5, <sip:bob@b.example.net>;q=0.4"),
    (301, "Moved Permanently", "INVITE", "", "Contact: <sip:bob@new.example.net>"),
    (302, "Moved Temporarily", "INVITE", "", "Contact: <sip:bob@mobile.example.net>;expires=3600"),
    (305, "Use Proxy", "INVITE", "", "Contact: <sip:proxy2.example.net;lr>"),
    (380, "Alternative Service", "INVITE", "", "Contact: <sip:voicemail@vm.example.net>"),
    (400, "Bad Request", "INVITE", "", "Warning: 399 198.51.100.20 \"Malformed Session-Expires\""),
    (401, "Unauthorized", "REGISTER", "",
     "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"5d7a1c0e\", algorithm=MD5, qop=\"auth\""),
    (402, "Payment Required", "INVITE", "", ""),
    (403, "Forbidden", "INVITE", "", ""),
    (404, "Not Found", "INVITE", "", ""),
    (405, "Method Not Allowed", "MESSAGE", "Content-Type: text/plain",
     "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS"),
    (406, "Not Acceptable", "INVITE", "Accept: application/x-private", ""),
    (407, "Proxy Authentication Required", "INVITE", "",
     "Proxy-Authenticate: Digest realm=\"example.com\", nonce=\"a1b2c3d4\", algorithm=MD5, qop=\"auth\""),
    (408, "Request Timeout", "INVITE", "", ""),
    (410, "Gone", "INVITE", "", ""),
    (412, "Conditional Request Failed", "PUBLISH",
     "Event: presence\nSIP-If-Match: dx200xyz\nExpires: 3600", ""),
    (413, "Request Entity Too Large", "MESSAGE", "Content-Type: text/plain", "Retry-After: 60"),
    (414, "Request-URI Too Long", "INVITE", "", ""),
    (415, "Unsupported Media Type", "MESSAGE", "Content-Type: application/x-private",
     "Accept: text/plain, message/cpim"),
    (416, "Unsupported URI Scheme", "INVITE", "", ""),
    (417, "Unknown Resource-Priority", "INVITE", "Resource-Priority: foo.1",
     "Accept-Resource-Priority: ets.0, ets.1, ets.2"),
    (420, "Bad Extension", "INVITE", "Require: x-nonexistent", "Unsupported: x-nonexistent"),
    (421, "Extension Required", "INVITE", "", "Require: 100rel"),
    (422, "Session Interval Too Small", "INVITE", "Supported: timer\nSession-Expires: 60",
     "Min-SE: 90"),
    (423, "Interval Too Brief", "REGISTER", "Expires: 30", "Min-Expires: 3600"),
    (424, "Bad Location Information", "INVITE",
     "Geolocation: <cid:target123@example.com>\nGeolocation-Routing: yes", ""),
    (425, "Bad Alert Message", "INVITE", "Alert-Info: <urn:alert:service:x-unknown>", ""),
    (428, "Use Identity Header", "INVITE", "", ""),
    (429, "Provide Referrer Identity", "REFER", "Refer-To: <sip:carol@example.com>", ""),
    (430, "Flow Failed", "INVITE", "", ""),
    (433, "Anonymity Disallowed", "INVITE", "Privacy: id", ""),
    (436, "Bad Identity Info", "INVITE", "", ""),
    (437, "Unsupported Credential", "INVITE", "", ""),
    (438, "Invalid Identity Header", "INVITE", "", ""),
    (439, "First Hop Lacks Outbound Support", "REGISTER", "Supported: outbound, path", ""),
    (440, "Max-Breadth Exceeded", "INVITE", "Max-Breadth: 1", ""),
    (469, "Bad Info Package", "INFO", "Info-Package: x-unknown", "Recv-Info: dtmf"),
    (470, "Consent Needed", "INVITE", "", ""),
    (480, "Temporarily Unavailable", "INVITE", "", "Retry-After: 300"),
    (481, "Call/Transaction Does Not Exist", "BYE", "", ""),
    (482, "Loop Detected", "INVITE", "", ""),
    (483, "Too Many Hops", "INVITE", "", ""),
    (484, "Address Incomplete", "INVITE", "", ""),
    (485, "Ambiguous", "INVITE", "",
     "Contact: <sip:bob.smith@example.com>, <sip:bob.jones@example.com>"),
    (486, "Busy Here", "INVITE", "", ""),
    (487, "Request Terminated", "INVITE", "", ""),
    (488, "Not Acceptable Here", "INVITE", "",
     "Warning: 305 198.51.100.20 \"Incompatible media format\""),
    (489, "Bad Event", "SUBSCRIBE", "Event: x-unknown-package\nExpires: 600",
     "Allow-Events: presence, dialog"),
    (491, "Request Pending", "INVITE", "", ""),
    (493, "Undecipherable", "INVITE", "", ""),
    (494, "Security Agreement Required", "REGISTER", "Require: sec-agree\nProxy-Require: sec-agree",
     "Require: sec-agree\nSecurity-Server: ipsec-ike;q=0.1, tls;q=0.2"),
    (500, "Server Internal Error", "INVITE", "", "Retry-After: 5"),
    (501, "Not Implemented", "INVITE", "", ""),
    (502, "Bad Gateway", "INVITE", "", ""),
    (503, "Service Unavailable", "INVITE", "", "Retry-After: 120"),
    (504, "Server Time-out", "INVITE", "", ""),
    (505, "Version Not Supported", "INVITE", "", ""),
    (513, "Message Too Large", "MESSAGE", "Content-Type: text/plain", ""),
    (555, "Push Notification Service Not Supported", "REGISTER",
     "Contact: <sip:alice@192.0.2.10;pn-provider=x-unknown;pn-prid=abc123>", ""),
    (580, "Precondition Failure", "INVITE", "Require: precondition", ""),
    (600, "Busy Everywhere", "INVITE", "", ""),
    (603, "Decline", "INVITE", "", ""),
    (604, "Does Not Exist Anywhere", "INVITE", "", ""),
    (606, "Not Acceptable", "INVITE", "", "Warning: 304 198.51.100.20 \"Media type not available\""),
    (607, "Unwanted", "INVITE", "", ""),
    (608, "Rejected", "INVITE", "",
     "Call-Info: <https://jur.example.net/complaint>;purpose=jwscard"),
]


def code_pair(sc, i, code, reason, method, req_extra, resp_extra, note):
    """One request + its response, its own Call-ID."""
    if method == "REGISTER":
        ruri, to = "sip:example.com", "<sip:alice@example.com>"
    elif method == "PUBLISH":
        ruri, to = "sip:alice@example.com", "<sip:alice@example.com>"
    else:
        ruri, to = "sip:bob@example.com", "<sip:bob@example.com>"
    # A Contact given in req_extra replaces the template's Contact.
    contact = None
    lines = []
    for ln in req_extra.split("\n"):
        if ln.startswith("Contact: "):
            contact = ln[len("Contact: "):]
        elif ln:
            lines.append(ln)
    body = ""
    if method == "MESSAGE":
        body = "Hello Bob, code %d test.\n" % code
    elif method == "PUBLISH":
        lines.append("Content-Type: application/pidf+xml")
        body = pidf("sip:alice@example.com")
    if code == 416:
        ruri, to = "tel:+1-202-555-0100", "<tel:+1-202-555-0100>"
    if method == "BYE":
        to += ";tag=gone%03d" % code
    req = request(method, ruri, via="192.0.2.10:5060", branch="z9hG4bK-iana-%03d" % code,
                  from_="\"Alice\" <sip:alice@example.com>;tag=a%03d" % code, to=to,
                  call_id="iana-%03d@192.0.2.10" % code, cseq=1, contact=contact,
                  extra="\n".join(lines), body=body)
    sc.udp(UAC, UAS, req)
    sc.cap.wait(0.02)
    resp = response(req, code, reason, to_tag="b%03d" % code, received=UAC, extra=resp_extra)
    sc.udp(UAS, UAC, resp, note)
    sc.cap.wait(0.97)


def build_iana():
    sc = Scenario("iana-codes-udp.pcapng")
    sc.pairs = True
    for i, (code, reason, method, rq, rs) in enumerate(IANA):
        code_pair(sc, i, code, reason, method, rq, rs,
                  "explain %d %s (IANA-registered); matches request frame %d" %
                  (code, reason, sc.cap.w.count + 1))
    return sc


# --------------------------------------------------------------------------
# 2. unknown-codes-udp
# --------------------------------------------------------------------------

UNKNOWN = [
    (155, "Thinking Very Hard", "INVITE", "1xx", 100),
    (299, "Fine I Guess", "INVITE", "2xx", 200),
    (418, "I'm A Teapot", "INVITE", "4xx", 400),
    (499, "Client Said No", "OPTIONS", "4xx", 400),
    (599, "Server Gave Up", "INVITE", "5xx", 500),
    (699, "Global Refusal Unspecified", "INVITE", "6xx", 600),
]


def build_unknown():
    sc = Scenario("unknown-codes-udp.pcapng")
    sc.pairs = True
    for code, reason, method, cls, x00 in UNKNOWN:
        code_pair(sc, 0, code, reason, method, "", "",
                  "unregistered code %d: fall back to the %s class advice (%d)" % (code, cls, x00))
    return sc


# --------------------------------------------------------------------------
# 3. tcp-two-responses
# --------------------------------------------------------------------------

TCP_C = ("192.0.2.10", 50600)
TCP_S = ("198.51.100.20", 5060)


def tcp_req(method, ruri, branch, call_id, cseq, ftag, extra="", body="", to=None,
            client=TCP_C):
    via = "%s:%d" % client
    return request(method, ruri, via=via, branch=branch, transport="TCP",
                   from_="\"Alice\" <sip:alice@example.com>;tag=%s" % ftag,
                   to=to or "<%s>" % ruri.replace("sip:example.com", "sip:alice@example.com"),
                   call_id=call_id, cseq=cseq, extra=extra, body=body)


def build_tcp_two():
    sc = Scenario("tcp-two-responses.pcapng")
    st = TcpStream(sc.cap, TCP_C, TCP_S, client_isn=100000, server_isn=900000)
    sc.other(st.handshake(), "TCP handshake (SYN, SYN/ACK, ACK)")
    inv = tcp_req("INVITE", "sip:bob@example.com", "z9hG4bK-tcp-inv1", "tcp2-inv@192.0.2.10",
                  1, "tc1", extra="Content-Type: application/sdp", body=sdp("192.0.2.10"))
    f_inv = sc.tcp(st, True, [inv])[0]
    sc.cap.wait(0.05)
    t100 = response(inv, 100, "Trying", received=TCP_C)
    r180 = response(inv, 180, "Ringing", to_tag="bt1",
                    extra="Contact: <sip:bob@198.51.100.20;transport=tcp>")
    sc.tcp(st, False, [t100, r180],
           "two responses in ONE segment: 100 Trying and 180 Ringing, both matched to INVITE "
           "frame %d" % f_inv)
    sc.cap.wait(3.0)
    r486 = response(inv, 486, "Busy Here", to_tag="bt1")
    sc.tcp(st, False, [r486], "486 Busy Here: final for INVITE frame %d" % f_inv)
    sc.cap.wait(0.01)
    sc.tcp(st, True, [ack_for_non2xx(inv, r486)], "ACK for the 486 (same branch)")
    sc.cap.wait(1.0)
    opt = tcp_req("OPTIONS", "sip:bob@example.com", "z9hG4bK-tcp-opt1", "tcp2-opt@192.0.2.10",
                  1, "tc2", extra="Accept: application/sdp")
    f = sc.tcp(st, True, [opt], "OPTIONS split across two segments", cuts=[len(opt) // 2])
    sc.cap.wait(0.02)
    sc.tcp(st, False, [response(opt, 200, "OK", to_tag="bt2", extra=(
        "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\nAccept: application/sdp"))],
        "200 OK for OPTIONS frame %d" % f[-1])
    sc.cap.wait(1.0)
    reg = tcp_req("REGISTER", "sip:example.com", "z9hG4bK-tcp-reg1", "tcp2-reg@192.0.2.10",
                  1, "tc3", extra="Expires: 3600")
    opt2 = tcp_req("OPTIONS", "sip:bob@example.com", "z9hG4bK-tcp-opt2", "tcp2-opt2@192.0.2.10",
                   1, "tc4")
    f2 = sc.tcp(st, True, [reg, opt2], "two requests in ONE segment: REGISTER + OPTIONS")[0]
    sc.cap.wait(0.02)
    r401 = response(reg, 401, "Unauthorized", to_tag="bt3", extra=(
        "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"7f3e9a1b\", algorithm=MD5, qop=\"auth\""))
    r200 = response(opt2, 200, "OK", to_tag="bt4",
                    extra="Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER")
    sc.tcp(st, False, [r401, r200],
           "two responses in ONE segment: 401 (REGISTER) and 200 (OPTIONS), each matched to "
           "its own request in frame %d by branch/CSeq" % f2)
    return sc


# --------------------------------------------------------------------------
# 4. publish-etag-states (RFC 3903)
# --------------------------------------------------------------------------

PRES = ("198.51.100.30", 5060)


class Publisher:
    def __init__(self, sc, addr, aor, ftag, call_id, device):
        self.sc, self.addr, self.aor, self.ftag = sc, addr, aor, ftag
        self.call_id, self.device, self.cseq = call_id, device, 0

    def publish(self, if_match=None, expires=None, body=None, note=""):
        self.cseq += 1
        extra = ["Event: presence"]
        if if_match:
            extra.append("SIP-If-Match: " + if_match)
        if expires is not None:
            extra.append("Expires: %d" % expires)
        if body:
            extra.append("Content-Type: application/pidf+xml")
        user = uri_user(self.aor)
        req = request("PUBLISH", self.aor, via="%s:%d" % self.addr,
                      branch="z9hG4bK-pub-%s-%d" % (self.ftag, self.cseq),
                      from_="<%s>;tag=%s" % (self.aor, self.ftag), to="<%s>" % self.aor,
                      call_id=self.call_id, cseq=self.cseq,
                      contact="<sip:%s@%s:%d>" % (user, self.addr[0], self.addr[1]),
                      extra="\n".join(extra), body=body or "",
                      ua="%s (%s)" % (UA, self.device))
        n = self.sc.udp(self.addr, PRES, req, note)
        self.sc.cap.wait(0.015)
        return req, n

    def answer(self, req, code, reason, etag=None, expires=None, note=""):
        extra = []
        if etag:
            extra.append("SIP-ETag: " + etag)
        if expires is not None:
            extra.append("Expires: %d" % expires)
        r = response(req, code, reason, to_tag="ps-%s-%d" % (self.ftag, self.cseq),
                     received=self.addr, extra="\n".join(extra))
        n = self.sc.udp(PRES, self.addr, r, note)
        self.sc.cap.wait(1.0)
        return n


def build_publish():
    sc = Scenario("publish-etag-states.pcapng")
    alice = "sip:alice@example.com"
    d1 = Publisher(sc, ("192.0.2.10", 5060), alice, "pa1", "pub-alice-laptop@192.0.2.10", "laptop")
    d2 = Publisher(sc, ("192.0.2.11", 5060), alice, "pa2", "pub-alice-phone@192.0.2.11", "phone")
    bob = Publisher(sc, ("192.0.2.12", 5060), "sip:bob@example.com", "pb1",
                    "pub-bob@192.0.2.12", "desk")

    r, n = d1.publish(expires=60, body=pidf(alice, note="Laptop online"),
                      note="initial PUBLISH (no SIP-If-Match)")
    d1.answer(r, 200, "OK", "e1", 60, "e1 issued, valid 60 s (alice, chain 1)")
    r, n = d1.publish("e1", 60, note="refresh of e1")
    d1.answer(r, 200, "OK", "e2", 60, "e1 replaced by e2")
    r, n = d2.publish(expires=60, body=pidf(alice, note="Phone online", tuple_id="t2"),
                      note="initial PUBLISH from alice's second device")
    d2.answer(r, 200, "OK", "d1", 60,
              "d1 issued: alice now holds TWO live publications (e2 and d1)")
    r, n = d1.publish("e2", 60, body=pidf(alice, status="open", note="In a meeting"),
                      note="modify (new PIDF body) of e2")
    d1.answer(r, 200, "OK", "e3", 60, "e2 replaced by e3")
    r, n = d2.publish("d1", 60, note="refresh of d1 (second device)")
    d2.answer(r, 200, "OK", "d2", 60, "d1 replaced by d2; alice still has e3 and d2 live")
    r, n = d1.publish("e1", 60, note="conditional on stale e1")
    d1.answer(r, 412, "Conditional Request Failed",
              note="412 diagnosis: e1 SUPERSEDED (replaced by e2 in frame 4, chain now at e3)")
    r, n = d1.publish("e3", 0, note="removal of e3 (Expires: 0)")
    d1.answer(r, 200, "OK", None, 0, "e3 removed (200 with Expires: 0)")
    r, n = d1.publish("e3", 60, note="conditional on removed e3")
    d1.answer(r, 412, "Conditional Request Failed",
              note="412 diagnosis: e3 REMOVED (Expires: 0 accepted in frame 14)")
    r, n = d1.publish(expires=30, body=pidf(alice, note="Back online"),
                      note="new initial PUBLISH")
    f_e4 = d1.answer(r, 200, "OK", "e4", 30, "e4 issued, valid 30 s")
    sc.cap.wait(99.0)   # 100 s after e4 was issued
    r, n = d1.publish("e4", 30, note="refresh of e4, 100 s after it was issued")
    d1.answer(r, 412, "Conditional Request Failed",
              note="412 diagnosis: e4 EXPIRED (issued frame %d with Expires 30, ~100 s elapsed)"
              % f_e4)
    r, n = d1.publish("zz-never-seen", 60, note="conditional on a tag never issued in the capture")
    d1.answer(r, 412, "Conditional Request Failed",
              note="412 diagnosis: zz-never-seen UNKNOWN (never issued in this capture)")
    r, n = bob.publish(expires=3600, body=pidf("sip:bob@example.com", note="At desk"),
                       note="initial PUBLISH for a second entity (bob)")
    f_b1 = bob.answer(r, 200, "OK", "b1", 3600, "b1 issued, valid 3600 s (bob)")
    sc.cap.wait(9.0)
    r, n = bob.publish("b1", 3600, note="refresh of b1, 10 s later")
    bob.answer(r, 412, "Conditional Request Failed",
               note="412 diagnosis: b1 still LIVE (issued frame %d, 3600 s): the server lost "
               "state (restart/failover), not a client error" % f_b1)
    return sc


# --------------------------------------------------------------------------
# 5. redirect-3xx
# --------------------------------------------------------------------------

REDIR = ("198.51.100.40", 5060)
NEWSRV = ("203.0.113.41", 5060)     # new.example.net
DAVE_B = ("203.0.113.42", 5060)     # b.example.net


def udp_invite(ruri, branch, call_id, cseq, ftag, extra="", method="INVITE", to=None,
               body=None, src=UAC):
    if body is None and method == "INVITE":
        body = sdp(src[0])
    if body:
        extra = (extra + "\n" if extra else "") + "Content-Type: application/sdp"
    if method == "SUBSCRIBE":
        extra = "Event: presence\nExpires: 3600" + ("\n" + extra if extra else "")
    return request(method, ruri, via="%s:%d" % src, branch=branch,
                   from_="\"Alice\" <sip:alice@example.com>;tag=%s" % ftag,
                   to=to or "<%s>" % ruri, call_id=call_id, cseq=cseq, extra=extra,
                   body=body or "")


def build_redirect():
    sc = Scenario("redirect-3xx.pcapng")
    carol = "sip:carol@example.com"
    inv = udp_invite(carol, "z9hG4bK-rd-1", "rd-carol-1@192.0.2.10", 1, "rc1")
    f_inv = sc.udp(UAC, REDIR, inv)
    sc.cap.wait(0.02)
    r301 = response(inv, 301, "Moved Permanently", to_tag="rs1", received=UAC,
                    extra="Contact: <sip:carol@new.example.net>")
    f301 = sc.udp(REDIR, UAC, r301, "301: carol moved permanently to sip:carol@new.example.net; "
                  "update the address book")
    sc.udp(UAC, REDIR, ack_for_non2xx(inv, r301), "ACK for the 301")
    sc.cap.wait(0.05)
    inv2 = request("INVITE", "sip:carol@new.example.net", via="192.0.2.10:5060",
                   branch="z9hG4bK-rd-2", from_="\"Alice\" <sip:alice@example.com>;tag=rc1",
                   to="<sip:carol@example.com>", call_id="rd-carol-1@192.0.2.10", cseq=2,
                   extra="Content-Type: application/sdp", body=sdp("192.0.2.10"))
    sc.udp(UAC, NEWSRV, inv2, "")
    sc.rows[-1] = (sc.rows[-1][0], sc.rows[-1][1],
                   "client FOLLOWED the 301 of frame %d (Request-URI = its Contact)" % f301)
    sc.cap.wait(0.5)
    r200 = response(inv2, 200, "OK", to_tag="cn1", received=UAC,
                    extra="Contact: <sip:carol@203.0.113.41>\nContent-Type: application/sdp",
                    body=sdp("203.0.113.41", 30000))
    sc.udp(NEWSRV, UAC, r200, "200 OK from the new target")
    ack = request("ACK", "sip:carol@203.0.113.41", via="192.0.2.10:5060", branch="z9hG4bK-rd-3",
                  from_="\"Alice\" <sip:alice@example.com>;tag=rc1",
                  to="<sip:carol@example.com>;tag=cn1", call_id="rd-carol-1@192.0.2.10", cseq=2)
    sc.udp(UAC, NEWSRV, ack, "ACK for 2xx (new branch)")
    sc.cap.wait(5.0)
    bye = request("BYE", "sip:carol@203.0.113.41", via="192.0.2.10:5060", branch="z9hG4bK-rd-4",
                  from_="\"Alice\" <sip:alice@example.com>;tag=rc1",
                  to="<sip:carol@example.com>;tag=cn1", call_id="rd-carol-1@192.0.2.10", cseq=3)
    sc.udp(UAC, NEWSRV, bye)
    sc.cap.wait(0.02)
    sc.udp(NEWSRV, UAC, response(bye, 200, "OK", received=UAC), "call ended normally")
    sc.cap.wait(10.0)
    # the same client ignores the permanent redirect
    inv3 = udp_invite(carol, "z9hG4bK-rd-5", "rd-carol-2@192.0.2.10", 1, "rc2")
    sc.udp(UAC, REDIR, inv3, "client still uses sip:carol@example.com although frame %d said "
           "Moved Permanently" % f301)
    sc.cap.wait(0.02)
    r301b = response(inv3, 301, "Moved Permanently", to_tag="rs2", received=UAC,
                     extra="Contact: <sip:carol@new.example.net>")
    sc.udp(REDIR, UAC, r301b, "301 again: the client ignored the earlier 301 (frame %d); "
           "fix its address book / cache" % f301)
    sc.udp(UAC, REDIR, ack_for_non2xx(inv3, r301b), "ACK for the 301")
    sc.cap.wait(1.0)
    # 302 with two Contacts
    dave = "sip:dave@example.com"
    inv4 = udp_invite(dave, "z9hG4bK-rd-6", "rd-dave@192.0.2.10", 1, "rd1")
    sc.udp(UAC, REDIR, inv4)
    sc.cap.wait(0.02)
    r302 = response(inv4, 302, "Moved Temporarily", to_tag="rs3", received=UAC, extra=(
        "Contact: <sip:dave@a.example.net>;q=0.7, <sip:dave@b.example.net>;q=1.0;expires=300"))
    f302 = sc.udp(REDIR, UAC, r302, "302 with two targets: b.example.net (q=1.0, expires 300 s) "
                  "should be tried before a.example.net (q=0.7)")
    sc.udp(UAC, REDIR, ack_for_non2xx(inv4, r302), "ACK for the 302")
    sc.cap.wait(0.05)
    inv5 = request("INVITE", "sip:dave@b.example.net", via="192.0.2.10:5060",
                   branch="z9hG4bK-rd-7", from_="\"Alice\" <sip:alice@example.com>;tag=rd1",
                   to="<sip:dave@example.com>", call_id="rd-dave@192.0.2.10", cseq=2,
                   extra="Content-Type: application/sdp", body=sdp("192.0.2.10"))
    sc.udp(UAC, DAVE_B, inv5, "client followed the highest-q Contact of frame %d" % f302)
    sc.cap.wait(0.3)
    r486 = response(inv5, 486, "Busy Here", to_tag="db1", received=UAC)
    sc.udp(DAVE_B, UAC, r486, "486 from the redirect target (a.example.net, q=0.7, not yet tried)")
    sc.udp(UAC, DAVE_B, ack_for_non2xx(inv5, r486), "ACK for the 486")
    sc.cap.wait(1.0)
    # 302 without Contact
    inv6 = udp_invite("sip:erin@example.com", "z9hG4bK-rd-8", "rd-erin@192.0.2.10", 1, "re1")
    sc.udp(UAC, REDIR, inv6)
    sc.cap.wait(0.02)
    r302n = response(inv6, 302, "Moved Temporarily", to_tag="rs4", received=UAC)
    sc.udp(REDIR, UAC, r302n, "302 WITHOUT Contact: protocol violation (RFC 3261 21.3.3), "
           "the client has nowhere to go; server bug")
    sc.udp(UAC, REDIR, ack_for_non2xx(inv6, r302n), "ACK for the 302")
    sc.cap.wait(1.0)
    # 305 Use Proxy to a SUBSCRIBE
    sub = udp_invite("sip:frank@example.com", "z9hG4bK-rd-9", "rd-frank@192.0.2.10", 1, "rf1",
                     method="SUBSCRIBE")
    sc.udp(UAC, REDIR, sub)
    sc.cap.wait(0.02)
    sc.udp(REDIR, UAC, response(sub, 305, "Use Proxy", to_tag="rs5", received=UAC,
                                extra="Contact: <sip:proxy2.example.net;lr>"),
           "305: resend via proxy sip:proxy2.example.net (RFC 3261 deprecates acting on 305 "
           "for security reasons)")
    sc.cap.wait(1.0)
    # 380 Alternative Service with body
    inv7 = udp_invite("sip:grace@example.com", "z9hG4bK-rd-10", "rd-grace@192.0.2.10", 1, "rg1")
    sc.udp(UAC, REDIR, inv7)
    sc.cap.wait(0.02)
    r380 = response(inv7, 380, "Alternative Service", to_tag="rs6", received=UAC,
                    extra="Contact: <sip:voicemail@vm.example.net>\nContent-Type: text/plain",
                    body="grace is not taking calls; leave a message at "
                         "sip:voicemail@vm.example.net\n")
    sc.udp(REDIR, UAC, r380, "380: call failed, alternative service described in the body; "
           "Contact sip:voicemail@vm.example.net")
    sc.udp(UAC, REDIR, ack_for_non2xx(inv7, r380), "ACK for the 380")
    sc.cap.wait(1.0)
    # 300 Multiple Choices to OPTIONS
    opt = udp_invite("sip:heidi@example.com", "z9hG4bK-rd-11", "rd-heidi@192.0.2.10", 1, "rh1",
                     method="OPTIONS", extra="Accept: application/sdp")
    sc.udp(UAC, REDIR, opt)
    sc.cap.wait(0.02)
    sc.udp(REDIR, UAC, response(opt, 300, "Multiple Choices", to_tag="rs7", received=UAC, extra=(
        "Contact: <sip:heidi@home.example.net>;q=0.9, <sip:heidi@work.example.net>;q=0.8, "
        "<sip:heidi@mobile.example.net>;q=0.5")),
        "300 with three choices (q 0.9 / 0.8 / 0.5): pick one (or let the user pick)")
    return sc


# --------------------------------------------------------------------------
# 6. proxy-two-legs
# --------------------------------------------------------------------------

PROXY = ("198.51.100.50", 5060)
PUAS = ("203.0.113.60", 5060)


def build_proxy():
    sc = Scenario("proxy-two-legs.pcapng")
    inv = request("INVITE", "sip:bob@example.com", via="192.0.2.10:5060", branch="z9hG4bK-a1",
                  from_="\"Alice\" <sip:alice@example.com>;tag=pa1", to="<sip:bob@example.com>",
                  call_id="proxy-call-1@192.0.2.10", cseq=1,
                  extra="Content-Type: application/sdp", body=sdp("192.0.2.10"))
    f_inv = sc.udp(UAC, PROXY, inv, "")
    sc.rows[-1] = (f_inv, sc.rows[-1][1], "UAC leg: INVITE, branch z9hG4bK-a1")
    sc.cap.wait(0.005)
    p100 = response(inv, 100, "Trying", received=UAC, server="sipadvisor-testgen Proxy/1.0")
    sc.udp(PROXY, UAC, p100, "proxy's own 100 Trying to the UAC (hop-by-hop), matches frame %d"
           % f_inv)
    # forwarded INVITE: proxy's Via on top, received/rport added to the UAC's Via,
    # Max-Forwards decremented, Record-Route added
    _, hdrs, body = parse(inv)
    lines = [parse(inv)[0], "Via: SIP/2.0/UDP 198.51.100.50:5060;branch=z9hG4bK-p1"]
    for n, v in hdrs:
        if n == "Via":
            v = v.replace(";rport", ";rport=5060;received=192.0.2.10")
        if n == "Max-Forwards":
            v = "69"
        if n == "Content-Length":
            continue
        lines.append("%s: %s" % (n, v))
        if n == "Via":
            lines.append("Record-Route: <sip:198.51.100.50;lr>")
    fwd = render("\n".join(lines), body)
    f_fwd = sc.udp(PROXY, PUAS, fwd, "UAS leg: forwarded INVITE, branch z9hG4bK-p1 (same Call-ID/"
                   "CSeq as frame %d, different transaction)" % f_inv)
    sc.cap.wait(0.03)
    sc.udp(PUAS, PROXY, response(fwd, 100, "Trying", to_tag="ub1"),
           "UAS 100 for frame %d (branch p1)" % f_fwd)
    sc.cap.wait(0.2)
    contact = "Contact: <sip:bob@203.0.113.60:5060>"
    u180 = response(fwd, 180, "Ringing", to_tag="ub1", extra=contact)
    sc.udp(PUAS, PROXY, u180, "UAS 180 for frame %d" % f_fwd)

    def relay(uresp):
        st, hh, bb = parse(uresp)
        vias = [v for n, v in hh if n == "Via"]
        out = [st]
        seen_via = False
        for n, v in hh:
            if n == "Via" and not seen_via:      # strip the proxy's own Via
                seen_via = True
                continue
            if n == "Content-Length":
                continue
            out.append("%s: %s" % (n, v))
        assert vias[0].startswith("SIP/2.0/UDP 198.51.100.50")
        return render("\n".join(out), bb)

    sc.cap.wait(0.001)
    p180 = relay(u180)
    sc.udp(PROXY, UAC, p180, "180 relayed to the UAC (top Via removed), matches frame %d" % f_inv)
    # retransmission of the INVITE, 0.5 s after the original
    sc.cap.now = max(sc.cap.now, 1767225600 * 1000000 + 500000)   # t0 + 0.5 s
    sc.udp(UAC, PROXY, inv, "RETRANSMISSION of frame %d (identical bytes, +0.5 s): same "
           "transaction, not a new call" % f_inv)
    sc.cap.wait(0.001)
    sc.udp(PROXY, UAC, p180, "proxy re-sends its latest provisional (180) in answer to the "
           "retransmission")
    sc.cap.wait(1.5)
    u200 = response(fwd, 200, "OK", to_tag="ub1",
                    extra=contact + "\nRecord-Route: <sip:198.51.100.50;lr>\n"
                    "Content-Type: application/sdp", body=sdp("203.0.113.60", 30000))
    sc.udp(PUAS, PROXY, u200, "UAS 200 for frame %d" % f_fwd)
    sc.cap.wait(0.001)
    p200 = relay(u200)
    sc.udp(PROXY, UAC, p200, "200 relayed to the UAC, final for frame %d" % f_inv)
    sc.cap.wait(0.5)
    sc.udp(PUAS, PROXY, u200, "RETRANSMITTED 200 on the UAS leg (ACK not yet received)")
    sc.cap.wait(0.001)
    sc.udp(PROXY, UAC, p200, "RETRANSMITTED 200 on the UAC leg")
    sc.cap.wait(0.05)
    ack = request("ACK", "sip:bob@203.0.113.60:5060", via="192.0.2.10:5060",
                  branch="z9hG4bK-a2", from_="\"Alice\" <sip:alice@example.com>;tag=pa1",
                  to="<sip:bob@example.com>;tag=ub1", call_id="proxy-call-1@192.0.2.10", cseq=1,
                  extra="Route: <sip:198.51.100.50;lr>")
    sc.udp(UAC, PROXY, ack, "ACK for the 2xx (new transaction, branch z9hG4bK-a2)")
    _, ha, _ = parse(ack)
    lines = [parse(ack)[0], "Via: SIP/2.0/UDP 198.51.100.50:5060;branch=z9hG4bK-p2"]
    for n, v in ha:
        if n == "Via":
            v = v.replace(";rport", ";rport=5060;received=192.0.2.10")
        if n == "Max-Forwards":
            v = "69"
        if n in ("Route", "Content-Length"):
            continue
        lines.append("%s: %s" % (n, v))
    sc.udp(PROXY, PUAS, render("\n".join(lines)), "ACK forwarded to the UAS (branch z9hG4bK-p2)")
    sc.cap.wait(20.0)
    bye = request("BYE", "sip:alice@198.51.100.50:5060", via="203.0.113.60:5060",
                  branch="z9hG4bK-u77", from_="<sip:bob@example.com>;tag=ub9",
                  to="\"Alice\" <sip:alice@example.com>;tag=pa9",
                  call_id="proxy-call-old@192.0.2.10", cseq=7, contact="<sip:bob@203.0.113.60>")
    sc.udp(PROXY, PUAS, response(bye, 481, "Call/Transaction Does Not Exist", received=PUAS),
           "481 to a BYE whose request is NOT in the capture: no matching request (unmatched "
           "response)")
    return sc


# --------------------------------------------------------------------------
# 7. rfc2543-no-cookie
# --------------------------------------------------------------------------

OLD = ("192.0.2.20", 5060)
OLDSRV = ("198.51.100.60", 5060)


def build_rfc2543():
    sc = Scenario("rfc2543-no-cookie.pcapng")
    # Call 1: Via without any branch, From without tag (RFC 2543 allowed both)
    inv = request("INVITE", "sip:bob@example.com", via="192.0.2.20:5060", branch=None,
                  rport=False, from_="\"Old Phone\" <sip:oldphone@example.com>",
                  to="<sip:bob@example.com>", call_id="2543-call-1@192.0.2.20", cseq=1,
                  extra="Content-Type: application/sdp", body=sdp("192.0.2.20"),
                  ua="OldPhone/0.9 (RFC 2543)")
    f1 = sc.udp(OLD, OLDSRV, inv, "")
    sc.rows[-1] = (f1, sc.rows[-1][1], "INVITE with NO Via branch and no From tag (RFC 2543)")
    sc.cap.wait(0.02)
    sc.udp(OLDSRV, OLD, response(inv, 100, "Trying"),
           "matched to frame %d without a branch (RFC 2543 matching: Call-ID, CSeq, From, To, "
           "Via)" % f1)
    sc.cap.wait(0.5)
    r180 = response(inv, 180, "Ringing", to_tag="old1", extra="Contact: <sip:bob@198.51.100.60>")
    sc.udp(OLDSRV, OLD, r180, "matched to frame %d (RFC 2543 rules)" % f1)
    sc.cap.wait(2.0)
    r200 = response(inv, 200, "OK", to_tag="old1",
                    extra="Contact: <sip:bob@198.51.100.60>\nContent-Type: application/sdp",
                    body=sdp("198.51.100.60", 30000))
    sc.udp(OLDSRV, OLD, r200, "final for frame %d (RFC 2543 rules)" % f1)
    ack = request("ACK", "sip:bob@198.51.100.60", via="192.0.2.20:5060", branch=None, rport=False,
                  from_="\"Old Phone\" <sip:oldphone@example.com>",
                  to="<sip:bob@example.com>;tag=old1", call_id="2543-call-1@192.0.2.20", cseq=1,
                  ua="OldPhone/0.9 (RFC 2543)")
    sc.udp(OLD, OLDSRV, ack, "ACK for the 200 (no branch)")
    sc.cap.wait(5.0)
    # Call 2: branch without the magic cookie, then CANCEL
    inv2 = request("INVITE", "sip:carol@example.com", via="192.0.2.20:5060", branch="7a3f2b91.0",
                   rport=False, from_="\"Old Phone\" <sip:oldphone@example.com>;tag=op2",
                   to="<sip:carol@example.com>", call_id="2543-call-2@192.0.2.20", cseq=1,
                   extra="Content-Type: application/sdp", body=sdp("192.0.2.20", 49172),
                   ua="OldPhone/0.9 (RFC 2543)")
    f2 = sc.udp(OLD, OLDSRV, inv2, "")
    sc.rows[-1] = (f2, sc.rows[-1][1], "INVITE with branch=7a3f2b91.0 (no z9hG4bK cookie)")
    sc.cap.wait(0.02)
    sc.udp(OLDSRV, OLD, response(inv2, 100, "Trying"), "matched to frame %d" % f2)
    sc.cap.wait(1.0)
    cancel = request("CANCEL", "sip:carol@example.com", via="192.0.2.20:5060",
                     branch="7a3f2b91.0", rport=False,
                     from_="\"Old Phone\" <sip:oldphone@example.com>;tag=op2",
                     to="<sip:carol@example.com>", call_id="2543-call-2@192.0.2.20", cseq=1,
                     ua="OldPhone/0.9 (RFC 2543)")
    # a CANCEL carries no Contact (Content-Length stays 0)
    cancel = re.sub(rb"Contact: [^\r]*\r\n", b"", cancel)
    fc = sc.udp(OLD, OLDSRV, cancel, "CANCEL for frame %d (same Via, CSeq 1 CANCEL)" % f2)
    sc.cap.wait(0.02)
    sc.udp(OLDSRV, OLD, response(cancel, 200, "OK", to_tag="old2"),
           "200 for the CANCEL frame %d (not for the INVITE)" % fc)
    sc.cap.wait(0.01)
    r487 = response(inv2, 487, "Request Terminated", to_tag="old2")
    sc.udp(OLDSRV, OLD, r487, "487: INVITE frame %d terminated by the caller's CANCEL (frame %d)"
           " - normal" % (f2, fc))
    sc.udp(OLD, OLDSRV, ack_for_non2xx(inv2, r487, ua="OldPhone/0.9 (RFC 2543)"),
           "ACK for the 487")
    return sc


# --------------------------------------------------------------------------
# 8. tcp-across-segments
# --------------------------------------------------------------------------

def build_tcp_across():
    sc = Scenario("tcp-across-segments.pcapng")
    c, s = ("192.0.2.10", 50610), ("198.51.100.20", 5060)
    st = TcpStream(sc.cap, c, s, client_isn=200000, server_isn=800000)
    sc.other(st.handshake(), "TCP handshake (SYN, SYN/ACK, ACK)")
    long_sdp = sdp("192.0.2.10") + "".join(
        "a=x-padding-%02d:%s\n" % (i, "0123456789abcdef" * 4) for i in range(12))
    long_sdp += ("m=video 49172 RTP/AVP 96 97\n"
                 "a=rtpmap:96 H264/90000\n"
                 "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\n"
                 "a=rtpmap:97 VP8/90000\n"
                 "a=sendrecv\n")
    inv = tcp_req("INVITE", "sip:bob@example.com", "z9hG4bK-seg-inv", "seg-call@192.0.2.10", 1,
                  "sg1", client=c, extra=(
                      "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK\n"
                      "Supported: replaces, timer, 100rel\n"
                      "Content-Type: application/sdp"), body=long_sdp)
    n = len(inv)
    hdr_end = inv.index(b"\r\n\r\n")
    f = sc.tcp(st, True, [inv], "INVITE with SDP", cuts=[hdr_end // 2, hdr_end + 300])
    sc.cap.wait(0.02)
    sc.tcp(st, False, [response(inv, 100, "Trying", received=c)],
           "100 for INVITE frame %d" % f[-1])
    sc.cap.wait(2.0)
    r200 = response(inv, 200, "OK", to_tag="sgb1", extra=(
        "Contact: <sip:bob@198.51.100.20;transport=tcp>\nContent-Type: application/sdp"),
        body=sdp("198.51.100.20", 30000))
    sc.tcp(st, False, [r200], "200 OK for INVITE frame %d" % f[-1], cuts=[len(r200) - 150])
    sc.cap.wait(0.02)
    ack = tcp_req("ACK", "sip:bob@198.51.100.20;transport=tcp", "z9hG4bK-seg-ack",
                  "seg-call@192.0.2.10", 1, "sg1", client=c,
                  to="<sip:bob@example.com>;tag=sgb1")
    sc.tcp(st, True, [ack], "ACK for the 2xx")
    sc.cap.wait(10.0)
    bye = tcp_req("BYE", "sip:bob@198.51.100.20;transport=tcp", "z9hG4bK-seg-bye",
                  "seg-call@192.0.2.10", 2, "sg1", client=c,
                  to="<sip:bob@example.com>;tag=sgb1")
    fb = sc.tcp(st, True, [bye])[0]
    sc.cap.wait(0.02)
    sc.tcp(st, False, [response(bye, 200, "OK")], "200 for BYE frame %d" % fb)
    sc.cap.wait(0.1)
    sc.other(st.close(), "TCP close (FIN, FIN/ACK, ACK)")
    assert n == len(inv)
    return sc


# --------------------------------------------------------------------------
# 9. websocket-sctp
# --------------------------------------------------------------------------

def ws_frame(payload, mask=None):
    """One unfragmented WebSocket text frame (RFC 6455); mask = 4 bytes or None."""
    n = len(payload)
    b0 = 0x81
    if n < 126:
        hdr = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        hdr = bytes([b0, (0x80 if mask else 0) | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, (0x80 if mask else 0) | 127]) + n.to_bytes(8, "big")
    if not mask:
        return hdr + payload
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_register(method_extra, branch, cseq, via, transport, call_id, auth=None):
    extra = "Expires: 600" + ("\n" + auth if auth else "")
    return request("REGISTER", "sip:example.com", via=via, branch=branch, transport=transport,
                   from_="\"Alice\" <sip:alice@example.com>;tag=%s" % method_extra,
                   to="<sip:alice@example.com>", call_id=call_id, cseq=cseq,
                   contact="<sip:alice@%s;transport=%s>;+sip.instance=\"<urn:uuid:"
                           "00000000-0000-4000-8000-000000000001>\"" % (via, transport.lower()),
                   extra=extra)


def build_ws_sctp():
    sc = Scenario("websocket-sctp.pcapng")
    # --- SIP over WebSocket (RFC 7118), plain ws:// on TCP port 80 ---
    c, s = ("192.0.2.10", 50700), ("198.51.100.70", 80)
    st = TcpStream(sc.cap, c, s, client_isn=300000, server_isn=700000)
    sc.other(st.handshake(), "TCP handshake (SYN, SYN/ACK, ACK)")
    key = base64.b64encode(bytes(range(1, 17))).decode()
    accept = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    upg = crlf("GET /ws HTTP/1.1\n"
               "Host: sip-ws.example.com\n"
               "Upgrade: websocket\n"
               "Connection: Upgrade\n"
               "Sec-WebSocket-Key: %s\n"
               "Origin: https://www.example.com\n"
               "Sec-WebSocket-Protocol: sip\n"
               "Sec-WebSocket-Version: 13\n\n" % key).encode()
    sc.other(st.send(True, upg), "HTTP GET Upgrade: websocket, Sec-WebSocket-Protocol: sip")
    sc.cap.wait(0.01)
    r101 = crlf("HTTP/1.1 101 Switching Protocols\n"
                "Upgrade: websocket\n"
                "Connection: Upgrade\n"
                "Sec-WebSocket-Accept: %s\n"
                "Sec-WebSocket-Protocol: sip\n\n" % accept).encode()
    sc.other(st.send(False, r101), "HTTP 101 Switching Protocols (Sec-WebSocket-Protocol: sip)")
    sc.cap.wait(0.01)
    via = "df7jal23ls0d.invalid"
    mask1, mask2 = b"\x37\xfa\x21\x3d", b"\x5c\x01\x9e\x42"
    reg = ws_register("ws1", "z9hG4bK-ws-1", 1, via, "WS", "ws-reg@df7jal23ls0d.invalid")
    n = st.send(True, ws_frame(reg, mask1))
    sc._record(n, [reg], "REGISTER over WebSocket (masked client frame)")
    sc.cap.wait(0.02)
    r401 = response(reg, 401, "Unauthorized", to_tag="wss1", received=c, extra=(
        "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"9c8b7a6f\", algorithm=MD5, qop=\"auth\""))
    n = st.send(False, ws_frame(r401))
    sc._record(n, [r401], "401 challenge for the REGISTER (unmasked server frame)")
    sc.cap.wait(0.05)
    auth = ('Authorization: Digest username="alice", realm="example.com", nonce="9c8b7a6f", '
            'uri="sip:example.com", response="0a1b2c3d4e5f60718293a4b5c6d7e8f9", algorithm=MD5, '
            'qop=auth, nc=00000001, cnonce="0badcafe"')
    reg2 = ws_register("ws1", "z9hG4bK-ws-2", 2, via, "WS", "ws-reg@df7jal23ls0d.invalid", auth)
    n = st.send(True, ws_frame(reg2, mask2))
    sc._record(n, [reg2], "authenticated REGISTER (CSeq 2)")
    sc.cap.wait(0.02)
    r200 = response(reg2, 200, "OK", to_tag="wss1", received=c, extra=(
        "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>;expires=600\n"
        "Date: Thu, 01 Jan 2026 00:00:00 GMT"))
    n = st.send(False, ws_frame(r200))
    sc._record(n, [r200], "registration succeeded")
    sc.cap.wait(1.0)
    # --- SIP over SCTP on IPv6, port 5060, PPID 0 ---
    c6, s6 = ("2001:db8::10", 5060), ("2001:db8::20", 5060)
    vt_c, vt_s = 0x1A2B3C4D, 0x5E6F7081
    import struct
    init = struct.pack("!IIHHI", vt_c, 65535, 10, 10, 10000)
    sc.other(sc.cap.sctp_raw(c6, s6, 0, _chunk(1, init)), "SCTP INIT")
    cookie = b"sipadvisor-cookie-0001"
    initack = struct.pack("!IIHHI", vt_s, 65535, 10, 10, 20000) + \
        struct.pack("!HH", 7, 4 + len(cookie)) + cookie
    sc.other(sc.cap.sctp_raw(s6, c6, vt_c, _chunk(2, initack)), "SCTP INIT ACK")
    sc.other(sc.cap.sctp_raw(c6, s6, vt_s, _chunk(10, cookie)), "SCTP COOKIE ECHO")
    sc.other(sc.cap.sctp_raw(s6, c6, vt_c, _chunk(11, b"")), "SCTP COOKIE ACK")
    v6via = "[2001:db8::10]:5060"
    reg = ws_register("sc1", "z9hG4bK-sctp-1", 1, v6via, "SCTP", "sctp-reg@2001:db8::10")
    sc.sctp(c6, s6, vt_s, 10000, reg, "REGISTER over SCTP (DATA chunk, PPID 0)")
    sc.cap.wait(0.02)
    r401 = response(reg, 401, "Unauthorized", to_tag="scs1", received=c6, extra=(
        "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"1f2e3d4c\", algorithm=MD5, qop=\"auth\""))
    sc.sctp(s6, c6, vt_c, 20000, r401, "401 challenge for the REGISTER")
    sc.cap.wait(0.05)
    auth = auth.replace("9c8b7a6f", "1f2e3d4c")
    reg2 = ws_register("sc1", "z9hG4bK-sctp-2", 2, v6via, "SCTP", "sctp-reg@2001:db8::10", auth)
    sc.sctp(c6, s6, vt_s, 10001, reg2, "authenticated REGISTER (CSeq 2)")
    sc.cap.wait(0.02)
    r200 = response(reg2, 200, "OK", to_tag="scs1", received=c6,
                    extra="Contact: <sip:alice@[2001:db8::10]:5060;transport=sctp>;expires=600")
    sc.sctp(s6, c6, vt_c, 20001, r200, "registration succeeded")
    return sc


def _chunk(ctype, value):
    from pcapng_writer import sctp_chunk
    return sctp_chunk(ctype, 0, value)


# --------------------------------------------------------------------------
# 10. evidence
# --------------------------------------------------------------------------

EV_UAC = ("192.0.2.10", 5060)
EV_SRV = ("198.51.100.20", 5060)
EV_ALICE = "\"Alice\" <sip:alice@example.com>"

# SDP offers with several codecs (RFC 3551 static payload types, a=rtpmap).
EV_OFFER_A = ("v=0\n"
              "o=- 3001 3001 IN IP4 192.0.2.10\n"
              "s=-\n"
              "c=IN IP4 192.0.2.10\n"
              "t=0 0\n"
              "m=audio 49170 RTP/AVP 18 9 97\n"
              "a=rtpmap:18 G729/8000\n"
              "a=fmtp:18 annexb=no\n"
              "a=rtpmap:97 iLBC/8000\n"
              "a=fmtp:97 mode=30\n"
              "a=sendrecv\n")
EV_OFFER_B = ("v=0\n"
              "o=- 3002 3002 IN IP4 192.0.2.10\n"
              "s=-\n"
              "c=IN IP4 192.0.2.10\n"
              "t=0 0\n"
              "m=audio 49172 RTP/AVP 3 4\n"
              "a=sendrecv\n")


def ev_req(method, name, *, cseq=1, extra="", body=None, ruri=None, to=None, ftag=None,
           branch=None, contact=None, vias=None, max_forwards=70):
    """A request of the evidence capture: Call-ID ev-NAME@192.0.2.10, branch
    z9hG4bK-ev-NAME, From tag eNAME. INVITEs carry an SDP offer unless body="".
    vias: extra Via values put ABOVE the UAC's own (a request seen after proxies)."""
    if ruri is None:
        ruri = "sip:example.com" if method == "REGISTER" else "sip:bob@example.com"
    if to is None:
        to = "<sip:alice@example.com>" if method == "REGISTER" else "<sip:bob@example.com>"
    if body is None:
        body = sdp("192.0.2.10") if method == "INVITE" else ""
    lines = [ln for ln in extra.split("\n") if ln]
    if body and method in ("INVITE", "UPDATE") and not any(
            ln.startswith("Content-Type:") for ln in lines):
        lines.append("Content-Type: application/sdp")
    msg = request(method, ruri, via="192.0.2.10:5060", branch=branch or "z9hG4bK-ev-" + name,
                  from_=EV_ALICE + ";tag=" + (ftag or "e" + name), to=to,
                  call_id="ev-%s@192.0.2.10" % name, cseq=cseq, contact=contact,
                  extra="\n".join(lines), body=body, max_forwards=max_forwards)
    if vias:
        head, _, rest = msg.partition(b"Via: ")
        msg = head + b"".join(b"Via: %s\r\n" % v.encode() for v in vias) + b"Via: " + rest
    return msg


def ev_cancel(invite, extra=""):
    """CANCEL for an INVITE (RFC 3261 9.1): same Request-URI, top Via, From,
    To, Call-ID, CSeq number; no Contact, no body."""
    start = parse(invite)[0]
    lines = ["CANCEL %s SIP/2.0" % start.split(" ")[1], "Via: " + hget(invite, "Via")[0],
             "Max-Forwards: 70", "From: " + hget(invite, "From")[0],
             "To: " + hget(invite, "To")[0], "Call-ID: " + hget(invite, "Call-ID")[0],
             "CSeq: %s CANCEL" % hget(invite, "CSeq")[0].split()[0], "User-Agent: " + UA]
    return render("\n".join(lines) + ("\n" + extra if extra else ""))


class EvidenceScenario(Scenario):
    def pair(self, req, code, reason, resp_extra="", note="", req_note="", body="", gap=0.98,
             src=EV_UAC, dst=EV_SRV):
        """Request, its response 20 ms later, the ACK for a failed INVITE."""
        fq = self.udp(src, dst, req, req_note)
        self.cap.wait(0.02)
        resp = response(req, code, reason, to_tag="s" + hget(req, "Call-ID")[0].split("@")[0][3:],
                        received=src, extra=resp_extra, body=body)
        fr = self.udp(dst, src, resp, note.replace("{req}", str(fq)))
        if parse(req)[0].startswith("INVITE") and code >= 300:
            self.udp(src, dst, ack_for_non2xx(req, resp), "ACK for the %d" % code)
        self.cap.wait(gap)
        return fq, fr, resp


def ev_dialog(sc, name, ftag, note_200=""):
    """INVITE -> 200 -> ACK: an established dialog; returns (invite, 200, tags)."""
    inv = ev_req("INVITE", name, ftag=ftag)
    sc.udp(EV_UAC, EV_SRV, inv)
    sc.cap.wait(0.02)
    ttag = "s" + name
    r200 = response(inv, 200, "OK", to_tag=ttag, received=EV_UAC,
                    extra="Contact: <sip:bob@198.51.100.20>\nContent-Type: application/sdp",
                    body=sdp("198.51.100.20", 30000))
    f200 = sc.udp(EV_SRV, EV_UAC, r200, note_200 or "dialog %s established" % name)
    ack = ev_req("ACK", name, ftag=ftag, ruri="sip:bob@198.51.100.20", body="",
                 branch="z9hG4bK-ev-%s-ack" % name, to="<sip:bob@example.com>;tag=" + ttag)
    sc.udp(EV_UAC, EV_SRV, ack, "ACK for the 2xx (new branch)")
    sc.cap.wait(0.5)
    return inv, f200, ttag


def build_evidence():
    sc = EvidenceScenario("evidence.pcapng")
    U, S = EV_UAC, EV_SRV

    # --- Retry-After (RFC 3261 20.33) -----------------------------------
    sc.pair(ev_req("INVITE", "503-ra"), 503, "Service Unavailable",
            "Retry-After: 120 (maintenance)",
            "`Retry-After: 120 (maintenance)`; fix: stay away from this server for 120 s, "
            "meanwhile send to the next server of the DNS SRV set (RFC 3263)")
    sc.pair(ev_req("INVITE", "503-nora"), 503, "Service Unavailable", "",
            "`Retry-After: absent`; fix: no time named, fail over to the next server of the SRV "
            "set (RFC 3263), check that server's load and trunk")
    sc.pair(ev_req("INVITE", "503-soon"), 503, "Service Unavailable", "Retry-After: soon",
            "Retry-After `soon` is not delta-seconds (RFC 3261 20.33): no usable value, "
            "documented fallback `Retry-After: absent` and the fail-over fix; never a number")
    sc.pair(ev_req("INVITE", "486-ra"), 486, "Busy Here", "Retry-After: 300",
            "`Retry-After: 300`; fix: the callee suggests calling back in 300 s, not sooner")
    sc.pair(ev_req("INVITE", "600-ra"), 600, "Busy Everywhere",
            "Retry-After: 18000;duration=3600",
            "`Retry-After: 18000...` (duration 3600 = reachable for an hour from then); fix: "
            "call back in 18000 s (5 h)")
    sc.pair(ev_req("INVITE", "603-ra"), 603, "Decline", "Retry-After: 7200",
            "`Retry-After: 7200`; fix: declined, do not retry before 7200 s (2 h)")
    sc.pair(ev_req("INVITE", "500-huge"), 500, "Server Internal Error",
            "Retry-After: 99999999999999999999",
            "Retry-After 99999999999999999999 saturates: `Retry-After: 4294967295`; fix: more "
            "than a week, treat the target as out of service and route elsewhere")

    # --- 423 Min-Expires (RFC 3261 10.2.8, 10.3) ------------------------
    sc.pair(ev_req("REGISTER", "423-me", extra="Expires: 60"), 423, "Interval Too Brief",
            "Min-Expires: 3600",
            "`Min-Expires: 3600`, `Requested Expires: 60`; fix: the REGISTER in frame {req} "
            "asked 60 s, register for 3600 s or more")
    sc.pair(ev_req("REGISTER", "423-nome", extra="Expires: 60"), 423, "Interval Too Brief", "",
            "`Min-Expires: absent`, `Requested Expires: 60`; fix: RFC 3261 10.3 requires "
            "Min-Expires, the minimum is unknown: raise the interval, report the server")
    sc.pair(ev_req("REGISTER", "423-cexp",
                   contact="<sip:alice@192.0.2.10:5060>;expires=30"),
            423, "Interval Too Brief", "Min-Expires: 600",
            "`Min-Expires: 600`, `Requested Expires: 30` (from Contact ;expires=30, no "
            "Expires header); fix: register for 600 s or more")

    # --- 422 Min-SE (RFC 4028 6) ----------------------------------------
    sc.pair(ev_req("INVITE", "422-se", extra="Supported: timer\nSession-Expires: 90"),
            422, "Session Interval Too Small", "Min-SE: 1800",
            "`Min-SE: 1800`, `Requested Session-Expires: 90`; fix: Session-Expires (and "
            "Min-SE) 1800 s or more (RFC 4028 6)")
    sc.pair(ev_req("INVITE", "422-abc", extra="Supported: timer\nSession-Expires: 90"),
            422, "Session Interval Too Small", "Min-SE: abc",
            "Min-SE `abc` is not delta-seconds: documented fallback `Min-SE: absent`, "
            "`Requested Session-Expires: 90`; no minimum in the fix")

    # --- 405 Allow (RFC 3261 21.4.6) ------------------------------------
    sc.pair(ev_req("SUBSCRIBE", "405-allow", extra="Event: presence\nExpires: 600"),
            405, "Method Not Allowed", "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS",
            "`Allow: INVITE, ACK, BYE, CANCEL, OPTIONS`, `Method used: SUBSCRIBE`; fix: send "
            "SUBSCRIBE elsewhere or enable it")
    sc.pair(ev_req("MESSAGE", "405-empty", extra="Content-Type: text/plain",
                   body="Hello Bob.\n"),
            405, "Method Not Allowed", "Allow:",
            "`Allow: (empty)`, `Method used: MESSAGE`; fix: the 405 names no allowed method "
            "(RFC 3261 21.4.6): ask with OPTIONS, report the server")

    # --- 420 / 421 (RFC 3261 21.4.15/16, 8.2.2.3) -----------------------
    sc.pair(ev_req("INVITE", "420-req", extra="Require: 100rel\nSupported: timer"),
            420, "Bad Extension", "Unsupported: 100rel",
            "`Unsupported: 100rel`, `Requested Require: 100rel`; fix: list 100rel in "
            "Supported instead of Require, or enable it on the server")
    sc.pair(ev_req("INVITE", "421-req", extra="Supported: 100rel"),
            421, "Extension Required", "Require: timer",
            "`Require: timer`, `Requested Supported: 100rel`; fix: enable timer on the "
            "client (or relax the server)")

    # --- 415 (RFC 3261 21.4.13) -----------------------------------------
    sc.pair(ev_req("MESSAGE", "415-type", extra="Content-Type: text/html",
                   body="<p>Hello Bob.</p>\n"),
            415, "Unsupported Media Type",
            "Accept: text/plain, message/cpim\nAccept-Encoding: identity\n"
            "Accept-Language: en, de",
            "`Accept: text/plain, message/cpim`, `Accept-Encoding: identity`, "
            "`Accept-Language: en, de`, `Content-Type sent: text/html`; fix: send text/plain "
            "or message/cpim")
    sc.pair(ev_req("MESSAGE", "415-enc",
                   extra="Content-Type: text/plain\nContent-Encoding: x-custom",
                   body="Hello Bob, packed.\n"),
            415, "Unsupported Media Type", "Accept: text/*\nAccept-Encoding: identity",
            "`Accept: text/*`, `Accept-Encoding: identity`, `Content-Type sent: text/plain`; "
            "fix: the type matches text/*, the Content-Encoding is refused: send identity")
    sc.pair(ev_req("MESSAGE", "415-none", extra="Content-Type: application/x-private",
                   body="x\n"),
            415, "Unsupported Media Type", "",
            "`Content-Type sent: application/x-private`, no Accept item; fix: the 415 names "
            "no acceptable format (RFC 3261 21.4.13)")

    # --- 489 (RFC 6665 8.3.1) -------------------------------------------
    sc.pair(ev_req("SUBSCRIBE", "489-ae", extra="Event: message-summary\nExpires: 3600"),
            489, "Bad Event", "Allow-Events: presence, dialog",
            "`Allow-Events: presence, dialog`, `Event used: message-summary`; fix: use a "
            "supported package or enable message-summary")
    sc.pair(ev_req("SUBSCRIBE", "489-noae", extra="Event: message-summary\nExpires: 3600"),
            489, "Bad Event", "",
            "`Allow-Events: absent`, `Event used: message-summary`; fix: the notifier names "
            "no supported package (RFC 6665 8.3.1)")

    # --- 488 / 606 Warning (RFC 3261 20.43) and the SDP offer -------------
    sc.pair(ev_req("INVITE", "488-304", body=EV_OFFER_A), 488, "Not Acceptable Here",
            "Warning: 304 sbc.example.com \"Media type not available\"",
            "`Offered codecs: G729, G722, iLBC` (m= order), `Warning: 304 sbc.example.com "
            "\"Media type not available\"`; fix: Warning 304, drop or zero the unavailable stream")
    sc.pair(ev_req("INVITE", "606-305", body=EV_OFFER_B), 606, "Not Acceptable",
            "Warning: 305 sbc.example.com \"Incompatible media format\"",
            "`Offered codecs: GSM, G723`, `Warning: 305 sbc.example.com \"Incompatible media "
            "format\"`; fix: Warning 305, offer a codec the far end supports (PCMU/PCMA)")
    sc.pair(ev_req("INVITE", "488-noquote", body=EV_OFFER_A), 488, "Not Acceptable Here",
            "Warning: 399 sbc.example.com Codec mismatch",
            "Warning 399 whose warn-text is not a quoted-string (malformed, RFC 3261 20.43): "
            "read leniently as agent sbc.example.com, text Codec mismatch; fix quotes it")
    sc.pair(ev_req("INVITE", "488-999", body=EV_OFFER_A), 488, "Not Acceptable Here",
            "Warning: 999 sbc.example.com \"Made-up warn code\"",
            "`Warning: 999 sbc.example.com \"Made-up warn code\"...`: a warn-code the IANA "
            "registry does not list; the fix must still cite that Warning, not say there is none")
    sc.pair(ev_req("INVITE", "488-nowarn", body=EV_OFFER_A), 488, "Not Acceptable Here", "",
            "`Offered codecs: G729, G722, iLBC`, no Warning item; fix: no Warning says why, "
            "compare the offer with what the far end accepts")

    # --- 401 chain with wrong credentials, 407 chain that succeeds --------
    chal = "Digest realm=\"example.com\", nonce=\"%s\", algorithm=MD5, qop=\"auth\""
    auth = ("Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", "
            "uri=\"%s\", response=\"0a1b2c3d4e5f60718293a4b5c6d7e8f9\", algorithm=MD5, "
            "qop=auth, nc=00000001, cnonce=\"0badcafe\"")
    reg1 = ev_req("REGISTER", "auth401", extra="Expires: 3600", branch="z9hG4bK-ev-auth401-1")
    f_c1 = sc.pair(reg1, 401, "Unauthorized", "WWW-Authenticate: " + chal % "aaaa0001",
                   "`Realm: example.com`, `Credentials in request: no`; routine first challenge "
                   "(note, no evidence expert entry)", gap=0.05)[1]
    reg2 = ev_req("REGISTER", "auth401", cseq=2, branch="z9hG4bK-ev-auth401-2",
                  extra="Expires: 3600\nAuthorization: " + auth % ("aaaa0001", "sip:example.com"))
    sc.pair(reg2, 401, "Unauthorized", "WWW-Authenticate: " + chal % "aaaa0002",
            "401 AGAIN to the REGISTER with Authorization (CSeq 2, same Call-ID and From "
            "tag): `Credentials in request: yes`, `Challenges in chain: 2`, `Previous "
            "challenge: frame %d`; wrong password/user or realm: warn "
            "(sipadvisor.evidence.warn)" % f_c1)
    inv1 = ev_req("INVITE", "auth407", branch="z9hG4bK-ev-auth407-1")
    sc.pair(inv1, 407, "Proxy Authentication Required",
            "Proxy-Authenticate: " + chal % "bbbb0001",
            "`Realm: example.com`, `Credentials in request: no`; routine challenge (note)",
            gap=0.05)
    inv2 = ev_req("INVITE", "auth407", cseq=2, branch="z9hG4bK-ev-auth407-2",
                  extra="Proxy-Authorization: " + auth % ("bbbb0001", "sip:bob@example.com"))
    sc.udp(U, S, inv2, "INVITE retried with Proxy-Authorization (CSeq 2)")
    sc.cap.wait(0.02)
    r200 = response(inv2, 200, "OK", to_tag="sauth407", received=U,
                    extra="Contact: <sip:bob@198.51.100.20>\nContent-Type: application/sdp",
                    body=sdp("198.51.100.20", 30000))
    sc.udp(S, U, r200, "200 OK: the credentials worked, the chain ends cleanly")
    sc.udp(U, S, ev_req("ACK", "auth407", cseq=2, body="", ruri="sip:bob@198.51.100.20",
                        branch="z9hG4bK-ev-auth407-ack",
                        to="<sip:bob@example.com>;tag=sauth407"), "ACK for the 2xx")
    sc.cap.wait(0.98)

    # --- 482 / 483 (RFC 3261 16.3, 8.1.1.6) -----------------------------
    pa, pb = "203.0.113.1:5060", "203.0.113.2:5060"
    loop5 = ["SIP/2.0/UDP %s;branch=z9hG4bK-ev-482-%d" % (p, i)
             for i, p in enumerate([pb, pa, pb, pa])]
    sc.pair(ev_req("INVITE", "482", vias=loop5, max_forwards=66), 482, "Loop Detected", "",
            "`Via count: 5` (proxies A and B twice each), `Max-Forwards: 66`; fix: a proxy "
            "found itself in the path, check the routes",
            src=("203.0.113.2", 5060), dst=("203.0.113.1", 5060))
    loop70 = ["SIP/2.0/UDP %s;branch=z9hG4bK-ev-483-%02d" % (pa if i % 2 else pb, i)
              for i in range(70)]
    sc.pair(ev_req("INVITE", "483-loop", vias=loop70, max_forwards=0), 483, "Too Many Hops", "",
            "`Via count: 71` (70 hops alternating A/B), `Max-Forwards: 0`; fix: the UAC's 70 "
            "hops were used up in a loop",
            src=("203.0.113.2", 5060), dst=("203.0.113.1", 5060))
    sc.pair(ev_req("INVITE", "483-low", vias=["SIP/2.0/UDP %s;branch=z9hG4bK-ev-483-low" % pb],
                   max_forwards=0), 483, "Too Many Hops", "",
            "`Via count: 2`, `Max-Forwards: 0`; fix: the sender started at about 1, raise "
            "the initial Max-Forwards to 70 (RFC 3261 8.1.1.6)",
            src=("203.0.113.2", 5060), dst=("203.0.113.1", 5060))

    # --- 481 to a BYE after the dialog's BYE; Reason on BYE ---------------
    inv, f200, ttag = ev_dialog(sc, "bye2", "ebye2")
    bye = ev_req("BYE", "bye2", ftag="ebye2", cseq=2, ruri="sip:bob@198.51.100.20", body="",
                 to="<sip:bob@example.com>;tag=" + ttag,
                 extra="Reason: Q.850;cause=16;text=\"Normal call clearing\"")
    f_bye = sc.udp(U, S, bye, "request item `Reason: Q.850 cause 16 (Normal call clearing)...` "
                   "and an evidence expert entry (chat)")
    sc.cap.wait(0.02)
    sc.udp(S, U, response(bye, 200, "OK", received=U), "200 to the BYE: dialog ended")
    sc.cap.wait(0.01)
    bye_b = request("BYE", "sip:alice@192.0.2.10:5060", via="198.51.100.20:5060",
                    branch="z9hG4bK-ev-bye2-b", from_="<sip:bob@example.com>;tag=" + ttag,
                    to=EV_ALICE + ";tag=ebye2", call_id="ev-bye2@192.0.2.10", cseq=101,
                    contact="<sip:bob@198.51.100.20>", ua=SERVER)
    sc.udp(S, U, bye_b, "the callee's own BYE, crossing the caller's")
    sc.cap.wait(0.02)
    sc.udp(U, S, response(bye_b, 481, "Call/Transaction Does Not Exist", received=S,
                          server=UA),
           "481 to the callee's BYE: `Dialog ended: BYE in frame %d` (answered 200): a "
           "harmless race, note instead of warn" % f_bye)
    sc.cap.wait(0.98)
    inv, f200, ttag = ev_dialog(sc, "lost", "elost")
    sc.cap.wait(30.0)
    bye = ev_req("BYE", "lost", ftag="elost", cseq=2, ruri="sip:bob@198.51.100.20", body="",
                 to="<sip:bob@example.com>;tag=" + ttag)
    sc.pair(bye, 481, "Call/Transaction Does Not Exist", "",
            "`Dialog established: frame %d`, never ended: the server lost the dialog "
            "(restart, failover) or an SBC changed Call-ID/tags (warn)" % f200)
    inv, f200, ttag = ev_dialog(sc, "byeabc", "ebyeabc")
    bye = ev_req("BYE", "byeabc", ftag="ebyeabc", cseq=2, ruri="sip:bob@198.51.100.20",
                 body="", to="<sip:bob@example.com>;tag=" + ttag,
                 extra="Reason: Q.850;cause=abc")
    sc.pair(bye, 200, "OK", "", "200 to the BYE",
            req_note="BYE with Reason Q.850;cause=abc: not a number, a Reason item "
                     "saying the cause is invalid, no cause explained")

    # --- 481 to a CANCEL after the INVITE was answered (RFC 3261 9.2) ------
    inv = ev_req("INVITE", "race")
    sc.udp(U, S, inv)
    sc.cap.wait(0.02)
    sc.udp(S, U, response(inv, 100, "Trying", received=U), "")
    sc.cap.wait(1.0)
    r200 = response(inv, 200, "OK", to_tag="srace", received=U,
                    extra="Contact: <sip:bob@198.51.100.20>\nContent-Type: application/sdp",
                    body=sdp("198.51.100.20", 30000))
    f_ans = sc.udp(S, U, r200, "200 answers the INVITE")
    sc.cap.wait(0.005)
    can = ev_cancel(inv)
    sc.udp(U, S, can, "CANCEL sent before the 200 arrived")
    sc.cap.wait(0.02)
    sc.udp(S, U, response(can, 481, "Call/Transaction Does Not Exist", to_tag="srace",
                          received=U),
           "481 to the CANCEL: `INVITE answered: 200 in frame %d`: normal race, send BYE "
           "to end the call (note)" % f_ans)
    sc.udp(U, S, ev_req("ACK", "race", body="", ruri="sip:bob@198.51.100.20",
                        branch="z9hG4bK-ev-race-ack", to="<sip:bob@example.com>;tag=srace"),
           "ACK for the 2xx")
    sc.cap.wait(0.01)
    bye = ev_req("BYE", "race", cseq=2, body="", ruri="sip:bob@198.51.100.20",
                 branch="z9hG4bK-ev-race-bye", to="<sip:bob@example.com>;tag=srace")
    sc.pair(bye, 200, "OK", "", "200 to the BYE")

    # --- 487 after CANCEL (RFC 3261 9.2), Reason (RFC 3326) on CANCEL ------
    for name, reason, note in [
            ("487-elsewhere", "Reason: SIP;cause=200;text=\"Call completed elsewhere\"",
             "CANCEL with Reason SIP cause 200 'Call completed elsewhere': request item "
             "`Reason: SIP cause 200 (OK)...` (chat)"),
            ("487-q31", "Reason: Q.850;cause=31", "CANCEL with Reason: request item `Reason: Q.850 "
             "cause 31 (Normal, unspecified)` (chat)")]:
        inv = ev_req("INVITE", name)
        f_inv = sc.udp(U, S, inv)
        sc.cap.wait(0.02)
        sc.udp(S, U, response(inv, 180, "Ringing", to_tag="s" + name, received=U,
                              extra="Contact: <sip:bob@198.51.100.20>"), "")
        sc.cap.wait(2.0)
        can = ev_cancel(inv, reason)
        f_can = sc.udp(U, S, can, note)
        sc.cap.wait(0.02)
        sc.udp(S, U, response(can, 200, "OK", to_tag="s" + name, received=U), "200 to the CANCEL")
        sc.cap.wait(0.005)
        r487 = response(inv, 487, "Request Terminated", to_tag="s" + name, received=U)
        sc.udp(S, U, r487, "487: `CANCEL: frame %d` ended the INVITE in frame %d: routine, "
               "chat (sipadvisor.evidence.chat)%s" % (
                   f_can, f_inv, "; `CANCEL Reason: SIP cause 200...`: answered elsewhere"
                   if "elsewhere" in name else ""))
        sc.udp(U, S, ack_for_non2xx(inv, r487), "ACK for the 487")
        sc.cap.wait(0.98)
    sc.pair(ev_req("INVITE", "487-nocancel"), 487, "Request Terminated", "",
            "`CANCEL: not in the capture`: stays a note; something else ended the INVITE "
            "(a forking proxy, INVITE Expires, a B2BUA)")

    # --- TCP: 423 with Contact ;expires=, 420 for a Proxy-Require tag ------
    c = ("192.0.2.10", 50800)
    st = TcpStream(sc.cap, c, S, client_isn=400000, server_isn=600000)
    sc.other(st.handshake(), "TCP handshake (SYN, SYN/ACK, ACK)")
    reg = request("REGISTER", "sip:example.com", via="192.0.2.10:50800",
                  branch="z9hG4bK-ev-tcp-423", transport="TCP",
                  from_=EV_ALICE + ";tag=etcp423", to="<sip:alice@example.com>",
                  call_id="ev-tcp-423@192.0.2.10", cseq=1,
                  contact="<sip:alice@192.0.2.10:50800;transport=tcp>;expires=20, "
                          "<sip:alice@192.0.2.10:50800;transport=tcp;line=2>;expires=45")
    f_reg = sc.tcp(st, True, [reg])[0]
    sc.cap.wait(0.02)
    sc.tcp(st, False, [response(reg, 423, "Interval Too Brief", to_tag="stcp423", received=c,
                                extra="Min-Expires: 300")],
           "`Min-Expires: 300`, `Requested Expires: 20` (smallest of Contact ;expires=20 "
           "and 45, frame %d); fix: 300 s or more" % f_reg)
    sc.cap.wait(0.5)
    inv = request("INVITE", "sip:bob@example.com", via="192.0.2.10:50800",
                  branch="z9hG4bK-ev-tcp-420", transport="TCP",
                  from_=EV_ALICE + ";tag=etcp420", to="<sip:bob@example.com>",
                  call_id="ev-tcp-420@192.0.2.10", cseq=1,
                  extra="Proxy-Require: x-sec-agree\nContent-Type: application/sdp",
                  body=sdp("192.0.2.10"))
    sc.tcp(st, True, [inv])
    sc.cap.wait(0.02)
    r420 = response(inv, 420, "Bad Extension", to_tag="stcp420", received=c,
                    extra="Unsupported: x-sec-agree")
    sc.tcp(st, False, [r420], "`Unsupported: x-sec-agree`, `Requested Proxy-Require: "
           "x-sec-agree`; fix: a proxy on the path lacks it, drop it from Proxy-Require or "
           "route elsewhere")
    sc.tcp(st, True, [ack_for_non2xx(inv, r420)], "ACK for the 420")
    sc.cap.wait(0.1)
    sc.other(st.close(), "TCP close (FIN, FIN/ACK, ACK)")
    return sc


# --------------------------------------------------------------------------

BUILDERS = [build_iana, build_unknown, build_tcp_two, build_publish, build_redirect,
            build_proxy, build_rfc2543, build_tcp_across, build_ws_sctp, build_evidence]


def build_all(only=None):
    out = []
    for b in BUILDERS:
        sc = b()
        if only and sc.name not in only and sc.name.replace(".pcapng", "") not in only:
            continue
        out.append(sc)
    return out


def tshark_frames(path):
    res = subprocess.run(["tshark", "-r", path, "-Y", "sip", "-T", "fields",
                          "-e", "frame.number", "-e", "sip.Status-Code", "-e", "sip.Method"],
                         capture_output=True, text=True, check=True)
    got = {}
    for ln in res.stdout.splitlines():
        f, codes, methods = (ln.split("\t") + ["", ""])[:3]
        got[int(f)] = (sorted(x for x in codes.split(",") if x),
                       sorted(x for x in methods.split(",") if x))
    mal = subprocess.run(["tshark", "-r", path, "-Y", "_ws.malformed || _ws.expert.severity >= "
                          "\"error\"", "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True, check=True).stdout.split()
    return got, mal


def verify(scs, directory):
    ok = True
    for sc in scs:
        path = os.path.join(directory, sc.name)
        got, mal = tshark_frames(path)
        exp = {f: (sorted(v for k, v in e if k == "code"), sorted(v for k, v in e if k == "method"))
               for f, e in sc.expect.items()}
        bad = [f for f in sorted(set(got) | set(exp)) if got.get(f) != exp.get(f)]
        nmsg = sum(len(e) for e in sc.expect.values())
        if bad or mal:
            ok = False
            print("FAIL %s: %d SIP messages expected" % (sc.name, nmsg))
            for f in bad:
                print("  frame %d: expected %s, tshark %s" % (f, exp.get(f), got.get(f)))
            if mal:
                print("  malformed/error frames: %s" % " ".join(mal))
        else:
            print("ok   %s: %d frames with SIP, %d SIP messages, all as expected"
                  % (sc.name, len(exp), nmsg))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed files")
    ap.add_argument("--verify", action="store_true",
                    help="check with tshark that every SIP message is dissected as expected")
    ap.add_argument("--tables", action="store_true", help="print README frame tables")
    ap.add_argument("--out", default=OUT_DIR, help="output directory (default: pcaps/)")
    ap.add_argument("--only", nargs="*", help="capture names to process")
    a = ap.parse_args()
    scs = build_all(a.only)
    if a.tables:
        for sc in scs:
            print("### %s\n\n%s\n" % (sc.name, sc.table()))
        return 0
    if a.verify:
        return 0 if verify(scs, a.out) else 1
    if a.check:
        with tempfile.TemporaryDirectory() as tmp:
            diff = 0
            for sc in scs:
                p = os.path.join(tmp, sc.name)
                sc.cap.save(p)
                ref = os.path.join(a.out, sc.name)
                same = os.path.exists(ref) and open(ref, "rb").read() == open(p, "rb").read()
                print("%s %s" % ("same" if same else "DIFF", sc.name))
                diff |= not same
            return 1 if diff else 0
    os.makedirs(a.out, exist_ok=True)
    for sc in scs:
        sc.cap.save(os.path.join(a.out, sc.name))
        print("wrote %s (%d frames)" % (os.path.join(a.out, sc.name), sc.cap.w.count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
