# SPDX-License-Identifier: GPL-2.0-or-later
"""The Debian package: cpack -G DEB, dpkg -i, the plugin loads from the system
plugin folder (as root, where only that folder counts), dpkg -r.

It changes the system, so it only runs as root with dpkg and with
SIPADVISOR_PACKAGE_TEST=1, which CTest sets when configured with
-DSIPADVISOR_TEST_PACKAGE=ON. Files the package overwrites (a plugin installed
by `cmake --install`, say) are saved first and put back after `dpkg -r`.
"""
import filecmp
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

BUILD_DIR = os.environ.get("SIPADVISOR_BUILD_DIR", "")
ABI = os.environ.get("SIPADVISOR_WS_ABI", "")


def skip_reason():
    if os.environ.get("SIPADVISOR_PACKAGE_TEST") != "1":
        return ("SIPADVISOR_PACKAGE_TEST is not 1: configure with -DSIPADVISOR_TEST_PACKAGE=ON to build, "
                "install (dpkg -i) and remove the .deb")
    if os.geteuid() != 0:
        return "needs root (dpkg -i / dpkg -r)"
    for tool in ("dpkg", "dpkg-deb", "cpack"):
        if shutil.which(tool) is None:
            return "%s is not available" % tool
    if not os.path.isfile(os.path.join(BUILD_DIR, "CPackConfig.cmake")):
        return "SIPADVISOR_BUILD_DIR (%r) holds no CPackConfig.cmake" % BUILD_DIR
    return None


def run(command, check=True, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=600, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (" ".join(command), result.returncode,
                                                      result.stdout, result.stderr))
    return result


def installed(package):
    status = run(["dpkg-query", "-W", "-f=${Status}", package], check=False).stdout
    return status == "install ok installed"


@unittest.skipIf(skip_reason() is not None, skip_reason())
class DebianPackageTest(unittest.TestCase):
    def setUp(self):
        if installed("sipadvisor") or run(["dpkg-query", "-W", "sipadvisor"], check=False).returncode == 0:
            self.skipTest("a sipadvisor package is already known to dpkg; not replacing it")
        self.work = tempfile.mkdtemp(prefix="sipadvisor-package-")
        self.addCleanup(shutil.rmtree, self.work, True)

    def build_deb(self):
        run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", self.work],
            cwd=BUILD_DIR)
        with open(os.path.join(harness.SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as handle:
            version = re.search(r"project\(sipadvisor VERSION ([0-9.]+)", handle.read()).group(1)
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        debs = glob.glob(os.path.join(self.work, "*.deb"))
        expected = os.path.join(self.work, "sipadvisor_%s_%s.deb" % (version, arch))
        self.assertEqual(debs, [expected])
        return expected

    def save_overwritten(self, deb):
        """Copy aside every file of the package that already exists on the system."""
        saved = []
        backup = os.path.join(self.work, "backup")
        for line in run(["dpkg-deb", "-c", deb]).stdout.splitlines():
            if not line.startswith("-"):
                continue
            path = "/" + line.split(None, 5)[5].lstrip("./")
            if os.path.lexists(path):
                copy = backup + path
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                shutil.copy2(path, copy, follow_symlinks=False)
                saved.append((path, copy))
        return saved

    def restore(self, saved):
        for path, copy in saved:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copy2(copy, path, follow_symlinks=False)
            self.assertTrue(filecmp.cmp(path, copy, shallow=False), "could not put back %s" % path)

    def test_install_load_remove(self):
        deb = self.build_deb()
        fields = dict(line.split(": ", 1) for line in run(
            ["dpkg-deb", "-f", deb, "Package", "Version", "Section", "Maintainer", "Depends", "Description"]
        ).stdout.splitlines() if ": " in line)
        self.assertEqual(fields["Package"], "sipadvisor")
        self.assertEqual(fields["Section"], "net")
        self.assertTrue(fields["Maintainer"])
        # Exactly the Wireshark series the plugin was built for.
        major, minor = ABI.split(".")
        match = re.search(r"(libwireshark\d+) \(>= %s\.%s\), \1 \(<< %s\.%d\)" % (major, minor, major, int(minor) + 1),
                          fields["Depends"])
        self.assertIsNotNone(match, fields["Depends"])
        self.assertTrue(installed(match.group(1)), "%s is not installed" % match.group(1))

        saved = self.save_overwritten(deb)
        self.addCleanup(self.restore, saved)
        self.addCleanup(lambda: run(["dpkg", "--purge", "sipadvisor"], check=False))
        run(["dpkg", "-i", deb], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        self.assertTrue(installed("sipadvisor"))

        files = run(["dpkg", "-L", "sipadvisor"]).stdout.splitlines()
        plugin = next((f for f in files if f.endswith("/plugins/%s/epan/sipadvisor.so" % ABI)), None)
        self.assertIsNotNone(plugin, files)
        self.assertTrue(plugin.startswith("/usr/lib/"), plugin)
        self.assertIn("/usr/bin/sipadvisor-check", files)
        self.assertIn("/usr/share/doc/sipadvisor/copyright", files)

        # As root tshark only loads the global plugin folder: the packaged file.
        home = os.path.join(self.work, "home")
        os.makedirs(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}
        listed = [line.split("\t") for line in run(["tshark", "-G", "plugins"], env=env).stdout.splitlines()]
        paths = [columns[-1].strip() for columns in listed if columns[0].strip().startswith("sipadvisor")]
        self.assertEqual(paths, [plugin])

        # The installed gate works against the installed plugin.
        report = os.path.join(self.work, "report.json")
        result = run(["/usr/bin/sipadvisor-check", harness.pcap("publish-etag-states.pcapng"),
                      "--fail-on", "warn", "--json", report], check=False, env=env)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        with open(report, encoding="utf-8") as handle:
            document = json.load(handle)
        self.assertEqual(document["plugin"]["path"], plugin)
        self.assertEqual(document["counts"]["at_or_above_threshold"], 5)

        run(["dpkg", "-r", "sipadvisor"])
        self.assertFalse(installed("sipadvisor"))
        for path in (plugin, "/usr/bin/sipadvisor-check"):
            self.assertFalse(os.path.exists(path), "%s is still there after dpkg -r" % path)


if __name__ == "__main__":
    unittest.main()
