/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wireshark/sip_field_reader.h"

#include "core/sip_parser.h"
#include "wireshark/compat.h"

#include <epan/address.h>
#include <epan/proto.h>
#include <epan/to_str.h>
#include <epan/tvbuff.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace sipadvisor::ws {

namespace {

/* Headers and the start of an SDP body; a SIP message's headers longer
 * than this are cut (the parser stops reading them). */
constexpr int kMaxMessageBytes = 80 * 1024;

std::string endpoint_text(const address &addr, uint32_t port)
{
    char host[128];
    address_to_str_buf(&addr, host, static_cast<int>(sizeof host));
    std::string text;
    text.reserve(64);
    if (addr.type == AT_IPv6) {
        text += '[';
        text += host;
        text += ']';
    } else {
        text += host;
    }
    text += ':';
    text += std::to_string(port);
    return text;
}

} // namespace

bool SipFieldReader::resolve_fields()
{
    hf_sip_ = proto_registrar_get_id_byname(ws_compat::kSipProtocol);
    return hf_sip_ >= 0;
}

GArray *SipFieldReader::new_wanted_hfids() const
{
    GArray *hfids = g_array_new(FALSE, FALSE, static_cast<guint>(sizeof(int)));
    g_array_append_val(hfids, hf_sip_);
    return hfids;
}

std::vector<core::SipMessageFacts> SipFieldReader::read(proto_tree *tree, packet_info *pinfo) const
{
    std::vector<core::SipMessageFacts> messages;
    if (!tree || hf_sip_ < 0)
        return messages;
    GPtrArray *sip_items = proto_get_finfo_ptr_array(tree, hf_sip_);
    if (!sip_items || sip_items->len == 0)
        return messages;

    std::string source, destination;
    messages.reserve(sip_items->len);
    for (guint i = 0; i < sip_items->len; ++i) {
        auto *finfo = static_cast<field_info *>(g_ptr_array_index(sip_items, i));
        tvbuff_t *data = finfo->ds_tvb;
        if (!data || finfo->start < 0)
            continue;
        /* Never throws: the length is what the buffer holds from start. */
        const int available = tvb_captured_length_remaining(data, finfo->start);
        if (available <= 0)
            continue;
        const int length = std::min(available, kMaxMessageBytes);
        const auto *bytes = reinterpret_cast<const char *>(tvb_get_ptr(data, finfo->start, length));
        core::SipMessageFacts &message = messages.emplace_back();
        if (!core::parse_sip_message_into(std::string_view(bytes, static_cast<size_t>(length)), message)) {
            messages.pop_back(); /* a continuation, or not a SIP start line */
            continue;
        }
        if (source.empty()) {
            source = endpoint_text(pinfo->src, pinfo->srcport);
            destination = endpoint_text(pinfo->dst, pinfo->destport);
        }
        message.frame = pinfo->num;
        message.time = static_cast<double>(pinfo->abs_ts.secs) + pinfo->abs_ts.nsecs / 1e9;
        message.src_endpoint = source;
        message.dst_endpoint = destination;
    }
    return messages;
}

} // namespace sipadvisor::ws
