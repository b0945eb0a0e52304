# SPDX-License-Identifier: GPL-2.0-or-later
"""scripts/sipadvisor-check: exit codes, findings per PDU, JSON against its schema.

The check runs as `nobody` (like the harness's tshark) with WIRESHARK_PLUGIN_DIR
pointing at the staged plugin, passing its environment on to tshark; every
report must name the staged plugin as the one tshark loaded.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness

SCRIPT = os.path.join(harness.SOURCE_DIR, "scripts", "sipadvisor-check")
SCHEMA = os.path.join(harness.SOURCE_DIR, "docs", "sipadvisor-check.schema.json")
sys.path.insert(0, os.path.join(harness.PCAPS_DIR, "generate"))
import pcapng_writer  # noqa: E402  (the captures' own stdlib writer)

try:
    import jsonschema
except ImportError:  # scripts/install-deps installs python3-jsonschema; CMake may pick another Python
    jsonschema = None

NOBODY = 65534
EXPERT_SECTIONS = {"Errors": "error", "Warns": "warn", "Notes": "note", "Chats": "chat", "Comments": "comment"}


class SubsetValidator:
    """The part of JSON Schema 2020-12 the report schema uses, for when
    python3-jsonschema is not importable by the Python running the tests."""

    TYPES = {"object": dict, "array": list, "string": str, "null": type(None), "boolean": bool,
             "integer": int, "number": (int, float)}
    KNOWN = {"$schema", "$id", "$defs", "$ref", "title", "description", "type", "const", "enum", "required",
             "properties", "additionalProperties", "items", "minItems", "minimum", "pattern", "oneOf"}

    def __init__(self, schema):
        self.schema = schema

    def _is(self, value, name):
        if isinstance(value, bool) and name in ("integer", "number"):
            return False
        return isinstance(value, self.TYPES[name])

    def iter_errors(self, value, schema=None, path=()):
        schema = self.schema if schema is None else schema
        unknown = set(schema) - self.KNOWN
        if unknown:
            raise AssertionError("SubsetValidator does not implement %s" % sorted(unknown))
        if "$ref" in schema:
            node = self.schema
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            yield from self.iter_errors(value, node, path)
        error = lambda message: type("Error", (), {"path": list(path), "message": message})()  # noqa: E731
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(self._is(value, n) for n in names):
                yield error("%r is not of type %s" % (value, names))
                return
        if "const" in schema and value != schema["const"]:
            yield error("%r is not %r" % (value, schema["const"]))
        if "enum" in schema and not any(value == v and type(value) is type(v) for v in schema["enum"]):
            yield error("%r is not one of %r" % (value, schema["enum"]))
        if "minimum" in schema and self._is(value, "number") and value < schema["minimum"]:
            yield error("%r is less than %r" % (value, schema["minimum"]))
        if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
            yield error("%r does not match %r" % (value, schema["pattern"]))
        if "oneOf" in schema:
            matches = sum(1 for sub in schema["oneOf"] if not list(self.iter_errors(value, sub, path)))
            if matches != 1:
                yield error("%r matches %d of oneOf" % (value, matches))
        if isinstance(value, dict):
            for key in schema.get("required", []):
                if key not in value:
                    yield error("%r is a required property" % key)
            properties = schema.get("properties", {})
            for key, item in value.items():
                if key in properties:
                    yield from self.iter_errors(item, properties[key], path + (key,))
                elif schema.get("additionalProperties") is False:
                    yield error("additional property %r" % key)
                elif isinstance(schema.get("additionalProperties"), dict):
                    yield from self.iter_errors(item, schema["additionalProperties"], path + (key,))
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                yield error("fewer than %d items" % schema["minItems"])
            if "items" in schema:
                for index, item in enumerate(value):
                    yield from self.iter_errors(item, schema["items"], path + (index,))


def validator():
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    if jsonschema is None:
        return SubsetValidator(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class Runner:
    """Runs sipadvisor-check inside a harness stage, unprivileged when root."""

    def __init__(self, stage):
        self.stage = stage
        self.script = os.path.join(stage.root, "sipadvisor-check")
        if not os.path.exists(self.script):
            shutil.copy(SCRIPT, self.script)
            os.chmod(self.script, 0o755)
        self.out = tempfile.mkdtemp(prefix="out-", dir=stage.root)
        os.chmod(self.out, 0o755)
        if os.geteuid() == 0:
            os.chown(self.out, NOBODY, NOBODY)

    def run(self, args, plugin_dir=None):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.stage.home, "LANG": "C.UTF-8",
               "WIRESHARK_PLUGIN_DIR": plugin_dir or self.stage.plugin_dir}
        # An ASan/UBSan plugin needs its runtimes preloaded into tshark.
        env.update(harness.sanitizer_env(self.stage.root))
        command = (harness._unprivileged_prefix() + ["env", "-i"] + ["%s=%s" % kv for kv in env.items()]
                   + [self.script] + list(args))  # its shebang: python3 from PATH
        return subprocess.run(command, cwd=self.stage.root, capture_output=True, text=True,
                              timeout=harness.TSHARK_TIMEOUT, errors="replace")

    def report(self, capture, args, expect):
        """Run with --json; assert the exit code; return the validated report."""
        path = os.path.join(self.out, "report-%d.json" % len(os.listdir(self.out)))
        result = self.run([capture, "--json", path] + list(args))
        if result.returncode != expect:
            raise AssertionError("exit %d, expected %d\nstdout:\n%s\nstderr:\n%s"
                                 % (result.returncode, expect, result.stdout, result.stderr))
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        errors = sorted(validator().iter_errors(document), key=lambda e: list(e.path))
        if errors:
            raise AssertionError("report does not match %s:\n%s" % (SCHEMA, "\n".join(
                "%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors[:10])))
        return document, result


def by_frame(document):
    findings = {}
    for finding in document["findings"]:
        findings.setdefault(finding["frame"], []).append(finding)
    return findings


def sip_request(method, branch, cseq, call_id, extra=""):
    return ("%s sip:bob@198.51.100.20 SIP/2.0\r\n"
            "Via: SIP/2.0/TCP 192.0.2.10:5060;branch=%s\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:alice@192.0.2.10>;tag=a1\r\n"
            "To: <sip:bob@198.51.100.20>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: %d %s\r\n"
            "%s"
            "Content-Length: 0\r\n\r\n" % (method, branch, call_id, cseq, method, extra))


def sip_response(status, method, branch, cseq, call_id, extra=""):
    return ("SIP/2.0 %s\r\n"
            "Via: SIP/2.0/TCP 192.0.2.10:5060;branch=%s\r\n"
            "From: <sip:alice@192.0.2.10>;tag=a1\r\n"
            "To: <sip:bob@198.51.100.20>;tag=b1\r\n"
            "Call-ID: %s\r\n"
            "CSeq: %d %s\r\n"
            "%s"
            "Content-Length: 0\r\n\r\n" % (status, branch, call_id, cseq, method, extra))


def three_responses_in_one_segment(path):
    """PUBLISH and INVITE, then one TCP segment: 302 without Contact, 200 to an
    OPTIONS not in the capture, 412 to the PUBLISH. Returns the frame numbers."""
    cap = pcapng_writer.Capture()
    stream = pcapng_writer.TcpStream(cap, ("192.0.2.10", 5060), ("198.51.100.20", 5060))
    stream.handshake()
    publish = stream.send(True, sip_request(
        "PUBLISH", "z9hG4bK-chk-pub", 1, "chk-pub@192.0.2.10",
        "Event: presence\r\nExpires: 60\r\nSIP-If-Match: chk-never-issued\r\n").encode())
    invite = stream.send(True, sip_request("INVITE", "z9hG4bK-chk-inv", 1, "chk-inv@192.0.2.10",
                                           "Contact: <sip:alice@192.0.2.10>\r\n").encode())
    responses = (sip_response("302 Moved Temporarily", "INVITE", "z9hG4bK-chk-inv", 1, "chk-inv@192.0.2.10")
                 + sip_response("200 OK", "OPTIONS", "z9hG4bK-chk-opt", 7, "chk-opt@192.0.2.10")
                 + sip_response("412 Conditional Request Failed", "PUBLISH", "z9hG4bK-chk-pub", 1,
                                "chk-pub@192.0.2.10"))
    combined = stream.send(False, responses.encode())
    cap.save(path)
    return publish, invite, combined


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stage = harness.stage()
        cls.runner = Runner(cls.stage)

    def capture(self, name):
        return self.stage.capture(harness.pcap(name))

    # --- exit 1 / exit 0 --------------------------------------------------

    def test_exit_1_with_correlation_severities(self):
        document, result = self.runner.report(self.capture("publish-etag-states.pcapng"),
                                              ["--fail-on", "warn"], expect=1)
        self.assertEqual(document["result"], "fail")
        self.assertEqual(document["exit_code"], 1)
        self.assertEqual(document["threshold"], "warn")
        self.assertEqual(os.path.realpath(document["plugin"]["path"]), os.path.realpath(self.stage.plugin))
        frames = by_frame(document)
        states = {frame: f[0]["etag"]["state"] for frame, f in frames.items() if "etag" in f[0]}
        self.assertEqual(states, {12: "superseded", 16: "removed", 20: "expired", 22: "unknown", 26: "live"})
        for frame in (12, 16, 20, 22):
            self.assertEqual(frames[frame][0]["severity"], "warn")
        # 412 is a warning by code, but a live tag refused means the server lost state: error.
        live = frames[26][0]
        self.assertEqual((live["code"], live["code_severity"], live["severity"]), (412, "warn", "error"))
        self.assertIn("should still be live", live["diagnosis"])
        self.assertEqual([e["name"] for e in live["experts"]],
                         ["sipadvisor.response.412", "sipadvisor.etag.live"])
        superseded = frames[12][0]
        self.assertEqual(superseded["etag"]["if_match"], "e1")
        self.assertEqual(superseded["etag"]["superseded_by"], "e2")
        self.assertEqual(superseded["etag"]["superseded_in"], 4)
        self.assertEqual(superseded["request"], {"frame": 11, "method": "PUBLISH", "match": "via-branch"})
        counts = document["counts"]
        self.assertEqual(counts["at_or_above_threshold"], 5)
        self.assertEqual(counts["by_severity"]["error"], 1)
        self.assertEqual(counts["by_severity"]["warn"], 4)
        self.assertEqual({c["code"]: c["by_severity"]["error"] for c in counts["by_code"]}, {200: 0, 412: 1})
        # Human summary: the worst first, with frame, diagnosis and verdict.
        lines = result.stdout.splitlines()
        worst = [line for line in lines if line.startswith("  frame ")]
        self.assertTrue(worst[0].startswith("  frame 26  error  412 Conditional Request Failed"), worst)
        self.assertIn("FAIL: 5 findings at or above warn in 5 frames.", result.stdout)

    def test_exit_0_below_threshold(self):
        document, result = self.runner.report(self.capture("redirect-3xx.pcapng"),
                                              ["--fail-on", "error"], expect=0)
        self.assertEqual((document["result"], document["exit_code"]), ("pass", 0))
        self.assertEqual(document["counts"]["at_or_above_threshold"], 0)
        self.assertIn("OK: no finding at or above error.", result.stdout)
        frames = by_frame(document)
        # A 302 is a note, a 302 without Contact a warning.
        self.assertEqual((frames[13][0]["severity"], frames[19][0]["severity"]), ("note", "warn"))
        self.assertEqual(frames[19][0]["code_severity"], "note")
        self.assertEqual([c["uri"] for c in frames[13][0]["redirect"]["contacts"]],
                         ["sip:dave@a.example.net", "sip:dave@b.example.net"])
        # A request that ignores a 301 is a finding of its own, without code.
        ignored = frames[9][0]
        self.assertEqual((ignored["kind"], ignored["code"], ignored["severity"]), ("request", None, "warn"))
        self.assertEqual(ignored["redirect"], {"ignored": 2})
        self.assertIn("301's Contact", ignored["fix"])

    def test_each_threshold(self):
        capture = self.capture("redirect-3xx.pcapng")
        expected = {"chat": (1, 11), "note": (1, 9), "warn": (1, 3), "error": (0, 0)}
        for threshold, (code, failing) in expected.items():
            with self.subTest(threshold=threshold):
                document, _ = self.runner.report(capture, ["--fail-on", threshold], expect=code)
                self.assertEqual(document["counts"]["at_or_above_threshold"], failing)
                self.assertEqual(document["counts"]["findings"], 11)

    def test_several_responses_in_one_tcp_segment(self):
        path = os.path.join(self.stage.root, "three-in-one.pcapng")
        publish, invite, combined = three_responses_in_one_segment(path)
        os.chmod(path, 0o644)
        document, _ = self.runner.report(path, ["--fail-on", "warn"], expect=1)
        findings = by_frame(document)[combined]
        self.assertEqual([(f["pdu"], f["code"]) for f in findings], [(0, 302), (1, 200), (2, 412)])
        moved, ok, refused = findings
        self.assertEqual((moved["severity"], moved["request"]["frame"]), ("warn", invite))
        self.assertNotIn("redirect", moved)
        self.assertIn("3xx without Contact", moved["diagnosis"])
        self.assertEqual(ok["request"], {"match": "not-in-capture"})
        self.assertEqual(ok["severity"], "note")  # request not in capture: a note, not a chat
        self.assertNotIn("etag", ok)
        self.assertEqual(refused["etag"]["state"], "unknown")
        self.assertEqual(refused["etag"]["if_match"], "chk-never-issued")
        self.assertEqual(refused["request"]["frame"], publish)
        self.assertEqual([e["name"] for e in refused["experts"]],
                         ["sipadvisor.response.412", "sipadvisor.etag.unknown"])
        # tshark agrees on the codes and their order in that frame.
        rows = self.stage.fields(path, ["frame.number", "sipadvisor.code"])
        self.assertIn([str(combined), "302|200|412"], rows)

    def test_every_expert_entry_is_in_a_finding(self):
        """Per severity, the findings hold exactly the sipadvisor entries of `tshark -z expert`."""
        for name in sorted(os.listdir(harness.PCAPS_DIR)):
            if not name.endswith(".pcapng"):
                continue
            with self.subTest(capture=name):
                capture = self.capture(name)
                expected = self._expert_counts(capture)
                document, _ = self.runner.report(capture, ["--fail-on", "error", "--max-findings", "0"],
                                                 expect=1 if expected.get("error") else 0)
                listed = {}
                for finding in document["findings"]:
                    for expert in finding["experts"]:
                        listed[expert["severity"]] = listed.get(expert["severity"], 0) + 1
                self.assertEqual(listed, expected)
                self.assertEqual(document["findings_omitted"], 0)
                codes = [c for row in self.stage.fields(capture, ["sipadvisor.code"]) for c in row[0].split("|") if c]
                self.assertEqual(sum(1 for f in document["findings"] if f["kind"] == "response"), len(codes))

    def _expert_counts(self, capture):
        counts, section = {}, None
        for line in self.stage.run(["-r", capture, "-q", "-z", "expert"]).stdout.splitlines():
            match = re.match(r"^(\w+) \(\d+\)$", line)
            if match:
                section = EXPERT_SECTIONS.get(match.group(1))
                continue
            columns = line.split()
            if section and len(columns) >= 3 and columns[0].isdigit() and columns[2] == "sipadvisor":
                counts[section] = counts.get(section, 0) + int(columns[0])
        return counts

    def test_schema_rejects_bad_reports(self):
        document, _ = self.runner.report(self.capture("redirect-3xx.pcapng"), ["--fail-on", "error"], expect=0)
        for mutate in (lambda d: d.pop("findings"),
                       lambda d: d["findings"][0].update(severity="fatal"),
                       lambda d: d["findings"][0].update(frame="2"),
                       lambda d: d["counts"]["by_severity"].update(warn=-1),
                       lambda d: d["findings"][0].update(unexpected=1),
                       lambda d: d["findings"][0]["experts"].append({"name": "x"})):
            broken = json.loads(json.dumps(document))
            mutate(broken)
            for check in (validator(), SubsetValidator(validator().schema)):
                self.assertTrue(list(check.iter_errors(broken)), "accepted: %s" % mutate)
            self.assertEqual(list(SubsetValidator(validator().schema).iter_errors(document)), [])

    # --- options --------------------------------------------------------------

    def test_max_findings_keeps_the_worst(self):
        document, _ = self.runner.report(self.capture("publish-etag-states.pcapng"),
                                         ["--fail-on", "error", "--max-findings", "2"], expect=1)
        self.assertEqual([f["frame"] for f in document["findings"]], [12, 26])  # capture order
        self.assertEqual(document["findings_listed"], 2)
        self.assertEqual(document["findings_omitted"], document["counts"]["findings"] - 2)
        self.assertEqual(document["counts"]["findings"], 13)

    def test_json_to_stdout(self):
        result = self.runner.run([self.capture("redirect-3xx.pcapng"), "--fail-on", "warn", "--json", "-"])
        self.assertEqual(result.returncode, 1, result.stderr)
        document = json.loads(result.stdout)
        self.assertEqual(list(validator().iter_errors(document)), [])
        self.assertIn("FAIL: 3 findings at or above warn", result.stderr)

    def test_decode_as_reaches_tshark(self):
        # Decoding the SIP port as raw data leaves nothing to explain.
        document, _ = self.runner.report(self.capture("redirect-3xx.pcapng"),
                                         ["--fail-on", "chat", "-d", "udp.port==5060,data"], expect=0)
        self.assertEqual(document["decode_as"], ["udp.port==5060,data"])
        self.assertEqual(document["counts"]["findings"], 0)

    def test_preferences_reach_tshark(self):
        # A site override makes 200 an error: its entry is the code's own, no diagnosis.
        override = 'uat:sipadvisor_site_overrides:"200","error","","",""'
        document, _ = self.runner.report(self.capture("redirect-3xx.pcapng"),
                                         ["--fail-on", "error", "-o", override], expect=1)
        self.assertEqual(document["preferences"], [override])
        ok = by_frame(document)[5][0]
        self.assertEqual((ok["title"], ok["severity"], ok["diagnosis"]), ("200 OK", "error", None))
        self.assertEqual([e["name"] for e in ok["experts"]], ["sipadvisor.site.error"])
        self.assertEqual(document["counts"]["at_or_above_threshold"], 2)
        # Routine codes without an Expert Info entry still count, at their code's severity.
        document, _ = self.runner.report(self.capture("redirect-3xx.pcapng"),
                                         ["--fail-on", "note", "-o", "sipadvisor.routine_severity:none"], expect=1)
        ok = by_frame(document)[5][0]
        self.assertEqual((ok["code"], ok["severity"], ok["experts"]), (200, "chat", []))
        self.assertEqual(document["counts"]["findings"], 11)

    def test_truncated_capture_is_checked_up_to_the_cut(self):
        with open(harness.pcap("publish-etag-states.pcapng"), "rb") as handle:
            data = handle.read()
        path = os.path.join(self.stage.root, "cut-short.pcapng")
        with open(path, "wb") as handle:
            handle.write(data[:len(data) - 100])  # into the last frame (the 412 of frame 26)
        os.chmod(path, 0o644)
        document, result = self.runner.report(path, ["--fail-on", "warn"], expect=1)
        self.assertEqual(len(document["warnings"]), 1)
        self.assertIn("cut short", document["warnings"][0])
        self.assertIn("warning:", result.stdout)
        self.assertEqual(document["counts"]["by_severity"]["error"], 0)  # frame 26 is gone
        self.assertEqual(document["counts"]["at_or_above_threshold"], 4)

    def test_version_matches_the_project(self):
        with open(os.path.join(harness.SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as handle:
            project_version = re.search(r"project\(sipadvisor VERSION ([0-9.]+)", handle.read()).group(1)
        result = self.runner.run(["--version"])
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "sipadvisor-check " + project_version))

    # --- exit 2 -----------------------------------------------------------------

    def assert_error(self, args, message, plugin_dir=None):
        result = self.runner.run(args, plugin_dir=plugin_dir)
        self.assertEqual(result.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (result.stdout, result.stderr))
        self.assertIn(message, result.stderr)
        self.assertEqual(result.stdout, "")
        return result

    def test_exit_2_plugin_not_loaded(self):
        empty = harness.Stage(plugin_path="-")
        result = self.assert_error([self.capture("redirect-3xx.pcapng"), "--fail-on", "warn"],
                                   "sipadvisor-check: sipadvisor plugin is not loaded: ", plugin_dir=empty.plugin_dir)
        self.assertIn("install globally", result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_exit_2_missing_capture(self):
        result = self.assert_error([os.path.join(self.stage.root, "no-such.pcapng"), "--fail-on", "warn"],
                                   "sipadvisor-check: cannot read capture ")
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_exit_2_not_a_capture(self):
        path = os.path.join(self.stage.root, "not-a-capture.txt")
        with open(path, "w") as handle:
            handle.write("this is not a capture file, just text\n" * 3)
        os.chmod(path, 0o644)
        result = self.assert_error([path, "--fail-on", "warn"], "isn't a capture file")
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_exit_2_tshark_missing(self):
        self.assert_error([self.capture("redirect-3xx.pcapng"), "--fail-on", "warn",
                           "--tshark", "/nonexistent/tshark"], "sipadvisor-check: tshark not found")

    def test_exit_2_bad_decode_as(self):
        result = self.assert_error([self.capture("redirect-3xx.pcapng"), "--fail-on", "warn",
                                    "-d", "udp.port==5060,no-such-protocol"], "tshark failed on ")
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_exit_2_usage(self):
        capture = self.capture("redirect-3xx.pcapng")
        for args in ([capture], [capture, "--fail-on", "fatal"], [capture, "--fail-on", "warn", "--max-findings", "-1"],
                     ["--fail-on", "warn"]):
            with self.subTest(args=args[1:]):
                self.assert_error(args, "usage: sipadvisor-check")

    def test_exit_2_writes_no_report(self):
        path = os.path.join(self.runner.out, "never.json")
        self.assert_error([os.path.join(self.stage.root, "no-such.pcapng"), "--fail-on", "warn", "--json", path],
                          "cannot read capture")
        self.assertFalse(os.path.exists(path))


if __name__ == "__main__":
    unittest.main()
