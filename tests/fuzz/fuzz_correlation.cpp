/* sipadvisor - libFuzzer harness for the correlation engine
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Decodes the input into a sequence of SipMessageFacts and feeds them to a
 * CorrelationEngine with small limits, so that eviction, time-outs, key
 * reuse and the entity-tag and redirect bookkeeping all happen within a few
 * dozen messages. Strings are mostly drawn from small alphabets (so that
 * branches, Call-IDs, tags and URIs collide and requests meet their
 * responses); any string may instead be a literal taken from the input.
 * After every message the engine's invariants are checked and its results
 * are rendered as the plugin would (texts, AnnotationStore).
 *
 * Input format (tests/fuzz/make_corpus.py writes seeds in it). Reading past
 * the end yields zeros; decoding stops when the input is used up.
 *
 *   header   6 bytes: max_open_transactions = b0 % 9, max_entities = b1 % 5,
 *            max_redirects = b2 % 5, transaction_timeout = kSeconds[b3],
 *            invite_proceeding_timeout = kSeconds[b4], redirect_window = kSeconds[b5]
 *   message  kind byte: bit0 request, bit1 Expires present, bit2 Contacts
 *            present, bits3-4 frame (0 previous+1, 1 previous, 2 literal u32
 *            LE, 3 bit5 ? UINT32_MAX : 0), bits6+7 both set: clear() after
 *            time byte: < 0x80 +b*0.5 s, < 0xF0 +(b-0x80)*10 s, 0xF0 -100 s,
 *            0xF1 NaN, 0xF2 +inf, 0xF3 -inf, 0xF4 1e300, 0xF5 0, 0xFF literal
 *            double (8 bytes LE), others +0
 *            request: method, Request-URI   response: status (byte < 0xF0:
 *            kCodes[b % n], else literal u16 LE)
 *            Call-ID, CSeq number (byte < 0xF0: kSeqs[b % n], else literal
 *            u32 LE), CSeq method, From tag, To tag, Via branch, Via sent-by,
 *            Via transport, source, destination, Event, SIP-ETag,
 *            SIP-If-Match, [Expires: u32 pick], [Contacts: count byte
 *            (< 0xF0: b % 6, else 33 + b % 32), each URI, q byte (0 none,
 *            else kQs[b % n]), expires byte (0 none, else u32 pick)]
 *   string   byte < 0xF0: alphabet[b % n]; else length byte (<= 255) and
 *            that many bytes
 */
#include "core/annotation_store.h"
#include "core/correlation.h"
#include "core/correlation_text.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace sipadvisor::core;

namespace {

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            __builtin_printf("fuzz_correlation: invariant failed: %s (%s:%d)\n", #condition,      \
                             __FILE__, __LINE__);                                                  \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

class Reader {
public:
    Reader(const uint8_t *data, size_t size) : data_(data), size_(size) {}
    bool done() const { return pos_ >= size_; }
    uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    uint16_t u16() { return static_cast<uint16_t>(byte() | byte() << 8); }
    uint32_t u32()
    {
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i)
            value |= static_cast<uint32_t>(byte()) << (8 * i);
        return value;
    }
    double f64()
    {
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i)
            bits |= static_cast<uint64_t>(byte()) << (8 * i);
        double value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }
    template <size_t N> std::string pick(const char *const (&alphabet)[N])
    {
        uint8_t b = byte();
        if (b < 0xF0)
            return alphabet[b % N];
        size_t length = byte();
        std::string text;
        for (size_t i = 0; i < length && !done(); ++i)
            text += static_cast<char>(byte());
        return text;
    }

private:
    const uint8_t *data_;
    size_t size_;
    size_t pos_ = 0;
};

const char *const kMethods[] = {"INVITE", "ACK", "CANCEL", "BYE", "PUBLISH", "REGISTER", "OPTIONS", "", "publish",
                                "SUBSCRIBE"};
const char *const kUris[] = {"sip:a@x", "sip:b@x", "sip:a@X;transport=udp", "<sip:a@x>", "sip:a@x?h=1",
                             "\"A\" <sip:a@x;lr>", "", "sip:", "<", "sip:c@y;b=2;a=1", "tel:+1", "sips:a@x"};
const char *const kCallIds[] = {"c1", "c2", "c3", ""};
const char *const kTags[] = {"", "t1", "t2"};
const char *const kBranches[] = {"z9hG4bK1", "z9hG4bK2", "Z9HG4BK1", "b1", "", "z9hG4bK"};
const char *const kSentBy[] = {"h1:5060", "H1:5060", "h2", "[2001:db8::1]:5060", ""};
const char *const kTransports[] = {"UDP", "TCP", "WS"};
const char *const kEndpoints[] = {"192.0.2.1:5060", "192.0.2.2:5060", "192.0.2.1:5062", "[2001:db8::1]:5060",
                                  "2001:db8::1", "[", ""};
const char *const kEvents[] = {"presence", "dialog", ""};
const char *const kEtags[] = {"", "e1", "e2", "e3"};

const uint16_t kCodes[] = {100, 180, 183, 200, 202, 300, 301, 302, 305, 380, 401, 412, 487, 489,
                           500, 603, 0, 99, 700, 999, 65535};
const uint32_t kSeqs[] = {1, 2, 0, std::numeric_limits<uint32_t>::max()};
const uint32_t kExpires[] = {0, 1, 60, 3600, std::numeric_limits<uint32_t>::max()};
const double kSeconds[] = {0, 1, 32, 64, 300, 3600, 1e18, -1};
const double kQs[] = {0, 0.5, 1, -1, 2, std::numeric_limits<double>::quiet_NaN(),
                      std::numeric_limits<double>::infinity()};

template <typename T, size_t N> T table(const T (&values)[N], uint8_t b) { return values[b % N]; }

uint32_t expires_pick(Reader &in)
{
    uint8_t b = in.byte();
    return b < 0xF0 ? table(kExpires, b) : in.u32();
}

void advance_time(Reader &in, double &time)
{
    uint8_t b = in.byte();
    if (b < 0x80)
        time += b * 0.5;
    else if (b < 0xF0)
        time += (b - 0x80) * 10.0;
    else if (b == 0xF0)
        time -= 100;
    else if (b == 0xF1)
        time = std::numeric_limits<double>::quiet_NaN();
    else if (b == 0xF2)
        time = std::numeric_limits<double>::infinity();
    else if (b == 0xF3)
        time = -std::numeric_limits<double>::infinity();
    else if (b == 0xF4)
        time = 1e300;
    else if (b == 0xF5)
        time = 0;
    else if (b == 0xFF)
        time = in.f64();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Reader in(data, size);
    CorrelationLimits limits;
    limits.max_open_transactions = in.byte() % 9;
    limits.max_entities = in.byte() % 5;
    limits.max_redirects = in.byte() % 5;
    limits.transaction_timeout = table(kSeconds, in.byte());
    limits.invite_proceeding_timeout = table(kSeconds, in.byte());
    limits.redirect_window = table(kSeconds, in.byte());
    const size_t cap = limits.max_open_transactions + limits.max_entities + limits.max_redirects;

    CorrelationEngine engine(limits);
    AnnotationStore store;
    std::vector<uint32_t> redirect_frames;
    uint32_t frame = 0;
    double time = 1767225600.0;

    for (int count = 0; count < 2048 && !in.done(); ++count) {
        SipMessageFacts msg;
        uint8_t kind = in.byte();
        switch ((kind >> 3) & 3) {
        case 0: ++frame; break;
        case 1: break;
        case 2: frame = in.u32(); break;
        case 3: frame = (kind & 0x20) ? std::numeric_limits<uint32_t>::max() : 0; break;
        }
        msg.frame = frame;
        advance_time(in, time);
        msg.time = time;
        msg.is_request = kind & 1;
        if (msg.is_request) {
            msg.method = in.pick(kMethods);
            msg.request_uri = in.pick(kUris);
        } else {
            uint8_t b = in.byte();
            msg.status_code = b < 0xF0 ? table(kCodes, b) : in.u16();
        }
        msg.call_id = in.pick(kCallIds);
        uint8_t seq = in.byte();
        msg.cseq_seq = seq < 0xF0 ? table(kSeqs, seq) : in.u32();
        msg.cseq_method = in.pick(kMethods);
        msg.from_tag = in.pick(kTags);
        msg.to_tag = in.pick(kTags);
        msg.via_branch = in.pick(kBranches);
        msg.via_sent_by = in.pick(kSentBy);
        msg.via_transport = in.pick(kTransports);
        msg.src_endpoint = in.pick(kEndpoints);
        msg.dst_endpoint = in.pick(kEndpoints);
        msg.event = in.pick(kEvents);
        msg.sip_etag = in.pick(kEtags);
        msg.sip_if_match = in.pick(kEtags);
        if (kind & 2)
            msg.expires = expires_pick(in);
        if (kind & 4) {
            uint8_t b = in.byte();
            size_t contacts = b < 0xF0 ? b % 6 : 33 + b % 32;
            for (size_t i = 0; i < contacts && !in.done(); ++i) {
                ContactFacts contact;
                contact.uri = in.pick(kUris);
                if (uint8_t q = in.byte())
                    contact.q = table(kQs, q);
                if (in.byte())
                    contact.expires = expires_pick(in);
                msg.contacts.push_back(std::move(contact));
            }
        }

        MessageCorrelation result = engine.on_message(msg);

        /* Bounded state: never more than the configured caps. */
        FUZZ_CHECK(engine.state_size() <= cap);
        /* What the result may say depends on what the message was. */
        if (msg.is_request) {
            FUZZ_CHECK(result.request_frame == 0 && !result.etag && !result.redirect);
        } else {
            FUZZ_CHECK(result.redirect_follows == 0 && result.redirect_ignored == 0);
            bool is_3xx = msg.status_code >= 300 && msg.status_code <= 399;
            FUZZ_CHECK(result.redirect.has_value() == is_3xx);
            if (result.redirect)
                FUZZ_CHECK(result.redirect->missing_contact == msg.contacts.empty() &&
                           result.redirect->contacts.size() == msg.contacts.size());
            if (result.etag)
                FUZZ_CHECK(msg.status_code == 412 && result.etag->if_match.size() <= 255);
            if (result.request_match == RequestMatch::matched_branch ||
                result.request_match == RequestMatch::matched_rfc2543)
                FUZZ_CHECK(!result.request_method.empty() || msg.cseq_method.empty());
            if (result.request_frame == 0)
                FUZZ_CHECK(result.request_method.empty() ||
                           result.request_match == RequestMatch::matched_branch ||
                           result.request_match == RequestMatch::matched_rfc2543 ||
                           result.request_match == RequestMatch::timed_out);
            if (is_3xx)
                redirect_frames.push_back(msg.frame);
        }

        /* Render as the Wireshark layer does. */
        std::string text = request_match_message(result.request_match, result.request_frame);
        text += request_match_name(result.request_match);
        if (result.etag) {
            text += etag_diagnosis_message(*result.etag);
            text += etag_state_name(result.etag->state);
        }
        FUZZ_CHECK(!text.empty());
        PduAnnotation annotation = store.add(msg, std::move(result));
        if (const PduDetail *detail = store.detail(annotation))
            FUZZ_CHECK(detail->etag || detail->redirect || detail->redirect_follows || detail->redirect_ignored);
        (void)store.method_name(annotation.request_method);

        for (size_t i = redirect_frames.size() > 8 ? redirect_frames.size() - 8 : 0; i < redirect_frames.size(); ++i)
            (void)engine.followed_in(redirect_frames[i]);
        (void)engine.followed_in(msg.frame);

        if ((kind & 0xC0) == 0xC0) {
            engine.clear();
            FUZZ_CHECK(engine.state_size() == 0);
            redirect_frames.clear();
        }
    }
    return 0;
}
