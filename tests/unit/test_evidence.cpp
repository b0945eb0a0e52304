/* sipadvisor - unit tests of the evidence reader (issue 7): header parsing,
 * the Q.850 / warn-code tables, and one fix per response code from the
 * evidence it carries, with the evidence present, absent and malformed.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/cause_codes.h"
#include "core/correlation.h"
#include "core/evidence.h"
#include "core/header_parsing.h"
#include "sip_test_messages.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor;
using namespace sipadvisor::core;

namespace {

bool contains(const std::string &text, const char *part)
{
    return text.find(part) != std::string::npos;
}

/* The value of the first item with that label, "" if none. */
std::string item(const EvidenceFindings &findings, const char *label)
{
    for (const EvidenceItem &entry : findings.items)
        if (entry.label == label)
            return entry.value;
    return {};
}

/* The shared test request, with the CSeq number first (auth chains count it). */
SipMessageFacts request(uint32_t frame, const std::string &method, uint32_t cseq = 1,
                        const std::string &branch = "z9hG4bK-a1")
{
    return test::request(frame, method, branch, cseq);
}

using test::response_to;

/* Runs a request/response pair through find_evidence(). */
EvidenceFindings answer(const SipMessageFacts &req, const SipMessageFacts &resp, const EvidenceContext &context = {})
{
    RequestEvidence remembered = remember_request(req);
    return find_evidence(resp, &remembered, context);
}

/* --- header parsing --------------------------------------------------------- */

void delta_seconds_are_robust(void **)
{
    assert_int_equal(*parse_delta_seconds("60"), 60);
    assert_int_equal(*parse_delta_seconds("  3600\t"), 3600);
    assert_int_equal(*parse_delta_seconds("0"), 0);
    assert_int_equal(*parse_delta_seconds("4294967295"), 4294967295u);
    assert_int_equal(*parse_delta_seconds("4294967296"), 4294967295u);          /* 2^32: saturates */
    assert_int_equal(*parse_delta_seconds("99999999999999999999999999"), 4294967295u);
    assert_false(parse_delta_seconds("").has_value());
    assert_false(parse_delta_seconds("   ").has_value());
    assert_false(parse_delta_seconds("-5").has_value());
    assert_false(parse_delta_seconds("+5").has_value());
    assert_false(parse_delta_seconds("1.5").has_value());
    assert_false(parse_delta_seconds("abc").has_value());
    assert_false(parse_delta_seconds("60 s").has_value());
}

void retry_after_parsing(void **)
{
    RetryAfterValue value = parse_retry_after("120 (Back after maintenance);duration=3600");
    assert_int_equal(*value.seconds, 120);
    assert_string_equal(value.comment.c_str(), "Back after maintenance");
    assert_int_equal(*value.duration, 3600);
    value = parse_retry_after("18000;duration=3600");
    assert_int_equal(*value.seconds, 18000);
    assert_true(value.comment.empty());
    value = parse_retry_after("5 (nested (comment) here)");
    assert_string_equal(value.comment.c_str(), "nested (comment) here");
    value = parse_retry_after("30 (unterminated");
    assert_int_equal(*value.seconds, 30);
    assert_string_equal(value.comment.c_str(), "unterminated");
    assert_false(parse_retry_after("soon").seconds.has_value());
    assert_false(parse_retry_after("120abc").seconds.has_value());
    assert_false(parse_retry_after("").seconds.has_value());
    assert_false(parse_retry_after("(only a comment)").seconds.has_value());
    assert_int_equal(*parse_retry_after("99999999999").seconds, 4294967295u);
    assert_false(parse_retry_after("10;duration=x").duration.has_value());
}

void token_lists(void **)
{
    std::vector<std::string> allow = parse_token_list("INVITE, ACK ,BYE,,invite, CANCEL");
    assert_int_equal(allow.size(), 4);
    assert_string_equal(allow[0].c_str(), "INVITE");
    assert_string_equal(allow[3].c_str(), "CANCEL");
    assert_true(parse_token_list("").empty());
    assert_true(parse_token_list(" , ,, ").empty());
    std::vector<std::string> accept = parse_token_list("application/sdp;level=1, application/pidf+xml;q=0.5");
    assert_int_equal(accept.size(), 2);
    assert_string_equal(accept[0].c_str(), "application/sdp");
    std::string many;
    for (int i = 0; i < 100; ++i)
        many += "tag" + std::to_string(i) + ",";
    assert_int_equal(parse_token_list(many).size(), kMaxListEntries);
    std::vector<std::string> huge = parse_token_list(std::string(5000, 'x'));
    assert_int_equal(huge.size(), 1);
    assert_true(huge[0].size() <= kMaxValueBytes);
}

void warning_parsing(void **)
{
    std::optional<WarningFacts> warning = parse_warning("305 sbc.example.com \"Incompatible media format\"");
    assert_true(warning.has_value());
    assert_int_equal(warning->code, 305);
    assert_string_equal(warning->agent.c_str(), "sbc.example.com");
    assert_string_equal(warning->text.c_str(), "Incompatible media format");
    /* Without quotes: taken as it stands. */
    warning = parse_warning("399 pbx.example.com no codec in common");
    assert_int_equal(warning->code, 399);
    assert_string_equal(warning->agent.c_str(), "pbx.example.com");
    assert_string_equal(warning->text.c_str(), "no codec in common");
    /* Escapes inside quotes, unterminated quote. */
    warning = parse_warning("399 h \"say \\\"hi\\\"\"");
    assert_string_equal(warning->text.c_str(), "say \"hi\"");
    warning = parse_warning("399 h \"open");
    assert_string_equal(warning->text.c_str(), "open");
    /* No code, code too long. */
    warning = parse_warning("abc host \"text\"");
    assert_int_equal(warning->code, 0);
    assert_int_equal(parse_warning("30555 host \"t\"")->code, 0);
    assert_false(parse_warning("   ").has_value());
    std::vector<WarningFacts> list = parse_warnings("370 a \"too much, really\", 399 b \"second\"");
    assert_int_equal(list.size(), 2);
    assert_string_equal(list[0].text.c_str(), "too much, really");
    assert_int_equal(list[1].code, 399);
}

void reason_parsing(void **)
{
    std::optional<ReasonFacts> reason = parse_reason("Q.850;cause=16;text=\"Normal call clearing\"");
    assert_string_equal(reason->protocol.c_str(), "Q.850");
    assert_int_equal(reason->cause, 16);
    assert_string_equal(reason->text.c_str(), "Normal call clearing");
    reason = parse_reason("SIP ; cause = 200 ; text=\"Call completed elsewhere\"");
    assert_string_equal(reason->protocol.c_str(), "SIP");
    assert_int_equal(reason->cause, 200);
    reason = parse_reason("Q.850;cause=abc");
    assert_int_equal(reason->cause, 0);
    reason = parse_reason("Q.850;text=\"a;b\"");
    assert_int_equal(reason->cause, 0);
    assert_string_equal(reason->text.c_str(), "a;b");
    assert_false(parse_reason("").has_value());
    assert_false(parse_reason(";cause=16").has_value());
    std::vector<ReasonFacts> list = parse_reasons("SIP;cause=480;text=\"x, y\", Q.850;cause=18");
    assert_int_equal(list.size(), 2);
    assert_int_equal(list[1].cause, 18);
}

void other_helpers(void **)
{
    assert_string_equal(parse_auth_realm("Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\"").c_str(),
                        "example.com");
    assert_string_equal(parse_auth_realm("Digest nonce=\"x,y\", realm=atlanta.com").c_str(), "atlanta.com");
    assert_true(parse_auth_realm("Digest nonce=\"1\"").empty());
    assert_true(parse_auth_realm("").empty());
    assert_string_equal(rtpmap_encoding("0 PCMU/8000").c_str(), "PCMU");
    assert_string_equal(rtpmap_encoding("101 telephone-event/8000/1").c_str(), "telephone-event");
    assert_true(rtpmap_encoding("").empty());
    assert_string_equal(media_type("Application/SDP; charset=utf-8").c_str(), "application/sdp");
}

void cause_tables(void **)
{
    assert_true(kQ850CauseCount >= 36);
    const Q850Cause *cause = find_q850_cause(16);
    assert_non_null(cause);
    assert_string_equal(cause->name, "Normal call clearing");
    for (unsigned value : {1u, 2u, 3u, 17u, 18u, 19u, 20u, 21u, 22u, 27u, 28u, 29u, 31u, 34u, 38u, 41u, 42u, 44u,
                           47u, 50u, 55u, 57u, 58u, 63u, 65u, 69u, 79u, 81u, 88u, 95u, 97u, 99u, 102u, 111u, 127u})
        assert_non_null(find_q850_cause(value));
    assert_null(find_q850_cause(0));
    assert_null(find_q850_cause(128));
    assert_null(find_q850_cause(4000000000u));
    const WarningCode *warning = find_warning_code(305);
    assert_non_null(warning);
    assert_string_equal(warning->text, "Incompatible media format");
    assert_non_null(find_warning_code(399));
    assert_non_null(find_warning_code(381));
    assert_null(find_warning_code(309));
    assert_null(find_warning_code(0));
    for (size_t i = 1; i < kQ850CauseCount; ++i)
        assert_true(kQ850Causes[i - 1].cause < kQ850Causes[i].cause);
}

/* --- Retry-After, 503 ------------------------------------------------------ */

void retry_after_says_when(void **)
{
    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts busy = response_to(invite, 2, 503);
    busy.retry_after = 120;
    busy.retry_after_comment = "maintenance";
    EvidenceFindings findings = answer(invite, busy);
    assert_string_equal(item(findings, "Retry-After").c_str(), "120 (maintenance)");
    assert_true(contains(findings.fix, "120 s") && contains(findings.fix, "\"maintenance\"") &&
                contains(findings.fix, "SRV"));

    for (uint16_t code : {486, 600}) {
        SipMessageFacts response = response_to(invite, 2, code);
        response.retry_after = 60;
        assert_true(contains(answer(invite, response).fix, "calling back in 60 s"));
    }
    SipMessageFacts unavailable = response_to(invite, 2, 480);
    unavailable.retry_after = 7200;
    assert_true(contains(answer(invite, unavailable).fix, "7200 s (2 h)"));
    SipMessageFacts declined = response_to(invite, 2, 603);
    declined.retry_after = 30;
    assert_true(contains(answer(invite, declined).fix, "declined"));
    SipMessageFacts error = response_to(invite, 2, 500);
    error.retry_after = 10;
    assert_true(contains(answer(invite, error).fix, "10 s"));

    /* Absurd and zero values. */
    busy.retry_after = 4294967295u;
    busy.retry_after_comment.clear();
    findings = answer(invite, busy);
    assert_true(contains(findings.fix, "more than a week") && contains(findings.fix, "out of service"));
    busy.retry_after = 0;
    assert_true(contains(answer(invite, busy).fix, "immediate retry"));
}

void service_unavailable_without_retry_after(void **)
{
    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts unavailable = response_to(invite, 2, 503);
    EvidenceFindings findings = answer(invite, unavailable);
    assert_string_equal(item(findings, "Retry-After").c_str(), "absent");
    assert_true(contains(findings.fix, "overloaded") && contains(findings.fix, "trunk"));
    /* A Q.850 cause says more. */
    unavailable.reasons.push_back({"Q.850", 34, "No circuit available"});
    findings = answer(invite, unavailable);
    assert_true(contains(findings.fix, "Q.850 cause 34") && contains(findings.fix, "channels"));
    assert_true(contains(item(findings, "Reason"), "No circuit/channel available"));
    /* A garbage Retry-After never reaches the facts: parse_retry_after("soon")
     * gives no seconds, so the 503 reads as one without Retry-After. */
    SipMessageFacts garbage = response_to(invite, 2, 503);
    RetryAfterValue parsed = parse_retry_after("soon");
    garbage.retry_after = parsed.seconds;
    assert_true(contains(answer(invite, garbage).fix, "overloaded"));
    /* No Retry-After on a 486: nothing to say. */
    assert_true(answer(invite, response_to(invite, 2, 486)).empty());
}

/* --- 423, 422 -------------------------------------------------------------- */

void interval_too_brief(void **)
{
    SipMessageFacts reg = request(12, "REGISTER");
    reg.expires = 30;
    SipMessageFacts brief = response_to(reg, 13, 423);
    brief.min_expires = 60;
    EvidenceFindings findings = answer(reg, brief);
    assert_string_equal(item(findings, "Min-Expires").c_str(), "60");
    assert_string_equal(item(findings, "Requested Expires").c_str(), "30");
    assert_string_equal(findings.fix.c_str(),
                        "The server requires at least 60 s (Min-Expires: 60); the REGISTER in frame 12 asked for "
                        "30 s: set the registration interval (Expires or Contact ;expires=) to 60 s or more.");

    /* Contact ;expires= wins over the Expires header. */
    ContactFacts contact;
    contact.uri = "sip:alice@192.0.2.10";
    contact.expires = 20;
    reg.contacts.push_back(contact);
    assert_string_equal(item(answer(reg, brief), "Requested Expires").c_str(), "20");

    /* Request not in the capture. */
    findings = find_evidence(brief, nullptr);
    assert_true(contains(findings.fix, "at least 60 s") && !contains(findings.fix, "asked for"));

    /* Min-Expires absent, or bigger than 2^32 (saturated by the parser). */
    SipMessageFacts missing = response_to(reg, 13, 423);
    assert_string_equal(item(answer(reg, missing), "Min-Expires").c_str(), "absent");
    assert_true(contains(answer(reg, missing).fix, "RFC 3261 §10.3"));
    SipMessageFacts huge = response_to(reg, 13, 423);
    huge.min_expires = parse_delta_seconds("8589934592");
    findings = answer(reg, huge);
    assert_true(contains(findings.fix, "4294967295") && contains(findings.fix, "more than a day"));

    /* Unregistering never gets a 423; asking for more than the minimum is odd. */
    SipMessageFacts unregister = request(20, "REGISTER");
    unregister.expires = 0;
    assert_true(contains(answer(unregister, brief).fix, "Expires 0"));
    SipMessageFacts enough = request(22, "REGISTER");
    enough.expires = 3600;
    assert_true(contains(answer(enough, brief).fix, "rewritten"));
    /* SUBSCRIBE: the subscription interval. */
    SipMessageFacts subscribe = request(30, "SUBSCRIBE");
    subscribe.expires = 10;
    assert_true(contains(answer(subscribe, response_to(subscribe, 31, 423)).fix, "subscription interval") ||
                contains(answer(subscribe, response_to(subscribe, 31, 423)).fix, "Min-Expires"));
}

void session_interval_too_small(void **)
{
    SipMessageFacts invite = request(5, "INVITE");
    invite.session_expires = 90;
    SipMessageFacts small = response_to(invite, 6, 422);
    small.min_se = 1800;
    EvidenceFindings findings = answer(invite, small);
    assert_string_equal(item(findings, "Min-SE").c_str(), "1800");
    assert_string_equal(item(findings, "Requested Session-Expires").c_str(), "90");
    assert_true(contains(findings.fix, "at least 1800 s (Min-SE: 1800); the INVITE in frame 5 asked for 90 s"));

    SipMessageFacts none = request(7, "INVITE");
    assert_true(contains(answer(none, small).fix, "carried no Session-Expires"));
    SipMessageFacts missing = response_to(invite, 6, 422);
    assert_true(contains(answer(invite, missing).fix, "RFC 4028"));
    invite.session_expires = 3600;
    assert_true(contains(answer(invite, small).fix, "not smaller"));
}

/* --- 405, 420, 421 --------------------------------------------------------- */

void method_not_allowed(void **)
{
    SipMessageFacts subscribe = request(3, "SUBSCRIBE");
    SipMessageFacts refused = response_to(subscribe, 4, 405);
    refused.allow = {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"};
    EvidenceFindings findings = answer(subscribe, refused);
    assert_string_equal(item(findings, "Allow").c_str(), "INVITE, ACK, BYE, CANCEL, OPTIONS");
    assert_true(contains(findings.fix, "allows INVITE, ACK, BYE, CANCEL, OPTIONS (Allow) but not SUBSCRIBE") &&
                contains(findings.fix, "frame 3"));

    refused.allow = {};
    refused.has_allow = true; /* "Allow:" with no value */
    findings = answer(subscribe, refused);
    assert_string_equal(item(findings, "Allow").c_str(), "(empty)");
    refused.has_allow = false; /* no Allow header at all */
    assert_string_equal(item(answer(subscribe, refused), "Allow").c_str(), "absent");
    refused.has_allow = true;
    assert_true(contains(findings.fix, "lists no methods"));
    refused.allow = {"", "  "};
    assert_true(contains(answer(subscribe, refused).fix, "lists no methods"));
    refused.allow = {"subscribe", "NOTIFY", "subscribe"};
    assert_true(contains(answer(subscribe, refused).fix, "Allow lists SUBSCRIBE itself"));
}

void bad_extension(void **)
{
    SipMessageFacts invite = request(1, "INVITE");
    invite.require = {"100rel"};
    SipMessageFacts bad = response_to(invite, 2, 420);
    bad.unsupported = {"100rel"};
    EvidenceFindings findings = answer(invite, bad);
    assert_string_equal(item(findings, "Unsupported").c_str(), "100rel");
    assert_string_equal(item(findings, "Requested Require").c_str(), "100rel");
    assert_true(contains(findings.fix, "'100rel' (Unsupported)") && contains(findings.fix, "Supported instead"));

    invite.require.clear();
    invite.proxy_require = {"sec-agree"};
    bad.unsupported = {"sec-agree"};
    assert_true(contains(answer(invite, bad).fix, "Proxy-Require"));

    bad.unsupported = {"timer"};
    assert_true(contains(answer(invite, bad).fix, "did not list"));
    bad.unsupported.clear();
    findings = answer(invite, bad);
    assert_true(contains(findings.fix, "no Unsupported header") && contains(findings.fix, "sec-agree"));
}

void extension_required(void **)
{
    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts required = response_to(invite, 2, 421);
    required.require = {"timer"};
    EvidenceFindings findings = answer(invite, required);
    assert_string_equal(item(findings, "Require").c_str(), "timer");
    assert_true(contains(findings.fix, "requires timer (Require)"));
    invite.supported = {"timer", "100rel"};
    assert_true(contains(answer(invite, required).fix, "already listed in Supported"));
    required.require.clear();
    assert_true(contains(answer(invite, required).fix, "names no extension"));
}

/* --- 415, 489 -------------------------------------------------------------- */

void unsupported_media_type(void **)
{
    SipMessageFacts message = request(8, "MESSAGE");
    message.content_type = "text/html; charset=utf-8";
    SipMessageFacts refused = response_to(message, 9, 415);
    refused.accept = {"text/plain", "message/cpim"};
    EvidenceFindings findings = answer(message, refused);
    assert_string_equal(item(findings, "Content-Type sent").c_str(), "text/html");
    assert_true(contains(findings.fix, "accepts text/plain, message/cpim (Accept)") &&
                contains(findings.fix, "sent text/html"));

    refused.accept = {"text/*"};
    refused.accept_encoding = {"identity"};
    assert_true(contains(answer(message, refused).fix, "Content-Encoding"));
    refused.accept_encoding.clear();
    refused.accept_language = {"en"};
    assert_true(contains(answer(message, refused).fix, "Content-Language"));
    refused.accept = {};
    refused.accept_language = {};
    assert_true(contains(answer(message, refused).fix, "lists no Accept"));
}

void bad_event(void **)
{
    SipMessageFacts subscribe = request(4, "SUBSCRIBE");
    subscribe.event = "message-summary";
    SipMessageFacts bad = response_to(subscribe, 5, 489);
    bad.allow_events = {"presence", "dialog"};
    EvidenceFindings findings = answer(subscribe, bad);
    assert_string_equal(item(findings, "Event used").c_str(), "message-summary");
    assert_true(contains(findings.fix, "supports presence, dialog (Allow-Events) but not 'message-summary'"));
    bad.allow_events.clear();
    assert_true(contains(answer(subscribe, bad).fix, "no Allow-Events"));
    bad.allow_events = {"Message-Summary"};
    assert_true(contains(answer(subscribe, bad).fix, "lists 'message-summary' itself"));
    subscribe.event.clear();
    assert_true(contains(answer(subscribe, bad).fix, "no Event header"));
}

/* --- 488, 606, Warning ----------------------------------------------------- */

void not_acceptable_reads_warning_and_offer(void **)
{
    SipMessageFacts invite = request(12, "INVITE");
    invite.content_type = "application/sdp";
    invite.sdp_codecs = {"G729", "iLBC", "telephone-event"};
    SipMessageFacts refused = response_to(invite, 13, 488);
    refused.warnings.push_back(*parse_warning("305 sbc.example.com \"Incompatible media format\""));
    EvidenceFindings findings = answer(invite, refused);
    assert_string_equal(item(findings, "Offered codecs").c_str(), "G729, iLBC, telephone-event");
    assert_true(contains(item(findings, "Warning"), "305 sbc.example.com"));
    assert_true(contains(findings.fix, "Warning 305 Incompatible media format about the offer in frame 12 (G729, "
                                       "iLBC, telephone-event)"));

    /* 606 with 304, and a Warning without quotes. */
    SipMessageFacts global = response_to(invite, 13, 606);
    global.warnings.push_back(*parse_warning("304 gw.example.com video not here"));
    findings = answer(invite, global);
    assert_true(contains(findings.fix, "Warning 304 Media type not available"));
    assert_true(contains(item(findings, "Warning"), "\"video not here\""));

    /* 399 quotes the element's own words. */
    SipMessageFacts misc = response_to(invite, 13, 488);
    misc.warnings.push_back(*parse_warning("399 pbx \"No common codec with trunk 4\""));
    assert_true(contains(answer(invite, misc).fix, "\"No common codec with trunk 4\""));

    /* Garbage Warning without a code: the offer still helps. */
    SipMessageFacts garbage = response_to(invite, 13, 488);
    garbage.warnings.push_back(*parse_warning("oops"));
    findings = answer(invite, garbage);
    assert_true(contains(findings.fix, "No Warning says why") && contains(findings.fix, "G729"));
    /* An unregistered code is still the sender's own reason: cite it. */
    garbage.warnings.push_back({392, "x", "y"});
    findings = answer(invite, garbage);
    assert_true(contains(findings.fix, "Warning 392 (not a registered warn-code) from x says \"y\""));
    assert_true(contains(findings.items.back().value, "not a registered warn-code"));

    /* No SDP in the INVITE. */
    SipMessageFacts empty = request(14, "INVITE");
    assert_true(contains(answer(empty, response_to(empty, 15, 488)).fix, "carried no SDP"));
    /* Nothing known at all: no fix. */
    assert_true(find_evidence(response_to(invite, 13, 488), nullptr).fix.empty());
}

void warning_on_other_codes(void **)
{
    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts forbidden = response_to(invite, 2, 403);
    forbidden.warnings.push_back(*parse_warning("399 sbc \"Caller not in allow list\""));
    EvidenceFindings findings = answer(invite, forbidden);
    assert_true(contains(findings.fix, "Warning 399 from sbc says \"Caller not in allow list\""));
}

/* --- Reason ---------------------------------------------------------------- */

void reason_on_requests_and_responses(void **)
{
    SipMessageFacts bye = request(40, "BYE");
    bye.reasons = parse_reasons("Q.850;cause=16;text=\"Normal call clearing\"");
    EvidenceFindings findings = find_evidence(bye, nullptr);
    assert_true(contains(item(findings, "Reason"), "Q.850 cause 16 (Normal call clearing)"));
    assert_true(contains(findings.fix, "Reason Q.850 cause 16"));

    bye.reasons = parse_reasons("Q.850;cause=abc");
    findings = find_evidence(bye, nullptr);
    assert_true(contains(item(findings, "Reason"), "Q.850 without a valid cause"));
    assert_true(findings.fix.empty());
    bye.reasons = parse_reasons("Q.850;cause=200");
    assert_true(contains(item(find_evidence(bye, nullptr), "Reason"), "not a Q.850 cause value"));
    bye.reasons = parse_reasons("Q.850;cause=99999999999999");
    assert_true(contains(item(find_evidence(bye, nullptr), "Reason"), "not a Q.850 cause value"));
    bye.reasons = parse_reasons("X.99;cause=7");
    assert_true(contains(item(find_evidence(bye, nullptr), "Reason"), "X.99 cause 7"));

    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts unavailable = response_to(invite, 2, 480);
    unavailable.reasons = parse_reasons("SIP;cause=486;text=\"Busy\", Q.850;cause=17");
    findings = answer(invite, unavailable);
    assert_true(contains(findings.items[0].value, "SIP cause 486 (Busy Here)"));
    assert_true(contains(findings.items[1].value, "Q.850 cause 17 (User busy)"));
    assert_true(contains(findings.fix, "Reason SIP cause 486 (Busy Here)"));
    unavailable.reasons = parse_reasons("SIP;cause=999");
    assert_true(contains(answer(invite, unavailable).items[0].value, "not a registered SIP code"));
}

/* --- 401, 407 -------------------------------------------------------------- */

void challenge_chain(void **)
{
    CorrelationEngine engine;
    EvidenceTracker tracker;
    auto feed = [&](const SipMessageFacts &msg) { return tracker.on_message(msg, engine.on_message(msg)); };

    SipMessageFacts reg1 = request(1, "REGISTER", 1, "z9hG4bK-r1");
    feed(reg1);
    SipMessageFacts challenge1 = response_to(reg1, 2, 401);
    challenge1.auth_realm = "example.com";
    EvidenceFindings findings = feed(challenge1);
    assert_string_equal(item(findings, "Realm").c_str(), "example.com");
    assert_string_equal(item(findings, "Credentials in request").c_str(), "no");
    assert_true(contains(findings.fix, "Routine challenge") && contains(findings.fix, "\"example.com\""));
    assert_false(findings.severity.has_value());
    /* A retransmitted challenge changes nothing. */
    assert_false(feed(challenge1).severity.has_value());

    SipMessageFacts reg2 = request(3, "REGISTER", 2, "z9hG4bK-r2");
    reg2.has_authorization = true;
    feed(reg2);
    SipMessageFacts challenge2 = response_to(reg2, 4, 401);
    challenge2.auth_realm = "example.com";
    findings = feed(challenge2);
    assert_true(findings.severity.has_value());
    assert_int_equal(static_cast<int>(*findings.severity), static_cast<int>(Severity::warn));
    assert_string_equal(item(findings, "Credentials in request").c_str(), "yes");
    assert_string_equal(item(findings, "Previous challenge").c_str(), "frame 2");
    assert_true(contains(findings.fix, "frame 3 already carried Authorization") &&
                contains(findings.fix, "password"));

    /* A 2xx ends the chain: a later challenge to credentials is a new nonce. */
    SipMessageFacts reg3 = request(5, "REGISTER", 3, "z9hG4bK-r3");
    reg3.has_authorization = true;
    feed(reg3);
    feed(response_to(reg3, 6, 200));
    SipMessageFacts reg4 = request(7, "REGISTER", 4, "z9hG4bK-r4");
    reg4.has_authorization = true;
    feed(reg4);
    SipMessageFacts challenge4 = response_to(reg4, 8, 401);
    challenge4.auth_realm = "example.com";
    findings = feed(challenge4);
    assert_false(findings.severity.has_value());
    assert_true(contains(findings.fix, "stale"));

    /* 407 without a realm; a 407 to an unknown request. */
    SipMessageFacts invite = request(20, "INVITE", 1, "z9hG4bK-i1");
    invite.call_id = "call-2";
    feed(invite);
    findings = feed(response_to(invite, 21, 407));
    assert_true(contains(findings.fix, "no Proxy-Authenticate"));
    SipMessageFacts stray = response_to(request(30, "INVITE", 9, "z9hG4bK-zz"), 31, 407);
    stray.call_id = "call-3";
    stray.auth_realm = "proxy";
    findings = feed(stray);
    assert_true(contains(item(findings, "Credentials in request"), "unknown"));
}

void challenge_chain_realm_change_and_bounds(void **)
{
    AuthChainTracker chains(2);
    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts first = response_to(invite, 2, 407);
    first.auth_realm = "proxy-a";
    std::optional<AuthChainState> state = chains.on_response(first, false);
    assert_int_equal(state->challenges, 1);
    assert_false(state->repeated);
    SipMessageFacts second = first;
    second.frame = 4;
    second.cseq_seq = 2;
    second.auth_realm = "proxy-b";
    state = chains.on_response(second, true);
    assert_true(state->repeated);
    assert_int_equal(state->challenges, 2);
    assert_string_equal(state->previous_realm.c_str(), "proxy-a");
    RequestEvidence remembered = remember_request(invite);
    remembered.has_authorization = true;
    EvidenceContext context;
    context.auth = state;
    assert_true(contains(find_evidence(second, &remembered, context).fix, "after a challenge for realm \"proxy-a\""));
    /* A CSeq going backwards is not a retry. */
    SipMessageFacts older = first;
    older.cseq_seq = 0;
    assert_false(chains.on_response(older, true)->repeated);
    /* Unknown credentials never flag. */
    SipMessageFacts third = first;
    third.cseq_seq = 9;
    assert_false(chains.on_response(third, std::nullopt)->repeated);
    /* Non-challenges give nothing. */
    assert_false(chains.on_response(response_to(invite, 5, 486), true).has_value());
    /* Bounded. */
    for (int i = 0; i < 50; ++i) {
        SipMessageFacts other = first;
        other.call_id = "c" + std::to_string(i);
        chains.on_response(other, false);
    }
    assert_true(chains.size() <= 2);
    /* The oldest chains were forgotten, the newest kept. */
    auto challenge = [&](AuthChainTracker &tracker, const std::string &call_id, uint32_t cseq) {
        SipMessageFacts again = first;
        again.call_id = call_id;
        again.cseq_seq = cseq;
        return tracker.on_response(again, true)->challenges;
    };
    auto accept = [&](AuthChainTracker &tracker, const std::string &call_id) {
        SipMessageFacts ok = response_to(invite, 91, 200);
        ok.call_id = call_id;
        assert_false(tracker.on_response(ok, true).has_value());
    };
    assert_int_equal(challenge(chains, "c49", 77), 2);
    assert_int_equal(challenge(chains, "c0", 77), 1);
    /* A 2xx ends its chain and no other. */
    AuthChainTracker ending(2);
    assert_int_equal(challenge(ending, "kept", 1), 1);
    for (int i = 0; i < 5; ++i) {
        assert_int_equal(challenge(ending, "ended" + std::to_string(i), 1), 1);
        accept(ending, "unrelated");
        accept(ending, "ended" + std::to_string(i));
        assert_int_equal(ending.size(), 1);
    }
    assert_int_equal(challenge(ending, "kept", 2), 2);
    accept(ending, "kept");
    assert_int_equal(ending.size(), 0);
    assert_int_equal(challenge(ending, "kept", 3), 1);
    /* Ended chains leave stale entries in the eviction order; those are
     * bounded too (at 2 x cap + 16, by forgetting the oldest chain). */
    for (int i = 5; i < 200; ++i) {
        challenge(ending, "ended" + std::to_string(i), 1);
        accept(ending, "ended" + std::to_string(i));
        assert_true(ending.size() <= 2);
    }
    AuthChainTracker none(0);
    assert_int_equal(none.on_response(first, false)->challenges, 1);
    assert_int_equal(none.size(), 0);
}

/* --- 487, 481 -------------------------------------------------------------- */

void cancel_explains_487(void **)
{
    CorrelationEngine engine;
    EvidenceTracker tracker;
    auto feed = [&](const SipMessageFacts &msg) { return tracker.on_message(msg, engine.on_message(msg)); };
    SipMessageFacts invite = request(1, "INVITE");
    feed(invite);
    feed(response_to(invite, 2, 180));
    SipMessageFacts cancel = request(3, "CANCEL"); /* same branch, Call-ID, CSeq number, From tag */
    feed(cancel);
    feed(response_to(cancel, 4, 200));
    EvidenceFindings findings = feed(response_to(invite, 5, 487));
    assert_string_equal(item(findings, "CANCEL").c_str(), "frame 3");
    assert_true(contains(findings.fix, "Routine: the CANCEL in frame 3 ended the INVITE in frame 1"));
    assert_int_equal(static_cast<int>(*findings.severity), static_cast<int>(Severity::chat));

    /* Answered elsewhere (RFC 3326 example). */
    SipMessageFacts invite2 = request(10, "INVITE", 1, "z9hG4bK-b2");
    feed(invite2);
    SipMessageFacts cancel2 = request(11, "CANCEL", 1, "z9hG4bK-b2");
    cancel2.reasons = parse_reasons("SIP;cause=200;text=\"Call completed elsewhere\"");
    feed(cancel2);
    findings = feed(response_to(invite2, 12, 487));
    assert_true(contains(findings.fix, "answered on another device"));
    assert_true(contains(item(findings, "CANCEL Reason"), "SIP cause 200"));

    /* No CANCEL in the capture. */
    SipMessageFacts invite3 = request(20, "INVITE", 1, "z9hG4bK-b3");
    feed(invite3);
    findings = feed(response_to(invite3, 21, 487));
    assert_string_equal(item(findings, "CANCEL").c_str(), "not in the capture");
    assert_false(findings.severity.has_value());

    /* The API for an engine that knows the CANCEL itself. */
    EvidenceContext context;
    context.cancel_frame = 77;
    assert_true(contains(answer(invite3, response_to(invite3, 21, 487), context).fix, "frame 77"));
}

void cancel_and_dialog_explain_481(void **)
{
    CorrelationEngine engine;
    EvidenceTracker tracker;
    auto feed = [&](const SipMessageFacts &msg) { return tracker.on_message(msg, engine.on_message(msg)); };

    /* CANCEL racing the 200. */
    SipMessageFacts invite = request(1, "INVITE");
    feed(invite);
    feed(response_to(invite, 2, 200));
    SipMessageFacts cancel = request(3, "CANCEL");
    feed(cancel);
    EvidenceFindings findings = feed(response_to(cancel, 4, 481));
    assert_string_equal(item(findings, "INVITE answered").c_str(), "200 in frame 2");
    assert_true(contains(findings.fix, "normal race") && contains(findings.fix, "BYE"));
    assert_int_equal(static_cast<int>(*findings.severity), static_cast<int>(Severity::note));

    /* CANCEL of an INVITE without a final response: wrong hop or branch. */
    SipMessageFacts invite2 = request(10, "INVITE", 1, "z9hG4bK-c2");
    feed(invite2);
    SipMessageFacts cancel2 = request(11, "CANCEL", 1, "z9hG4bK-c2");
    feed(cancel2);
    assert_true(contains(feed(response_to(cancel2, 12, 481)).fix, "RFC 3261 §9.1"));
    /* CANCEL whose INVITE is not in the capture. */
    SipMessageFacts cancel3 = request(13, "CANCEL", 1, "z9hG4bK-c3");
    feed(cancel3);
    assert_string_equal(item(feed(response_to(cancel3, 14, 481)), "INVITE").c_str(), "not in the capture");

    /* BYE after BYE. The dialog of the first INVITE (tags alice-tag / bob-tag). */
    SipMessageFacts bye = request(20, "BYE", 2, "z9hG4bK-bye1");
    bye.to_tag = "bob-tag";
    feed(bye);
    findings = feed(response_to(bye, 21, 481));
    /* The BYE answered does not explain itself: dialog set up in frame 2. */
    assert_string_equal(item(findings, "Dialog established").c_str(), "frame 2");
    SipMessageFacts bye2 = request(22, "BYE", 3, "z9hG4bK-bye2");
    bye2.to_tag = "bob-tag";
    feed(bye2);
    findings = feed(response_to(bye2, 23, 481));
    assert_string_equal(item(findings, "Dialog ended").c_str(), "BYE in frame 20");
    /* From the other side: tags swapped, same dialog. */
    SipMessageFacts reverse = request(24, "INFO", 1, "z9hG4bK-rev");
    reverse.from_tag = "bob-tag";
    reverse.to_tag = "alice-tag";
    feed(reverse);
    SipMessageFacts reverse_481 = response_to(reverse, 25, 481);
    reverse_481.to_tag = "alice-tag";
    assert_true(contains(feed(reverse_481).fix, "BYE in frame 20"));

    /* Unknown dialog. */
    SipMessageFacts info = request(30, "INFO", 5, "z9hG4bK-i9");
    info.call_id = "elsewhere";
    info.to_tag = "x";
    feed(info);
    findings = feed(response_to(info, 31, 481));
    assert_string_equal(item(findings, "Dialog").c_str(), "not set up in the capture");
}

/* --- 482, 483 -------------------------------------------------------------- */

void loops_and_hops(void **)
{
    SipMessageFacts invite = request(1, "INVITE");
    invite.via_count = 7;
    invite.max_forwards = 64;
    EvidenceFindings findings = answer(invite, response_to(invite, 2, 482));
    assert_string_equal(item(findings, "Via count").c_str(), "7");
    assert_true(contains(findings.fix, "7 Via headers") && contains(findings.fix, "went around"));

    invite.via_count = 2;
    invite.max_forwards = 3;
    findings = answer(invite, response_to(invite, 2, 483));
    assert_string_equal(item(findings, "Max-Forwards").c_str(), "3");
    assert_true(contains(findings.fix, "started at about 4") && contains(findings.fix, "70"));
    invite.via_count = 15;
    assert_true(contains(answer(invite, response_to(invite, 2, 483)).fix, "routing loop"));
    invite.via_count = 3;
    invite.max_forwards = 68;
    assert_true(contains(answer(invite, response_to(invite, 2, 483)).fix, "further on"));
    invite.max_forwards.reset();
    assert_true(contains(answer(invite, response_to(invite, 2, 483)).fix, "no Max-Forwards"));
    invite.via_count = 4294967295u;
    invite.max_forwards = 4294967295u;
    assert_true(contains(answer(invite, response_to(invite, 2, 483)).fix, "routing loop"));
    assert_true(contains(find_evidence(response_to(invite, 2, 482), nullptr).fix, "not in the capture"));
}

/* --- hostile input ---------------------------------------------------------- */

void hostile_input_stays_bounded(void **)
{
    const std::string huge(5000, 'x');
    std::vector<std::string> many;
    for (int i = 0; i < 200; ++i)
        many.push_back(huge);
    SipMessageFacts req = request(1, huge);
    req.cseq_method = huge;
    req.require = many;
    req.proxy_require = many;
    req.supported = many;
    req.sdp_codecs = many;
    req.event = huge;
    req.content_type = huge;
    req.expires = 4294967295u;
    req.session_expires = 4294967295u;
    RequestEvidence remembered = remember_request(req);
    assert_true(remembered.require.size() <= kMaxListEntries);
    assert_true(remembered.method.size() <= 32);
    for (uint16_t code : {0, 99, 401, 405, 407, 415, 420, 421, 422, 423, 481, 482, 483, 486, 487, 488, 489, 500, 503,
                          600, 603, 606, 999}) {
        SipMessageFacts resp = response_to(req, 2, code);
        resp.allow = many;
        resp.unsupported = many;
        resp.require = many;
        resp.allow_events = many;
        resp.accept = many;
        resp.accept_encoding = many;
        resp.accept_language = many;
        resp.auth_realm = huge;
        resp.retry_after = 4294967295u;
        resp.retry_after_comment = huge;
        resp.min_expires = 4294967295u;
        resp.min_se = 4294967295u;
        for (int i = 0; i < 100; ++i) {
            resp.warnings.push_back({static_cast<uint16_t>(300 + i), huge, huge});
            resp.reasons.push_back({huge, static_cast<uint32_t>(i), huge});
        }
        EvidenceContext context;
        context.cancel_frame = 4000000000u;
        context.cancel_reasons = resp.reasons;
        AuthChainState auth;
        auth.challenges = 4000000000u;
        auth.previous_realm = huge;
        auth.repeated = true;
        auth.request_had_credentials = true;
        context.auth = auth;
        const RequestEvidence *candidates[] = {&remembered, nullptr};
        for (const RequestEvidence *with : candidates) {
            EvidenceFindings findings = find_evidence(resp, with, context);
            assert_true(findings.items.size() <= kMaxEvidenceItems);
            for (const EvidenceItem &entry : findings.items)
                assert_true(entry.value.size() <= 200);
            assert_true(findings.fix.size() < 1000);
        }
    }
}

void tracker_is_bounded(void **)
{
    EvidenceLimits limits;
    limits.max_requests = 8;
    limits.max_invites = 8;
    limits.max_dialogs = 8;
    limits.max_auth_chains = 8;
    EvidenceTracker tracker(limits);
    CorrelationEngine engine;
    for (uint32_t i = 0; i < 500; ++i) {
        SipMessageFacts invite = request(2 * i + 1, "INVITE", 1, "z9hG4bK-" + std::to_string(i));
        invite.call_id = "call-" + std::to_string(i);
        tracker.on_message(invite, engine.on_message(invite));
        SipMessageFacts ok = response_to(invite, 2 * i + 2, i % 2 ? 200 : 407);
        tracker.on_message(ok, engine.on_message(ok));
    }
    assert_true(tracker.state_size() <= 32);
    assert_null(tracker.request(1));
    assert_non_null(tracker.request(999));
    tracker.clear();
    assert_int_equal(tracker.state_size(), 0);
    EvidenceLimits zero{0, 0, 0, 0};
    EvidenceTracker nothing(zero);
    SipMessageFacts invite = request(1, "INVITE");
    nothing.on_message(invite, engine.on_message(invite));
    assert_int_equal(nothing.state_size(), 0);
}

void folding_and_empty(void **)
{
    EvidenceFindings none;
    assert_true(none.empty());
    assert_string_equal(folded_fix("record fix", none).c_str(), "record fix");
    assert_string_equal(folded_fix(nullptr, none).c_str(), "");
    none.fix = "specific";
    assert_string_equal(folded_fix("record fix", none).c_str(), "specific");
    /* A 200 has nothing to say; ACK is never remembered. */
    SipMessageFacts invite = request(1, "INVITE");
    assert_true(answer(invite, response_to(invite, 2, 200)).empty());
    EvidenceTracker tracker;
    CorrelationEngine engine;
    SipMessageFacts ack = request(3, "ACK");
    tracker.on_message(ack, engine.on_message(ack));
    assert_null(tracker.request(3));
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delta_seconds_are_robust),
        cmocka_unit_test(retry_after_parsing),
        cmocka_unit_test(token_lists),
        cmocka_unit_test(warning_parsing),
        cmocka_unit_test(reason_parsing),
        cmocka_unit_test(other_helpers),
        cmocka_unit_test(cause_tables),
        cmocka_unit_test(retry_after_says_when),
        cmocka_unit_test(service_unavailable_without_retry_after),
        cmocka_unit_test(interval_too_brief),
        cmocka_unit_test(session_interval_too_small),
        cmocka_unit_test(method_not_allowed),
        cmocka_unit_test(bad_extension),
        cmocka_unit_test(extension_required),
        cmocka_unit_test(unsupported_media_type),
        cmocka_unit_test(bad_event),
        cmocka_unit_test(not_acceptable_reads_warning_and_offer),
        cmocka_unit_test(warning_on_other_codes),
        cmocka_unit_test(reason_on_requests_and_responses),
        cmocka_unit_test(challenge_chain),
        cmocka_unit_test(challenge_chain_realm_change_and_bounds),
        cmocka_unit_test(cancel_explains_487),
        cmocka_unit_test(cancel_and_dialog_explain_481),
        cmocka_unit_test(loops_and_hops),
        cmocka_unit_test(hostile_input_stays_bounded),
        cmocka_unit_test(tracker_is_bounded),
        cmocka_unit_test(folding_and_empty),
    };
    return cmocka_run_group_tests_name("evidence", tests, nullptr, nullptr);
}
