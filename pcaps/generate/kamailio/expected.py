#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn the client's event log into kamailio-expected.tsv, checked against tshark.

The *meaning* of every row (which request a response answers, the entity-tag
state behind a 412, the Contact URIs of a 3xx and the request that followed
it) comes from client.py's event log, i.e. from what the client sent and
expected.  tshark only supplies the frame numbers: every SIP message tshark
dissects in the capture must match exactly one message of the event log and
vice versa (by first line, Call-ID, CSeq and top Via branch).  The rows are
then cross-checked against tshark's own dissection (status codes, CSeq
methods, Call-IDs, SIP-ETag / SIP-If-Match / Expires values, Contact URIs and
Request-URIs).  sipadvisor itself is never used.

Sub-commands:
  build   --pcap P --events E --name N --out T   rows for one capture
  merge   --out T ROWS...                         concatenate with a header
  compare --committed T --committed-dir D --fresh T --fresh-dir D
"""

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

COLUMNS = ["file", "frame", "status", "cseq_method", "request_frame", "etag_state",
           "etag_frame", "contact_uris", "followup_frame", "scenario"]
FRAME_COLUMNS = ["frame", "request_frame", "etag_frame", "followup_frame"]
NONE = "-"


class Mismatch(Exception):
    pass


def tshark(*args):
    return subprocess.run(["tshark", "-n", *args], check=True, capture_output=True,
                          text=True).stdout


def sip_messages(pcap):
    """Every SIP message tshark dissects, in capture order (PDML)."""
    root = ET.fromstring(tshark("-r", pcap, "-Y", "sip", "-T", "pdml"))
    msgs = []
    for pkt in root.iter("packet"):
        frame = None
        ports = {}
        for proto in pkt.findall("proto"):
            name = proto.get("name")
            if name == "frame":
                for f in proto.iter("field"):
                    if f.get("name") == "frame.number":
                        frame = int(f.get("show"))
            elif name in ("udp", "tcp"):
                for f in proto.iter("field"):
                    if f.get("name") in ("udp.srcport", "tcp.srcport"):
                        ports["src"] = int(f.get("show"))
                    elif f.get("name") in ("udp.dstport", "tcp.dstport"):
                        ports["dst"] = int(f.get("show"))
                ports["transport"] = name
        for idx, proto in enumerate(p for p in pkt.findall("proto") if p.get("name") == "sip"):
            fields = {}
            for f in proto.iter("field"):
                fields.setdefault(f.get("name"), []).append(f.get("show"))

            def one(name):
                vals = fields.get(name)
                return vals[0] if vals else None
            m = {"frame": frame, "index": idx, **ports,
                 "method": one("sip.Method"),
                 "status": int(one("sip.Status-Code")) if one("sip.Status-Code") else None,
                 "r_uri": one("sip.r-uri"),
                 "call_id": one("sip.Call-ID"),
                 "cseq_num": int(one("sip.CSeq.seq")),
                 "cseq_method": one("sip.CSeq.method"),
                 "branch": one("sip.Via.branch"),      # first = top Via
                 "etag": one("sip.ETag"),
                 "if_match": one("sip.If_Match"),
                 "expires": one("sip.Expires"),
                 "contact": fields.get("sip.Contact", []),
                 "contact_uris": fields.get("sip.contact.uri", []),
                 "ws_request_frame": one("sip.response-request")}
            m["kind"] = ("req:" + m["method"]) if m["method"] else "rsp:%d" % m["status"]
            m["key"] = (m["kind"], m["call_id"], m["cseq_num"], m["cseq_method"], m["branch"])
            msgs.append(m)
    return msgs


def fields_view(pcap):
    """The plain tshark -T fields view: frame -> (status codes, methods, call-ids)."""
    out = tshark("-r", pcap, "-Y", "sip", "-T", "fields", "-E", "occurrence=a",
                 "-E", "aggregator=|", "-e", "frame.number", "-e", "sip.Status-Code",
                 "-e", "sip.CSeq.method", "-e", "sip.Call-ID")
    view = {}
    for line in out.splitlines():
        frame, codes, methods, cids = (line.split("\t") + ["", "", ""])[:4]
        view[int(frame)] = (codes.split("|"), methods.split("|"), cids.split("|"))
    return view


def build(args):
    with open(args.events) as f:
        log = json.load(f)
    meta, events = log["meta"], log["events"]
    if not meta.get("ok"):
        raise Mismatch("the client run did not succeed")
    server, ua2 = meta["server_port"], meta["ua2_port"]
    msgs = sip_messages(args.pcap)

    ev_by_key = {}
    for ev in events:
        k = tuple(ev["key"])
        if k in ev_by_key:
            raise Mismatch("two client events with the same key %r" % (k,))
        ev_by_key[k] = ev
    cap_by_key = {}
    for m in msgs:
        if m["key"] in cap_by_key:
            raise Mismatch("frames %d and %d carry the same SIP message %r (retransmission?)"
                           % (cap_by_key[m["key"]]["frame"], m["frame"], m["key"]))
        cap_by_key[m["key"]] = m
    only_cap = set(cap_by_key) - set(ev_by_key)
    only_ev = set(ev_by_key) - set(cap_by_key)
    if only_cap or only_ev:
        raise Mismatch("capture and client log disagree:\n  only in capture: %s\n  only in log: %s"
                       % (sorted(only_cap), sorted(only_ev)))

    frame_of = {}
    msg_of = {}
    for k, ev in ev_by_key.items():
        m = cap_by_key[k]
        frame_of[ev["id"]] = m["frame"]
        msg_of[ev["id"]] = m
        # direction: the client and UA2 only talk to Kamailio
        want = {("client", "sent"): ("dst", server), ("client", "recv"): ("src", server),
                ("ua2", "recv"): ("dst", ua2), ("ua2", "sent"): ("src", ua2)}[(ev["party"], ev["dir"])]
        if m.get(want[0]) != want[1]:
            raise Mismatch("frame %d: %s %s but %s port is %r" % (
                m["frame"], ev["party"], ev["dir"], want[0], m.get(want[0])))
        if m["transport"] != meta["transport"]:
            raise Mismatch("frame %d is %s, capture is %s" % (m["frame"], m["transport"],
                                                               meta["transport"]))

    ev_of_key = {k: ev for k, ev in ev_by_key.items()}
    all_etags = {m["etag"] for m in msgs if m["etag"]}
    rows = []
    for m in msgs:
        if m["status"] is None:
            continue
        ev = ev_of_key[m["key"]]
        if "answers" not in ev:
            raise Mismatch("frame %d: the client does not know which request %s answers"
                           % (m["frame"], m["kind"]))
        req = msg_of[ev["answers"]]
        # transaction matching, RFC 3261 17.1.3, on tshark's view
        if (req["kind"] != "req:" + m["cseq_method"] or req["branch"] != m["branch"]
                or req["call_id"] != m["call_id"] or req["cseq_num"] != m["cseq_num"]
                or req["frame"] > m["frame"]):
            raise Mismatch("frame %d does not answer frame %d" % (m["frame"], req["frame"]))
        row = {"file": args.name, "frame": m["frame"], "status": m["status"],
               "cseq_method": m["cseq_method"], "request_frame": req["frame"],
               "etag_state": NONE, "etag_frame": NONE, "contact_uris": NONE,
               "followup_frame": NONE, "scenario": ev.get("scenario", NONE)}
        if m["status"] == 412:
            state = ev.get("etag_state")
            if not state:
                raise Mismatch("frame %d: 412 without an entity-tag state" % m["frame"])
            tag = req["if_match"]
            if not tag:
                raise Mismatch("frame %d: 412 for a request without SIP-If-Match" % m["frame"])
            row["etag_state"] = state
            if ev.get("etag_ref") is not None:
                ref = msg_of[ev["etag_ref"]]
                row["etag_frame"] = ref["frame"]
                ref_req = msg_of[ev_of_key[ref["key"]]["answers"]]
                if ref["status"] != 200 or ref["frame"] > m["frame"]:
                    raise Mismatch("frame %d: bad entity-tag reference %d" % (m["frame"], ref["frame"]))
                if state in ("live", "expired", "unknown") and ref["etag"] != tag:
                    raise Mismatch("frame %d: tag %s was not issued in frame %d"
                                   % (m["frame"], tag, ref["frame"]))
                if state == "superseded" and (ref_req["if_match"] != tag or ref["etag"] == tag):
                    raise Mismatch("frame %d: frame %d did not supersede %s"
                                   % (m["frame"], ref["frame"], tag))
                if state == "removed" and (ref_req["if_match"] != tag or ref_req["expires"] != "0"):
                    raise Mismatch("frame %d: frame %d did not remove %s"
                                   % (m["frame"], ref["frame"], tag))
            elif state != "unknown" or tag in all_etags:
                raise Mismatch("frame %d: state %s without a reference" % (m["frame"], state))
        if 300 <= m["status"] < 400:
            uris = ev.get("contacts") or []
            for u in uris:
                if u not in m["contact_uris"]:
                    raise Mismatch("frame %d: tshark sees no Contact %s (%r)"
                                   % (m["frame"], u, m["contact_uris"]))
            row["contact_uris"] = " ".join(uris) if uris else NONE
            if ev.get("followup") is not None:
                f = msg_of[ev["followup"]]
                if (f["r_uri"] != uris[0] or f["call_id"] != m["call_id"]
                        or f["frame"] <= m["frame"]):
                    raise Mismatch("frame %d: frame %d does not follow it" % (m["frame"], f["frame"]))
                row["followup_frame"] = f["frame"]
        rows.append(row)

    # Wireshark's own request/response matching (by Call-ID and CSeq) is
    # reported where it differs; it is not the authority here
    for r, m in zip(rows, [m for m in msgs if m["status"] is not None]):
        ws = m["ws_request_frame"]
        if ws is not None and int(ws) != r["request_frame"]:
            print("expected.py: note: %s frame %d (%d %s): Wireshark's SIP dissector pairs it "
                  "with frame %s, the transaction (Via branch) is frame %d"
                  % (args.name, r["frame"], r["status"], r["cseq_method"], ws, r["request_frame"]))

    # independent second look: the plain tshark -T fields view
    view = fields_view(args.pcap)
    for r in rows:
        codes, methods, cids = view[r["frame"]]
        if str(r["status"]) not in codes or r["cseq_method"] not in methods:
            raise Mismatch("tshark -T fields disagrees about frame %d: %r" % (r["frame"], view[r["frame"]]))
        rcodes, rmethods, rcids = view[r["request_frame"]]
        if r["cseq_method"] not in rmethods or not set(cids) & set(rcids):
            raise Mismatch("tshark -T fields disagrees about frame %d" % r["request_frame"])

    with open(args.out, "w") as f:
        for r in rows:
            f.write("\t".join(str(r[c]) for c in COLUMNS) + "\n")
    nframes = len(tshark("-r", args.pcap, "-T", "fields", "-e", "frame.number").split())
    print("expected.py: %s: %d frames, %d SIP messages, %d responses; all %d client events "
          "found in the capture" % (args.name, nframes, len(msgs), len(rows), len(events)))


def merge(args):
    with open(args.out, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for path in args.rows:
            with open(path) as f:
                out.write(f.read())


def load_tsv(path):
    with open(path) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    if lines[0] != COLUMNS:
        raise Mismatch("%s: unexpected header %r" % (path, lines[0]))
    return [dict(zip(COLUMNS, line)) for line in lines[1:]]


def normalise(rows, directory):
    """Frame numbers -> ordinal of the SIP-carrying frame (TCP-only frames such
    as pure ACKs may differ between runs; the SIP conversation may not)."""
    ordinal = {}
    out = []
    for r in rows:
        f = r["file"]
        if f not in ordinal:
            frames = sorted(fields_view("%s/%s" % (directory, f)))
            ordinal[f] = {str(n): "sip#%d" % (i + 1) for i, n in enumerate(frames)}
        out.append({c: (ordinal[f].get(r[c], r[c]) if c in FRAME_COLUMNS else r[c])
                    for c in COLUMNS})
    return out


def compare(args):
    old, new = load_tsv(args.committed), load_tsv(args.fresh)
    if old == new:
        print("expected.py: fresh run matches the committed expectations frame for frame "
              "(%d rows)" % len(new))
        return 0
    n_old, n_new = normalise(old, args.committed_dir), normalise(new, args.fresh_dir)
    if n_old == n_new:
        shifted = sum(1 for a, b in zip(old, new) if a != b)
        print("expected.py: fresh run matches the committed expectations (%d rows); %d rows "
              "have other absolute frame numbers (TCP acknowledgements), the SIP messages, "
              "codes, methods and correlations are identical" % (len(new), shifted))
        return 0
    print("expected.py: MISMATCH between committed and fresh expectations", file=sys.stderr)
    for i in range(max(len(n_old), len(n_new))):
        a = n_old[i] if i < len(n_old) else None
        b = n_new[i] if i < len(n_new) else None
        if a != b:
            print("  row %d\n    committed: %s\n    fresh:     %s" % (
                i + 1, a and "\t".join(a.values()), b and "\t".join(b.values())), file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("build")
    p.add_argument("--pcap", required=True)
    p.add_argument("--events", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("merge")
    p.add_argument("--out", required=True)
    p.add_argument("rows", nargs="+")
    p = sub.add_parser("compare")
    for n in ("--committed", "--committed-dir", "--fresh", "--fresh-dir"):
        p.add_argument(n, required=True)
    args = ap.parse_args()
    try:
        return {"build": build, "merge": merge, "compare": compare}[args.cmd](args) or 0
    except Mismatch as e:
        print("expected.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
