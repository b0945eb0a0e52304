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

/* One Warning header value (RFC 3261 §20.43): warn-code warn-agent "warn-text". */
struct WarningFacts {
    uint16_t code = 0;        /* 0 when the value did not start with a number 0..999 */
    std::string agent;
    std::string text;         /* without the quotes */
};

/* One Reason header value (RFC 3326): protocol;cause=N;text="...". */
struct ReasonFacts {
    std::string protocol;     /* "Q.850", "SIP", or whatever the sender wrote */
    uint32_t cause = 0;       /* 0 when absent or not a number */
    std::string text;         /* without the quotes */
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

    /* --- Evidence headers (issue 7), read by core/evidence.h. ---------------
     * The extraction layer caps lists at 32 entries and strings at 512 bytes;
     * values are as on the wire and may still be empty, repeated or absurd.
     * plugin/core/header_parsing.h turns header text into these fields. */
    std::optional<uint32_t> retry_after;     /* Retry-After delta-seconds (saturated at 2^32-1) */
    std::string retry_after_comment;         /* its "(comment)", without parentheses */
    std::optional<uint32_t> min_expires;     /* Min-Expires (423) */
    std::optional<uint32_t> min_se;          /* Min-SE (RFC 4028, 422) */
    std::optional<uint32_t> session_expires; /* Session-Expires delta-seconds (RFC 4028) */
    std::vector<std::string> allow;          /* Allow: methods */
    std::vector<std::string> unsupported;    /* option tags */
    std::vector<std::string> require;
    std::vector<std::string> proxy_require;
    std::vector<std::string> supported;
    std::vector<std::string> allow_events;   /* event packages (RFC 6665) */
    std::vector<std::string> accept;         /* media ranges, e.g. "application/sdp" */
    std::vector<std::string> accept_encoding;
    std::vector<std::string> accept_language;
    std::string content_type;                /* media type of the body, parameters allowed */
    std::vector<WarningFacts> warnings;
    std::vector<ReasonFacts> reasons;
    std::string auth_realm;                  /* realm of WWW-/Proxy-Authenticate (responses) */
    bool has_authorization = false;          /* request carried Authorization or Proxy-Authorization */
    std::optional<uint32_t> max_forwards;
    uint32_t via_count = 0;                  /* number of Via header values */
    std::vector<std::string> sdp_codecs;     /* requests only: encoding names of the SDP offer, in m= line order (RFC 3264
                                                preference order), e.g. "PCMU" */
    /* An empty list above cannot tell "header absent" from "header with
     * no value", which RFC 3261 §20.5 treats differently for Allow. */
    bool has_allow = false;
    bool has_allow_events = false;
};

} // namespace sipadvisor::core
