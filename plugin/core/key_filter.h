/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * "Certainly absent" or "maybe present" for the keys of a table that most
 * lookups miss. The correlation tables hold up to tens of thousands of
 * entries; once they outgrow the caches, every lookup costs several memory
 * misses whether or not it finds anything. perf on the 1M-message bench
 * capture put the lookups of the redirect index (every request) and of the
 * authentication chains (every 2xx) at ~3 % of all of tshark's cycles,
 * though nearly all of them find nothing. A filter slot is one byte, so
 * the check costs at most one miss.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace sipadvisor::core {

/* A counting Bloom filter with one hash: one counter per slot, incremented
 * for every key the table gains and decremented for every key it loses. A
 * counter that reached 255 has lost count and stays there ("maybe" is
 * never wrong). The slots are allocated with the first key. */
class KeyFilter {
public:
    explicit KeyFilter(unsigned slots_log2) : mask_((size_t{1} << slots_log2) - 1) {}

    /* Call once for each key the table gains (not when a key is overwritten). */
    void add(std::string_view key)
    {
        if (counts_.empty())
            counts_.resize(mask_ + 1);
        uint8_t &count = counts_[slot(key)];
        if (count < 255)
            ++count;
    }
    /* Call once for each key the table loses. */
    void remove(std::string_view key)
    {
        if (counts_.empty())
            return;
        uint8_t &count = counts_[slot(key)];
        if (count != 0 && count != 255)
            --count;
    }
    bool may_contain(std::string_view key) const { return !counts_.empty() && counts_[slot(key)] != 0; }
    void clear()
    {
        counts_.clear();
        counts_.shrink_to_fit();
    }

private:
    size_t slot(std::string_view key) const
    {
        const uint64_t hash = std::hash<std::string_view>{}(key);
        return static_cast<size_t>((hash ^ (hash >> 32)) & mask_);
    }

    size_t mask_;
    std::vector<uint8_t> counts_;
};

} // namespace sipadvisor::core
