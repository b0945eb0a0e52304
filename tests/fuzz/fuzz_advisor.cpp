/* sipadvisor - libFuzzer harness for the advice and its texts
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Status codes: every 32-bit value the input holds goes through advise()
 * and the texts built from it; the result must be consistent (registered
 * records for their own code, class fallbacks for unregistered codes of
 * 100..699, the invalid record otherwise) and every slot resolvable.
 *
 * Texts from the capture: the input, split at NUL bytes, goes through the
 * functions that put capture text into messages and keys (shortened() with
 * a UTF-8 check, normalize_uri(), endpoint_host(), has_magic_cookie(), the
 * 412 diagnosis wording).
 */
#include "core/correlation_text.h"
#include "core/knowledge_base.h"
#include "core/redirect_tracker.h"
#include "core/response_advisor.h"
#include "core/transaction_matcher.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using namespace sipadvisor::core;

namespace {

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::printf("fuzz_advisor: invariant failed: %s (%s:%d)\n", #condition, __FILE__,     \
                        __LINE__);                                                                 \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

/* RFC 3629 UTF-8, no overlongs, no surrogates. */
bool valid_utf8(std::string_view text)
{
    size_t i = 0;
    while (i < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        size_t length;
        uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            length = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size())
            return false;
        for (size_t k = 1; k < length; ++k) {
            unsigned char d = static_cast<unsigned char>(text[i + k]);
            if ((d & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (d & 0x3F);
        }
        if ((length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += length;
    }
    return true;
}

void check_code(unsigned code)
{
    ResponseAdvice advice = advise(code);
    FUZZ_CHECK(advice.code == code);
    FUZZ_CHECK(advice.record != nullptr);
    FUZZ_CHECK(advice.slot < kAdviceSlotCount);
    const bool in_range = code >= 100 && code <= 699;
    switch (advice.status) {
    case CodeStatus::registered:
        FUZZ_CHECK(in_range && advice.record->code == code && find_registered_record(code) == advice.record);
        break;
    case CodeStatus::unregistered:
        FUZZ_CHECK(in_range && advice.record->code == code / 100 * 100 && !find_registered_record(code));
        break;
    case CodeStatus::invalid:
        FUZZ_CHECK(!in_range && advice.record == &kInvalidCodeRecord);
        break;
    }
    AdviceSlotInfo slot = advice_slot_info(advice.slot);
    FUZZ_CHECK(slot.status == advice.status && slot.record == advice.record);
    FUZZ_CHECK(std::strcmp(response_class_name(code), "invalid") != 0 || !in_range);
    std::string phrase = advice_phrase(advice);
    std::string meaning = advice_meaning(advice);
    std::string expert = advice_expert_message(advice);
    FUZZ_CHECK(!phrase.empty() && !meaning.empty());
    FUZZ_CHECK(expert.compare(0, std::to_string(code).size(), std::to_string(code)) == 0);
    FUZZ_CHECK(valid_utf8(phrase) && valid_utf8(meaning) && valid_utf8(expert));
    FUZZ_CHECK(severity_name(advice.record->severity) != nullptr);
}

void check_text(const std::string &text, size_t limit)
{
    std::string cut = shortened(text, limit);
    if (text.size() <= limit) {
        FUZZ_CHECK(cut == text);
    } else {
        FUZZ_CHECK(cut.size() <= (limit > 3 ? limit : 3));
        FUZZ_CHECK(cut.size() >= 3 && cut.compare(cut.size() - 3, 3, "...") == 0);
        FUZZ_CHECK(text.compare(0, cut.size() - 3, cut, 0, cut.size() - 3) == 0);
        if (valid_utf8(text))
            FUZZ_CHECK(valid_utf8(cut));
    }

    std::string uri = normalize_uri(text);
    FUZZ_CHECK(uri.size() <= text.size());
    std::string host = endpoint_host(text);
    FUZZ_CHECK(host.size() <= text.size());
    (void)has_magic_cookie(text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Codes: the first bytes, four at a time, plus every byte pair. */
    for (size_t i = 0; i + 4 <= size && i < 64; i += 4) {
        uint32_t code;
        std::memcpy(&code, data + i, sizeof code);
        check_code(code);
        check_code(code % 1000);
    }
    for (size_t i = 0; i + 2 <= size && i < 32; i += 2)
        check_code(static_cast<unsigned>(data[i] | data[i + 1] << 8));
    for (size_t slot = 0; slot < kAdviceSlotCount + 2; ++slot) {
        AdviceSlotInfo info = advice_slot_info(slot);
        FUZZ_CHECK(info.record != nullptr);
    }

    /* Texts: NUL-separated pieces, the limit from the first byte. */
    std::string input(reinterpret_cast<const char *>(data), size);
    size_t limit = size ? data[0] : 48;
    std::vector<std::string> pieces;
    size_t start = 0;
    while (start <= input.size()) {
        size_t end = input.find('\0', start);
        if (end == std::string::npos)
            end = input.size();
        pieces.push_back(input.substr(start, end - start));
        start = end + 1;
    }
    for (const std::string &piece : pieces)
        check_text(piece, limit);
    check_text(input, limit);

    EtagDiagnosis diagnosis;
    diagnosis.if_match = pieces[0];
    diagnosis.superseded_by = pieces.size() > 1 ? pieces[1] : "";
    diagnosis.other_entity = pieces.size() > 2 ? pieces[2] : "";
    diagnosis.expires = size > 4 ? data[4] * 1000003u : 0;
    diagnosis.elapsed = size > 5 ? (data[5] - 128) * 1e10 : 0;
    diagnosis.issued_in = static_cast<uint32_t>(size);
    for (EtagState state : {EtagState::superseded, EtagState::removed, EtagState::expired, EtagState::unknown,
                            EtagState::live}) {
        diagnosis.state = state;
        std::string message = etag_diagnosis_message(diagnosis);
        FUZZ_CHECK(message.compare(0, 3, "412") == 0);
        /* Capture text is cut: the message stays short whatever the tag. */
        FUZZ_CHECK(message.size() <= 400);
        if (valid_utf8(input))
            FUZZ_CHECK(valid_utf8(message));
    }
    for (uint8_t match = 0; match < 5; ++match)
        (void)request_match_message(static_cast<RequestMatch>(match), static_cast<uint32_t>(size));
    return 0;
}
