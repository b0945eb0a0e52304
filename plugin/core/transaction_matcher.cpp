/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/transaction_matcher.h"

#include "core/header_parsing.h"
#include "core/key_builder.h"

#include <algorithm>
#include <cmath>

namespace sipadvisor::core {

namespace {

/* 65536 slots x 16 bytes: enough to remember the last tens of thousands of
 * dropped transactions, small enough to not matter next to the open ones. */
constexpr size_t kDroppedSlotCount = size_t{1} << 16;

char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

size_t slot_of(uint64_t key_hash)
{
    /* Fold the high bits in: the low ones also pick the key's slot in open_. */
    return static_cast<size_t>((key_hash ^ (key_hash >> 29) ^ (key_hash >> 47)) & (kDroppedSlotCount - 1));
}

/* RFC 3261 §17.1.3 needs only branch, sent-by and method. The Call-ID is
 * added because real scanners (e.g. in sipcapture/heplify's ipip0.pcap)
 * reuse one constant branch for every call: without it a response would
 * be tied to another call's request. */
void branch_key(std::string &key, std::string_view branch, std::string_view sent_by, std::string_view method,
                std::string_view call_id)
{
    KeyBuilder(key).text("B").field(branch).field(sent_by, true).field(method).field(call_id).done();
}

void rfc2543_key(std::string &key, const SipMessageFacts &msg, std::string_view method,
                 std::string_view client_endpoint, std::string_view server_endpoint)
{
    KeyBuilder(key)
        .text("R")
        .field(msg.call_id)
        .field(msg.cseq_seq)
        .field(method)
        .field(msg.from_tag)
        .field(endpoint_host(client_endpoint))
        .field(endpoint_host(server_endpoint))
        .done();
}

/* The key of the transaction a message belongs to, built into `key` (the
 * matcher's scratch string, so a lookup allocates nothing). */
void transaction_key(std::string &key, const SipMessageFacts &msg, std::string_view method, bool by_branch,
                     std::string_view client_endpoint, std::string_view server_endpoint)
{
    if (by_branch)
        branch_key(key, msg.via_branch, msg.via_sent_by, method, msg.call_id);
    else
        rfc2543_key(key, msg, method, client_endpoint, server_endpoint);
}

} // namespace

std::string endpoint_host(std::string_view endpoint)
{
    std::string_view host = endpoint;
    if (!host.empty() && host.front() == '[') {
        size_t close = host.find(']');
        host = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
        host = host.substr(0, host.find(':'));
    } /* else: no port, or a bare IPv6 address */
    std::string lowered;
    append_lower(lowered, host);
    return lowered;
}

bool has_magic_cookie(std::string_view branch)
{
    static constexpr std::string_view kLowerCookie = "z9hg4bk"; /* "z9hG4bK", compared ignoring case */
    if (branch.size() < kLowerCookie.size())
        return false;
    for (size_t i = 0; i < kLowerCookie.size(); ++i) {
        if (ascii_lower(branch[i]) != kLowerCookie[i])
            return false;
    }
    return true;
}

TransactionMatcher::TransactionMatcher(TransactionLimits limits) : limits_(limits) {}

void TransactionMatcher::clear()
{
    order_.clear();
    open_.clear();
    dropped_.clear();
    dropped_.shrink_to_fit();
    now_ = 0;
}

bool TransactionMatcher::is_idle(const Transaction &transaction) const
{
    double limit = limits_.timeout;
    if (transaction.is_invite && transaction.got_provisional)
        limit = std::max(limit, limits_.invite_proceeding_timeout);
    /* Written so that a NaN anywhere keeps the transaction rather than
     * dropping it at random. */
    return now_ - transaction.last_activity > limit;
}

void TransactionMatcher::remember_drop(uint64_t key_hash, uint32_t frame, DropReason reason)
{
    if (dropped_.empty())
        dropped_.resize(kDroppedSlotCount);
    DroppedSlot &slot = dropped_[slot_of(key_hash)];
    if (slot.reason == DropReason::evicted && slot.key_hash != key_hash)
        slot.lost_an_eviction = true;
    slot.key_hash = key_hash;
    slot.frame = frame;
    slot.reason = reason;
}

void TransactionMatcher::remember_drop(const Transaction &transaction, DropReason reason)
{
    remember_drop(transaction.key_hash, transaction.request.frame, reason);
}

bool TransactionMatcher::pop_oldest(bool only_if_idle)
{
    while (!order_.empty()) {
        OrderRecord oldest = order_.front();
        if (!open_.is_live(oldest.entry) || open_.value(oldest.entry).generation != oldest.generation) {
            order_.pop_front();
            continue;
        }
        Transaction &transaction = open_.value(oldest.entry);
        if (only_if_idle && !is_idle(transaction))
            return false;
        remember_drop(transaction, only_if_idle ? DropReason::timed_out : DropReason::evicted);
        order_.pop_front();
        open_.erase(oldest.entry);
        return true;
    }
    return false;
}

void TransactionMatcher::advance_clock(double now)
{
    if (std::isfinite(now) && now > now_)
        now_ = now;
    while (pop_oldest(true)) {
    }
}

TransactionMatcher::Handle TransactionMatcher::insert(const std::string &key, uint64_t key_hash)
{
    if (limits_.max_open_transactions == 0)
        return Table::kNone;
    while (open_.size() >= limits_.max_open_transactions && pop_oldest(false)) {
    }
    /* Stale order records pile up only when keys are reused after a timeout;
     * cap them too so the deque cannot outgrow the map by much. */
    while (order_.size() >= 2 * limits_.max_open_transactions + 16 && pop_oldest(false)) {
    }
    /* on_request() found no entry for the key, and evictions only remove. */
    Handle entry = open_.insert_absent(key, key_hash);
    open_.value(entry).key_hash = key_hash;
    return entry;
}

TransactionMatcher::RequestOutcome TransactionMatcher::on_request(const SipMessageFacts &msg)
{
    RequestOutcome outcome;
    const std::string &method = msg.method.empty() ? msg.cseq_method : msg.method;
    bool by_branch = has_magic_cookie(msg.via_branch);
    transaction_key(scratch_key_, msg, method, by_branch, msg.src_endpoint, msg.dst_endpoint);
    const std::string &key = scratch_key_;
    uint64_t key_hash = Table::hash_key(key);

    Handle entry = open_.find(key, key_hash);
    if (entry != Table::kNone && !is_idle(open_.value(entry))) {
        Transaction &transaction = open_.value(entry);
        transaction.last_activity = now_;
        outcome.request = &transaction.request;
        outcome.retransmission = true;
        return outcome;
    }

    if (entry != Table::kNone) {
        /* The key came back after its transaction went idle: a broken stack
         * reusing branches, or a new request. Either way a new transaction;
         * the old order record goes stale through the generation bump. */
        remember_drop(open_.value(entry), DropReason::timed_out);
        open_.value(entry) = Transaction{};
        open_.value(entry).key_hash = key_hash;
    } else {
        entry = insert(key, key_hash);
        if (entry == Table::kNone) {
            remember_drop(key_hash, msg.frame, DropReason::evicted);
            return outcome;
        }
    }

    Transaction &transaction = open_.value(entry);
    transaction.generation = next_generation_++;
    transaction.last_activity = now_;
    transaction.matched_by = by_branch ? RequestMatch::matched_branch : RequestMatch::matched_rfc2543;
    transaction.is_invite = method == "INVITE";
    transaction.request.frame = msg.frame;
    transaction.request.time = msg.time;
    transaction.request.method = method;
    order_.push_back(OrderRecord{entry, transaction.generation});
    outcome.request = &transaction.request;
    return outcome;
}

TransactionMatcher::ResponseOutcome TransactionMatcher::on_response(const SipMessageFacts &msg)
{
    ResponseOutcome outcome;
    /* The response copies the request's Vias, so the top one names the
     * client transaction; its endpoints are the request's, reversed. */
    transaction_key(scratch_key_, msg, msg.cseq_method, has_magic_cookie(msg.via_branch), msg.dst_endpoint,
                    msg.src_endpoint);
    const std::string &key = scratch_key_;
    const uint64_t key_hash = Table::hash_key(key);

    if (Handle found = open_.find(key, key_hash); found != Table::kNone) {
        Transaction &transaction = open_.value(found);
        outcome.request_frame = transaction.request.frame;
        outcome.request = &transaction.request;
        if (is_idle(transaction)) {
            outcome.match = RequestMatch::timed_out;
            return outcome;
        }
        outcome.match = transaction.matched_by;
        transaction.last_activity = now_;
        if (msg.status_code >= 100 && msg.status_code <= 199)
            transaction.got_provisional = true;
        return outcome;
    }

    if (dropped_.empty())
        return outcome;
    const DroppedSlot &slot = dropped_[slot_of(key_hash)];
    if (slot.reason != DropReason::none && slot.key_hash == key_hash) {
        outcome.match = slot.reason == DropReason::evicted ? RequestMatch::gave_up_state_full
                                                           : RequestMatch::timed_out;
        outcome.request_frame = slot.frame;
    } else if (slot.lost_an_eviction) {
        /* An evicted key that hashed here was overwritten: it may have been
         * this response's request, so "never seen" would be a guess. */
        outcome.match = RequestMatch::gave_up_state_full;
    }
    return outcome;
}

} // namespace sipadvisor::core
