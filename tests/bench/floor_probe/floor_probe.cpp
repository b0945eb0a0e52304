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
 *
 * Built a second time with FLOOR_PROBE_SCAN as `scanprobe`: the floor plus
 * the least work any design that ties responses to requests must do. Per
 * SIP message it reads the header lines once, hashes Call-ID, CSeq and the
 * top Via's branch, and adds (request) or removes (final response) one
 * entry in a hash table. It copies no string, keeps nothing per frame and
 * adds nothing to the tree, so it is a lower bound, not a design: the
 * budget table of scripts/bench compares it with what each target leaves.
 */
#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#ifdef FLOOR_PROBE_SCAN
#include <cstdint>
#include <cstring>
#include <unordered_map>
#endif

namespace {

int proto_floor_probe = -1;
int hf_sip = -1;
/* Keeps the loop below from being optimised away. */
volatile gint64 message_starts_seen = 0;

#ifdef FLOOR_PROBE_SCAN
/* Open transactions by hash; cleared when it grows past the bound that
 * sipadvisor also uses (100,000), as a bounded table must be. */
std::unordered_map<uint64_t, uint32_t> open_transactions;

uint64_t fnv1a(uint64_t hash, const char *text, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        hash = (hash ^ static_cast<unsigned char>(text[i])) * 0x100000001b3ULL;
    return hash;
}

/* Whether the header line starts with `name` (lower case) then optional
 * blanks and ':', ignoring case; the value after the colon in `value`. */
bool header_value(const char *line, size_t length, const char *name, size_t name_length, const char *&value,
                  size_t &value_length)
{
    if (length <= name_length)
        return false;
    for (size_t i = 0; i < name_length; ++i)
        if ((line[i] | 0x20) != name[i])
            return false;
    size_t i = name_length;
    while (i < length && (line[i] == ' ' || line[i] == '\t'))
        ++i;
    if (i >= length || line[i] != ':')
        return false;
    value = line + i + 1;
    value_length = length - i - 1;
    return true;
}

void scan_message(const char *data, size_t size)
{
    const char *end = data + size;
    const char *line = data;
    const char *newline = static_cast<const char *>(std::memchr(line, '\n', size));
    if (!newline)
        return;
    const bool is_response = size > 8 && std::memcmp(data, "SIP/", 4) == 0;
    const int status = is_response ? (data[8] - '0') * 100 + (data[9] - '0') * 10 + (data[10] - '0') : 0;
    /* Each value hashed apart and combined at the end: the order of the
     * headers may differ between a request and its response. */
    const uint64_t seed = 0xcbf29ce484222325ULL;
    uint64_t call_id = seed, cseq = seed, branch = seed;
    bool via_seen = false;
    for (line = newline + 1; line < end; line = newline + 1) {
        newline = static_cast<const char *>(std::memchr(line, '\n', static_cast<size_t>(end - line)));
        size_t length = static_cast<size_t>((newline ? newline : end) - line);
        if (length && line[length - 1] == '\r')
            --length;
        if (length == 0 || !newline)
            break; /* end of the headers */
        const char *value;
        size_t value_length;
        if (header_value(line, length, "call-id", 7, value, value_length) ||
            header_value(line, length, "i", 1, value, value_length)) {
            call_id = fnv1a(seed, value, value_length);
        } else if (header_value(line, length, "cseq", 4, value, value_length)) {
            cseq = fnv1a(seed, value, value_length);
        } else if (!via_seen && (header_value(line, length, "via", 3, value, value_length) ||
                                 header_value(line, length, "v", 1, value, value_length))) {
            /* Only the branch parameter: a response's Via also carries
             * received= and rport=. */
            via_seen = true;
            const char *value_end = value + value_length;
            for (const char *p = value; p + 7 < value_end; ++p) {
                if ((p[0] | 0x20) == 'b' && std::memcmp(p + 1, "ranch=", 6) == 0) {
                    const char *start = p + 7;
                    const char *stop = static_cast<const char *>(std::memchr(start, ';', static_cast<size_t>(value_end - start)));
                    branch = fnv1a(seed, start, static_cast<size_t>((stop ? stop : value_end) - start));
                    break;
                }
            }
        }
    }
    const uint64_t hash = call_id ^ (cseq * 0x9e3779b97f4a7c15ULL) ^ (branch * 0xc2b2ae3d27d4eb4fULL);
    if (!is_response) {
        if (open_transactions.size() >= 100000)
            open_transactions.clear();
        open_transactions.emplace(hash, 1);
    } else if (status >= 200) {
        open_transactions.erase(hash);
    } else {
        message_starts_seen = message_starts_seen + open_transactions.count(hash);
    }
}
#endif

int dissect_floor_probe(tvbuff_t *, packet_info *pinfo [[maybe_unused]], proto_tree *tree, void *)
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
#ifdef FLOOR_PROBE_SCAN
        /* First pass only, like sipadvisor's analysis. */
        const int available = finfo->ds_tvb ? tvb_captured_length_remaining(finfo->ds_tvb, finfo->start) : 0;
        if (!PINFO_FD_VISITED(pinfo) && available > 0)
            scan_message(reinterpret_cast<const char *>(tvb_get_ptr(finfo->ds_tvb, finfo->start, available)),
                         static_cast<size_t>(available));
#endif
    }
    return 0;
}

void proto_register_floor_probe()
{
#ifdef FLOOR_PROBE_SCAN
    proto_floor_probe = proto_register_protocol("sipadvisor scan probe (benchmark only)", "scanprobe", "scanprobe");
#else
    proto_floor_probe = proto_register_protocol("sipadvisor floor probe (benchmark only)", "floorprobe", "floorprobe");
#endif
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
