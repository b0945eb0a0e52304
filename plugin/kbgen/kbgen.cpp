/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * kbgen: the build-time compiler of the knowledge base.
 *
 *   sipadvisor_kbgen RESPONSE_CODES.ini SPECIAL_CASES.ini [Q850_CAUSES.ini WARNING_CODES.ini] OUTPUT.cpp
 *
 * Parses the data files with GLib's GKeyFile, checks every record and writes
 * the records as C++ tables (see plugin/core/knowledge_base.h, and
 * plugin/core/cause_codes.h for the Q.850 causes and warn-codes, which are
 * compiled when their two files are given). Any problem is
 * reported as "file:line: error: ..." and fails the build, so a broken record
 * never reaches a user. GKeyFile silently merges a repeated group and keeps
 * the last of a repeated key; a line scan before parsing catches both, and
 * also gives the line numbers GKeyFile's own errors lack.
 */
#include <glib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

/* The IANA "Response Codes" registry of the SIP Parameters registry group. */
const unsigned kIanaCodes[] = {
    100, 180, 181, 182, 183, 199, 200, 202, 204, 300, 301, 302, 305, 380, 400,
    401, 402, 403, 404, 405, 406, 407, 408, 410, 412, 413, 414, 415, 416, 417,
    420, 421, 422, 423, 424, 425, 428, 429, 430, 433, 436, 437, 438, 439, 440,
    469, 470, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 491, 493, 494,
    500, 501, 502, 503, 504, 505, 513, 555, 580, 600, 603, 604, 606, 607, 608,
};

const char *const kRecordKeys[] = {"phrase", "severity", "summary", "meaning", "cause", "fix", "rfc"};
constexpr size_t kRecordKeyCount = sizeof kRecordKeys / sizeof kRecordKeys[0];
enum RecordKey { kPhrase, kSeverity, kSummary, kMeaning, kCause, kFix, kRfc };
const char *const kSeverities[] = {"chat", "note", "warn", "error"};
constexpr size_t kMaxValueLength = 600;
/* Wireshark cuts an Expert Info message at 240 bytes; the message is
 * "<code> <phrase>: <summary>", and the longest phrase is 40 bytes. */
constexpr size_t kMaxSummaryLength = 190;

struct Location {
    int group_line = 0;
    std::map<std::string, int> key_lines;
};

class DataFile {
public:
    explicit DataFile(std::string path) : path_(std::move(path)) {}
    ~DataFile()
    {
        if (keyfile_)
            g_key_file_free(keyfile_);
    }
    DataFile(const DataFile &) = delete;
    DataFile &operator=(const DataFile &) = delete;

    bool load();
    void error(int line, const std::string &message)
    {
        std::fprintf(stderr, "%s:%d: error: %s\n", path_.c_str(), line, message.c_str());
        ++errors_;
    }
    int group_line(const std::string &group) const
    {
        auto it = locations_.find(group);
        return it == locations_.end() ? 0 : it->second.group_line;
    }
    int key_line(const std::string &group, const std::string &key) const
    {
        auto it = locations_.find(group);
        if (it == locations_.end())
            return 0;
        auto key_it = it->second.key_lines.find(key);
        return key_it == it->second.key_lines.end() ? it->second.group_line : key_it->second;
    }
    std::vector<std::string> groups() const;
    std::vector<std::string> keys(const std::string &group) const;
    /* The value of a required key, checked; empty when missing or bad. */
    std::string value(const std::string &group, const char *key);
    const std::string &path() const { return path_; }
    int errors() const { return errors_; }

private:
    bool scan_lines(const std::string &text);

    std::string path_;
    GKeyFile *keyfile_ = nullptr;
    std::map<std::string, Location> locations_;
    std::vector<std::string> group_order_;
    int errors_ = 0;
};

bool DataFile::scan_lines(const std::string &text)
{
    std::istringstream lines(text);
    std::string line;
    std::string group;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        size_t first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#')
            continue;
        if (line[first] == '[') {
            size_t close = line.find(']', first);
            if (close == std::string::npos) {
                error(number, "group header without closing ']'");
                continue;
            }
            group = line.substr(first + 1, close - first - 1);
            if (locations_.count(group)) {
                error(number, "group [" + group + "] repeated (first at line " +
                                  std::to_string(locations_[group].group_line) + ")");
                continue;
            }
            locations_[group].group_line = number;
            group_order_.push_back(group);
            continue;
        }
        size_t equals = line.find('=');
        if (equals == std::string::npos) {
            error(number, "line is neither a group, a key=value pair nor a # comment");
            continue;
        }
        if (group.empty()) {
            error(number, "key outside any group");
            continue;
        }
        std::string key = line.substr(first, equals - first);
        key.erase(key.find_last_not_of(" \t") + 1);
        auto &keys = locations_[group].key_lines;
        if (keys.count(key)) {
            error(number, "key '" + key + "' repeated in [" + group + "] (first at line " +
                              std::to_string(keys[key]) + ")");
            continue;
        }
        keys[key] = number;
    }
    return errors_ == 0;
}

bool DataFile::load()
{
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        error(0, "cannot read file");
        return false;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
        const gchar *bad = nullptr;
        g_utf8_validate(text.data(), static_cast<gssize>(text.size()), &bad);
        int line = 1 + static_cast<int>(std::count(static_cast<const char *>(text.data()), bad, '\n'));
        error(line, "invalid UTF-8");
        return false;
    }
    if (!scan_lines(text))
        return false;

    keyfile_ = g_key_file_new();
    GError *gerror = nullptr;
    if (!g_key_file_load_from_data(keyfile_, text.data(), text.size(), G_KEY_FILE_NONE, &gerror)) {
        error(0, std::string("GKeyFile: ") + gerror->message);
        g_error_free(gerror);
        return false;
    }
    return true;
}

std::vector<std::string> DataFile::groups() const { return group_order_; }

std::vector<std::string> DataFile::keys(const std::string &group) const
{
    std::vector<std::string> result;
    gsize count = 0;
    gchar **names = g_key_file_get_keys(keyfile_, group.c_str(), &count, nullptr);
    for (gsize i = 0; names && i < count; ++i)
        result.emplace_back(names[i]);
    g_strfreev(names);
    return result;
}

std::string DataFile::value(const std::string &group, const char *key)
{
    GError *gerror = nullptr;
    /* get_locale_string(NULL locale) would pick the build user's language;
     * the compiled default must be the untranslated key. */
    gchar *raw = g_key_file_get_string(keyfile_, group.c_str(), key, &gerror);
    if (!raw) {
        error(group_line(group), "[" + group + "] has no '" + key + "' key");
        g_error_free(gerror);
        return {};
    }
    std::string text(raw);
    g_free(raw);
    int line = key_line(group, key);
    if (text.empty() || text.find_first_not_of(" \t") == std::string::npos) {
        error(line, "[" + group + "] '" + key + "' is empty");
        return {};
    }
    if (text.size() > kMaxValueLength) {
        error(line, "[" + group + "] '" + key + "' is " + std::to_string(text.size()) +
                        " bytes; keep it under " + std::to_string(kMaxValueLength));
        return {};
    }
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            error(line, "[" + group + "] '" + key + "' contains a control character");
            return {};
        }
    }
    return text;
}

struct Record {
    unsigned code = 0;
    std::string fields[kRecordKeyCount]; /* in kRecordKeys order */
    int line = 0;
};

bool is_known_key(const std::string &key, const char *const *allowed, size_t count)
{
    /* "meaning[de]" is a translation of "meaning": GKeyFile's locale keys. */
    std::string base = key.substr(0, key.find('['));
    for (size_t i = 0; i < count; ++i)
        if (base == allowed[i])
            return true;
    return false;
}

bool read_record(DataFile &file, const std::string &group, Record &record)
{
    int before = file.errors();
    for (const std::string &key : file.keys(group))
        if (!is_known_key(key, kRecordKeys, kRecordKeyCount))
            file.error(file.key_line(group, key), "[" + group + "] has unknown key '" + key + "'");
    for (size_t i = 0; i < kRecordKeyCount; ++i)
        record.fields[i] = file.value(group, kRecordKeys[i]);
    if (record.fields[kSummary].size() > kMaxSummaryLength)
        file.error(file.key_line(group, "summary"),
                   "[" + group + "] 'summary' is " + std::to_string(record.fields[kSummary].size()) +
                       " bytes; an Expert Info line holds at most " + std::to_string(kMaxSummaryLength));
    const std::string &severity = record.fields[kSeverity];
    if (!severity.empty() &&
        std::find(std::begin(kSeverities), std::end(kSeverities), severity) == std::end(kSeverities))
        file.error(file.key_line(group, "severity"),
                   "[" + group + "] severity '" + severity + "' is not chat, note, warn or error");
    static const std::regex rfc_pattern("^RFC [0-9]{4}( ?/ ?[0-9]{4})*( §[0-9]+(\\.[0-9]+)*)?.*$");
    if (!record.fields[kRfc].empty() && !std::regex_match(record.fields[kRfc], rfc_pattern))
        file.error(file.key_line(group, "rfc"),
                   "[" + group + "] rfc '" + record.fields[kRfc] + "' does not start like 'RFC 3261 §21.4.1'");
    record.line = file.group_line(group);
    return file.errors() == before;
}

std::string cpp_literal(const std::string &text)
{
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char octal[8];
            std::snprintf(octal, sizeof octal, "\\%03o", c);
            out += octal;
        }
    }
    return out + "\"";
}

std::string record_initializer(const Record &record)
{
    return "{" + std::to_string(record.code) + ", " + cpp_literal(record.fields[kPhrase]) +
           ", Severity::" + record.fields[kSeverity] + ",\n     " + cpp_literal(record.fields[kSummary]) +
           ",\n     " + cpp_literal(record.fields[kMeaning]) + ",\n     " + cpp_literal(record.fields[kCause]) +
           ",\n     " + cpp_literal(record.fields[kFix]) + ",\n     " + cpp_literal(record.fields[kRfc]) + "}";
}

bool check_response_codes(DataFile &file, std::vector<Record> &records)
{
    static const std::regex code_pattern("^[1-6][0-9][0-9]$");
    std::set<unsigned> iana(std::begin(kIanaCodes), std::end(kIanaCodes));
    std::map<std::string, unsigned> seen_text[kRecordKeyCount];
    for (const std::string &group : file.groups()) {
        int line = file.group_line(group);
        if (!std::regex_match(group, code_pattern)) {
            file.error(line, "group [" + group + "] is not a status code 100..699");
            continue;
        }
        Record record;
        record.code = static_cast<unsigned>(std::stoul(group));
        if (!iana.count(record.code))
            file.error(line, "[" + group + "] is not in the IANA response-code registry");
        if (!read_record(file, group, record))
            continue;
        /* Same sentence under two codes means template filler, not advice. */
        for (size_t i : {kSummary, kMeaning, kCause, kFix}) {
            auto [it, fresh] = seen_text[i].emplace(record.fields[i], record.code);
            if (!fresh)
                file.error(file.key_line(group, kRecordKeys[i]),
                           "[" + group + "] '" + kRecordKeys[i] + "' repeats the text of [" +
                               std::to_string(it->second) + "]");
        }
        records.push_back(record);
    }
    std::set<unsigned> present;
    for (const Record &record : records)
        present.insert(record.code);
    for (unsigned code : kIanaCodes)
        if (!present.count(code) && file.group_line(std::to_string(code)) == 0)
            file.error(0, "IANA code " + std::to_string(code) + " has no record");
    std::sort(records.begin(), records.end(),
              [](const Record &a, const Record &b) { return a.code < b.code; });
    return file.errors() == 0;
}

/* --- Cause tables: Q.850 causes and SIP warn-codes ------------------------ */

/* One numbered table: group = a number in [low, high], fixed keys. */
struct CauseTable {
    const char *what;                 /* "Q.850 cause value", "warn-code" */
    unsigned low, high;
    const char *const *keys;          /* first key: the short name */
    size_t key_count;
    std::set<unsigned> registry;      /* values that must exist; others are rejected (empty: any) */
    std::set<unsigned> required;      /* values that must have a record */
    const char *registry_name;
};

const char *const kQ850Keys[] = {"name", "meaning", "fix"};
const char *const kWarningKeys[] = {"text", "meaning", "fix"};
constexpr size_t kCauseKeyCount = 3;
constexpr size_t kMaxNameLength = 80;

/* The causes every release explanation needs (ITU-T Q.850 Table 1). */
const unsigned kRequiredQ850[] = {1,  2,  3,  16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 31, 34, 38, 41, 42,
                                  44, 47, 50, 55, 57, 58, 63, 65, 69, 79, 81, 88, 95, 97, 99, 102, 111, 127};
/* The IANA "Warning Codes (warn-codes)" registry: RFC 3261 §27.2, RFC 5630
 * (380, 381), RFC 8373 (308). */
const unsigned kIanaWarnCodes[] = {300, 301, 302, 303, 304, 305, 306, 307, 308, 330, 331, 370, 380, 381, 399};

struct CauseRecord {
    unsigned value = 0;
    std::string fields[kCauseKeyCount];
};

bool check_cause_table(DataFile &file, const CauseTable &table, std::vector<CauseRecord> &records)
{
    static const std::regex number_pattern("^[0-9]{1,3}$");
    std::map<std::string, unsigned> seen_text[kCauseKeyCount];
    for (const std::string &group : file.groups()) {
        int line = file.group_line(group);
        std::string range = std::to_string(table.low) + ".." + std::to_string(table.high);
        if (!std::regex_match(group, number_pattern)) {
            file.error(line, "group [" + group + "] is not a " + table.what + " " + range);
            continue;
        }
        CauseRecord record;
        record.value = static_cast<unsigned>(std::stoul(group));
        if (record.value < table.low || record.value > table.high || group != std::to_string(record.value)) {
            file.error(line, "group [" + group + "] is not a " + table.what + " " + range);
            continue;
        }
        if (!table.registry.empty() && !table.registry.count(record.value)) {
            file.error(line, "[" + group + "] is not in the " + table.registry_name);
            continue;
        }
        int before = file.errors();
        for (const std::string &key : file.keys(group))
            if (!is_known_key(key, table.keys, table.key_count))
                file.error(file.key_line(group, key), "[" + group + "] has unknown key '" + key + "'");
        for (size_t i = 0; i < table.key_count; ++i)
            record.fields[i] = file.value(group, table.keys[i]);
        if (record.fields[0].size() > kMaxNameLength)
            file.error(file.key_line(group, table.keys[0]),
                       "[" + group + "] '" + table.keys[0] + "' is " + std::to_string(record.fields[0].size()) +
                           " bytes; a name holds at most " + std::to_string(kMaxNameLength));
        if (file.errors() != before)
            continue;
        /* Same sentence under two values means template filler, not advice. */
        for (size_t i = 1; i < table.key_count; ++i) {
            auto [it, fresh] = seen_text[i].emplace(record.fields[i], record.value);
            if (!fresh)
                file.error(file.key_line(group, table.keys[i]),
                           "[" + group + "] '" + table.keys[i] + "' repeats the text of [" +
                               std::to_string(it->second) + "]");
        }
        records.push_back(record);
    }
    std::set<unsigned> present;
    for (const CauseRecord &record : records)
        present.insert(record.value);
    for (unsigned value : table.required)
        if (!present.count(value) && file.group_line(std::to_string(value)) == 0)
            file.error(0, std::string(table.what) + " " + std::to_string(value) + " has no record");
    std::sort(records.begin(), records.end(),
              [](const CauseRecord &a, const CauseRecord &b) { return a.value < b.value; });
    return file.errors() == 0;
}

std::string cause_initializer(const CauseRecord &record)
{
    return "{" + std::to_string(record.value) + ", " + cpp_literal(record.fields[0]) + ",\n     " +
           cpp_literal(record.fields[1]) + ",\n     " + cpp_literal(record.fields[2]) + "}";
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 6) {
        std::fprintf(stderr,
                     "usage: %s RESPONSE_CODES.ini SPECIAL_CASES.ini [Q850_CAUSES.ini WARNING_CODES.ini] OUTPUT.cpp\n",
                     argv[0]);
        return 2;
    }
    const bool with_causes = argc == 6;
    DataFile codes(argv[1]);
    DataFile special(argv[2]);
    std::vector<Record> records;
    bool ok = codes.load() && check_response_codes(codes, records);

    Record invalid;
    std::string unregistered_note;
    if (special.load()) {
        for (const std::string &group : special.groups())
            if (group != "invalid" && group != "unregistered")
                special.error(special.group_line(group),
                              "unknown group [" + group + "]: expected [unregistered] and [invalid]");
        if (!special.group_line("unregistered"))
            special.error(0, "missing group [unregistered]");
        else
            unregistered_note = special.value("unregistered", "note");
        if (!special.group_line("invalid"))
            special.error(0, "missing group [invalid]");
        else
            read_record(special, "invalid", invalid);
    }
    ok = ok && special.errors() == 0;

    std::vector<CauseRecord> q850_records;
    std::vector<CauseRecord> warning_records;
    std::string cause_paths;
    if (with_causes) {
        DataFile q850(argv[3]);
        DataFile warnings(argv[4]);
        CauseTable q850_table{"Q.850 cause value", 1, 127, kQ850Keys, kCauseKeyCount, {},
                              {std::begin(kRequiredQ850), std::end(kRequiredQ850)}, ""};
        CauseTable warning_table{"warn-code", 300, 399, kWarningKeys, kCauseKeyCount,
                                 {std::begin(kIanaWarnCodes), std::end(kIanaWarnCodes)},
                                 {std::begin(kIanaWarnCodes), std::end(kIanaWarnCodes)},
                                 "IANA warn-code registry"};
        /* Check both files even when the first fails: one build, all errors. */
        bool q850_ok = q850.load() && check_cause_table(q850, q850_table, q850_records);
        bool warnings_ok = warnings.load() && check_cause_table(warnings, warning_table, warning_records);
        ok = ok && q850_ok && warnings_ok;
        cause_paths = ", " + q850.path() + " and " + warnings.path();
    }
    const char *output_arg = argv[argc - 1];
    if (!ok) {
        std::fprintf(stderr, "sipadvisor_kbgen: knowledge base rejected; nothing written\n");
        return 1;
    }

    std::ostringstream out;
    out << "/* Generated by sipadvisor_kbgen from " << codes.path() << (with_causes ? ", " : " and ")
        << special.path() << cause_paths << ".\n * Do not edit: edit the data files. */\n"
        << (with_causes ? "#include \"core/cause_codes.h\"\n" : "")
        << "#include \"core/knowledge_base.h\"\n\nnamespace sipadvisor::core {\n\n"
        << "const ResponseRecord kResponseRecords[] = {\n";
    for (const Record &record : records)
        out << "    " << record_initializer(record) << ",\n";
    out << "};\nconst size_t kResponseRecordCount = " << records.size() << ";\n\n"
        << "const char *const kUnregisteredNote = " << cpp_literal(unregistered_note) << ";\n"
        << "const ResponseRecord kInvalidCodeRecord = " << record_initializer(invalid) << ";\n\n";
    if (with_causes) {
        out << "const Q850Cause kQ850Causes[] = {\n";
        for (const CauseRecord &record : q850_records)
            out << "    " << cause_initializer(record) << ",\n";
        out << "};\nconst size_t kQ850CauseCount = " << q850_records.size() << ";\n\n"
            << "const WarningCode kWarningCodes[] = {\n";
        for (const CauseRecord &record : warning_records)
            out << "    " << cause_initializer(record) << ",\n";
        out << "};\nconst size_t kWarningCodeCount = " << warning_records.size() << ";\n\n";
    }
    out << "} // namespace sipadvisor::core\n";

    std::string output_path = output_arg;
    std::string temporary = output_path + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << out.str();
        if (!file) {
            std::fprintf(stderr, "%s: error: cannot write\n", temporary.c_str());
            return 1;
        }
    }
    if (std::rename(temporary.c_str(), output_path.c_str()) != 0) {
        std::fprintf(stderr, "%s: error: cannot rename into place\n", output_path.c_str());
        return 1;
    }
    return 0;
}
