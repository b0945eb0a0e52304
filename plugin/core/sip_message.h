/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The facts the Wireshark layer extracts from one SIP PDU, as plain C++.
 * Everything the core logic knows about a message comes through this struct,
 * so the core can be unit-tested (and fuzzed) without libwireshark.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sipadvisor::core {

/* One Contact header value (a 3xx lists where the client should go next). */
struct ContactFacts {
    std::string uri;                  /* the URI inside <...>, as on the wire */
    std::optional<double> q;          /* ;q= parameter, 0.0 .. 1.0 */
    std::optional<uint32_t> expires;  /* ;expires= parameter, seconds */
};

/* One SIP message (request or response) as seen in the capture. Fields that
 * were absent in the message are empty / std::nullopt. */
struct SipMessageFacts {
    uint32_t frame = 0;       /* frame number the PDU ends in */
    double time = 0.0;        /* absolute capture time, seconds since the epoch */

    bool is_request = false;
    std::string method;       /* request method (requests only) */
    std::string request_uri;  /* Request-URI (requests only) */
    uint16_t status_code = 0; /* 100..699 for well-formed responses; may be any value */

    std::string call_id;
    uint32_t cseq_seq = 0;
    std::string cseq_method;
    std::string from_tag;
    std::string to_tag;

    /* Top Via only: branch parameter and sent-by (host[:port]). */
    std::string via_branch;
    std::string via_sent_by;
    std::string via_transport; /* UDP, TCP, TLS, SCTP, WS, WSS ... */

    /* Network endpoints as text ("192.0.2.1:5060", "[2001:db8::1]:5060"). */
    std::string src_endpoint;
    std::string dst_endpoint;

    std::string event;         /* Event header, without parameters */
    std::string sip_etag;      /* SIP-ETag (RFC 3903), responses */
    std::string sip_if_match;  /* SIP-If-Match (RFC 3903), PUBLISH */
    std::optional<uint32_t> expires; /* Expires header, seconds */

    std::vector<ContactFacts> contacts;
};

} // namespace sipadvisor::core
