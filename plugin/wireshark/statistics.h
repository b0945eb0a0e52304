/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Statistics > SIP Advisor (tshark -q -z sipadvisor,tree): a stats_tree fed
 * by the "sipadvisor" tap, one TapRecord per SIP message with a finding.
 */
#pragma once

#include "core/knowledge_base.h"

#include <cstdint>

namespace sipadvisor::ws {

struct TapRecord {
    uint16_t status_code;             /* 0 for a request */
    core::Severity severity;
    const char *request_method;       /* packet scope; "" when unknown */
    int etag_state;                   /* core::EtagState, -1 when none */
    uint32_t redirect_follows;
    uint32_t redirect_ignored;
    bool redirect_without_contact;
};

/* From proto_register: the tap. From the handoff: the tree. */
void register_statistics_tap();
void register_statistics_tree();
int statistics_tap();

} // namespace sipadvisor::ws
