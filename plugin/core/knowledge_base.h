/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The response-code knowledge base: one record per code of the IANA SIP
 * response-code registry. The records are written in data/response-codes.ini
 * and compiled into the plugin by plugin/kbgen at build time, so this header
 * only describes the compiled tables and how to look them up.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace sipadvisor::core {

/* Ordered like Wireshark's expert severities, lowest first. */
enum class Severity : uint8_t { chat, note, warn, error };

const char *severity_name(Severity severity);

struct ResponseRecord {
    uint16_t code;
    const char *phrase;   /* IANA reason phrase */
    Severity severity;    /* default severity of an expert entry for this code */
    const char *summary;  /* gist and fix in one short line, for Expert Info */
    const char *meaning;
    const char *cause;
    const char *fix;
    const char *rfc;      /* defining RFC, e.g. "RFC 3903 §11.2.1" */
};

/* The records compiled from data/response-codes.ini, sorted by code. */
extern const ResponseRecord kResponseRecords[];
extern const size_t kResponseRecordCount;

/* Special cases, compiled from data/special-cases.ini:
 * kUnregisteredNote explains an unregistered code of a valid class (it is
 * prefixed to the x00 record's meaning); kInvalidCodeRecord stands for a
 * status code outside 100..699, which no SIP element may send. */
extern const char *const kUnregisteredNote;
extern const ResponseRecord kInvalidCodeRecord;

/* The registered record for exactly this code, or nullptr. */
const ResponseRecord *find_registered_record(unsigned code);

/* "1xx Provisional" ... "6xx Global Failure"; "invalid" outside 100..699. */
const char *response_class_name(unsigned code);

} // namespace sipadvisor::core
