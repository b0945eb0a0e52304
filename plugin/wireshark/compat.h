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

/* Field names of Wireshark's SIP dissector that we read. */
inline constexpr const char kSipProtocol[] = "sip";
inline constexpr const char kSipStatusCode[] = "sip.Status-Code";

} // namespace sipadvisor::ws_compat

/* 4.2 added plugin_describe() to the plugin ABI; see plugin_abi.cpp. */
#define SIPADVISOR_HAVE_PLUGIN_DESCRIBE SIPADVISOR_WS_AT_LEAST(4, 2)
