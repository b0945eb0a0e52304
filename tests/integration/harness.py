# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs the built sipadvisor plugin inside the real tshark.

Wireshark ignores the personal plugin folder and WIRESHARK_PLUGIN_DIR when it
runs as root, and the plugin then silently does not load. So the harness
stages the plugin, a private HOME and the captures in a world-readable
temporary folder and, when it runs as root, runs tshark as `nobody` through
setpriv. WIRESHARK_PLUGIN_DIR replaces the global plugin folder, so a copy
installed system-wide can never shadow the build under test; every run
checks (`tshark -G plugins`) that the staged file is the one loaded.

Environment (set by CTest, see tests/CMakeLists.txt):
  SIPADVISOR_PLUGIN      path of the built sipadvisor.so
  SIPADVISOR_WS_ABI      Wireshark major.minor the plugin was built for
  SIPADVISOR_SOURCE_DIR  project root (for pcaps/ and data/)
"""
import atexit
import configparser
import os
import shutil
import subprocess
import tempfile

SOURCE_DIR = os.environ.get("SIPADVISOR_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PCAPS_DIR = os.path.join(SOURCE_DIR, "pcaps")
DATA_DIR = os.path.join(SOURCE_DIR, "data")
TSHARK_TIMEOUT = 600


class PluginNotLoaded(AssertionError):
    pass


def sanitizer_env(stage_root):
    """tshark's extra environment when the plugin was built with
    SIPADVISOR_SANITIZE (tests/CMakeLists.txt sets SIPADVISOR_SANITIZE=1 and
    SIPADVISOR_SANITIZER_PRELOAD): Debian's tshark carries no ASan/UBSan
    runtime, so it is preloaded; leak checking is off (tshark's own). The
    preload is inherited by the extcap helpers tshark spawns, and
    androiddump then deadlocks at exit (freelocale in an atexit handler), so
    tshark gets an empty extcap folder."""
    if os.environ.get("SIPADVISOR_SANITIZE") != "1":
        return {}
    extcap_dir = os.path.join(stage_root, "extcap-none")
    os.makedirs(extcap_dir, mode=0o755, exist_ok=True)
    return {
        "WIRESHARK_EXTCAP_DIR": extcap_dir,
        "LD_PRELOAD": os.environ.get("SIPADVISOR_SANITIZER_PRELOAD", ""),
        "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1:print_summary=1"),
        "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
    }


def _unprivileged_prefix():
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


class Stage:
    """A world-readable folder holding the plugin, a HOME and captures."""

    def __init__(self, plugin_path=None, abi=None, plugin_name="sipadvisor.so"):
        plugin_path = plugin_path or os.environ.get("SIPADVISOR_PLUGIN")
        abi = abi or os.environ.get("SIPADVISOR_WS_ABI")
        if not plugin_path or not abi:
            raise RuntimeError("SIPADVISOR_PLUGIN and SIPADVISOR_WS_ABI must be set (run through ctest)")
        self.root = tempfile.mkdtemp(prefix="sipadvisor-test-")
        os.chmod(self.root, 0o755)
        self.plugin_dir = os.path.join(self.root, "plugins")
        epan_dir = os.path.join(self.plugin_dir, abi, "epan")
        os.makedirs(epan_dir)
        self.plugin = os.path.join(epan_dir, plugin_name)
        if plugin_path != "-":  # "-": a stage without the plugin, for negative controls
            shutil.copy(plugin_path, self.plugin)
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        self.captures = os.path.join(self.root, "captures")
        os.makedirs(self.captures)
        for dirpath, dirnames, filenames in os.walk(self.root):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o644)
        if os.geteuid() == 0:
            # nobody must be able to write its profile into HOME.
            os.chown(self.home, 65534, 65534)
        atexit.register(self.remove)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def capture(self, path):
        """Copy a capture into the stage (readable by nobody); return its path."""
        # Prefix the parent folder: corpus captures share names (sip.pcap).
        parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
        target = os.path.join(self.captures, parent + "__" + os.path.basename(path))
        if not os.path.exists(target):
            shutil.copy(path, target)
            os.chmod(target, 0o644)
        return target

    def run(self, args, check=True):
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": self.home,
            "WIRESHARK_PLUGIN_DIR": self.plugin_dir,
            "LANG": "C.UTF-8",
        }
        if "ASAN_OPTIONS" in os.environ:
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"]
        env.update(sanitizer_env(self.root))
        command = _unprivileged_prefix() + ["env", "-i"] + ["%s=%s" % kv for kv in env.items()] + ["tshark"] + args
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True,
                                timeout=TSHARK_TIMEOUT, errors="replace")
        if check and result.returncode != 0:
            raise AssertionError("tshark %s exited %d:\n%s" % (" ".join(args), result.returncode, result.stderr))
        return result

    def loaded_plugin_path(self):
        """Path of the loaded sipadvisor plugin per `tshark -G plugins`, or None."""
        for line in self.run(["-G", "plugins"]).stdout.splitlines():
            columns = [c.strip() for c in line.split("\t")]
            if columns and columns[0].startswith("sipadvisor"):
                return columns[-1]
        return None

    def assert_plugin_loaded(self):
        path = self.loaded_plugin_path()
        if path is None:
            raise PluginNotLoaded("sipadvisor is not loaded by tshark (tshark -G plugins does not list it); "
                                  "staged at %s" % self.plugin)
        if os.path.realpath(path) != os.path.realpath(self.plugin):
            raise PluginNotLoaded("tshark loaded sipadvisor from %s, not the build under test %s"
                                  % (path, self.plugin))

    def fields(self, capture, fields, extra=()):
        """Rows of `tshark -T fields`, one list of strings per frame."""
        args = ["-r", self.capture(capture), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
        for field in fields:
            args += ["-e", field]
        result = self.run(args + list(extra))
        return [line.split("\t") for line in result.stdout.splitlines()]


_shared_stage = None


def stage():
    """The stage of this test process, with the plugin checked loaded."""
    global _shared_stage
    if _shared_stage is None:
        _shared_stage = Stage()
        _shared_stage.assert_plugin_loaded()
    return _shared_stage


def pcap(name):
    path = os.path.join(PCAPS_DIR, name)
    if not os.path.exists(path):
        raise AssertionError("missing capture %s (see pcaps/README.md)" % path)
    return path


def knowledge_base():
    """data/response-codes.ini as {code: {key: value}} (the expected texts)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(DATA_DIR, "response-codes.ini"), encoding="utf-8")
    return {int(section): dict(parser[section]) for section in parser.sections()}


def special_cases():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(DATA_DIR, "special-cases.ini"), encoding="utf-8")
    return {section: dict(parser[section]) for section in parser.sections()}


def sipadvisor_blocks(verbose_text):
    """The `SIP Advisor` subtrees of `tshark -V` output, per frame, as text."""
    blocks = []
    frame = None
    current = None
    for line in verbose_text.splitlines():
        if line.startswith("Frame "):
            frame = line.split(":")[0]
            current = None
        elif line.startswith("SIP Advisor"):
            current = [frame, line]
            blocks.append(current)
        elif current is not None and line.startswith(" "):
            current.append(line)
        else:
            current = None
    return ["\n".join(block) for block in blocks]
