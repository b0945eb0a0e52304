/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/evidence.h"

#include "core/cause_codes.h"
#include "core/correlation_text.h"
#include "core/header_parsing.h"
#include "core/key_builder.h"

#include <algorithm>

namespace sipadvisor::core {

namespace {

constexpr size_t kShown = 48;            /* bytes of capture text inside a sentence */
constexpr size_t kItemValue = 200;       /* bytes of an item value */
constexpr size_t kListInSentence = 6;    /* list entries named in a sentence */
constexpr size_t kMaxReasonItems = 4;
constexpr uint32_t kOneDay = 86400;
constexpr uint32_t kOneWeek = 7 * kOneDay;

std::string num(uint64_t value)
{
    return std::to_string(value);
}

std::string frame_of(uint32_t frame)
{
    return "frame " + num(frame);
}

/* "the REGISTER in frame 12", or "the request" when it is not known. */
std::string request_ref(const RequestEvidence *request, const SipMessageFacts &response)
{
    const std::string &method = request && !request->method.empty() ? request->method : response.cseq_method;
    std::string name = method.empty() ? std::string("request") : shortened(method, 24);
    if (request && request->frame)
        return "the " + name + " in frame " + num(request->frame);
    return "the " + name + " (not in the capture)";
}

std::string method_of(const RequestEvidence *request, const SipMessageFacts &response)
{
    return request && !request->method.empty() ? request->method : response.cseq_method;
}

/* "a, b, c" of at most `limit` entries, each shortened, "..." if more. */
std::string joined(const std::vector<std::string> &list, size_t limit = kListInSentence, size_t each = 24)
{
    std::string out;
    size_t shown = 0;
    for (size_t i = 0; i < list.size() && i < kMaxListEntries; ++i) {
        if (list[i].empty())
            continue;
        if (shown == limit) {
            out += ", ...";
            break;
        }
        if (shown++)
            out += ", ";
        out += shortened(list[i], each);
    }
    return out;
}

bool contains_ignore_case(const std::vector<std::string> &list, const std::string &wanted)
{
    for (size_t i = 0; i < list.size() && i < kMaxListEntries; ++i)
        if (equals_ignore_case(list[i], wanted))
            return true;
    return false;
}

std::vector<std::string> non_empty(const std::vector<std::string> &list)
{
    std::vector<std::string> out;
    for (size_t i = 0; i < list.size() && i < kMaxListEntries; ++i)
        if (list[i].find_first_not_of(" \t") != std::string::npos && !contains_ignore_case(out, list[i]))
            out.push_back(list[i]);
    return out;
}

class Builder {
public:
    explicit Builder(EvidenceFindings &findings) : findings_(findings) {}
    void item(const std::string &label, const std::string &value)
    {
        if (findings_.items.size() < kMaxEvidenceItems)
            findings_.items.push_back({label, shortened(value, kItemValue)});
    }
    /* `present`: whether the header was there at all; an empty list then
     * shows as "(empty)", a missing header as "absent". */
    void list_item(const std::string &label, const std::vector<std::string> &list, bool present = true)
    {
        std::vector<std::string> entries = non_empty(list);
        item(label, !entries.empty() ? joined(entries, kMaxListEntries, 64)
                    : present        ? std::string("(empty)")
                                     : std::string("absent"));
    }
    /* The first specific fix wins. */
    void fix(const std::string &sentence)
    {
        if (findings_.fix.empty() && !sentence.empty()) {
            findings_.fix = sentence;
            if (findings_.fix[0] >= 'a' && findings_.fix[0] <= 'z')
                findings_.fix[0] = static_cast<char>(findings_.fix[0] - 'a' + 'A');
        }
    }
    bool has_fix() const { return !findings_.fix.empty(); }
    void severity(Severity severity) { findings_.severity = severity; }

private:
    EvidenceFindings &findings_;
};

std::string seconds_text(uint32_t value)
{
    std::string text = num(value) + " s";
    if (value >= 2 * 3600 && value < kOneWeek * 52)
        text += " (" + num(value / 3600) + " h)";
    else if (value >= kOneWeek * 52)
        text += " (over a year)";
    return text;
}

/* --- Retry-After and 503 -------------------------------------------------- */

void retry_after(const SipMessageFacts &response, Builder &out)
{
    unsigned code = response.status_code;
    if (!response.retry_after) {
        if (code == 503) {
            out.item("Retry-After", "absent");
            out.fix("No Retry-After: the server is overloaded or has lost its downstream trunk or gateway and "
                    "names no time to wait; fail over to the next server of the DNS SRV set (RFC 3263) and "
                    "check that hop's load and trunk status.");
        }
        return;
    }
    uint32_t wait = *response.retry_after;
    std::string value = num(wait);
    if (!response.retry_after_comment.empty())
        value += " (" + response.retry_after_comment + ")";
    out.item("Retry-After", value);
    if (code < 300)
        return;
    std::string header = "(Retry-After: " + num(wait) +
                         (response.retry_after_comment.empty()
                              ? std::string()
                              : " \"" + shortened(response.retry_after_comment, kShown) + "\"") +
                         ")";
    if (wait > kOneWeek) {
        out.fix("Retry-After asks for " + seconds_text(wait) + ", more than a week " + header +
                ": treat the target as out of service and route elsewhere instead of waiting.");
        return;
    }
    if (wait == 0) {
        out.fix("Retry-After: 0 allows an immediate retry; if the retry fails the same way, the condition is "
                "not transient and needs a look at the server.");
        return;
    }
    std::string when = "in " + seconds_text(wait) + " " + header;
    switch (code) {
    case 500:
    case 503:
        out.fix("The server asks clients to stay away for " + seconds_text(wait) + " " + header +
                ": retry this server only after that, and meanwhile send new requests to another server "
                "of the DNS SRV set (RFC 3263).");
        break;
    case 486:
    case 600:
        out.fix("The callee is busy and suggests calling back " + when + ": retry then, not sooner.");
        break;
    case 480:
        out.fix("The callee expects to be reachable again " + when + ": retry then, or route to voicemail.");
        break;
    case 603:
        out.fix("The callee declined but suggests trying again " + when + ": do not retry before then.");
        break;
    default:
        out.fix("The server says the request may be retried " + when + ": retry no sooner.");
        break;
    }
}

/* --- 423 and 422: intervals ------------------------------------------------ */

std::string interval_noun(const std::string &method)
{
    if (method == "REGISTER")
        return "registration interval (Expires or Contact ;expires=)";
    if (method == "SUBSCRIBE")
        return "subscription interval (Expires)";
    if (method == "PUBLISH")
        return "publication interval (Expires)";
    return "Expires value";
}

void interval_too_brief(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    const std::string ref = request_ref(request, response);
    const std::string noun = interval_noun(method_of(request, response));
    const bool has_asked = request && request->expires;
    const uint32_t asked_value = has_asked ? *request->expires : 0;
    if (response.min_expires)
        out.item("Min-Expires", num(*response.min_expires));
    else
        out.item("Min-Expires", "absent");
    if (has_asked)
        out.item("Requested Expires", num(asked_value));
    if (!response.min_expires) {
        out.fix("The 423 carries no Min-Expires, which RFC 3261 §10.3 requires, so the client cannot know the "
                "minimum: raise the " + noun + " (e.g. to 3600 s) and report the missing header to the server's "
                "vendor.");
        return;
    }
    uint32_t minimum = *response.min_expires;
    std::string absurd = minimum > kOneDay ? " (more than a day: check the server's minimum setting)" : "";
    if (has_asked && asked_value == 0) {
        out.fix(ref + " asked for Expires 0 (remove), which RFC 3261 §10.3 never allows a 423 for: the server "
                "is at fault, report it.");
        return;
    }
    if (has_asked && asked_value >= minimum) {
        out.fix("Min-Expires: " + num(minimum) + " but " + ref + " asked for " + num(asked_value) +
                " s, which is not shorter: a proxy or SBC may have rewritten the interval, or the server "
                "checks another value (Contact ;expires=)" + absurd + ".");
        return;
    }
    std::string sentence = "The server requires at least " + num(minimum) + " s (Min-Expires: " + num(minimum) +
                           ")" + absurd;
    if (has_asked)
        sentence += "; " + ref + " asked for " + num(asked_value) + " s";
    out.fix(sentence + ": set the " + noun + " to " + num(minimum) + " s or more.");
}

void session_interval_too_small(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    const std::string ref = request_ref(request, response);
    const bool has_asked = request && request->session_expires;
    const uint32_t asked_value = has_asked ? *request->session_expires : 0;
    out.item("Min-SE", response.min_se ? num(*response.min_se) : std::string("absent"));
    if (has_asked)
        out.item("Requested Session-Expires", num(asked_value));
    if (!response.min_se) {
        out.fix("The 422 carries no Min-SE, which RFC 4028 §6 requires: raise Session-Expires (the default is "
                "1800 s) and report the missing header to the server's vendor.");
        return;
    }
    uint32_t minimum = *response.min_se;
    std::string absurd = minimum > kOneDay ? " (more than a day: check the server's Min-SE setting)" : "";
    if (request && !has_asked) {
        out.fix("The server wants a session interval of at least " + num(minimum) + " s (Min-SE: " +
                num(minimum) + ")" + absurd + " but " + ref +
                " carried no Session-Expires, so a proxy added a smaller one: send Session-Expires: " +
                num(minimum) + " or more.");
        return;
    }
    if (has_asked && asked_value >= minimum) {
        out.fix("Min-SE: " + num(minimum) + " but " + ref + " asked for " + num(asked_value) +
                " s, which is not smaller: a proxy on the path lowered Session-Expires or the server is "
                "inconsistent" + absurd + ".");
        return;
    }
    std::string sentence = "The server requires a session interval of at least " + num(minimum) +
                           " s (Min-SE: " + num(minimum) + ")" + absurd;
    if (has_asked)
        sentence += "; " + ref + " asked for " + num(asked_value) + " s";
    out.fix(sentence + ": set Session-Expires and Min-SE to " + num(minimum) + " s or more.");
}

/* --- 405, 420, 421: methods and extensions -------------------------------- */

void method_not_allowed(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    std::vector<std::string> allow = non_empty(response.allow);
    std::string method = method_of(request, response);
    out.list_item("Allow", response.allow, response.has_allow || !response.allow.empty());
    if (!method.empty())
        out.item("Method used", method);
    if (allow.empty()) {
        out.fix("The 405 lists no methods, although RFC 3261 §21.4.6 requires an Allow header: ask the server "
                "with OPTIONS what it supports, and report the missing Allow.");
        return;
    }
    if (!method.empty() && contains_ignore_case(allow, method)) {
        out.fix("Allow lists " + shortened(method, 24) + " itself: the server refuses it only for this target "
                "(Request-URI or dialog state), or is inconsistent; check its per-resource policy.");
        return;
    }
    out.fix("The server allows " + joined(allow, 10) + " (Allow) but not " +
            (method.empty() ? std::string("the method used") : shortened(method, 24)) +
            (request && request->frame ? ", used in frame " + num(request->frame) : std::string()) +
            ": send it to an element that supports it or enable it there.");
}

void bad_extension(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    std::vector<std::string> unsupported = non_empty(response.unsupported);
    out.list_item("Unsupported", response.unsupported);
    if (request) {
        if (!request->require.empty())
            out.list_item("Requested Require", request->require);
        if (!request->proxy_require.empty())
            out.list_item("Requested Proxy-Require", request->proxy_require);
    }
    const std::string ref = request_ref(request, response);
    if (unsupported.empty()) {
        std::string asked = request ? joined(non_empty(request->require)) : std::string();
        std::string proxy = request ? joined(non_empty(request->proxy_require)) : std::string();
        std::string tags = asked.empty() ? proxy : proxy.empty() ? asked : asked + ", " + proxy;
        out.fix("The 420 has no Unsupported header naming the extension (RFC 3261 §8.2.2.3 asks for it): " +
                (tags.empty() ? std::string("compare the request's Require and Proxy-Require")
                              : "one of " + ref + "'s required tags (" + tags + ")") +
                " is the culprit; move it to Supported.");
        return;
    }
    for (const std::string &tag : unsupported) {
        if (request && contains_ignore_case(request->require, tag)) {
            out.fix("The server does not support '" + shortened(tag, 24) + "' (Unsupported), which " + ref +
                    " demanded in Require: list it in Supported instead so the request works without it, or "
                    "enable the extension on the server.");
            return;
        }
        if (request && contains_ignore_case(request->proxy_require, tag)) {
            out.fix("A proxy on the path does not support '" + shortened(tag, 24) + "' (Unsupported), which " +
                    ref + " demanded in Proxy-Require: remove it from Proxy-Require or route via a proxy that "
                    "supports it.");
            return;
        }
    }
    out.fix("The server does not support " + joined(unsupported) + " (Unsupported)" +
            (request ? ", which " + ref + " did not list in Require or Proxy-Require: an element on the path added "
                       "the requirement"
                     : std::string()) +
            ": stop requiring it or enable it on the server.");
}

void extension_required(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    std::vector<std::string> required = non_empty(response.require);
    out.list_item("Require", response.require);
    if (request && !request->supported.empty())
        out.list_item("Requested Supported", request->supported);
    if (required.empty()) {
        out.fix("The 421 names no extension in Require, which RFC 3261 §21.4.16 expects: the client cannot "
                "comply; report it to the server's vendor.");
        return;
    }
    const std::string ref = request_ref(request, response);
    for (const std::string &tag : required) {
        if (request && contains_ignore_case(request->supported, tag)) {
            out.fix("The server requires '" + shortened(tag, 24) + "', which " + ref +
                    " already listed in Supported: the server should have used it; report it to its vendor.");
            return;
        }
    }
    out.fix("The server requires " + joined(required) + " (Require), which " + ref +
            " did not offer: enable the extension on the client and list it in Supported, or relax the "
            "requirement on the server.");
}

/* --- 415: media types ------------------------------------------------------ */

bool media_range_matches(const std::string &range, const std::string &type)
{
    std::string wanted = media_type(range);
    if (wanted == "*/*" || wanted == type)
        return true;
    size_t slash = wanted.find('/');
    return slash != std::string::npos && wanted.compare(slash, std::string::npos, "/*") == 0 &&
           type.compare(0, slash + 1, wanted, 0, slash + 1) == 0;
}

void unsupported_media_type(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    std::vector<std::string> accept = non_empty(response.accept);
    std::vector<std::string> encodings = non_empty(response.accept_encoding);
    std::vector<std::string> languages = non_empty(response.accept_language);
    std::string sent = request ? request->content_type : std::string();
    if (!accept.empty())
        out.list_item("Accept", accept);
    if (!encodings.empty())
        out.list_item("Accept-Encoding", encodings);
    if (!languages.empty())
        out.list_item("Accept-Language", languages);
    if (!sent.empty())
        out.item("Content-Type sent", sent);
    const std::string ref = request_ref(request, response);
    if (accept.empty() && encodings.empty() && languages.empty()) {
        out.fix("The 415 lists no Accept, Accept-Encoding or Accept-Language, which RFC 3261 §21.4.13 asks for: "
                "compare " + ref + "'s body type" + (sent.empty() ? std::string() : " (" + shortened(sent, kShown) + ")") +
                " with what the server documents.");
        return;
    }
    bool type_ok = accept.empty();
    for (const std::string &range : accept)
        type_ok = type_ok || (!sent.empty() && media_range_matches(range, sent));
    if (!type_ok) {
        out.fix("The server accepts " + joined(accept, kListInSentence, 40) + " (Accept); " + ref + " sent " +
                (sent.empty() ? std::string("another body type") : shortened(sent, kShown)) +
                ": send one of the accepted types.");
        return;
    }
    if (!encodings.empty()) {
        out.fix("The body type is acceptable, so the Content-Encoding is the problem: the server takes only " +
                joined(encodings) + " (Accept-Encoding): send the body unencoded or in one of those.");
        return;
    }
    if (!languages.empty()) {
        out.fix("The body type is acceptable, so the Content-Language is the problem: the server takes only " +
                joined(languages) + " (Accept-Language).");
        return;
    }
    out.fix("Accept lists " + shortened(sent, kShown) + " itself: the refusal concerns the body's parameters "
            "(charset, version) or a multipart part; check each part's type.");
}

/* --- 489: event packages --------------------------------------------------- */

void bad_event(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    std::vector<std::string> allowed = non_empty(response.allow_events);
    std::string event = request ? request->event : std::string();
    out.list_item("Allow-Events", response.allow_events,
                  response.has_allow_events || !response.allow_events.empty());
    if (request)
        out.item("Event used", event.empty() ? std::string("(none)") : event);
    const std::string ref = request_ref(request, response);
    if (request && event.empty()) {
        out.fix(ref + " carried no Event header: add Event with the package to subscribe to (RFC 6665).");
        return;
    }
    if (allowed.empty()) {
        out.fix("The 489 carries no Allow-Events, which RFC 6665 expects in it: the notifier does not say which "
                "packages it supports" + (event.empty() ? std::string() : ", and '" + shortened(event, 32) + "' is not one") +
                "; check its configuration.");
        return;
    }
    if (!event.empty() && contains_ignore_case(allowed, event)) {
        out.fix("Allow-Events lists '" + shortened(event, 32) + "' itself: the package is supported but not for "
                "this resource or with these Event parameters; check the target and the id parameter.");
        return;
    }
    out.fix("The server supports " + joined(allowed) + " (Allow-Events)" +
            (event.empty() ? std::string() : " but not '" + shortened(event, 32) + "', which " + ref + " used") +
            ": use a supported package or enable this one on the server.");
}

/* --- Warning, 488/606 ------------------------------------------------------ */

std::string warning_value(const WarningFacts &warning)
{
    std::string value = warning.code ? num(warning.code) : std::string("(no code)");
    if (!warning.agent.empty())
        value += " " + shortened(warning.agent, kShown);
    if (!warning.text.empty())
        value += " \"" + shortened(warning.text, 120) + "\"";
    if (const WarningCode *known = find_warning_code(warning.code)) {
        if (!equals_ignore_case(warning.text, known->text))
            value += ": " + std::string(known->text);
    }
    else if (warning.code >= 300 && warning.code <= 399)
        value += ": not a registered warn-code";
    return value;
}

void warnings(const SipMessageFacts &response, Builder &out)
{
    size_t shown = 0;
    for (const WarningFacts &warning : response.warnings) {
        if (shown++ == 4)
            break;
        out.item("Warning", warning_value(warning));
    }
}

/* The first registered Warning; else the first with a well-formed code,
 * which still says something (an unregistered or private warn-code); a
 * value without a code says nothing. */
const WarningFacts *first_known_warning(const SipMessageFacts &response)
{
    const WarningFacts *unregistered = nullptr;
    size_t seen = 0;
    for (const WarningFacts &warning : response.warnings) {
        if (seen++ == kMaxListEntries)
            break;
        if (find_warning_code(warning.code))
            return &warning;
        if (!unregistered && warning.code >= 100 && warning.code <= 999)
            unregistered = &warning;
    }
    return unregistered;
}

void not_acceptable_offer(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    std::vector<std::string> codecs = request ? non_empty(request->sdp_codecs) : std::vector<std::string>();
    if (!codecs.empty())
        out.list_item("Offered codecs", codecs);
    const std::string offer = request && request->frame ? "the offer in frame " + num(request->frame) : "the offer";
    std::string offered = codecs.empty() ? std::string() : " (" + joined(codecs, 8, 16) + ")";
    if (const WarningFacts *warning = first_known_warning(response)) {
        const WarningCode *known = find_warning_code(warning->code);
        if (!known) {
            out.fix("Warning " + num(warning->code) + " (not a registered warn-code) from " +
                    (warning->agent.empty() ? std::string("the far end") : shortened(warning->agent, 64)) +
                    (warning->text.empty() ? std::string() : " says \"" + shortened(warning->text, 80) + "\"") +
                    " about " + offer + offered +
                    ": read it as the sender's own reason, and compare the offer with what that element accepts.");
            return;
        }
        std::string said = warning->code == 399 && !warning->text.empty()
                               ? " \"" + shortened(warning->text, 80) + "\""
                               : std::string(" ") + known->text;
        out.fix("Warning " + num(warning->code) + said + " about " + offer + offered + ": " + known->fix);
        return;
    }
    if (!codecs.empty()) {
        out.fix("No Warning says why; " + offer + " listed" + offered +
                ": compare it with the codecs, media types and SRTP settings the far end accepts and offer one "
                "of those.");
        return;
    }
    if (request && request->method == "INVITE" && request->content_type.empty())
        out.fix(request_ref(request, response) + " carried no SDP, so the rejected offer was in a later message "
                "(2xx, ACK or UPDATE): check that session description.");
}

/* --- 401/407 --------------------------------------------------------------- */

void challenge(const SipMessageFacts &response, const RequestEvidence *request, const EvidenceContext &context,
               Builder &out)
{
    bool proxy = response.status_code == 407;
    const char *header = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
    const char *credentials = proxy ? "Proxy-Authorization" : "Authorization";
    std::string realm = shortened(response.auth_realm, kShown);
    out.item("Realm", realm.empty() ? std::string("(none)") : realm);
    /* 0: unknown, 1: no, 2: yes */
    int had = 0;
    if (context.auth && context.auth->request_had_credentials)
        had = *context.auth->request_had_credentials ? 2 : 1;
    else if (!context.auth && request)
        had = request->has_authorization ? 2 : 1;
    out.item("Credentials in request", had == 0   ? std::string("unknown (request not in the capture)")
                                       : had == 2 ? std::string("yes")
                                                  : std::string("no"));
    if (context.auth && context.auth->challenges > 1) {
        out.item("Challenges in chain", num(context.auth->challenges));
        if (context.auth->previous_challenge_frame)
            out.item("Previous challenge", frame_of(context.auth->previous_challenge_frame));
    }
    const std::string ref = request_ref(request, response);
    if (response.auth_realm.empty()) {
        out.fix(std::string("The ") + (proxy ? "407" : "401") + " carries no " + header +
                " realm (RFC 3261 §22.1 requires a challenge): the client cannot answer it; check the server's "
                "authentication setup.");
        return;
    }
    if (context.auth && context.auth->repeated) {
        out.severity(Severity::warn);
        std::string realm_change;
        if (!context.auth->previous_realm.empty() && context.auth->previous_realm != response.auth_realm)
            realm_change = " after a challenge for realm \"" + shortened(context.auth->previous_realm, kShown) +
                           "\"";
        out.fix(ref + " already carried " + credentials + " and was challenged again (realm \"" + realm + "\"" +
                realm_change +
                (context.auth->previous_challenge_frame
                     ? ", previous challenge in " + frame_of(context.auth->previous_challenge_frame)
                     : std::string()) +
                "): the password or user name is wrong, or the credentials were made for another realm; check "
                "both for realm \"" + realm + "\" (a stale=true challenge only asks for a new nonce).");
        return;
    }
    if (had == 2) {
        out.fix(ref + " carried " + credentials + " but was challenged: its nonce may be stale (stale=true) or "
                "the credentials are wrong; if the retry with the new nonce is challenged again, fix the "
                "password for realm \"" + realm + "\".");
        return;
    }
    out.fix("Routine challenge: resend " + (request ? ref : std::string("the request")) + " with " + credentials +
            " for realm \"" + realm + "\"; only a retry that is challenged again means wrong credentials.");
}

/* --- 481, 487: dialogs and CANCEL ------------------------------------------ */

void request_terminated(const SipMessageFacts &response, const RequestEvidence *request,
                        const EvidenceContext &context, Builder &out)
{
    if (context.cancel_frame) {
        out.item("CANCEL", frame_of(context.cancel_frame));
        bool elsewhere = false;
        for (size_t i = 0; i < context.cancel_reasons.size() && i < kMaxListEntries; ++i) {
            const ReasonFacts &reason = context.cancel_reasons[i];
            if (equals_ignore_case(reason.protocol, "SIP") && reason.cause == 200)
                elsewhere = true;
        }
        for (const EvidenceItem &item : reason_evidence(context.cancel_reasons))
            out.item("CANCEL " + item.label, item.value);
        out.severity(Severity::chat);
        if (elsewhere)
            out.fix("Routine: the call was answered on another device (Reason SIP;cause=200 in the CANCEL in " +
                    frame_of(context.cancel_frame) + "), so this branch was cancelled.");
        else
            out.fix("Routine: the CANCEL in " + frame_of(context.cancel_frame) + " ended " +
                    request_ref(request, response) +
                    " before it was answered; if the caller did not hang up, find who sent the CANCEL (timer, "
                    "forking proxy).");
        return;
    }
    out.item("CANCEL", "not in the capture");
    out.fix("No CANCEL for " + request_ref(request, response) +
            " is in the capture: it took another path, or an element ended the request itself (INVITE Expires, "
            "a forking proxy, a B2BUA); follow the Call-ID on the far side.");
}

void no_such_transaction(const SipMessageFacts &response, const RequestEvidence *request,
                         const EvidenceContext &context, Builder &out)
{
    const std::string method = method_of(request, response);
    const std::string ref = request_ref(request, response);
    if (method == "CANCEL") {
        if (context.invite_final_frame) {
            out.item("INVITE answered", num(context.invite_final_code) + " in " + frame_of(context.invite_final_frame));
            out.severity(Severity::note);
            out.fix("The INVITE had already been answered (" + num(context.invite_final_code) + " in " +
                    frame_of(context.invite_final_frame) + ") when " + ref +
                    " arrived: a normal race; to end an answered call, send BYE.");
            return;
        }
        if (context.invite_frame) {
            out.item("INVITE", frame_of(context.invite_frame));
            out.fix("The INVITE in " + frame_of(context.invite_frame) + " had no final response yet, so the "
                    "server never had its transaction: the CANCEL must go to the same hop as the INVITE with the "
                    "same top Via branch, Call-ID, From tag and CSeq number (RFC 3261 §9.1).");
            return;
        }
        out.item("INVITE", "not in the capture");
        out.fix("The INVITE this CANCEL targets is not in the capture; check that the CANCEL copies its Via "
                "branch, Call-ID, From tag and CSeq number and goes to the same hop (RFC 3261 §9.1).");
        return;
    }
    if (context.dialog_ended_frame && (!request || context.dialog_ended_frame != request->frame)) {
        out.item("Dialog ended", "BYE in " + frame_of(context.dialog_ended_frame));
        out.severity(Severity::note);
        out.fix("The dialog had already been ended by the BYE in " + frame_of(context.dialog_ended_frame) + ", so " +
                ref + " came too late: usually a harmless race, or a client that keeps a dialog after hanging up.");
        return;
    }
    if (context.dialog_established_frame) {
        out.item("Dialog established", frame_of(context.dialog_established_frame));
        out.fix("The dialog was set up by the 2xx in " + frame_of(context.dialog_established_frame) +
                " and not ended in the capture, yet the server no longer knows it: it lost state (restart, "
                "failover) or an SBC/B2BUA changed the Call-ID or tags of " + ref + ".");
        return;
    }
    out.item("Dialog", "not set up in the capture");
    out.fix("No dialog with this Call-ID and tags was set up in the capture (it may have started earlier): "
            "compare " + ref + "'s Call-ID, From tag and To tag with the ones of the dialog's 2xx.");
}

/* --- 482, 483: loops and hops ---------------------------------------------- */

void loop_or_hops(const SipMessageFacts &response, const RequestEvidence *request, Builder &out)
{
    bool loop = response.status_code == 482;
    const std::string ref = request_ref(request, response);
    if (!request) {
        out.fix(std::string(loop ? "Loop detected" : "Too many hops") +
                ", and the request is not in the capture: capture where it enters the proxy chain to read its "
                "Via count and Max-Forwards.");
        return;
    }
    if (request->via_count)
        out.item("Via count", num(request->via_count));
    if (request->max_forwards)
        out.item("Max-Forwards", num(*request->max_forwards));
    uint32_t vias = request->via_count;
    if (loop) {
        out.fix(ref + " already had " + num(vias) + " Via header" + (vias == 1 ? "" : "s") +
                (vias >= 5 ? ", a sign that it went around between proxies" : std::string()) +
                ": a proxy found itself in the path; check the routes (and DNS/SRV targets) that send the "
                "request back to it.");
        return;
    }
    if (!request->max_forwards) {
        out.fix(ref + " carried no Max-Forwards (RFC 3261 requires 70): the first hop chose a small default; "
                "set Max-Forwards: 70 on the client.");
        return;
    }
    uint64_t start = uint64_t{*request->max_forwards} + (vias ? vias - 1 : 0);
    if (vias >= 10) {
        out.fix(ref + " had already passed " + num(vias) + " Via hops with Max-Forwards " +
                num(*request->max_forwards) + " left: a routing loop between proxies used the hops up; check "
                "the route that sends it back.");
        return;
    }
    if (start >= 60) {
        out.fix(ref + " left here with Max-Forwards " + num(*request->max_forwards) + " after " + num(vias) +
                " Via hop" + (vias == 1 ? "" : "s") + " (a normal start of about " + num(start) +
                "): the hops were used up further on, most likely by a loop there; capture downstream and "
                "check its routes.");
        return;
    }
    out.fix(ref + " reached this point with Max-Forwards " + num(*request->max_forwards) + " after " + num(vias) +
            " Via hop" + (vias == 1 ? "" : "s") + ", so the sender started at about " + num(start) +
            ": raise the initial Max-Forwards to 70 (RFC 3261 §8.1.1.6).");
}

/* --- Reason ---------------------------------------------------------------- */

std::string reason_value(const ReasonFacts &reason)
{
    std::string value;
    bool q850 = equals_ignore_case(reason.protocol, "Q.850");
    bool sip = equals_ignore_case(reason.protocol, "SIP");
    std::string protocol = shortened(reason.protocol, 24);
    if (reason.cause == 0) {
        value = protocol + " without a valid cause";
    } else if (q850) {
        const Q850Cause *cause = find_q850_cause(reason.cause);
        value = "Q.850 cause " + num(reason.cause) +
                (cause ? " (" + std::string(cause->name) + ")"
                       : reason.cause > 127 ? std::string(" (not a Q.850 cause value 1..127)")
                                            : std::string(" (unknown cause)"));
    } else if (sip) {
        const ResponseRecord *record = find_registered_record(reason.cause);
        value = "SIP cause " + num(reason.cause) +
                (record ? " (" + std::string(record->phrase) + ")" : std::string(" (not a registered SIP code)"));
    } else {
        value = protocol + " cause " + num(reason.cause);
    }
    if (!reason.text.empty())
        value += ": \"" + shortened(reason.text, 80) + "\"";
    return value;
}

} // namespace

std::vector<EvidenceItem> reason_evidence(const std::vector<ReasonFacts> &reasons)
{
    std::vector<EvidenceItem> items;
    for (const ReasonFacts &reason : reasons) {
        if (items.size() == kMaxReasonItems)
            break;
        items.push_back({"Reason", shortened(reason_value(reason), kItemValue)});
    }
    return items;
}

std::string reason_fix(const std::vector<ReasonFacts> &reasons)
{
    size_t seen = 0;
    for (const ReasonFacts &reason : reasons) {
        if (seen++ == kMaxListEntries)
            break;
        if (equals_ignore_case(reason.protocol, "Q.850")) {
            if (const Q850Cause *cause = find_q850_cause(reason.cause))
                return "Reason Q.850 cause " + num(reason.cause) + " (" + cause->name + "): " + cause->fix;
        } else if (equals_ignore_case(reason.protocol, "SIP")) {
            if (const ResponseRecord *record = find_registered_record(reason.cause))
                return "Reason SIP cause " + num(reason.cause) + " (" + record->phrase + "): " + record->summary;
        }
    }
    return {};
}

std::string folded_fix(const char *record_fix, const EvidenceFindings &findings)
{
    if (!findings.fix.empty())
        return findings.fix;
    return record_fix ? record_fix : "";
}

RequestEvidence remember_request(const SipMessageFacts &request)
{
    RequestEvidence evidence;
    evidence.frame = request.frame;
    evidence.method = shortened(request.method.empty() ? request.cseq_method : request.method, 32);
    size_t seen = 0;
    for (const ContactFacts &contact : request.contacts) {
        if (seen++ == kMaxListEntries)
            break;
        if (contact.expires && (!evidence.expires || *contact.expires < *evidence.expires))
            evidence.expires = contact.expires;
    }
    if (!evidence.expires)
        evidence.expires = request.expires;
    evidence.session_expires = request.session_expires;
    auto capped = [](const std::vector<std::string> &list) {
        std::vector<std::string> out;
        out.reserve(std::min(list.size(), kMaxListEntries)); /* one allocation, not one per doubling */
        for (size_t i = 0; i < list.size() && out.size() < kMaxListEntries; ++i)
            out.push_back(shortened(list[i], 64));
        return out;
    };
    evidence.require = capped(request.require);
    evidence.proxy_require = capped(request.proxy_require);
    evidence.supported = capped(request.supported);
    evidence.content_type = media_type(shortened(request.content_type, 128));
    evidence.event = shortened(request.event, 64);
    evidence.max_forwards = request.max_forwards;
    evidence.via_count = request.via_count;
    evidence.has_authorization = request.has_authorization;
    evidence.in_dialog = !request.to_tag.empty();
    evidence.sdp_codecs = capped(request.sdp_codecs);
    return evidence;
}

EvidenceFindings find_evidence(const SipMessageFacts &response, const RequestEvidence *request,
                               const EvidenceContext &context)
{
    EvidenceFindings findings;
    Builder out(findings);
    if (response.is_request) {
        for (EvidenceItem &item : reason_evidence(response.reasons))
            out.item(item.label, item.value);
        out.fix(reason_fix(response.reasons));
        return findings;
    }
    switch (response.status_code) {
    case 401:
    case 407: challenge(response, request, context, out); break;
    case 405: method_not_allowed(response, request, out); break;
    case 415: unsupported_media_type(response, request, out); break;
    case 420: bad_extension(response, request, out); break;
    case 421: extension_required(response, request, out); break;
    case 422: session_interval_too_small(response, request, out); break;
    case 423: interval_too_brief(response, request, out); break;
    case 481: no_such_transaction(response, request, context, out); break;
    case 482:
    case 483: loop_or_hops(response, request, out); break;
    case 487: request_terminated(response, request, context, out); break;
    case 488:
    case 606: not_acceptable_offer(response, request, out); break;
    case 489: bad_event(response, request, out); break;
    default: break;
    }
    /* What follows reads only Reason, Retry-After (whose absence matters
     * on a 503) and Warning. Most responses carry none of them: return
     * without building the texts below. */
    if (response.reasons.empty() && response.warnings.empty() && !response.retry_after && response.status_code != 503)
        return findings;
    /* A Q.850 cause says more than "no Retry-After" on a 503. */
    std::string from_reason = reason_fix(response.reasons);
    if (response.status_code == 503 && !response.retry_after && !from_reason.empty())
        out.fix(from_reason);
    retry_after(response, out);
    for (EvidenceItem &item : reason_evidence(response.reasons))
        out.item(item.label, item.value);
    out.fix(from_reason);
    warnings(response, out);
    if (!out.has_fix()) {
        size_t seen = 0;
        for (const WarningFacts &warning : response.warnings) {
            if (seen++ == kMaxListEntries)
                break;
            if (warning.code == 399 && !warning.text.empty()) {
                out.fix("Warning 399 from " + (warning.agent.empty() ? std::string("the server") : shortened(warning.agent, kShown)) +
                        " says \"" + shortened(warning.text, 120) + "\": that is the element's own reason.");
                break;
            }
            if (const WarningCode *known = find_warning_code(warning.code)) {
                out.fix("Warning " + num(warning.code) + " " + known->text + ": " + known->fix);
                break;
            }
        }
    }
    return findings;
}

/* --- AuthChainTracker -------------------------------------------------------- */

AuthChainTracker::AuthChainTracker(size_t max_chains) : chains_(max_chains) {}

void AuthChainTracker::clear()
{
    chains_.clear();
    chain_keys_.clear();
}

std::optional<AuthChainState> AuthChainTracker::on_response(const SipMessageFacts &response,
                                                             std::optional<bool> request_had_credentials)
{
    unsigned code = response.status_code;
    bool challenge = code == 401 || code == 407;
    if (!challenge && !(code >= 200 && code <= 299))
        return std::nullopt;
    std::string key;
    key.reserve(response.call_id.size() + response.from_tag.size() + 24);
    append_decimal(key, response.call_id.size());
    key += ':';
    key += response.call_id;
    key += response.from_tag;
    if (!challenge) {
        /* Every 2xx asks; nearly none ends a chain (see key_filter.h). */
        if (!chain_keys_.may_contain(key))
            return std::nullopt;
        if (chains_.erase(key)) /* the credentials worked: the chain is over */
            chain_keys_.remove(key);
        return std::nullopt;
    }
    AuthChainState state;
    state.request_had_credentials = request_had_credentials;
    if (Chain *chain = chains_.find(key)) {
        if (response.cseq_seq == chain->last_cseq)
            return chain->last_state; /* a retransmitted challenge */
        state.challenges = chain->last_state.challenges < 1000000 ? chain->last_state.challenges + 1 : 1000000;
        state.previous_challenge_frame = chain->last_frame;
        state.previous_realm = chain->realm;
        state.repeated = request_had_credentials.value_or(false) && response.cseq_seq > chain->last_cseq;
        chain->last_frame = response.frame;
        chain->last_cseq = response.cseq_seq;
        chain->realm = shortened(response.auth_realm, 128);
        chain->last_state = state;
        return state;
    }
    state.challenges = 1;
    auto forget = [this](const std::string &forgotten) { chain_keys_.remove(forgotten); };
    Chain *chain = chains_.get_or_add(key, forget).first;
    if (!chain)
        return state; /* no chains kept */
    chain_keys_.add(key);
    chain->last_frame = response.frame;
    chain->last_cseq = response.cseq_seq;
    chain->realm = shortened(response.auth_realm, 128);
    chain->last_state = state;
    return state;
}

/* --- EvidenceTracker --------------------------------------------------------- */

namespace {

/* CANCEL and every response of the INVITE share Call-ID, CSeq number, From
 * tag and top Via branch (RFC 3261 §9.1). */
const std::string &invite_key(std::string &key, const SipMessageFacts &msg)
{
    /* The branch compares case-insensitively. */
    return KeyBuilder(key).field(msg.call_id).field(msg.cseq_seq).field(msg.from_tag).text(msg.via_branch, true).done();
}

/* Both directions of a dialog: the tags in a fixed order. */
const std::string &dialog_key(std::string &key, const SipMessageFacts &msg)
{
    const std::string &a = std::min(msg.from_tag, msg.to_tag);
    const std::string &b = std::max(msg.from_tag, msg.to_tag);
    return KeyBuilder(key).field(msg.call_id).field(a).text(b).done();
}

} // namespace

EvidenceTracker::EvidenceTracker(EvidenceLimits limits)
    : requests_(limits.max_requests), invites_(limits.max_invites), dialogs_(limits.max_dialogs),
      auth_(limits.max_auth_chains)
{
}

void EvidenceTracker::clear()
{
    requests_.clear();
    invites_.clear();
    dialogs_.clear();
    auth_.clear();
}

size_t EvidenceTracker::state_size() const
{
    return requests_.size() + invites_.size() + dialogs_.size() + auth_.size();
}

const RequestEvidence *EvidenceTracker::request(uint32_t frame) const
{
    return requests_.find(frame);
}

void EvidenceTracker::on_request(const SipMessageFacts &msg)
{
    const std::string &method = msg.method.empty() ? msg.cseq_method : msg.method;
    if (method == "ACK")
        return;
    if (RequestEvidence *slot = requests_.get_or_add(msg.frame).first)
        *slot = remember_request(msg);
    if (method == "INVITE" && msg.to_tag.empty()) {
        if (InviteState *invite = invites_.get_or_add(invite_key(scratch_key_, msg)).first; invite && !invite->invite_frame)
            invite->invite_frame = msg.frame;
    } else if (method == "CANCEL") {
        if (InviteState *invite = invites_.get_or_add(invite_key(scratch_key_, msg)).first; invite && !invite->cancel_frame) {
            invite->cancel_frame = msg.frame;
            for (size_t i = 0; i < msg.reasons.size() && i < kMaxReasonItems; ++i)
                invite->cancel_reasons.push_back(msg.reasons[i]);
        }
    } else if (method == "BYE" && !msg.to_tag.empty()) {
        if (DialogState *dialog = dialogs_.get_or_add(dialog_key(scratch_key_, msg)).first; dialog && !dialog->ended_frame)
            dialog->ended_frame = msg.frame;
    }
}

EvidenceFindings EvidenceTracker::on_message(const SipMessageFacts &msg, const MessageCorrelation &correlation)
{
    if (msg.is_request) {
        on_request(msg);
        return find_evidence(msg, nullptr);
    }
    const RequestEvidence *request = correlation.request_frame ? requests_.find(correlation.request_frame) : nullptr;
    EvidenceContext context;
    unsigned code = msg.status_code;
    if (msg.cseq_method == "INVITE" || msg.cseq_method == "CANCEL") {
        if (InviteState *invite = invites_.find(invite_key(scratch_key_, msg))) {
            if (msg.cseq_method == "INVITE") {
                context.cancel_frame = invite->cancel_frame;
                context.cancel_reasons = invite->cancel_reasons;
                if (code >= 200 && !invite->final_frame) {
                    invite->final_frame = msg.frame;
                    invite->final_code = static_cast<uint16_t>(code);
                }
            } else {
                context.invite_frame = invite->invite_frame;
                /* Only a final response that came before this one explains it. */
                context.invite_final_frame = invite->final_frame;
                context.invite_final_code = invite->final_code;
            }
        }
    }
    bool sets_up_dialog = msg.cseq_method == "INVITE" || msg.cseq_method == "SUBSCRIBE" || msg.cseq_method == "REFER";
    if (sets_up_dialog && code >= 200 && code <= 299 && !msg.to_tag.empty()) {
        if (DialogState *dialog = dialogs_.get_or_add(dialog_key(scratch_key_, msg)).first; dialog && !dialog->established_frame)
            dialog->established_frame = msg.frame;
    }
    if (code == 481 && msg.cseq_method != "CANCEL") {
        if (const DialogState *dialog = dialogs_.find(dialog_key(scratch_key_, msg))) {
            context.dialog_established_frame = dialog->established_frame;
            /* The BYE this 481 answers does not explain itself. */
            if (dialog->ended_frame != correlation.request_frame)
                context.dialog_ended_frame = dialog->ended_frame;
        }
    }
    std::optional<bool> had_credentials;
    if (request)
        had_credentials = request->has_authorization;
    context.auth = auth_.on_response(msg, had_credentials);
    return find_evidence(msg, request, context);
}

} // namespace sipadvisor::core
