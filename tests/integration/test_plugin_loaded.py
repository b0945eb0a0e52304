# SPDX-License-Identifier: GPL-2.0-or-later
"""The plugin is built right and tshark really loads it.

Every other integration test starts with harness.stage(), which fails when
tshark does not list the staged plugin; this module also shows that the
check can fail (a stage without the plugin) and that the ABI symbols and the
public fields are there.
"""
import os
import subprocess
import unittest

import harness


class PluginLoadedTest(unittest.TestCase):
    def test_tshark_lists_the_staged_plugin(self):
        stage = harness.stage()
        self.assertEqual(os.path.realpath(stage.loaded_plugin_path()), os.path.realpath(stage.plugin))

    def test_check_fails_when_plugin_is_absent(self):
        empty = harness.Stage(plugin_path="-")
        try:
            with self.assertRaises(harness.PluginNotLoaded):
                empty.assert_plugin_loaded()
        finally:
            empty.remove()

    def test_plugin_abi_symbols_are_exported(self):
        # C++ gives a namespace-scope const internal linkage unless it is
        # declared extern; Wireshark would then refuse the plugin.
        symbols = subprocess.run(["nm", "-D", "--defined-only", os.environ["SIPADVISOR_PLUGIN"]],
                                 capture_output=True, text=True, check=True).stdout
        exported = {line.split()[-1] for line in symbols.splitlines() if line.strip()}
        for symbol in ("plugin_version", "plugin_want_major", "plugin_want_minor", "plugin_register"):
            self.assertIn(symbol, exported)

    def test_public_fields_are_registered(self):
        glossary = harness.stage().run(["-G", "fields"]).stdout
        registered = {line.split("\t")[2] for line in glossary.splitlines() if line.startswith("F\t")}
        for field in ("sipadvisor.code", "sipadvisor.class", "sipadvisor.summary", "sipadvisor.meaning", "sipadvisor.cause",
                      "sipadvisor.fix", "sipadvisor.rfc", "sipadvisor.phrase", "sipadvisor.severity"):
            self.assertIn(field, registered)
        # One expert entry per registered code, per class fallback and invalid.
        for name in ("sipadvisor.response.412", "sipadvisor.response.486", "sipadvisor.response.4xx",
                     "sipadvisor.response.invalid"):
            self.assertIn(name, registered)

    def test_readme_reference_matches_the_registered_fields(self):
        # README's field and expert tables must list exactly what Wireshark
        # knows (per-code expert names are one row: sipadvisor.response.NNN).
        import re
        glossary = harness.stage().run(["-G", "fields"]).stdout
        registered = {line.split("\t")[2] for line in glossary.splitlines()
                      if line.startswith(("F\t", "P\t")) and line.split("\t")[2].startswith("sipadvisor")}
        def family(name):
            name = re.sub(r"^sipadvisor\.response\.\d+$", "sipadvisor.response.NNN", name)
            name = re.sub(r"^sipadvisor\.(site|evidence)\.(chat|note|warn|error)$", r"sipadvisor.\1.SEVERITY", name)
            return re.sub(r"^sipadvisor\.response\.[1-6]xx$", "sipadvisor.response.Nxx", name)

        with open(os.path.join(harness.SOURCE_DIR, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        documented = set(re.findall(r"^\| `(sipadvisor[a-z0-9_.N]*)`", readme, re.M))
        self.assertEqual({family(n) for n in registered}, {family(n) for n in documented})

    def test_protocol_is_listed(self):
        protocols = harness.stage().run(["-G", "protocols"]).stdout
        self.assertIn("SIP Advisor\tsipadvisor\tsipadvisor", protocols)


if __name__ == "__main__":
    unittest.main()
