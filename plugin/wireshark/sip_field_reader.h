/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Field extraction: finds the SIP messages Wireshark's SIP dissector found in
 * this frame (its `sip` protocol items) and reads each one's facts with
 * core::parse_sip_message(), as plain core::SipMessageFacts.
 */
#pragma once

#include "core/sip_message.h"

#include <epan/packet.h>

#include <vector>

namespace sipadvisor::ws {

class SipFieldReader {
public:
    /* Looks the `sip` protocol up; call from the handoff, once all
     * protocols are registered. False when Wireshark has no SIP dissector
     * (then the plugin stays inert). */
    bool resolve_fields();

    /* The hf ids to hand to set_postdissector_wanted_hfids(): only the
     * `sip` protocol item. Every field a postdissector wants is built for
     * every message; asking for the ~40 header fields we read cost more than
     * reading the header text ourselves (see core/sip_parser.h). */
    GArray *new_wanted_hfids() const;

    /* One entry per SIP message in this frame's tree, in tree order.
     * Several can share a frame (TCP); each `sip` item's start offset in its
     * data source (the frame, a reassembled buffer, a WebSocket payload)
     * is where the message starts. The item's length is not used: tshark
     * without -V leaves it unreliable. */
    /* The messages go into the first slots of `messages` (grown when
     * needed, never shrunk, so their string buffers are reused frame after
     * frame); returns how many slots hold this frame's messages. */
    size_t read(proto_tree *tree, packet_info *pinfo, std::vector<core::SipMessageFacts> &messages) const;

private:
    int hf_sip_ = -1;
};

} // namespace sipadvisor::ws
