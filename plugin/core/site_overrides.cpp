/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/site_overrides.h"

#include <cctype>

namespace sipadvisor::core {

namespace {

std::string trimmed(const std::string &text)
{
    size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

/* Cut to the limit on a UTF-8 boundary and replace control characters,
 * which would break the one-line expert message. */
std::string cleaned(const std::string &text)
{
    std::string value = trimmed(text);
    if (value.size() > SiteOverrides::kMaxTextLength) {
        size_t cut = SiteOverrides::kMaxTextLength;
        while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80)
            --cut;
        value.resize(cut);
    }
    for (char &c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    return value;
}

} // namespace

std::optional<Severity> parse_severity(const std::string &text)
{
    std::string value = trimmed(text);
    for (char &c : value)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (value == "chat") return Severity::chat;
    if (value == "note") return Severity::note;
    if (value == "warn" || value == "warning") return Severity::warn;
    if (value == "error") return Severity::error;
    return std::nullopt;
}

std::vector<std::string> SiteOverrides::load(const std::vector<SiteOverrideRow> &rows)
{
    std::vector<std::string> problems;
    by_code_.clear();
    size_t number = 0;
    for (const SiteOverrideRow &row : rows) {
        ++number;
        const std::string where = "row " + std::to_string(number) + ": ";
        const std::string code_text = trimmed(row.code);
        unsigned code = 0;
        bool numeric = !code_text.empty() && code_text.size() <= 3;
        for (char c : code_text)
            numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
        if (numeric)
            code = static_cast<unsigned>(std::stoul(code_text));
        if (!numeric || code < 100 || code > 699) {
            problems.push_back(where + "code '" + cleaned(code_text).substr(0, 40) +
                               "' is not a status code between 100 and 699; row skipped");
            continue;
        }
        SiteOverride entry;
        entry.code = code;
        if (!trimmed(row.severity).empty() && trimmed(row.severity) != "default") {
            entry.severity = parse_severity(row.severity);
            if (!entry.severity) {
                problems.push_back(where + "severity '" + cleaned(row.severity).substr(0, 40) +
                                   "' is not chat, note, warn or error; row skipped");
                continue;
            }
        }
        entry.meaning = cleaned(row.meaning);
        entry.cause = cleaned(row.cause);
        entry.fix = cleaned(row.fix);
        if (!entry.severity && entry.meaning.empty() && entry.cause.empty() && entry.fix.empty()) {
            problems.push_back(where + "code " + std::to_string(code) + " changes nothing; row skipped");
            continue;
        }
        by_code_[code] = std::move(entry);
    }
    return problems;
}

const SiteOverride *SiteOverrides::find(unsigned code) const
{
    auto found = by_code_.find(code);
    return found == by_code_.end() ? nullptr : &found->second;
}

EffectiveAdvice effective_advice(const ResponseAdvice &advice, const SiteOverride *site)
{
    EffectiveAdvice effective{advice.record->severity, advice.record->cause, advice.record->fix};
    if (!site)
        return effective;
    effective.site = site;
    if (site->severity) {
        effective.severity = *site->severity;
        effective.severity_overridden = true;
    }
    if (!site->cause.empty())
        effective.cause = site->cause.c_str();
    if (!site->fix.empty())
        effective.fix = site->fix.c_str();
    return effective;
}

std::string effective_meaning(const ResponseAdvice &advice, const SiteOverride *site)
{
    return site && !site->meaning.empty() ? site->meaning : advice_meaning(advice);
}

} // namespace sipadvisor::core
