/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wireshark/sip_field_reader.h"

#include "wireshark/compat.h"

#include <epan/proto.h>

namespace sipadvisor::ws {

namespace {

/* Where one SIP PDU starts: its `sip` protocol item. */
struct PduStart {
    tvbuff_t *data_source;
    int offset;
};

/* The PDU a field belongs to, or -1 when it lies outside every PDU. */
int owning_pdu(const std::vector<PduStart> &pdus, const field_info *finfo)
{
    int owner = -1;
    int owner_offset = -1;
    for (size_t i = 0; i < pdus.size(); ++i) {
        if (pdus[i].data_source == finfo->ds_tvb && pdus[i].offset <= finfo->start &&
            pdus[i].offset > owner_offset) {
            owner = static_cast<int>(i);
            owner_offset = pdus[i].offset;
        }
    }
    return owner;
}

} // namespace

bool SipFieldReader::resolve_fields()
{
    hf_sip_ = proto_registrar_get_id_byname(ws_compat::kSipProtocol);
    hf_status_code_ = proto_registrar_get_id_byname(ws_compat::kSipStatusCode);
    return hf_sip_ >= 0 && hf_status_code_ >= 0;
}

GArray *SipFieldReader::new_wanted_hfids() const
{
    GArray *wanted = g_array_new(FALSE, FALSE, static_cast<guint>(sizeof(int)));
    for (int hf : {hf_sip_, hf_status_code_})
        if (hf >= 0)
            g_array_append_val(wanted, hf);
    return wanted;
}

std::vector<core::SipMessageFacts> SipFieldReader::read(proto_tree *tree, packet_info *pinfo) const
{
    std::vector<core::SipMessageFacts> messages;
    if (!tree || hf_sip_ < 0)
        return messages;
    GPtrArray *sip_items = proto_get_finfo_ptr_array(tree, hf_sip_);
    if (!sip_items || sip_items->len == 0)
        return messages;

    std::vector<PduStart> pdus;
    pdus.reserve(sip_items->len);
    for (guint i = 0; i < sip_items->len; ++i) {
        auto *finfo = static_cast<field_info *>(g_ptr_array_index(sip_items, i));
        pdus.push_back({finfo->ds_tvb, finfo->start});
    }
    messages.resize(pdus.size());
    for (core::SipMessageFacts &message : messages) {
        message.frame = pinfo->num;
        message.time = static_cast<double>(pinfo->abs_ts.secs) + pinfo->abs_ts.nsecs / 1e9;
        message.is_request = true; /* until a Status-Code says otherwise */
    }

    if (GPtrArray *codes = proto_get_finfo_ptr_array(tree, hf_status_code_)) {
        for (guint i = 0; i < codes->len; ++i) {
            auto *finfo = static_cast<field_info *>(g_ptr_array_index(codes, i));
            int pdu = owning_pdu(pdus, finfo);
            if (pdu < 0 || !messages[pdu].is_request)
                continue; /* first Status-Code of a PDU wins */
            unsigned code = ws_compat::field_uint(finfo);
            messages[pdu].is_request = false;
            messages[pdu].status_code = static_cast<uint16_t>(code > 0xffff ? 0xffff : code);
        }
    }
    return messages;
}

} // namespace sipadvisor::ws
