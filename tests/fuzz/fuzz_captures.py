#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture fuzzing: tshark with the sipadvisor plugin over mutated captures.

    tests/fuzz/fuzz_captures.py --plugin build/plugin/sipadvisor.so --count 10000 --jobs 2 --seed 1

Sources: every capture in pcaps/, plus the public corpus (../shared/real-pcaps
or $SIPADVISOR_CORPUS) when present (--no-corpus to leave it out). Each
mutated file is one of
  editcap  `editcap -E <rate> --seed <n>` at a rate of 0.001 .. 0.05 (any source)
  sip      the SIP text rewritten by sip_mutator.py: truncated headers, 64 KiB
           values, thousands of Contacts, non-UTF-8 bytes, -1 / 4294967296 /
           99999999999999999999 in Expires and CSeq, duplicate SIP-ETag /
           SIP-If-Match, status codes 000/099/700/999, bare LF, missing
           Via/Call-ID, one branch for every call ... (pcapng sources)
  sip+editcap  both
File N of seed S is always the same file: `--seed S --only N` rebuilds it.

Each file is read with `tshark -2 -V` (two passes, every tree item built) as
the integration tests run it: a staged copy of the plugin, as nobody when
root, with the ASan/UBSan runtimes preloaded when the plugin was built with
SIPADVISOR_SANITIZE (detected from the .so). A file fails on
  crash        tshark killed by a signal (SIGSEGV, SIGABRT ...)
  sanitizer    an AddressSanitizer / UBSan / LeakSanitizer report on stderr
  timeout      no exit within --timeout seconds (default 60) while plain
               tshark (no plugin) finishes the same file in time
  slow         more than --slow-factor (default 3) times plain tshark's time
               plus 2 s; only checked when the run took over --slow-check s
  exception    "[Dissector bug, protocol SIP Advisor" or "[Malformed Packet:
               SIP Advisor" in the output: the plugin threw
  exit         an exit status plain tshark does not give on the same file
  stderr       a GLib CRITICAL/ERROR or a sipadvisor message that plain
               tshark does not print on the same file
A failing file, its source and a .txt with the command and stderr go to
--findings (default ./fuzz-findings); other files are deleted unless --keep.
Exit status 0 when no file failed, 1 otherwise.
"""
import argparse
import concurrent.futures
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import sip_mutator  # noqa: E402

SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
RATES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05]
SANITIZER_PATTERNS = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                                r"SUMMARY: (?:Address|UndefinedBehavior|Leak)Sanitizer|AddressSanitizer:DEADLYSIGNAL")
STDERR_PATTERNS = re.compile(r"sipadvisor|SIP Advisor|\*\* \(tshark:\d+\): (?:CRITICAL|ERROR)|"
                             r"CRITICAL \*\*|ERROR \*\*")
OUTPUT_PATTERNS = [b"[Dissector bug, protocol SIP Advisor", b"[Malformed Packet: SIP Advisor"]
MAX_SOURCE_BYTES = 8 * 1024 * 1024


# --------------------------------------------------------------------------
# setup
# --------------------------------------------------------------------------

def sanitizer_preload(plugin):
    """The runtimes to preload into tshark for an ASan/UBSan plugin, or None."""
    try:
        needed = subprocess.run(["readelf", "-d", plugin], capture_output=True, text=True).stdout
        symbols = subprocess.run(["nm", "-D", "--undefined-only", plugin], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    libraries = re.findall(r"Shared library: \[(lib(?:asan|ubsan)\.so[^\]]*)\]", needed)
    if libraries:  # gcc: the plugin needs libasan/libubsan
        paths = []
        for library in libraries:
            found = subprocess.run(["gcc", "-print-file-name=" + library], capture_output=True, text=True).stdout.strip()
            if not os.path.isabs(found):
                found = os.path.join("/usr/lib/x86_64-linux-gnu", library)
            paths.append(os.path.realpath(found))
        return ":".join(paths)
    if "__asan_" in symbols or "__ubsan_" in symbols:  # clang: runtime not linked into the .so
        found = subprocess.run(["clang", "-print-file-name=libclang_rt.asan-x86_64.so"], capture_output=True,
                               text=True).stdout.strip()
        return os.path.realpath(found)
    return None


def corpus_sources(corpus):
    """(path, decode-as args) of the public corpus, per its INDEX.tsv."""
    index = os.path.join(corpus, "INDEX.tsv")
    if not os.path.exists(index):
        return []
    sources = []
    with open(index, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            decode_as = []
            for rule in re.findall(r"-d ([\w.=]+,\w+)", row.get("notes", "")):
                decode_as += ["-d", rule]
            path = os.path.join(corpus, row["file"])
            if os.path.exists(path) and os.path.getsize(path) <= MAX_SOURCE_BYTES:
                sources.append((path, decode_as))
    return sources


class Plan:
    """Which file number N is: its source, kind, rate and mutation seed."""

    def __init__(self, seed, local, corpus):
        self.seed = seed
        self.local = local          # pcaps/*.pcapng: sip mutations apply
        self.all = local + corpus

    def item(self, number):
        rng = random.Random("%s:%d" % (self.seed, number))
        roll = rng.random()
        if roll < 0.45 or not self.local:
            kind, pool = "editcap", self.all
        elif roll < 0.9:
            kind, pool = "sip", self.local
        else:
            kind, pool = "sip+editcap", self.local
        source, decode_as = rng.choice(pool)
        return {"number": number, "kind": kind, "source": source, "decode_as": decode_as,
                "rate": rng.choice(RATES), "editcap_seed": rng.randrange(1, 2 ** 31),
                "mutation_seed": rng.randrange(2 ** 63)}


# --------------------------------------------------------------------------
# one file
# --------------------------------------------------------------------------

def make_file(item, folder):
    """Writes the mutated capture; returns (path, description)."""
    base = os.path.basename(item["source"])
    stem = "%06d-%s-%s" % (item["number"], item["kind"].replace("+", "-"), base)
    path = os.path.join(folder, stem)
    description = item["kind"]
    source = item["source"]
    if "sip" in item["kind"]:
        with open(source, "rb") as handle:
            data = handle.read()
        rng = random.Random(item["mutation_seed"])
        mutated, operators = sip_mutator.mutate_capture(data, rng)
        description += " ops=" + ",".join(operators)
        intermediate = path + ".sip.pcapng" if "editcap" in item["kind"] else path
        with open(intermediate, "wb") as handle:
            handle.write(mutated)
        source = intermediate
    if "editcap" in item["kind"]:
        description += " rate=%g seed=%d" % (item["rate"], item["editcap_seed"])
        result = subprocess.run(["editcap", "-E", str(item["rate"]), "--seed", str(item["editcap_seed"]),
                                 source, path], capture_output=True, text=True)
        if source != item["source"]:
            os.remove(source)
        if result.returncode != 0 or not os.path.exists(path):
            # editcap cannot read some corpus files whole: mutate what it can.
            if not os.path.exists(path):
                shutil.copy(item["source"], path)
            description += " (editcap exit %d)" % result.returncode
    os.chmod(path, 0o644)
    return path, description


def run_tshark(stage, path, decode_as, timeout, sanitizer):
    """Runs tshark -2 -V; returns dict(code, seconds, timed_out, stderr, hits)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": stage.home, "WIRESHARK_PLUGIN_DIR": stage.plugin_dir,
           "LANG": "C.UTF-8"}
    if sanitizer:
        env.update(harness.sanitizer_env(stage.root))
    command = (harness._unprivileged_prefix() + ["env", "-i"] + ["%s=%s" % kv for kv in env.items()]
               + ["tshark", "-r", path, "-2", "-V"] + list(decode_as))
    with tempfile.TemporaryFile() as stderr_file:
        start = time.monotonic()
        process = subprocess.Popen(command, cwd=stage.root, stdout=subprocess.PIPE, stderr=stderr_file)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            process.kill()
        timer = threading.Timer(timeout, kill)
        timer.start()
        hits = set()
        tail = b""
        try:
            while True:
                chunk = process.stdout.read(1 << 20)
                if not chunk:
                    break
                window = tail + chunk
                for pattern in OUTPUT_PATTERNS:
                    if pattern in window:
                        hits.add(pattern.decode())
                tail = window[-64:]
            code = process.wait()
        finally:
            timer.cancel()
            process.stdout.close()
        seconds = time.monotonic() - start
        stderr_file.seek(0)
        stderr = stderr_file.read().decode("utf-8", "replace")
    return {"code": code, "seconds": seconds, "timed_out": timed_out.is_set(), "stderr": stderr,
            "hits": sorted(hits), "command": command}


def judge(with_plugin, plain_runner, options):
    """Failure kinds of one run; plain_runner() runs plain tshark on demand."""
    failures = []
    plain = None

    def get_plain():
        nonlocal plain
        if plain is None:
            plain = plain_runner()
        return plain

    if SANITIZER_PATTERNS.search(with_plugin["stderr"]):
        failures.append("sanitizer")
    if with_plugin["timed_out"]:
        if not get_plain()["timed_out"]:
            failures.append("timeout")
    elif with_plugin["code"] < 0:
        failures.append("crash")
    elif with_plugin["code"] not in (0, 2) and with_plugin["code"] != get_plain()["code"]:
        failures.append("exit")
    if with_plugin["hits"]:
        failures.append("exception")
    if not with_plugin["timed_out"] and with_plugin["seconds"] > options.slow_check:
        reference = get_plain()
        if not reference["timed_out"] and \
                with_plugin["seconds"] > options.slow_factor * reference["seconds"] + 2:
            failures.append("slow")
    # Paths are left out of the match: the stage folders are named sipadvisor-test-*.
    suspicious = [line for line in with_plugin["stderr"].splitlines()
                  if STDERR_PATTERNS.search(re.sub(r"\S*/\S*", "", line))]
    if suspicious and "sanitizer" not in failures:
        plain_lines = set(get_plain()["stderr"].splitlines())
        if any(line not in plain_lines for line in suspicious):
            failures.append("stderr")
    return failures, plain


def process_item(item, context):
    options = context["options"]
    path, description = make_file(item, context["work"])
    try:
        result = run_tshark(context["stage"], path, item["decode_as"], options.timeout, context["sanitizer"])

        def plain_runner():
            return run_tshark(context["plain_stage"], path, item["decode_as"], options.timeout, False)
        failures, plain = judge(result, plain_runner, options)
        record = {"number": item["number"], "file": os.path.basename(path), "source": item["source"],
                  "description": description, "code": result["code"], "seconds": round(result["seconds"], 3),
                  "failures": failures}
        if plain is not None:
            record["plain_seconds"] = round(plain["seconds"], 3)
            record["plain_code"] = plain["code"]
        if failures:
            keep_finding(path, item, record, result, plain, context)
        return record
    finally:
        if not options.keep and os.path.exists(path):
            os.remove(path)
        elif options.keep and os.path.exists(path):
            os.makedirs(options.keep_dir, exist_ok=True)
            shutil.move(path, os.path.join(options.keep_dir, os.path.basename(path)))


def keep_finding(path, item, record, result, plain, context):
    findings = context["options"].findings
    os.makedirs(findings, exist_ok=True)
    target = os.path.join(findings, os.path.basename(path))
    shutil.copy(path, target)
    with open(target + ".txt", "w", encoding="utf-8") as handle:
        handle.write("failures: %s\n" % " ".join(record["failures"]))
        handle.write("mutation: %s\nsource: %s\n" % (record["description"], item["source"]))
        handle.write("reproduce: %s --seed %s --only %d\n" % (os.path.abspath(__file__), context["options"].seed,
                                                             item["number"]))
        handle.write("tshark: exit %d after %.2f s%s\n" % (result["code"], result["seconds"],
                                                          " (timed out)" if result["timed_out"] else ""))
        handle.write("command: %s\n" % " ".join(result["command"]))
        if plain is not None:
            handle.write("plain tshark: exit %d after %.2f s%s\n" % (plain["code"], plain["seconds"],
                                                                    " (timed out)" if plain["timed_out"] else ""))
        if result["hits"]:
            handle.write("output: %s\n" % "; ".join(result["hits"]))
        handle.write("\n--- stderr (last 20000 chars) ---\n%s\n" % result["stderr"][-20000:])


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plugin", default=os.environ.get("SIPADVISOR_PLUGIN"),
                        help="sipadvisor.so to test (default: $SIPADVISOR_PLUGIN, else build/plugin/sipadvisor.so)")
    parser.add_argument("--abi", default=os.environ.get("SIPADVISOR_WS_ABI"),
                        help="Wireshark major.minor (default: $SIPADVISOR_WS_ABI, else from tshark)")
    parser.add_argument("--count", type=int, default=150, help="mutated captures to run (default 150)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="tshark runs in parallel")
    parser.add_argument("--seed", default="1", help="seed of the whole run (default 1)")
    parser.add_argument("--start", type=int, default=0, help="first file number (resume a run)")
    parser.add_argument("--only", type=int, nargs="*", help="just these file numbers (reproduce)")
    parser.add_argument("--keep", action="store_true", help="keep every mutated file in --keep-dir")
    parser.add_argument("--keep-dir", default="fuzz-kept")
    parser.add_argument("--findings", default="fuzz-findings", help="folder for failing files (default ./fuzz-findings)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per file (default 60)")
    parser.add_argument("--slow-factor", type=float, default=3.0)
    parser.add_argument("--slow-check", type=float, default=5.0,
                        help="runs longer than this many seconds are timed against plain tshark")
    parser.add_argument("--corpus", default=os.environ.get("SIPADVISOR_CORPUS",
                                                           os.path.join(SOURCE_DIR, "..", "shared", "real-pcaps")))
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--log", help="write one JSON line per file here")
    options = parser.parse_args()

    plugin = options.plugin or os.path.join(SOURCE_DIR, "build", "plugin", "sipadvisor.so")
    if not os.path.exists(plugin):
        parser.error("no plugin at %s (--plugin)" % plugin)
    abi = options.abi
    if not abi:
        version = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
        abi = ".".join(re.search(r"TShark \(Wireshark\) (\d+)\.(\d+)", version).groups())
    preload = sanitizer_preload(plugin)
    if preload:
        os.environ["SIPADVISOR_SANITIZE"] = "1"
        os.environ["SIPADVISOR_SANITIZER_PRELOAD"] = preload

    stage = harness.Stage(plugin_path=plugin, abi=abi)
    plain_stage = harness.Stage(plugin_path="-", abi=abi)
    sanitizer = bool(preload)
    # The plugin must load (and, with sanitizers, the preload must work).
    stage.assert_plugin_loaded()

    local = [(os.path.join(harness.PCAPS_DIR, name), []) for name in sorted(os.listdir(harness.PCAPS_DIR))
             if name.endswith(".pcapng") and os.path.getsize(os.path.join(harness.PCAPS_DIR, name)) <= MAX_SOURCE_BYTES]
    corpus = [] if options.no_corpus else corpus_sources(options.corpus)
    plan = Plan(options.seed, local, corpus)
    numbers = options.only if options.only else range(options.start, options.start + options.count)
    work = tempfile.mkdtemp(prefix="work-", dir=stage.root)
    os.chmod(work, 0o755)
    context = {"options": options, "stage": stage, "plain_stage": plain_stage, "work": work,
               "sanitizer": sanitizer}

    print("fuzz_captures: plugin %s%s, %d local + %d corpus sources, %d files, seed %s, %d jobs"
          % (plugin, " (ASan/UBSan, preload %s)" % preload if sanitizer else "", len(local), len(corpus),
             len(numbers), options.seed, options.jobs), flush=True)
    started = time.monotonic()
    log = open(options.log, "a", encoding="utf-8") if options.log else None
    totals = {"files": 0, "failed": 0}
    kinds = {}
    slowest = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        futures = {pool.submit(process_item, plan.item(n), context): n for n in numbers}
        for future in concurrent.futures.as_completed(futures):
            try:
                record = future.result()
            except Exception as error:  # a bug of this script, not a finding
                record = {"number": futures[future], "failures": ["harness-error"], "error": repr(error),
                          "seconds": 0}
            totals["files"] += 1
            for kind in record["failures"]:
                kinds[kind] = kinds.get(kind, 0) + 1
            if record["failures"]:
                totals["failed"] += 1
                print("FAIL %s: %s (%s)" % (record.get("file", record["number"]), " ".join(record["failures"]),
                                            record.get("description", record.get("error"))), flush=True)
            slowest = sorted(slowest + [(record["seconds"], record.get("file", ""))], reverse=True)[:5]
            if log:
                log.write(json.dumps(record) + "\n")
                log.flush()
            if totals["files"] % 500 == 0:
                print("  %d/%d files, %d failed, %.0f s" % (totals["files"], len(numbers), totals["failed"],
                                                            time.monotonic() - started), flush=True)
    if log:
        log.close()
    shutil.rmtree(work, ignore_errors=True)
    duration = time.monotonic() - started
    print("fuzz_captures: %d files in %.0f s, %d failed; crashes %d, sanitizer reports %d, timeouts %d, "
          "slow %d, exceptions %d, exit %d, stderr %d, harness errors %d"
          % (totals["files"], duration, totals["failed"], kinds.get("crash", 0), kinds.get("sanitizer", 0),
             kinds.get("timeout", 0), kinds.get("slow", 0), kinds.get("exception", 0), kinds.get("exit", 0),
             kinds.get("stderr", 0), kinds.get("harness-error", 0)))
    print("slowest: " + ", ".join("%s %.1f s" % (name, seconds) for seconds, name in slowest))
    if totals["failed"]:
        print("findings in %s" % os.path.abspath(options.findings))
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
