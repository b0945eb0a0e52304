/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/correlation.h"

#include <memory>
#include <utility>

namespace sipadvisor::core {

namespace {

TransactionLimits transaction_limits(const CorrelationLimits &limits)
{
    TransactionLimits result;
    result.max_open_transactions = limits.max_open_transactions;
    result.timeout = limits.transaction_timeout;
    result.invite_proceeding_timeout = limits.invite_proceeding_timeout;
    return result;
}

/* The published entity (RFC 3903 §4.1): Request-URI + event package. */
std::string entity_key(const PendingRequest &request)
{
    std::string key = std::to_string(request.request_uri.size());
    key += ':';
    key += request.request_uri;
    key += request.publish->event;
    return key;
}

} // namespace

CorrelationEngine::CorrelationEngine(CorrelationLimits limits)
    : transactions_(transaction_limits(limits)), etags_(limits.max_entities), redirects_(limits.max_redirects, limits.redirect_window)
{
}

void CorrelationEngine::clear()
{
    transactions_.clear();
    etags_.clear();
    redirects_.clear();
}

size_t CorrelationEngine::state_size() const
{
    return transactions_.size() + etags_.size() + redirects_.size();
}

uint32_t CorrelationEngine::followed_in(uint32_t redirect_frame) const
{
    return redirects_.followed_in(redirect_frame);
}

MessageCorrelation CorrelationEngine::on_message(const SipMessageFacts &msg)
{
    MessageCorrelation result;
    transactions_.advance_clock(msg.time);
    if (msg.is_request)
        on_request(msg, result);
    else
        on_response(msg, result);
    return result;
}

void CorrelationEngine::on_request(const SipMessageFacts &msg, MessageCorrelation &result)
{
    /* ACK never opens a transaction: for a non-2xx it belongs to the
     * INVITE's, for a 2xx it is end-to-end and unanswered. It does not
     * follow or ignore a redirect either: it acknowledges the 3xx. */
    if (msg.method == "ACK")
        return;

    TransactionMatcher::RequestOutcome outcome = transactions_.on_request(msg);
    PendingRequest *request = outcome.request;
    if (request && !outcome.retransmission) {
        request->request_uri = normalize_uri(msg.request_uri);
        request->client_host = endpoint_host(msg.src_endpoint);
        if (request->method == "PUBLISH") {
            request->publish = std::make_unique<PublishConditions>();
            request->publish->event = msg.event;
            request->publish->if_match = msg.sip_if_match;
            request->publish->expires = msg.expires;
        }
    }

    /* CANCEL targets the INVITE's Request-URI by construction. */
    if (msg.method == "CANCEL")
        return;
    std::string uri_of_unopened, host_of_unopened; /* without a transaction (state full, a retransmission) */
    const std::string &request_uri = request ? request->request_uri : (uri_of_unopened = normalize_uri(msg.request_uri));
    const std::string &client_host =
        request ? request->client_host : (host_of_unopened = endpoint_host(msg.src_endpoint));
    RedirectTracker::Verdict verdict =
        redirects_.on_request(client_host, request_uri, msg.call_id, !msg.to_tag.empty(),
                              request ? request->frame : msg.frame, msg.frame, msg.time);
    result.redirect_follows = verdict.follows;
    result.redirect_ignored = verdict.ignores;
}

void CorrelationEngine::on_response(const SipMessageFacts &msg, MessageCorrelation &result)
{
    TransactionMatcher::ResponseOutcome outcome = transactions_.on_response(msg);
    result.request_match = outcome.match;
    result.request_frame = outcome.request_frame;
    if (outcome.request)
        result.request_method = outcome.request->method;
    else if (outcome.request_frame != 0)
        result.request_method = msg.cseq_method; /* part of the transaction key */

    /* Also use a timed-out request's state while it is still held: what it
     * says about the request remains true. */
    PendingRequest *request = outcome.request;

    if (msg.status_code >= 300 && msg.status_code <= 399) {
        RedirectInfo info;
        info.contacts = msg.contacts;
        info.missing_contact = msg.contacts.empty();
        result.redirect = std::move(info);

        /* A retransmitted 3xx is the same redirection: keep the first. */
        if (!request || request->redirect_frame == 0) {
            RedirectTracker::Redirect redirect;
            redirect.frame = msg.frame;
            redirect.time = msg.time;
            redirect.moved_permanently = msg.status_code == 301;
            redirect.call_id = msg.call_id;
            if (request) {
                request->redirect_frame = msg.frame;
                redirect.client_host = request->client_host;
                redirect.original_uri = request->request_uri;
                redirect.original_request_frame = request->frame;
            } else {
                redirect.client_host = endpoint_host(msg.dst_endpoint);
            }
            size_t indexed = 0;
            for (const ContactFacts &contact : msg.contacts) {
                if (indexed++ == RedirectTracker::kMaxIndexedContacts)
                    break;
                redirect.contact_uris.push_back(normalize_uri(contact.uri));
            }
            redirects_.record(std::move(redirect));
        }
    }

    if (request && request->publish)
        on_publish_response(msg, *request, result);
}

void CorrelationEngine::on_publish_response(const SipMessageFacts &msg, const PendingRequest &request,
                                            MessageCorrelation &result)
{
    const PublishConditions &publish = *request.publish;
    if (msg.status_code == 412) {
        result.etag = etags_.diagnose_412(entity_key(request), publish.if_match, request.time);
        return;
    }
    if (msg.status_code < 200 || msg.status_code > 299)
        return;
    /* RFC 3903 §4.5: a refresh with Expires: 0 removes the publication;
     * a server granting 0 says the same. */
    bool removal = !publish.if_match.empty() &&
                   ((publish.expires && *publish.expires == 0) || (msg.expires && *msg.expires == 0));
    uint32_t granted = msg.expires ? *msg.expires : publish.expires ? *publish.expires : kDefaultPublishExpires;
    etags_.on_publish_accepted(entity_key(request), publish.if_match, msg.sip_etag, removal, granted,
                               msg.frame, msg.time);
}

} // namespace sipadvisor::core
