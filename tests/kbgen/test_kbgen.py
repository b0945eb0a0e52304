#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The knowledge-base compiler must reject broken data with file and line.

Each case mutates a copy of the real data/response-codes.ini (so the cases
follow the data as it evolves), runs sipadvisor_kbgen on it and expects exit
status 1, a "file:line: error:" message naming the problem, and no output
file. The unmodified data must compile.

usage: test_kbgen.py KBGEN DATA_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

KBGEN = sys.argv[1] if len(sys.argv) > 1 else None
DATA = sys.argv[2] if len(sys.argv) > 2 else None


def line_of(lines, text):
    """1-based number of the first line equal to text."""
    return lines.index(text) + 1


class KbgenTest(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(DATA, "response-codes.ini"), encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        self.special = os.path.join(DATA, "special-cases.ini")
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def run_kbgen(self, lines, special=None, raw=None):
        codes = os.path.join(self.tmp.name, "response-codes.ini")
        with open(codes, "wb") as f:
            f.write(raw if raw is not None else "\n".join(lines).encode("utf-8"))
        out = os.path.join(self.tmp.name, "out.cpp")
        result = subprocess.run([KBGEN, codes, special or self.special, out],
                                capture_output=True, text=True, timeout=60)
        return result, codes, out

    def assert_rejected(self, lines, pattern, line=None, special=None, raw=None):
        result, codes, out = self.run_kbgen(lines, special, raw)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertFalse(os.path.exists(out), "nothing may be written on error")
        where = re.escape(special or codes) + ":" + (str(line) if line else r"\d+")
        self.assertRegex(result.stderr, where + r": error: .*" + pattern)

    def group_range(self, code):
        start = self.lines.index("[%d]" % code)
        end = start + 1
        while end < len(self.lines) and not self.lines[end].startswith("["):
            end += 1
        return start, end

    def key_line_index(self, code, key):
        start, end = self.group_range(code)
        for i in range(start, end):
            if self.lines[i].startswith(key + "="):
                return i
        raise AssertionError("no %s in [%d]" % (key, code))

    def test_real_data_compiles(self):
        result, _, out = self.run_kbgen(self.lines)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(out, encoding="ascii") as f:
            text = f.read()
        self.assertIn("kResponseRecordCount = 75;", text)

    def test_missing_record(self):
        start, end = self.group_range(486)
        lines = self.lines[:start] + self.lines[end:]
        self.assert_rejected(lines, r"IANA code 486 has no record")

    def test_missing_key_names_group_line(self):
        lines = list(self.lines)
        del lines[self.key_line_index(412, "fix")]
        self.assert_rejected(lines, r"\[412\] has no 'fix' key", line=line_of(lines, "[412]"))

    def test_bad_severity_names_key_line(self):
        lines = list(self.lines)
        i = self.key_line_index(503, "severity")
        lines[i] = "severity=critical"
        self.assert_rejected(lines, r"severity 'critical'", line=i + 1)

    def test_empty_value(self):
        lines = list(self.lines)
        i = self.key_line_index(404, "meaning")
        lines[i] = "meaning=   "
        self.assert_rejected(lines, r"\[404\] 'meaning' is empty", line=i + 1)

    def test_repeated_group(self):
        start, end = self.group_range(200)
        lines = self.lines + self.lines[start:end]
        self.assert_rejected(lines, r"group \[200\] repeated", line=len(self.lines) + 1)

    def test_repeated_key(self):
        lines = list(self.lines)
        i = self.key_line_index(301, "fix")
        lines.insert(i + 1, lines[i])
        self.assert_rejected(lines, r"key 'fix' repeated in \[301\]", line=i + 2)

    def test_unknown_key(self):
        lines = list(self.lines)
        i = self.key_line_index(301, "rfc")
        lines.insert(i + 1, "severtiy=warn")
        self.assert_rejected(lines, r"unknown key 'severtiy'", line=i + 2)

    def test_garbage_line(self):
        lines = list(self.lines)
        i = self.key_line_index(480, "cause")
        lines.insert(i, "this line has no equals sign")
        self.assert_rejected(lines, r"neither a group", line=i + 1)

    def test_code_not_in_registry(self):
        lines = self.lines + ["[418]", "phrase=I'm a teapot", "severity=warn", "meaning=m", "cause=c",
                              "fix=f", "rfc=RFC 2324"]
        self.assert_rejected(lines, r"\[418\] is not in the IANA", line=len(self.lines) + 1)

    def test_not_a_code(self):
        lines = self.lines + ["[hello]", "phrase=x"]
        self.assert_rejected(lines, r"group \[hello\] is not a status code", line=len(self.lines) + 1)

    def test_copied_text_is_rejected(self):
        lines = list(self.lines)
        source = self.lines[self.key_line_index(486, "fix")]
        i = self.key_line_index(600, "fix")
        lines[i] = source
        self.assert_rejected(lines, r"\[600\] 'fix' repeats the text of \[486\]", line=i + 1)

    def test_bad_rfc_reference(self):
        lines = list(self.lines)
        i = self.key_line_index(489, "rfc")
        lines[i] = "rfc=see the internet"
        self.assert_rejected(lines, r"rfc 'see the internet'", line=i + 1)

    def test_invalid_utf8(self):
        i = self.key_line_index(486, "cause")
        raw = "\n".join(self.lines).encode("utf-8")
        offset = raw.index(self.lines[i].encode("utf-8"))
        raw = raw[:offset + 6] + b"\xff\xfe" + raw[offset + 6:]
        self.assert_rejected(None, r"invalid UTF-8", line=i + 1, raw=raw)

    def test_broken_special_cases(self):
        special = os.path.join(self.tmp.name, "special.ini")
        with open(self.special, encoding="utf-8") as f:
            text = f.read()
        with open(special, "w", encoding="utf-8") as f:
            f.write(text.replace("[invalid]", "[invalide]"))
        self.assert_rejected(self.lines, r"unknown group \[invalide\]", special=special)

    def test_locale_keys_are_accepted(self):
        lines = list(self.lines)
        i = self.key_line_index(486, "meaning")
        lines.insert(i + 1, "meaning[de]=Der Angerufene ist besetzt.")
        result, _, _ = self.run_kbgen(lines)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    if not KBGEN or not DATA:
        sys.exit(__doc__)
    unittest.main(argv=sys.argv[:1], verbosity=2)
