/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Pure functions that turn the text of a header value into the facts of
 * core/sip_message.h. They never throw, never read past the input and
 * bound what they return (kMaxListEntries entries, kMaxValueBytes bytes per
 * string), whatever the capture holds: garbage gives an empty result or
 * std::nullopt, never an exception.
 */
#pragma once

#include "core/sip_message.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipadvisor::core {

constexpr size_t kMaxListEntries = 32;
constexpr size_t kMaxValueBytes = 512;

/* "60" -> 60. Surrounding blanks are allowed; anything else (a sign, a
 * fraction, letters, nothing) gives nullopt. Values above 2^32-1 saturate
 * to 4294967295 rather than wrap. */
std::optional<uint32_t> parse_delta_seconds(std::string_view text);

/* Retry-After (RFC 3261 §20.33): `120 (back at noon);duration=3600`. */
struct RetryAfterValue {
    std::optional<uint32_t> seconds;   /* nullopt: not a number */
    std::string comment;               /* without the outer parentheses */
    std::optional<uint32_t> duration;  /* ;duration= parameter */
};
RetryAfterValue parse_retry_after(std::string_view value);

/* A comma-separated list of tokens (Allow, Require, Supported, Unsupported,
 * Allow-Events, Accept...): each entry trimmed, parameters after ';' cut
 * off, empty entries and case-insensitive repeats dropped, at most
 * max_entries kept. */
std::vector<std::string> parse_token_list(std::string_view value, size_t max_entries = kMaxListEntries);

/* One Warning value `399 host "text"`. A missing or non-numeric code gives
 * code 0; text without quotes is taken as it stands. nullopt when blank. */
std::optional<WarningFacts> parse_warning(std::string_view value);
/* A Warning header that may hold several comma-separated values; commas
 * inside quoted text do not split. */
std::vector<WarningFacts> parse_warnings(std::string_view value);

/* One Reason value `Q.850;cause=16;text="Normal call clearing"`. A cause
 * that is not a number (cause=abc) gives cause 0. nullopt when there is no
 * protocol token. */
std::optional<ReasonFacts> parse_reason(std::string_view value);
std::vector<ReasonFacts> parse_reasons(std::string_view value);

/* The realm of a WWW-Authenticate / Proxy-Authenticate value
 * (`Digest realm="example.com", nonce="..."`); empty when none. */
std::string parse_auth_realm(std::string_view challenge);

/* The encoding name of an SDP rtpmap value (`0 PCMU/8000` -> "PCMU"). */
std::string rtpmap_encoding(std::string_view rtpmap);

/* "Application/SDP; charset=utf-8" -> "application/sdp". */
std::string media_type(std::string_view content_type);

bool equals_ignore_case(std::string_view a, std::string_view b);

/* Writes `value` in decimal at `out` (room for 20 characters) and returns
 * the end; no terminating NUL. For texts built in a local buffer. */
char *write_decimal(char *out, uint64_t value);

/* Appends `value` in decimal: std::to_string without its temporary, for
 * the keys and endpoint texts built for every message. */
void append_decimal(std::string &out, uint64_t value);

/* Appends `text` with ASCII letters lower-cased: appended at once and
 * lowered in place, not one += per character (a capacity check each),
 * for the keys and hosts built for every request. */
void append_lower(std::string &out, std::string_view text);

/* Splits at `separator` outside double quotes (a backslash escapes inside
 * quotes) and outside parentheses; entries are trimmed, empty ones kept. */
std::vector<std::string_view> split_outside_quotes(std::string_view value, char separator,
                                                   size_t max_entries = kMaxListEntries);

} // namespace sipadvisor::core
