/* sipadvisor - unit tests of the correlation engine
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/correlation.h"
#include "sip_test_messages.h"

#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor;
using namespace sipadvisor::core;

namespace {

using test::kAlice;
using test::kBob;
using test::kProxy;
using test::request;
using test::response_to;

SipMessageFacts at_time(SipMessageFacts msg, double time)
{
    msg.time = time;
    return msg;
}

ContactFacts contact(const std::string &uri)
{
    ContactFacts facts;
    facts.uri = uri;
    return facts;
}

/* ------------------------------------------------------------------ */
/* Transaction matching                                               */

void response_matches_request_by_branch(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    MessageCorrelation on_request = engine.on_message(invite);
    assert_int_equal(on_request.redirect_follows, 0);
    MessageCorrelation ringing = engine.on_message(response_to(invite, 2, 180));
    assert_int_equal(ringing.request_match, RequestMatch::matched_branch);
    assert_int_equal(ringing.request_frame, 1);
    assert_string_equal(ringing.request_method.c_str(), "INVITE");
    assert_false(ringing.etag.has_value());
    assert_false(ringing.redirect.has_value());
}

void response_with_other_cseq_method_is_not_matched(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    SipMessageFacts answer = response_to(invite, 2, 200);
    answer.cseq_method = "BYE";
    MessageCorrelation result = engine.on_message(answer);
    assert_int_equal(result.request_match, RequestMatch::not_in_capture);
    assert_int_equal(result.request_frame, 0);
    assert_true(result.request_method.empty());
}

void response_with_other_sent_by_is_not_matched(void **)
{
    CorrelationEngine engine;
    SipMessageFacts options = request(1, "OPTIONS");
    engine.on_message(options);
    SipMessageFacts answer = response_to(options, 2, 200);
    answer.via_sent_by = "192.0.2.99:5060";
    assert_int_equal(engine.on_message(answer).request_match, RequestMatch::not_in_capture);
}

/* Scanners reuse one branch for every call (sipcapture/heplify ipip0.pcap):
 * a response must not be tied to another call's request. */
/* A request long after the 3xx (beyond the preference's window) neither
 * follows nor ignores it. */
void redirect_window_limits_follow_up(void **)
{
    CorrelationLimits limits;
    limits.redirect_window = 60;
    CorrelationEngine engine(limits);
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    SipMessageFacts moved = response_to(invite, 2, 301);
    moved.contacts.push_back(contact("sip:bob@new.example.net"));
    engine.on_message(moved);
    SipMessageFacts late = at_time(request(3, "INVITE", "z9hG4bK-late"), invite.time + 61);
    late.call_id = "call-late@192.0.2.10";
    late.request_uri = "sip:bob@new.example.net";
    assert_int_equal(engine.on_message(late).redirect_follows, 0);
    SipMessageFacts again = at_time(request(4, "INVITE", "z9hG4bK-again"), invite.time + 62);
    again.call_id = "call-again@192.0.2.10";
    assert_int_equal(engine.on_message(again).redirect_ignored, 0);
    SipMessageFacts soon = at_time(request(5, "INVITE", "z9hG4bK-soon"), invite.time + 30);
    soon.call_id = "call-soon@192.0.2.10";
    assert_int_equal(engine.on_message(soon).redirect_ignored, 2);
}

void reused_branch_across_calls_matches_only_its_own_call(void **)
{
    CorrelationEngine engine;
    SipMessageFacts first = request(1, "INVITE", "z9hG4bKbranch00042");
    SipMessageFacts second = request(2, "INVITE", "z9hG4bKbranch00042");
    second.call_id = "call-2@192.0.2.10";
    engine.on_message(first);
    engine.on_message(second);
    MessageCorrelation answer = engine.on_message(response_to(second, 3, 403));
    assert_int_equal(answer.request_match, RequestMatch::matched_branch);
    assert_int_equal(answer.request_frame, 2);
    SipMessageFacts stranger = response_to(first, 4, 403);
    stranger.call_id = "call-3@192.0.2.10";
    assert_int_equal(engine.on_message(stranger).request_match, RequestMatch::not_in_capture);
}

void sent_by_compares_case_insensitively(void **)
{
    CorrelationEngine engine;
    SipMessageFacts options = request(1, "OPTIONS");
    options.via_sent_by = "PC33.Atlanta.example.com";
    engine.on_message(options);
    SipMessageFacts answer = response_to(options, 2, 200);
    answer.via_sent_by = "pc33.atlanta.EXAMPLE.com";
    assert_int_equal(engine.on_message(answer).request_match, RequestMatch::matched_branch);
}

void cancel_and_invite_are_separate_transactions(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    SipMessageFacts cancel = request(3, "CANCEL"); /* same branch as the INVITE */
    engine.on_message(invite);
    engine.on_message(response_to(invite, 2, 180));
    engine.on_message(cancel);
    MessageCorrelation cancelled = engine.on_message(response_to(cancel, 4, 200));
    assert_int_equal(cancelled.request_match, RequestMatch::matched_branch);
    assert_int_equal(cancelled.request_frame, 3);
    assert_string_equal(cancelled.request_method.c_str(), "CANCEL");
    MessageCorrelation terminated = engine.on_message(response_to(invite, 5, 487));
    assert_int_equal(terminated.request_match, RequestMatch::matched_branch);
    assert_int_equal(terminated.request_frame, 1);
    assert_string_equal(terminated.request_method.c_str(), "INVITE");
}

void ack_opens_no_transaction(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    engine.on_message(response_to(invite, 2, 486));
    size_t before = engine.state_size();
    SipMessageFacts ack = request(3, "ACK"); /* non-2xx ACK: the INVITE's branch */
    ack.cseq_method = "ACK";
    MessageCorrelation on_ack = engine.on_message(ack);
    assert_int_equal(engine.state_size(), before);
    assert_int_equal(on_ack.redirect_follows, 0);
    assert_int_equal(on_ack.redirect_ignored, 0);
    /* The 486 retransmitted after the ACK still belongs to the INVITE. */
    MessageCorrelation again = engine.on_message(response_to(invite, 4, 486));
    assert_int_equal(again.request_match, RequestMatch::matched_branch);
    assert_int_equal(again.request_frame, 1);
}

void response_with_cseq_ack_is_not_matched(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    SipMessageFacts ack = request(2, "ACK");
    engine.on_message(ack);
    /* Nothing answers an ACK; a response claiming to is a stray. */
    assert_int_equal(engine.on_message(response_to(ack, 3, 200)).request_match,
                     RequestMatch::not_in_capture);
}

void rfc2543_peer_is_matched_by_dialog_fields_and_endpoints(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE", "");
    engine.on_message(invite);
    MessageCorrelation result = engine.on_message(response_to(invite, 2, 200));
    assert_int_equal(result.request_match, RequestMatch::matched_rfc2543);
    assert_int_equal(result.request_frame, 1);
    assert_string_equal(result.request_method.c_str(), "INVITE");
}

void rfc2543_branch_without_cookie_uses_fallback(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE", "1234abcd");
    engine.on_message(invite);
    SipMessageFacts answer = response_to(invite, 2, 200);
    answer.via_branch = "other"; /* branch is not trusted without the cookie */
    assert_int_equal(engine.on_message(answer).request_match, RequestMatch::matched_rfc2543);
}

void rfc2543_fallback_needs_every_field(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE", "");
    engine.on_message(invite);

    SipMessageFacts other_call = response_to(invite, 2, 200);
    other_call.call_id = "another-call";
    SipMessageFacts other_cseq = response_to(invite, 3, 200);
    other_cseq.cseq_seq = 2;
    SipMessageFacts other_from = response_to(invite, 4, 200);
    other_from.from_tag = "someone-else";
    SipMessageFacts other_method = response_to(invite, 5, 200);
    other_method.cseq_method = "BYE";
    SipMessageFacts same_direction = response_to(invite, 6, 200);
    same_direction.src_endpoint = kAlice; /* not reversed */
    same_direction.dst_endpoint = kBob;
    for (const SipMessageFacts &answer : {other_call, other_cseq, other_from, other_method, same_direction})
        assert_int_equal(engine.on_message(answer).request_match, RequestMatch::not_in_capture);
}

void rfc2543_fallback_tolerates_port_change(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE", "");
    invite.src_endpoint = "192.0.2.10:40123"; /* ephemeral source port */
    engine.on_message(invite);
    SipMessageFacts answer = response_to(invite, 2, 200);
    answer.dst_endpoint = "192.0.2.10:5060"; /* sent to the Via port */
    assert_int_equal(engine.on_message(answer).request_match, RequestMatch::matched_rfc2543);
}

void proxy_legs_are_matched_to_their_own_request(void **)
{
    CorrelationEngine engine;
    SipMessageFacts upstream = request(1, "INVITE", "z9hG4bK-alice");
    upstream.dst_endpoint = kProxy;
    SipMessageFacts downstream = request(2, "INVITE", "z9hG4bK-proxy");
    downstream.via_sent_by = "198.51.100.1:5060";
    downstream.src_endpoint = kProxy;
    downstream.dst_endpoint = kBob;
    engine.on_message(upstream);
    engine.on_message(downstream);

    MessageCorrelation bob_ok = engine.on_message(response_to(downstream, 3, 200));
    MessageCorrelation proxy_ok = engine.on_message(response_to(upstream, 4, 200));
    assert_int_equal(bob_ok.request_match, RequestMatch::matched_branch);
    assert_int_equal(bob_ok.request_frame, 2);
    assert_int_equal(proxy_ok.request_match, RequestMatch::matched_branch);
    assert_int_equal(proxy_ok.request_frame, 1);
}

void proxy_legs_rfc2543_are_told_apart_by_endpoints(void **)
{
    CorrelationEngine engine;
    SipMessageFacts upstream = request(1, "INVITE", "");
    upstream.dst_endpoint = kProxy;
    SipMessageFacts downstream = request(2, "INVITE", "");
    downstream.src_endpoint = kProxy;
    downstream.dst_endpoint = kBob;
    engine.on_message(upstream);
    engine.on_message(downstream);
    assert_int_equal(engine.on_message(response_to(downstream, 3, 200)).request_frame, 2);
    assert_int_equal(engine.on_message(response_to(upstream, 4, 200)).request_frame, 1);
}

void retransmitted_request_keeps_first_frame(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    SipMessageFacts again = invite;
    again.frame = 2;
    again.time += 0.5;
    engine.on_message(again);
    assert_int_equal(engine.state_size(), 1);
    MessageCorrelation result = engine.on_message(response_to(again, 3, 100));
    assert_int_equal(result.request_frame, 1);
}

void retransmitted_response_is_matched_too(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    assert_int_equal(engine.on_message(response_to(invite, 2, 200)).request_frame, 1);
    assert_int_equal(engine.on_message(response_to(invite, 3, 200)).request_frame, 1);
    assert_int_equal(engine.on_message(at_time(response_to(invite, 4, 200), 1004)).request_frame, 1);
}

void response_without_request_is_not_in_capture(void **)
{
    CorrelationEngine engine;
    SipMessageFacts never_seen = request(1, "INVITE");
    MessageCorrelation result = engine.on_message(response_to(never_seen, 2, 200));
    assert_int_equal(result.request_match, RequestMatch::not_in_capture);
    assert_int_equal(result.request_frame, 0);
}

void evicted_request_gives_up_state_full(void **)
{
    CorrelationLimits limits;
    limits.max_open_transactions = 10;
    CorrelationEngine engine(limits);
    std::vector<SipMessageFacts> sent;
    for (uint32_t i = 1; i <= 20; ++i) {
        sent.push_back(request(i, "OPTIONS", "z9hG4bK-" + std::to_string(i)));
        engine.on_message(sent.back());
        assert_true(engine.state_size() <= 10);
    }
    MessageCorrelation evicted = engine.on_message(response_to(sent[0], 21, 200));
    assert_int_equal(evicted.request_match, RequestMatch::gave_up_state_full);
    assert_int_equal(evicted.request_frame, 1); /* still remembered */
    assert_string_equal(evicted.request_method.c_str(), "OPTIONS");

    MessageCorrelation kept = engine.on_message(response_to(sent[15], 22, 200));
    assert_int_equal(kept.request_match, RequestMatch::matched_branch);
    assert_int_equal(kept.request_frame, 16);

    /* A request that never was there is still told apart. */
    SipMessageFacts stranger = request(99, "OPTIONS", "z9hG4bK-never");
    assert_int_equal(engine.on_message(response_to(stranger, 23, 200)).request_match,
                     RequestMatch::not_in_capture);
}

void zero_capacity_stores_nothing_and_says_so(void **)
{
    CorrelationLimits limits;
    limits.max_open_transactions = 0;
    limits.max_entities = 0;
    limits.max_redirects = 0;
    CorrelationEngine engine(limits);
    SipMessageFacts invite = request(1, "INVITE");
    engine.on_message(invite);
    assert_int_equal(engine.state_size(), 0);
    MessageCorrelation result = engine.on_message(response_to(invite, 2, 302));
    assert_int_equal(result.request_match, RequestMatch::gave_up_state_full);
    assert_true(result.redirect.has_value());
    assert_int_equal(engine.state_size(), 0);
}

void million_unanswered_requests_stay_within_cap(void **)
{
    CorrelationEngine engine; /* default limits: 100000 open transactions */
    const size_t cap = CorrelationLimits{}.max_open_transactions;
    SipMessageFacts msg = request(1, "INVITE");
    auto start = std::chrono::steady_clock::now();
    for (uint32_t i = 1; i <= 1000000; ++i) {
        msg.frame = i;
        msg.time = 1000.0 + i * 1e-5; /* 10 s in all: nothing times out */
        msg.call_id = "flood-" + std::to_string(i);
        msg.via_branch = "z9hG4bK-flood-" + std::to_string(i);
        engine.on_message(msg);
        if (engine.state_size() > cap)
            fail_msg("state_size %zu > %zu after %u requests", engine.state_size(), cap, i);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    print_message("1,000,000 requests in %.2f s\n", seconds);
    assert_true(seconds < 20.0);

    SipMessageFacts first = request(1, "INVITE", "z9hG4bK-flood-1");
    first.call_id = "flood-1";
    assert_int_equal(engine.on_message(at_time(response_to(first, 1000001, 200), 1010)).request_match,
                     RequestMatch::gave_up_state_full);
    SipMessageFacts last = request(1000000, "INVITE", "z9hG4bK-flood-1000000");
    last.call_id = "flood-1000000";
    MessageCorrelation answered = engine.on_message(at_time(response_to(last, 1000002, 200), 1010));
    assert_int_equal(answered.request_match, RequestMatch::matched_branch);
    assert_int_equal(answered.request_frame, 1000000);
}

void idle_non_invite_transaction_times_out(void **)
{
    CorrelationEngine engine; /* timeout 64 s */
    SipMessageFacts message = at_time(request(1, "MESSAGE"), 0);
    engine.on_message(message);
    MessageCorrelation late = engine.on_message(at_time(response_to(message, 2, 200), 100));
    assert_int_equal(late.request_match, RequestMatch::timed_out);
    assert_int_equal(late.request_frame, 1);
    assert_string_equal(late.request_method.c_str(), "MESSAGE");
    assert_int_equal(engine.state_size(), 0);
}

void answered_in_time_is_matched(void **)
{
    CorrelationEngine engine;
    SipMessageFacts message = at_time(request(1, "MESSAGE"), 0);
    engine.on_message(message);
    assert_int_equal(engine.on_message(at_time(response_to(message, 2, 200), 60)).request_match,
                     RequestMatch::matched_branch);
}

void retransmissions_keep_a_transaction_alive(void **)
{
    CorrelationEngine engine;
    SipMessageFacts message = at_time(request(1, "MESSAGE"), 0);
    engine.on_message(message);
    SipMessageFacts again = at_time(message, 50);
    again.frame = 2;
    engine.on_message(again);
    MessageCorrelation result = engine.on_message(at_time(response_to(message, 3, 200), 100));
    assert_int_equal(result.request_match, RequestMatch::matched_branch);
    assert_int_equal(result.request_frame, 1);
}

void proceeding_invite_lives_for_minutes(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = at_time(request(1, "INVITE"), 0);
    engine.on_message(invite);
    engine.on_message(at_time(response_to(invite, 2, 180), 1));
    /* Someone unrelated keeps the clock moving. */
    engine.on_message(at_time(request(3, "OPTIONS", "z9hG4bK-other"), 200));
    MessageCorrelation answered = engine.on_message(at_time(response_to(invite, 4, 200), 250));
    assert_int_equal(answered.request_match, RequestMatch::matched_branch);
    assert_int_equal(answered.request_frame, 1);
}

void proceeding_invite_times_out_after_300_seconds(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = at_time(request(1, "INVITE"), 0);
    engine.on_message(invite);
    engine.on_message(at_time(response_to(invite, 2, 180), 1));
    assert_int_equal(engine.on_message(at_time(response_to(invite, 3, 200), 400)).request_match,
                     RequestMatch::timed_out);
}

void unanswered_invite_uses_transaction_timeout(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = at_time(request(1, "INVITE"), 0);
    engine.on_message(invite);
    assert_int_equal(engine.on_message(at_time(response_to(invite, 2, 200), 100)).request_match,
                     RequestMatch::timed_out);
}

void reused_branch_after_timeout_opens_new_transaction(void **)
{
    CorrelationEngine engine;
    SipMessageFacts first = at_time(request(1, "OPTIONS", "z9hG4bK-constant"), 0);
    engine.on_message(first);
    engine.on_message(at_time(response_to(first, 2, 200), 0.1));
    SipMessageFacts second = at_time(request(3, "OPTIONS", "z9hG4bK-constant"), 500);
    engine.on_message(second);
    MessageCorrelation result = engine.on_message(at_time(response_to(second, 4, 200), 500.1));
    assert_int_equal(result.request_match, RequestMatch::matched_branch);
    assert_int_equal(result.request_frame, 3);
    assert_int_equal(engine.state_size(), 1);
}

/* ------------------------------------------------------------------ */
/* Entity tags (RFC 3903)                                              */

SipMessageFacts publish(uint32_t frame, double time, const std::string &if_match,
                        std::optional<uint32_t> expires = std::nullopt)
{
    SipMessageFacts msg = request(frame, "PUBLISH", "z9hG4bK-pub" + std::to_string(frame));
    msg.time = time;
    msg.request_uri = "sip:presentity@example.com";
    msg.event = "presence";
    msg.cseq_seq = frame;
    msg.sip_if_match = if_match;
    msg.expires = expires;
    return msg;
}

SipMessageFacts accepted(const SipMessageFacts &pub, uint32_t frame, const std::string &etag,
                         std::optional<uint32_t> expires = std::nullopt)
{
    SipMessageFacts msg = response_to(pub, frame, 200);
    msg.time = pub.time + 0.05;
    msg.sip_etag = etag;
    msg.expires = expires;
    return msg;
}

EtagDiagnosis diagnose(CorrelationEngine &engine, const SipMessageFacts &pub, uint32_t frame)
{
    engine.on_message(pub);
    SipMessageFacts failed = response_to(pub, frame, 412);
    failed.time = pub.time + 0.05;
    MessageCorrelation result = engine.on_message(failed);
    assert_int_equal(result.request_match, RequestMatch::matched_branch);
    assert_true(result.etag.has_value());
    return *result.etag;
}

void etag_live_means_server_lost_state(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "", 3600);
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a", 3600));
    EtagDiagnosis diagnosis = diagnose(engine, publish(3, 100, "tag-a", 3600), 4);
    assert_string_equal(diagnosis.if_match.c_str(), "tag-a");
    assert_int_equal(diagnosis.state, EtagState::live);
    assert_int_equal(diagnosis.issued_in, 2);
    assert_int_equal(diagnosis.expires, 3600);
    assert_float_equal(diagnosis.elapsed, 99.95, 1e-6);
}

void etag_superseded_names_successor(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a", 60));
    SipMessageFacts refresh = publish(3, 30, "tag-a");
    engine.on_message(refresh);
    engine.on_message(accepted(refresh, 4, "tag-b", 60));
    EtagDiagnosis diagnosis = diagnose(engine, publish(5, 40, "tag-a"), 6);
    assert_int_equal(diagnosis.state, EtagState::superseded);
    assert_string_equal(diagnosis.superseded_by.c_str(), "tag-b");
    assert_int_equal(diagnosis.superseded_in, 4);
    assert_int_equal(diagnosis.issued_in, 2);
    assert_int_equal(diagnosis.removed_in, 0);
}

void etag_removed_names_frame(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a", 3600));
    SipMessageFacts removal = publish(3, 10, "tag-a", 0);
    engine.on_message(removal);
    engine.on_message(accepted(removal, 4, "", 0));
    EtagDiagnosis diagnosis = diagnose(engine, publish(5, 20, "tag-a"), 6);
    assert_int_equal(diagnosis.state, EtagState::removed);
    assert_int_equal(diagnosis.removed_in, 4);
    assert_true(diagnosis.superseded_by.empty());
}

void etag_expired_reports_issue_and_elapsed(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "", 120);
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a", 60)); /* server grants less */
    EtagDiagnosis diagnosis = diagnose(engine, publish(3, 90, "tag-a"), 4);
    assert_int_equal(diagnosis.state, EtagState::expired);
    assert_int_equal(diagnosis.issued_in, 2);
    assert_int_equal(diagnosis.expires, 60);
    assert_float_equal(diagnosis.elapsed, 89.95, 1e-6);
}

void etag_never_issued_is_unknown(void **)
{
    CorrelationEngine engine;
    EtagDiagnosis diagnosis = diagnose(engine, publish(1, 0, "tag-from-yesterday"), 2);
    assert_int_equal(diagnosis.state, EtagState::unknown);
    assert_string_equal(diagnosis.if_match.c_str(), "tag-from-yesterday");
    assert_int_equal(diagnosis.issued_in, 0);
}

/* Kamailio answers 412 when a live tag of one resource is sent to another
 * (pcaps/kamailio-udp.pcapng frame 28): unknown here, issued elsewhere. */
void etag_of_another_entity_is_unknown_and_names_it(void **)
{
    CorrelationEngine engine;
    SipMessageFacts alice = publish(1, 0, "");
    engine.on_message(alice);
    engine.on_message(accepted(alice, 2, "alice-tag-1", 3600));
    SipMessageFacts bob = publish(3, 10, "alice-tag-1");
    bob.request_uri = "sip:bob@example.com";
    EtagDiagnosis diagnosis = diagnose(engine, bob, 4);
    assert_int_equal(diagnosis.state, EtagState::unknown);
    assert_string_equal(diagnosis.other_entity.c_str(), "sip:presentity@example.com");
    assert_int_equal(diagnosis.other_issued_in, 2);
    assert_int_equal(diagnosis.issued_in, 0);
}

/* The index of issued tags ("issued for another resource") is bounded and
 * forgets the oldest tags first; re-issuing a tag makes it new again. */
void issued_tag_index_forgets_oldest_first(void **)
{
    EtagLedger ledger(16, 4);
    auto entity = [](size_t i) {
        std::string uri = "sip:r" + std::to_string(i % 16) + "@example.com";
        return std::to_string(uri.size()) + ":" + uri + "presence";
    };
    const size_t total = EtagLedger::kMaxIssuedIndex + 500;
    for (size_t i = 0; i < total; ++i) {
        ledger.on_publish_accepted(entity(i), "", "t" + std::to_string(i), false, 3600, static_cast<uint32_t>(i + 1),
                                   static_cast<double>(i));
        if (i == 1000) /* t0 issued again: among the newest 100,000 indexed */
            ledger.on_publish_accepted(entity(0), "", "t0", false, 3600, 999999, 1000.0);
    }
    assert_int_equal(ledger.issued_index_size(), EtagLedger::kMaxIssuedIndex);
    const std::string elsewhere = "16:sip:x@example.compresence";
    /* t1 was among the oldest: forgotten. */
    assert_true(ledger.diagnose_412(elsewhere, "t1", 0).other_entity.empty());
    /* t0 was issued again later: still known, as of then. */
    EtagDiagnosis reissued = ledger.diagnose_412(elsewhere, "t0", 0);
    assert_string_equal(reissued.other_entity.c_str(), "sip:r0@example.com");
    assert_int_equal(reissued.other_issued_in, 999999);
    /* The newest tag is known. */
    const size_t last = total - 1;
    EtagDiagnosis newest = ledger.diagnose_412(elsewhere, "t" + std::to_string(last), 0);
    assert_int_equal(newest.other_issued_in, last + 1);
}

void etag_412_without_if_match_is_unknown(void **)
{
    CorrelationEngine engine;
    EtagDiagnosis diagnosis = diagnose(engine, publish(1, 0, ""), 2);
    assert_int_equal(diagnosis.state, EtagState::unknown);
    assert_true(diagnosis.if_match.empty());
}

void etag_two_live_chains_in_one_entity(void **)
{
    CorrelationEngine engine;
    SipMessageFacts phone = publish(1, 0, "");
    SipMessageFacts laptop = publish(3, 1, "");
    engine.on_message(phone);
    engine.on_message(accepted(phone, 2, "phone-1", 3600));
    engine.on_message(laptop);
    engine.on_message(accepted(laptop, 4, "laptop-1", 3600));
    SipMessageFacts phone_refresh = publish(5, 10, "phone-1");
    engine.on_message(phone_refresh);
    engine.on_message(accepted(phone_refresh, 6, "phone-2", 3600));

    EtagDiagnosis laptop_diagnosis = diagnose(engine, publish(7, 20, "laptop-1"), 8);
    assert_int_equal(laptop_diagnosis.state, EtagState::live);
    assert_int_equal(laptop_diagnosis.issued_in, 4);
    EtagDiagnosis phone_diagnosis = diagnose(engine, publish(9, 21, "phone-2"), 10);
    assert_int_equal(phone_diagnosis.state, EtagState::live);
    assert_int_equal(phone_diagnosis.issued_in, 6);
    EtagDiagnosis old_phone = diagnose(engine, publish(11, 22, "phone-1"), 12);
    assert_int_equal(old_phone.state, EtagState::superseded);
    assert_string_equal(old_phone.superseded_by.c_str(), "phone-2");
}

void etag_refresh_with_same_tag_restarts_clock(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a", 60));
    SipMessageFacts refresh = publish(3, 50, "tag-a", 60);
    engine.on_message(refresh);
    engine.on_message(accepted(refresh, 4, "tag-a", 60));
    /* 100 s after the first issue, 50 s after the refresh: still live. */
    EtagDiagnosis diagnosis = diagnose(engine, publish(5, 100, "tag-a"), 6);
    assert_int_equal(diagnosis.state, EtagState::live);
    assert_int_equal(diagnosis.issued_in, 4);
    assert_float_equal(diagnosis.elapsed, 49.95, 1e-6);
}

void etag_expires_falls_back_to_request_then_default(void **)
{
    CorrelationEngine engine;
    SipMessageFacts with_request_expires = publish(1, 0, "", 30);
    engine.on_message(with_request_expires);
    engine.on_message(accepted(with_request_expires, 2, "tag-a"));
    assert_int_equal(diagnose(engine, publish(3, 10, "tag-a"), 4).expires, 30);

    SipMessageFacts nothing_said = publish(5, 0, "");
    nothing_said.request_uri = "sip:other@example.com";
    engine.on_message(nothing_said);
    engine.on_message(accepted(nothing_said, 6, "tag-b"));
    SipMessageFacts failed = publish(7, 10, "tag-b");
    failed.request_uri = "sip:other@example.com";
    assert_int_equal(diagnose(engine, failed, 8).expires, kDefaultPublishExpires);
}

void etag_entities_are_kept_apart(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a"));
    SipMessageFacts other_event = publish(3, 1, "tag-a");
    other_event.event = "dialog";
    assert_int_equal(diagnose(engine, other_event, 4).state, EtagState::unknown);
    SipMessageFacts other_uri = publish(5, 1, "tag-a");
    other_uri.request_uri = "sip:someone-else@example.com";
    assert_int_equal(diagnose(engine, other_uri, 6).state, EtagState::unknown);
}

void etag_request_uri_compared_normalised(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-a"));
    SipMessageFacts failed = publish(3, 1, "tag-a");
    failed.request_uri = "<sip:presentity@EXAMPLE.com>";
    assert_int_equal(diagnose(engine, failed, 4).state, EtagState::live);
}

void etag_supersede_of_tag_issued_before_capture(void **)
{
    CorrelationEngine engine;
    SipMessageFacts refresh = publish(1, 0, "tag-old");
    engine.on_message(refresh);
    engine.on_message(accepted(refresh, 2, "tag-new"));
    EtagDiagnosis diagnosis = diagnose(engine, publish(3, 5, "tag-old"), 4);
    assert_int_equal(diagnosis.state, EtagState::superseded);
    assert_int_equal(diagnosis.issued_in, 0);
    assert_int_equal(diagnosis.superseded_in, 2);
}

void etag_only_for_412_to_publish(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    assert_false(engine.on_message(accepted(initial, 2, "tag-a")).etag.has_value());
    SipMessageFacts invite = request(3, "INVITE", "z9hG4bK-inv");
    engine.on_message(invite);
    assert_false(engine.on_message(response_to(invite, 4, 412)).etag.has_value());
    /* A 412 to a PUBLISH we never saw: we cannot know its condition. */
    SipMessageFacts unseen = publish(5, 1, "tag-a");
    MessageCorrelation orphan = engine.on_message(response_to(unseen, 6, 412));
    assert_int_equal(orphan.request_match, RequestMatch::not_in_capture);
    assert_false(orphan.etag.has_value());
}

void etag_entities_are_bounded(void **)
{
    CorrelationLimits limits;
    limits.max_entities = 2;
    CorrelationEngine engine(limits);
    const char *uris[] = {"sip:one@example.com", "sip:two@example.com", "sip:three@example.com"};
    uint32_t frame = 1;
    for (const char *uri : uris) {
        SipMessageFacts initial = publish(frame, frame, "");
        initial.request_uri = uri;
        engine.on_message(initial);
        engine.on_message(accepted(initial, frame + 1, "tag"));
        frame += 2;
    }
    size_t transactions_left = 3; /* answered PUBLISH transactions still open */
    assert_int_equal(engine.state_size(), transactions_left + 2);
    SipMessageFacts first = publish(frame, frame, "tag");
    first.request_uri = uris[0];
    assert_int_equal(diagnose(engine, first, frame + 1).state, EtagState::unknown);
    SipMessageFacts last = publish(frame + 2, frame + 2, "tag");
    last.request_uri = uris[2];
    assert_int_equal(diagnose(engine, last, frame + 3).state, EtagState::live);
}

void etag_history_per_entity_is_bounded(void **)
{
    CorrelationEngine engine;
    SipMessageFacts initial = publish(1, 0, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 2, "tag-0", 3600));
    uint32_t frame = 3;
    for (int i = 1; i <= 200; ++i) {
        SipMessageFacts refresh = publish(frame, i, "tag-" + std::to_string(i - 1));
        engine.on_message(refresh);
        engine.on_message(accepted(refresh, frame + 1, "tag-" + std::to_string(i), 3600));
        frame += 2;
    }
    assert_int_equal(diagnose(engine, publish(frame, 300, "tag-0"), frame + 1).state, EtagState::unknown);
    EtagDiagnosis recent = diagnose(engine, publish(frame + 2, 300, "tag-199"), frame + 3);
    assert_int_equal(recent.state, EtagState::superseded);
    assert_string_equal(recent.superseded_by.c_str(), "tag-200");
    assert_int_equal(diagnose(engine, publish(frame + 4, 300, "tag-200"), frame + 5).state, EtagState::live);
}

/* ------------------------------------------------------------------ */
/* 3xx follow-through                                                  */

/* INVITE to sip:bob@example.com from Alice, answered by a 3xx. */
MessageCorrelation redirect_invite(CorrelationEngine &engine, uint16_t code,
                                   const std::vector<ContactFacts> &contacts, uint32_t invite_frame = 1,
                                   uint32_t redirect_frame = 2)
{
    SipMessageFacts invite = request(invite_frame, "INVITE", "z9hG4bK-r" + std::to_string(invite_frame));
    engine.on_message(invite);
    SipMessageFacts redirect = response_to(invite, redirect_frame, code);
    redirect.contacts = contacts;
    return engine.on_message(redirect);
}

SipMessageFacts new_invite(uint32_t frame, const std::string &uri, const std::string &call_id)
{
    SipMessageFacts msg = request(frame, "INVITE", "z9hG4bK-n" + std::to_string(frame));
    msg.request_uri = uri;
    msg.call_id = call_id;
    return msg;
}

void redirect_lists_one_contact(void **)
{
    CorrelationEngine engine;
    MessageCorrelation result = redirect_invite(engine, 302, {contact("sip:bob@desk.example.com")});
    assert_int_equal(result.request_frame, 1);
    assert_true(result.redirect.has_value());
    assert_false(result.redirect->missing_contact);
    assert_int_equal(result.redirect->contacts.size(), 1);
    assert_string_equal(result.redirect->contacts[0].uri.c_str(), "sip:bob@desk.example.com");
}

void redirect_lists_several_contacts_in_order(void **)
{
    CorrelationEngine engine;
    ContactFacts mobile = contact("sip:bob@mobile.example.com");
    mobile.q = 0.5;
    ContactFacts desk = contact("sip:bob@desk.example.com");
    desk.q = 1.0;
    MessageCorrelation result = redirect_invite(engine, 300, {mobile, desk, contact("tel:+15551234")});
    assert_true(result.redirect.has_value());
    assert_int_equal(result.redirect->contacts.size(), 3);
    assert_string_equal(result.redirect->contacts[0].uri.c_str(), "sip:bob@mobile.example.com");
    assert_float_equal(*result.redirect->contacts[0].q, 0.5, 1e-9);
    assert_string_equal(result.redirect->contacts[1].uri.c_str(), "sip:bob@desk.example.com");
    assert_string_equal(result.redirect->contacts[2].uri.c_str(), "tel:+15551234");
}

void redirect_without_contact_is_flagged(void **)
{
    CorrelationEngine engine;
    MessageCorrelation result = redirect_invite(engine, 302, {});
    assert_true(result.redirect.has_value());
    assert_true(result.redirect->missing_contact);
    assert_true(result.redirect->contacts.empty());
}

void unusual_3xx_is_a_redirect_too(void **)
{
    CorrelationEngine engine;
    for (uint16_t code : {305, 380, 399}) {
        MessageCorrelation result = redirect_invite(engine, code, {contact("sip:x@example.com")}, code, code + 1000);
        assert_true(result.redirect.has_value());
    }
    SipMessageFacts invite = request(5000, "INVITE", "z9hG4bK-ok");
    engine.on_message(invite);
    assert_false(engine.on_message(response_to(invite, 5001, 200)).redirect.has_value());
    assert_false(engine.on_message(response_to(invite, 5002, 400)).redirect.has_value());
}

void request_to_contact_follows_redirect(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 302, {contact("sip:bob@mobile.example.com"), contact("sip:bob@desk.example.com")});
    assert_int_equal(engine.followed_in(2), 0);
    MessageCorrelation follow = engine.on_message(new_invite(4, "sip:bob@desk.example.com", "call-1@192.0.2.10"));
    assert_int_equal(follow.redirect_follows, 2);
    assert_int_equal(follow.redirect_ignored, 0);
    assert_int_equal(engine.followed_in(2), 4);
    /* The second attempt, to the other Contact, follows too, but the
     * redirection's first follower stays. */
    MessageCorrelation second = engine.on_message(new_invite(6, "sip:bob@mobile.example.com", "call-2"));
    assert_int_equal(second.redirect_follows, 2);
    assert_int_equal(engine.followed_in(2), 4);
    assert_int_equal(engine.followed_in(12345), 0);
}

void follow_needs_same_client_host_but_not_port(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 302, {contact("sip:bob@desk.example.com")});
    SipMessageFacts other_host = new_invite(4, "sip:bob@desk.example.com", "c2");
    other_host.src_endpoint = "192.0.2.77:5060";
    assert_int_equal(engine.on_message(other_host).redirect_follows, 0);
    SipMessageFacts other_port = new_invite(5, "sip:bob@desk.example.com", "c3");
    other_port.src_endpoint = "192.0.2.10:40000";
    assert_int_equal(engine.on_message(other_port).redirect_follows, 2);
}

void follow_compares_uris_normalised(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 302, {contact("<SIP:bob@Desk.Example.COM;transport=tcp;lr>")});
    assert_int_equal(engine.on_message(new_invite(4, "sip:bob@desk.example.com;LR;Transport=TCP", "c2")).redirect_follows, 2);
    /* The user part is case-sensitive (RFC 3261 §19.1.4). */
    assert_int_equal(engine.on_message(new_invite(5, "sip:BOB@desk.example.com;lr;transport=tcp", "c3")).redirect_follows, 0);
}

void ack_and_cancel_do_not_follow(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 302, {contact("sip:bob@desk.example.com")});
    SipMessageFacts ack = new_invite(3, "sip:bob@desk.example.com", "c2");
    ack.method = ack.cseq_method = "ACK";
    assert_int_equal(engine.on_message(ack).redirect_follows, 0);
    SipMessageFacts cancel = new_invite(4, "sip:bob@desk.example.com", "c2");
    cancel.method = cancel.cseq_method = "CANCEL";
    assert_int_equal(engine.on_message(cancel).redirect_follows, 0);
    assert_int_equal(engine.followed_in(2), 0);
}

void new_request_to_moved_uri_after_301_is_ignored(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    MessageCorrelation again = engine.on_message(new_invite(10, "sip:bob@example.com", "call-2"));
    assert_int_equal(again.redirect_ignored, 2);
    assert_int_equal(again.redirect_follows, 0);
    /* Other methods to the moved URI count as well. */
    SipMessageFacts message = new_invite(11, "sip:bob@example.com", "call-3");
    message.method = message.cseq_method = "MESSAGE";
    assert_int_equal(engine.on_message(message).redirect_ignored, 2);
}

void new_request_to_old_uri_after_302_is_not_ignored(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 302, {contact("sip:bob@new.example.com")});
    assert_int_equal(engine.on_message(new_invite(10, "sip:bob@example.com", "call-2")).redirect_ignored, 0);
}

void ack_to_301_is_not_ignoring_it(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    SipMessageFacts ack = request(3, "ACK", "z9hG4bK-r1");
    ack.to_tag = "bob-tag";
    MessageCorrelation result = engine.on_message(ack);
    assert_int_equal(result.redirect_ignored, 0);
    assert_int_equal(result.redirect_follows, 0);
}

void retransmitted_invite_after_301_is_not_ignoring_it(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    SipMessageFacts retransmission = request(3, "INVITE", "z9hG4bK-r1"); /* crossed the 301 */
    assert_int_equal(engine.on_message(retransmission).redirect_ignored, 0);
}

void new_invite_same_call_id_without_to_tag_is_ignoring(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    SipMessageFacts retry = request(5, "INVITE", "z9hG4bK-retry");
    retry.cseq_seq = 2;
    assert_int_equal(engine.on_message(retry).redirect_ignored, 2);
}

void in_dialog_request_same_call_id_is_not_ignoring(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    SipMessageFacts in_dialog = request(5, "INFO", "z9hG4bK-info");
    in_dialog.to_tag = "bob-tag";
    in_dialog.cseq_seq = 2;
    assert_int_equal(engine.on_message(in_dialog).redirect_ignored, 0);
}

void ignore_needs_same_client_host(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    SipMessageFacts someone_else = new_invite(10, "sip:bob@example.com", "call-2");
    someone_else.src_endpoint = "192.0.2.200:5060";
    assert_int_equal(engine.on_message(someone_else).redirect_ignored, 0);
}

void retransmitted_3xx_keeps_first_redirect(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = request(1, "INVITE", "z9hG4bK-r1");
    engine.on_message(invite);
    SipMessageFacts moved = response_to(invite, 2, 302);
    moved.contacts = {contact("sip:bob@desk.example.com")};
    engine.on_message(moved);
    moved.frame = 3;
    MessageCorrelation again = engine.on_message(moved);
    assert_true(again.redirect.has_value()); /* still shown on the retransmission */
    assert_int_equal(engine.state_size(), 2); /* one transaction, one redirection */
    assert_int_equal(engine.on_message(new_invite(5, "sip:bob@desk.example.com", "c2")).redirect_follows, 2);
    assert_int_equal(engine.followed_in(2), 5);
}

void redirect_without_request_still_tracks_contacts(void **)
{
    CorrelationEngine engine;
    SipMessageFacts unseen = request(1, "INVITE", "z9hG4bK-unseen");
    SipMessageFacts moved = response_to(unseen, 2, 301);
    moved.contacts = {contact("sip:bob@new.example.com")};
    assert_int_equal(engine.on_message(moved).request_match, RequestMatch::not_in_capture);
    assert_int_equal(engine.on_message(new_invite(3, "sip:bob@new.example.com", "c2")).redirect_follows, 2);
    /* The old URI is unknown, so nothing can be called ignored. */
    assert_int_equal(engine.on_message(new_invite(4, "sip:bob@example.com", "c3")).redirect_ignored, 0);
}

void redirects_are_bounded(void **)
{
    CorrelationLimits limits;
    limits.max_redirects = 3;
    limits.max_open_transactions = 3;
    CorrelationEngine engine(limits);
    for (uint32_t i = 0; i < 10; ++i) {
        redirect_invite(engine, 302, {contact("sip:bob@host" + std::to_string(i) + ".example.com")},
                        10 * i + 1, 10 * i + 2);
        assert_true(engine.state_size() <= 6);
    }
    assert_int_equal(engine.on_message(new_invite(200, "sip:bob@host0.example.com", "x")).redirect_follows, 0);
    assert_int_equal(engine.on_message(new_invite(201, "sip:bob@host9.example.com", "y")).redirect_follows, 92);
    assert_int_equal(engine.followed_in(2), 0);
    assert_int_equal(engine.followed_in(92), 201);
}

/* The redirect index has a counting filter in front of it (see
 * RedirectTracker::key_filter_): a Contact that two redirects share, and one
 * that is forgotten and then listed again, must stay findable. */
void shared_and_forgotten_contacts_stay_findable(void **)
{
    CorrelationLimits limits;
    limits.max_redirects = 2;
    CorrelationEngine engine(limits);
    redirect_invite(engine, 302, {contact("sip:bob@shared.example.com")}, 1, 2);
    redirect_invite(engine, 302, {contact("sip:bob@shared.example.com")}, 11, 12);
    /* The third redirect pushes out the first; the second still owns the Contact. */
    redirect_invite(engine, 302, {contact("sip:bob@other.example.com")}, 21, 22);
    assert_int_equal(engine.on_message(new_invite(30, "sip:bob@shared.example.com", "a")).redirect_follows, 12);
    /* Two more push out the second: the shared Contact is gone ... */
    redirect_invite(engine, 302, {contact("sip:bob@third.example.com")}, 41, 42);
    redirect_invite(engine, 302, {contact("sip:bob@fourth.example.com")}, 51, 52);
    assert_int_equal(engine.on_message(new_invite(60, "sip:bob@shared.example.com", "b")).redirect_follows, 0);
    /* ... until a new redirect lists it again. */
    redirect_invite(engine, 302, {contact("sip:bob@shared.example.com")}, 71, 72);
    assert_int_equal(engine.on_message(new_invite(80, "sip:bob@shared.example.com", "c")).redirect_follows, 72);
    assert_int_equal(engine.on_message(new_invite(81, "sip:bob@fourth.example.com", "d")).redirect_follows, 52);
}

void huge_contact_list_is_copied_but_indexed_partly(void **)
{
    CorrelationEngine engine;
    std::vector<ContactFacts> contacts;
    for (int i = 0; i < 5000; ++i)
        contacts.push_back(contact("sip:c" + std::to_string(i) + "@example.com"));
    MessageCorrelation result = redirect_invite(engine, 300, contacts);
    assert_int_equal(result.redirect->contacts.size(), 5000);
    assert_int_equal(engine.on_message(new_invite(3, "sip:c0@example.com", "x")).redirect_follows, 2);
}

/* ------------------------------------------------------------------ */
/* Helpers, hostile input, lifecycle                                   */

void normalize_uri_cases(void **)
{
    assert_string_equal(normalize_uri(" <sip:Bob@EXAMPLE.com:5060;b=2;A=1> ").c_str(), "sip:Bob@example.com:5060;a=1;b=2");
    assert_string_equal(normalize_uri("\"Bob\" <sips:bob@x.org>;tag=9").c_str(), "sips:bob@x.org");
    assert_string_equal(normalize_uri("sip:bob@x.org?Subject=hi").c_str(), "sip:bob@x.org");
    assert_string_equal(normalize_uri("sip:+1;phone-context=X@GW.org").c_str(), "sip:+1;phone-context=X@gw.org");
    assert_string_equal(normalize_uri("SIP:x.org").c_str(), "sip:x.org");
    assert_string_equal(normalize_uri("").c_str(), "");
    assert_string_equal(normalize_uri("<").c_str(), "");
    assert_string_equal(normalize_uri(";;;").c_str(), ";;;");
    assert_string_equal(normalize_uri("sip:;;;").c_str(), "sip:");
}

void endpoint_host_cases(void **)
{
    assert_string_equal(endpoint_host("192.0.2.1:5060").c_str(), "192.0.2.1");
    assert_string_equal(endpoint_host("[2001:DB8::1]:5060").c_str(), "2001:db8::1");
    assert_string_equal(endpoint_host("2001:db8::1").c_str(), "2001:db8::1");
    assert_string_equal(endpoint_host("Host.Example").c_str(), "host.example");
    assert_string_equal(endpoint_host("[").c_str(), "");
    assert_string_equal(endpoint_host("").c_str(), "");
    assert_true(has_magic_cookie("z9hG4bK776asdhds"));
    assert_false(has_magic_cookie("z9hG4b"));
    assert_false(has_magic_cookie(""));
}

void hostile_messages_do_not_throw(void **)
{
    CorrelationEngine engine;
    std::string huge(1 << 20, 'x');
    std::vector<SipMessageFacts> messages;
    messages.push_back(SipMessageFacts{});                     /* empty response, status 0 */
    SipMessageFacts empty_request;
    empty_request.is_request = true;
    messages.push_back(empty_request);
    for (uint16_t code : {0, 99, 300, 412, 700, 65535}) {
        SipMessageFacts odd = response_to(publish(1, 0, ""), 2, code);
        odd.cseq_method = "PUBLISH";
        messages.push_back(odd);
    }
    SipMessageFacts big = request(3, huge, huge);
    big.request_uri = huge;
    big.call_id = huge;
    big.via_sent_by = huge;
    big.src_endpoint = "[" + huge;
    big.contacts = {contact(huge), contact("<"), contact("")};
    messages.push_back(big);
    SipMessageFacts big_response = response_to(big, 4, 302);
    big_response.contacts = big.contacts;
    messages.push_back(big_response);
    for (double time : {std::nan(""), std::numeric_limits<double>::infinity(), -1e300, 1e300})
        messages.push_back(at_time(request(5, "INVITE", "z9hG4bK-t"), time));
    SipMessageFacts pub = publish(6, 0, huge, 0xffffffffu);
    messages.push_back(pub);
    SipMessageFacts pub_ok = accepted(pub, 7, huge, 0xffffffffu);
    messages.push_back(pub_ok);
    messages.push_back(response_to(pub, 8, 412));
    for (const SipMessageFacts &msg : messages)
        engine.on_message(msg);
    assert_true(engine.state_size() > 0);
    (void)engine.followed_in(0);
    (void)engine.followed_in(0xffffffffu);
}

void time_going_backwards_is_tolerated(void **)
{
    CorrelationEngine engine;
    SipMessageFacts invite = at_time(request(1, "INVITE"), 500);
    engine.on_message(invite);
    /* Merged captures can be slightly out of order. */
    MessageCorrelation result = engine.on_message(at_time(response_to(invite, 2, 200), 499.9));
    assert_int_equal(result.request_match, RequestMatch::matched_branch);
}

void clear_forgets_everything(void **)
{
    CorrelationEngine engine;
    redirect_invite(engine, 301, {contact("sip:bob@new.example.com")});
    SipMessageFacts initial = publish(10, 10, "");
    engine.on_message(initial);
    engine.on_message(accepted(initial, 11, "tag-a"));
    assert_true(engine.state_size() > 0);
    engine.clear();
    assert_int_equal(engine.state_size(), 0);
    assert_int_equal(engine.followed_in(2), 0);
    SipMessageFacts invite = request(1, "INVITE", "z9hG4bK-r1");
    assert_int_equal(engine.on_message(response_to(invite, 2, 200)).request_match, RequestMatch::not_in_capture);
    assert_int_equal(engine.on_message(new_invite(3, "sip:bob@example.com", "c9")).redirect_ignored, 0);
}

} // namespace

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(response_matches_request_by_branch),
        cmocka_unit_test(response_with_other_cseq_method_is_not_matched),
        cmocka_unit_test(response_with_other_sent_by_is_not_matched),
        cmocka_unit_test(reused_branch_across_calls_matches_only_its_own_call),
        cmocka_unit_test(redirect_window_limits_follow_up),
        cmocka_unit_test(sent_by_compares_case_insensitively),
        cmocka_unit_test(cancel_and_invite_are_separate_transactions),
        cmocka_unit_test(ack_opens_no_transaction),
        cmocka_unit_test(response_with_cseq_ack_is_not_matched),
        cmocka_unit_test(rfc2543_peer_is_matched_by_dialog_fields_and_endpoints),
        cmocka_unit_test(rfc2543_branch_without_cookie_uses_fallback),
        cmocka_unit_test(rfc2543_fallback_needs_every_field),
        cmocka_unit_test(rfc2543_fallback_tolerates_port_change),
        cmocka_unit_test(proxy_legs_are_matched_to_their_own_request),
        cmocka_unit_test(proxy_legs_rfc2543_are_told_apart_by_endpoints),
        cmocka_unit_test(retransmitted_request_keeps_first_frame),
        cmocka_unit_test(retransmitted_response_is_matched_too),
        cmocka_unit_test(response_without_request_is_not_in_capture),
        cmocka_unit_test(evicted_request_gives_up_state_full),
        cmocka_unit_test(zero_capacity_stores_nothing_and_says_so),
        cmocka_unit_test(million_unanswered_requests_stay_within_cap),
        cmocka_unit_test(idle_non_invite_transaction_times_out),
        cmocka_unit_test(answered_in_time_is_matched),
        cmocka_unit_test(retransmissions_keep_a_transaction_alive),
        cmocka_unit_test(proceeding_invite_lives_for_minutes),
        cmocka_unit_test(proceeding_invite_times_out_after_300_seconds),
        cmocka_unit_test(unanswered_invite_uses_transaction_timeout),
        cmocka_unit_test(reused_branch_after_timeout_opens_new_transaction),
        cmocka_unit_test(etag_live_means_server_lost_state),
        cmocka_unit_test(etag_superseded_names_successor),
        cmocka_unit_test(etag_removed_names_frame),
        cmocka_unit_test(etag_expired_reports_issue_and_elapsed),
        cmocka_unit_test(etag_never_issued_is_unknown),
        cmocka_unit_test(etag_of_another_entity_is_unknown_and_names_it),
        cmocka_unit_test(issued_tag_index_forgets_oldest_first),
        cmocka_unit_test(etag_412_without_if_match_is_unknown),
        cmocka_unit_test(etag_two_live_chains_in_one_entity),
        cmocka_unit_test(etag_refresh_with_same_tag_restarts_clock),
        cmocka_unit_test(etag_expires_falls_back_to_request_then_default),
        cmocka_unit_test(etag_entities_are_kept_apart),
        cmocka_unit_test(etag_request_uri_compared_normalised),
        cmocka_unit_test(etag_supersede_of_tag_issued_before_capture),
        cmocka_unit_test(etag_only_for_412_to_publish),
        cmocka_unit_test(etag_entities_are_bounded),
        cmocka_unit_test(etag_history_per_entity_is_bounded),
        cmocka_unit_test(redirect_lists_one_contact),
        cmocka_unit_test(redirect_lists_several_contacts_in_order),
        cmocka_unit_test(redirect_without_contact_is_flagged),
        cmocka_unit_test(unusual_3xx_is_a_redirect_too),
        cmocka_unit_test(request_to_contact_follows_redirect),
        cmocka_unit_test(follow_needs_same_client_host_but_not_port),
        cmocka_unit_test(follow_compares_uris_normalised),
        cmocka_unit_test(ack_and_cancel_do_not_follow),
        cmocka_unit_test(new_request_to_moved_uri_after_301_is_ignored),
        cmocka_unit_test(new_request_to_old_uri_after_302_is_not_ignored),
        cmocka_unit_test(ack_to_301_is_not_ignoring_it),
        cmocka_unit_test(retransmitted_invite_after_301_is_not_ignoring_it),
        cmocka_unit_test(new_invite_same_call_id_without_to_tag_is_ignoring),
        cmocka_unit_test(in_dialog_request_same_call_id_is_not_ignoring),
        cmocka_unit_test(ignore_needs_same_client_host),
        cmocka_unit_test(retransmitted_3xx_keeps_first_redirect),
        cmocka_unit_test(redirect_without_request_still_tracks_contacts),
        cmocka_unit_test(redirects_are_bounded),
        cmocka_unit_test(shared_and_forgotten_contacts_stay_findable),
        cmocka_unit_test(huge_contact_list_is_copied_but_indexed_partly),
        cmocka_unit_test(normalize_uri_cases),
        cmocka_unit_test(endpoint_host_cases),
        cmocka_unit_test(hostile_messages_do_not_throw),
        cmocka_unit_test(time_going_backwards_is_tolerated),
        cmocka_unit_test(clear_forgets_everything),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
