/* sipadvisor - unit tests of the correlation wording
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/correlation_text.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

bool contains(const std::string &text, const char *part)
{
    return text.find(part) != std::string::npos;
}

void every_state_names_tag_frames_and_fix(void **)
{
    EtagDiagnosis superseded;
    superseded.if_match = "e1";
    superseded.state = EtagState::superseded;
    superseded.issued_in = 2;
    superseded.superseded_by = "e2";
    superseded.superseded_in = 4;
    std::string text = etag_diagnosis_message(superseded);
    assert_true(contains(text, "e1") && contains(text, "superseded by e2") && contains(text, "frame 4"));
    assert_true(contains(text, "Fix:"));

    EtagDiagnosis removed;
    removed.if_match = "e3";
    removed.state = EtagState::removed;
    removed.removed_in = 14;
    text = etag_diagnosis_message(removed);
    assert_true(contains(text, "removed") && contains(text, "frame 14") && contains(text, "Fix:"));

    EtagDiagnosis expired;
    expired.if_match = "e4";
    expired.state = EtagState::expired;
    expired.issued_in = 18;
    expired.expires = 30;
    expired.elapsed = 100.2;
    text = etag_diagnosis_message(expired);
    assert_true(contains(text, "30 s") && contains(text, "frame 18") && contains(text, "100 s"));

    EtagDiagnosis live;
    live.if_match = "b1";
    live.state = EtagState::live;
    live.issued_in = 24;
    live.expires = 3600;
    live.elapsed = 10;
    text = etag_diagnosis_message(live);
    assert_true(contains(text, "lost state") && contains(text, "frame 24"));

    EtagDiagnosis unknown;
    unknown.if_match = "zz";
    unknown.state = EtagState::unknown;
    assert_true(contains(etag_diagnosis_message(unknown), "never issued"));
    unknown.other_entity = "sip:alice@example.com";
    unknown.other_issued_in = 26;
    text = etag_diagnosis_message(unknown);
    assert_true(contains(text, "belongs to sip:alice@example.com") && contains(text, "frame 26"));
    unknown.other_entity.clear();
    unknown.if_match.clear();
    assert_true(contains(etag_diagnosis_message(unknown), "without SIP-If-Match"));
}

void messages_fit_an_expert_line(void **)
{
    /* Hostile tags are shortened, so the diagnosis still fits 240 bytes. */
    EtagDiagnosis diagnosis;
    diagnosis.if_match = std::string(5000, 'x');
    diagnosis.superseded_by = std::string(5000, 'y');
    for (EtagState state : {EtagState::superseded, EtagState::removed, EtagState::expired, EtagState::unknown,
                            EtagState::live}) {
        diagnosis.state = state;
        diagnosis.issued_in = 4000000000u;
        diagnosis.superseded_in = 4000000000u;
        diagnosis.removed_in = 4000000000u;
        diagnosis.expires = 4000000000u;
        diagnosis.elapsed = 1e12;
        diagnosis.other_entity = std::string(3000, 'z');
        assert_true(etag_diagnosis_message(diagnosis).size() < 240);
    }
    diagnosis.elapsed = -1;
    diagnosis.state = EtagState::expired;
    assert_true(contains(etag_diagnosis_message(diagnosis), "? later"));
}

void shortening_keeps_utf8_whole(void **)
{
    std::string text = "aa";
    for (int i = 0; i < 40; ++i)
        text += "\xc3\xa9"; /* é */
    for (size_t limit = 4; limit < 60; ++limit) {
        std::string cut = shortened(text, limit);
        assert_true(cut.size() <= limit);
        /* no dangling lead byte before "..." */
        size_t dots = cut.rfind("...");
        assert_true(dots != std::string::npos);
        if (dots > 0)
            assert_true(static_cast<unsigned char>(cut[dots - 1]) != 0xc3);
    }
    assert_string_equal(shortened("short").c_str(), "short");
}

void expert_lines_lose_frame_numbers(void **)
{
    assert_string_equal(
        without_frame_references("Routine challenge: resend the REGISTER in frame 5 with Authorization").c_str(),
        "Routine challenge: resend the REGISTER with Authorization");
    assert_string_equal(without_frame_references("412: SIP-If-Match e1 was superseded by e2 (frame 4): the client")
                            .c_str(),
                        "412: SIP-If-Match e1 was superseded by e2: the client");
    assert_string_equal(without_frame_references("was removed (Expires: 0, frame 14). Fix: x").c_str(),
                        "was removed (Expires: 0). Fix: x");
    assert_string_equal(without_frame_references("the CANCEL in frame 63 ended the INVITE in frame 59 before").c_str(),
                        "the CANCEL ended the INVITE before");
    assert_string_equal(without_frame_references("compare the MESSAGE in frame 45's body").c_str(),
                        "compare the MESSAGE's body");
    assert_string_equal(without_frame_references("no frame here; a frameless frame x").c_str(),
                        "no frame here; a frameless frame x");
    assert_string_equal(without_frame_references("").c_str(), "");
}

void request_match_messages(void **)
{
    assert_true(request_match_message(RequestMatch::matched_branch, 1).empty());
    assert_true(request_match_message(RequestMatch::matched_rfc2543, 1).empty());
    assert_true(contains(request_match_message(RequestMatch::not_in_capture, 0), "not in the capture"));
    assert_true(contains(request_match_message(RequestMatch::timed_out, 7), "frame 7"));
    assert_true(contains(request_match_message(RequestMatch::gave_up_state_full, 9), "full"));
    assert_string_equal(request_match_name(RequestMatch::matched_branch), "via-branch");
    assert_string_equal(etag_state_name(EtagState::live), "live");
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_state_names_tag_frames_and_fix),
        cmocka_unit_test(messages_fit_an_expert_line),
        cmocka_unit_test(shortening_keeps_utf8_whole),
        cmocka_unit_test(expert_lines_lose_frame_numbers),
        cmocka_unit_test(request_match_messages),
    };
    return cmocka_run_group_tests_name("correlation_text", tests, nullptr, nullptr);
}
