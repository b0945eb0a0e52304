/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Reads the evidence a response carries (Retry-After, Min-Expires, Allow,
 * Unsupported, Warning, Reason, the realm of a challenge ...) next to what
 * the matched request asked for, and turns it into labelled evidence items
 * and ONE specific fix sentence, for example
 *
 *   Min-Expires: 60, Requested Expires: 30
 *   "The server requires at least 60 s (Min-Expires: 60); the REGISTER in
 *    frame 12 asked for 30 s: set the registration interval to 60 s or more."
 *
 * Two ways in:
 *   - find_evidence(): a pure function of the response, the remembered
 *     request (RequestEvidence, may be null) and an EvidenceContext the
 *     caller fills with what it knows (a CANCEL seen for this INVITE, the
 *     dialog's history, the 401/407 chain state);
 *   - EvidenceTracker: fed every message once in capture order together
 *     with the CorrelationEngine's result, it remembers requests, CANCELs,
 *     dialogs and challenge chains (bounded) and calls find_evidence().
 *
 * Everything read from the capture is treated as hostile: lists are read up
 * to kMaxListEntries, text is shortened, absurd numbers are called absurd.
 * docs/evidence.md lists which code reads which evidence.
 */
#pragma once

#include "core/correlation.h"
#include "core/flat_map.h"
#include "core/key_filter.h"
#include "core/knowledge_base.h"
#include "core/sip_message.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipadvisor::core {

/* One labelled piece of evidence, e.g. {"Min-Expires", "60"}. */
struct EvidenceItem {
    std::string label;
    std::string value;
};

constexpr size_t kMaxEvidenceItems = 16;

struct EvidenceFindings {
    std::vector<EvidenceItem> items;   /* at most kMaxEvidenceItems, in display order */
    /* One sentence that replaces the record's generic fix, built from the
     * evidence; empty when there is nothing specific to say. */
    std::string fix;
    /* Set when the evidence changes how bad this response is (a repeated
     * 401/407 becomes warn, a 487 after a CANCEL becomes chat ...). */
    std::optional<Severity> severity;

    bool empty() const { return items.empty() && fix.empty() && !severity; }
};

/* What is remembered of a request until its response: small on purpose. */
struct RequestEvidence {
    uint32_t frame = 0;
    std::string method;
    /* Interval asked for: the smallest Contact ;expires= if any (REGISTER),
     * else the Expires header. */
    std::optional<uint32_t> expires;
    std::optional<uint32_t> session_expires;
    std::vector<std::string> require;
    std::vector<std::string> proxy_require;
    std::vector<std::string> supported;
    std::string content_type;          /* media type only, lower case */
    std::string event;
    std::optional<uint32_t> max_forwards;
    uint32_t via_count = 0;
    bool has_authorization = false;
    bool in_dialog = false;            /* carried a To tag */
    std::vector<std::string> sdp_codecs;
};

RequestEvidence remember_request(const SipMessageFacts &request);

/* Where a 401/407 stands in its chain (same Call-ID and From tag). */
struct AuthChainState {
    unsigned challenges = 0;             /* challenges in this chain, this one included */
    uint32_t previous_challenge_frame = 0;
    std::string previous_realm;
    /* Whether the challenged request carried Authorization /
     * Proxy-Authorization; nullopt when the request is not known. */
    std::optional<bool> request_had_credentials;
    /* A retry WITH credentials (higher CSeq) answered by another challenge:
     * wrong password, user name or realm. */
    bool repeated = false;
};

/* Follows 401/407 chains keyed by Call-ID + From tag. A 2xx in the chain
 * ends it (the credentials worked; a later challenge is a new nonce).
 * Bounded: the oldest chain is forgotten first. */
class AuthChainTracker {
public:
    explicit AuthChainTracker(size_t max_chains = 10000);

    /* Call for every response. Returns the chain state for a 401/407,
     * nullopt for anything else. */
    std::optional<AuthChainState> on_response(const SipMessageFacts &response,
                                              std::optional<bool> request_had_credentials);
    void clear();
    size_t size() const { return chains_.size(); }

private:
    struct Chain {
        uint32_t last_frame = 0;
        uint32_t last_cseq = 0;
        std::string realm;
        AuthChainState last_state;
    };
    BoundedFlatMap<std::string, Chain> chains_;
    KeyFilter chain_keys_{16}; /* chains_'s keys: 64 KiB for the default 10,000 chains */
};

/* What the caller knows beyond the response and its request. */
struct EvidenceContext {
    /* "A CANCEL for this INVITE was seen in frame N" (487, 481 to CANCEL). */
    uint32_t cancel_frame = 0;
    std::vector<ReasonFacts> cancel_reasons;   /* that CANCEL's Reason values */
    /* For a 481 to a CANCEL: the INVITE and its final response, if seen
     * before the CANCEL's response. */
    uint32_t invite_frame = 0;
    uint32_t invite_final_frame = 0;
    uint16_t invite_final_code = 0;
    /* For a 481 to an in-dialog request: the 2xx that set the dialog up and
     * the first BYE seen in it. */
    uint32_t dialog_established_frame = 0;
    uint32_t dialog_ended_frame = 0;
    /* For a 401/407: from AuthChainTracker. */
    std::optional<AuthChainState> auth;
};

/* The evidence of one response. `request` may be null (not in the
 * capture). For a request, only its Reason headers are read. */
EvidenceFindings find_evidence(const SipMessageFacts &response, const RequestEvidence *request,
                               const EvidenceContext &context = {});

/* Reason headers (RFC 3326) of any request or response, decoded with the
 * Q.850 table and the response-code knowledge base; at most 4 items. */
std::vector<EvidenceItem> reason_evidence(const std::vector<ReasonFacts> &reasons);
/* The fix a Reason suggests ("Reason Q.850 cause 34 (No circuit/channel
 * available): <fix>"), empty when no value is known. */
std::string reason_fix(const std::vector<ReasonFacts> &reasons);

/* The fix to show: the evidence's when it has one, else the record's. */
std::string folded_fix(const char *record_fix, const EvidenceFindings &findings);

struct EvidenceLimits {
    size_t max_requests = 20000;     /* remembered requests, by frame */
    size_t max_invites = 20000;      /* INVITE transactions, for CANCEL/487/481 */
    size_t max_dialogs = 20000;      /* dialogs, for 481 */
    size_t max_auth_chains = 10000;
};

/* Feeds find_evidence() from the capture, in capture order. */
class EvidenceTracker {
public:
    explicit EvidenceTracker(EvidenceLimits limits = {});

    /* Call once per message, after CorrelationEngine::on_message() gave
     * `correlation` for it. Responses get their findings; requests get the
     * evidence of their Reason headers (empty when none). */
    EvidenceFindings on_message(const SipMessageFacts &msg, const MessageCorrelation &correlation);

    /* The remembered request of that frame, or nullptr. */
    const RequestEvidence *request(uint32_t frame) const;
    void clear();
    size_t state_size() const;

private:
    struct InviteState {
        uint32_t invite_frame = 0;
        uint32_t cancel_frame = 0;
        std::vector<ReasonFacts> cancel_reasons;
        uint32_t final_frame = 0;
        uint16_t final_code = 0;
    };
    struct DialogState {
        uint32_t established_frame = 0;
        uint32_t ended_frame = 0;
    };
    void on_request(const SipMessageFacts &msg);

    BoundedFlatMap<uint32_t, RequestEvidence> requests_;
    BoundedFlatMap<std::string, InviteState> invites_;
    BoundedFlatMap<std::string, DialogState> dialogs_;
    AuthChainTracker auth_;
    std::string scratch_key_; /* the INVITE or dialog key being looked up (its buffer is reused) */
};

} // namespace sipadvisor::core
