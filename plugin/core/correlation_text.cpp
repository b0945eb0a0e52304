/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/correlation_text.h"

#include <cmath>
#include <cstdio>

namespace sipadvisor::core {

const char *request_match_name(RequestMatch match)
{
    switch (match) {
    case RequestMatch::matched_branch: return "via-branch";
    case RequestMatch::matched_rfc2543: return "rfc2543";
    case RequestMatch::not_in_capture: return "not-in-capture";
    case RequestMatch::gave_up_state_full: return "state-full";
    case RequestMatch::timed_out: return "timed-out";
    }
    return "unknown";
}

const char *etag_state_name(EtagState state)
{
    switch (state) {
    case EtagState::superseded: return "superseded";
    case EtagState::removed: return "removed";
    case EtagState::expired: return "expired";
    case EtagState::unknown: return "unknown";
    case EtagState::live: return "live";
    }
    return "unknown";
}

std::string without_frame_references(const std::string &text)
{
    static const std::string kFrame = "frame ";
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        size_t found = text.find(kFrame, i);
        size_t digits = found == std::string::npos ? found : found + kFrame.size();
        size_t end = digits;
        while (end != std::string::npos && end < text.size() && text[end] >= '0' && text[end] <= '9')
            ++end;
        if (found == std::string::npos || end == digits) {
            /* no "frame <digits>" from here on (or "frame" not followed by one) */
            size_t stop = found == std::string::npos ? text.size() : digits;
            out.append(text, i, stop - i);
            i = stop;
            continue;
        }
        /* Drop the reference with the words that lead into it. */
        size_t start = found;
        for (const char *lead : {" in ", ", ", " ("}) {
            size_t length = std::char_traits<char>::length(lead);
            if (start >= i + length && text.compare(start - length, length, lead) == 0) {
                start -= length;
                break;
            }
        }
        out.append(text, i, start - i);
        i = end;
        if (start < found && text[start] == ' ' && text.compare(start, 2, " (") == 0 && i < text.size() &&
            text[i] == ')')
            ++i; /* the closing parenthesis of " (frame 4)" */
    }
    return out;
}

std::string shortened(const std::string &text, size_t limit)
{
    if (text.size() <= limit)
        return text;
    /* Cut on a UTF-8 character boundary: the result goes into Wireshark
     * string fields, which must stay valid UTF-8. */
    size_t cut = limit > 3 ? limit - 3 : 0;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return text.substr(0, cut) + "...";
}

namespace {
std::string seconds(double value)
{
    if (!std::isfinite(value) || value < 0)
        return "?";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f s", value);
    return buffer;
}
} // namespace

std::string etag_diagnosis_message(const EtagDiagnosis &diagnosis)
{
    const std::string tag = "SIP-If-Match " + shortened(diagnosis.if_match);
    const std::string issued = std::to_string(diagnosis.issued_in);
    switch (diagnosis.state) {
    case EtagState::superseded:
        return "412: " + tag + " was superseded by " + shortened(diagnosis.superseded_by) + " (frame " +
               std::to_string(diagnosis.superseded_in) +
               "): the client reused an old entity-tag. Fix: send the SIP-ETag of the latest 2xx.";
    case EtagState::removed:
        return "412: " + tag + " was removed (Expires: 0, frame " + std::to_string(diagnosis.removed_in) +
               "). Fix: after a removal, start over with a PUBLISH without SIP-If-Match.";
    case EtagState::expired:
        return "412: " + tag + " expired: granted " + seconds(diagnosis.expires) + " in frame " + issued +
               ", used " + seconds(diagnosis.elapsed) +
               " later. Fix: refresh before Expires runs out, or PUBLISH afresh without SIP-If-Match.";
    case EtagState::unknown:
        if (diagnosis.if_match.empty())
            return "412 to a PUBLISH without SIP-If-Match: nothing was conditional. Fix: check the server's "
                   "RFC 3903 handling.";
        if (!diagnosis.other_entity.empty())
            return "412: " + tag + " belongs to " + shortened(diagnosis.other_entity) + " (frame " +
                   std::to_string(diagnosis.other_issued_in) +
                   "), not this resource. Fix: send each publication's SIP-ETag to its own Request-URI.";
        return "412: " + tag +
               " was never issued in this capture (capture started late, or another server). Fix: PUBLISH "
               "without SIP-If-Match and keep the new SIP-ETag.";
    case EtagState::live:
        return "412: " + tag + " should still be live (frame " + issued + ", " + seconds(diagnosis.expires) +
               ", " + seconds(diagnosis.elapsed) +
               " ago): the server lost state (restart, failover, unshared cluster). Fix: server side.";
    }
    return "412: " + tag;
}

std::string request_match_message(RequestMatch match, uint32_t request_frame)
{
    switch (match) {
    case RequestMatch::matched_branch:
    case RequestMatch::matched_rfc2543:
        return {};
    case RequestMatch::not_in_capture:
        return "The request this response answers is not in the capture (capture started late, or the "
               "request took another path).";
    case RequestMatch::gave_up_state_full:
        return "Request not matched: sipadvisor's transaction table was full and dropped it (bounded "
               "memory)" + (request_frame ? ", last seen in frame " + std::to_string(request_frame) : std::string()) +
               ".";
    case RequestMatch::timed_out:
        return "Late response: its request (frame " + std::to_string(request_frame) +
               ") had been idle longer than the transaction timeout (RFC 3261 Timer B/F).";
    }
    return {};
}

} // namespace sipadvisor::core
