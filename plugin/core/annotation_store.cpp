/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/annotation_store.h"

#include <algorithm>

namespace sipadvisor::core {

namespace {
const std::string kOtherMethod = "other";
constexpr size_t kMaxMethods = 255;
} // namespace

PduAnnotation AnnotationStore::add(const SipMessageFacts &message, MessageCorrelation &&correlation,
                                   EvidenceFindings &&evidence)
{
    PduAnnotation annotation;
    annotation.is_request = message.is_request;
    annotation.correlated = true;
    if (!message.is_request) {
        annotation.status_code = message.status_code;
        annotation.request_frame = correlation.request_frame;
        annotation.request_match = correlation.request_match;
        annotation.request_method = intern_method(correlation.request_method);
    }
    if (correlation.etag || correlation.redirect || correlation.redirect_follows || correlation.redirect_ignored ||
        !evidence.empty()) {
        details_.push_back({std::move(correlation.etag), std::move(correlation.redirect),
                            correlation.redirect_follows, correlation.redirect_ignored,
                            evidence.empty() ? std::nullopt : std::optional<EvidenceFindings>(std::move(evidence))});
        annotation.detail = static_cast<uint32_t>(details_.size());
    }
    return annotation;
}

uint8_t AnnotationStore::intern_method(const std::string &method)
{
    auto found = std::find(methods_.begin(), methods_.end(), method);
    if (found != methods_.end())
        return static_cast<uint8_t>(found - methods_.begin());
    if (methods_.size() >= kMaxMethods)
        return static_cast<uint8_t>(kMaxMethods);
    methods_.push_back(method);
    return static_cast<uint8_t>(methods_.size() - 1);
}

const std::string &AnnotationStore::method_name(uint8_t index) const
{
    return index < methods_.size() ? methods_[index] : kOtherMethod;
}

void AnnotationStore::clear()
{
    details_.clear();
    details_.shrink_to_fit();
    methods_.assign(1, "");
}

} // namespace sipadvisor::core
