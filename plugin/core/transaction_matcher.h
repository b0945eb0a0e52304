/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Pairs each response with the request it answers, the way a client
 * transaction would (RFC 3261 §17.1.3), as far as a capture lets us: by the
 * top Via branch + sent-by + CSeq method, or for RFC 2543 peers (no magic
 * cookie) by Call-ID + CSeq + From-tag + the endpoint pair.
 *
 * State is bounded by a count (oldest evicted first) and by time (a
 * transaction idle longer than its timeout is dropped). A response whose
 * request we dropped is told apart from a response whose request never was
 * in the capture, as far as a small fixed-size memory of dropped keys allows.
 */
#pragma once

#include "core/flat_map.h"
#include "core/sip_message.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipadvisor::core {

enum class RequestMatch : uint8_t {
    matched_branch,      /* top Via branch (RFC 3261 magic cookie) + sent-by + method */
    matched_rfc2543,     /* Call-ID + CSeq + From-tag + endpoints (no cookie) */
    not_in_capture,      /* no request for it was seen */
    gave_up_state_full,  /* its request was probably seen, but evicted to bound memory */
    timed_out,           /* its request was seen (request_frame) but the transaction
                            had been idle longer than the timeout: a stray/late answer */
};

/* The RFC 3903 facts of a PUBLISH, kept until its final response. */
struct PublishConditions {
    std::string event;
    std::string if_match;
    std::optional<uint32_t> expires;
};

/* What is kept about a request while its transaction is open. Small on
 * purpose: no copy of the message. */
struct PendingRequest {
    uint32_t frame = 0;           /* first transmission */
    double time = 0;              /* of the first transmission */
    std::string method;
    std::string request_uri;      /* normalised, see normalize_uri() */
    std::string client_host;      /* host of the request's source endpoint */
    uint32_t redirect_frame = 0;  /* first 3xx recorded for this transaction */
    std::unique_ptr<PublishConditions> publish; /* PUBLISH only */
};

/* "192.0.2.1:5060" -> "192.0.2.1", "[2001:db8::1]:5060" -> "2001:db8::1",
 * lower-cased. Clients often change source ports, so hosts are compared. */
std::string endpoint_host(std::string_view endpoint);

/* True when the branch starts with RFC 3261's magic cookie "z9hG4bK". */
bool has_magic_cookie(std::string_view branch);

struct TransactionLimits {
    size_t max_open_transactions = 100000;
    double timeout = 64;                  /* idle seconds before a transaction is dropped */
    double invite_proceeding_timeout = 300; /* INVITE that got a provisional response */
};

class TransactionMatcher {
public:
    explicit TransactionMatcher(TransactionLimits limits = {});

    struct RequestOutcome {
        /* The transaction's state (the first transmission's for a
         * retransmission); null only when nothing may be stored (cap 0).
         * Valid until the next call. */
        PendingRequest *request = nullptr;
        bool retransmission = false;
    };
    /* Registers a request that starts or retransmits a client transaction.
     * ACK must not be passed: it never opens a transaction of its own. */
    RequestOutcome on_request(const SipMessageFacts &msg);

    struct ResponseOutcome {
        RequestMatch match = RequestMatch::not_in_capture;
        uint32_t request_frame = 0; /* also for gave_up/timed_out when remembered */
        /* Set for matched and for timed_out while the state is still held.
         * Valid until the next call. */
        PendingRequest *request = nullptr;
    };
    ResponseOutcome on_response(const SipMessageFacts &msg);

    /* Moves the clock (capture time, never backwards) and drops idle
     * transactions. Call before on_request/on_response. */
    void advance_clock(double now);

    void clear();
    size_t size() const { return open_.size(); }

private:
    struct Transaction {
        PendingRequest request;
        double last_activity = 0;
        uint64_t generation = 0;
        uint64_t key_hash = 0;
        RequestMatch matched_by = RequestMatch::matched_branch;
        bool is_invite = false;
        bool got_provisional = false;
    };
    using Table = FlatMap<std::string, Transaction>;
    using Handle = Table::Handle;

    /* Insertion order for eviction. A record is stale, and skipped, when its
     * entry was erased or now holds a newer transaction (the key was reused
     * after a timeout, or the entry after an erase): generations differ. */
    struct OrderRecord {
        Handle entry;
        uint64_t generation;
    };

    /* A fixed-size, direct-mapped memory of keys we dropped, so that a late
     * response can say "we gave up" rather than "never seen". A slot that
     * lost an evicted key to a newer one can no longer rule anything out. */
    enum class DropReason : uint8_t { none, evicted, timed_out };
    struct DroppedSlot {
        uint64_t key_hash = 0;
        uint32_t frame = 0;
        DropReason reason = DropReason::none;
        bool lost_an_eviction = false;
    };

    bool is_idle(const Transaction &transaction) const;
    void remember_drop(const Transaction &transaction, DropReason reason);
    void remember_drop(uint64_t key_hash, uint32_t frame, DropReason reason);
    bool pop_oldest(bool only_if_idle);
    Handle insert(const std::string &key, uint64_t key_hash);

    TransactionLimits limits_;
    Table open_;
    std::deque<OrderRecord> order_;
    std::vector<DroppedSlot> dropped_;  /* allocated on first drop */
    uint64_t next_generation_ = 1;
    std::string scratch_key_; /* the key being looked up (its buffer is reused) */
    double now_ = 0;
};

} // namespace sipadvisor::core
