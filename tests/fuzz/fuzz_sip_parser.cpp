/* sipadvisor - libFuzzer harness for the per-message intake
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The bytes of one or more SIP messages (split at "\n--\n") go through
 * what the plugin does with every message Wireshark finds: the header
 * reader, the correlation engine and the evidence tracker. The reader's
 * output must respect its bounds and be valid UTF-8 without control
 * characters (it becomes Wireshark string fields).
 */
#include "core/correlation.h"
#include "core/evidence.h"
#include "core/sip_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace sipadvisor::core;

namespace {

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::printf("fuzz_sip_parser: invariant failed: %s (%s:%d)\n", #condition, __FILE__,  \
                        __LINE__);                                                                 \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

bool displayable(const std::string &text, size_t limit)
{
    if (text.size() > limit)
        return false;
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f)
            return false;
        size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if ((c >= 0x80 && c < 0xC2) || c > 0xF4)
            return false;
        if (i + length > text.size())
            return false;
        for (size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
                return false;
        i += length;
    }
    return true;
}

void check_bounds(const SipMessageFacts &facts, const SipParseLimits &limits)
{
    for (const std::string *text : {&facts.method, &facts.request_uri, &facts.call_id, &facts.cseq_method,
                                    &facts.from_tag, &facts.to_tag, &facts.via_branch, &facts.via_sent_by,
                                    &facts.event, &facts.sip_etag, &facts.sip_if_match, &facts.content_type,
                                    &facts.auth_realm})
        FUZZ_CHECK(displayable(*text, limits.max_text));
    FUZZ_CHECK(facts.contacts.size() <= limits.max_list);
    for (const ContactFacts &contact : facts.contacts)
        FUZZ_CHECK(displayable(contact.uri, limits.max_text));
    for (const auto *list : {&facts.allow, &facts.unsupported, &facts.require, &facts.allow_events, &facts.accept,
                             &facts.sdp_codecs}) {
        FUZZ_CHECK(list->size() <= limits.max_list);
        for (const std::string &entry : *list)
            FUZZ_CHECK(displayable(entry, limits.max_text));
    }
    FUZZ_CHECK(facts.warnings.size() <= limits.max_list && facts.reasons.size() <= limits.max_list);
    for (const WarningFacts &warning : facts.warnings)
        FUZZ_CHECK(displayable(warning.text, limits.max_text) && displayable(warning.agent, limits.max_text));
    for (const ReasonFacts &reason : facts.reasons)
        FUZZ_CHECK(displayable(reason.text, limits.max_text) && displayable(reason.protocol, limits.max_text));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SipParseLimits limits;
    limits.max_list = 8;
    limits.max_text = 64;
    CorrelationLimits correlation_limits;
    correlation_limits.max_open_transactions = 16;
    correlation_limits.max_entities = 8;
    correlation_limits.max_redirects = 8;
    CorrelationEngine engine(correlation_limits);
    EvidenceLimits evidence_limits;
    evidence_limits.max_requests = 8;
    evidence_limits.max_invites = 8;
    evidence_limits.max_dialogs = 8;
    evidence_limits.max_auth_chains = 8;
    EvidenceTracker evidence(evidence_limits);

    std::string_view input(reinterpret_cast<const char *>(data), size);
    uint32_t frame = 0;
    while (!input.empty() && frame < 64) {
        size_t end = input.find("\n--\n");
        std::string_view message = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 4);
        std::string copy(message); /* its own buffer: ASan sees any overrun */
        SipMessageFacts facts;
        if (!parse_sip_message_into(copy, facts, limits))
            continue;
        check_bounds(facts, limits);
        facts.frame = ++frame;
        facts.time = frame;
        facts.src_endpoint = frame % 2 ? "192.0.2.1:5060" : "192.0.2.2:5060";
        facts.dst_endpoint = frame % 2 ? "192.0.2.2:5060" : "192.0.2.1:5060";
        MessageCorrelation correlation = engine.on_message(facts);
        (void)evidence.on_message(facts, correlation);
        FUZZ_CHECK(engine.state_size() <= 64);
    }
    return 0;
}
