# SPDX-License-Identifier: GPL-2.0-or-later
"""sipadvisor over the public capture corpus (../shared/real-pcaps, or the
folder in $SIPADVISOR_CORPUS): 99 captures from 17 public projects, never
copied into this repository. Skipped, saying so, when the corpus is absent.

For every capture: tshark exits cleanly; every SIP response PDU that
Wireshark's SIP dissector found gets a sipadvisor subtree; and no response is
linked to a request frame that does not carry the response's Call-ID.
"""
import csv
import os
import re
import unittest

import harness

CORPUS = os.environ.get("SIPADVISOR_CORPUS",
                        os.path.join(harness.SOURCE_DIR, "..", "shared", "real-pcaps"))
INDEX = os.path.join(CORPUS, "INDEX.tsv")


def corpus_entries():
    with open(INDEX, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            # INDEX notes say which captures need decode-as, e.g.
            # "needs tshark -d tcp.port==6060,sip -d tcp.port==16933,sip".
            decode_as = []
            for rule in re.findall(r"-d ([\w.=]+,\w+)", row.get("notes", "")):
                decode_as += ["-d", rule]
            yield row["file"], decode_as


def split(value):
    return value.split("|") if value else []


@unittest.skipUnless(os.path.exists(INDEX), "public corpus not found at %s (set SIPADVISOR_CORPUS): skipped"
                     % os.path.abspath(CORPUS))
class CorpusTest(unittest.TestCase):
    def test_every_response_annotated_and_linked_to_its_own_call(self):
        stage = harness.stage()
        entries = list(corpus_entries())
        self.assertGreaterEqual(len(entries), 90)
        responses_total = 0
        for name, decode_as in entries:
            path = os.path.join(CORPUS, name)
            with self.subTest(capture=name):
                # Several public captures end mid-packet; tshark then still
                # exits 0 for a cut-short last frame but 2 for a broken file.
                rows = stage.fields(path, ["frame.number", "sip.Status-Code", "sip.Call-ID",
                                           "sipadvisor.code", "sipadvisor.request_frame"], decode_as)
                call_ids = {}
                for frame, codes, ids, advised, request_frames in rows:
                    call_ids[int(frame)] = set(split(ids))
                for frame, codes, ids, advised, request_frames in rows:
                    codes, advised = split(codes), split(advised)
                    self.assertEqual(advised, codes, "frame %s: every response PDU gets advice" % frame)
                    responses_total += len(codes)
                    for request in split(request_frames):
                        shared = call_ids.get(int(request), set()) & set(split(ids))
                        self.assertTrue(shared, "frame %s linked to request frame %s of another call"
                                        % (frame, request))
        self.assertGreater(responses_total, 1000)


if __name__ == "__main__":
    unittest.main()
