/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Follows 3xx redirections through the capture: did the client go to one of
 * the Contacts it was given (RFC 3261 §8.1.3.4), and after a 301 Moved
 * Permanently, does it keep sending new requests to the old address?
 *
 * Clients are identified by host only (they often change source ports).
 * Bounded: the oldest redirections are forgotten first.
 */
#pragma once

#include "core/flat_map.h"
#include "core/key_filter.h"
#include "core/sip_message.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace sipadvisor::core {

/* A URI in the form used for comparisons: without surrounding name-addr
 * and <>, without ?headers (they become header fields, not part of the
 * Request-URI, RFC 3261 §19.1.5), scheme/host/port/parameters lower-cased
 * (the user part stays case-sensitive, §19.1.4) and parameters sorted. */
std::string normalize_uri(std::string_view uri);

class RedirectTracker {
public:
    /* `window`: seconds after a 3xx during which a request still counts as
     * following or ignoring it (a user preference). */
    explicit RedirectTracker(size_t max_redirects = 50000, double window = 3600);

    struct Redirect {
        uint32_t frame = 0;                 /* of the 3xx */
        double time = 0;                    /* of the 3xx */
        bool moved_permanently = false;     /* 301 */
        std::string client_host;
        std::string original_uri;           /* normalised; empty when the request is not known */
        uint32_t original_request_frame = 0;
        std::string call_id;
        std::vector<std::string> contact_uris; /* normalised, at most kMaxIndexedContacts */
        uint32_t followed_in = 0;
    };
    /* A hostile 3xx may list thousands of Contacts; only the first ones
     * are indexed for follow-through. */
    static constexpr size_t kMaxIndexedContacts = 32;

    void record(Redirect redirect);

    struct Verdict {
        uint32_t follows = 0;  /* frame of the 3xx whose Contact this request targets */
        uint32_t ignores = 0;  /* frame of the 301 whose old URI this request still targets */
    };
    /* A request (not ACK/CANCEL) from `client_host` to `request_uri`
     * (normalised). `transaction_frame` is the first transmission of its
     * transaction, to recognise retransmissions of the redirected request;
     * `in_dialog` whether it carries a To-tag. */
    Verdict on_request(const std::string &client_host, const std::string &request_uri,
                       const std::string &call_id, bool in_dialog, uint32_t transaction_frame,
                       uint32_t frame, double time);

    uint32_t followed_in(uint32_t redirect_frame) const;

    void clear();
    size_t size() const { return redirects_.size(); }

private:
    Redirect *by_id(uint64_t id);
    void forget_oldest();
    /* Index a key in `index` (and in the key filter when it is new there). */
    using KeyIndex = FlatMap<std::string, uint64_t>;
    void index_key(KeyIndex &index, std::string key, uint64_t id);

    bool within_window(const Redirect &redirect, double time) const
    {
        return time - redirect.time <= window_;
    }

    size_t max_redirects_;
    double window_;
    std::deque<Redirect> redirects_;          /* oldest first; id = first_id_ + index */
    uint64_t first_id_ = 0;
    KeyIndex by_contact_;                    /* client + contact -> latest redirect */
    KeyIndex by_moved_uri_;                  /* client + original URI -> latest 301 */
    FlatMap<uint32_t, uint64_t> by_frame_;   /* 3xx frame -> first redirect in it */
    /* The keys of by_contact_ and by_moved_uri_, checked before the two
     * lookups every request makes (most follow no redirect). 2^20 slots:
     * 1 MiB, for up to 50,000 redirects with a few Contacts each. */
    KeyFilter key_filter_{20};
    std::string scratch_key_; /* the key every request looks up (its buffer is reused) */
};

} // namespace sipadvisor::core
