/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Field extraction: reads the fields Wireshark's SIP dissector put in the
 * tree and groups them per SIP PDU, as plain core::SipMessageFacts.
 */
#pragma once

#include "core/sip_message.h"

#include <epan/packet.h>

#include <array>
#include <vector>

namespace sipadvisor::ws {

/* The SIP fields we can read; each costs Wireshark work when wanted. */
enum class SipField : uint8_t {
    status_code, method, request_uri, call_id, cseq_seq, cseq_method,
    via_branch, via_sent_by_address, via_sent_by_port, via_transport,
    from_tag, to_tag, event, etag, if_match, expires, contact_uri, contact_parameter,
    count
};

class SipFieldReader {
public:
    /* Hostile captures can carry megabytes in one header or thousands of
     * Contacts; we keep this much of each (see README, "Limits"). */
    static constexpr size_t kMaxTextLength = 512;
    static constexpr size_t kMaxContacts = 32;

    /* Looks the SIP fields up by name; call from the handoff, once all
     * protocols are registered. Returns false when Wireshark lacks the
     * status code field (then the plugin stays inert rather than guessing). */
    bool resolve_fields();

    /* Which facts read() fills besides the status code: those for
     * transaction matching (Call-ID, CSeq, Via, tags, method, Request-URI),
     * for the entity-tag ledger (Event, SIP-ETag, SIP-If-Match, Expires)
     * and for redirects (Contact). Set from the preferences. */
    void set_wanted_groups(bool transactions, bool etags, bool redirects)
    {
        transactions_ = transactions;
        etags_ = etags;
        redirects_ = redirects;
    }

    /* The hf ids to hand to set_postdissector_wanted_hfids(): only what
     * read() uses, since every wanted field makes Wireshark build it. */
    GArray *new_wanted_hfids() const;

    /* One entry per SIP PDU in this frame's tree, in tree order. Several PDUs
     * can share a frame (TCP); a field belongs to the PDU whose `sip` item
     * starts last at or before the field, in the same data source. The `sip`
     * item's length is not used: tshark without -V leaves it unreliable. */
    std::vector<core::SipMessageFacts> read(proto_tree *tree, packet_info *pinfo) const;

private:
    bool wanted(SipField field) const
    {
        switch (field) {
        case SipField::status_code: return true;
        case SipField::event:
        case SipField::etag:
        case SipField::if_match:
        case SipField::expires: return etags_;
        case SipField::contact_uri:
        case SipField::contact_parameter: return redirects_;
        default: return transactions_;
        }
    }

    int hf_sip_ = -1;
    std::array<int, static_cast<size_t>(SipField::count)> hf_{};
    bool transactions_ = true;
    bool etags_ = true;
    bool redirects_ = true;
};

} // namespace sipadvisor::ws
