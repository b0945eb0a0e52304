/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The hash map behind the correlation tables that are hit for nearly every
 * message (open transactions, remembered requests, INVITEs, dialogs) and
 * behind the smaller ones (authentication chains, entity-tags).
 *
 * Why not std::unordered_map: those tables hold tens of thousands of
 * entries, far more than the caches, so a lookup costs its memory misses,
 * not its instructions. A node-based map pays a miss for the bucket, one for
 * each node on the chain and one for the node's key; perf on the 1M-message
 * bench capture put those lookups at ~7 % of all of tshark's cycles. Here a
 * lookup probes a dense array of 8-byte slots (a 32-bit tag of the hash and
 * an entry number; eight per cache line), so a key that is absent costs one
 * miss, and a key that is present costs the slot, its entry and its key.
 * Keys are compared whole: two keys with the same hash never share an entry.
 *
 * Entries live in fixed-size chunks and never move, so an entry's Handle
 * (its number) stays valid until that entry is erased; the caller can keep
 * handles in its own eviction order and tell a stale one by a generation it
 * stores in the value. Freed entries are reused. Memory grows with the
 * number of entries, a chunk at a time, and never by copying everything
 * (which would double the peak).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace sipadvisor::core {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class FlatMap {
public:
    using Handle = uint32_t;
    static constexpr Handle kNone = UINT32_MAX;

    /* The entry holding `key`, or kNone. */
    Handle find(const Key &key) const { return find_tagged(key, tag_of(key)); }

    /* The entry holding `key`, added with a value-initialised Value if
     * there was none; second is true when it was added. */
    template <typename KeyArg>
    std::pair<Handle, bool> try_emplace(KeyArg &&key)
    {
        const uint32_t tag = tag_of(key);
        if (Handle existing = find_tagged(key, tag); existing != kNone)
            return {existing, false};
        return {insert_new(std::forward<KeyArg>(key), tag), true};
    }

    /* The same for callers that use the key's hash for more than one call
     * (it must be hash_key(key)). */
    static uint64_t hash_key(const Key &key) { return static_cast<uint64_t>(Hash{}(key)); }
    Handle find(const Key &key, uint64_t hash) const { return find_tagged(key, tag_of_hash(hash)); }
    /* Adds `key` with a value-initialised Value; the key must not be in the
     * map (find() said so, and nothing was added since). */
    template <typename KeyArg>
    Handle insert_absent(KeyArg &&key, uint64_t hash)
    {
        return insert_new(std::forward<KeyArg>(key), tag_of_hash(hash));
    }

    /* Frees the entry (its key and value are destroyed at once, so their
     * memory is returned now) and makes its Handle reusable. */
    void erase(Handle handle)
    {
        Entry &gone = entry(handle);
        size_t hole = gone.tag & mask_;
        while (slots_[hole].entry != handle)
            hole = (hole + 1) & mask_;
        /* Backward-shift deletion: pull later members of the probe run into
         * the hole unless that would move them before their home slot, so
         * that no tombstones accumulate. */
        for (size_t next = (hole + 1) & mask_; slots_[next].entry != kNone; next = (next + 1) & mask_) {
            const size_t home = slots_[next].tag & mask_;
            const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
            if (stays)
                continue;
            slots_[hole] = slots_[next];
            hole = next;
        }
        slots_[hole] = Slot{};
        gone = Entry{};
        free_.push_back(handle);
        --size_;
    }

    bool is_live(Handle handle) const { return handle < entry_count_ && entry(handle).live; }
    Value &value(Handle handle) { return entry(handle).value; }
    const Value &value(Handle handle) const { return entry(handle).value; }
    const Key &key(Handle handle) const { return entry(handle).key; }

    Value *find_value(const Key &key)
    {
        Handle handle = find(key);
        return handle == kNone ? nullptr : &value(handle);
    }
    const Value *find_value(const Key &key) const
    {
        Handle handle = find(key);
        return handle == kNone ? nullptr : &value(handle);
    }

    size_t size() const { return size_; }

    /* Empties the map and returns all of its memory. */
    void clear()
    {
        std::vector<Slot>().swap(slots_);
        std::vector<std::unique_ptr<Entry[]>>().swap(chunks_);
        std::vector<Handle>().swap(free_);
        size_ = 0;
        entry_count_ = 0;
        mask_ = 0;
    }

private:
    struct Slot {
        uint32_t tag = 0;
        Handle entry = kNone;
    };
    struct Entry {
        Key key{};
        Value value{};
        uint32_t tag = 0;
        bool live = false;
    };
    /* 256 entries a chunk: small next to the tables' sizes, large enough
     * that the chunk pointers stay in cache. */
    static constexpr unsigned kChunkLog2 = 8;
    static constexpr size_t kMinSlots = 16;

    Entry &entry(Handle handle) { return chunks_[handle >> kChunkLog2][handle & ((1u << kChunkLog2) - 1)]; }
    const Entry &entry(Handle handle) const
    {
        return chunks_[handle >> kChunkLog2][handle & ((1u << kChunkLog2) - 1)];
    }

    template <typename KeyLike>
    Handle find_tagged(const KeyLike &key, uint32_t tag) const
    {
        if (size_ == 0)
            return kNone;
        for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
            const Slot slot = slots_[i];
            if (slot.entry == kNone)
                return kNone;
            if (slot.tag == tag && entry(slot.entry).key == key)
                return slot.entry;
        }
    }

    template <typename KeyLike>
    static uint32_t tag_of(const KeyLike &key)
    {
        return tag_of_hash(static_cast<uint64_t>(Hash{}(key)));
    }
    static uint32_t tag_of_hash(uint64_t hash)
    {
        /* Identity hashes (integers) keep their low bits; string hashes
         * are mixed in both halves already. */
        return static_cast<uint32_t>(hash ^ (hash >> 32));
    }

    Handle new_entry()
    {
        if (!free_.empty()) {
            Handle handle = free_.back();
            free_.pop_back();
            return handle;
        }
        if ((entry_count_ >> kChunkLog2) == chunks_.size())
            chunks_.emplace_back(new Entry[size_t{1} << kChunkLog2]);
        return entry_count_++;
    }

    void place(uint32_t tag, Handle handle)
    {
        size_t i = tag & mask_;
        while (slots_[i].entry != kNone)
            i = (i + 1) & mask_;
        slots_[i] = Slot{tag, handle};
    }

    /* At most half of the slots are used, which keeps probe runs short. */
    void grow_if_needed()
    {
        if (2 * (size_ + 1) <= slots_.size())
            return;
        const size_t count = slots_.empty() ? kMinSlots : 2 * slots_.size();
        std::vector<Slot>(count).swap(slots_);
        mask_ = count - 1;
        for (Handle handle = 0; handle < entry_count_; ++handle) {
            const Entry &item = entry(handle);
            if (item.live)
                place(item.tag, handle);
        }
    }

    template <typename KeyArg>
    Handle insert_new(KeyArg &&key, uint32_t tag)
    {
        grow_if_needed();
        const Handle handle = new_entry();
        Entry &item = entry(handle);
        item.key = std::forward<KeyArg>(key);
        item.tag = tag;
        item.live = true;
        place(tag, handle);
        ++size_;
        return handle;
    }

    std::vector<Slot> slots_;
    std::vector<std::unique_ptr<Entry[]>> chunks_;
    std::vector<Handle> free_;
    size_t size_ = 0;
    Handle entry_count_ = 0;
    size_t mask_ = 0;
};

/* A FlatMap that holds at most `cap` entries and forgets the oldest first
 * (by when each key was added). Used by the tables whose entries are never
 * too old to matter but must not grow with the capture: remembered
 * requests, INVITEs, dialogs, authentication chains, issued entity-tags. */
template <typename Key, typename Value, typename Hash = std::hash<Key>>
class BoundedFlatMap {
public:
    explicit BoundedFlatMap(size_t cap) : cap_(cap) {}

    Value *find(const Key &key)
    {
        Stamped *found = map_.find_value(key);
        return found ? &found->value : nullptr;
    }
    const Value *find(const Key &key) const
    {
        const Stamped *found = map_.find_value(key);
        return found ? &found->value : nullptr;
    }

    /* The value of `key`, value-initialised when it was absent (second is
     * then true), after forgetting the oldest entries beyond the cap; each
     * forgotten key is passed to `forgotten` first. {nullptr, false} only
     * when the cap is 0. */
    template <typename OnForget>
    std::pair<Value *, bool> get_or_add(const Key &key, OnForget &&forgotten)
    {
        if (cap_ == 0)
            return {nullptr, false};
        auto [handle, added] = map_.try_emplace(key);
        if (!added)
            return {&map_.value(handle).value, false};
        map_.value(handle).sequence = next_sequence_++;
        order_.emplace_back(handle, map_.value(handle).sequence);
        /* Erased keys leave stale records in order_; those are bounded too.
         * The new entry is the newest, so it is never the one forgotten,
         * and erasing others leaves its handle valid. */
        while ((map_.size() > cap_ || order_.size() > 2 * cap_ + 16) && !order_.empty()) {
            auto [oldest, sequence] = order_.front();
            order_.pop_front();
            if (map_.is_live(oldest) && map_.value(oldest).sequence == sequence) {
                forgotten(map_.key(oldest));
                map_.erase(oldest);
            }
        }
        return {&map_.value(handle).value, true};
    }
    std::pair<Value *, bool> get_or_add(const Key &key)
    {
        return get_or_add(key, [](const Key &) {});
    }

    /* Forgets `key` now; false when it was not there. */
    bool erase(const Key &key)
    {
        typename Map::Handle handle = map_.find(key);
        if (handle == Map::kNone)
            return false;
        map_.erase(handle);
        return true;
    }

    size_t size() const { return map_.size(); }
    void clear()
    {
        map_.clear();
        std::deque<std::pair<typename Map::Handle, uint64_t>>().swap(order_);
    }

private:
    struct Stamped {
        Value value;
        uint64_t sequence = 0; /* when the key was added */
    };
    using Map = FlatMap<Key, Stamped, Hash>;
    size_t cap_;
    uint64_t next_sequence_ = 1;
    Map map_;
    /* (entry, the sequence it was added with), oldest first. A record is
     * stale when its entry was erased or reused since: sequences differ. */
    std::deque<std::pair<typename Map::Handle, uint64_t>> order_;
};

} // namespace sipadvisor::core
