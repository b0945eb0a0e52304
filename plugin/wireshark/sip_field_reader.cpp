/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wireshark/sip_field_reader.h"

#include "wireshark/compat.h"

#include <epan/address.h>
#include <epan/to_str.h>
#include <epan/proto.h>

#include <cstdlib>
#include <string>

namespace sipadvisor::ws {

namespace {

using ws_compat::field_string;
using ws_compat::field_uint;

const char *const kFieldNames[] = {
    ws_compat::kSipStatusCode, ws_compat::kSipMethod, ws_compat::kSipRequestUri, ws_compat::kSipCallId,
    ws_compat::kSipCSeqSeq, ws_compat::kSipCSeqMethod, ws_compat::kSipViaBranch,
    ws_compat::kSipViaSentByAddress, ws_compat::kSipViaSentByPort, ws_compat::kSipViaTransport,
    ws_compat::kSipFromTag, ws_compat::kSipToTag, ws_compat::kSipEvent, ws_compat::kSipETag,
    ws_compat::kSipIfMatch, ws_compat::kSipExpires, ws_compat::kSipContactUri,
    ws_compat::kSipContactParameter,
};
static_assert(sizeof kFieldNames / sizeof kFieldNames[0] == static_cast<size_t>(SipField::count));

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

/* At most kMaxTextLength bytes, cut on a UTF-8 character boundary so the
 * string fields we add stay valid UTF-8 (Wireshark's SIP strings are). */
std::string bounded(const char *text)
{
    size_t length = strnlen(text, SipFieldReader::kMaxTextLength + 1);
    if (length > SipFieldReader::kMaxTextLength) {
        length = SipFieldReader::kMaxTextLength;
        while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80)
            --length;
    }
    return std::string(text, length);
}

/* "presence;id=4" -> "presence": the event package names the entity. */
std::string without_parameters(const char *text)
{
    std::string value = bounded(text);
    size_t end = value.find_first_of("; \t");
    return end == std::string::npos ? value : value.substr(0, end);
}

std::string endpoint_text(const address &addr, uint32_t port)
{
    char *host = address_to_str(nullptr, &addr);
    std::string text = addr.type == AT_IPv6 ? std::string("[") + host + "]" : std::string(host);
    wmem_free(nullptr, host);
    return text + ":" + std::to_string(port);
}

/* A Contact parameter ("q=0.7", "expires=300") of the last contact seen. */
void apply_contact_parameter(core::ContactFacts &contact, const char *parameter)
{
    if (g_ascii_strncasecmp(parameter, "q=", 2) == 0) {
        char *end = nullptr;
        double q = g_ascii_strtod(parameter + 2, &end);
        if (end != parameter + 2 && q >= 0.0 && q <= 1.0)
            contact.q = q;
    } else if (g_ascii_strncasecmp(parameter, "expires=", 8) == 0) {
        char *end = nullptr;
        guint64 seconds = g_ascii_strtoull(parameter + 8, &end, 10);
        if (end != parameter + 8 && seconds <= G_MAXUINT32)
            contact.expires = static_cast<uint32_t>(seconds);
    }
}

} // namespace

bool SipFieldReader::resolve_fields()
{
    hf_sip_ = proto_registrar_get_id_byname(ws_compat::kSipProtocol);
    for (size_t i = 0; i < hf_.size(); ++i)
        hf_[i] = proto_registrar_get_id_byname(kFieldNames[i]);
    return hf_sip_ >= 0 && hf_[static_cast<size_t>(SipField::status_code)] >= 0;
}

GArray *SipFieldReader::new_wanted_hfids() const
{
    GArray *hfids = g_array_new(FALSE, FALSE, static_cast<guint>(sizeof(int)));
    g_array_append_val(hfids, hf_sip_);
    for (size_t i = 0; i < hf_.size(); ++i)
        if (hf_[i] >= 0 && wanted(static_cast<SipField>(i)))
            g_array_append_val(hfids, hf_[i]);
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

    std::vector<PduStart> pdus;
    pdus.reserve(sip_items->len);
    for (guint i = 0; i < sip_items->len; ++i) {
        auto *finfo = static_cast<field_info *>(g_ptr_array_index(sip_items, i));
        pdus.push_back({finfo->ds_tvb, finfo->start});
    }
    messages.resize(pdus.size());
    /* Positions for headers that repeat: a port belongs to the top Via
     * only if it lies before the second Via's address; a parameter belongs
     * to the contact that starts last before it. The slots are read in
     * enum order, so addresses and URIs are known before ports and
     * parameters. */
    std::vector<std::string> sent_by_ports(pdus.size());
    std::vector<std::array<int, 2>> via_address_starts(pdus.size(), {-1, -1});
    std::vector<std::vector<int>> contact_starts(pdus.size());
    const std::string source = transactions_ ? endpoint_text(pinfo->src, pinfo->srcport) : std::string();
    const std::string destination = transactions_ ? endpoint_text(pinfo->dst, pinfo->destport) : std::string();
    for (core::SipMessageFacts &message : messages) {
        message.frame = pinfo->num;
        message.time = static_cast<double>(pinfo->abs_ts.secs) + pinfo->abs_ts.nsecs / 1e9;
        message.is_request = true; /* until a Status-Code says otherwise */
        message.src_endpoint = source;
        message.dst_endpoint = destination;
    }

    for (size_t slot = 0; slot < hf_.size(); ++slot) {
        const auto field = static_cast<SipField>(slot);
        if (hf_[slot] < 0 || !wanted(field))
            continue;
        GPtrArray *items = proto_get_finfo_ptr_array(tree, hf_[slot]);
        if (!items)
            continue;
        /* Which PDUs already have this field: for a header that repeats
         * (Via), the first occurrence is the top one. */
        std::vector<bool> seen(pdus.size(), false);
        for (guint i = 0; i < items->len; ++i) {
            auto *finfo = static_cast<field_info *>(g_ptr_array_index(items, i));
            int pdu = owning_pdu(pdus, finfo);
            if (pdu < 0)
                continue;
            core::SipMessageFacts &message = messages[pdu];
            const bool first = !seen[pdu];
            seen[pdu] = true;
            switch (field) {
            case SipField::status_code:
                if (first) {
                    unsigned code = field_uint(finfo);
                    message.is_request = false;
                    message.status_code = static_cast<uint16_t>(code > 0xffff ? 0xffff : code);
                }
                break;
            case SipField::method: if (first) message.method = bounded(field_string(finfo)); break;
            case SipField::request_uri: if (first) message.request_uri = bounded(field_string(finfo)); break;
            case SipField::call_id: if (first) message.call_id = bounded(field_string(finfo)); break;
            case SipField::cseq_seq: if (first) message.cseq_seq = field_uint(finfo); break;
            case SipField::cseq_method: if (first) message.cseq_method = bounded(field_string(finfo)); break;
            case SipField::via_branch: if (first) message.via_branch = bounded(field_string(finfo)); break;
            case SipField::via_sent_by_address:
                if (first) {
                    message.via_sent_by = bounded(field_string(finfo));
                    via_address_starts[pdu][0] = finfo->start;
                } else if (via_address_starts[pdu][1] < 0) {
                    via_address_starts[pdu][1] = finfo->start;
                }
                break;
            case SipField::via_sent_by_port: {
                const auto &starts = via_address_starts[pdu];
                if (first && starts[0] >= 0 && finfo->start > starts[0] &&
                    (starts[1] < 0 || finfo->start < starts[1]))
                    sent_by_ports[pdu] = std::to_string(field_uint(finfo));
                break;
            }
            case SipField::via_transport: if (first) message.via_transport = bounded(field_string(finfo)); break;
            case SipField::from_tag: if (first) message.from_tag = bounded(field_string(finfo)); break;
            case SipField::to_tag: if (first) message.to_tag = bounded(field_string(finfo)); break;
            case SipField::event: if (first) message.event = without_parameters(field_string(finfo)); break;
            case SipField::etag: if (first) message.sip_etag = bounded(field_string(finfo)); break;
            case SipField::if_match: if (first) message.sip_if_match = bounded(field_string(finfo)); break;
            case SipField::expires: if (first) message.expires = field_uint(finfo); break;
            case SipField::contact_uri:
                if (message.contacts.size() < kMaxContacts) {
                    message.contacts.push_back({bounded(field_string(finfo)), std::nullopt, std::nullopt});
                    contact_starts[pdu].push_back(finfo->start);
                }
                break;
            case SipField::contact_parameter: {
                const std::vector<int> &starts = contact_starts[pdu];
                size_t owner = starts.size();
                for (size_t c = 0; c < starts.size() && starts[c] <= finfo->start; ++c)
                    owner = c;
                if (owner < starts.size())
                    apply_contact_parameter(message.contacts[owner], field_string(finfo));
                break;
            }
            case SipField::count: break;
            }
        }
    }
    for (size_t pdu = 0; pdu < messages.size(); ++pdu)
        if (!sent_by_ports[pdu].empty() && !messages[pdu].via_sent_by.empty())
            messages[pdu].via_sent_by += ":" + sent_by_ports[pdu];
    return messages;
}

} // namespace sipadvisor::ws
