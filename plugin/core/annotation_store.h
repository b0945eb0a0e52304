/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What the first pass learnt, kept for the life of the capture file so that
 * later visits (tshark -2, GUI re-dissection) render the same thing without
 * recomputing. Every response costs one 16-byte PduAnnotation; the rare
 * rich results (412 diagnoses, 3xx contacts, redirect verdicts on requests)
 * live in a side table and are referenced by index.
 */
#pragma once

#include "core/correlation.h"
#include "core/evidence.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sipadvisor::core {

struct PduAnnotation {
    uint32_t request_frame = 0;      /* responses: matched request, 0 = none */
    uint32_t detail = 0;             /* 1-based index into AnnotationStore details, 0 = none */
    uint16_t status_code = 0;        /* 0 for requests */
    RequestMatch request_match = RequestMatch::not_in_capture;
    uint8_t request_method = 0;      /* AnnotationStore::method_name() index */
    bool is_request = false;
    bool correlated = false;         /* false when correlation was switched off */
};

/* The part of a MessageCorrelation that only some PDUs have. */
struct PduDetail {
    std::optional<EtagDiagnosis> etag;
    std::optional<RedirectInfo> redirect;
    uint32_t redirect_follows = 0;
    uint32_t redirect_ignored = 0;
    std::optional<EvidenceFindings> evidence; /* only when it found something */
};

class AnnotationStore {
public:
    /* Compacts one PDU's results; the caller keeps the returned entry. */
    PduAnnotation add(const SipMessageFacts &message, MessageCorrelation &&correlation,
                      EvidenceFindings &&evidence = {});

    /* Whether a request's annotation is worth keeping (it has a verdict). */
    static bool worth_keeping(const PduAnnotation &annotation)
    {
        return !annotation.is_request || annotation.detail != 0;
    }

    const PduDetail *detail(const PduAnnotation &annotation) const
    {
        return annotation.detail == 0 || annotation.detail > details_.size() ? nullptr
                                                                             : &details_[annotation.detail - 1];
    }
    const std::string &method_name(uint8_t index) const;
    void clear();

private:
    uint8_t intern_method(const std::string &method);

    std::vector<PduDetail> details_;
    /* Methods are few; index 0 is "" and the table stops growing at 255 (the
     * rest show as "other"), so hostile captures cannot grow it. */
    std::vector<std::string> methods_{""};
};

} // namespace sipadvisor::core
