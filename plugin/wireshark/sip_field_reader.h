/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Field extraction: reads the fields Wireshark's SIP dissector put in the
 * tree and groups them per SIP PDU, as plain core::SipMessageFacts.
 */
#pragma once

#include "core/sip_message.h"

#include <epan/packet.h>

#include <vector>

namespace sipadvisor::ws {

class SipFieldReader {
public:
    /* Looks the SIP fields up by name; call from the handoff, once all
     * protocols are registered. Returns false when Wireshark lacks a field
     * we need (then the plugin stays inert rather than guessing). */
    bool resolve_fields();

    /* The hf ids to hand to set_postdissector_wanted_hfids(): only what
     * read() uses, since every wanted field makes Wireshark build it. */
    GArray *new_wanted_hfids() const;

    /* One entry per SIP PDU in this frame's tree, in tree order. Several PDUs
     * can share a frame (TCP); a field belongs to the PDU whose `sip` item
     * starts last at or before the field, in the same data source. The `sip`
     * item's length is not used: tshark without -V leaves it unreliable. */
    std::vector<core::SipMessageFacts> read(proto_tree *tree, packet_info *pinfo) const;

private:
    int hf_sip_ = -1;
    int hf_status_code_ = -1;
};

} // namespace sipadvisor::ws
