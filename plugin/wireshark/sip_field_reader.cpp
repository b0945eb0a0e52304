/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wireshark/sip_field_reader.h"

#include "core/header_parsing.h"
#include "core/sip_parser.h"
#include "wireshark/compat.h"

#include <epan/address.h>
#include <epan/proto.h>
#include <epan/to_str.h>
#include <epan/tvbuff.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace sipadvisor::ws {

namespace {

/* Headers and the start of an SDP body; a SIP message's headers longer
 * than this are cut (the parser stops reading them). */
constexpr int kMaxMessageBytes = 80 * 1024;

/* The decimal text of every octet value, "0" to "255", and its length in
 * the fourth byte: an IPv4 endpoint is four table copies instead of four
 * divisions loops (~60 instructions each, twice per message). */
struct OctetTexts {
    char text[256][4];
    constexpr OctetTexts() : text()
    {
        for (int value = 0; value < 256; ++value) {
            char *out = text[value];
            int length = 0;
            if (value >= 100)
                out[length++] = static_cast<char>('0' + value / 100);
            if (value >= 10)
                out[length++] = static_cast<char>('0' + value / 10 % 10);
            out[length++] = static_cast<char>('0' + value % 10);
            out[3] = static_cast<char>(length);
        }
    }
};
constexpr OctetTexts kOctetTexts;

/* "192.0.2.1:5060", "[2001:db8::1]:5060" into `text` (its buffer reused).
 * This runs twice per SIP message: built in a local buffer and assigned
 * once, and IPv4 is formatted here (Wireshark's general formatter costs
 * several times more). */
void endpoint_text(const address &addr, uint32_t port, std::string &text)
{
    char buffer[160]; /* '[' + 127 + ']' + ':' + 20 digits at most */
    char *end = buffer;
    if (addr.type == AT_IPv4 && addr.len == 4) {
        const auto *octets = static_cast<const uint8_t *>(addr.data);
        for (int i = 0; i < 4; ++i) {
            if (i)
                *end++ = '.';
            const char *octet = kOctetTexts.text[octets[i]];
            std::memcpy(end, octet, 3); /* the buffer has room; only octet[3] bytes count */
            end += octet[3];
        }
    } else {
        const bool bracket = addr.type == AT_IPv6;
        if (bracket)
            *end++ = '[';
        address_to_str_buf(&addr, end, 128);
        end += std::strlen(end);
        if (bracket)
            *end++ = ']';
    }
    *end++ = ':';
    end = core::write_decimal(end, port);
    text.assign(buffer, static_cast<size_t>(end - buffer));
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

size_t SipFieldReader::read(proto_tree *tree, packet_info *pinfo, std::vector<core::SipMessageFacts> &messages) const
{
    if (!tree || hf_sip_ < 0)
        return 0;
    GPtrArray *sip_items = proto_get_finfo_ptr_array(tree, hf_sip_);
    if (!sip_items || sip_items->len == 0)
        return 0;

    size_t count = 0;
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
        if (count == messages.size())
            messages.emplace_back();
        core::SipMessageFacts &message = messages[count];
        if (!core::parse_sip_message_into(std::string_view(bytes, static_cast<size_t>(length)), message))
            continue; /* a continuation, or not a SIP start line: the slot is reused */
        if (count == 0) {
            endpoint_text(pinfo->src, pinfo->srcport, message.src_endpoint);
            endpoint_text(pinfo->dst, pinfo->destport, message.dst_endpoint);
        } else {
            message.src_endpoint.assign(messages[0].src_endpoint);
            message.dst_endpoint.assign(messages[0].dst_endpoint);
        }
        message.frame = pinfo->num;
        message.time = static_cast<double>(pinfo->abs_ts.secs) + pinfo->abs_ts.nsecs / 1e9;
        ++count;
    }
    return count;
}

} // namespace sipadvisor::ws
