/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Reads the facts sipadvisor needs from the text of one SIP message.
 *
 * Why not Wireshark's SIP fields: every field a postdissector asks for makes
 * Wireshark build that field for every SIP message, and with the ~40 header
 * values the correlation and the evidence need, tshark -r ran ~35% slower
 * for the transaction fields alone (BENCHMARKS.md). Wireshark's SIP dissector
 * still finds the messages (the `sip` items and their offsets, across TCP
 * segments, WebSocket, SCTP ...); this parser only reads the start line and
 * the headers of each, bounded and tolerant of garbage.
 */
#pragma once

#include "core/sip_message.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace sipadvisor::core {

struct SipParseLimits {
    size_t max_header_bytes = 64 * 1024; /* stop reading headers after this */
    size_t max_text = 512;               /* bytes kept of one value */
    size_t max_list = 32;                /* entries kept of one list (Contacts, Allow ...) */
    size_t max_body_bytes = 16 * 1024;   /* SDP read for codecs */
};

/* `bytes` starts at the first byte of a SIP message; more bytes (the body,
 * the next message) may follow. Returns nullopt when they do not start
 * with a SIP request or status line. Frame, time and endpoints are left for
 * the caller. */
std::optional<SipMessageFacts> parse_sip_message(std::string_view bytes, const SipParseLimits &limits = {});
/* The same into `facts`, which may hold an earlier message: it is reset
 * first, keeping its string and list buffers, so a caller that reads every
 * message into the same few objects allocates almost nothing. False, with
 * `facts` unspecified, when there is no SIP start line. */
bool parse_sip_message_into(std::string_view bytes, SipMessageFacts &facts, const SipParseLimits &limits = {});

} // namespace sipadvisor::core
