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

/* The protocol whose items mark where each SIP message starts. */
inline constexpr const char kSipProtocol[] = "sip";

} // namespace sipadvisor::ws_compat

/* 4.2 added plugin_describe() to the plugin ABI; see plugin_abi.cpp. */
#define SIPADVISOR_HAVE_PLUGIN_DESCRIBE SIPADVISOR_WS_AT_LEAST(4, 2)
