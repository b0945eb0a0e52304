/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/sip_parser.h"

#include "core/header_parsing.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace sipadvisor::core {

namespace {

bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The first space or tab in `text`, or npos. A loop, not
 * find_first_of(" \t"): libstdc++ runs one memchr over the two-byte set
 * per byte of `text`, which cost ~400 instructions per message on the top
 * Via's sent-by and the CSeq value. */
size_t find_blank(std::string_view text)
{
    for (size_t i = 0; i < text.size(); ++i)
        if (is_blank(text[i]))
            return i;
    return std::string_view::npos;
}

/* A table rather than a comparison: header and parameter names are
 * lower-cased byte by byte for every header of every message. */
struct LowerCaseTable {
    char map[256];
    constexpr LowerCaseTable() : map()
    {
        for (int i = 0; i < 256; ++i)
            map[i] = static_cast<char>(i >= 'A' && i <= 'Z' ? i - 'A' + 'a' : i);
    }
};
constexpr LowerCaseTable kLowerCase;

char ascii_lower(char c)
{
    return kLowerCase.map[static_cast<unsigned char>(c)];
}

/* `text` equals `lower_name` (lower case) ignoring ASCII case. */
bool equals_lower(std::string_view text, std::string_view lower_name)
{
    if (text.size() != lower_name.size())
        return false;
    for (size_t i = 0; i < text.size(); ++i)
        if (ascii_lower(text[i]) != lower_name[i])
            return false;
    return true;
}

/* Whether `c` occurs in text[from, to): memchr, because the callers below
 * run for every header of every message and most values hold no quote. */
bool contains(std::string_view text, size_t from, size_t to, char c)
{
    return from < to && std::memchr(text.data() + from, c, to - from) != nullptr;
}

/* Printable ASCII only (0x20..0x7e), eight bytes at a time: nearly every
 * value of every message is, and then make_displayable() has nothing to do.
 * A byte b < 0x20 or b > 0x7e sets its top bit in (b - 0x20) & ~b or in
 * (b + 0x01) | b; carries between bytes cannot hide the first such byte. */
bool printable_ascii(std::string_view text)
{
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        uint64_t x;
        std::memcpy(&x, text.data() + i, sizeof x);
        if ((((x - kOnes * 0x20) & ~x) | ((x + kOnes * 0x01) | x)) & kHigh)
            return false;
    }
    for (; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return true;
}

/* Space, tab, CR or LF: one comparison and one bit test. */
bool is_blank_or_line_end(char c)
{
    constexpr uint64_t kMask = (uint64_t{1} << ' ') | (uint64_t{1} << '\t') | (uint64_t{1} << '\r') | (uint64_t{1} << '\n');
    const auto byte = static_cast<unsigned char>(c);
    return byte <= ' ' && ((kMask >> byte) & 1) != 0;
}

std::string_view trim(std::string_view text)
{
    size_t first = 0;
    size_t last = text.size();
    while (first < last && is_blank_or_line_end(text[first]))
        ++first;
    while (last > first && is_blank_or_line_end(text[last - 1]))
        --last;
    return text.substr(first, last - first);
}

/* At most `limit` bytes, cut on a UTF-8 boundary. */
std::string_view bounded_view(std::string_view text, size_t limit)
{
    if (text.size() > limit) {
        size_t cut = limit;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut;
        text = text.substr(0, cut);
    }
    return text;
}

void make_displayable(std::string &text);

/* Every value the reader keeps goes through one of these two: at most
 * `limit` bytes, then made displayable (below). Doing that as each value is
 * kept, rather than over every field of the message at the end, skips the
 * fields a message does not have. */
std::string bounded(std::string_view text, size_t limit)
{
    std::string out(bounded_view(text, limit));
    make_displayable(out);
    return out;
}

/* `target` = bounded(text, limit), into the capacity `target` already has:
 * the reader reuses one SipMessageFacts per message slot, so after the
 * first frames most values need no allocation. */
void assign_bounded(std::string &target, std::string_view text, size_t limit)
{
    target.assign(bounded_view(text, limit));
    make_displayable(target);
}

/* Valid UTF-8 without control characters, in place: these strings become
 * Wireshark string fields, which must be valid UTF-8 and print on one
 * line, whatever bytes the capture holds. Invalid bytes become '?'. */
void make_displayable(std::string &text)
{
    if (printable_ascii(text))
        return;
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                text[i] = ' ';
            ++i;
            continue;
        }
        size_t length = c >= 0xC2 && c <= 0xDF   ? 2
                        : c >= 0xE0 && c <= 0xEF ? 3
                        : c >= 0xF0 && c <= 0xF4 ? 4
                                                 : 0; /* 0x80..0xC1, 0xF5..0xFF never start one */
        bool valid = length != 0 && i + length <= text.size();
        for (size_t k = 1; valid && k < length; ++k)
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        if (valid && length == 3) {
            unsigned char next = static_cast<unsigned char>(text[i + 1]);
            valid = !(c == 0xE0 && next < 0xA0) && !(c == 0xED && next >= 0xA0); /* overlong, surrogate */
        }
        if (valid && length == 4) {
            unsigned char next = static_cast<unsigned char>(text[i + 1]);
            valid = !(c == 0xF0 && next < 0x90) && !(c == 0xF4 && next >= 0x90);
        }
        if (!valid) {
            text[i] = '?';
            ++i;
        } else {
            i += length;
        }
    }
}

void make_displayable(std::vector<std::string> &list)
{
    for (std::string &text : list)
        make_displayable(text);
}

/* The next line of the header section, without its line end (CRLF or a bare
 * LF, which broken stacks send). Empty `line` at the blank line. */
inline bool next_line(std::string_view bytes, size_t &position, std::string_view &line)
{
    /* memchr and pointer arithmetic rather than find/substr: this runs for
     * every line of every message, and their checks cost more than the scan. */
    if (position >= bytes.size())
        return false;
    const char *const data = bytes.data();
    const void *newline = std::memchr(data + position, '\n', bytes.size() - position);
    const size_t end = newline ? static_cast<size_t>(static_cast<const char *>(newline) - data) : bytes.size();
    size_t line_end = end;
    if (line_end > position && data[line_end - 1] == '\r')
        --line_end;
    line = std::string_view(data + position, line_end - position);
    position = end + 1;
    return true;
}

/* The value of `;name=value` among parameters (case-insensitive name, given
 * in lower case), without allocating: this runs for every Via, From and To. */
std::string_view parameter(std::string_view params, std::string_view name)
{
    const bool has_quotes = contains(params, 0, params.size(), '"');
    size_t i = 0;
    while (i < params.size()) {
        /* one ';'-separated item, quotes respected */
        size_t start = i;
        if (!has_quotes) {
            i = params.find(';', i);
            if (i == std::string_view::npos)
                i = params.size();
        }
        bool quoted = false;
        for (; has_quotes && i < params.size(); ++i) {
            char c = params[i];
            if (c == '\\' && quoted)
                ++i;
            else if (c == '"')
                quoted = !quoted;
            else if (c == ';' && !quoted)
                break;
        }
        std::string_view item = params.substr(start, std::min(i, params.size()) - start);
        ++i;
        size_t equals = item.find('=');
        if (equals == std::string_view::npos || equals < name.size() || !equals_lower(trim(item.substr(0, equals)), name))
            continue;
        std::string_view value = trim(item.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        return value;
    }
    return {};
}

/* Where the first comma outside quotes and <...> is, or npos. */
size_t top_level_comma(std::string_view value, size_t from = 0)
{
    /* Usual case first: no quote and no '<' before the next comma. */
    size_t comma = value.find(',', from);
    size_t end = comma == std::string_view::npos ? value.size() : comma;
    if (!contains(value, from, end, '"') && !contains(value, from, end, '<'))
        return comma;
    bool quoted = false;
    int angle = 0;
    for (size_t i = from; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\\' && quoted) {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == '<') {
            /* Every Contact is "<uri>...": jump to its '>' when no '<' or
             * '"' comes first (those are counted one by one below). */
            const char *close =
                static_cast<const char *>(std::memchr(value.data() + i + 1, '>', value.size() - i - 1));
            const size_t close_at = close ? static_cast<size_t>(close - value.data()) : 0;
            if (angle == 0 && close && !contains(value, i + 1, close_at, '<') && !contains(value, i + 1, close_at, '"'))
                i = close_at;
            else
                ++angle;
        } else if (!quoted && c == '>' && angle > 0) {
            --angle;
        } else if (!quoted && angle == 0 && c == ',') {
            return i;
        }
    }
    return std::string_view::npos;
}

/* name-addr or addr-spec (From, To, Contact): the URI and the header
 * parameters. In `<sip:a@b;lr>;tag=1` the URI keeps ;lr and ;tag is a header
 * parameter; in `sip:a@b;tag=1` every parameter belongs to the header
 * (RFC 3261 §20). */
void split_address(std::string_view value, std::string_view &uri, std::string_view &params)
{
    bool quoted = false;
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\\' && quoted) {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == '<' && !quoted) {
            size_t close = value.find('>', i + 1);
            if (close == std::string_view::npos) {
                uri = trim(value.substr(i + 1));
                params = {};
                return;
            }
            uri = trim(value.substr(i + 1, close - i - 1));
            params = value.substr(close + 1);
            return;
        }
    }
    size_t semicolon = value.find(';');
    uri = trim(value.substr(0, semicolon));
    params = semicolon == std::string_view::npos ? std::string_view() : value.substr(semicolon);
}

/* "SIP/2.0/UDP host:port;branch=...;rport" */
void read_via(std::string_view value, SipMessageFacts &facts, const SipParseLimits &limits)
{
    const bool first_via = facts.via_count == 0;
    size_t top_end = std::string_view::npos;
    for (size_t start = 0;;) {
        size_t end = top_level_comma(value, start);
        if (top_end == std::string_view::npos)
            top_end = end;
        if (!trim(value.substr(start, end == std::string_view::npos ? end : end - start)).empty())
            ++facts.via_count;
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    if (!first_via)
        return; /* only the top Via names the transaction */
    std::string_view top = trim(value.substr(0, top_end));
    /* sent-protocol: three tokens separated by '/', blanks allowed around. */
    size_t first_slash = top.find('/');
    size_t second_slash = first_slash == std::string_view::npos ? first_slash : top.find('/', first_slash + 1);
    if (second_slash == std::string_view::npos)
        return;
    std::string_view rest = trim(top.substr(second_slash + 1));
    size_t transport_end = 0;
    while (transport_end < rest.size() && !is_blank(rest[transport_end]) && rest[transport_end] != ';')
        ++transport_end;
    assign_bounded(facts.via_transport, rest.substr(0, transport_end), limits.max_text);
    rest = trim(rest.substr(transport_end));
    size_t sent_by_end = rest.find(';');
    std::string_view sent_by = trim(rest.substr(0, sent_by_end));
    /* "host : port" is legal; keep it compact. */
    facts.via_sent_by.assign(bounded_view(sent_by, limits.max_text));
    if (find_blank(facts.via_sent_by) != std::string_view::npos)
        facts.via_sent_by.erase(std::remove_if(facts.via_sent_by.begin(), facts.via_sent_by.end(), is_blank),
                                facts.via_sent_by.end());
    make_displayable(facts.via_sent_by); /* after the blanks went: a control byte would become one */
    if (sent_by_end != std::string_view::npos)
        assign_bounded(facts.via_branch, parameter(rest.substr(sent_by_end), "branch"), limits.max_text);
}

void read_contacts(std::string_view value, SipMessageFacts &facts, const SipParseLimits &limits)
{
    /* Entries end at commas outside quotes and outside <...> (a URI in
     * angle brackets may hold a comma, RFC 3261 §20.10). */
    for (size_t start = 0, end = 0; end != std::string_view::npos && start <= value.size(); start = end + 1) {
        if (facts.contacts.size() >= limits.max_list)
            return;
        end = top_level_comma(value, start);
        std::string_view item =
            trim(value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (item.empty() || item == "*")
            continue;
        std::string_view uri, params;
        split_address(item, uri, params);
        if (uri.empty())
            continue;
        ContactFacts contact;
        contact.uri = bounded(uri, limits.max_text);
        std::string_view q = parameter(params, "q");
        if (!q.empty()) {
            std::string text(q.substr(0, 16));
            char *end = nullptr;
            double number = std::strtod(text.c_str(), &end);
            if (end != text.c_str() && number >= 0.0 && number <= 1.0)
                contact.q = number;
        }
        contact.expires = parse_delta_seconds(parameter(params, "expires"));
        facts.contacts.push_back(std::move(contact));
    }
}

void append_tokens(std::vector<std::string> &list, std::string_view value, const SipParseLimits &limits)
{
    if (list.size() >= limits.max_list)
        return;
    for (std::string &token : parse_token_list(value, limits.max_list - list.size()))
        list.push_back(bounded(token, limits.max_text));
}

/* media_type(content_type) == "application/sdp", without building the
 * lower-case copy: asked for every request with a body. */
bool is_sdp(std::string_view content_type)
{
    const size_t semicolon = content_type.find(';');
    return equals_lower(trim(content_type.substr(0, semicolon)), "application/sdp");
}

/* The encoding names an SDP offer lists, in the order of its m= lines (the
 * order of preference, RFC 3264 §5.1): the a=rtpmap name of each payload
 * type, or the RFC 3551 name of a static type without one. */
void read_sdp_codecs(std::string_view body, SipMessageFacts &facts, const SipParseLimits &limits)
{
    static const struct {
        uint32_t payload_type;
        const char *name;
    } kStatic[] = {{0, "PCMU"}, {3, "GSM"}, {4, "G723"}, {8, "PCMA"}, {9, "G722"}, {13, "CN"}, {18, "G729"}};
    /* Fixed arrays and views into the body, not vectors of strings: this
     * runs for every INVITE, and an offer lists a few formats. A name is
     * copied only when it is kept. */
    constexpr size_t kMaxFormats = 64;
    uint32_t offered[kMaxFormats]; /* payload types, m= order */
    size_t offered_count = 0;
    struct Rtpmap {
        uint32_t payload_type;
        std::string_view map; /* the a=rtpmap: value */
    } mapped[kMaxFormats];
    size_t mapped_count = 0;
    size_t position = 0;
    std::string_view line;
    while (next_line(body, position, line)) {
        if (line.rfind("m=", 0) == 0) {
            /* m=audio 49170 RTP/AVP 0 8 97: formats from the fourth word */
            size_t start = 2;
            for (unsigned word = 0; start < line.size() && offered_count < kMaxFormats; ++word) {
                size_t end = line.find(' ', start);
                if (end == std::string_view::npos)
                    end = line.size();
                if (word >= 3)
                    if (std::optional<uint32_t> type = parse_delta_seconds(line.substr(start, end - start));
                        type && *type < 128)
                        offered[offered_count++] = *type;
                start = end + 1;
            }
        } else if (line.rfind("a=rtpmap:", 0) == 0 && mapped_count < kMaxFormats) {
            std::string_view map = line.substr(9);
            if (std::optional<uint32_t> type = parse_delta_seconds(map.substr(0, map.find(' '))))
                mapped[mapped_count++] = {*type, map};
        }
    }
    for (size_t i = 0; i < offered_count; ++i) {
        const uint32_t type = offered[i];
        std::string name;
        const Rtpmap *found = std::find_if(mapped, mapped + mapped_count,
                                           [type](const Rtpmap &m) { return m.payload_type == type; });
        if (found != mapped + mapped_count) {
            const std::string encoding = rtpmap_encoding(found->map);
            name.assign(bounded_view(encoding, limits.max_text)); /* made displayable after the duplicates went */
        } else {
            for (const auto &known : kStatic)
                if (known.payload_type == type)
                    name = known.name;
        }
        if (!name.empty() && facts.sdp_codecs.size() < limits.max_list &&
            std::find(facts.sdp_codecs.begin(), facts.sdp_codecs.end(), name) == facts.sdp_codecs.end())
            facts.sdp_codecs.push_back(std::move(name));
    }
    make_displayable(facts.sdp_codecs);
}

/* Long and compact (RFC 3261 §7.3.3) header names we read. */
enum class Header {
    other, via, call_id, cseq, from, to, contact, event, sip_etag, sip_if_match, expires, retry_after,
    min_expires, min_se, session_expires, allow, unsupported, require, proxy_require, supported,
    allow_events, accept, accept_encoding, accept_language, content_type, content_length, warning, reason,
    www_authenticate, proxy_authenticate, authorization, proxy_authorization, max_forwards
};

Header accept_language_or_other(std::string_view lower)
{
    return lower == "accept-language" ? Header::accept_language : Header::other;
}

Header classify(std::string_view name)
{
    if (name.size() == 1) {
        switch (ascii_lower(name[0])) {
        case 'v': return Header::via;
        case 'i': return Header::call_id;
        case 'f': return Header::from;
        case 't': return Header::to;
        case 'm': return Header::contact;
        case 'o': return Header::event;
        case 'u': return Header::allow_events;
        case 'k': return Header::supported;
        case 'c': return Header::content_type;
        case 'l': return Header::content_length;
        case 'x': return Header::session_expires;
        default: return Header::other;
        }
    }
    /* Lower-case the name into a small buffer, then compare only against
     * the names of that length: this runs for every header line. */
    char lower[24];
    if (name.size() > sizeof lower)
        return Header::other;
    for (size_t i = 0; i < name.size(); ++i)
        lower[i] = ascii_lower(name[i]);
    const std::string_view n(lower, name.size());
    switch (n.size()) {
    case 2: return n == "to" ? Header::to : Header::other;
    case 3: return n == "via" ? Header::via : Header::other;
    case 4: return n == "cseq" ? Header::cseq : n == "from" ? Header::from : Header::other;
    case 5: return n == "event" ? Header::event : n == "allow" ? Header::allow : Header::other;
    case 6:
        return n == "accept" ? Header::accept : n == "min-se" ? Header::min_se : n == "reason" ? Header::reason
                                                                                                 : Header::other;
    case 7:
        return n == "call-id"   ? Header::call_id
               : n == "contact" ? Header::contact
               : n == "expires" ? Header::expires
               : n == "require" ? Header::require
               : n == "warning" ? Header::warning
                                : Header::other;
    case 8: return n == "sip-etag" ? Header::sip_etag : Header::other;
    case 9: return n == "supported" ? Header::supported : Header::other;
    case 11:
        return n == "retry-after"   ? Header::retry_after
               : n == "min-expires" ? Header::min_expires
               : n == "unsupported" ? Header::unsupported
                                    : Header::other;
    case 12:
        return n == "sip-if-match"   ? Header::sip_if_match
               : n == "allow-events" ? Header::allow_events
               : n == "content-type" ? Header::content_type
               : n == "max-forwards" ? Header::max_forwards
                                     : Header::other;
    case 13:
        return n == "proxy-require" ? Header::proxy_require : n == "authorization" ? Header::authorization
                                                                                   : Header::other;
    case 14: return n == "content-length" ? Header::content_length : Header::other;
    case 15:
        return n == "session-expires"   ? Header::session_expires
               : n == "accept-encoding" ? Header::accept_encoding
                                        : accept_language_or_other(n);
    case 16: return n == "www-authenticate" ? Header::www_authenticate : Header::other;
    case 18: return n == "proxy-authenticate" ? Header::proxy_authenticate : Header::other;
    case 19: return n == "proxy-authorization" ? Header::proxy_authorization : Header::other;
    default: return Header::other;
    }
}

void read_header(Header header, std::string_view value, SipMessageFacts &facts, const SipParseLimits &limits,
                 std::optional<uint32_t> &content_length)
{
    std::string_view uri, params;
    switch (header) {
    case Header::via: read_via(value, facts, limits); break;
    case Header::call_id:
        if (facts.call_id.empty())
            assign_bounded(facts.call_id, value, limits.max_text);
        break;
    case Header::cseq: {
        if (!facts.cseq_method.empty())
            break;
        size_t space = find_blank(value);
        if (std::optional<uint32_t> number = parse_delta_seconds(value.substr(0, space)))
            facts.cseq_seq = *number;
        if (space != std::string_view::npos)
            assign_bounded(facts.cseq_method, trim(value.substr(space)), limits.max_text);
        break;
    }
    case Header::from:
        if (facts.from_tag.empty()) {
            split_address(value, uri, params);
            assign_bounded(facts.from_tag, parameter(params, "tag"), limits.max_text);
        }
        break;
    case Header::to:
        if (facts.to_tag.empty()) {
            split_address(value, uri, params);
            assign_bounded(facts.to_tag, parameter(params, "tag"), limits.max_text);
        }
        break;
    case Header::contact: read_contacts(value, facts, limits); break;
    case Header::event:
        if (facts.event.empty())
            assign_bounded(facts.event, trim(value.substr(0, value.find(';'))), limits.max_text);
        break;
    case Header::sip_etag:
        if (facts.sip_etag.empty())
            assign_bounded(facts.sip_etag, value, limits.max_text);
        break;
    case Header::sip_if_match:
        if (facts.sip_if_match.empty())
            assign_bounded(facts.sip_if_match, value, limits.max_text);
        break;
    case Header::expires:
        if (!facts.expires)
            facts.expires = parse_delta_seconds(value);
        break;
    case Header::retry_after:
        if (!facts.retry_after) {
            RetryAfterValue retry = parse_retry_after(value);
            facts.retry_after = retry.seconds;
            assign_bounded(facts.retry_after_comment, retry.comment, limits.max_text);
        }
        break;
    case Header::min_expires:
        if (!facts.min_expires)
            facts.min_expires = parse_delta_seconds(value);
        break;
    case Header::min_se:
        if (!facts.min_se)
            facts.min_se = parse_delta_seconds(value.substr(0, value.find(';')));
        break;
    case Header::session_expires:
        if (!facts.session_expires)
            facts.session_expires = parse_delta_seconds(value.substr(0, value.find(';')));
        break;
    case Header::allow:
        facts.has_allow = true;
        append_tokens(facts.allow, value, limits);
        break;
    case Header::unsupported: append_tokens(facts.unsupported, value, limits); break;
    case Header::require: append_tokens(facts.require, value, limits); break;
    case Header::proxy_require: append_tokens(facts.proxy_require, value, limits); break;
    case Header::supported: append_tokens(facts.supported, value, limits); break;
    case Header::allow_events:
        facts.has_allow_events = true;
        append_tokens(facts.allow_events, value, limits);
        break;
    case Header::accept: append_tokens(facts.accept, value, limits); break;
    case Header::accept_encoding: append_tokens(facts.accept_encoding, value, limits); break;
    case Header::accept_language: append_tokens(facts.accept_language, value, limits); break;
    case Header::content_type:
        if (facts.content_type.empty())
            facts.content_type.assign(bounded_view(value, limits.max_text)); /* displayable after the SDP check */
        break;
    case Header::content_length:
        if (!content_length)
            content_length = parse_delta_seconds(value);
        break;
    case Header::warning:
        for (WarningFacts &warning : parse_warnings(value))
            if (facts.warnings.size() < limits.max_list) {
                warning.agent = bounded(warning.agent, limits.max_text);
                warning.text = bounded(warning.text, limits.max_text);
                facts.warnings.push_back(std::move(warning));
            }
        break;
    case Header::reason:
        for (ReasonFacts &reason : parse_reasons(value))
            if (facts.reasons.size() < limits.max_list) {
                reason.protocol = bounded(reason.protocol, limits.max_text);
                reason.text = bounded(reason.text, limits.max_text);
                facts.reasons.push_back(std::move(reason));
            }
        break;
    case Header::www_authenticate:
    case Header::proxy_authenticate:
        if (facts.auth_realm.empty())
            assign_bounded(facts.auth_realm, parse_auth_realm(value), limits.max_text);
        break;
    case Header::authorization:
    case Header::proxy_authorization: facts.has_authorization = true; break;
    case Header::max_forwards:
        if (!facts.max_forwards)
            facts.max_forwards = parse_delta_seconds(value);
        break;
    case Header::other: break;
    }
}

bool read_start_line(std::string_view line, SipMessageFacts &facts, const SipParseLimits &limits)
{
    if (line.size() >= 8 && equals_ignore_case(line.substr(0, 4), "SIP/")) {
        /* Status-Line: SIP-Version SP Status-Code SP Reason-Phrase */
        size_t space = line.find(' ');
        if (space == std::string_view::npos)
            return false;
        std::string_view rest = line.substr(space + 1);
        while (!rest.empty() && rest.front() == ' ')
            rest.remove_prefix(1);
        if (rest.size() < 3 || !std::isdigit(static_cast<unsigned char>(rest[0])) ||
            !std::isdigit(static_cast<unsigned char>(rest[1])) ||
            !std::isdigit(static_cast<unsigned char>(rest[2])) ||
            (rest.size() > 3 && std::isdigit(static_cast<unsigned char>(rest[3]))))
            return false;
        facts.is_request = false;
        facts.status_code = static_cast<uint16_t>((rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0'));
        return true;
    }
    /* Request-Line: Method SP Request-URI SP SIP-Version */
    size_t first = line.find(' ');
    size_t last = line.rfind(' ');
    if (first == std::string_view::npos || first == 0 || last == first)
        return false;
    std::string_view version = trim(line.substr(last + 1));
    if (version.size() < 4 || !equals_ignore_case(version.substr(0, 4), "SIP/"))
        return false;
    std::string_view method = line.substr(0, first);
    for (char c : method)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '!' &&
            c != '%' && c != '*' && c != '+' && c != '`' && c != '\'' && c != '~')
            return false;
    facts.is_request = true;
    assign_bounded(facts.method, method, limits.max_text);
    assign_bounded(facts.request_uri, trim(line.substr(first + 1, last - first - 1)), limits.max_text);
    return true;
}

/* Back to a default-constructed SipMessageFacts, but strings and lists keep
 * their buffers for the next message read into the same slot. */
void reset_keeping_capacity(SipMessageFacts &facts)
{
    /* A new member needs a line below. Where the size is known (libstdc++
     * on x86-64, as in CI) this fails the build until it has one. */
#if defined(__GLIBCXX__) && defined(__x86_64__)
    static_assert(sizeof(SipMessageFacts) == 960, "SipMessageFacts changed: update reset_keeping_capacity()");
#endif
    facts.frame = 0;
    facts.time = 0.0;
    facts.is_request = false;
    facts.status_code = 0;
    facts.cseq_seq = 0;
    for (std::string *text : {&facts.method, &facts.request_uri, &facts.call_id, &facts.cseq_method,
                              &facts.from_tag, &facts.to_tag, &facts.via_branch, &facts.via_sent_by,
                              &facts.via_transport, &facts.src_endpoint, &facts.dst_endpoint, &facts.event,
                              &facts.sip_etag, &facts.sip_if_match, &facts.retry_after_comment,
                              &facts.content_type, &facts.auth_realm})
        text->clear();
    facts.expires.reset();
    facts.contacts.clear();
    facts.retry_after.reset();
    facts.min_expires.reset();
    facts.min_se.reset();
    facts.session_expires.reset();
    for (std::vector<std::string> *list : {&facts.allow, &facts.unsupported, &facts.require, &facts.proxy_require,
                                           &facts.supported, &facts.allow_events, &facts.accept,
                                           &facts.accept_encoding, &facts.accept_language, &facts.sdp_codecs})
        list->clear();
    facts.warnings.clear();
    facts.reasons.clear();
    facts.has_authorization = false;
    facts.max_forwards.reset();
    facts.via_count = 0;
    facts.has_allow = false;
    facts.has_allow_events = false;
}

} // namespace

std::optional<SipMessageFacts> parse_sip_message(std::string_view bytes, const SipParseLimits &limits)
{
    SipMessageFacts facts;
    if (!parse_sip_message_into(bytes, facts, limits))
        return std::nullopt;
    return facts;
}

bool parse_sip_message_into(std::string_view bytes, SipMessageFacts &facts, const SipParseLimits &limits)
{
    reset_keeping_capacity(facts);
    size_t position = 0;
    std::string_view line;
    /* RFC 3261 §7.5: CRLFs before the start line are keep-alives; skip. */
    while (position < bytes.size() && (bytes[position] == '\r' || bytes[position] == '\n'))
        ++position;
    if (!next_line(bytes, position, line) || !read_start_line(line, facts, limits))
        return false;

    std::optional<uint32_t> content_length;
    /* The header being read: a view of its line, or, once a continuation
     * line follows (RFC 3261 §7.3.1 folding), the unfolded copy. */
    std::string_view header;
    std::string unfolded;
    auto flush = [&]() {
        std::string_view text = unfolded.empty() ? header : std::string_view(unfolded);
        /* No header yet (a continuation line first): an empty view, whose
         * data() may be null, which memchr must not get. */
        const void *colon = text.empty() ? nullptr : std::memchr(text.data(), ':', text.size());
        if (colon) {
            const size_t at = static_cast<size_t>(static_cast<const char *>(colon) - text.data());
            read_header(classify(trim(text.substr(0, at))), trim(text.substr(at + 1)), facts, limits,
                        content_length);
        }
        header = {};
        unfolded.clear();
    };
    bool ended = false;
    while (position < limits.max_header_bytes && next_line(bytes, position, line)) {
        if (line.empty()) {
            ended = true;
            break;
        }
        if (is_blank(line.front()) && !header.empty()) {
            if (unfolded.empty())
                unfolded.assign(header);
            if (unfolded.size() < limits.max_header_bytes) {
                unfolded += ' ';
                unfolded += trim(line);
            }
            continue;
        }
        if (!header.empty())
            flush();
        header = line;
    }
    flush();

    /* Only a request's offer is read: the evidence compares the codecs a
     * client offered with a 488/606 (core/evidence.h); an answer in a
     * response is never used. */
    if (facts.is_request && ended && position < bytes.size() && is_sdp(facts.content_type)) {
        size_t available = bytes.size() - position;
        size_t length = content_length ? std::min<size_t>(*content_length, available) : available;
        read_sdp_codecs(bytes.substr(position, std::min(length, limits.max_body_bytes)), facts, limits);
    }
    make_displayable(facts.content_type);
    return true;
}

} // namespace sipadvisor::core
