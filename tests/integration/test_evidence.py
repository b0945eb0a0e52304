# SPDX-License-Identifier: GPL-2.0-or-later
"""Evidence inside tshark: what each response's headers (and its request's)
say, folded into sipadvisor.evidence items, the specific fix and severity.

pcaps/evidence.pcapng plays each case twice: once with the evidence present
and once with it absent or malformed. The expected tables below are typed in
by hand from that scenario (pcaps/README.md, "evidence.pcapng": what each
header says and what RFC 3261/3326/4028/6665 make of it), not from
sipadvisor's output, so a regression cannot rewrite them. Only the label
spellings ("Min-Expires", "Requested Expires", ...) are the plugin's contract
(README, docs/evidence.md).

An expected item ending in "..." is matched as a prefix: used where the rest
of the value is free wording (a Reason's echoed text, how a malformed Warning
is rendered).
"""
import re
import unittest

import harness

CAPTURE = "evidence.pcapng"
NO_EVIDENCE = ["-o", "sipadvisor.read_evidence:FALSE"]
EVIDENCE_EXPERTS = ["sipadvisor.evidence.chat", "sipadvisor.evidence.note",
                    "sipadvisor.evidence.warn", "sipadvisor.evidence.error"]

# frame -> the sipadvisor.evidence items, in order. Every SIP frame not listed
# (requests without Reason, 1xx, 2xx) must carry none.
EVIDENCE = {
    # Retry-After (RFC 3261 20.33)
    2: ["Retry-After: 120 (maintenance)"],              # 503 Retry-After: 120 (maintenance)
    5: ["Retry-After: absent"],                         # 503 without Retry-After
    8: ["Retry-After: absent"],                         # 503 Retry-After: soon (garbage: documented fallback)
    11: ["Retry-After: 300"],                           # 486 Retry-After: 300
    14: ["Retry-After: 18000..."],                      # 600 Retry-After: 18000;duration=3600
    17: ["Retry-After: 7200"],                          # 603 Retry-After: 7200
    20: ["Retry-After: 4294967295"],                    # 500 Retry-After: 99999999999999999999 saturates at 2^32-1
    # 423 (RFC 3261 10.2.8, 10.3)
    23: ["Min-Expires: 3600", "Requested Expires: 60"],
    25: ["Min-Expires: absent", "Requested Expires: 60"],
    27: ["Min-Expires: 600", "Requested Expires: 30"],  # REGISTER with Contact ;expires=30, no Expires
    # 422 (RFC 4028 6)
    29: ["Min-SE: 1800", "Requested Session-Expires: 90"],
    32: ["Min-SE: absent", "Requested Session-Expires: 90"],  # Min-SE: abc (garbage: documented fallback)
    # 405 (RFC 3261 21.4.6)
    35: ["Allow: INVITE, ACK, BYE, CANCEL, OPTIONS", "Method used: SUBSCRIBE"],
    37: ["Allow: (empty)", "Method used: MESSAGE"],     # "Allow:" with no value
    # 420, 421 (RFC 3261 21.4.15, 21.4.16)
    39: ["Unsupported: 100rel", "Requested Require: 100rel"],
    42: ["Require: timer", "Requested Supported: 100rel"],
    # 415 (RFC 3261 21.4.13)
    45: ["Accept: text/plain, message/cpim", "Accept-Encoding: identity", "Accept-Language: en, de",
         "Content-Type sent: text/html"],
    47: ["Accept: text/*", "Accept-Encoding: identity", "Content-Type sent: text/plain"],
    49: ["Content-Type sent: application/x-private"],  # 415 without any Accept*
    # 489 (RFC 6665 8.3.1)
    51: ["Allow-Events: presence, dialog", "Event used: message-summary"],
    53: ["Allow-Events: absent", "Event used: message-summary"],  # no Allow-Events header at all
    # 488 / 606 and the SDP offer; codecs in the m= line's order (RFC 3264 5.1:
    # the first format is the preferred one): m=audio ... 18 9 97 -> G729 G722 iLBC
    55: ["Offered codecs: G729, G722, iLBC", "Warning: 304 sbc.example.com \"Media type not available\""],
    58: ["Offered codecs: GSM, G723", "Warning: 305 sbc.example.com \"Incompatible media format\""],
    61: ["Offered codecs: G729, G722, iLBC", "Warning: 399 sbc.example.com..."],  # warn-text not quoted
    64: ["Offered codecs: G729, G722, iLBC", "Warning: 999 sbc.example.com \"Made-up warn code\"..."],
    67: ["Offered codecs: G729, G722, iLBC"],           # 488 without Warning
    # 401 chain with wrong credentials, clean 407 chain
    70: ["Realm: example.com", "Credentials in request: no"],
    72: ["Realm: example.com", "Credentials in request: yes", "Challenges in chain: 2",
         "Previous challenge: frame 70"],
    74: ["Realm: example.com", "Credentials in request: no"],
    # 482, 483 (RFC 3261 16.3, 8.1.1.6)
    80: ["Via count: 5", "Max-Forwards: 66"],
    83: ["Via count: 71", "Max-Forwards: 0"],
    86: ["Via count: 2", "Max-Forwards: 0"],
    # BYE with Reason (RFC 3326), 481 after the dialog's BYE, 481 in a dialog never ended
    91: ["Reason: Q.850 cause 16 (Normal call clearing)..."],
    94: ["Dialog ended: BYE in frame 91"],
    99: ["Dialog established: frame 96"],
    103: ["Reason: Q.850..."],                          # Reason: Q.850;cause=abc
    # 481 to a CANCEL after the 200 (RFC 3261 9.2)
    109: ["INVITE answered: 200 in frame 107"],
    # 487 after CANCEL, CANCELs with Reason
    115: ["Reason: SIP cause 200 (OK)..."],
    117: ["CANCEL: frame 115", "CANCEL Reason: SIP cause 200 (OK)..."],
    121: ["Reason: Q.850 cause 31 (Normal, unspecified)"],
    123: ["CANCEL: frame 121", "CANCEL Reason: Q.850 cause 31 (Normal, unspecified)"],
    126: ["CANCEL: not in the capture"],
    # TCP: two Contact ;expires= (20 and 45), 420 for a Proxy-Require tag
    132: ["Min-Expires: 300", "Requested Expires: 20"],
    134: ["Unsupported: x-sec-agree", "Requested Proxy-Require: x-sec-agree"],
}

# frame -> texts the specific fix must name (numbers, frames, values from the headers).
FIX_NAMES = {
    2: ["120", "RFC 3263"],
    5: ["RFC 3263"],
    8: ["RFC 3263"],
    11: ["300"],
    14: ["18000"],
    17: ["7200"],
    20: ["4294967295", "out of service"],
    23: ["3600", "60 s", "frame 22"],
    25: ["Min-Expires"],
    27: ["600", "30 s", "frame 26"],
    29: ["1800", "90 s", "frame 28"],
    32: ["Min-SE"],
    35: ["SUBSCRIBE", "INVITE, ACK, BYE, CANCEL, OPTIONS", "frame 34"],
    37: ["21.4.6"],
    39: ["100rel", "Require", "Supported", "frame 38"],
    42: ["timer", "frame 41"],
    45: ["text/plain, message/cpim", "text/html", "frame 44"],
    47: ["identity", "Content-Encoding"],
    49: ["21.4.13", "application/x-private"],
    51: ["presence, dialog", "message-summary", "frame 50"],
    53: ["Allow-Events", "message-summary"],
    55: ["304", "frame 54"],
    58: ["305", "GSM, G723", "frame 57"],
    61: ["399", "Codec mismatch"],
    64: ["999"],
    67: ["frame 66"],
    70: ["example.com", "frame 69"],
    72: ["example.com", "frame 71", "frame 70"],
    74: ["example.com", "Proxy-Authorization", "frame 73"],
    80: ["5 Via", "frame 79"],
    83: ["71", "frame 82"],
    86: ["Max-Forwards", "70"],
    94: ["frame 91", "frame 93"],
    99: ["frame 96", "frame 98"],
    109: ["frame 107", "frame 108", "BYE"],
    117: ["frame 115"],
    123: ["frame 121", "frame 119"],
    126: ["frame 125"],
    132: ["300", "20 s", "frame 131"],
    134: ["x-sec-agree", "Proxy-Require", "frame 133"],
}

# Evidence that changes severity, as an expert entry sipadvisor.evidence.<sev>:
# the retry WITH credentials challenged again (warn); the BYE after BYE and
# the CANCEL/200 race (note instead of warn); a 487 after a CANCEL (chat);
# requests that carry a Reason (a normal clearing: chat).
EVIDENCE_SEVERITY = {72: "warn", 94: "note", 109: "note", 117: "chat", 123: "chat",
                     91: "chat", 115: "chat", 121: "chat"}
REASON_REQUESTS = {91: "BYE", 103: "BYE", 115: "CANCEL", 121: "CANCEL"}


def split(value):
    return value.split("|") if value else []


def matches(expected, actual):
    if expected.endswith("..."):
        return actual.startswith(expected[:-3])
    return actual == expected


class EvidenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = harness.stage()

    def rows(self, fields, extra=()):
        result = {}
        for row in self.stage.fields(harness.pcap(CAPTURE), ["frame.number"] + fields, extra):
            result[int(row[0])] = dict(zip(fields, row[1:]))
        return result

    def frames(self, display_filter, extra=()):
        return [int(r[0]) for r in self.stage.fields(harness.pcap(CAPTURE), ["frame.number"],
                                                     list(extra) + ["-Y", display_filter])]

    def assert_items(self, frame, expected, actual):
        self.assertEqual(len(actual), len(expected), "frame %d: %r" % (frame, actual))
        for want, got in zip(expected, actual):
            self.assertTrue(matches(want, got), "frame %d: expected %r, got %r" % (frame, want, got))

    def test_every_frame_has_the_expected_evidence_items(self):
        for passes in ([], ["-2"]):
            rows = self.rows(["sip.Status-Code", "sip.Method", "sipadvisor.evidence"], passes)
            sip_frames = {f for f, r in rows.items() if r["sip.Status-Code"] or r["sip.Method"]}
            self.assertTrue(set(EVIDENCE) <= sip_frames, sorted(set(EVIDENCE) - sip_frames))
            for frame in sorted(sip_frames):
                with self.subTest(frame=frame, passes=passes):
                    self.assert_items(frame, EVIDENCE.get(frame, []), split(rows[frame]["sipadvisor.evidence"]))

    def summary_frames(self, display_filter):
        """Frames a filter selects with tshark's default one-line output: the
        tree is built for the filter but hidden, where sipadvisor leaves out
        the labels and the unread strings (packet-sipadvisor.cpp)."""
        args = ["-r", self.stage.capture(harness.pcap(CAPTURE)), "-Y", display_filter]
        return [int(line.split()[0]) for line in self.stage.run(args).stdout.splitlines() if line.strip()]

    def test_hidden_tree_filters_select_what_the_shown_tree_does(self):
        retry_after = sorted(f for f, items in EVIDENCE.items() if any(i.startswith("Retry-After: ") for i in items))
        self.assertEqual(len(retry_after), 7)  # typed in above: frames 2..20 of the Retry-After block
        self.assertEqual(self.summary_frames('sipadvisor.evidence contains "Retry-After: "'), retry_after)
        self.assertEqual(self.summary_frames('sipadvisor.evidence contains "Retry-After: "'),
                         self.frames('sipadvisor.evidence contains "Retry-After: "'))
        shown = self.frames("sipadvisor")
        self.assertGreater(len(shown), len(EVIDENCE))
        self.assertEqual(self.summary_frames("sipadvisor"), shown)

    def test_the_fix_names_the_specific_values(self):
        rows = self.rows(["sipadvisor.fix"])
        for frame, names in FIX_NAMES.items():
            fix = rows[frame]["sipadvisor.fix"]
            for name in names:
                with self.subTest(frame=frame, name=name):
                    self.assertIn(name, fix)

    def test_absent_or_malformed_values_are_never_shown_as_numbers(self):
        rows = self.rows(["sipadvisor.evidence", "sipadvisor.fix"])
        # Retry-After: soon, Min-SE: abc, Reason cause=abc: no number is invented.
        self.assertNotRegex(rows[8]["sipadvisor.fix"], r"\d+ s\b")
        self.assertNotIn("soon", rows[8]["sipadvisor.evidence"])
        self.assertNotRegex(rows[32]["sipadvisor.fix"], r"at least \d")
        self.assertNotIn("abc", rows[32]["sipadvisor.evidence"])
        self.assertNotRegex(rows[103]["sipadvisor.evidence"], r"cause \d")
        # 503 without (usable) Retry-After: nothing asks the client to wait.
        for frame in (5, 8):
            self.assertNotIn("stay away", rows[frame]["sipadvisor.fix"])

    def test_a_warning_that_is_present_is_cited(self):
        rows = self.rows(["sipadvisor.fix"])
        # 488 with Warning 399 (text unquoted) and with the unregistered 999:
        # the response does say why, so the fix must not claim it does not.
        for frame in (61, 64):
            with self.subTest(frame=frame):
                self.assertNotIn("No Warning", rows[frame]["sipadvisor.fix"])
        self.assertIn("Made-up warn code", rows[64]["sipadvisor.fix"])
        # Only the 488 without any Warning falls back to comparing the offer.
        self.assertIn("No Warning", rows[67]["sipadvisor.fix"])

    def test_only_the_repeated_challenge_is_raised_to_warn(self):
        self.assertEqual(self.frames("sipadvisor.evidence.warn"), [72])
        # The first 401 (70), the 407 (74) and the 200 that ends the 407 chain
        # (77) keep their default severity: no evidence expert entry.
        evidence_expert = set(self.frames(" || ".join(EVIDENCE_EXPERTS)))
        for frame in (70, 74, 77):
            self.assertNotIn(frame, evidence_expert)
        severity = self.rows(["sipadvisor.severity"])
        self.assertEqual(severity[70]["sipadvisor.severity"], "note")
        self.assertEqual(severity[74]["sipadvisor.severity"], "note")

    def test_severity_changes_have_their_expert_entries(self):
        for name in EVIDENCE_EXPERTS:
            level = name.rsplit(".", 1)[1]
            expected = sorted(f for f, s in EVIDENCE_SEVERITY.items() if s == level)
            found = self.frames(name)
            # The BYE with an unreadable Reason cause may be shown at any level.
            with self.subTest(expert=name):
                self.assertEqual([f for f in found if f != 103], expected)
        self.assertIn(103, self.frames(" || ".join(EVIDENCE_EXPERTS)))
        # 487 with no CANCEL in the capture stays a note (no change).
        self.assertNotIn(126, self.frames(" || ".join(EVIDENCE_EXPERTS)))

    def test_487_after_cancel_is_chat(self):
        rows = self.rows(["sipadvisor.code", "_ws.expert.severity"], ["-Y", "sipadvisor.code == 487"])
        self.assertEqual(sorted(rows), [117, 123, 126])
        chat = self.frames("sipadvisor.evidence.chat && sipadvisor.code == 487")
        self.assertEqual(chat, [117, 123])

    def test_reason_shows_on_the_request(self):
        rows = self.rows(["sip.Method", "sipadvisor.evidence", "sipadvisor.code"])
        for frame, method in REASON_REQUESTS.items():
            with self.subTest(frame=frame):
                self.assertEqual(rows[frame]["sip.Method"], method)
                self.assertEqual(rows[frame]["sipadvisor.code"], "")   # a request gets no response advice
        self.assertTrue(rows[91]["sipadvisor.evidence"].startswith("Reason: Q.850 cause 16 (Normal call clearing)"))
        message = dict(self.stage.fields(harness.pcap(CAPTURE), ["frame.number", "_ws.expert.message"],
                                         ["-Y", "frame.number == 91 && sipadvisor.evidence.chat"]))
        self.assertIn("Q.850 cause 16", message["91"])

    def test_expert_message_carries_the_specific_fix(self):
        messages = dict(self.stage.fields(harness.pcap(CAPTURE), ["frame.number", "_ws.expert.message"],
                                          ["-Y", "sipadvisor.code in {423, 422}"]))
        self.assertIn("Min-Expires: 3600", messages["23"])
        self.assertIn("Min-SE: 1800", messages["29"])
        self.assertTrue(messages["23"].startswith("423 Interval Too Brief: "))

    def test_read_evidence_off_removes_every_evidence_field(self):
        self.assertEqual(self.frames("sipadvisor.evidence", NO_EVIDENCE), [])
        self.assertEqual(self.frames(" || ".join(EVIDENCE_EXPERTS), NO_EVIDENCE), [])
        self.assertEqual(self.frames("sipadvisor.evidence"), sorted(EVIDENCE))
        kb = harness.knowledge_base()
        rows = self.rows(["sipadvisor.code", "sipadvisor.fix", "sipadvisor.severity"], NO_EVIDENCE)
        # Without evidence each response gets its code's own fix and severity.
        for frame in (23, 72, 117):
            code = int(rows[frame]["sipadvisor.code"])
            with self.subTest(frame=frame):
                self.assertEqual(rows[frame]["sipadvisor.fix"], kb[code]["fix"])
                self.assertEqual(rows[frame]["sipadvisor.severity"], kb[code]["severity"])


if __name__ == "__main__":
    unittest.main()
