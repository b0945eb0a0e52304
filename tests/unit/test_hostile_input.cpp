/* sipadvisor - hostile input: bounded state and absurd values
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The bounded-state test streams more than a million SIP messages with
 * distinct Call-IDs, branches, tags, entity-tags and Contacts through the
 * CorrelationEngine (and the EvidenceTracker the plugin feeds with it), as a
 * scanner or a flood would, and checks that
 *   - state_size() never exceeds the configured caps (TESTING.md lists them:
 *     100,000 transactions + 50,000 PUBLISH entities + 50,000 redirects for
 *     the engine; 20,000 requests + 20,000 INVITEs + 20,000 dialogs + 10,000
 *     auth chains for the evidence tracker), and
 *   - the process's resident memory (/proc/self/statm) grows by at most
 *     kRssBoundMiB over the whole stream, and by at most kPlateauSlackMiB
 *     over its second half: memory plateaus once the caps are reached.
 * Under AddressSanitizer (redzones, a 256 MiB quarantine of freed blocks)
 * the bounds are larger, see below.
 */
#include "core/correlation.h"
#include "core/correlation_text.h"
#include "core/evidence.h"

#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define SIPADVISOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIPADVISOR_ASAN 1
#endif
#endif

#ifdef SIPADVISOR_ASAN
constexpr size_t kRssBoundMiB = 1024;    /* ASan: shadow memory, redzones, quarantine */
constexpr size_t kPlateauSlackMiB = 128; /* the quarantine may still fill in the second half */
#else
constexpr size_t kRssBoundMiB = 300;
constexpr size_t kPlateauSlackMiB = 32;
#endif

constexpr uint32_t kUnansweredRequests = 1000000;
constexpr uint32_t kPublishes = 300000;   /* each answered 200 with a new SIP-ETag */
constexpr uint32_t kRedirects = 150000;   /* each a new 302 with 4 new Contacts */

size_t rss_bytes()
{
    FILE *statm = std::fopen("/proc/self/statm", "r");
    if (!statm)
        return 0;
    unsigned long size = 0, resident = 0;
    int read = std::fscanf(statm, "%lu %lu", &size, &resident);
    std::fclose(statm);
    return read == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

constexpr size_t kMiB = 1024 * 1024;

std::string n(const char *prefix, uint32_t i)
{
    return prefix + std::to_string(i);
}

/* Request i from client host i % 250 to a URI of its own; all distinct. */
SipMessageFacts flood_request(uint32_t frame, double time, uint32_t i, const char *method)
{
    SipMessageFacts msg;
    msg.frame = frame;
    msg.time = time;
    msg.is_request = true;
    msg.method = method;
    msg.request_uri = "sip:user" + std::to_string(i) + "@example.com";
    msg.call_id = n("flood-call-", i) + "@198.51.100.7";
    msg.cseq_seq = i;
    msg.cseq_method = method;
    msg.from_tag = n("from-", i);
    msg.via_branch = n("z9hG4bK-flood-", i);
    msg.via_sent_by = "198.51.100." + std::to_string(i % 250) + ":5060";
    msg.via_transport = "UDP";
    msg.src_endpoint = msg.via_sent_by;
    msg.dst_endpoint = "203.0.113.1:5060";
    if (std::string(method) == "PUBLISH") {
        msg.event = "presence";
        msg.sip_if_match = n("etag-old-", i);
        msg.expires = 3600;
    }
    return msg;
}

SipMessageFacts answer(const SipMessageFacts &request, uint32_t frame, uint16_t code)
{
    SipMessageFacts msg;
    msg.frame = frame;
    msg.time = request.time;
    msg.status_code = code;
    msg.call_id = request.call_id;
    msg.cseq_seq = request.cseq_seq;
    msg.cseq_method = request.cseq_method;
    msg.from_tag = request.from_tag;
    msg.to_tag = "uas";
    msg.via_branch = request.via_branch;
    msg.via_sent_by = request.via_sent_by;
    msg.via_transport = request.via_transport;
    msg.src_endpoint = request.dst_endpoint;
    msg.dst_endpoint = request.src_endpoint;
    return msg;
}

struct Flood {
    CorrelationLimits limits;
    EvidenceLimits evidence_limits;
    CorrelationEngine engine{limits};
    EvidenceTracker evidence{evidence_limits};
    uint32_t frame = 0;
    double time = 1767225600.0;
    size_t max_engine_state = 0;
    size_t max_evidence_state = 0;

    void feed(const SipMessageFacts &msg)
    {
        MessageCorrelation correlation = engine.on_message(msg);
        (void)evidence.on_message(msg, correlation);
    }
    void sample()
    {
        max_engine_state = std::max(max_engine_state, engine.state_size());
        max_evidence_state = std::max(max_evidence_state, evidence.state_size());
    }
    /* One round: unanswered requests, answered PUBLISHes, redirects, mixed. */
    void run(uint32_t begin, uint32_t end)
    {
        static const char *const kMethods[] = {"INVITE", "OPTIONS", "REGISTER", "PUBLISH", "SUBSCRIBE"};
        for (uint32_t i = begin; i < end; ++i) {
            /* 100 us apart: 1,000,000 requests span 100 s, so idle
             * transactions also time out (64 s), yet the caps bind first. */
            time += 0.0001;
            feed(flood_request(++frame, time, i, kMethods[i % 5]));
            if (i % (kUnansweredRequests / kPublishes) == 0) {
                SipMessageFacts publish = flood_request(++frame, time, i + 4000000000u, "PUBLISH");
                publish.request_uri = "sip:presentity" + std::to_string(i) + "@example.com";
                feed(publish);
                SipMessageFacts ok = answer(publish, ++frame, 200);
                ok.sip_etag = n("etag-new-", i);
                ok.expires = 3600;
                feed(ok);
            }
            if (i % (kUnansweredRequests / kRedirects) == 0) {
                SipMessageFacts invite = flood_request(++frame, time, i + 3000000000u, "INVITE");
                feed(invite);
                SipMessageFacts moved = answer(invite, ++frame, i % 2 ? 302 : 301);
                for (int c = 0; c < 4; ++c)
                    moved.contacts.push_back({"sip:target" + std::to_string(i) + "-" + std::to_string(c) +
                                                  "@192.0.2.9",
                                              std::nullopt, std::nullopt});
                feed(moved);
            }
            if (i % 4096 == 0)
                sample();
        }
        sample();
    }
};

void bounded_state_under_a_million_distinct_requests(void **)
{
    /* The plugin's defaults (README "Correlation", TESTING.md). */
    Flood flood;
    const size_t engine_cap =
        flood.limits.max_open_transactions + flood.limits.max_entities + flood.limits.max_redirects;
    const size_t evidence_cap = flood.evidence_limits.max_requests + flood.evidence_limits.max_invites +
                                flood.evidence_limits.max_dialogs + flood.evidence_limits.max_auth_chains;

    const size_t before = rss_bytes();
    assert_true(before > 0);
    flood.run(0, kUnansweredRequests / 2);
    const size_t middle = rss_bytes();
    flood.run(kUnansweredRequests / 2, kUnansweredRequests);
    const size_t after = rss_bytes();

    std::printf("# %u requests + %u answered PUBLISHes + %u redirects: engine state max %zu (cap %zu), "
                "evidence state max %zu (cap %zu), RSS %zu -> %zu -> %zu MiB (growth %zu MiB, bound %zu; "
                "second half %+ld MiB, slack %zu)\n",
                kUnansweredRequests, kPublishes, kRedirects, flood.max_engine_state, engine_cap,
                flood.max_evidence_state, evidence_cap, before / kMiB, middle / kMiB, after / kMiB,
                (after - before) / kMiB, kRssBoundMiB,
                (static_cast<long>(after) - static_cast<long>(middle)) / static_cast<long>(kMiB), kPlateauSlackMiB);

    assert_true(flood.max_engine_state <= engine_cap);
    assert_true(flood.max_evidence_state <= evidence_cap);
    /* Every cap was actually reached: the flood tested the bound. */
    assert_int_equal(flood.max_engine_state, engine_cap);
    assert_true(after - before <= kRssBoundMiB * kMiB);
    assert_true(after <= middle + kPlateauSlackMiB * kMiB);

    /* Still correct after the flood: a fresh transaction matches. */
    SipMessageFacts request = flood_request(++flood.frame, flood.time, 4294967295u, "INVITE");
    flood.feed(request);
    MessageCorrelation result = flood.engine.on_message(answer(request, ++flood.frame, 486));
    assert_int_equal(result.request_match, RequestMatch::matched_branch);
    assert_int_equal(result.request_frame, request.frame);

    flood.engine.clear();
    flood.evidence.clear();
    assert_int_equal(flood.engine.state_size(), 0);
    assert_int_equal(flood.evidence.state_size(), 0);
}

/* The individual caps, each with its own flood and a small limit. */
void each_cap_holds_on_its_own(void **)
{
    CorrelationLimits limits;
    limits.max_open_transactions = 1000;
    limits.max_entities = 100;
    limits.max_redirects = 10;
    CorrelationEngine engine(limits);
    double time = 1000;
    for (uint32_t i = 0; i < 20000; ++i) {
        engine.on_message(flood_request(i * 3 + 1, time, i, "OPTIONS"));
        assert_true(engine.state_size() <= 1110);
    }
    assert_int_equal(engine.state_size(), 1000);
    for (uint32_t i = 0; i < 5000; ++i) {
        SipMessageFacts publish = flood_request(100000 + i * 2, time, 10000000 + i, "PUBLISH");
        publish.request_uri = "sip:p" + std::to_string(i) + "@x";
        engine.on_message(publish);
        SipMessageFacts ok = answer(publish, 100001 + i * 2, 200);
        ok.sip_etag = n("t", i);
        engine.on_message(ok);
        assert_true(engine.state_size() <= 1110);
    }
    for (uint32_t i = 0; i < 500; ++i) {
        SipMessageFacts invite = flood_request(200000 + i * 2, time, 20000000 + i, "INVITE");
        engine.on_message(invite);
        SipMessageFacts moved = answer(invite, 200001 + i * 2, 302);
        moved.contacts.push_back({n("sip:t", i), std::nullopt, std::nullopt});
        engine.on_message(moved);
        assert_true(engine.state_size() <= 1110);
    }
    assert_int_equal(engine.state_size(), 1110);
}

/* Values a fuzzed capture carries: 64 KiB strings, thousands of Contacts,
 * status codes outside 100..699, absurd numbers and times. None may throw,
 * and texts built from them stay short. */
void absurd_values_are_survived(void **)
{
    CorrelationEngine engine;
    const std::string huge(64 * 1024, 'a');
    std::string not_utf8 = "\xff\xfe\xc0\x80\xed\xa0\x80";

    SipMessageFacts publish = flood_request(1, 1000, 1, "PUBLISH");
    publish.call_id = huge;
    publish.via_branch = "z9hG4bK" + huge;
    publish.request_uri = "sip:" + huge + not_utf8;
    publish.sip_if_match = huge + not_utf8;
    publish.expires = std::numeric_limits<uint32_t>::max();
    publish.cseq_seq = std::numeric_limits<uint32_t>::max();
    engine.on_message(publish);
    SipMessageFacts refused = answer(publish, 2, 412);
    MessageCorrelation result = engine.on_message(refused);
    assert_true(result.etag.has_value());
    assert_true(etag_diagnosis_message(*result.etag).size() < 400);

    for (uint16_t code : {0, 99, 700, 999, 65535}) {
        SipMessageFacts request = flood_request(10 + code % 7, 1001, code, "INVITE");
        engine.on_message(request);
        MessageCorrelation answered = engine.on_message(answer(request, 20, code));
        assert_false(answered.redirect.has_value());
    }

    SipMessageFacts invite = flood_request(30, 1002, 30, "INVITE");
    engine.on_message(invite);
    SipMessageFacts moved = answer(invite, 31, 300);
    for (int i = 0; i < 5000; ++i)
        moved.contacts.push_back({"<sip:c" + std::to_string(i) + "@h>", std::nan(""), 4294967295u});
    result = engine.on_message(moved);
    assert_true(result.redirect.has_value());
    assert_int_equal(result.redirect->contacts.size(), 5000);

    for (double time : {std::nan(""), -std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::infinity(), -1.0, 1e300, 0.0}) {
        SipMessageFacts request = flood_request(40, time, 40, "REGISTER");
        engine.on_message(request);
        engine.on_message(answer(request, 41, 200));
    }
    assert_true(engine.state_size() <= 200000);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bounded_state_under_a_million_distinct_requests),
        cmocka_unit_test(each_cap_holds_on_its_own),
        cmocka_unit_test(absurd_values_are_survived),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
