/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The symbols Wireshark's plugin loader looks up with dlsym(). They must be
 * exported with C linkage; in C++ a const at namespace scope has internal
 * linkage unless declared extern, so each one is declared extern first
 * (check with `nm -D sipadvisor.so`); the declarations carry the visibility.
 */
#include "wireshark/compat.h"
#include "wireshark/packet-sipadvisor.h"

#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>

#if SIPADVISOR_HAVE_PLUGIN_DESCRIBE
#include <wsutil/plugins.h>
#endif

extern "C" {

WS_DLL_PUBLIC const char plugin_version[];
WS_DLL_PUBLIC const int plugin_want_major;
WS_DLL_PUBLIC const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);
#if SIPADVISOR_HAVE_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

const char plugin_version[] = SIPADVISOR_VERSION;
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    static proto_plugin plugin;
    plugin.register_protoinfo = proto_register_sipadvisor;
    plugin.register_handoff = proto_reg_handoff_sipadvisor;
    proto_register_plugin(&plugin);
}

#if SIPADVISOR_HAVE_PLUGIN_DESCRIBE
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

} // extern "C"
