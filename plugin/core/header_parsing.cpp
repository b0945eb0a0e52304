/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/header_parsing.h"

#include <limits>

namespace sipadvisor::core {

namespace {

bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back()))
        text.remove_suffix(1);
    return text;
}

/* At most kMaxValueBytes, cut on a UTF-8 boundary, control characters
 * replaced: the result goes into Wireshark string fields. */
std::string bounded(std::string_view text)
{
    if (text.size() > kMaxValueBytes) {
        size_t cut = kMaxValueBytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut;
        text = text.substr(0, cut);
    }
    std::string out(text);
    for (char &c : out) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            c = ' ';
    }
    return out;
}

/* The content of a quoted-string starting at text[0] == '"', unescaped;
 * `rest` gets what follows the closing quote (empty if unterminated). */
std::string unquote(std::string_view text, std::string_view *rest = nullptr)
{
    std::string out;
    size_t i = 1;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            out += text[++i];
            continue;
        }
        if (c == '"')
            break;
        out += c;
        if (out.size() > kMaxValueBytes)
            break;
    }
    if (rest)
        *rest = i + 1 < text.size() ? text.substr(i + 1) : std::string_view();
    return bounded(out);
}

/* A parameter value: quoted-string unquoted, token as it stands. */
std::string param_value(std::string_view value)
{
    value = trim(value);
    if (!value.empty() && value.front() == '"')
        return unquote(value);
    return bounded(value);
}

/* Splits "name=value" into its trimmed, lower-cased name and its value. */
void split_param(std::string_view param, std::string &name, std::string_view &value)
{
    size_t equals = param.find('=');
    std::string_view raw = trim(param.substr(0, equals));
    name.clear();
    append_lower(name, raw.substr(0, 64));
    value = equals == std::string_view::npos ? std::string_view() : trim(param.substr(equals + 1));
}

} // namespace

bool equals_ignore_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

char *write_decimal(char *out, uint64_t value)
{
    /* Digits are produced last first: into a buffer, then copied. */
    char digits[20];
    char *first = digits + sizeof digits;
    do {
        *--first = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (first != digits + sizeof digits)
        *out++ = *first++;
    return out;
}

void append_decimal(std::string &out, uint64_t value)
{
    /* Appended at once: one capacity check instead of one per digit. */
    char digits[20];
    out.append(digits, static_cast<size_t>(write_decimal(digits, value) - digits));
}

void append_lower(std::string &out, std::string_view text)
{
    const size_t from = out.size();
    out.append(text.data(), text.size());
    for (size_t i = from; i < out.size(); ++i)
        out[i] = ascii_lower(out[i]);
}

namespace {

/* split_outside_quotes() one entry at a time: `take(entry)` returns false
 * to stop early (parse_auth_realm stops at the realm, before the long
 * nonce). The vector version below is this with a push_back. */
template <typename Take>
void for_each_outside_quotes(std::string_view value, char separator, size_t max_entries, Take take)
{
    size_t taken = 0;
    if (value.find_first_of("\"(") == std::string_view::npos) {
        /* No quoted string and no comment: every separator counts. This
         * runs for most Contact and list headers. */
        size_t start = 0;
        while (taken < max_entries) {
            size_t end = value.find(separator, start);
            ++taken;
            if (!take(trim(value.substr(start, end == std::string_view::npos ? end : end - start))))
                return;
            if (end == std::string_view::npos)
                break;
            start = end + 1;
        }
        return;
    }
    bool quoted = false;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= value.size() && taken < max_entries; ++i) {
        if (i == value.size()) {
            ++taken;
            take(trim(value.substr(start)));
            break;
        }
        char c = value[i];
        if (quoted) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == '(' && depth < 64) {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (c == separator && depth == 0) {
            ++taken;
            if (!take(trim(value.substr(start, i - start))))
                return;
            start = i + 1;
        }
    }
}

} // namespace

std::vector<std::string_view> split_outside_quotes(std::string_view value, char separator, size_t max_entries)
{
    std::vector<std::string_view> parts;
    for_each_outside_quotes(value, separator, max_entries, [&parts](std::string_view part) {
        parts.push_back(part);
        return true;
    });
    return parts;
}

std::optional<uint32_t> parse_delta_seconds(std::string_view text)
{
    text = trim(text);
    if (text.empty())
        return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (!is_digit(c))
            return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
        if (value > std::numeric_limits<uint32_t>::max())
            value = uint64_t{std::numeric_limits<uint32_t>::max()} + 1; /* stays saturated */
    }
    if (value > std::numeric_limits<uint32_t>::max())
        return std::numeric_limits<uint32_t>::max();
    return static_cast<uint32_t>(value);
}

RetryAfterValue parse_retry_after(std::string_view value)
{
    RetryAfterValue result;
    value = trim(value);
    size_t digits = 0;
    while (digits < value.size() && is_digit(value[digits]))
        ++digits;
    if (digits == 0)
        return result;
    std::string_view rest = value.substr(digits);
    /* "120abc" is garbage, "120 (x)" and "120;duration=1" are not. */
    if (!rest.empty() && !is_blank(rest.front()) && rest.front() != '(' && rest.front() != ';')
        return result;
    result.seconds = parse_delta_seconds(value.substr(0, digits));
    rest = trim(rest);
    if (!rest.empty() && rest.front() == '(') {
        int depth = 0;
        size_t i = 0;
        std::string comment;
        for (; i < rest.size(); ++i) {
            char c = rest[i];
            if (c == '\\' && i + 1 < rest.size()) {
                comment += rest[++i];
                continue;
            }
            if (c == '(' && ++depth == 1)
                continue;
            if (c == ')' && --depth == 0)
                break;
            comment += c;
            if (comment.size() > kMaxValueBytes)
                break;
        }
        result.comment = bounded(trim(comment));
        rest = i + 1 < rest.size() ? rest.substr(i + 1) : std::string_view();
    }
    std::vector<std::string_view> params = split_outside_quotes(rest, ';');
    std::string name;
    for (std::string_view param : params) {
        std::string_view param_text;
        split_param(param, name, param_text);
        if (name == "duration")
            result.duration = parse_delta_seconds(param_text);
    }
    return result;
}

std::vector<std::string> parse_token_list(std::string_view value, size_t max_entries)
{
    std::vector<std::string> tokens;
    for (std::string_view part : split_outside_quotes(value, ',', 4 * kMaxListEntries)) {
        if (tokens.size() >= max_entries)
            break;
        std::string_view token = trim(part.substr(0, part.find(';')));
        if (token.empty())
            continue;
        bool repeated = false;
        for (const std::string &seen : tokens)
            repeated = repeated || equals_ignore_case(seen, token);
        if (!repeated)
            tokens.push_back(bounded(token));
    }
    return tokens;
}

std::optional<WarningFacts> parse_warning(std::string_view value)
{
    value = trim(value);
    if (value.empty())
        return std::nullopt;
    WarningFacts warning;
    size_t digits = 0;
    while (digits < value.size() && is_digit(value[digits]))
        ++digits;
    std::string_view rest = value;
    if (digits > 0 && digits <= 3 && (digits == value.size() || is_blank(value[digits]))) {
        warning.code = static_cast<uint16_t>(std::stoi(std::string(value.substr(0, digits))));
        rest = trim(value.substr(digits));
    }
    if (!rest.empty() && rest.front() != '"') {
        size_t end = 0;
        while (end < rest.size() && !is_blank(rest[end]) && rest[end] != '"')
            ++end;
        warning.agent = bounded(rest.substr(0, end));
        rest = trim(rest.substr(end));
    }
    if (!rest.empty() && rest.front() == '"')
        warning.text = unquote(rest);
    else
        warning.text = bounded(rest); /* lenient: text without quotes */
    return warning;
}

std::vector<WarningFacts> parse_warnings(std::string_view value)
{
    std::vector<WarningFacts> warnings;
    for (std::string_view part : split_outside_quotes(value, ','))
        if (auto warning = parse_warning(part))
            warnings.push_back(std::move(*warning));
    return warnings;
}

std::optional<ReasonFacts> parse_reason(std::string_view value)
{
    std::vector<std::string_view> parts = split_outside_quotes(value, ';');
    if (parts.empty() || parts.front().empty())
        return std::nullopt;
    ReasonFacts reason;
    reason.protocol = bounded(parts.front());
    std::string name;
    for (size_t i = 1; i < parts.size(); ++i) {
        std::string_view param_text;
        split_param(parts[i], name, param_text);
        if (name == "cause") {
            std::optional<uint32_t> cause = parse_delta_seconds(param_text);
            reason.cause = cause ? *cause : 0;
        } else if (name == "text") {
            reason.text = param_value(param_text);
        }
    }
    return reason;
}

std::vector<ReasonFacts> parse_reasons(std::string_view value)
{
    std::vector<ReasonFacts> reasons;
    for (std::string_view part : split_outside_quotes(value, ','))
        if (auto reason = parse_reason(part))
            reasons.push_back(std::move(*reason));
    return reasons;
}

std::string parse_auth_realm(std::string_view challenge)
{
    challenge = trim(challenge);
    /* Skip the scheme ("Digest"): the parameters follow the first blank. */
    size_t blank = 0;
    while (blank < challenge.size() && !is_blank(challenge[blank]) && challenge[blank] != '=')
        ++blank;
    if (blank < challenge.size() && challenge[blank] != '=')
        challenge = challenge.substr(blank);
    /* Entry by entry, stopping at the realm (usually the first, ahead of a
     * long nonce); the name compared in place (split_param() would build
     * its lower-case copy). */
    std::string realm;
    for_each_outside_quotes(challenge, ',', 4 * kMaxListEntries, [&realm](std::string_view param) {
        const size_t equals = param.find('=');
        if (!equals_ignore_case(trim(param.substr(0, equals)), "realm"))
            return true;
        realm = param_value(equals == std::string_view::npos ? std::string_view() : trim(param.substr(equals + 1)));
        return false;
    });
    return realm;
}

std::string rtpmap_encoding(std::string_view rtpmap)
{
    rtpmap = trim(rtpmap);
    size_t blank = 0;
    while (blank < rtpmap.size() && !is_blank(rtpmap[blank]))
        ++blank;
    std::string_view encoding = trim(rtpmap.substr(blank));
    encoding = encoding.substr(0, encoding.find('/'));
    return bounded(trim(encoding));
}

std::string media_type(std::string_view content_type)
{
    std::string_view type = trim(content_type.substr(0, content_type.find(';')));
    /* Lower-cased in place (blanks are unchanged by it), control
     * characters replaced as bounded() does; at most kMaxValueBytes. */
    std::string out;
    append_lower(out, type.substr(0, kMaxValueBytes));
    for (char &c : out) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            c = ' ';
    }
    return out;
}

} // namespace sipadvisor::core
