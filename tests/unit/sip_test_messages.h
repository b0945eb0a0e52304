/* sipadvisor - SIP messages as plain facts, for the unit tests
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A request from Alice (192.0.2.10) to Bob (203.0.113.5) and the response a
 * UAS would send to it (Via, Call-ID, CSeq and From copied, endpoints
 * reversed, RFC 3261 §8.2.6). Tests change what they exercise.
 */
#pragma once

#include "core/sip_message.h"

#include <cstdint>
#include <string>

namespace sipadvisor::test {

inline constexpr const char kAlice[] = "192.0.2.10:5060";
inline constexpr const char kProxy[] = "198.51.100.1:5060";
inline constexpr const char kBob[] = "203.0.113.5:5060";

/* Time grows with the frame number unless a test sets it. */
inline core::SipMessageFacts request(uint32_t frame, const std::string &method,
                                     const std::string &branch = "z9hG4bK-a1", uint32_t cseq = 1)
{
    core::SipMessageFacts msg;
    msg.frame = frame;
    msg.time = 1000.0 + frame * 0.01;
    msg.is_request = true;
    msg.method = method;
    msg.request_uri = "sip:bob@example.com";
    msg.call_id = "call-1@192.0.2.10";
    msg.cseq_seq = cseq;
    msg.cseq_method = method;
    msg.from_tag = "alice-tag";
    msg.via_branch = branch;
    msg.via_sent_by = "192.0.2.10:5060";
    msg.via_transport = "UDP";
    msg.src_endpoint = kAlice;
    msg.dst_endpoint = kBob;
    msg.via_count = 1;
    msg.max_forwards = 70;
    return msg;
}

inline core::SipMessageFacts response_to(const core::SipMessageFacts &req, uint32_t frame, uint16_t code)
{
    core::SipMessageFacts msg;
    msg.frame = frame;
    msg.time = 1000.0 + frame * 0.01;
    msg.is_request = false;
    msg.status_code = code;
    msg.call_id = req.call_id;
    msg.cseq_seq = req.cseq_seq;
    msg.cseq_method = req.cseq_method;
    msg.from_tag = req.from_tag;
    msg.to_tag = code > 100 ? "bob-tag" : "";
    msg.via_branch = req.via_branch;
    msg.via_sent_by = req.via_sent_by;
    msg.via_transport = req.via_transport;
    msg.src_endpoint = req.dst_endpoint;
    msg.dst_endpoint = req.src_endpoint;
    return msg;
}

} // namespace sipadvisor::test
