/* sipadvisor - unit tests of the SIP header reader
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/sip_parser.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

const char kInvite[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-a1;rport\r\n"
    "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK-p0\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice, A.\" <sip:alice@example.com>;tag=al1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: c1@192.0.2.10\r\n"
    "CSeq: 314 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.10:5060>\r\n"
    "Session-Expires: 90;refresher=uac\r\n"
    "Require: timer\r\n"
    "Proxy-Authorization: Digest username=\"alice\", realm=\"example.com\"\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 129\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.0.2.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 97\r\n"
    "a=rtpmap:97 opus/48000/2\r\n";

void request_line_and_transaction_headers(void **)
{
    std::optional<SipMessageFacts> facts = parse_sip_message(kInvite);
    assert_true(facts.has_value());
    assert_true(facts->is_request);
    assert_string_equal(facts->method.c_str(), "INVITE");
    assert_string_equal(facts->request_uri.c_str(), "sip:bob@example.com");
    assert_string_equal(facts->via_branch.c_str(), "z9hG4bK-a1"); /* top Via only */
    assert_string_equal(facts->via_sent_by.c_str(), "192.0.2.10:5060");
    assert_string_equal(facts->via_transport.c_str(), "UDP");
    assert_int_equal(facts->via_count, 2);
    assert_string_equal(facts->from_tag.c_str(), "al1"); /* comma inside the quoted name */
    assert_true(facts->to_tag.empty());
    assert_string_equal(facts->call_id.c_str(), "c1@192.0.2.10");
    assert_int_equal(facts->cseq_seq, 314);
    assert_string_equal(facts->cseq_method.c_str(), "INVITE");
    assert_int_equal(*facts->max_forwards, 70);
    assert_int_equal(*facts->session_expires, 90);
    assert_int_equal(facts->require.size(), 1);
    assert_true(facts->has_authorization);
    assert_int_equal(facts->contacts.size(), 1);
    assert_string_equal(facts->contacts[0].uri.c_str(), "sip:alice@192.0.2.10:5060");
    /* SDP: in m= line order (preference, RFC 3264 §5.1), rtpmap names for
     * dynamic types, RFC 3551 names for static ones. */
    assert_int_equal(facts->sdp_codecs.size(), 3);
    assert_string_equal(facts->sdp_codecs[0].c_str(), "PCMU");
    assert_string_equal(facts->sdp_codecs[1].c_str(), "PCMA");
    assert_string_equal(facts->sdp_codecs[2].c_str(), "opus");
}

void status_line_and_response_headers(void **)
{
    const char response[] =
        "SIP/2.0 302 Moved Temporarily\r\n"
        "Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK-x\r\n"
        "From: sip:alice@example.com;tag=a\r\n"
        "To: <sip:dave@example.com>;tag=srv\r\n"
        "Call-ID: c2\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:dave@a.example.net>;q=0.7, <sip:dave@b.example.net;transport=tcp>;q=1.0;expires=300\r\n"
        "Contact: sip:dave@c.example.net;expires=60\r\n"
        "Retry-After: 120 (back at noon);duration=3600\r\n"
        "Warning: 399 sbc.example.net \"Trunk, busy\"\r\n"
        "Reason: Q.850;cause=17;text=\"User busy\"\r\n"
        "Content-Length: 0\r\n\r\n";
    std::optional<SipMessageFacts> facts = parse_sip_message(response);
    assert_true(facts.has_value());
    assert_false(facts->is_request);
    assert_int_equal(facts->status_code, 302);
    assert_string_equal(facts->from_tag.c_str(), "a"); /* addr-spec: params belong to the header */
    assert_string_equal(facts->to_tag.c_str(), "srv");
    assert_string_equal(facts->via_sent_by.c_str(), "client.example.com");
    assert_int_equal(facts->contacts.size(), 3);
    assert_string_equal(facts->contacts[1].uri.c_str(), "sip:dave@b.example.net;transport=tcp");
    assert_true(facts->contacts[0].q && *facts->contacts[0].q == 0.7);
    assert_int_equal(*facts->contacts[1].expires, 300);
    assert_string_equal(facts->contacts[2].uri.c_str(), "sip:dave@c.example.net");
    assert_int_equal(*facts->contacts[2].expires, 60);
    assert_int_equal(*facts->retry_after, 120);
    assert_string_equal(facts->retry_after_comment.c_str(), "back at noon");
    assert_int_equal(facts->warnings.size(), 1);
    assert_int_equal(facts->warnings[0].code, 399);
    assert_string_equal(facts->warnings[0].text.c_str(), "Trunk, busy");
    assert_int_equal(facts->reasons.size(), 1);
    assert_int_equal(facts->reasons[0].cause, 17);
}

void compact_forms_folding_and_bare_lf(void **)
{
    /* RFC 3261 §7.3.3 compact names, a folded header, bare LF line ends. */
    const char message[] =
        "SIP/2.0 200 OK\n"
        "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-c\n"
        "f: <sip:a@example.com>;tag=f1\n"
        "t: <sip:b@example.com>\n"
        " ;tag=t1\n"
        "i: compact@example.com\n"
        "CSeq: 2 PUBLISH\n"
        "o: presence;id=7\n"
        "SIP-ETag: e1\n"
        "Expires: 60\n"
        "u: presence, dialog\n"
        "\n";
    std::optional<SipMessageFacts> facts = parse_sip_message(message);
    assert_true(facts.has_value());
    assert_string_equal(facts->via_branch.c_str(), "z9hG4bK-c");
    assert_string_equal(facts->from_tag.c_str(), "f1");
    assert_string_equal(facts->to_tag.c_str(), "t1");
    assert_string_equal(facts->call_id.c_str(), "compact@example.com");
    assert_string_equal(facts->event.c_str(), "presence");
    assert_string_equal(facts->sip_etag.c_str(), "e1");
    assert_int_equal(*facts->expires, 60);
    assert_int_equal(facts->allow_events.size(), 2);
}

void publish_conditions(void **)
{
    const char publish[] =
        "PUBLISH sip:alice@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-p\r\n"
        "Call-ID: p@x\r\nCSeq: 3 PUBLISH\r\nEvent: presence\r\n"
        "SIP-If-Match: e1\r\nExpires: 0\r\n\r\n";
    std::optional<SipMessageFacts> facts = parse_sip_message(publish);
    assert_true(facts.has_value());
    assert_string_equal(facts->sip_if_match.c_str(), "e1");
    assert_int_equal(*facts->expires, 0);
}

/* Found by fuzz_sip_parser under UBSan (fourth session): with no header
 * line at all, the header reader handed memchr the null data() of an empty
 * view. Only the sanitizer build (TESTING.md) sees that; every build checks
 * that such messages are still read. */
void messages_without_header_lines(void **)
{
    std::optional<SipMessageFacts> bare = parse_sip_message(std::string_view("SIP/2.0 200 OK\r\n\r\n"));
    assert_true(bare.has_value());
    assert_int_equal(bare->status_code, 200);
    assert_true(bare->call_id.empty());
    std::optional<SipMessageFacts> unended = parse_sip_message(std::string_view("OPTIONS sip:a@b SIP/2.0\r\n"));
    assert_true(unended.has_value());
    assert_true(unended->is_request);
    /* A continuation line before any header continues nothing. */
    std::optional<SipMessageFacts> folded_first =
        parse_sip_message(std::string_view("SIP/2.0 486 Busy Here\r\n  stray\r\nCall-ID: x\r\n\r\n"));
    assert_true(folded_first.has_value());
    assert_string_equal(folded_first->call_id.c_str(), "x");
}

void not_sip_is_refused(void **)
{
    for (const char *text : {"", "\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", "SIP/2.0\r\n",
                             "SIP/2.0 2000 OK\r\n", "SIP/2.0 20 OK\r\n", "SIP/2.0 abc\r\n", "INVITE\r\n",
                             "INV{TE sip:a SIP/2.0\r\n", "\x16\x03\x01\x02\x00"})
        assert_false(parse_sip_message(text).has_value());
    /* Keep-alive CRLFs before a message are skipped (RFC 5626 §4.4.1). */
    assert_true(parse_sip_message("\r\n\r\nSIP/2.0 100 Trying\r\n\r\n").has_value());
}

void invalid_codes_are_kept_for_the_advisor(void **)
{
    assert_int_equal(parse_sip_message("SIP/2.0 999 Odd\r\n\r\n")->status_code, 999);
    assert_int_equal(parse_sip_message("SIP/2.0 000 Zero\r\n\r\n")->status_code, 0);
    assert_int_equal(parse_sip_message("SIP/2.0 700\r\n\r\n")->status_code, 700);
}

void hostile_values_are_bounded(void **)
{
    std::string message = "SIP/2.0 300 Multiple Choices\r\nCall-ID: ";
    message += std::string(100000, 'x');
    message += "\r\nContact: ";
    for (int i = 0; i < 5000; ++i)
        message += "<sip:c" + std::to_string(i) + "@example.com>, ";
    message += "\r\nExpires: 99999999999999999999\r\nCSeq: -1 INVITE\r\n\r\n";
    SipParseLimits limits;
    limits.max_header_bytes = 1 << 20;
    std::optional<SipMessageFacts> facts = parse_sip_message(message, limits);
    assert_true(facts.has_value());
    assert_true(facts->call_id.size() <= limits.max_text);
    assert_int_equal(facts->contacts.size(), limits.max_list);
    assert_int_equal(*facts->expires, 4294967295u); /* saturated, not wrapped */
    assert_int_equal(facts->cseq_seq, 0);
    /* Headers past max_header_bytes are not read at all. */
    SipParseLimits small;
    small.max_header_bytes = 64;
    facts = parse_sip_message("SIP/2.0 200 OK\r\nX-Padding: " + std::string(200, 'p') + "\r\nCall-ID: late\r\n\r\n",
                              small);
    assert_true(facts.has_value());
    assert_true(facts->call_id.empty());
}

void values_are_valid_utf8_on_one_line(void **)
{
    /* Invalid UTF-8, a NUL, a bell and an escape in values that end up as
     * Wireshark string fields. */
    std::string message = "SIP/2.0 412 Conditional Request Failed\r\n"
                          "Call-ID: a\xff\xfe\xf6\xab\x90" "b\r\n"
                          "SIP-ETag: t\x07" "ag\x1b" "x\r\n"
                          "Warning: 399 h \"caf\xc3\xa9 \xe0\x80\x80 \xed\xa0\x80\"\r\n"
                          "Contact: <sip:x@y>\r\n\r\n";
    message.insert(message.find("ag"), 1, '\0');
    std::optional<SipMessageFacts> facts = parse_sip_message(message);
    assert_true(facts.has_value());
    /* 0xF6 cannot start a character: it and its would-be tail are '?'. */
    assert_string_equal(facts->call_id.c_str(), "a?????b");
    assert_int_equal(facts->sip_etag.find_first_of(std::string("\x07\x1b\0", 3)), std::string::npos);
    assert_int_equal(facts->warnings.size(), 1);
    /* é stays, the overlong and the surrogate become '?'. */
    assert_string_equal(facts->warnings[0].text.c_str(), "caf\xc3\xa9 ??? ???");
}

/* The displayability check reads eight bytes at a time: every byte value
 * that is not printable ASCII, at every position of a value (each lane of
 * the 8-byte word and the tail), next to printable neighbours of every kind,
 * must still be replaced. */
void every_unprintable_byte_in_every_lane_is_replaced(void **)
{
    for (int byte = 0; byte < 256; ++byte) {
        const bool printable = byte >= 0x20 && byte <= 0x7e;
        if (printable || byte == '\r' || byte == '\n')
            continue;
        for (size_t position = 0; position < 19; ++position) {
            for (char neighbour : {'a', ' ', '~', '!', '\x7e'}) {
                std::string value(19, neighbour);
                value[position] = static_cast<char>(byte);
                std::string message = "SIP/2.0 200 OK\r\nCall-ID: <" + value + ">\r\n\r\n";
                std::optional<SipMessageFacts> facts = parse_sip_message(message);
                assert_true(facts.has_value());
                const std::string &id = facts->call_id;
                for (char c : id)
                    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                        fail_msg("byte 0x%02x at %zu left a control character in \"%s\"", byte, position,
                                 id.c_str());
                /* A lone byte >= 0x80 is never valid UTF-8: it must be gone. */
                if (byte >= 0x80 && id.find(static_cast<char>(byte)) != std::string::npos)
                    fail_msg("byte 0x%02x at %zu kept", byte, position);
            }
        }
    }
    /* And printable values are left exactly as they were. */
    std::string all;
    for (int c = 0x21; c <= 0x7e; ++c)
        all += static_cast<char>(c);
    std::optional<SipMessageFacts> facts = parse_sip_message("SIP/2.0 200 OK\r\nSIP-ETag: " + all + "\r\n\r\n");
    assert_true(facts.has_value());
    assert_string_equal(facts->sip_etag.c_str(), all.c_str());
}

/* Codecs are read from a request's offer only (the evidence never uses an
 * answer), so a response with SDP leaves the list empty. */
void sdp_codecs_come_from_requests_only(void **)
{
    std::string invite = kInvite;
    std::string body = invite.substr(invite.find("\r\n\r\n") + 4);
    std::string answer = "SIP/2.0 200 OK\r\nCall-ID: c1\r\nCSeq: 314 INVITE\r\nContent-Type: application/sdp\r\n"
                         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::optional<SipMessageFacts> facts = parse_sip_message(answer);
    assert_true(facts.has_value());
    assert_int_equal(facts->status_code, 200);
    assert_true(facts->sdp_codecs.empty());
    assert_int_equal(parse_sip_message(invite)->sdp_codecs.size(), 3);
}

/* The reader parses every message into the same few reused objects: a
 * message read into a slot that held a rich one must come out exactly as
 * when read into a fresh object, nothing left over. */
void reused_slot_keeps_nothing_of_the_previous_message(void **)
{
    std::string rich = kInvite;
    rich.insert(rich.find("Max-Forwards"),
        "Event: presence\r\nSIP-If-Match: e1\r\nExpires: 60\r\nRetry-After: 5 (x)\r\nMin-Expires: 9\r\n"
        "Min-SE: 90\r\nAllow: INVITE, ACK\r\nUnsupported: foo\r\nProxy-Require: p\r\nSupported: timer\r\n"
        "Allow-Events: presence\r\nAccept: application/sdp\r\nAccept-Encoding: gzip\r\n"
        "Accept-Language: en\r\nWarning: 399 h \"w\"\r\nReason: SIP;cause=200\r\n"
        "WWW-Authenticate: Digest realm=\"r\"\r\nSIP-ETag: e2\r\n");
    const std::string minimal = "SIP/2.0 404 Not Found\r\nCall-ID: z\r\nCSeq: 2 BYE\r\n\r\n";
    SipMessageFacts slot;
    assert_true(parse_sip_message_into(rich, slot));
    assert_true(slot.has_allow && !slot.allow.empty() && !slot.sdp_codecs.empty() && !slot.warnings.empty() &&
                !slot.reasons.empty() && slot.retry_after && slot.min_expires && slot.min_se && slot.expires &&
                !slot.sip_etag.empty() && !slot.sip_if_match.empty() && !slot.auth_realm.empty() &&
                !slot.event.empty() && slot.has_allow_events && !slot.contacts.empty());
    slot.frame = 7;
    slot.time = 1.5;
    slot.src_endpoint = "192.0.2.1:5060";
    slot.dst_endpoint = "192.0.2.2:5060";
    assert_true(parse_sip_message_into(minimal, slot));
    const SipMessageFacts fresh = *parse_sip_message(minimal);
    assert_int_equal(slot.frame, 0);
    assert_true(slot.time == 0.0);
    assert_true(slot.src_endpoint.empty() && slot.dst_endpoint.empty());
    assert_false(slot.is_request);
    assert_int_equal(slot.status_code, fresh.status_code);
    assert_int_equal(slot.cseq_seq, fresh.cseq_seq);
    for (auto [got, want] : {std::pair{&slot.method, &fresh.method}, {&slot.request_uri, &fresh.request_uri},
                             {&slot.call_id, &fresh.call_id}, {&slot.cseq_method, &fresh.cseq_method},
                             {&slot.from_tag, &fresh.from_tag}, {&slot.to_tag, &fresh.to_tag},
                             {&slot.via_branch, &fresh.via_branch}, {&slot.via_sent_by, &fresh.via_sent_by},
                             {&slot.via_transport, &fresh.via_transport}, {&slot.event, &fresh.event},
                             {&slot.sip_etag, &fresh.sip_etag}, {&slot.sip_if_match, &fresh.sip_if_match},
                             {&slot.retry_after_comment, &fresh.retry_after_comment},
                             {&slot.content_type, &fresh.content_type}, {&slot.auth_realm, &fresh.auth_realm}})
        assert_string_equal(got->c_str(), want->c_str());
    for (const std::vector<std::string> *list : {&slot.allow, &slot.unsupported, &slot.require, &slot.proxy_require,
                                                 &slot.supported, &slot.allow_events, &slot.accept,
                                                 &slot.accept_encoding, &slot.accept_language, &slot.sdp_codecs})
        assert_true(list->empty());
    assert_true(slot.contacts.empty() && slot.warnings.empty() && slot.reasons.empty());
    assert_false(slot.expires || slot.retry_after || slot.min_expires || slot.min_se || slot.session_expires ||
                 slot.max_forwards);
    assert_false(slot.has_authorization || slot.has_allow || slot.has_allow_events);
    assert_int_equal(slot.via_count, 0);
}

/* A comma inside <...> or inside a quoted display name does not end a
 * Contact entry (RFC 3261 §20.10); one outside both does. */
void contact_entries_split_at_top_level_commas(void **)
{
    std::optional<SipMessageFacts> facts = parse_sip_message(
        "SIP/2.0 300 Multiple Choices\r\n"
        "Contact: <sip:a@x.example;list=1,2>;q=0.5, \"Doe, J\" <sip:b@y.example>,sip:c@z.example, *\r\n\r\n");
    assert_true(facts.has_value());
    assert_int_equal(facts->contacts.size(), 3);
    assert_string_equal(facts->contacts[0].uri.c_str(), "sip:a@x.example;list=1,2");
    assert_true(facts->contacts[0].q && *facts->contacts[0].q == 0.5);
    assert_string_equal(facts->contacts[1].uri.c_str(), "sip:b@y.example");
    assert_string_equal(facts->contacts[2].uri.c_str(), "sip:c@z.example");
}

void truncated_message_does_not_overrun(void **)
{
    std::string whole = kInvite;
    for (size_t length = 0; length <= whole.size(); ++length) {
        std::string cut = whole.substr(0, length); /* own buffer: ASan sees any overrun */
        (void)parse_sip_message(std::string_view(cut.data(), cut.size()));
    }
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_line_and_transaction_headers),
        cmocka_unit_test(status_line_and_response_headers),
        cmocka_unit_test(compact_forms_folding_and_bare_lf),
        cmocka_unit_test(publish_conditions),
        cmocka_unit_test(not_sip_is_refused),
        cmocka_unit_test(invalid_codes_are_kept_for_the_advisor),
        cmocka_unit_test(hostile_values_are_bounded),
        cmocka_unit_test(values_are_valid_utf8_on_one_line),
        cmocka_unit_test(every_unprintable_byte_in_every_lane_is_replaced),
        cmocka_unit_test(sdp_codecs_come_from_requests_only),
        cmocka_unit_test(reused_slot_keeps_nothing_of_the_previous_message),
        cmocka_unit_test(contact_entries_split_at_top_level_commas),
        cmocka_unit_test(truncated_message_does_not_overrun),
        cmocka_unit_test(messages_without_header_lines),
    };
    return cmocka_run_group_tests_name("sip_parser", tests, nullptr, nullptr);
}
