/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Turns a status code into the advice shown for it: the registered record,
 * or the class fallback for an unregistered code (RFC 3261 §8.1.3.2), or the
 * invalid-code record for anything outside 100..699.
 */
#pragma once

#include "core/knowledge_base.h"

#include <cstddef>
#include <string>

namespace sipadvisor::core {

enum class CodeStatus : uint8_t { registered, unregistered, invalid };

struct ResponseAdvice {
    unsigned code = 0;
    CodeStatus status = CodeStatus::invalid;
    /* The record whose text applies: the code's own, its class's x00, or
     * kInvalidCodeRecord. Never null. */
    const ResponseRecord *record = nullptr;
    /* Index of the expert-info entry for this advice, 0 .. kAdviceSlotCount-1:
     * one per registered code, then one per class for unregistered codes,
     * then one for invalid codes. Stable for a given knowledge base. */
    size_t slot = 0;
};

/* Registered codes, then six class fallbacks (1xx..6xx), then invalid. */
extern const size_t kAdviceSlotCount;

ResponseAdvice advise(unsigned code);

/* Describes a slot for registration: the code it stands for (the class's x00
 * for class fallbacks, 0 for invalid), and whether it is a fallback. */
struct AdviceSlotInfo {
    unsigned code;
    CodeStatus status;
    const ResponseRecord *record;
};
AdviceSlotInfo advice_slot_info(size_t slot);

/* Texts as displayed. The meaning of an unregistered code says so first. */
std::string advice_meaning(const ResponseAdvice &advice);
/* "486 Busy Here: <summary>", one line for Expert Info, which keeps at most
 * 240 bytes of a message: the record's summary gives gist and fix in short;
 * the full meaning, cause and fix are fields. */
std::string advice_expert_message(const ResponseAdvice &advice);
/* The reason phrase to show: IANA's for registered codes, else a label. */
std::string advice_phrase(const ResponseAdvice &advice);

} // namespace sipadvisor::core
