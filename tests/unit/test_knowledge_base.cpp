/* sipadvisor - unit tests of the compiled knowledge base and the advisor
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/knowledge_base.h"
#include "core/response_advisor.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

/* The IANA SIP response-code registry, typed in independently of kbgen's
 * copy so that a code lost from either is caught. */
const unsigned kIana[] = {
    100, 180, 181, 182, 183, 199, 200, 202, 204, 300, 301, 302, 305, 380, 400,
    401, 402, 403, 404, 405, 406, 407, 408, 410, 412, 413, 414, 415, 416, 417,
    420, 421, 422, 423, 424, 425, 428, 429, 430, 433, 436, 437, 438, 439, 440,
    469, 470, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 491, 493, 494,
    500, 501, 502, 503, 504, 505, 513, 555, 580, 600, 603, 604, 606, 607, 608,
};

bool starts_with(const std::string &text, const std::string &prefix)
{
    return text.compare(0, prefix.size(), prefix) == 0;
}

void every_iana_code_has_one_record(void **)
{
    assert_int_equal(kResponseRecordCount, sizeof kIana / sizeof kIana[0]);
    for (unsigned code : kIana) {
        const ResponseRecord *record = find_registered_record(code);
        assert_non_null(record);
        assert_int_equal(record->code, code);
    }
    for (size_t i = 1; i < kResponseRecordCount; ++i)
        assert_true(kResponseRecords[i - 1].code < kResponseRecords[i].code);
}

void records_are_complete_and_specific(void **)
{
    std::set<std::string> meanings, causes, fixes;
    for (size_t i = 0; i < kResponseRecordCount; ++i) {
        const ResponseRecord &record = kResponseRecords[i];
        for (const char *text : {record.phrase, record.summary, record.meaning, record.cause, record.fix,
                                 record.rfc}) {
            assert_non_null(text);
            assert_true(std::strlen(text) > 0);
        }
        assert_true(starts_with(record.rfc, "RFC "));
        /* The same sentence under two codes would be filler, not advice. */
        assert_true(meanings.insert(record.meaning).second);
        assert_true(causes.insert(record.cause).second);
        assert_true(fixes.insert(record.fix).second);
    }
}

void phrases_match_the_registry(void **)
{
    assert_string_equal(find_registered_record(412)->phrase, "Conditional Request Failed");
    assert_string_equal(find_registered_record(486)->phrase, "Busy Here");
    assert_string_equal(find_registered_record(301)->phrase, "Moved Permanently");
    assert_string_equal(find_registered_record(481)->phrase, "Call/Transaction Does Not Exist");
    assert_string_equal(find_registered_record(199)->phrase, "Early Dialog Terminated");
    assert_string_equal(find_registered_record(608)->phrase, "Rejected");
}

void severities_follow_the_rules(void **)
{
    /* Routine progress and success must not raise the expert level. */
    for (unsigned code : {100u, 180u, 181u, 182u, 183u, 200u, 202u, 204u})
        assert_true(find_registered_record(code)->severity == Severity::chat);
    /* A first digest challenge is normal authentication, not a failure. */
    assert_true(find_registered_record(401)->severity == Severity::note);
    assert_true(find_registered_record(407)->severity == Severity::note);
    for (size_t i = 0; i < kResponseRecordCount; ++i) {
        const ResponseRecord &record = kResponseRecords[i];
        if (record.code >= 500 && record.code < 600)
            assert_true(record.severity == Severity::error);
        if (record.code == 403 || record.code == 404 || record.code == 412 || record.code == 486)
            assert_true(record.severity == Severity::warn);
    }
}

void registered_code_gets_its_own_advice(void **)
{
    ResponseAdvice advice = advise(486);
    assert_true(advice.status == CodeStatus::registered);
    assert_int_equal(advice.record->code, 486);
    assert_string_equal(advice_meaning(advice).c_str(), advice.record->meaning);
    assert_string_equal(advice_phrase(advice).c_str(), "Busy Here");
}

void unregistered_code_falls_back_to_its_class(void **)
{
    for (unsigned code : {155u, 299u, 418u, 499u, 599u, 699u}) {
        ResponseAdvice advice = advise(code);
        assert_true(advice.status == CodeStatus::unregistered);
        assert_int_equal(advice.record->code, code / 100 * 100);
        std::string meaning = advice_meaning(advice);
        assert_true(starts_with(meaning, kUnregisteredNote));
        assert_non_null(std::strstr(meaning.c_str(), advice.record->meaning));
        assert_non_null(std::strstr(advice_phrase(advice).c_str(), "unregistered"));
    }
    /* Same class, same slot: Expert Info groups them under one entry. */
    assert_int_equal(advise(418).slot, advise(499).slot);
    assert_int_not_equal(advise(418).slot, advise(599).slot);
}

void out_of_range_code_is_invalid(void **)
{
    for (unsigned code : {0u, 99u, 700u, 999u, 65535u}) {
        ResponseAdvice advice = advise(code);
        assert_true(advice.status == CodeStatus::invalid);
        assert_ptr_equal(advice.record, &kInvalidCodeRecord);
        assert_int_equal(advice.slot, kAdviceSlotCount - 1);
    }
    assert_string_equal(response_class_name(700), "invalid");
    assert_string_equal(response_class_name(99), "invalid");
}

void slots_are_distinct_and_describe_themselves(void **)
{
    std::set<size_t> slots;
    for (unsigned code : kIana)
        slots.insert(advise(code).slot);
    assert_int_equal(slots.size(), kResponseRecordCount);
    for (size_t slot = 0; slot < kAdviceSlotCount; ++slot) {
        AdviceSlotInfo info = advice_slot_info(slot);
        assert_non_null(info.record);
        if (info.status == CodeStatus::registered)
            assert_int_equal(advise(info.code).slot, slot);
        if (info.status == CodeStatus::unregistered)
            assert_int_equal(info.code % 100, 0);
    }
    assert_true(advice_slot_info(kAdviceSlotCount - 1).status == CodeStatus::invalid);
}

void expert_message_is_one_readable_line(void **)
{
    for (unsigned code : {100u, 412u, 418u, 503u, 999u}) {
        ResponseAdvice advice = advise(code);
        std::string message = advice_expert_message(advice);
        assert_true(starts_with(message, std::to_string(code) + " " + advice_phrase(advice)));
        assert_non_null(std::strstr(message.c_str(), advice.record->summary));
        assert_null(std::strchr(message.c_str(), '\n'));
    }
    /* Wireshark keeps 240 bytes of an expert message, terminator included. */
    for (size_t i = 0; i < kResponseRecordCount; ++i)
        assert_true(advice_expert_message(advise(kResponseRecords[i].code)).size() < 240);
    for (unsigned code : {155u, 299u, 399u, 499u, 599u, 699u, 0u})
        assert_true(advice_expert_message(advise(code)).size() < 240);
    assert_non_null(std::strstr(advice_expert_message(advise(418)).c_str(), "handled as 400"));
}

void class_names_follow_rfc3261(void **)
{
    assert_string_equal(response_class_name(180), "1xx Provisional");
    assert_string_equal(response_class_name(204), "2xx Success");
    assert_string_equal(response_class_name(301), "3xx Redirection");
    assert_string_equal(response_class_name(412), "4xx Client Error");
    assert_string_equal(response_class_name(503), "5xx Server Error");
    assert_string_equal(response_class_name(603), "6xx Global Failure");
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_iana_code_has_one_record),
        cmocka_unit_test(records_are_complete_and_specific),
        cmocka_unit_test(phrases_match_the_registry),
        cmocka_unit_test(severities_follow_the_rules),
        cmocka_unit_test(registered_code_gets_its_own_advice),
        cmocka_unit_test(unregistered_code_falls_back_to_its_class),
        cmocka_unit_test(out_of_range_code_is_invalid),
        cmocka_unit_test(slots_are_distinct_and_describe_themselves),
        cmocka_unit_test(expert_message_is_one_readable_line),
        cmocka_unit_test(class_names_follow_rfc3261),
    };
    return cmocka_run_group_tests_name("knowledge_base", tests, nullptr, nullptr);
}
