/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/response_advisor.h"

namespace sipadvisor::core {

namespace {
constexpr size_t kClassCount = 6;
}

const size_t kAdviceSlotCount = kResponseRecordCount + kClassCount + 1;

ResponseAdvice advise(unsigned code)
{
    ResponseAdvice advice;
    advice.code = code;
    if (code < 100 || code > 699) {
        advice.status = CodeStatus::invalid;
        advice.record = &kInvalidCodeRecord;
        advice.slot = kAdviceSlotCount - 1;
        return advice;
    }
    if (const ResponseRecord *record = find_registered_record(code)) {
        advice.status = CodeStatus::registered;
        advice.record = record;
        advice.slot = static_cast<size_t>(record - kResponseRecords);
        return advice;
    }
    /* RFC 3261 §8.1.3.2: an unrecognised code is treated as the x00 code of
     * its class; kbgen guarantees that every x00 record exists. */
    advice.status = CodeStatus::unregistered;
    advice.record = find_registered_record(code / 100 * 100);
    advice.slot = kResponseRecordCount + (code / 100 - 1);
    return advice;
}

AdviceSlotInfo advice_slot_info(size_t slot)
{
    if (slot < kResponseRecordCount)
        return {kResponseRecords[slot].code, CodeStatus::registered, &kResponseRecords[slot]};
    if (slot < kResponseRecordCount + kClassCount) {
        unsigned base = static_cast<unsigned>(slot - kResponseRecordCount + 1) * 100;
        return {base, CodeStatus::unregistered, find_registered_record(base)};
    }
    return {0, CodeStatus::invalid, &kInvalidCodeRecord};
}

std::string advice_phrase(const ResponseAdvice &advice)
{
    switch (advice.status) {
    case CodeStatus::registered: return advice.record->phrase;
    case CodeStatus::unregistered:
        return std::string("unregistered ") + std::to_string(advice.code / 100) + "xx code";
    case CodeStatus::invalid: return advice.record->phrase;
    }
    return {};
}

std::string advice_meaning(const ResponseAdvice &advice)
{
    if (advice.status != CodeStatus::unregistered)
        return advice.record->meaning;
    std::string text = kUnregisteredNote;
    text += " Treated as ";
    text += std::to_string(advice.record->code);
    text += " ";
    text += advice.record->phrase;
    text += ": ";
    text += advice.record->meaning;
    return text;
}

std::string advice_expert_message(const ResponseAdvice &advice)
{
    std::string text = std::to_string(advice.code);
    text += " ";
    text += advice_phrase(advice);
    if (advice.status == CodeStatus::unregistered) {
        text += ", handled as ";
        text += std::to_string(advice.record->code);
    }
    text += ": ";
    text += advice.record->summary;
    return text;
}

} // namespace sipadvisor::core
