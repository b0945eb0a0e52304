# SPDX-License-Identifier: GPL-2.0-or-later
"""Preferences, site overrides (UAT) and Statistics > SIP Advisor, through
tshark's command line (-o, -z), as a user or a CI job would set them.
"""
import re
import unittest

import harness


def uat_row(*values):
    """-o "uat:sipadvisor_site_overrides:..." for one row."""
    return "uat:sipadvisor_site_overrides:" + ",".join('"%s"' % v for v in values)


class PreferencesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = harness.stage()
        cls.kb = harness.knowledge_base()

    def fields(self, capture, fields, extra=()):
        return self.stage.fields(harness.pcap(capture), fields, extra)

    def test_preferences_are_registered_with_their_defaults(self):
        prefs = "\n".join(line for line in self.stage.run(["-G", "defaultprefs"]).stdout.splitlines()
                          if "sipadvisor" in line)
        for name, default in (("match_transactions", "TRUE"), ("diagnose_etags", "TRUE"),
                              ("follow_redirects", "TRUE"), ("redirect_window", "3600"),
                              ("routine_severity", "Chat")):
            self.assertRegex(prefs, r"#sipadvisor\.%s: %s" % (name, default))

    def test_switching_off_transaction_matching(self):
        rows = self.fields("proxy-two-legs.pcapng", ["sipadvisor.code", "sipadvisor.request_frame"],
                           ["-o", "sipadvisor.match_transactions:FALSE"])
        self.assertTrue(any(r[0] for r in rows))
        self.assertFalse(any(r[1] for r in rows))

    def test_switching_off_etag_diagnosis_and_redirects(self):
        rows = self.fields("publish-etag-states.pcapng", ["sipadvisor.request_frame", "sipadvisor.etag.state"],
                           ["-o", "sipadvisor.diagnose_etags:FALSE"])
        self.assertTrue(any(r[0] for r in rows))
        self.assertFalse(any(r[1] for r in rows))
        rows = self.fields("redirect-3xx.pcapng", ["sipadvisor.redirect.contact", "sipadvisor.redirect.follows"],
                           ["-o", "sipadvisor.follow_redirects:FALSE"])
        self.assertFalse(any(r[0] or r[1] for r in rows))

    def test_redirect_window(self):
        # In redirect-3xx.pcapng the INVITE of frame 9 ignores the 301 of
        # frame 2 about 10 s later (pcaps/README.md); a 5 s window drops it.
        default = self.fields("redirect-3xx.pcapng", ["frame.number", "sipadvisor.redirect.ignored"])
        self.assertIn(["9", "2"], default)
        short = self.fields("redirect-3xx.pcapng", ["frame.number", "sipadvisor.redirect.ignored"],
                            ["-o", "sipadvisor.redirect_window:5"])
        self.assertFalse(any(r[1] for r in short))

    def test_routine_severity(self):
        capture = self.stage.capture(harness.pcap("tcp-two-responses.pcapng"))

        def expert(extra):
            return self.stage.run(["-r", capture, "-q", "-z", "expert"] + extra).stdout

        default = expert([])
        self.assertRegex(default, r"Chats \(\d+\)[\s\S]*sipadvisor\s+100 Trying")
        as_note = expert(["-o", "sipadvisor.routine_severity:note"])
        self.assertRegex(as_note, r"Notes \(\d+\)[\s\S]*sipadvisor\s+100 Trying")
        self.assertNotRegex(as_note, r"Chats \(\d+\)[^=]*sipadvisor\s+100 Trying")
        silent = expert(["-o", "sipadvisor.routine_severity:none"])
        self.assertNotIn("100 Trying", silent)
        self.assertIn("486 Busy Here", silent)

    def test_site_override_changes_text_and_severity(self):
        capture = harness.pcap("iana-codes-udp.pcapng")
        override = uat_row("503", "warn", "Our SBC: the trunk to the carrier is down.", "",
                           "Call the carrier NOC.")
        rows = self.fields(capture, ["sip.Status-Code", "sipadvisor.severity", "sipadvisor.meaning",
                                     "sipadvisor.cause", "sipadvisor.fix", "_ws.expert.message"],
                           ["-o", override, "-Y", "sip.Status-Code == 503 || sip.Status-Code == 504"])
        by_code = {r[0]: r for r in rows}
        _, severity, meaning, cause, fix, message = by_code["503"]
        self.assertEqual(severity, "warn")
        self.assertEqual(meaning, "Our SBC: the trunk to the carrier is down.")
        self.assertEqual(cause, self.kb[503]["cause"])  # empty cell keeps the built-in text
        self.assertEqual(fix, "Call the carrier NOC.")
        self.assertIn("[site]", message)
        self.assertEqual(by_code["504"][1], self.kb[504]["severity"])  # other codes untouched
        warned = self.stage.fields(self.stage.capture(capture), ["sip.Status-Code"],
                                   ["-o", override, "-Y", "sipadvisor.site.warn"])
        self.assertEqual(warned, [["503"]])

    def test_bad_override_rows_are_reported_and_skipped(self):
        capture = self.stage.capture(harness.pcap("iana-codes-udp.pcapng"))
        result = self.stage.run(["-r", capture, "-o", uat_row("999", "warn", "nonsense", "", ""),
                                 "-o", uat_row("486", "fatal", "x", "", ""),
                                 "-o", uat_row("404", "", "Our dial plan lacks this prefix.", "", ""),
                                 "-T", "fields", "-e", "sip.Status-Code", "-e", "sipadvisor.meaning",
                                 "-Y", "sip.Status-Code == 404 || sip.Status-Code == 486"])
        self.assertRegex(result.stderr, r"row 1: code '999' is not a status code between 100 and 699; row skipped")
        self.assertRegex(result.stderr, r"row 2: severity 'fatal' is not chat, note, warn or error; row skipped")
        rows = dict(line.split("\t") for line in result.stdout.splitlines())
        self.assertEqual(rows["404"], "Our dial plan lacks this prefix.")
        self.assertEqual(rows["486"], self.kb[486]["meaning"])  # built-in knowledge stays

    def test_statistics_tree(self):
        capture = self.stage.capture(harness.pcap("publish-etag-states.pcapng"))
        tree = self.stage.run(["-r", capture, "-q", "-z", "sipadvisor,tree"]).stdout
        self.assertIn("SIP Advisor:", tree)

        def count(label):
            match = re.search(r"^\s*%s\s+(\d+)" % re.escape(label), tree, re.M)
            self.assertIsNotNone(match, label)
            return int(match.group(1))

        # pcaps/README.md: 8 responses 200 and 5 responses 412, one per state.
        self.assertEqual(count("SIP responses by class and code"), 13)
        self.assertEqual(count("200 OK [routine]"), 8)
        self.assertEqual(count("412 Conditional Request Failed [check]"), 5)
        self.assertEqual(count("PUBLISH"), 13)
        for row in ("superseded [client: send the latest SIP-ETag]", "removed [client: publish afresh]",
                    "expired [client: refresh sooner]", "unknown [client: publish afresh]",
                    "live [server lost state]"):
            self.assertEqual(count(row), 1)

        redirects = self.stage.run(["-r", self.stage.capture(harness.pcap("redirect-3xx.pcapng")),
                                    "-q", "-z", "sipadvisor,tree"]).stdout
        self.assertRegex(redirects, r"request followed a 3xx \[ok\]\s+2\b")
        self.assertRegex(redirects, r"request ignored a 301 \[update routing\]\s+1\b")
        self.assertRegex(redirects, r"3xx without Contact \[protocol violation\]\s+1\b")


if __name__ == "__main__":
    unittest.main()
