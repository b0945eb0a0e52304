/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The correlation engine: fed every SIP message once, in capture order, it
 * says which request a response answers, explains a 412 to PUBLISH from the
 * entity-tag history, and follows 3xx redirections. The Wireshark layer
 * stores the result per PDU and replays it on later visits.
 *
 * Three concerns, one class each: TransactionMatcher, EtagLedger,
 * RedirectTracker. This class only routes facts between them.
 */
#pragma once

#include "core/etag_ledger.h"
#include "core/redirect_tracker.h"
#include "core/sip_message.h"
#include "core/transaction_matcher.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipadvisor::core {

struct RedirectInfo {             /* only for 3xx responses */
    std::vector<ContactFacts> contacts;   /* copied from the response, in order */
    bool missing_contact = false;         /* 3xx without any Contact: protocol violation */
};

struct MessageCorrelation {
    /* responses */
    RequestMatch request_match = RequestMatch::not_in_capture;
    /* Frame of the matched request (first transmission). Also set for
     * timed_out, and for gave_up_state_full when the dropped request's
     * frame is still remembered (0 otherwise). */
    uint32_t request_frame = 0;
    std::string request_method;           /* empty when request_frame is 0 */
    std::optional<EtagDiagnosis> etag;    /* 412 to a PUBLISH whose request is known */
    std::optional<RedirectInfo> redirect;
    /* requests */
    uint32_t redirect_follows = 0;        /* this request targets a Contact of the 3xx in that frame */
    uint32_t redirect_ignored = 0;        /* this request still targets a URI that a 301 in that frame moved */
};

struct CorrelationLimits {                /* bounded state on hostile input */
    size_t max_open_transactions = 100000;
    size_t max_entities = 50000;          /* PUBLISH entities in the ledger */
    size_t max_redirects = 50000;
    /* Seconds after a 3xx during which a request counts as following or
     * ignoring it. */
    double redirect_window = 3600;
    /* Seconds a transaction may stay idle. RFC 3261 Timer B/F = 64*T1 =
     * 32 s; responses are kept for a while longer. */
    double transaction_timeout = 64 * 0.5 * 2;
    /* An INVITE that got a provisional response may take minutes. */
    double invite_proceeding_timeout = 300;
};

class CorrelationEngine {
public:
    explicit CorrelationEngine(CorrelationLimits limits = {});

    MessageCorrelation on_message(const SipMessageFacts &msg);
    /* Frame of the first request that followed the 3xx in that frame, 0 if
     * none (or if that redirection was already forgotten). */
    uint32_t followed_in(uint32_t redirect_frame) const;
    void clear();              /* capture closed */
    size_t state_size() const; /* transactions + entities + redirections held */

private:
    void on_request(const SipMessageFacts &msg, MessageCorrelation &result);
    void on_response(const SipMessageFacts &msg, MessageCorrelation &result);
    void on_publish_response(const SipMessageFacts &msg, const PendingRequest &request,
                             MessageCorrelation &result);

    TransactionMatcher transactions_;
    EtagLedger etags_;
    RedirectTracker redirects_;
};

} // namespace sipadvisor::core
