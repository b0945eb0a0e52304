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


class CauseTablesTest(unittest.TestCase):
    """data/q850-causes.ini and data/warning-codes.ini (the five-argument form)."""

    def setUp(self):
        self.codes = os.path.join(DATA, "response-codes.ini")
        self.special = os.path.join(DATA, "special-cases.ini")
        self.q850 = self.read("q850-causes.ini")
        self.warnings = self.read("warning-codes.ini")
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    @staticmethod
    def read(name):
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            return f.read().split("\n")

    def run_kbgen(self, q850=None, warnings=None, raw_warnings=None):
        paths = {}
        for name, lines, raw in (("q850-causes.ini", q850 or self.q850, None),
                                 ("warning-codes.ini", warnings or self.warnings, raw_warnings)):
            paths[name] = os.path.join(self.tmp.name, name)
            with open(paths[name], "wb") as f:
                f.write(raw if raw is not None else "\n".join(lines).encode("utf-8"))
        out = os.path.join(self.tmp.name, "out.cpp")
        result = subprocess.run([KBGEN, self.codes, self.special, paths["q850-causes.ini"],
                                 paths["warning-codes.ini"], out], capture_output=True, text=True, timeout=60)
        return result, paths, out

    def assert_rejected(self, pattern, which, line=None, **kwargs):
        result, paths, out = self.run_kbgen(**kwargs)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertFalse(os.path.exists(out), "nothing may be written on error")
        where = re.escape(paths[which]) + ":" + (str(line) if line is not None else r"\d+")
        self.assertRegex(result.stderr, where + r": error: .*" + pattern)

    @staticmethod
    def group_range(lines, group):
        start = lines.index("[%s]" % group)
        end = start + 1
        while end < len(lines) and not lines[end].startswith("["):
            end += 1
        return start, end

    @classmethod
    def key_index(cls, lines, group, key):
        start, end = cls.group_range(lines, group)
        for i in range(start, end):
            if lines[i].startswith(key + "="):
                return i
        raise AssertionError("no %s in [%s]" % (key, group))

    def test_real_data_compiles(self):
        result, _, out = self.run_kbgen()
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(out, encoding="ascii") as f:
            text = f.read()
        self.assertIn("kResponseRecordCount = 75;", text)
        self.assertIn("kQ850CauseCount = 36;", text)
        self.assertIn("kWarningCodeCount = 15;", text)

    def test_wrong_argument_count(self):
        result = subprocess.run([KBGEN, self.codes, self.special, "x.ini", "out.cpp"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)

    def test_q850_cause_out_of_range(self):
        for group in ("128", "0", "999", "016", "abc"):
            lines = self.q850 + ["[%s]" % group, "name=n", "meaning=m", "fix=f"]
            self.assert_rejected(r"group \[%s\] is not a Q.850 cause value 1\.\.127" % group, "q850-causes.ini",
                                 line=len(self.q850) + 1, q850=lines)

    def test_q850_required_cause_missing(self):
        start, end = self.group_range(self.q850, 16)
        self.assert_rejected(r"Q.850 cause value 16 has no record", "q850-causes.ini",
                             q850=self.q850[:start] + self.q850[end:])

    def test_q850_missing_key_names_group_line(self):
        lines = list(self.q850)
        del lines[self.key_index(lines, 34, "name")]
        self.assert_rejected(r"\[34\] has no 'name' key", "q850-causes.ini", line=line_of(lines, "[34]"), q850=lines)

    def test_q850_unknown_key(self):
        lines = list(self.q850)
        i = self.key_index(lines, 17, "fix")
        lines.insert(i + 1, "sip=486")
        self.assert_rejected(r"\[17\] has unknown key 'sip'", "q850-causes.ini", line=i + 2, q850=lines)

    def test_q850_empty_value(self):
        lines = list(self.q850)
        i = self.key_index(lines, 41, "meaning")
        lines[i] = "meaning="
        self.assert_rejected(r"\[41\] 'meaning' is empty", "q850-causes.ini", line=i + 1, q850=lines)

    def test_q850_copied_text(self):
        lines = list(self.q850)
        i = self.key_index(lines, 18, "fix")
        lines[i] = lines[self.key_index(lines, 17, "fix")]
        self.assert_rejected(r"\[18\] 'fix' repeats the text of \[17\]", "q850-causes.ini", line=i + 1, q850=lines)

    def test_q850_name_too_long(self):
        lines = list(self.q850)
        i = self.key_index(lines, 21, "name")
        lines[i] = "name=" + "x" * 81
        self.assert_rejected(r"\[21\] 'name' is 81 bytes", "q850-causes.ini", line=i + 1, q850=lines)

    def test_q850_repeated_group(self):
        start, end = self.group_range(self.q850, 16)
        lines = self.q850 + self.q850[start:end]
        self.assert_rejected(r"group \[16\] repeated", "q850-causes.ini", line=len(self.q850) + 1, q850=lines)

    def test_warning_code_out_of_range(self):
        for group in ("299", "400", "3000"):
            lines = self.warnings + ["[%s]" % group, "text=t", "meaning=m", "fix=f"]
            self.assert_rejected(r"group \[%s\] is not a warn-code 300\.\.399" % group, "warning-codes.ini",
                                 line=len(self.warnings) + 1, warnings=lines)

    def test_warning_code_not_in_registry(self):
        lines = self.warnings + ["[309]", "text=t", "meaning=m", "fix=f"]
        self.assert_rejected(r"\[309\] is not in the IANA warn-code registry", "warning-codes.ini",
                             line=len(self.warnings) + 1, warnings=lines)

    def test_warning_code_missing(self):
        start, end = self.group_range(self.warnings, 305)
        self.assert_rejected(r"warn-code 305 has no record", "warning-codes.ini",
                             warnings=self.warnings[:start] + self.warnings[end:])

    def test_warning_repeated_key(self):
        lines = list(self.warnings)
        i = self.key_index(lines, 399, "text")
        lines.insert(i + 1, lines[i])
        self.assert_rejected(r"key 'text' repeated in \[399\]", "warning-codes.ini", line=i + 2, warnings=lines)

    def test_warning_garbage_line(self):
        lines = list(self.warnings)
        i = self.key_index(lines, 370, "meaning")
        lines.insert(i, "not a key value pair")
        self.assert_rejected(r"neither a group", "warning-codes.ini", line=i + 1, warnings=lines)

    def test_warning_invalid_utf8(self):
        i = self.key_index(self.warnings, 304, "fix")
        raw = "\n".join(self.warnings).encode("utf-8")
        offset = raw.index(self.warnings[i].encode("utf-8"))
        raw = raw[:offset + 5] + b"\xc3\x28" + raw[offset + 5:]
        self.assert_rejected(r"invalid UTF-8", "warning-codes.ini", line=i + 1, raw_warnings=raw)

    def test_both_files_reported_in_one_run(self):
        q850 = list(self.q850)
        q850[self.key_index(q850, 31, "fix")] = "fix= "
        warnings = list(self.warnings)
        warnings[self.key_index(warnings, 380, "meaning")] = "meaning="
        result, paths, out = self.run_kbgen(q850=q850, warnings=warnings)
        self.assertEqual(result.returncode, 1)
        self.assertIn(paths["q850-causes.ini"] + ":", result.stderr)
        self.assertIn(paths["warning-codes.ini"] + ":", result.stderr)
        self.assertFalse(os.path.exists(out))

    def test_locale_keys_are_accepted(self):
        lines = list(self.q850)
        i = self.key_index(lines, 16, "name")
        lines.insert(i + 1, "name[de]=Normale Ausl\u00f6sung")
        result, _, _ = self.run_kbgen(q850=lines)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    if not KBGEN or not DATA:
        sys.exit(__doc__)
    unittest.main(argv=sys.argv[:1], verbosity=2)
