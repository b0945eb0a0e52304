#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the libFuzzer seed corpus tests/fuzz/corpus/ from pcaps/ and data/.

    python3 tests/fuzz/make_corpus.py [--out tests/fuzz/corpus]

  correlation/  the SIP messages of each capture in pcaps/ as facts, encoded
                in fuzz_correlation.cpp's input format (literal strings,
                frames and times), at most 24 messages per seed
  advisor/      status codes and raw SIP texts (start lines, URIs, tags) of
                the captures, in fuzz_advisor.cpp's format
  kbgen/        small knowledge bases in fuzz_kbgen.cpp's format: slices of
                data/*.ini (rejected: codes missing) and a minimal synthetic
                one that kbgen accepts

Deterministic; the whole corpus stays well under 200 KB.
"""
import argparse
import configparser
import os
import re
import shutil
import struct
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sip_mutator  # noqa: E402

SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
MAX_MESSAGES = 24
MAX_STRING = 48
COMPACT = {"v": "via", "i": "call-id", "f": "from", "t": "to", "m": "contact", "o": "event"}


# --------------------------------------------------------------------------
# SIP messages of a capture
# --------------------------------------------------------------------------

def endpoint(address, port):
    if len(address) == 4:
        return "%s:%d" % (".".join(str(b) for b in address), port)
    groups = ["%x" % struct.unpack("!H", address[i:i + 2])[0] for i in range(0, 16, 2)]
    return "[%s]:%d" % (":".join(groups), port)


def split_messages(payload):
    starts = [m.start() for m in re.finditer(rb"(?m)^(?:[A-Z]{3,12} \S+ SIP/2\.0\r\n|SIP/2\.0 \d{3} )", payload)]
    return [payload[a:b] for a, b in zip(starts, starts[1:] + [len(payload)])]


def parse(text):
    head = text.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = head.split("\r\n")
    start = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            name = name.strip().lower()
            headers.append((COMPACT.get(name, name), value.strip()))
    return start, headers


def param(value, name):
    match = re.search(r";\s*%s=([^;,>\s]*)" % name, value, re.I)
    return match.group(1) if match else ""


def facts_of(text, src, dst, seconds, frame):
    start, headers = parse(text)
    first = {}
    for name, value in headers:
        first.setdefault(name, value)
    facts = {"frame": frame, "time": seconds, "is_request": not start[0].startswith("SIP/")}
    if facts["is_request"]:
        facts["method"] = start[0]
        facts["request_uri"] = start[1] if len(start) > 1 else ""
        facts["status"] = 0
    else:
        facts["status"] = int(start[1]) if len(start) > 1 and start[1].isdigit() else 0
    cseq = first.get("cseq", "").split()
    facts["cseq_seq"] = int(cseq[0]) if cseq and cseq[0].isdigit() and int(cseq[0]) < 2 ** 32 else 0
    facts["cseq_method"] = cseq[1] if len(cseq) > 1 else ""
    facts["call_id"] = first.get("call-id", "")
    facts["from_tag"] = param(first.get("from", ""), "tag")
    facts["to_tag"] = param(first.get("to", ""), "tag")
    via = first.get("via", "")
    match = re.match(r"SIP\s*/\s*2\.0\s*/\s*(\S+)\s+([^;\s]+)", via)
    facts["via_transport"] = match.group(1) if match else ""
    facts["via_sent_by"] = match.group(2) if match else ""
    facts["via_branch"] = param(via, "branch")
    facts["src"], facts["dst"] = src, dst
    facts["event"] = first.get("event", "").split(";")[0].strip()
    facts["sip_etag"] = first.get("sip-etag", "")
    facts["sip_if_match"] = first.get("sip-if-match", "")
    expires = first.get("expires", "")
    facts["expires"] = int(expires) if expires.isdigit() and int(expires) < 2 ** 32 else None
    contacts = []
    for name, value in headers:
        if name == "contact":
            for entry in value.split(","):
                uri = re.search(r"<([^>]*)>", entry)
                q = param(entry, "q")
                contact_expires = param(entry, "expires")
                contacts.append((uri.group(1) if uri else entry.split(";")[0].strip(),
                                 q, int(contact_expires) if contact_expires.isdigit() else None))
    facts["contacts"] = contacts[:5]
    return facts


def capture_messages(path):
    with open(path, "rb") as handle:
        capture = sip_mutator.Pcapng(handle.read())
    frame = 0
    messages = []
    for _, data, ts in capture.packets():
        frame += 1
        packet = sip_mutator.Packet(data)
        if not packet.ok or not packet.payload:
            continue
        for text in split_messages(packet.payload):
            messages.append((text, facts_of(text, endpoint(packet.src, packet.sport),
                                            endpoint(packet.dst, packet.dport), ts / 1e6, frame)))
    return messages


# --------------------------------------------------------------------------
# fuzz_correlation.cpp's format
# --------------------------------------------------------------------------

def literal(text):
    data = text.encode("utf-8", "replace")[:MAX_STRING] if isinstance(text, str) else text[:MAX_STRING]
    return bytes([0xFF, len(data)]) + data


def q_byte(q):
    table = {"0": 7, "0.0": 7, "0.5": 8, "1": 2, "1.0": 2}
    return table.get(q, 8) if q else 0


def encode_correlation(facts_list):
    out = bytearray([8, 4, 4, 3, 4, 5])  # 8 transactions, 4 entities, 4 redirects, 64 s, 300 s, 3600 s
    for facts in facts_list:
        kind = 0x10  # frame: literal u32
        if facts["is_request"]:
            kind |= 1
        if facts["expires"] is not None:
            kind |= 2
        if facts["contacts"]:
            kind |= 4
        out.append(kind)
        out += struct.pack("<I", facts["frame"])
        out.append(0xFF)
        out += struct.pack("<d", facts["time"])
        if facts["is_request"]:
            out += literal(facts["method"]) + literal(facts["request_uri"])
        else:
            out.append(0xFF)
            out += struct.pack("<H", facts["status"])
        out += literal(facts["call_id"])
        out.append(0xFF)
        out += struct.pack("<I", facts["cseq_seq"])
        for key in ("cseq_method", "from_tag", "to_tag", "via_branch", "via_sent_by", "via_transport", "src",
                    "dst", "event", "sip_etag", "sip_if_match"):
            out += literal(facts[key])
        if facts["expires"] is not None:
            out.append(0xFF)
            out += struct.pack("<I", facts["expires"])
        if facts["contacts"]:
            out.append(len(facts["contacts"]))
            for uri, q, expires in facts["contacts"]:
                out += literal(uri)
                out.append(q_byte(q))
                if expires is None:
                    out.append(0)
                else:
                    out += bytes([1, 0xFF]) + struct.pack("<I", min(expires, 2 ** 32 - 1))
    return bytes(out)


# --------------------------------------------------------------------------
# kbgen seeds
# --------------------------------------------------------------------------

SEPARATOR = b"\n#%%\n"


def ini_groups(path):
    """The groups of an .ini file as text blocks, in order."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return [block for block in re.split(r"(?m)^(?=\[)", text) if block.startswith("[")]


def minimal_kb():
    """The smallest knowledge base kbgen accepts: every required record, short texts."""
    kbgen = open(os.path.join(SOURCE_DIR, "plugin", "kbgen", "kbgen.cpp"), encoding="utf-8").read()

    def numbers(name):
        body = re.search(r"%s\[\] = \{([^}]*)\}" % name, kbgen).group(1)
        return [int(n) for n in re.findall(r"\d+", body)]
    codes = "".join("[%d]\nphrase=P%d\nseverity=warn\nsummary=s%d\nmeaning=m%d\ncause=c%d\nfix=f%d\nrfc=RFC 3261\n"
                    % ((code,) * 6) for code in numbers("kIanaCodes"))
    special = ("[unregistered]\nnote=n\n[invalid]\nphrase=I\nseverity=error\nsummary=s\nmeaning=m\ncause=c\n"
               "fix=f\nrfc=RFC 3261 §7.2\n")
    q850 = "".join("[%d]\nname=N%d\nmeaning=m%d\nfix=f%d\n" % ((n,) * 4) for n in numbers("kRequiredQ850"))
    warnings = "".join("[%d]\ntext=T%d\nmeaning=m%d\nfix=f%d\n" % ((n,) * 4) for n in numbers("kIanaWarnCodes"))
    return [part.encode() for part in (codes, special, q850, warnings)]


def kbgen_seeds():
    data = os.path.join(SOURCE_DIR, "data")
    codes = ini_groups(os.path.join(data, "response-codes.ini"))
    with open(os.path.join(data, "special-cases.ini"), "rb") as handle:
        special = handle.read()
    q850 = ini_groups(os.path.join(data, "q850-causes.ini"))
    warnings = ini_groups(os.path.join(data, "warning-codes.ini"))
    seeds = {
        "codes-3-special": "".join(codes[:3]).encode() + SEPARATOR + special,
        "codes-412-special": "".join(g for g in codes if g.startswith("[412]")).encode() + SEPARATOR + special,
        "four-files-slices": ("".join(codes[10:13]).encode() + SEPARATOR + special + SEPARATOR
                              + "".join(q850[:4]).encode() + SEPARATOR + "".join(warnings[:3]).encode()),
        "codes-only": "".join(codes[-2:]).encode(),
    }
    minimal = minimal_kb()
    seeds["minimal-accepted-2"] = minimal[0] + SEPARATOR + minimal[1]
    seeds["minimal-accepted-4"] = SEPARATOR.join(minimal)
    return seeds


# --------------------------------------------------------------------------

def write(folder, name, data):
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(HERE, "corpus"))
    options = parser.parse_args()
    for sub in ("correlation", "advisor", "kbgen"):
        shutil.rmtree(os.path.join(options.out, sub), ignore_errors=True)
        os.makedirs(os.path.join(options.out, sub))

    pcaps = os.path.join(SOURCE_DIR, "pcaps")
    texts = []
    codes = set()
    for name in sorted(os.listdir(pcaps)):
        if not name.endswith(".pcapng"):
            continue
        messages = capture_messages(os.path.join(pcaps, name))
        stem = name[:-len(".pcapng")]
        for part in range(0, min(len(messages), 4 * MAX_MESSAGES), MAX_MESSAGES):
            chunk = [facts for _, facts in messages[part:part + MAX_MESSAGES]]
            write(os.path.join(options.out, "correlation"), "%s-%d" % (stem, part // MAX_MESSAGES),
                  encode_correlation(chunk))
        for text, facts in messages:
            codes.add(facts["status"])
            first_line = text.split(b"\r\n", 1)[0]
            texts.append(first_line)
            for key in ("request_uri", "via_branch", "sip_if_match", "src"):
                if facts.get(key):
                    texts.append(facts[key].encode())
            texts.extend(uri.encode() for uri, _, _ in facts["contacts"])

    # advisor: 16 codes (u32) then NUL-separated texts, a limit in byte 0.
    codes = sorted(codes | {0, 99, 700, 999, 65535})
    texts = sorted(set(texts))
    for index in range(0, max(len(codes), 1), 16):
        numbers = codes[index:index + 16]
        numbers += [0] * (16 - len(numbers))
        data = bytes([48, 0, 0, 0]) + b"".join(struct.pack("<I", n) for n in numbers[1:])
        data += b"\0" + b"\0".join(texts[index * 2:index * 2 + 24])
        write(os.path.join(options.out, "advisor"), "codes-%03d" % index, data)
    write(os.path.join(options.out, "advisor"), "utf8-cut", ("x" * 40 + "é" * 10 + "\0" + "€" * 20).encode())

    for name, data in kbgen_seeds().items():
        write(os.path.join(options.out, "kbgen"), name, data)

    total = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(options.out) for f in files)
    count = sum(len(files) for _, _, files in os.walk(options.out))
    print("make_corpus: %d seeds, %d bytes in %s" % (count, total, options.out))


if __name__ == "__main__":
    main()
