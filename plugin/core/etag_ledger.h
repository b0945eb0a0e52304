/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Entity-tag history of published state (RFC 3903), so that a 412
 * Conditional Request Failed can be explained: was the tag the PUBLISH
 * quoted replaced, removed, expired, never seen, or still valid (then the
 * server lost its state)?
 *
 * One entity per Request-URI + Event. An entity may hold several
 * publications at once (several chains of tags). Bounded: least recently
 * used entities are evicted, and each entity keeps its last tags only.
 */
#pragma once

#include "core/flat_map.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

namespace sipadvisor::core {

enum class EtagState : uint8_t { superseded, removed, expired, unknown, live };

struct EtagDiagnosis {            /* only for a PUBLISH answered 412 */
    std::string if_match;         /* the SIP-If-Match the PUBLISH carried */
    EtagState state = EtagState::unknown;
    uint32_t issued_in = 0;       /* frame of the 2xx that last issued or refreshed the tag (0 = unknown) */
    uint32_t expires = 0;         /* Expires granted with it (seconds) */
    double elapsed = 0;           /* seconds between that 2xx and the 412'd PUBLISH */
    std::string superseded_by;    /* superseded: the tag that replaced it */
    uint32_t superseded_in = 0;   /* superseded: frame of the 2xx that issued superseded_by */
    uint32_t removed_in = 0;      /* removed: frame of the 2xx that confirmed Expires: 0 */
    /* unknown, but the tag was issued for ANOTHER entity in this capture:
     * the client sent it to the wrong resource (tags are per resource,
     * RFC 3903 §4.1). The other entity's Request-URI and the 2xx. */
    std::string other_entity;
    uint32_t other_issued_in = 0;
};

/* RFC 3903 §6: the default publication lifetime when nobody says. */
constexpr uint32_t kDefaultPublishExpires = 3600;

class EtagLedger {
public:
    explicit EtagLedger(size_t max_entities = 50000, size_t max_tags_per_entity = 64);

    /* A 2xx answered a PUBLISH. `if_match` is the request's SIP-If-Match
     * (empty for an initial publication), `new_tag` the 2xx's SIP-ETag
     * (empty if it had none), `removal` true when the publication was
     * removed (Expires: 0), `expires` the lifetime granted. */
    void on_publish_accepted(const std::string &entity, const std::string &if_match,
                             const std::string &new_tag, bool removal, uint32_t expires,
                             uint32_t frame, double time);

    /* A 412 answered a PUBLISH sent at `publish_time` with `if_match`. */
    EtagDiagnosis diagnose_412(const std::string &entity, const std::string &if_match,
                               double publish_time);

    void clear();
    size_t size() const { return entities_.size(); }
    /* Tags in the "issued for which entity" index; at most kMaxIssuedIndex. */
    size_t issued_index_size() const { return issued_index_.size(); }
    static constexpr size_t kMaxIssuedIndex = 100000;

private:
    struct IssuedTag {
        std::string tag;
        EtagState state = EtagState::live;  /* live, superseded or removed; expiry is computed */
        uint32_t issued_in = 0;
        double issued_at = 0;
        uint32_t expires = 0;
        std::string superseded_by;
        uint32_t superseded_in = 0;
        uint32_t removed_in = 0;
    };
    struct Entity {
        std::vector<IssuedTag> tags;              /* oldest first, at most max_tags_per_entity_ */
        std::list<uint32_t>::iterator lru;        /* its place in lru_ */
    };
    using Entities = FlatMap<std::string, Entity>;

    Entity &touch_or_add(const std::string &entity);
    void index_issued(const std::string &tag, const std::string &entity_key, uint32_t frame);
    static std::string entity_uri(const std::string &entity_key);
    IssuedTag &find_or_add(Entity &entity, const std::string &tag);
    static IssuedTag *find(Entity &entity, const std::string &tag);

    /* Which entity issued a tag, to explain a tag sent to the wrong
     * resource. Bounded: at most kMaxIssuedIndex entries, oldest forgotten
     * first. */
    struct IssuedElsewhere {
        std::string entity_key;
        uint32_t issued_in = 0;
    };
    BoundedFlatMap<std::string, IssuedElsewhere> issued_index_{kMaxIssuedIndex};

    size_t max_entities_;
    size_t max_tags_per_entity_;
    Entities entities_;
    std::list<Entities::Handle> lru_;  /* most recent first */
};

} // namespace sipadvisor::core
