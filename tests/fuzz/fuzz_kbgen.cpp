/* sipadvisor - libFuzzer harness for the knowledge-base loader (kbgen)
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Runs the whole of plugin/kbgen/kbgen.cpp -- line scan, GKeyFile parse,
 * record validation and C++ generation -- in process, on data files made
 * from the fuzz input. kbgen.cpp is compiled into this harness unchanged:
 * its main() is renamed by a macro, and its file arguments are paths of
 * in-memory files (memfd), so nothing touches the disk except the rare
 * accepted knowledge base, written to a private folder under /dev/shm.
 *
 * Input: up to four data files separated by lines "#%%" --
 * response-codes.ini, special-cases.ini, q850-causes.ini, warning-codes.ini.
 * Two parts run kbgen's 4-argument form, three or four the 6-argument form.
 */

/* Everything kbgen.cpp includes, first, so that the macro below renames
 * only kbgen's own main(). */
#include <glib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define main sipadvisor_kbgen_main
#include "kbgen/kbgen.cpp"
#undef main

namespace {

int g_files[4] = {-1, -1, -1, -1};
std::string g_paths[4];
std::string g_output;

void set_file(int index, const char *data, size_t size)
{
    int fd = g_files[index];
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))) {
        std::perror("fuzz_kbgen: memfd");
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    for (int i = 0; i < 4; ++i) {
        g_files[i] = memfd_create("kbgen-input", 0);
        if (g_files[i] < 0) {
            std::perror("fuzz_kbgen: memfd_create");
            std::abort();
        }
        g_paths[i] = "/proc/self/fd/" + std::to_string(g_files[i]);
    }
    char folder[] = "/dev/shm/sipadvisor-fuzz-kbgen-XXXXXX";
    if (!mkdtemp(folder)) {
        std::perror("fuzz_kbgen: mkdtemp");
        std::abort();
    }
    g_output = std::string(folder) + "/knowledge_base_data.cpp";
    static std::string s_folder = folder;
    std::atexit([] {
        std::remove(g_output.c_str());
        std::remove((g_output + ".tmp").c_str());
        rmdir(s_folder.c_str());
    });
    /* kbgen reports every rejected record on stderr: thousands of lines a
     * second. libFuzzer's -close_fd_mask=2 (run_libfuzzer.sh) silences it. */
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const std::string kSeparator = "\n#%%\n";
    std::string input(reinterpret_cast<const char *>(data), size);
    std::vector<std::string> parts;
    size_t start = 0;
    while (parts.size() < 3) {
        size_t found = input.find(kSeparator, start);
        if (found == std::string::npos)
            break;
        parts.push_back(input.substr(start, found - start + 1));
        start = found + kSeparator.size();
    }
    parts.push_back(input.substr(start));
    if (parts.size() == 1)
        parts.emplace_back(); /* special-cases.ini empty: rejected, but after the codes file was read */

    for (size_t i = 0; i < parts.size(); ++i)
        set_file(static_cast<int>(i), parts[i].data(), parts[i].size());

    std::vector<std::string> args = {"sipadvisor_kbgen", g_paths[0], g_paths[1]};
    if (parts.size() >= 3) {
        if (parts.size() == 3)
            set_file(3, "", 0);
        args.push_back(g_paths[2]);
        args.push_back(g_paths[3]);
    }
    args.push_back(g_output);
    std::vector<char *> argv;
    for (std::string &arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    int status = sipadvisor_kbgen_main(static_cast<int>(args.size()), argv.data());
    if (status != 0 && status != 1) {
        std::printf("fuzz_kbgen: kbgen returned %d\n", status);
        std::abort();
    }
    if (status == 0) {
        /* Accepted: the generated table must be there and end the namespace. */
        std::ifstream generated(g_output, std::ios::binary);
        std::stringstream text;
        text << generated.rdbuf();
        if (text.str().find("} // namespace sipadvisor::core\n") == std::string::npos) {
            std::printf("fuzz_kbgen: accepted input but no complete output\n");
            std::abort();
        }
        std::remove(g_output.c_str());
    }
    return 0;
}
