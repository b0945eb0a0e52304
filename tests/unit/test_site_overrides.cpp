/* sipadvisor - unit tests of site overrides (the user's own advice table)
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/site_overrides.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

void good_row_overrides_text_and_severity(void **)
{
    SiteOverrides table;
    auto problems = table.load({{"503", "warn", "Our SBC: the trunk is down.", "", "Call the carrier."}});
    assert_true(problems.empty());
    const SiteOverride *site = table.find(503);
    assert_non_null(site);
    EffectiveAdvice effective = effective_advice(advise(503), site);
    assert_true(effective.severity == Severity::warn);
    assert_true(effective.severity_overridden);
    assert_string_equal(effective_meaning(advise(503), site).c_str(), "Our SBC: the trunk is down.");
    assert_string_equal(effective.fix, "Call the carrier.");
    /* Empty text keeps the built-in cause. */
    assert_string_equal(effective.cause, advise(503).record->cause);
    assert_null(table.find(486));
}

void bad_rows_are_reported_and_skipped(void **)
{
    SiteOverrides table;
    auto problems = table.load({
        {"abc", "warn", "x", "", ""},
        {"999", "", "x", "", ""},
        {"99", "", "x", "", ""},
        {"486", "critical", "x", "", ""},
        {"480", "", "", "", ""},
        {"", "", "x", "", ""},
        {"404", "note", "", "", "Check the dial plan."},
    });
    assert_int_equal(problems.size(), 6);
    assert_non_null(std::strstr(problems[0].c_str(), "row 1: code 'abc'"));
    assert_non_null(std::strstr(problems[1].c_str(), "row 2: code '999'"));
    assert_non_null(std::strstr(problems[3].c_str(), "row 4: severity 'critical'"));
    assert_non_null(std::strstr(problems[4].c_str(), "changes nothing"));
    for (const std::string &problem : problems)
        assert_non_null(std::strstr(problem.c_str(), "row skipped"));
    /* The good row still loads; the built-in knowledge stays for the rest. */
    assert_non_null(table.find(404));
    assert_null(table.find(486));
    EffectiveAdvice untouched = effective_advice(advise(486), table.find(486));
    assert_null(untouched.site);
    assert_string_equal(effective_meaning(advise(486), nullptr).c_str(), advise(486).record->meaning);
    assert_string_equal(untouched.fix, advise(486).record->fix);
}

void unregistered_codes_can_be_extended(void **)
{
    SiteOverrides table;
    assert_true(table.load({{"599", "error", "Our gateway: DSP pool exhausted.", "", ""}}).empty());
    EffectiveAdvice effective = effective_advice(advise(599), table.find(599));
    assert_string_equal(effective_meaning(advise(599), table.find(599)).c_str(), "Our gateway: DSP pool exhausted.");
    assert_true(effective.severity == Severity::error);
}

void hostile_text_is_bounded_and_one_line(void **)
{
    SiteOverrides table;
    std::string huge(100000, 'x');
    std::string lines = "first\nsecond\r\tthird";
    assert_true(table.load({{" 503 ", "ERROR", huge, lines, "\xc3\xa9"}}).empty());
    const SiteOverride *site = table.find(503);
    assert_non_null(site);
    assert_true(site->meaning.size() <= SiteOverrides::kMaxTextLength);
    assert_null(std::strchr(site->cause.c_str(), '\n'));
    assert_string_equal(site->fix.c_str(), "\xc3\xa9");
    /* Cut on a character boundary. */
    std::string accents;
    for (int i = 0; i < 1000; ++i)
        accents += "\xc3\xa9";
    assert_true(table.load({{"500", "", accents, "", ""}}).empty());
    const std::string &meaning = table.find(500)->meaning;
    assert_true(meaning.size() <= SiteOverrides::kMaxTextLength);
    assert_true(meaning.size() % 2 == 0);
}

void later_row_for_the_same_code_wins(void **)
{
    SiteOverrides table;
    assert_true(table.load({{"503", "", "first", "", ""}, {"503", "", "second", "", ""}}).empty());
    assert_string_equal(table.find(503)->meaning.c_str(), "second");
}

void severity_words(void **)
{
    assert_true(parse_severity("Warning") == Severity::warn);
    assert_true(parse_severity(" note ") == Severity::note);
    assert_false(parse_severity("fatal").has_value());
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_row_overrides_text_and_severity),
        cmocka_unit_test(bad_rows_are_reported_and_skipped),
        cmocka_unit_test(unregistered_codes_can_be_extended),
        cmocka_unit_test(hostile_text_is_bounded_and_one_line),
        cmocka_unit_test(later_row_for_the_same_code_wins),
        cmocka_unit_test(severity_words),
    };
    return cmocka_run_group_tests_name("site_overrides", tests, nullptr, nullptr);
}
