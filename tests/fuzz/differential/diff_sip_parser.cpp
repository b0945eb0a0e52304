/* sipadvisor - differential libFuzzer harness for the header reader
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Feeds the same bytes to the current header reader and to the one of an
 * earlier revision (compiled into namespace `baseline` by run.sh) and
 * aborts on the first input where any field differs. For optimisations
 * that must not change what is read: unit tests cover the cases someone
 * thought of, this covers the ones nobody did.
 */
#include "core/sip_parser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace sipadvisor::core::baseline {
bool parse_sip_message_into(std::string_view bytes, SipMessageFacts &facts, const SipParseLimits &limits);
}

using namespace sipadvisor::core;

namespace {

#define SAME(field)                                                                                \
    if (!(current.field == baseline.field)) {                                                      \
        std::printf("diff_sip_parser: %s differs\n", #field);                                      \
        return false;                                                                              \
    }

bool same(const SipMessageFacts &current, const SipMessageFacts &baseline)
{
    SAME(is_request) SAME(method) SAME(request_uri) SAME(status_code) SAME(call_id) SAME(cseq_seq)
    SAME(cseq_method) SAME(from_tag) SAME(to_tag) SAME(via_branch) SAME(via_sent_by) SAME(via_transport)
    SAME(event) SAME(sip_etag) SAME(sip_if_match) SAME(expires) SAME(contacts.size())
    for (size_t i = 0; i < current.contacts.size(); ++i) {
        SAME(contacts[i].uri) SAME(contacts[i].q) SAME(contacts[i].expires)
    }
    SAME(retry_after) SAME(retry_after_comment) SAME(min_expires) SAME(min_se) SAME(session_expires)
    SAME(allow) SAME(unsupported) SAME(require) SAME(proxy_require) SAME(supported) SAME(allow_events)
    SAME(accept) SAME(accept_encoding) SAME(accept_language) SAME(content_type) SAME(warnings.size())
    for (size_t i = 0; i < current.warnings.size(); ++i) {
        SAME(warnings[i].code) SAME(warnings[i].agent) SAME(warnings[i].text)
    }
    SAME(reasons.size())
    for (size_t i = 0; i < current.reasons.size(); ++i) {
        SAME(reasons[i].protocol) SAME(reasons[i].cause) SAME(reasons[i].text)
    }
    SAME(auth_realm) SAME(has_authorization) SAME(max_forwards) SAME(via_count) SAME(sdp_codecs)
    SAME(has_allow) SAME(has_allow_events)
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    /* Small limits, so that the fuzzer reaches every cut-off. */
    SipParseLimits limits;
    limits.max_header_bytes = 4096;
    limits.max_text = 64;
    limits.max_list = 8;
    SipMessageFacts current, baseline;
    const bool current_ok = parse_sip_message_into(bytes, current, limits);
    const bool baseline_ok = baseline::parse_sip_message_into(bytes, baseline, limits);
    if (current_ok != baseline_ok) {
        std::printf("diff_sip_parser: accepted by %s only\n", current_ok ? "the current reader" : "the baseline");
        std::abort();
    }
    if (current_ok && !same(current, baseline))
        std::abort();
    return 0;
}
