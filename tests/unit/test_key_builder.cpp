/* sipadvisor - KeyBuilder (core/key_builder.h) against a plain reference
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * KeyBuilder writes the correlation keys into a local buffer and moves to
 * the target string when a key outgrows it. Its failure modes are silent:
 * a wrong length prefix, a field lost or doubled where the buffer spills,
 * a lower-casing that runs over the wrong bytes, each make two messages of
 * one transaction produce different keys (or two transactions one key).
 * So every key is compared with one built the obvious way, for lengths
 * around the decimal steps (9/10, 99/100) and the buffer's size.
 */
#include "core/key_builder.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

struct Part {
    bool prefixed; /* field() rather than text() */
    bool lower;
    std::string value;
};

std::string lowered(std::string text)
{
    for (char &c : text)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return text;
}

std::string reference_key(const std::vector<Part> &parts)
{
    std::string key;
    for (const Part &part : parts) {
        if (part.prefixed)
            key += std::to_string(part.value.size()) + ":";
        key += part.lower ? lowered(part.value) : part.value;
    }
    return key;
}

std::string built_key(const std::vector<Part> &parts, std::string &target)
{
    KeyBuilder builder(target);
    for (const Part &part : parts) {
        if (part.prefixed)
            builder.field(part.value, part.lower);
        else
            builder.text(part.value, part.lower);
    }
    return builder.done();
}

void fields_and_prefixes(void **)
{
    std::string key = "old content that must go";
    KeyBuilder(key).text("B").field("z9hG4bK-1").field("Host.Example:5060", true).field("INVITE").field("").done();
    assert_string_equal(key.c_str(), "B9:z9hG4bK-117:host.example:50606:INVITE0:");
    KeyBuilder(key).field(uint64_t{4294967295u}).text("Tail", true).done();
    assert_string_equal(key.c_str(), "10:4294967295tail");
    /* Lengths across the decimal steps. */
    for (size_t length : {9u, 10u, 99u, 100u, 101u}) {
        std::string value(length, 'x');
        KeyBuilder(key).field(value).done();
        assert_true(key == std::to_string(length) + ":" + value);
    }
}

void agrees_with_reference_across_the_buffer_size(void **)
{
    std::mt19937 random(20261124);
    std::string target;
    const size_t lengths[] = {0, 1, 9, 10, 99, 100, 250, 480, 500, 511, 512, 513, 700, 2000};
    for (int round = 0; round < 20000; ++round) {
        std::vector<Part> parts(1 + random() % 6);
        for (Part &part : parts) {
            part.prefixed = random() % 4 != 0;
            part.lower = random() % 2 == 0;
            const size_t length = random() % 3 ? random() % 40 : lengths[random() % (sizeof lengths / sizeof *lengths)];
            for (size_t i = 0; i < length; ++i)
                part.value += static_cast<char>(random() % 3 ? 'A' + random() % 26 : random() % 256);
        }
        const std::string expected = reference_key(parts);
        if (built_key(parts, target) != expected || target != expected)
            fail_msg("round %d: key of %zu parts differs (expected %zu bytes, got %zu)", round, parts.size(),
                     expected.size(), target.size());
    }
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_prefixes),
        cmocka_unit_test(agrees_with_reference_across_the_buffer_size),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
