/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/redirect_tracker.h"

#include "core/header_parsing.h"

#include <algorithm>

namespace sipadvisor::core {

namespace {

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

/* Length-prefixed so that no host or URI content can forge another key. */
const std::string &client_key_into(std::string &key, const std::string &client_host, const std::string &uri)
{
    key.clear();
    append_decimal(key, client_host.size());
    key += ':';
    key += client_host;
    key += uri;
    return key;
}

std::string client_key(const std::string &client_host, const std::string &uri)
{
    std::string key;
    return client_key_into(key, client_host, uri);
}

} // namespace

std::string normalize_uri(std::string_view uri)
{
    uri = trim(uri);
    size_t open = uri.find('<');
    if (open != std::string_view::npos) {
        size_t close = uri.find('>', open + 1);
        uri = trim(uri.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1));
    }
    uri = uri.substr(0, uri.find('?'));

    size_t colon = uri.find(':');
    if (colon == std::string_view::npos) {
        std::string lowered;
        append_lower(lowered, uri);
        return lowered;
    }
    std::string normalized;
    normalized.reserve(uri.size());
    append_lower(normalized, uri.substr(0, colon + 1));
    std::string_view rest = uri.substr(colon + 1);

    /* userinfo cannot hold an unescaped '@', but may hold ';' (user params). */
    size_t at = rest.find('@');
    if (at != std::string_view::npos) {
        normalized.append(rest.data(), at + 1);
        rest.remove_prefix(at + 1);
    }
    size_t semicolon = rest.find(';');
    append_lower(normalized, rest.substr(0, semicolon));
    if (semicolon == std::string_view::npos)
        return normalized;

    std::vector<std::string> parameters;
    std::string_view list = rest.substr(semicolon + 1);
    while (!list.empty()) {
        size_t end = list.find(';');
        std::string_view parameter = trim(list.substr(0, end));
        if (!parameter.empty()) {
            parameters.emplace_back();
            append_lower(parameters.back(), parameter);
        }
        if (end == std::string_view::npos)
            break;
        list.remove_prefix(end + 1);
    }
    std::sort(parameters.begin(), parameters.end());
    for (const std::string &parameter : parameters) {
        normalized += ';';
        normalized += parameter;
    }
    return normalized;
}

RedirectTracker::RedirectTracker(size_t max_redirects, double window)
    : max_redirects_(max_redirects), window_(window)
{
}

void RedirectTracker::clear()
{
    redirects_.clear();
    by_contact_.clear();
    by_moved_uri_.clear();
    by_frame_.clear();
    key_filter_.clear();
    first_id_ = 0;
}

void RedirectTracker::index_key(KeyIndex &index, std::string key, uint64_t id)
{
    auto [entry, added] = index.try_emplace(key);
    index.value(entry) = id;
    if (added)
        key_filter_.add(key);
}

RedirectTracker::Redirect *RedirectTracker::by_id(uint64_t id)
{
    if (id < first_id_ || id - first_id_ >= redirects_.size())
        return nullptr;
    return &redirects_[static_cast<size_t>(id - first_id_)];
}

void RedirectTracker::forget_oldest()
{
    const Redirect &oldest = redirects_.front();
    auto erase_if_ours = [this](auto &index, const auto &key) {
        auto found = index.find(key);
        if (found == index.kNone || index.value(found) != first_id_)
            return false;
        index.erase(found);
        return true;
    };
    auto erase_key_if_ours = [&](KeyIndex &index, const std::string &key) {
        if (erase_if_ours(index, key))
            key_filter_.remove(key);
    };
    for (const std::string &contact : oldest.contact_uris)
        erase_key_if_ours(by_contact_, client_key(oldest.client_host, contact));
    if (oldest.moved_permanently && !oldest.original_uri.empty())
        erase_key_if_ours(by_moved_uri_, client_key(oldest.client_host, oldest.original_uri));
    erase_if_ours(by_frame_, oldest.frame);
    redirects_.pop_front();
    ++first_id_;
}

void RedirectTracker::record(Redirect redirect)
{
    if (max_redirects_ == 0)
        return;
    while (!redirects_.empty() && redirects_.size() >= max_redirects_)
        forget_oldest();
    if (redirect.contact_uris.size() > kMaxIndexedContacts)
        redirect.contact_uris.resize(kMaxIndexedContacts);

    uint64_t id = first_id_ + redirects_.size();
    for (const std::string &contact : redirect.contact_uris) {
        if (!contact.empty())
            index_key(by_contact_, client_key(redirect.client_host, contact), id);
    }
    if (redirect.moved_permanently && !redirect.original_uri.empty())
        index_key(by_moved_uri_, client_key(redirect.client_host, redirect.original_uri), id);
    if (auto [entry, added] = by_frame_.try_emplace(redirect.frame); added)
        by_frame_.value(entry) = id;
    redirects_.push_back(std::move(redirect));
}

RedirectTracker::Verdict RedirectTracker::on_request(const std::string &client_host,
                                                     const std::string &request_uri,
                                                     const std::string &call_id, bool in_dialog,
                                                     uint32_t transaction_frame, uint32_t frame, double time)
{
    Verdict verdict;
    if (redirects_.empty() || request_uri.empty())
        return verdict;
    /* Built in a reused buffer: every request with a URI gets here. */
    const std::string &key = client_key_into(scratch_key_, client_host, request_uri);
    if (!key_filter_.may_contain(key))
        return verdict; /* in neither index: no lookup */

    if (const uint64_t *followed = by_contact_.find_value(key)) {
        Redirect *redirect = by_id(*followed);
        if (redirect && redirect->original_request_frame != transaction_frame && within_window(*redirect, time)) {
            verdict.follows = redirect->frame;
            if (redirect->followed_in == 0)
                redirect->followed_in = frame;
        }
    }

    if (const uint64_t *moved = by_moved_uri_.find_value(key)) {
        Redirect *redirect = by_id(*moved);
        /* A retransmission of the redirected request, or a request inside
         * a dialog on that Call-ID, is not a new attempt at the old URI. */
        if (redirect && redirect->original_request_frame != transaction_frame &&
            !(in_dialog && call_id == redirect->call_id) && within_window(*redirect, time))
            verdict.ignores = redirect->frame;
    }
    return verdict;
}

uint32_t RedirectTracker::followed_in(uint32_t redirect_frame) const
{
    const uint64_t *found = by_frame_.find_value(redirect_frame);
    if (!found || *found < first_id_)
        return 0;
    return redirects_[static_cast<size_t>(*found - first_id_)].followed_in;
}

} // namespace sipadvisor::core
