/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every difference between the Wireshark versions we build against lives
 * here (4.0 is what Debian 12 ships; users run 4.2, 4.4 and 4.6). The rest
 * of the plugin calls these names and never tests versions itself.
 */
#pragma once

#include <ws_version.h>
#include <epan/proto.h>
#include <epan/ftypes/ftypes.h>

#define SIPADVISOR_WS_AT_LEAST(major, minor)                                   \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                      \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

namespace sipadvisor::ws_compat {

/* 4.2 moved preference and UAT callbacks from gboolean to bool. */
#if SIPADVISOR_WS_AT_LEAST(4, 2)
using pref_bool = bool;
using uat_bool = bool;
#else
using pref_bool = gboolean;
using uat_bool = gboolean;
#endif

/* field_info::value became a pointer in 4.2. */
inline fvalue_t *field_value(field_info *finfo)
{
#if SIPADVISOR_WS_AT_LEAST(4, 2)
    return finfo->value;
#else
    return &finfo->value;
#endif
}

inline unsigned field_uint(field_info *finfo)
{
    return fvalue_get_uinteger(field_value(finfo));
}

/* A string field's text (never null). */
inline const char *field_string(field_info *finfo)
{
    const char *text = fvalue_get_string(field_value(finfo));
    return text ? text : "";
}

/* Field names of Wireshark's SIP dissector that we read (4.0 through 4.6
 * use the same names). */
inline constexpr const char kSipProtocol[] = "sip";
inline constexpr const char kSipStatusCode[] = "sip.Status-Code";
inline constexpr const char kSipMethod[] = "sip.Method";
inline constexpr const char kSipRequestUri[] = "sip.r-uri";
inline constexpr const char kSipCallId[] = "sip.Call-ID";
inline constexpr const char kSipCSeqSeq[] = "sip.CSeq.seq";
inline constexpr const char kSipCSeqMethod[] = "sip.CSeq.method";
inline constexpr const char kSipViaBranch[] = "sip.Via.branch";
inline constexpr const char kSipViaSentByAddress[] = "sip.Via.sent-by.address";
inline constexpr const char kSipViaSentByPort[] = "sip.Via.sent-by.port";
inline constexpr const char kSipViaTransport[] = "sip.Via.transport";
inline constexpr const char kSipFromTag[] = "sip.from.tag";
inline constexpr const char kSipToTag[] = "sip.to.tag";
inline constexpr const char kSipEvent[] = "sip.Event";
inline constexpr const char kSipETag[] = "sip.ETag";          /* SIP-ETag */
inline constexpr const char kSipIfMatch[] = "sip.If_Match";   /* SIP-If-Match */
inline constexpr const char kSipExpires[] = "sip.Expires";
inline constexpr const char kSipContactUri[] = "sip.contact.uri";
inline constexpr const char kSipContactParameter[] = "sip.contact.parameter";

} // namespace sipadvisor::ws_compat

/* 4.2 added plugin_describe() to the plugin ABI; see plugin_abi.cpp. */
#define SIPADVISOR_HAVE_PLUGIN_DESCRIBE SIPADVISOR_WS_AT_LEAST(4, 2)
