/* sipadvisor - benchmark helper, not shipped
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The cheapest postdissector that can find each SIP message the way
 * sipadvisor does: it wants Wireshark's `sip` protocol item, and per frame
 * looks the items up and reads where each message starts. It reads no
 * header, keeps no state and adds nothing to the tree.
 *
 * Why it exists: wanting any field makes tshark build a protocol tree for
 * every packet, and the SIP dissector then parses every header into items.
 * scripts/bench runs this probe as the `floor` configuration, so the cost
 * of that forced tree is measured on its own: it is the lower bound of any
 * design that finds SIP messages through the tree, before sipadvisor reads
 * a single byte (BENCHMARKS.md).
 */
#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

namespace {

int proto_floor_probe = -1;
int hf_sip = -1;
/* Keeps the loop below from being optimised away. */
volatile gint64 message_starts_seen = 0;

int dissect_floor_probe(tvbuff_t *, packet_info *, proto_tree *tree, void *)
{
    if (!tree || hf_sip < 0)
        return 0;
    GPtrArray *items = proto_get_finfo_ptr_array(tree, hf_sip);
    if (!items)
        return 0;
    for (guint i = 0; i < items->len; ++i) {
        auto *finfo = static_cast<field_info *>(g_ptr_array_index(items, i));
        if (finfo->ds_tvb && finfo->start >= 0)
            message_starts_seen = message_starts_seen + finfo->start + 1;
    }
    return 0;
}

void proto_register_floor_probe()
{
    proto_floor_probe = proto_register_protocol("sipadvisor floor probe (benchmark only)", "floorprobe", "floorprobe");
}

void proto_reg_handoff_floor_probe()
{
    dissector_handle_t handle = create_dissector_handle(dissect_floor_probe, proto_floor_probe);
    register_postdissector(handle);
    hf_sip = proto_registrar_get_id_byname("sip");
    GArray *wanted = g_array_new(FALSE, FALSE, static_cast<guint>(sizeof(int)));
    g_array_append_val(wanted, hf_sip);
    set_postdissector_wanted_hfids(handle, wanted);
}

} // namespace

extern "C" {

WS_DLL_PUBLIC const char plugin_version[];
WS_DLL_PUBLIC const int plugin_want_major;
WS_DLL_PUBLIC const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);

const char plugin_version[] = "0.0.0";
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    static proto_plugin plugin;
    plugin.register_protoinfo = proto_register_floor_probe;
    plugin.register_handoff = proto_reg_handoff_floor_probe;
    proto_register_plugin(&plugin);
}

} // extern "C"
