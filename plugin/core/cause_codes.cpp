/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/cause_codes.h"

#include <algorithm>

namespace sipadvisor::core {

const Q850Cause *find_q850_cause(unsigned cause)
{
    const Q850Cause *end = kQ850Causes + kQ850CauseCount;
    const Q850Cause *it = std::lower_bound(kQ850Causes, end, cause,
        [](const Q850Cause &record, unsigned wanted) { return record.cause < wanted; });
    return (it != end && it->cause == cause) ? it : nullptr;
}

const WarningCode *find_warning_code(unsigned code)
{
    const WarningCode *end = kWarningCodes + kWarningCodeCount;
    const WarningCode *it = std::lower_bound(kWarningCodes, end, code,
        [](const WarningCode &record, unsigned wanted) { return record.code < wanted; });
    return (it != end && it->code == code) ? it : nullptr;
}

} // namespace sipadvisor::core
