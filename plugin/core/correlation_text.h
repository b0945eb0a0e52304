/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The words for correlation results: short names for fields and filters,
 * and one-line diagnoses with their fix for Expert Info.
 */
#pragma once

#include "core/correlation.h"

#include <string>

namespace sipadvisor::core {

/* "via-branch", "rfc2543", "not-in-capture", "state-full", "timed-out". */
const char *request_match_name(RequestMatch match);
/* "superseded", "removed", "expired", "unknown", "live". */
const char *etag_state_name(EtagState state);

/* One line, diagnosis then fix, for a 412 to a PUBLISH (RFC 3903). */
std::string etag_diagnosis_message(const EtagDiagnosis &diagnosis);
/* Why a response has no request frame, for Expert Info; empty when it has. */
std::string request_match_message(RequestMatch match, uint32_t request_frame);

/* The expert line of a message without its frame references (" in frame
 * 12", " (frame 4)", ", frame 14"): Expert Info and `tshark -z expert`
 * group entries by their text, so a frame number would make every entry
 * its own group (and tshark's summary slow on large captures). The
 * frames stay in the fields. */
std::string without_frame_references(const std::string &text);

/* Text from the capture shown inside a message: at most `limit` bytes,
 * cut with "...". */
std::string shortened(const std::string &text, size_t limit = 48);

} // namespace sipadvisor::core
