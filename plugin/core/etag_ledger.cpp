/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/etag_ledger.h"

#include <algorithm>

namespace sipadvisor::core {

EtagLedger::EtagLedger(size_t max_entities, size_t max_tags_per_entity)
    : max_entities_(max_entities), max_tags_per_entity_(std::max<size_t>(max_tags_per_entity, 1))
{
}

void EtagLedger::clear()
{
    issued_index_.clear();
    lru_.clear();
    entities_.clear();
}

EtagLedger::Entity &EtagLedger::touch_or_add(const std::string &key)
{
    const uint64_t key_hash = Entities::hash_key(key);
    if (Entities::Handle found = entities_.find(key, key_hash); found != Entities::kNone) {
        Entity &entity = entities_.value(found);
        lru_.splice(lru_.begin(), lru_, entity.lru);
        return entity;
    }
    while (!lru_.empty() && entities_.size() >= max_entities_) {
        entities_.erase(lru_.back());
        lru_.pop_back();
    }
    Entities::Handle added = entities_.insert_absent(key, key_hash);
    lru_.push_front(added);
    Entity &entity = entities_.value(added);
    entity.lru = lru_.begin();
    return entity;
}

void EtagLedger::index_issued(const std::string &tag, const std::string &entity_key, uint32_t frame)
{
    /* A tag issued again counts as new: it is forgotten last. */
    issued_index_.erase(tag);
    IssuedElsewhere *indexed = issued_index_.get_or_add(tag).first;
    indexed->entity_key = entity_key;
    indexed->issued_in = frame;
}

EtagLedger::IssuedTag *EtagLedger::find(Entity &entity, const std::string &tag)
{
    /* At most max_tags_per_entity_ entries: a bounded scan. */
    for (IssuedTag &issued : entity.tags) {
        if (issued.tag == tag)
            return &issued;
    }
    return nullptr;
}

EtagLedger::IssuedTag &EtagLedger::find_or_add(Entity &entity, const std::string &tag)
{
    if (IssuedTag *issued = find(entity, tag))
        return *issued;
    if (entity.tags.size() >= max_tags_per_entity_) {
        /* Forget history before live publications: a 412 on a live tag is
         * the interesting case (the server lost state). */
        auto victim = std::find_if(entity.tags.begin(), entity.tags.end(),
                                   [](const IssuedTag &issued) { return issued.state != EtagState::live; });
        entity.tags.erase(victim != entity.tags.end() ? victim : entity.tags.begin());
    }
    entity.tags.push_back(IssuedTag{});
    entity.tags.back().tag = tag;
    return entity.tags.back();
}

void EtagLedger::on_publish_accepted(const std::string &entity_key, const std::string &if_match,
                                     const std::string &new_tag, bool removal, uint32_t expires,
                                     uint32_t frame, double time)
{
    if (max_entities_ == 0)
        return;
    if (removal) {
        if (if_match.empty())
            return; /* RFC 3903 §4.5: removal needs a tag; nothing to record */
        Entity &entity = touch_or_add(entity_key);
        IssuedTag &removed = find_or_add(entity, if_match);
        removed.state = EtagState::removed;
        removed.removed_in = frame;
        return;
    }
    if (new_tag.empty())
        return; /* a 2xx to PUBLISH must carry SIP-ETag (§4.1); nothing learnt */

    Entity &entity = touch_or_add(entity_key);
    if (!if_match.empty() && if_match != new_tag) {
        IssuedTag &old = find_or_add(entity, if_match);
        old.state = EtagState::superseded;
        old.superseded_by = new_tag;
        old.superseded_in = frame;
    }
    /* New tag, or the same tag refreshed (or, oddly, reissued): it now
     * counts from this 2xx. */
    index_issued(new_tag, entity_key, frame);

    IssuedTag &issued = find_or_add(entity, new_tag);
    issued.state = EtagState::live;
    issued.issued_in = frame;
    issued.issued_at = time;
    issued.expires = expires;
    issued.superseded_by.clear();
    issued.superseded_in = 0;
    issued.removed_in = 0;
}

/* Entity keys are "<length>:<Request-URI><event>" (see correlation.cpp). */
std::string EtagLedger::entity_uri(const std::string &entity_key)
{
    size_t colon = entity_key.find(':');
    if (colon == std::string::npos)
        return entity_key;
    size_t length = 0;
    for (size_t i = 0; i < colon; ++i) {
        if (entity_key[i] < '0' || entity_key[i] > '9' || length > entity_key.size())
            return entity_key;
        length = length * 10 + static_cast<size_t>(entity_key[i] - '0');
    }
    return entity_key.substr(colon + 1, length);
}

EtagDiagnosis EtagLedger::diagnose_412(const std::string &entity_key, const std::string &if_match,
                                       double publish_time)
{
    EtagDiagnosis diagnosis;
    diagnosis.if_match = if_match;
    diagnosis.state = EtagState::unknown;
    if (if_match.empty())
        return diagnosis;
    const IssuedTag *issued = nullptr;
    if (Entity *found = entities_.find_value(entity_key)) {
        lru_.splice(lru_.begin(), lru_, found->lru);
        issued = find(*found, if_match);
    }
    if (!issued) {
        const IssuedElsewhere *elsewhere = issued_index_.find(if_match);
        if (elsewhere && elsewhere->entity_key != entity_key) {
            diagnosis.other_entity = entity_uri(elsewhere->entity_key);
            diagnosis.other_issued_in = elsewhere->issued_in;
        }
        return diagnosis;
    }

    diagnosis.issued_in = issued->issued_in;
    if (issued->issued_in != 0) {
        diagnosis.expires = issued->expires;
        diagnosis.elapsed = publish_time - issued->issued_at;
    }
    switch (issued->state) {
    case EtagState::superseded:
        diagnosis.state = EtagState::superseded;
        diagnosis.superseded_by = issued->superseded_by;
        diagnosis.superseded_in = issued->superseded_in;
        break;
    case EtagState::removed:
        diagnosis.state = EtagState::removed;
        diagnosis.removed_in = issued->removed_in;
        break;
    default:
        diagnosis.state = diagnosis.elapsed > static_cast<double>(diagnosis.expires) ? EtagState::expired
                                                                                    : EtagState::live;
        break;
    }
    return diagnosis;
}

} // namespace sipadvisor::core
