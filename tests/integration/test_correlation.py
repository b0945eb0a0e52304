# SPDX-License-Identifier: GPL-2.0-or-later
"""Correlation inside tshark: request links, 412 entity-tag diagnosis, 3xx
follow-through, over UDP, TCP (multi-PDU and reassembled), WebSocket, SCTP
and a proxy's two legs.

The expected tables below are typed in by hand from the frame tables of
pcaps/README.md (written from the scenario each generator plays, not from
sipadvisor's output), so a regression in the plugin cannot rewrite them.
"""
import unittest

import harness

# capture -> {response frame: (request frame or None, request method, matched by)}
REQUEST_LINKS = {
    "proxy-two-legs.pcapng": {
        2: (1, "INVITE", "via-branch"),     # proxy's own 100 to the UAC leg
        4: (3, "INVITE", "via-branch"),     # UAS leg 100
        5: (3, "INVITE", "via-branch"),     # UAS leg 180
        6: (1, "INVITE", "via-branch"),     # 180 relayed to the UAC
        8: (1, "INVITE", "via-branch"),     # 180 re-sent after the INVITE retransmission (frame 7)
        9: (3, "INVITE", "via-branch"),     # UAS 200
        10: (1, "INVITE", "via-branch"),    # 200 relayed
        11: (3, "INVITE", "via-branch"),    # retransmitted 200, UAS leg
        12: (1, "INVITE", "via-branch"),    # retransmitted 200, UAC leg
        15: (None, "", "not-in-capture"),   # 481 to a BYE that is not in the capture
    },
    "rfc2543-no-cookie.pcapng": {
        2: (1, "INVITE", "rfc2543"),
        3: (1, "INVITE", "rfc2543"),
        4: (1, "INVITE", "rfc2543"),
        7: (6, "INVITE", "rfc2543"),
        9: (8, "CANCEL", "rfc2543"),        # 200 to the CANCEL matches the CANCEL
        10: (6, "INVITE", "rfc2543"),       # 487 matches the INVITE
    },
    "tcp-two-responses.pcapng": {
        5: (4, "INVITE", "via-branch"),     # frame 5 carries 100 and 180
        6: (4, "INVITE", "via-branch"),
        10: (9, "OPTIONS", "via-branch"),   # OPTIONS split over frames 8-9
        12: (11, "REGISTER", "via-branch"), # frame 12 carries 401 and 200 for the two requests of frame 11
    },
    "tcp-across-segments.pcapng": {
        7: (6, "INVITE", "via-branch"),     # INVITE in frames 4-6
        9: (6, "INVITE", "via-branch"),     # 200 in frames 8-9
        12: (11, "BYE", "via-branch"),
    },
    "websocket-sctp.pcapng": {
        7: (6, "REGISTER", "via-branch"),   # WebSocket
        9: (8, "REGISTER", "via-branch"),
        15: (14, "REGISTER", "via-branch"), # SCTP
        17: (16, "REGISTER", "via-branch"),
    },
}

# Frames with two PDUs: per-PDU request frames and methods, in order.
MULTI_PDU = {
    ("tcp-two-responses.pcapng", 5): (["4", "4"], ["INVITE", "INVITE"]),
    ("tcp-two-responses.pcapng", 12): (["11", "11"], ["REGISTER", "OPTIONS"]),
}

# publish-etag-states.pcapng: 412 frame -> expected diagnosis.
ETAG_412 = {
    12: {"sipadvisor.etag.state": "superseded", "sipadvisor.etag.if_match": "e1",
         "sipadvisor.etag.issued_in": "2", "sipadvisor.etag.superseded_by": "e2",
         "sipadvisor.etag.superseded_in": "4"},
    16: {"sipadvisor.etag.state": "removed", "sipadvisor.etag.if_match": "e3",
         "sipadvisor.etag.removed_in": "14"},
    20: {"sipadvisor.etag.state": "expired", "sipadvisor.etag.if_match": "e4",
         "sipadvisor.etag.issued_in": "18", "sipadvisor.etag.expires": "30"},
    22: {"sipadvisor.etag.state": "unknown", "sipadvisor.etag.if_match": "zz-never-seen",
         "sipadvisor.etag.issued_in": ""},
    26: {"sipadvisor.etag.state": "live", "sipadvisor.etag.if_match": "b1",
         "sipadvisor.etag.issued_in": "24", "sipadvisor.etag.expires": "3600"},
}
ETAG_EXPERT = {12: "sipadvisor.etag.superseded", 16: "sipadvisor.etag.removed", 20: "sipadvisor.etag.expired",
               22: "sipadvisor.etag.unknown", 26: "sipadvisor.etag.live"}
ETAG_FIELDS = ["sipadvisor.etag.state", "sipadvisor.etag.if_match", "sipadvisor.etag.issued_in",
               "sipadvisor.etag.expires", "sipadvisor.etag.elapsed", "sipadvisor.etag.superseded_by",
               "sipadvisor.etag.superseded_in", "sipadvisor.etag.removed_in"]

# redirect-3xx.pcapng
REDIRECT_CONTACTS = {
    2: ["sip:carol@new.example.net"],                                   # 301
    10: ["sip:carol@new.example.net"],                                  # 301 again
    13: ["sip:dave@a.example.net", "sip:dave@b.example.net"],           # 302, q=0.7 and q=1.0
    19: [],                                                             # 302 without Contact
    22: ["sip:proxy2.example.net;lr"],                                  # 305
    24: ["sip:voicemail@vm.example.net"],                               # 380
    27: ["sip:heidi@home.example.net", "sip:heidi@work.example.net", "sip:heidi@mobile.example.net"],  # 300
}
REDIRECT_FOLLOWS = {4: "2", 15: "13"}      # request frame -> 3xx it follows
REDIRECT_IGNORED = {9: "2"}                # request frame -> 301 it ignores
FOLLOWED_IN = {2: "4", 13: "15"}           # 3xx frame -> first request that used it (two-pass)


def split(value):
    return value.split("|") if value else []


class CorrelationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = harness.stage()

    def rows(self, capture, fields, extra=()):
        result = {}
        for row in self.stage.fields(harness.pcap(capture), ["frame.number"] + fields, extra):
            result[int(row[0])] = dict(zip(fields, row[1:]))
        return result

    def test_every_response_names_its_request(self):
        fields = ["sip.Status-Code", "sipadvisor.request_frame", "sipadvisor.request_method",
                  "sipadvisor.request_match"]
        for capture, expected in REQUEST_LINKS.items():
            for passes in ([], ["-2"]):
                rows = self.rows(capture, fields, passes)
                responses = {f for f, r in rows.items() if r["sip.Status-Code"]}
                with self.subTest(capture=capture, passes=passes):
                    self.assertEqual(responses, set(expected))
                for frame, (request, method, match) in expected.items():
                    row = rows[frame]
                    with self.subTest(capture=capture, frame=frame, passes=passes):
                        count = len(split(row["sip.Status-Code"]))
                        if (capture, frame) in MULTI_PDU:
                            requests, methods = MULTI_PDU[(capture, frame)]
                            self.assertEqual(split(row["sipadvisor.request_frame"]), requests)
                            self.assertEqual(split(row["sipadvisor.request_method"]), methods)
                            self.assertEqual(split(row["sipadvisor.request_match"]), [match] * count)
                            continue
                        self.assertEqual(row["sipadvisor.request_frame"], str(request) if request else "")
                        self.assertEqual(row["sipadvisor.request_method"], method)
                        self.assertEqual(row["sipadvisor.request_match"], match)

    def test_response_without_request_gets_an_expert_note(self):
        rows = self.stage.fields(harness.pcap("proxy-two-legs.pcapng"), ["frame.number"],
                                 ["-Y", "sipadvisor.request.not_in_capture"])
        self.assertEqual([r[0] for r in rows], ["15"])

    def test_each_412_reports_the_entity_tag_state(self):
        for passes in ([], ["-2"]):
            rows = self.rows("publish-etag-states.pcapng", ["sip.Status-Code"] + ETAG_FIELDS, passes)
            diagnosed = {f for f, r in rows.items() if r["sipadvisor.etag.state"]}
            self.assertEqual(diagnosed, set(ETAG_412))
            for frame, expected in ETAG_412.items():
                with self.subTest(frame=frame, passes=passes):
                    self.assertEqual(rows[frame]["sip.Status-Code"], "412")
                    for field, value in expected.items():
                        self.assertEqual(rows[frame][field], value, field)
            # Elapsed time since the tag was issued, as the scenario played it.
            self.assertAlmostEqual(float(rows[20]["sipadvisor.etag.elapsed"]), 100.0, delta=0.5)
            self.assertAlmostEqual(float(rows[26]["sipadvisor.etag.elapsed"]), 10.0, delta=0.5)

    def test_each_412_state_has_its_expert_entry(self):
        capture = harness.pcap("publish-etag-states.pcapng")
        for frame, name in ETAG_EXPERT.items():
            rows = self.stage.fields(capture, ["frame.number"], ["-Y", name])
            self.assertEqual([r[0] for r in rows], [str(frame)], name)
        messages = dict(self.stage.fields(capture, ["frame.number", "_ws.expert.message"],
                                          ["-Y", "sipadvisor.etag.state"]))
        self.assertIn("superseded by e2", messages["12"])
        self.assertIn("Fix:", messages["12"])
        self.assertIn("PUBLISH without SIP-If-Match", messages["16"])
        self.assertIn("refresh before Expires", messages["20"])
        self.assertIn("server lost state", messages["26"])

    def test_3xx_lists_contacts_and_flags_missing_ones(self):
        fields = ["sip.Status-Code", "sipadvisor.redirect.contact", "sipadvisor.redirect.contact.q"]
        rows = self.rows("redirect-3xx.pcapng", fields)
        redirects = {f for f, r in rows.items() if r["sip.Status-Code"].startswith("3")}
        self.assertEqual(redirects, set(REDIRECT_CONTACTS))
        for frame, contacts in REDIRECT_CONTACTS.items():
            self.assertEqual(split(rows[frame]["sipadvisor.redirect.contact"]), contacts, "frame %d" % frame)
        self.assertEqual(split(rows[13]["sipadvisor.redirect.contact.q"]), ["0.7", "1"])
        missing = self.stage.fields(harness.pcap("redirect-3xx.pcapng"), ["frame.number"],
                                    ["-Y", "sipadvisor.redirect.no_contact"])
        self.assertEqual([r[0] for r in missing], ["19"])

    def test_requests_that_follow_or_ignore_a_redirect(self):
        fields = ["sipadvisor.redirect.follows", "sipadvisor.redirect.ignored"]
        for passes in ([], ["-2"]):
            rows = self.rows("redirect-3xx.pcapng", fields, passes)
            self.assertEqual({f: r["sipadvisor.redirect.follows"] for f, r in rows.items()
                              if r["sipadvisor.redirect.follows"]}, REDIRECT_FOLLOWS)
            self.assertEqual({f: r["sipadvisor.redirect.ignored"] for f, r in rows.items()
                              if r["sipadvisor.redirect.ignored"]}, REDIRECT_IGNORED)
        ignored = self.stage.fields(harness.pcap("redirect-3xx.pcapng"), ["frame.number"],
                                    ["-Y", "sipadvisor.redirect.ignores_301"])
        self.assertEqual([r[0] for r in ignored], ["9"])

    def test_3xx_shows_where_it_was_followed_in_two_pass(self):
        rows = self.rows("redirect-3xx.pcapng", ["sipadvisor.redirect.followed_in"], ["-2"])
        self.assertEqual({f: r["sipadvisor.redirect.followed_in"] for f, r in rows.items()
                          if r["sipadvisor.redirect.followed_in"]}, FOLLOWED_IN)


if __name__ == "__main__":
    unittest.main()
