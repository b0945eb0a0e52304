/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Registration and tree writing: the thin Wireshark layer. It finds the SIP
 * messages of a frame (sip_field_reader), hands their facts to the core on
 * the first pass, keeps the compact result per frame, and renders every
 * visit from that store, so a single pass, `tshark -2` and GUI
 * re-dissection all show the same thing. The site overrides table and the
 * statistics tree have files of their own.
 */
#include "wireshark/packet-sipadvisor.h"

#include "core/annotation_store.h"
#include "core/correlation.h"
#include "core/correlation_text.h"
#include "core/evidence.h"
#include "core/pass_audience.h"
#include "core/response_advisor.h"
#include "core/site_overrides.h"
#include "wireshark/compat.h"
#include "wireshark/sip_field_reader.h"
#include "wireshark/site_overrides_uat.h"
#include "wireshark/statistics.h"

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <wsutil/wslog.h>

#include <cmath>
#include <memory>
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
int hf_request_frame = -1;
int hf_request_method = -1;
int hf_request_match = -1;
int hf_etag_if_match = -1;
int hf_etag_state = -1;
int hf_etag_issued_in = -1;
int hf_etag_expires = -1;
int hf_etag_elapsed = -1;
int hf_etag_superseded_by = -1;
int hf_etag_superseded_in = -1;
int hf_etag_removed_in = -1;
int hf_etag_other_entity = -1;
int hf_etag_other_issued_in = -1;
int hf_redirect_contact = -1;
int hf_redirect_contact_q = -1;
int hf_redirect_contact_expires = -1;
int hf_redirect_follows = -1;
int hf_redirect_ignored = -1;
int hf_redirect_followed_in = -1;
int hf_evidence = -1;

int ett_sipadvisor = -1;
int ett_etag = -1;
int ett_redirect = -1;
int ett_contact = -1;

expert_field ei_request_not_in_capture = EI_INIT;
expert_field ei_request_state_full = EI_INIT;
expert_field ei_request_timed_out = EI_INIT;
expert_field ei_etag_superseded = EI_INIT;
expert_field ei_etag_removed = EI_INIT;
expert_field ei_etag_expired = EI_INIT;
expert_field ei_etag_unknown = EI_INIT;
expert_field ei_etag_live = EI_INIT;
expert_field ei_redirect_no_contact = EI_INIT;
expert_field ei_redirect_ignored = EI_INIT;

/* One expert-info entry per advice slot (see core::advise): users retune or
 * filter a single code by its name, e.g. sipadvisor.response.486. */
expert_field *ei_advice = nullptr;               /* kAdviceSlotCount entries */
ei_register_info *ei_advice_register = nullptr;  /* kAdviceSlotCount entries */

dissector_handle_t sipadvisor_handle;
SipFieldReader field_reader;
bool sip_fields_available = false;
int expert_tap_id = -1;
int proto_ws_expert = -1; /* "_ws.expert", the parent of every expert field */

/* Per capture file: the correlation state and the first pass's results.
 * Cleared when the file closes (cleanup routine). */
std::unique_ptr<core::CorrelationEngine> correlation_engine = std::make_unique<core::CorrelationEngine>();
core::AnnotationStore annotation_store;
core::EvidenceTracker evidence_tracker;
core::PassAudience pass_audience;

/* Preferences (Edit > Preferences > Protocols > sipadvisor). */
ws_compat::pref_bool pref_match_transactions = TRUE;
ws_compat::pref_bool pref_diagnose_etags = TRUE;
ws_compat::pref_bool pref_follow_redirects = TRUE;
ws_compat::pref_bool pref_read_evidence = TRUE;
guint pref_redirect_window = 3600;
ws_compat::pref_bool pref_skip_unseen = TRUE;
enum RoutineSeverity { routine_chat, routine_note, routine_none };
gint pref_routine_severity = routine_chat;
const enum_val_t routine_severity_values[] = {
    {"chat", "Chat (default)", routine_chat},
    {"note", "Note", routine_note},
    {"none", "No Expert Info entry", routine_none},
    {NULL, NULL, -1},
};

expert_field ei_site[4] = {EI_INIT, EI_INIT, EI_INIT, EI_INIT}; /* by Severity */
/* A response whose evidence changed its severity (e.g. a repeated 401). */
expert_field ei_evidence[4] = {EI_INIT, EI_INIT, EI_INIT, EI_INIT};

/* The per-frame record, in wmem file scope: the annotations of the SIP PDUs
 * of that frame worth showing, in tree order. */
struct FrameRecord {
    uint32_t count;
    core::PduAnnotation pdus[1]; /* count entries */
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

/* What the engine says, less what the preferences switched off. */
void apply_correlation_preferences(core::MessageCorrelation &correlation)
{
    if (!pref_diagnose_etags)
        correlation.etag.reset();
    if (!pref_follow_redirects) {
        correlation.redirect.reset();
        correlation.redirect_follows = 0;
        correlation.redirect_ignored = 0;
    }
}

const FrameRecord *analyze_frame(proto_tree *tree, packet_info *pinfo)
{
    /* Message slots reused frame after frame (see SipFieldReader::read). */
    static std::vector<core::SipMessageFacts> messages;
    const size_t count = field_reader.read(tree, pinfo, messages);
    /* Reused too: a vector made per frame cost an allocation each. */
    static std::vector<core::PduAnnotation> kept;
    kept.clear();
    for (size_t m = 0; m < count; ++m) {
        const core::SipMessageFacts &message = messages[m];
        /* With transaction matching off nothing is correlated, and the
         * evidence reader works without the request. */
        core::MessageCorrelation correlation =
            pref_match_transactions ? correlation_engine->on_message(message) : core::MessageCorrelation{};
        core::EvidenceFindings evidence =
            pref_read_evidence ? evidence_tracker.on_message(message, correlation) : core::EvidenceFindings{};
        apply_correlation_preferences(correlation);
        core::PduAnnotation annotation = annotation_store.add(message, std::move(correlation), std::move(evidence));
        annotation.correlated = pref_match_transactions;
        if (core::AnnotationStore::worth_keeping(annotation))
            kept.push_back(annotation);
    }
    if (kept.empty())
        return nullptr;

    size_t size = sizeof(FrameRecord) + (kept.size() - 1) * sizeof(core::PduAnnotation);
    auto *record = static_cast<FrameRecord *>(wmem_alloc0(wmem_file_scope(), size));
    record->count = static_cast<uint32_t>(kept.size());
    std::copy(kept.begin(), kept.end(), record->pdus);
    p_add_proto_data(wmem_file_scope(), pinfo, proto_sipadvisor, 0, record);
    return record;
}

void add_string_if_wanted(proto_tree *tree, int hf, tvbuff_t *tvb, const std::string &text)
{
    proto_item *item = proto_tree_add_string(tree, hf, tvb, 0, 0, text.c_str());
    proto_item_set_generated(item);
}

proto_item *add_frame_link(proto_tree *tree, int hf, tvbuff_t *tvb, uint32_t frame)
{
    proto_item *item = proto_tree_add_uint(tree, hf, tvb, 0, 0, frame);
    proto_item_set_generated(item);
    return item;
}

void render_request_match(const core::PduAnnotation &pdu, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                          proto_item *top, bool expert_wanted)
{
    if (pdu.request_frame)
        add_frame_link(tree, hf_request_frame, tvb, pdu.request_frame);
    const std::string &method = annotation_store.method_name(pdu.request_method);
    if (!method.empty())
        proto_item_set_generated(proto_tree_add_string(tree, hf_request_method, tvb, 0, 0, method.c_str()));
    proto_item_set_generated(
        proto_tree_add_string(tree, hf_request_match, tvb, 0, 0, core::request_match_name(pdu.request_match)));
    if (!expert_wanted)
        return;
    expert_field *entry = nullptr;
    switch (pdu.request_match) {
    case core::RequestMatch::not_in_capture: entry = &ei_request_not_in_capture; break;
    case core::RequestMatch::gave_up_state_full: entry = &ei_request_state_full; break;
    case core::RequestMatch::timed_out: entry = &ei_request_timed_out; break;
    default: break;
    }
    if (entry)
        expert_add_info_format(
            pinfo, top, entry, "%s",
            core::without_frame_references(core::request_match_message(pdu.request_match, pdu.request_frame))
                .c_str());
}

void render_etag(const core::EtagDiagnosis &etag, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                 bool expert_wanted)
{
    proto_item *etag_item = proto_tree_add_string(tree, hf_etag_state, tvb, 0, 0, core::etag_state_name(etag.state));
    proto_item_set_generated(etag_item);
    proto_tree *etag_tree = proto_item_add_subtree(etag_item, ett_etag);
    proto_item_set_generated(proto_tree_add_string(etag_tree, hf_etag_if_match, tvb, 0, 0, etag.if_match.c_str()));
    if (etag.issued_in) {
        add_frame_link(etag_tree, hf_etag_issued_in, tvb, etag.issued_in);
        proto_item_set_generated(proto_tree_add_uint(etag_tree, hf_etag_expires, tvb, 0, 0, etag.expires));
        /* Capture timestamps as doubles carry ~1e-7 s of noise: show ms. */
        const double elapsed_ms = std::round(etag.elapsed * 1000.0) / 1000.0;
        proto_item_set_generated(proto_tree_add_double(etag_tree, hf_etag_elapsed, tvb, 0, 0, elapsed_ms));
    }
    if (etag.state == core::EtagState::superseded) {
        proto_item_set_generated(
            proto_tree_add_string(etag_tree, hf_etag_superseded_by, tvb, 0, 0, etag.superseded_by.c_str()));
        add_frame_link(etag_tree, hf_etag_superseded_in, tvb, etag.superseded_in);
    }
    if (etag.state == core::EtagState::removed)
        add_frame_link(etag_tree, hf_etag_removed_in, tvb, etag.removed_in);
    if (!etag.other_entity.empty()) {
        proto_item_set_generated(
            proto_tree_add_string(etag_tree, hf_etag_other_entity, tvb, 0, 0, etag.other_entity.c_str()));
        add_frame_link(etag_tree, hf_etag_other_issued_in, tvb, etag.other_issued_in);
    }
    if (!expert_wanted)
        return;
    expert_field *entry = &ei_etag_unknown;
    switch (etag.state) {
    case core::EtagState::superseded: entry = &ei_etag_superseded; break;
    case core::EtagState::removed: entry = &ei_etag_removed; break;
    case core::EtagState::expired: entry = &ei_etag_expired; break;
    case core::EtagState::unknown: entry = &ei_etag_unknown; break;
    case core::EtagState::live: entry = &ei_etag_live; break;
    }
    expert_add_info_format(pinfo, etag_item, entry, "%s",
                           core::without_frame_references(core::etag_diagnosis_message(etag)).c_str());
}

void render_redirect(const core::RedirectInfo &redirect, uint32_t frame, tvbuff_t *tvb, packet_info *pinfo,
                     proto_tree *tree, proto_item *top, bool expert_wanted)
{
    for (const core::ContactFacts &contact : redirect.contacts) {
        proto_item *item = proto_tree_add_string(tree, hf_redirect_contact, tvb, 0, 0, contact.uri.c_str());
        proto_item_set_generated(item);
        if (contact.q || contact.expires) {
            proto_tree *contact_tree = proto_item_add_subtree(item, ett_contact);
            if (contact.q)
                proto_item_set_generated(proto_tree_add_double(contact_tree, hf_redirect_contact_q, tvb, 0, 0, *contact.q));
            if (contact.expires)
                proto_item_set_generated(
                    proto_tree_add_uint(contact_tree, hf_redirect_contact_expires, tvb, 0, 0, *contact.expires));
        }
    }
    /* Known only once the whole capture was read: -2 and the GUI show it. */
    if (uint32_t followed_in = correlation_engine->followed_in(frame))
        add_frame_link(tree, hf_redirect_followed_in, tvb, followed_in);
    if (redirect.missing_contact && expert_wanted)
        expert_add_info(pinfo, top, &ei_redirect_no_contact);
}

/* One line for Expert Info when the site table changed the advice. */
std::string site_expert_message(const core::ResponseAdvice &advice, const core::EffectiveAdvice &effective,
                                const core::SiteOverride &site)
{
    std::string text = std::to_string(advice.code) + " " + core::advice_phrase(advice) + " [site]: ";
    text += site.meaning.empty() ? std::string(advice.record->summary) : site.meaning;
    if (!site.fix.empty())
        text += std::string(" Fix: ") + effective.fix;
    return text;
}

void render_response(const core::PduAnnotation &pdu, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                     bool expert_wanted, TapRecord *tap)
{
    const core::ResponseAdvice advice = core::advise(pdu.status_code);
    const core::ResponseRecord &record = *advice.record;
    const core::SiteOverride *site = site_overrides().find(advice.code);
    core::EffectiveAdvice effective = core::effective_advice(advice, site);
    const core::PduDetail *detail = annotation_store.detail(pdu);
    const core::EvidenceFindings *evidence = detail && detail->evidence ? &*detail->evidence : nullptr;
    /* The site's words win over the evidence, the evidence over the
     * generic record. */
    std::string evidence_fix;
    if (evidence && !(site && !site->fix.empty()) && !evidence->fix.empty()) {
        evidence_fix = core::folded_fix(effective.fix, *evidence);
        effective.fix = evidence_fix.c_str();
    }
    const bool evidence_severity = evidence && evidence->severity && !effective.severity_overridden;
    if (evidence_severity)
        effective.severity = *evidence->severity;
    const std::string phrase = core::advice_phrase(advice);
    if (tap)
        tap->severity = effective.severity;

    /* The label only where it can be read: Wireshark formats a protocol
     * item's text even into a hidden tree (~3k instructions per response
     * under -Y sipadvisor), where only the item's presence matters. */
    const bool shown = tree && PTREE_DATA(tree)->visible;
    proto_item *top = shown ? proto_tree_add_protocol_format(tree, proto_sipadvisor, tvb, 0, 0,
                                                             "SIP Advisor: %u %s (%s%s)", advice.code, phrase.c_str(),
                                                             core::severity_name(effective.severity),
                                                             site ? ", site override" : "")
                            : proto_tree_add_item(tree, proto_sipadvisor, tvb, 0, 0, ENC_NA);
    /* The finding that matters most, readable with the subtree closed. */
    if (shown) {
        if (detail && detail->etag)
            proto_item_append_text(top, ": SIP-If-Match %s %s", core::shortened(detail->etag->if_match).c_str(),
                                   core::etag_state_name(detail->etag->state));
        else if (detail && detail->redirect)
            proto_item_append_text(top, detail->redirect->missing_contact ? ": no Contact" : ": %zu Contact%s",
                                   detail->redirect->contacts.size(),
                                   detail->redirect->contacts.size() == 1 ? "" : "s");
        else if (pdu.correlated && pdu.request_match == core::RequestMatch::not_in_capture)
            proto_item_append_text(top, ": request not in the capture");
    }
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
        add_string_if_wanted(subtree, hf_severity, tvb, core::severity_name(effective.severity));
    if (proto_field_is_referenced(subtree, hf_summary))
        add_string_if_wanted(subtree, hf_summary, tvb, record.summary);
    if (proto_field_is_referenced(subtree, hf_meaning))
        add_string_if_wanted(subtree, hf_meaning, tvb, core::effective_meaning(advice, site));
    if (proto_field_is_referenced(subtree, hf_cause))
        add_string_if_wanted(subtree, hf_cause, tvb, effective.cause);
    if (proto_field_is_referenced(subtree, hf_fix))
        add_string_if_wanted(subtree, hf_fix, tvb, effective.fix);
    if (proto_field_is_referenced(subtree, hf_rfc))
        add_string_if_wanted(subtree, hf_rfc, tvb, record.rfc);
    if (evidence && proto_field_is_referenced(subtree, hf_evidence))
        for (const core::EvidenceItem &item : evidence->items)
            proto_item_set_generated(proto_tree_add_string_format_value(
                subtree, hf_evidence, tvb, 0, 0, (item.label + ": " + item.value).c_str(), "%s: %s",
                item.label.c_str(), item.value.c_str()));

    if (expert_wanted) {
        /* The evidence's own sentence is more specific than the summary;
         * its frame references stay in the fields (see
         * without_frame_references). */
        std::string message =
            site ? site_expert_message(advice, effective, *site)
            : evidence && !evidence->fix.empty()
                ? core::without_frame_references(std::to_string(advice.code) + " " + phrase + ": " + evidence->fix)
                : core::advice_expert_message(advice);
        if (site && site->severity)
            expert_add_info_format(pinfo, top, &ei_site[static_cast<int>(*site->severity)], "%s", message.c_str());
        else if (evidence_severity)
            expert_add_info_format(pinfo, top, &ei_evidence[static_cast<int>(effective.severity)], "%s",
                                   message.c_str());
        else if (!(record.severity == core::Severity::chat && pref_routine_severity == routine_none))
            expert_add_info_format(pinfo, top, &ei_advice[advice.slot], "%s", message.c_str());
    }

    if (!pdu.correlated)
        return;
    render_request_match(pdu, tvb, pinfo, subtree, top, expert_wanted);
    const std::string &method = annotation_store.method_name(pdu.request_method);
    if (tap && !method.empty())
        tap->request_method = wmem_strdup(pinfo->pool, method.c_str());
    if (detail) {
        if (detail->etag) {
            render_etag(*detail->etag, tvb, pinfo, subtree, expert_wanted);
            if (tap)
                tap->etag_state = static_cast<int>(detail->etag->state);
        }
        if (detail->redirect) {
            render_redirect(*detail->redirect, pinfo->num, tvb, pinfo, subtree, top, expert_wanted);
            if (tap)
                tap->redirect_without_contact = detail->redirect->missing_contact;
        }
    }
}

/* A request gets a subtree only when it has a redirect verdict. */
void render_request(const core::PduAnnotation &pdu, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                    bool expert_wanted, TapRecord *tap)
{
    const core::PduDetail *detail = annotation_store.detail(pdu);
    if (!detail)
        return;
    if (tap) {
        tap->redirect_follows = detail->redirect_follows;
        tap->redirect_ignored = detail->redirect_ignored;
    }
    const char *what = detail->redirect_ignored   ? "request ignores a 301 Moved Permanently"
                       : detail->redirect_follows ? "request follows a redirect"
                                                  : "request carries a Reason";
    proto_item *top = tree && PTREE_DATA(tree)->visible
                          ? proto_tree_add_protocol_format(tree, proto_sipadvisor, tvb, 0, 0, "SIP Advisor: %s", what)
                          : proto_tree_add_item(tree, proto_sipadvisor, tvb, 0, 0, ENC_NA);
    proto_tree *subtree = proto_item_add_subtree(top, ett_sipadvisor);
    if (const core::EvidenceFindings *evidence = detail->evidence ? &*detail->evidence : nullptr) {
        std::string summary;
        for (const core::EvidenceItem &item : evidence->items) {
            proto_item_set_generated(proto_tree_add_string_format_value(
                subtree, hf_evidence, tvb, 0, 0, (item.label + ": " + item.value).c_str(), "%s: %s",
                item.label.c_str(), item.value.c_str()));
            if (summary.empty())
                summary = item.label + " " + item.value;
        }
        if (expert_wanted && !summary.empty()) {
            const core::Severity severity = evidence->severity.value_or(core::Severity::chat);
            std::string message = summary;
            if (!evidence->fix.empty())
                message += ". " + evidence->fix;
            message = core::without_frame_references(message);
            expert_add_info_format(pinfo, top, &ei_evidence[static_cast<int>(severity)], "%s", message.c_str());
        }
    }
    if (detail->redirect_follows)
        add_frame_link(subtree, hf_redirect_follows, tvb, detail->redirect_follows);
    if (detail->redirect_ignored) {
        proto_item *item = add_frame_link(subtree, hf_redirect_ignored, tvb, detail->redirect_ignored);
        if (expert_wanted)
            expert_add_info(pinfo, item, &ei_redirect_ignored);
    }
}

/* Whether to skip the analysis of this first-pass frame because nothing
 * can ever show it (core/pass_audience.h); says so once per file in the
 * log (`tshark --log-level info`), so the choice can be checked. */
bool analysis_unseen(packet_info *pinfo, bool output_read)
{
    if (!pref_skip_unseen)
        return false;
    core::FirstPassFrame frame;
    frame.number = pinfo->num;
    frame.frame_record = pinfo->fd;
    frame.columns_filled = pinfo->cinfo != nullptr;
    frame.output_read = output_read;
    if (!pass_audience.unseen(frame))
        return false;
    if (pass_audience.first_unseen_frame() == pinfo->num)
        ws_log("sipadvisor", LOG_LEVEL_INFO,
               "analysis skipped from frame %u: a single pass that shows no packet details and reads no "
               "sipadvisor field, Expert Info or statistics cannot show it",
               pinfo->num);
    return true;
}

int dissect_sipadvisor(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *)
{
    /* The `sip` items this frame's messages are read from. */
    proto_tree *const sip_tree = tree;
    /* Our tree items matter when the tree is shown or a filter, a column
     * or a colouring rule reads one of our fields (that marks the protocol
     * as referenced) or an expert field; Expert Info entries also when the
     * expert tap listens. tshark -r without any of these builds a hidden
     * tree only because we asked for the `sip` items: rendering into it
     * would be work nobody sees. */
    const bool expert_fields_read = tree && proto_ws_expert > 0 && proto_field_is_referenced(tree, proto_ws_expert);
    if (tree && !proto_field_is_referenced(tree, proto_sipadvisor) && !expert_fields_read)
        tree = nullptr;
    /* Expert entries cost ~10k instructions each (formatted text, their
     * own subtree): add them when someone can see them, i.e. the tree is
     * shown (-V, -T fields/pdml/json, the GUI's packet details), a filter
     * or column reads an expert field, or the expert tap listens (-z
     * expert, the GUI's Expert Information). Not for `-Y sipadvisor`. */
    const bool expert_wanted = (tree && (PTREE_DATA(tree)->visible || expert_fields_read)) ||
                               have_tap_listener(expert_tap_id);
    const bool tap_wanted = have_tap_listener(statistics_tap());
    const bool output_read = tree || expert_wanted || tap_wanted;

    const FrameRecord *record;
    if (PINFO_FD_VISITED(pinfo))
        record = static_cast<const FrameRecord *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_sipadvisor, 0));
    else if (analysis_unseen(pinfo, output_read))
        return 0;
    else
        record = analyze_frame(sip_tree, pinfo);
    if (!record || !output_read)
        return 0;
    for (uint32_t i = 0; i < record->count; ++i) {
        const core::PduAnnotation &pdu = record->pdus[i];
        TapRecord *tap = nullptr;
        if (tap_wanted) {
            tap = wmem_new0(pinfo->pool, TapRecord);
            tap->status_code = pdu.status_code;
            tap->request_method = "";
            tap->etag_state = -1;
        }
        if (pdu.is_request)
            render_request(pdu, tvb, pinfo, tree, expert_wanted, tap);
        else
            render_response(pdu, tvb, pinfo, tree, expert_wanted, tap);
        if (tap)
            tap_queue_packet(statistics_tap(), pinfo, tap);
    }
    return tvb_captured_length(tvb);
}

/* Applies the routine-severity preference to the expert entries of the
 * codes whose built-in severity is chat. */
void apply_routine_severity()
{
    for (size_t slot = 0; slot < core::kAdviceSlotCount; ++slot) {
        expert_field_info &info = ei_advice_register[slot].eiinfo;
        if (core::advice_slot_info(slot).record->severity != core::Severity::chat)
            continue;
        info.severity = pref_routine_severity == routine_note ? PI_NOTE : PI_CHAT;
    }
}

/* Runs before every (re)dissection of a file. The SIP fields are requested
 * only while sipadvisor is enabled: wanting fields makes tshark build a tree
 * for every packet, which a disabled plugin must not cost anyone. */
void init_sipadvisor(void)
{
    /* Wireshark registers the "expert" tap after the plugins' handoffs, so
     * it is looked up here, before each dissection. */
    expert_tap_id = find_tap_id("expert");
    proto_ws_expert = proto_registrar_get_id_byname("_ws.expert");
    const bool enabled = proto_is_protocol_enabled(find_protocol_by_id(proto_sipadvisor));
    set_postdissector_wanted_hfids(sipadvisor_handle,
                                   enabled && sip_fields_available ? field_reader.new_wanted_hfids() : nullptr);
    core::CorrelationLimits limits;
    limits.redirect_window = pref_redirect_window;
    correlation_engine = std::make_unique<core::CorrelationEngine>(limits);
    pass_audience.reset();
    apply_routine_severity();
    if (enabled)
        reload_site_overrides();
}

/* The capture file closed (or is about to be dissected again). */
void cleanup_sipadvisor(void)
{
    correlation_engine->clear();
    evidence_tracker.clear();
    annotation_store.clear();
    pass_audience.reset();
}

void register_expert_entries()
{
    /* Allocated once and never freed, like the expert module that points
     * into them (a static std::vector would be destroyed at exit while
     * Wireshark still holds the pointers). */
    ei_advice = g_new0(expert_field, core::kAdviceSlotCount);
    ei_advice_register = g_new0(ei_register_info, core::kAdviceSlotCount);
    for (size_t slot = 0; slot < core::kAdviceSlotCount; ++slot)
        ei_advice[slot] = expert_field{EI_INIT_EI, -1};
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
    expert_register_field_array(module, ei_advice_register, static_cast<int>(core::kAdviceSlotCount));

    static ei_register_info correlation_entries[] = {
        {&ei_request_not_in_capture, {"sipadvisor.request.not_in_capture", PI_SEQUENCE, PI_NOTE,
                                      "The request of this response is not in the capture", EXPFILL}},
        {&ei_request_state_full, {"sipadvisor.request.state_full", PI_SEQUENCE, PI_NOTE,
                                  "Request not matched: transaction table full (bounded memory)", EXPFILL}},
        {&ei_request_timed_out, {"sipadvisor.request.timed_out", PI_SEQUENCE, PI_NOTE,
                                 "Late response: its transaction had timed out", EXPFILL}},
        {&ei_etag_superseded, {"sipadvisor.etag.superseded", PI_SEQUENCE, PI_WARN,
                               "412: the SIP-If-Match entity-tag had been superseded", EXPFILL}},
        {&ei_etag_removed, {"sipadvisor.etag.removed", PI_SEQUENCE, PI_WARN,
                            "412: the SIP-If-Match entity-tag had been removed", EXPFILL}},
        {&ei_etag_expired, {"sipadvisor.etag.expired", PI_SEQUENCE, PI_WARN,
                            "412: the SIP-If-Match entity-tag had expired", EXPFILL}},
        {&ei_etag_unknown, {"sipadvisor.etag.unknown", PI_SEQUENCE, PI_WARN,
                            "412: the SIP-If-Match entity-tag was never issued in this capture", EXPFILL}},
        {&ei_etag_live, {"sipadvisor.etag.live", PI_SEQUENCE, PI_ERROR,
                         "412: the server lost an entity-tag that should still be live", EXPFILL}},
        {&ei_redirect_no_contact, {"sipadvisor.redirect.no_contact", PI_PROTOCOL, PI_WARN,
                                   "3xx without Contact: the client has nowhere to go (RFC 3261 section 21.3)",
                                   EXPFILL}},
        {&ei_redirect_ignored, {"sipadvisor.redirect.ignores_301", PI_SEQUENCE, PI_WARN,
                                "Request still targets a URI that a 301 Moved Permanently moved: the client "
                                "ignores a permanent move. Fix: update its address book or routing table to the "
                                "301's Contact",
                                EXPFILL}},
    };
    expert_register_field_array(module, correlation_entries, G_N_ELEMENTS(correlation_entries));

    static ei_register_info site_entries[] = {
        {&ei_site[0], {"sipadvisor.site.chat", PI_RESPONSE_CODE, PI_CHAT,
                       "Response with a site override (chat)", EXPFILL}},
        {&ei_site[1], {"sipadvisor.site.note", PI_RESPONSE_CODE, PI_NOTE,
                       "Response with a site override (note)", EXPFILL}},
        {&ei_site[2], {"sipadvisor.site.warn", PI_RESPONSE_CODE, PI_WARN,
                       "Response with a site override (warn)", EXPFILL}},
        {&ei_site[3], {"sipadvisor.site.error", PI_RESPONSE_CODE, PI_ERROR,
                       "Response with a site override (error)", EXPFILL}},
    };
    expert_register_field_array(module, site_entries, G_N_ELEMENTS(site_entries));

    static ei_register_info evidence_entries[] = {
        {&ei_evidence[0], {"sipadvisor.evidence.chat", PI_RESPONSE_CODE, PI_CHAT,
                           "Evidence in the message (chat), e.g. a Reason header or a 487 after CANCEL",
                           EXPFILL}},
        {&ei_evidence[1], {"sipadvisor.evidence.note", PI_RESPONSE_CODE, PI_NOTE,
                           "Evidence in the message changes the advice (note)", EXPFILL}},
        {&ei_evidence[2], {"sipadvisor.evidence.warn", PI_RESPONSE_CODE, PI_WARN,
                           "Evidence in the message raises the severity, e.g. a repeated challenge (warn)",
                           EXPFILL}},
        {&ei_evidence[3], {"sipadvisor.evidence.error", PI_RESPONSE_CODE, PI_ERROR,
                           "Evidence in the message raises the severity (error)", EXPFILL}},
    };
    expert_register_field_array(module, evidence_entries, G_N_ELEMENTS(evidence_entries));
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
        {&hf_request_frame, {"Request in", "sipadvisor.request_frame", FT_FRAMENUM, BASE_NONE,
                             FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
                             "Frame of the request this response answers (RFC 3261 section 17.1.3)", HFILL}},
        {&hf_request_method, {"Request method", "sipadvisor.request_method", FT_STRING, BASE_NONE, NULL, 0x0,
                              "Method of the request this response answers", HFILL}},
        {&hf_request_match, {"Matched by", "sipadvisor.request_match", FT_STRING, BASE_NONE, NULL, 0x0,
                             "via-branch, rfc2543, not-in-capture, state-full or timed-out", HFILL}},
        {&hf_etag_state, {"Entity-tag state", "sipadvisor.etag.state", FT_STRING, BASE_NONE, NULL, 0x0,
                          "412 to PUBLISH: superseded, removed, expired, unknown or live (RFC 3903)", HFILL}},
        {&hf_etag_if_match, {"SIP-If-Match", "sipadvisor.etag.if_match", FT_STRING, BASE_NONE, NULL, 0x0,
                             "The entity-tag the refused PUBLISH named", HFILL}},
        {&hf_etag_issued_in, {"Issued in", "sipadvisor.etag.issued_in", FT_FRAMENUM, BASE_NONE,
                              FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                              "Frame of the 2xx that last issued or refreshed the entity-tag", HFILL}},
        {&hf_etag_expires, {"Granted expires", "sipadvisor.etag.expires", FT_UINT32, BASE_DEC, NULL, 0x0,
                            "Seconds the publication was granted when the tag was issued", HFILL}},
        {&hf_etag_elapsed, {"Elapsed since issue", "sipadvisor.etag.elapsed", FT_DOUBLE, BASE_NONE, NULL, 0x0,
                            "Seconds between that 2xx and the refused PUBLISH", HFILL}},
        {&hf_etag_superseded_by, {"Superseded by", "sipadvisor.etag.superseded_by", FT_STRING, BASE_NONE, NULL,
                                  0x0, "The entity-tag that replaced it", HFILL}},
        {&hf_etag_superseded_in, {"Superseded in", "sipadvisor.etag.superseded_in", FT_FRAMENUM, BASE_NONE,
                                  FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                                  "Frame of the 2xx that issued the replacing tag", HFILL}},
        {&hf_etag_removed_in, {"Removed in", "sipadvisor.etag.removed_in", FT_FRAMENUM, BASE_NONE,
                               FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                               "Frame of the 2xx that confirmed the removal (Expires: 0)", HFILL}},
        {&hf_etag_other_entity, {"Issued for another resource", "sipadvisor.etag.other_entity", FT_STRING,
                                 BASE_NONE, NULL, 0x0,
                                 "unknown: the Request-URI the tag was issued for (sent to the wrong resource)",
                                 HFILL}},
        {&hf_etag_other_issued_in, {"Issued there in", "sipadvisor.etag.other_issued_in", FT_FRAMENUM, BASE_NONE,
                                    FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                                    "Frame of the 2xx that issued the tag for that other resource", HFILL}},
        {&hf_redirect_contact, {"Redirect contact", "sipadvisor.redirect.contact", FT_STRING, BASE_NONE, NULL, 0x0,
                                "Where a 3xx sends the client, one per Contact URI", HFILL}},
        {&hf_redirect_contact_q, {"q", "sipadvisor.redirect.contact.q", FT_DOUBLE, BASE_NONE, NULL, 0x0,
                                  "Preference of the contact (higher first)", HFILL}},
        {&hf_redirect_contact_expires, {"Expires", "sipadvisor.redirect.contact.expires", FT_UINT32, BASE_DEC,
                                        NULL, 0x0, "Seconds the contact stays valid", HFILL}},
        {&hf_redirect_follows, {"Follows the redirect in", "sipadvisor.redirect.follows", FT_FRAMENUM, BASE_NONE,
                                FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                                "This request targets a Contact of the 3xx in that frame", HFILL}},
        {&hf_redirect_ignored, {"Ignores the 301 in", "sipadvisor.redirect.ignored", FT_FRAMENUM, BASE_NONE,
                                FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                                "This request still targets the URI a 301 in that frame moved", HFILL}},
        {&hf_evidence, {"Evidence", "sipadvisor.evidence", FT_STRING, BASE_NONE, NULL, 0x0,
                        "What the message's own headers (and its request's) say, e.g. \"Min-Expires: 60\"",
                        HFILL}},
        {&hf_redirect_followed_in, {"Followed in", "sipadvisor.redirect.followed_in", FT_FRAMENUM, BASE_NONE,
                                    FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
                                    "First request that used a Contact of this 3xx (two-pass and GUI)", HFILL}},
    };
    static gint *ett[] = {&ett_sipadvisor, &ett_etag, &ett_redirect, &ett_contact};

    proto_sipadvisor = proto_register_protocol("SIP Advisor", "sipadvisor", "sipadvisor");
    proto_register_field_array(proto_sipadvisor, hf, G_N_ELEMENTS(hf));
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
    register_expert_entries();

    sipadvisor_handle = create_dissector_handle(dissect_sipadvisor, proto_sipadvisor);
    register_postdissector(sipadvisor_handle);
    register_init_routine(init_sipadvisor);
    register_cleanup_routine(cleanup_sipadvisor);

    module_t *prefs = prefs_register_protocol(proto_sipadvisor, nullptr);
    prefs_register_bool_preference(prefs, "match_transactions", "Match responses to requests",
                                   "Tie every response to its request (RFC 3261 transactions). The entity-tag "
                                   "and redirect analyses need it.",
                                   &pref_match_transactions);
    prefs_register_bool_preference(prefs, "diagnose_etags", "Diagnose 412 from the entity-tag history",
                                   "Keep the SIP-ETag history of every published entity (RFC 3903) and explain "
                                   "each 412 Conditional Request Failed.",
                                   &pref_diagnose_etags);
    prefs_register_bool_preference(prefs, "follow_redirects", "Follow 3xx redirects",
                                   "List the Contacts of every 3xx and flag the requests that follow or ignore "
                                   "them.",
                                   &pref_follow_redirects);
    prefs_register_bool_preference(prefs, "read_evidence", "Read the evidence in each message",
                                   "Turn Retry-After, Min-Expires, Allow, Unsupported, Min-SE, Allow-Events, "
                                   "Accept, Warning, Reason and repeated challenges into a specific fix.",
                                   &pref_read_evidence);
    prefs_register_uint_preference(prefs, "redirect_window", "Redirect follow-up window (seconds)",
                                   "How long after a 3xx a request still counts as following or ignoring it.",
                                   10, &pref_redirect_window);
    prefs_register_enum_preference(prefs, "routine_severity", "Severity of routine responses",
                                   "Expert Info severity for 100, 180-183, 200, 202 and 204 (and unregistered "
                                   "1xx/2xx), or no entry at all.",
                                   &pref_routine_severity, routine_severity_values, FALSE);
    prefs_register_bool_preference(prefs, "skip_unseen", "Skip analysis nothing can show",
                                   "In a single pass that shows no packet details and reads no sipadvisor field, "
                                   "Expert Info or statistics (tshark -r printing summary lines), do not analyse "
                                   "the SIP messages: nothing could display the result. Untick if a frontend ever "
                                   "shows sipadvisor results missing.",
                                   &pref_skip_unseen);

    prefs_register_uat_preference(prefs, "site_overrides", "Site overrides",
                                  "Your own meaning, cause, fix or severity for a response code, layered over "
                                  "the built-in knowledge base.",
                                  register_site_overrides_uat());

    register_statistics_tap();
}

void proto_reg_handoff_sipadvisor(void)
{
    register_statistics_tree();
    sip_fields_available = field_reader.resolve_fields();
}
