/* sipadvisor - FlatMap (core/flat_map.h) against std::unordered_map
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * FlatMap's failure modes are silent: a probe run broken by a wrong
 * backward shift loses keys that are still in it, a tag compare without the
 * key compare merges two transactions, a reused handle revives an erased
 * entry. So the map is driven with long random sequences of inserts, finds
 * and erases, next to std::unordered_map as the reference, with hashes that
 * collide on purpose (every key in a few home slots, runs that wrap around
 * the end of the slot array), and every key is checked after every erase.
 */
#include "core/flat_map.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

/* Eight distinct hashes for all keys: long probe runs, equal tags for
 * different keys (so only the key compare tells them apart). The high bits
 * send the runs past the end of the slot array. */
struct CollidingHash {
    size_t operator()(const std::string &key) const
    {
        return static_cast<size_t>((std::hash<std::string>{}(key) & 7) | 0xFFFFFFF8u);
    }
};

template <typename Map>
void check_against(const Map &map, const std::unordered_map<std::string, int> &reference,
                   const std::unordered_map<std::string, typename Map::Handle> &handles)
{
    assert_int_equal(map.size(), reference.size());
    for (const auto &[key, value] : reference) {
        auto handle = map.find(key);
        assert_int_not_equal(handle, Map::kNone);
        /* An entry never moves while it lives. */
        assert_int_equal(handle, handles.at(key));
        assert_true(map.is_live(handle));
        assert_string_equal(map.key(handle).c_str(), key.c_str());
        assert_int_equal(map.value(handle), value);
    }
}

template <typename Hash>
void random_operations_agree_with_unordered_map(unsigned seed, int key_space, int steps)
{
    using Map = FlatMap<std::string, int, Hash>;
    Map map;
    std::unordered_map<std::string, int> reference;
    std::unordered_map<std::string, typename Map::Handle> handles;
    std::mt19937 random(seed);
    for (int step = 0; step < steps; ++step) {
        std::string key = "key-" + std::to_string(random() % static_cast<unsigned>(key_space));
        switch (random() % 3) {
        case 0: {
            /* Both ways of adding: try_emplace, and find + insert_absent
             * with the hash computed once (as TransactionMatcher does). */
            typename Map::Handle handle;
            bool added;
            if (step % 2) {
                std::tie(handle, added) = map.try_emplace(key);
            } else {
                const uint64_t hash = Map::hash_key(key);
                handle = map.find(key, hash);
                added = handle == Map::kNone;
                if (added)
                    handle = map.insert_absent(key, hash);
            }
            assert_int_equal(added, reference.count(key) == 0);
            if (added) {
                /* A new entry starts value-initialised, also in a reused slot. */
                assert_int_equal(map.value(handle), 0);
                handles[key] = handle;
            } else {
                assert_int_equal(handle, handles.at(key));
            }
            map.value(handle) = step + 1;
            reference[key] = step + 1;
            break;
        }
        case 1: {
            auto handle = map.find(key);
            assert_int_equal(handle != Map::kNone, reference.count(key) == 1);
            if (handle != Map::kNone)
                assert_int_equal(map.value(handle), reference.at(key));
            break;
        }
        default: {
            auto handle = map.find(key);
            if (handle == Map::kNone)
                break;
            map.erase(handle);
            assert_false(map.is_live(handle));
            assert_int_equal(map.find(key), Map::kNone);
            reference.erase(key);
            handles.erase(key);
            /* Every erase shifts the probe run: all keys must stay findable. */
            if (reference.size() < 200 || step % 97 == 0)
                check_against(map, reference, handles);
            break;
        }
        }
    }
    check_against(map, reference, handles);
    map.clear();
    assert_int_equal(map.size(), 0);
    for (const auto &[key, value] : reference)
        assert_int_equal(map.find(key), Map::kNone);
}

void agrees_with_unordered_map_on_spread_hashes(void **)
{
    /* Small key space: many erases and re-inserts of the same keys; large
     * one: the slot array grows several times. */
    random_operations_agree_with_unordered_map<std::hash<std::string>>(1, 64, 20000);
    random_operations_agree_with_unordered_map<std::hash<std::string>>(2, 5000, 60000);
}

void agrees_with_unordered_map_on_colliding_hashes(void **)
{
    random_operations_agree_with_unordered_map<CollidingHash>(3, 40, 20000);
    random_operations_agree_with_unordered_map<CollidingHash>(4, 300, 20000);
}

void integer_keys_in_sequence(void **)
{
    /* The remembered requests are keyed by frame number with an identity
     * hash: a sliding window of consecutive numbers, as in a capture. */
    FlatMap<uint32_t, uint32_t> map;
    std::vector<FlatMap<uint32_t, uint32_t>::Handle> window;
    for (uint32_t frame = 1; frame <= 100000; ++frame) {
        auto [handle, added] = map.try_emplace(frame);
        assert_true(added);
        map.value(handle) = frame * 3;
        window.push_back(handle);
        if (window.size() > 1000) {
            map.erase(window.front());
            window.erase(window.begin());
        }
    }
    assert_int_equal(map.size(), 1000);
    for (uint32_t frame = 1; frame <= 100000; ++frame) {
        const uint32_t *value = map.find_value(frame);
        if (frame > 99000) {
            assert_non_null(value);
            assert_int_equal(*value, frame * 3);
        } else {
            assert_null(value);
        }
    }
}

void erased_values_are_destroyed_at_once(void **)
{
    /* Erase must release what the value owns (the tables hold strings and
     * vectors), not keep it until the handle is reused. */
    FlatMap<std::string, std::shared_ptr<int>> map;
    auto counter = std::make_shared<int>(7);
    auto handle = map.try_emplace(std::string("a")).first;
    map.value(handle) = counter;
    assert_int_equal(counter.use_count(), 2);
    map.erase(handle);
    assert_int_equal(counter.use_count(), 1);
}

void bounded_map_forgets_oldest_first(void **)
{
    BoundedFlatMap<std::string, int> map(3);
    std::vector<std::string> forgotten;
    auto note = [&](const std::string &key) { forgotten.push_back(key); };
    for (const char *key : {"a", "b", "c"})
        assert_true(map.get_or_add(key, note).second);
    *map.get_or_add("b", note).first = 7; /* present: not added, not renewed */
    assert_false(map.get_or_add("b", note).second);
    assert_true(map.get_or_add("d", note).second);
    assert_int_equal(forgotten.size(), 1);
    assert_string_equal(forgotten[0].c_str(), "a");
    assert_null(map.find("a"));
    assert_int_equal(*map.find("b"), 7);
    /* An erased key frees its place; its stale record forgets nothing. */
    assert_true(map.erase("c"));
    assert_false(map.erase("c"));
    assert_true(map.get_or_add("e", note).second);
    assert_int_equal(forgotten.size(), 1);
    assert_true(map.get_or_add("f", note).second);
    assert_int_equal(forgotten.size(), 2);
    assert_string_equal(forgotten[1].c_str(), "b");
    assert_int_equal(map.size(), 3);
    /* Many erased keys: still at most the cap, the newest kept. */
    for (int i = 0; i < 1000; ++i) {
        std::string key = "k" + std::to_string(i);
        map.get_or_add(key, note);
        if (i % 2)
            map.erase(key);
        assert_true(map.size() <= 3);
    }
    assert_non_null(map.find("k998"));
    BoundedFlatMap<int, int> none(0);
    assert_null(none.get_or_add(1).first);
    assert_int_equal(none.size(), 0);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agrees_with_unordered_map_on_spread_hashes),
        cmocka_unit_test(agrees_with_unordered_map_on_colliding_hashes),
        cmocka_unit_test(integer_keys_in_sequence),
        cmocka_unit_test(erased_values_are_destroyed_at_once),
        cmocka_unit_test(bounded_map_forgets_oldest_first),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
