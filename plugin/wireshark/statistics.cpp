/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wireshark/statistics.h"

#include "core/correlation.h"
#include "core/response_advisor.h"

#include <epan/stats_tree.h>
#include <epan/tap.h>

namespace sipadvisor::ws {
namespace {

int sipadvisor_tap = -1;

const char *const kStatResponses = "SIP responses by class and code";
const char *const kStatMethods = "Responses by request method";
const char *const kStatEtags = "412 to PUBLISH: entity-tag state";
const char *const kStatRedirects = "Redirects (3xx)";
int stat_responses = -1, stat_methods = -1, stat_etags = -1, stat_redirects = -1;

/* The advice in a word, for each statistics row. */
const char *advice_word(core::Severity severity)
{
    switch (severity) {
    case core::Severity::chat: return "routine";
    case core::Severity::note: return "expected";
    case core::Severity::warn: return "check";
    case core::Severity::error: return "fix";
    }
    return "check";
}

const char *etag_state_row(int state)
{
    switch (static_cast<core::EtagState>(state)) {
    case core::EtagState::superseded: return "superseded [client: send the latest SIP-ETag]";
    case core::EtagState::removed: return "removed [client: publish afresh]";
    case core::EtagState::expired: return "expired [client: refresh sooner]";
    case core::EtagState::unknown: return "unknown [client: publish afresh]";
    case core::EtagState::live: return "live [server lost state]";
    }
    return "unknown [client: publish afresh]";
}

void stats_init(stats_tree *st)
{
    stat_responses = stats_tree_create_node(st, kStatResponses, 0, STAT_DT_INT, TRUE);
    stat_methods = stats_tree_create_node(st, kStatMethods, 0, STAT_DT_INT, TRUE);
    stat_etags = stats_tree_create_node(st, kStatEtags, 0, STAT_DT_INT, TRUE);
    stat_redirects = stats_tree_create_node(st, kStatRedirects, 0, STAT_DT_INT, TRUE);
}

tap_packet_status stats_packet(stats_tree *st, packet_info *, epan_dissect_t *, const void *data, tap_flags_t)
{
    const auto *tap = static_cast<const TapRecord *>(data);
    if (tap->status_code == 0) {
        if (tap->redirect_follows)
            tick_stat_node(st, "request followed a 3xx [ok]", stat_redirects, FALSE);
        if (tap->redirect_ignored)
            tick_stat_node(st, "request ignored a 301 [update routing]", stat_redirects, FALSE);
        return TAP_PACKET_REDRAW;
    }
    const core::ResponseAdvice advice = core::advise(tap->status_code);
    tick_stat_node(st, kStatResponses, 0, FALSE);
    int class_node = tick_stat_node(st, core::response_class_name(advice.code), stat_responses, TRUE);
    char row[128];
    g_snprintf(row, sizeof row, "%u %s [%s]", advice.code, core::advice_phrase(advice).c_str(),
               advice_word(tap->severity));
    tick_stat_node(st, row, class_node, FALSE);
    if (tap->request_method && *tap->request_method) {
        tick_stat_node(st, kStatMethods, 0, FALSE);
        int method_node = tick_stat_node(st, tap->request_method, stat_methods, TRUE);
        tick_stat_node(st, core::response_class_name(advice.code), method_node, FALSE);
    }
    if (tap->etag_state >= 0) {
        tick_stat_node(st, kStatEtags, 0, FALSE);
        tick_stat_node(st, etag_state_row(tap->etag_state), stat_etags, FALSE);
    }
    if (advice.code >= 300 && advice.code <= 399) {
        tick_stat_node(st, kStatRedirects, 0, FALSE);
        tick_stat_node(st, "3xx responses", stat_redirects, FALSE);
        if (tap->redirect_without_contact)
            tick_stat_node(st, "3xx without Contact [protocol violation]", stat_redirects, FALSE);
    }
    return TAP_PACKET_REDRAW;
}

} // namespace

void register_statistics_tap()
{
    sipadvisor_tap = register_tap("sipadvisor");
}

void register_statistics_tree()
{
    stats_tree_register_plugin("sipadvisor", "sipadvisor", "SIP Advisor", 0, stats_packet, stats_init, nullptr);
}

int statistics_tap()
{
    return sipadvisor_tap;
}

} // namespace sipadvisor::ws
