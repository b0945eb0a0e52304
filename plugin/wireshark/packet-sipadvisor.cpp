/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Registration and tree writing: the thin Wireshark layer. It asks the SIP
 * dissector's fields for (sip_field_reader), hands them to the core on the
 * first pass, keeps the compact result per frame, and renders every visit
 * from that store, so a single pass, `tshark -2` and GUI re-dissection all
 * show the same thing.
 */
#include "wireshark/packet-sipadvisor.h"

#include "core/response_advisor.h"
#include "wireshark/compat.h"
#include "wireshark/sip_field_reader.h"

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include <string>
#include <vector>

namespace sipadvisor::ws {
namespace {

int proto_sipadvisor = -1;

int hf_code = -1;
int hf_phrase = -1;
int hf_class = -1;
int hf_severity = -1;
int hf_summary = -1;
int hf_meaning = -1;
int hf_cause = -1;
int hf_fix = -1;
int hf_rfc = -1;

int ett_sipadvisor = -1;

/* One expert-info entry per advice slot (see core::advise): users retune or
 * filter a single code by its name, e.g. sipadvisor.response.486. */
std::vector<expert_field> ei_advice;
std::vector<ei_register_info> ei_advice_register;

dissector_handle_t sipadvisor_handle;
SipFieldReader field_reader;
bool sip_fields_available = false;
int expert_tap_id = -1;

/* What the first pass learnt about one SIP response PDU. Kept small: one
 * per response for the life of the capture file. */
struct ResponseRecordEntry {
    uint16_t status_code;
};

struct FrameRecord {
    uint32_t response_count;
    ResponseRecordEntry responses[1]; /* response_count entries */
};

int severity_to_expert(core::Severity severity)
{
    switch (severity) {
    case core::Severity::chat: return PI_CHAT;
    case core::Severity::note: return PI_NOTE;
    case core::Severity::warn: return PI_WARN;
    case core::Severity::error: return PI_ERROR;
    }
    return PI_NOTE;
}

const FrameRecord *analyze_frame(proto_tree *tree, packet_info *pinfo)
{
    std::vector<core::SipMessageFacts> messages = field_reader.read(tree, pinfo);
    uint32_t responses = 0;
    for (const core::SipMessageFacts &message : messages)
        responses += message.is_request ? 0 : 1;
    if (responses == 0)
        return nullptr;

    size_t size = sizeof(FrameRecord) + (responses - 1) * sizeof(ResponseRecordEntry);
    auto *record = static_cast<FrameRecord *>(wmem_alloc0(wmem_file_scope(), size));
    for (const core::SipMessageFacts &message : messages)
        if (!message.is_request)
            record->responses[record->response_count++] = {message.status_code};
    p_add_proto_data(wmem_file_scope(), pinfo, proto_sipadvisor, 0, record);
    return record;
}

void add_string_if_wanted(proto_tree *tree, int hf, tvbuff_t *tvb, const std::string &text)
{
    proto_item *item = proto_tree_add_string(tree, hf, tvb, 0, 0, text.c_str());
    proto_item_set_generated(item);
}

void render_response(const ResponseRecordEntry &response, tvbuff_t *tvb, packet_info *pinfo,
                     proto_tree *tree, bool expert_wanted)
{
    const core::ResponseAdvice advice = core::advise(response.status_code);
    const core::ResponseRecord &record = *advice.record;
    const std::string phrase = core::advice_phrase(advice);

    proto_item *top = proto_tree_add_protocol_format(
        tree, proto_sipadvisor, tvb, 0, 0, "SIP Advisor: %u %s (%s)", advice.code, phrase.c_str(),
        core::severity_name(record.severity));
    proto_tree *subtree = proto_item_add_subtree(top, ett_sipadvisor);

    proto_item *code_item = proto_tree_add_uint(subtree, hf_code, tvb, 0, 0, advice.code);
    proto_item_set_generated(code_item);
    /* The strings cost more than the rest of the frame's work; build them
     * only when a visible tree or a filter will read them. */
    if (proto_field_is_referenced(subtree, hf_phrase))
        add_string_if_wanted(subtree, hf_phrase, tvb, phrase);
    if (proto_field_is_referenced(subtree, hf_class))
        add_string_if_wanted(subtree, hf_class, tvb, core::response_class_name(advice.code));
    if (proto_field_is_referenced(subtree, hf_severity))
        add_string_if_wanted(subtree, hf_severity, tvb, core::severity_name(record.severity));
    if (proto_field_is_referenced(subtree, hf_summary))
        add_string_if_wanted(subtree, hf_summary, tvb, record.summary);
    if (proto_field_is_referenced(subtree, hf_meaning))
        add_string_if_wanted(subtree, hf_meaning, tvb, core::advice_meaning(advice));
    if (proto_field_is_referenced(subtree, hf_cause))
        add_string_if_wanted(subtree, hf_cause, tvb, record.cause);
    if (proto_field_is_referenced(subtree, hf_fix))
        add_string_if_wanted(subtree, hf_fix, tvb, record.fix);
    if (proto_field_is_referenced(subtree, hf_rfc))
        add_string_if_wanted(subtree, hf_rfc, tvb, record.rfc);

    if (expert_wanted)
        expert_add_info_format(pinfo, top, &ei_advice[advice.slot], "%s",
                               core::advice_expert_message(advice).c_str());
}

int dissect_sipadvisor(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *)
{
    const FrameRecord *record;
    if (!PINFO_FD_VISITED(pinfo))
        record = analyze_frame(tree, pinfo);
    else
        record = static_cast<const FrameRecord *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_sipadvisor, 0));
    if (!record)
        return 0;

    /* Without a tree nothing shows the entries unless the expert tap
     * (tshark -z expert) listens; skip the message formatting then. */
    const bool expert_wanted = tree != nullptr || have_tap_listener(expert_tap_id);
    if (!tree && !expert_wanted)
        return 0;
    for (uint32_t i = 0; i < record->response_count; ++i)
        render_response(record->responses[i], tvb, pinfo, tree, expert_wanted);
    return tvb_captured_length(tvb);
}

/* Runs before every (re)dissection of a file. The SIP fields are requested
 * only while sipadvisor is enabled: wanting fields makes tshark build a tree
 * for every packet, which a disabled plugin must not cost anyone. */
void init_sipadvisor(void)
{
    const bool enabled = proto_is_protocol_enabled(find_protocol_by_id(proto_sipadvisor));
    set_postdissector_wanted_hfids(sipadvisor_handle,
                                   enabled && sip_fields_available ? field_reader.new_wanted_hfids() : nullptr);
}

void register_expert_entries()
{
    ei_advice.assign(core::kAdviceSlotCount, expert_field{EI_INIT_EI, -1});
    ei_advice_register.resize(core::kAdviceSlotCount);
    for (size_t slot = 0; slot < core::kAdviceSlotCount; ++slot) {
        const core::AdviceSlotInfo info = core::advice_slot_info(slot);
        gchar *name;
        gchar *summary;
        int group = PI_RESPONSE_CODE;
        switch (info.status) {
        case core::CodeStatus::registered:
            name = g_strdup_printf("sipadvisor.response.%u", info.code);
            summary = g_strdup_printf("SIP %u %s", info.code, info.record->phrase);
            break;
        case core::CodeStatus::unregistered:
            name = g_strdup_printf("sipadvisor.response.%uxx", info.code / 100);
            summary = g_strdup_printf("SIP unregistered %uxx code (handled as %u)", info.code / 100, info.code);
            break;
        case core::CodeStatus::invalid:
        default:
            name = g_strdup("sipadvisor.response.invalid");
            summary = g_strdup("SIP status code outside 100..699");
            group = PI_PROTOCOL;
            break;
        }
        /* The names and summaries live as long as the process, like the
         * expert module that points at them. */
        ei_register_info &entry = ei_advice_register[slot];
        entry = ei_register_info{&ei_advice[slot],
                                 {name, group, severity_to_expert(info.record->severity), summary, EXPFILL}};
    }
    expert_module_t *module = expert_register_protocol(proto_sipadvisor);
    expert_register_field_array(module, ei_advice_register.data(), static_cast<int>(ei_advice_register.size()));
}

} // namespace
} // namespace sipadvisor::ws

using namespace sipadvisor::ws;

void proto_register_sipadvisor(void)
{
    static hf_register_info hf[] = {
        {&hf_code, {"Status code", "sipadvisor.code", FT_UINT16, BASE_DEC, NULL, 0x0,
                    "Status code of the SIP response", HFILL}},
        {&hf_phrase, {"Reason phrase", "sipadvisor.phrase", FT_STRING, BASE_NONE, NULL, 0x0,
                      "Reason phrase of the code in the IANA registry", HFILL}},
        {&hf_class, {"Class", "sipadvisor.class", FT_STRING, BASE_NONE, NULL, 0x0,
                     "Response class (RFC 3261 section 7.2)", HFILL}},
        {&hf_severity, {"Severity", "sipadvisor.severity", FT_STRING, BASE_NONE, NULL, 0x0,
                        "Default severity of this code: chat, note, warn or error", HFILL}},
        {&hf_summary, {"Summary", "sipadvisor.summary", FT_STRING, BASE_NONE, NULL, 0x0,
                       "The gist and the fix in one line", HFILL}},
        {&hf_meaning, {"Meaning", "sipadvisor.meaning", FT_STRING, BASE_NONE, NULL, 0x0,
                       "What the response code says", HFILL}},
        {&hf_cause, {"Likely cause", "sipadvisor.cause", FT_STRING, BASE_NONE, NULL, 0x0,
                     "What most often leads to this response", HFILL}},
        {&hf_fix, {"Fix", "sipadvisor.fix", FT_STRING, BASE_NONE, NULL, 0x0,
                   "What to change to avoid this response", HFILL}},
        {&hf_rfc, {"Defined in", "sipadvisor.rfc", FT_STRING, BASE_NONE, NULL, 0x0,
                   "The RFC that defines the code", HFILL}},
    };
    static gint *ett[] = {&ett_sipadvisor};

    proto_sipadvisor = proto_register_protocol("SIP Advisor", "sipadvisor", "sipadvisor");
    proto_register_field_array(proto_sipadvisor, hf, G_N_ELEMENTS(hf));
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
    register_expert_entries();

    sipadvisor_handle = create_dissector_handle(dissect_sipadvisor, proto_sipadvisor);
    register_postdissector(sipadvisor_handle);
    register_init_routine(init_sipadvisor);
}

void proto_reg_handoff_sipadvisor(void)
{
    sip_fields_available = field_reader.resolve_fields();
    expert_tap_id = find_tap_id("expert");
}
