/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The codes that other headers carry next to a status code: ITU-T Q.850
 * cause values in a Reason header (RFC 3326, RFC 6432) and the warn-codes
 * of a Warning header (RFC 3261 §20.43). The texts are written in
 * data/q850-causes.ini and data/warning-codes.ini and compiled in by
 * plugin/kbgen, like the response-code knowledge base.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace sipadvisor::core {

struct Q850Cause {
    uint8_t cause;        /* 1..127 */
    const char *name;     /* short name, e.g. "Normal call clearing" */
    const char *meaning;
    const char *fix;
};

struct WarningCode {
    uint16_t code;        /* 300..399 */
    const char *text;     /* the usual warn-text, e.g. "Incompatible media format" */
    const char *meaning;
    const char *fix;
};

/* Sorted by value. */
extern const Q850Cause kQ850Causes[];
extern const size_t kQ850CauseCount;
extern const WarningCode kWarningCodes[];
extern const size_t kWarningCodeCount;

/* nullptr for a value we have no record of (or out of range). */
const Q850Cause *find_q850_cause(unsigned cause);
const WarningCode *find_warning_code(unsigned code);

} // namespace sipadvisor::core
