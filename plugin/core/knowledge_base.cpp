/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/knowledge_base.h"

#include <algorithm>

namespace sipadvisor::core {

const char *severity_name(Severity severity)
{
    switch (severity) {
    case Severity::chat: return "chat";
    case Severity::note: return "note";
    case Severity::warn: return "warn";
    case Severity::error: return "error";
    }
    return "unknown";
}

const ResponseRecord *find_registered_record(unsigned code)
{
    const ResponseRecord *end = kResponseRecords + kResponseRecordCount;
    const ResponseRecord *it = std::lower_bound(kResponseRecords, end, code,
        [](const ResponseRecord &record, unsigned wanted) { return record.code < wanted; });
    return (it != end && it->code == code) ? it : nullptr;
}

const char *response_class_name(unsigned code)
{
    /* RFC 3261 §7.2 names the six classes. */
    switch (code / 100) {
    case 1: return "1xx Provisional";
    case 2: return "2xx Success";
    case 3: return "3xx Redirection";
    case 4: return "4xx Client Error";
    case 5: return "5xx Server Error";
    case 6: return "6xx Global Failure";
    default: return "invalid";
    }
}

} // namespace sipadvisor::core
