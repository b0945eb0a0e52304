# SPDX-License-Identifier: GPL-2.0-or-later
"""The core promise: every SIP response gets its advice, in the tree, as
fields and in Expert Info, the same in one pass and in two.

Expected values come from sources the plugin does not produce: the status
codes Wireshark's own SIP dissector reads (sip.Status-Code), the texts in
data/*.ini, and the frame tables in pcaps/README.md.
"""
import glob
import os
import re
import unittest

import harness

IANA_CODES = [
    100, 180, 181, 182, 183, 199, 200, 202, 204, 300, 301, 302, 305, 380, 400,
    401, 402, 403, 404, 405, 406, 407, 408, 410, 412, 413, 414, 415, 416, 417,
    420, 421, 422, 423, 424, 425, 428, 429, 430, 433, 436, 437, 438, 439, 440,
    469, 470, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 491, 493, 494,
    500, 501, 502, 503, 504, 505, 513, 555, 580, 600, 603, 604, 606, 607, 608,
]
CLASS_NAMES = {1: "1xx Provisional", 2: "2xx Success", 3: "3xx Redirection", 4: "4xx Client Error",
               5: "5xx Server Error", 6: "6xx Global Failure"}
EXPERT_SEVERITY = {"chat": "Chat", "note": "Note", "warn": "Warning", "error": "Error"}
NO_EVIDENCE = ["-o", "sipadvisor.read_evidence:FALSE"]
ADVICE_FIELDS = ["sipadvisor.code", "sipadvisor.class", "sipadvisor.summary", "sipadvisor.meaning", "sipadvisor.cause",
                 "sipadvisor.fix", "sipadvisor.rfc", "sipadvisor.phrase", "sipadvisor.severity"]


def split(value):
    return value.split("|") if value else []


class CoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = harness.stage()
        cls.kb = harness.knowledge_base()
        cls.special = harness.special_cases()

    def advice_rows(self, capture, extra=()):
        """{frame: (wireshark status codes, {field: [values]})} for SIP frames."""
        rows = self.stage.fields(harness.pcap(capture),
                                 ["frame.number", "sip.Status-Code"] + ADVICE_FIELDS, extra)
        result = {}
        for row in rows:
            frame, codes, values = int(row[0]), split(row[1]), row[2:]
            result[frame] = ([int(c) for c in codes], {f: split(v) for f, v in zip(ADVICE_FIELDS, values)})
        return result

    def test_every_iana_code_gets_its_own_advice(self):
        # The knowledge base's own texts: evidence (which replaces the fix
        # with a sentence about this message) is tested in test_evidence.
        seen = set()
        for frame, (codes, advice) in self.advice_rows("iana-codes-udp.pcapng", NO_EVIDENCE).items():
            if not codes:
                self.assertEqual(advice["sipadvisor.code"], [], "request frame %d annotated" % frame)
                continue
            self.assertEqual(len(codes), 1)
            code = codes[0]
            seen.add(code)
            record = self.kb[code]
            with self.subTest(frame=frame, code=code):
                self.assertEqual(advice["sipadvisor.code"], [str(code)])
                self.assertEqual(advice["sipadvisor.class"], [CLASS_NAMES[code // 100]])
                self.assertEqual(advice["sipadvisor.phrase"], [record["phrase"]])
                self.assertEqual(advice["sipadvisor.severity"], [record["severity"]])
                for field, key in (("summary", "summary"), ("meaning", "meaning"), ("cause", "cause"),
                                   ("fix", "fix"), ("rfc", "rfc")):
                    self.assertEqual(advice["sipadvisor." + field], [record[key]])
                    self.assertTrue(record[key].strip())
        self.assertEqual(sorted(seen), IANA_CODES)

    def test_one_expert_entry_per_response_with_the_code_severity(self):
        capture = self.stage.capture(harness.pcap("iana-codes-udp.pcapng"))
        verbose = self.stage.run(["-r", capture, "-V"] + NO_EVIDENCE).stdout
        # Response blocks only: requests get a block for redirect verdicts.
        blocks = [b for b in harness.sipadvisor_blocks(verbose) if re.search(r"SIP Advisor: \d+", b)]
        self.assertEqual(len(blocks), len(IANA_CODES))
        for block in blocks:
            code = int(re.search(r"SIP Advisor: (\d+)", block).group(1))
            # Long labels are cut by Wireshark ("[truncated]"), values are not.
            severities = re.findall(r"Expert Info \((\w+)/Response\)", block)
            self.assertEqual(severities, [EXPERT_SEVERITY[self.kb[code]["severity"]]], block)
        # The message itself: code, phrase, and the summary (gist and fix),
        # whole: Wireshark cuts expert messages at 240 bytes.
        # (Correlation findings, e.g. the 412's entity-tag diagnosis, follow
        # the response's own entry.)
        rows = self.stage.fields(capture, ["sip.Status-Code", "_ws.expert.message"],
                                 ["-Y", "sipadvisor.code"] + NO_EVIDENCE)
        self.assertEqual(len(rows), len(IANA_CODES))
        for code, messages in rows:
            message = messages.split("|")[0]
            record = self.kb[int(code)]
            self.assertEqual(message, "%s %s: %s" % (code, record["phrase"], record["summary"]))
            self.assertLess(len(message.encode()), 240)

    def test_expert_summary_groups_entries_by_severity(self):
        result = self.stage.run(["-r", self.stage.capture(harness.pcap("iana-codes-udp.pcapng")),
                                 "-q", "-z", "expert"] + NO_EVIDENCE)
        sections = {}
        current = None
        for line in result.stdout.splitlines():
            heading = re.match(r"^(Errors|Warns|Notes|Chats) \((\d+)\)", line)
            if heading:
                current = heading.group(1)
                sections[current] = 0
            elif current and re.match(r"^\s+\d+\s+Response\s+sipadvisor\s", line):
                sections[current] += int(line.split()[0])
        expected = {"Errors": 0, "Warns": 0, "Notes": 0, "Chats": 0}
        names = {"error": "Errors", "warn": "Warns", "note": "Notes", "chat": "Chats"}
        for code in IANA_CODES:
            expected[names[self.kb[code]["severity"]]] += 1
        self.assertEqual({k: v for k, v in sections.items() if v}, {k: v for k, v in expected.items() if v})

    def test_unregistered_codes_fall_back_to_their_class(self):
        note = self.special["unregistered"]["note"]
        checked = 0
        for frame, (codes, advice) in self.advice_rows("unknown-codes-udp.pcapng").items():
            if not codes:
                continue
            code = codes[0]
            self.assertNotIn(code, IANA_CODES)
            base = self.kb[code // 100 * 100]
            with self.subTest(frame=frame, code=code):
                self.assertEqual(advice["sipadvisor.code"], [str(code)])
                self.assertEqual(advice["sipadvisor.class"], [CLASS_NAMES[code // 100]])
                meaning = advice["sipadvisor.meaning"][0]
                self.assertTrue(meaning.startswith(note), meaning)
                self.assertIn(base["meaning"], meaning)
                self.assertEqual(advice["sipadvisor.fix"], [base["fix"]])
                self.assertEqual(advice["sipadvisor.severity"], [base["severity"]])
            checked += 1
        self.assertGreaterEqual(checked, 6)

    def test_expert_names_filter_single_codes_and_classes(self):
        capture = self.stage.capture(harness.pcap("unknown-codes-udp.pcapng"))
        status = {int(r[0]): split(r[1]) for r in self.stage.fields(capture, ["frame.number", "sip.Status-Code"])}
        expected = sorted(f for f, codes in status.items() if any(c.startswith("4") for c in codes))
        self.assertTrue(expected)
        filtered = self.stage.fields(capture, ["frame.number"], ["-Y", "sipadvisor.response.4xx"])
        self.assertEqual(sorted(int(r[0]) for r in filtered), expected)

        capture = self.stage.capture(harness.pcap("iana-codes-udp.pcapng"))
        busy = self.stage.fields(capture, ["frame.number", "sip.Status-Code"], ["-Y", "sipadvisor.response.486"])
        self.assertEqual([r[1] for r in busy], ["486"])

    def test_two_responses_in_one_tcp_frame_each_get_advice(self):
        rows = self.advice_rows("tcp-two-responses.pcapng")
        multi = {frame: (codes, advice) for frame, (codes, advice) in rows.items() if len(codes) >= 2}
        self.assertTrue(multi, "the capture must hold a frame with two responses")
        for frame, (codes, advice) in multi.items():
            self.assertEqual(advice["sipadvisor.code"], [str(c) for c in codes])
            self.assertEqual(advice["sipadvisor.phrase"], [self.kb[c]["phrase"] for c in codes])
        self.assertIn([100, 180], [codes for codes, _ in multi.values()])
        # Every response PDU of the capture is annotated, none twice.
        for frame, (codes, advice) in rows.items():
            self.assertEqual(len(advice["sipadvisor.code"]), len(codes), "frame %d" % frame)

    def test_two_pass_shows_the_same_as_one_pass(self):
        captures = sorted(glob.glob(os.path.join(harness.PCAPS_DIR, "*.pcapng")))
        self.assertTrue(captures)
        for capture in captures:
            with self.subTest(capture=os.path.basename(capture)):
                staged = self.stage.capture(capture)
                # "Followed in" on a 3xx names a later frame: by design only a
                # second pass (or the GUI) can know it (tested in test_correlation).
                one = harness.sipadvisor_blocks(self.stage.run(["-r", staged, "-V"]).stdout)
                two = [re.sub(r"\n +\[Followed in: \d+\]", "", block) for block in
                       harness.sipadvisor_blocks(self.stage.run(["-r", staged, "-2", "-V"]).stdout)]
                self.assertTrue(one)
                self.assertEqual(one, two)
                fields = ["frame.number"] + ADVICE_FIELDS
                self.assertEqual(self.stage.fields(staged, fields), self.stage.fields(staged, fields, ["-2"]))

    def test_analysis_is_skipped_only_where_nothing_can_show_it(self):
        # tshark's single pass printing summary lines cannot show anything
        # sipadvisor finds, so it skips the analysis (core/pass_audience.h)
        # and says so in the log. Every mode that shows or reads our output,
        # and every pass a later pass or the GUI replays, must analyse.
        capture = self.stage.capture(harness.pcap("publish-etag-states.pcapng"))
        # Matched without the log line's prefix, whose layout Wireshark
        # versions may change.
        skipped = "analysis skipped from frame 2: a single pass"

        def log(args):
            return self.stage.run(["--log-level", "info", "-r", capture] + args).stderr

        for args in ([], ["-Y", "sip"], ["-Y", "sip.Status-Code == 412"]):
            with self.subTest(args=args):
                self.assertIn(skipped, log(args))
        for args in (["-V"], ["-2"], ["-2", "-V"], ["-Y", "sipadvisor"], ["-Y", "sipadvisor.code == 412"],
                     ["-Y", '_ws.expert.severity == "Error"'], ["-q", "-z", "expert"], ["-z", "expert"],
                     ["-z", "sipadvisor,tree"], ["-T", "fields", "-e", "sipadvisor.code"], ["-T", "json"],
                     ["-o", "gui.column.format:\"Advice\",\"%Cus:sipadvisor.code\""],
                     ["-o", "sipadvisor.skip_unseen:FALSE"]):
            with self.subTest(args=args):
                self.assertNotIn("analysis skipped", log(args))
        # What the skipping pass prints is what the analysing one prints.
        self.assertEqual(self.stage.run(["-r", capture]).stdout,
                         self.stage.run(["-r", capture, "-o", "sipadvisor.skip_unseen:FALSE"]).stdout)

    def test_filters_on_generic_expert_fields_see_our_entries(self):
        # Without a visible tree sipadvisor renders only when something reads
        # its fields; a filter on _ws.expert.* must count as reading.
        capture = self.stage.capture(harness.pcap("publish-etag-states.pcapng"))
        rows = self.stage.fields(capture, ["frame.number"], ["-Y", '_ws.expert.message contains "superseded"'])
        self.assertEqual(rows, [["12"]])
        rows = self.stage.fields(capture, ["frame.number"], ["-Y", '_ws.expert.severity == "Error"'])
        self.assertEqual(rows, [["26"]])

    def test_two_pass_expert_summary_matches_one_pass(self):
        # The second pass (and the GUI's Expert Information dialog, which
        # re-taps without a tree) must feed the expert tap too.
        for name in ("publish-etag-states.pcapng", "tcp-two-responses.pcapng"):
            capture = self.stage.capture(harness.pcap(name))
            one = self.stage.run(["-r", capture, "-q", "-z", "expert"]).stdout
            two = self.stage.run(["-r", capture, "-2", "-q", "-z", "expert"]).stdout
            ours = [line for line in one.splitlines() if " sipadvisor " in line]
            self.assertTrue(ours, name)
            self.assertEqual(ours, [line for line in two.splitlines() if " sipadvisor " in line])

    def test_disabled_protocol_adds_nothing(self):
        capture = self.stage.capture(harness.pcap("iana-codes-udp.pcapng"))
        rows = self.stage.fields(capture, ["sip.Status-Code", "sipadvisor.code"],
                                 ["--disable-protocol", "sipadvisor"])
        self.assertTrue(any(r[0] for r in rows))
        self.assertFalse(any(r[1] for r in rows))
        expert = self.stage.run(["-r", capture, "-q", "-z", "expert", "--disable-protocol", "sipadvisor"]).stdout
        self.assertNotIn("sipadvisor", expert)


if __name__ == "__main__":
    unittest.main()
