/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "wireshark/site_overrides_uat.h"

#include "wireshark/compat.h"

#include <wsutil/report_message.h>

#include <cstring>
#include <string>
#include <vector>

namespace sipadvisor::ws {
namespace {

/* Site overrides: a UAT table in the user's profile. */
struct OverrideUatRecord {
    char *code;
    char *severity;
    char *meaning;
    char *cause;
    char *fix;
};
OverrideUatRecord *override_records = nullptr;
guint override_record_count = 0;
core::SiteOverrides site_table;
bool site_overrides_dirty = true;

/* Reads the UAT rows into the site table; bad rows are reported once per
 * change of the table and skipped. */
void load_rows()
{
    if (!site_overrides_dirty)
        return;
    site_overrides_dirty = false;
    std::vector<core::SiteOverrideRow> rows;
    for (guint i = 0; i < override_record_count; ++i) {
        const OverrideUatRecord &record = override_records[i];
        rows.push_back({record.code ? record.code : "", record.severity ? record.severity : "",
                        record.meaning ? record.meaning : "", record.cause ? record.cause : "",
                        record.fix ? record.fix : ""});
    }
    for (const std::string &problem : site_table.load(rows))
        report_failure("sipadvisor site overrides (sipadvisor_site_overrides), %s", problem.c_str());
}

void *override_copy_cb(void *destination, const void *source, size_t)
{
    auto *to = static_cast<OverrideUatRecord *>(destination);
    const auto *from = static_cast<const OverrideUatRecord *>(source);
    to->code = g_strdup(from->code);
    to->severity = g_strdup(from->severity);
    to->meaning = g_strdup(from->meaning);
    to->cause = g_strdup(from->cause);
    to->fix = g_strdup(from->fix);
    return to;
}

void override_free_cb(void *record)
{
    auto *row = static_cast<OverrideUatRecord *>(record);
    g_free(row->code);
    g_free(row->severity);
    g_free(row->meaning);
    g_free(row->cause);
    g_free(row->fix);
}

/* Never refuses a row: Wireshark stops loading the table at the first
 * refused row, which would drop the good rows after it. Rows are checked
 * in load_site_overrides(), where a bad one is reported and skipped. */
ws_compat::uat_bool override_update_cb(void *, char **)
{
    site_overrides_dirty = true;
    return TRUE;
}

void override_post_update_cb(void)
{
    site_overrides_dirty = true;
}

#define SIPADVISOR_UAT_STRING(field)                                                                   \
    void override_##field##_set_cb(void *record, const char *text, unsigned length, const void *,     \
                                   const void *)                                                      \
    {                                                                                                 \
        auto *row = static_cast<OverrideUatRecord *>(record);                                         \
        g_free(row->field);                                                                           \
        row->field = g_strndup(text, length);                                                         \
    }                                                                                                 \
    void override_##field##_tostr_cb(void *record, char **out, unsigned *length, const void *,       \
                                     const void *)                                                    \
    {                                                                                                 \
        const auto *row = static_cast<const OverrideUatRecord *>(record);                             \
        *out = g_strdup(row->field ? row->field : "");                                                \
        *length = static_cast<unsigned>(strlen(*out));                                                \
    }
SIPADVISOR_UAT_STRING(code)
SIPADVISOR_UAT_STRING(severity)
SIPADVISOR_UAT_STRING(meaning)
SIPADVISOR_UAT_STRING(cause)
SIPADVISOR_UAT_STRING(fix)
#undef SIPADVISOR_UAT_STRING

uat_field_t make_uat_field(const char *name, const char *title, const char *description, uat_fld_set_cb_t set,
                           uat_fld_tostr_cb_t tostr)
{
    uat_field_t field{};
    field.name = name;
    field.title = title;
    field.mode = PT_TXTMOD_STRING;
    field.cb.set = set;
    field.cb.tostr = tostr;
    field.desc = description;
    return field;
}

} // namespace

uat_t *register_site_overrides_uat()
{
    static uat_field_t override_fields[] = {
        make_uat_field("code", "Code", "Status code 100..699 (registered or not)", override_code_set_cb,
                       override_code_tostr_cb),
        make_uat_field("severity", "Severity", "chat, note, warn or error; empty keeps the built-in one",
                       override_severity_set_cb, override_severity_tostr_cb),
        make_uat_field("meaning", "Meaning", "What this code means at your site; empty keeps the built-in text",
                       override_meaning_set_cb, override_meaning_tostr_cb),
        make_uat_field("cause", "Likely cause", "Empty keeps the built-in text", override_cause_set_cb,
                       override_cause_tostr_cb),
        make_uat_field("fix", "Fix", "Empty keeps the built-in text", override_fix_set_cb, override_fix_tostr_cb),
        UAT_END_FIELDS,
    };
    uat_t *overrides = uat_new("SIP Advisor site overrides", sizeof(OverrideUatRecord), "sipadvisor_site_overrides",
                               TRUE, &override_records, &override_record_count, UAT_AFFECTS_DISSECTION,
                               nullptr, override_copy_cb, override_update_cb, override_free_cb,
                               override_post_update_cb, nullptr, override_fields);
    return overrides;
}

void reload_site_overrides()
{
    load_rows();
}

const core::SiteOverrides &site_overrides()
{
    return site_table;
}

} // namespace sipadvisor::ws
