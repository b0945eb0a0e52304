# SPDX-License-Identifier: GPL-2.0-or-later
"""sipadvisor on captures of a real SIP server (Kamailio 5.6 on loopback).

pcaps/kamailio-expected.tsv is written by pcaps/generate/kamailio from what
the scripted client sent and expected, cross-checked against tshark's own
dissection and reviewed by hand (pcaps/generate/kamailio/README.md); it is
never produced by sipadvisor. Each row is one SIP response.
"""
import csv
import os
import unittest

import harness

EXPECTED = os.path.join(harness.PCAPS_DIR, "kamailio-expected.tsv")
FIELDS = ["frame.number", "sipadvisor.code", "sipadvisor.request_frame", "sipadvisor.request_method",
          "sipadvisor.etag.state", "sipadvisor.etag.issued_in", "sipadvisor.etag.superseded_in",
          "sipadvisor.etag.removed_in", "sipadvisor.etag.other_issued_in", "sipadvisor.redirect.contact",
          "sipadvisor.redirect.followed_in"]


def split(value):
    return value.split("|") if value else []


def expected_rows():
    with open(EXPECTED, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class KamailioTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = harness.stage()
        cls.actual = {}
        for capture in sorted({row["file"] for row in expected_rows()}):
            per_frame = {}
            for row in cls.stage.fields(harness.pcap(capture), FIELDS, ["-2"]):
                per_frame[int(row[0])] = dict(zip(FIELDS[1:], (split(v) for v in row[1:])))
            cls.actual[capture] = per_frame

    def pdu(self, row):
        """The sipadvisor values of the response PDU this row describes."""
        frame = self.actual[row["file"]][int(row["frame"])]
        codes = frame["sipadvisor.code"]
        self.assertIn(row["status"], codes, "frame %s" % row["frame"])
        index = codes.index(row["status"])
        if len(codes) > 1:
            # Several responses in one TCP segment: the per-PDU fields line
            # up only for the ones every PDU carries.
            return index, frame
        return index, frame

    def test_every_response_links_to_the_request_the_client_sent(self):
        rows = expected_rows()
        self.assertGreater(len(rows), 50)
        for row in rows:
            with self.subTest(file=row["file"], frame=row["frame"], scenario=row["scenario"]):
                index, frame = self.pdu(row)
                self.assertEqual(frame["sipadvisor.request_frame"][index], row["request_frame"])
                self.assertEqual(frame["sipadvisor.request_method"][index], row["cseq_method"])

    def test_each_412_has_the_state_the_scenario_produced(self):
        rows = [r for r in expected_rows() if r["etag_state"] != "-"]
        self.assertGreaterEqual(len(rows), 10)
        for row in rows:
            with self.subTest(file=row["file"], frame=row["frame"], scenario=row["scenario"]):
                _, frame = self.pdu(row)
                self.assertEqual(frame["sipadvisor.etag.state"], [row["etag_state"]])
                if row["etag_frame"] != "-":
                    related = (frame["sipadvisor.etag.issued_in"] + frame["sipadvisor.etag.superseded_in"]
                               + frame["sipadvisor.etag.removed_in"] + frame["sipadvisor.etag.other_issued_in"])
                    self.assertIn(row["etag_frame"], related)

    def test_each_3xx_lists_its_contacts_and_who_followed(self):
        rows = [r for r in expected_rows() if r["status"].startswith("3")]
        self.assertGreaterEqual(len(rows), 4)
        for row in rows:
            with self.subTest(file=row["file"], frame=row["frame"]):
                _, frame = self.pdu(row)
                expected = [u for u in row["contact_uris"].replace(",", " ").split() if u != "-"]
                self.assertEqual(frame["sipadvisor.redirect.contact"], expected)
                if row["followup_frame"] != "-":
                    self.assertEqual(frame["sipadvisor.redirect.followed_in"], [row["followup_frame"]])


if __name__ == "__main__":
    unittest.main()
