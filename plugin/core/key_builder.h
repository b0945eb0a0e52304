/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The keys of the correlation tables (transactions, INVITEs, dialogs) are
 * lists of fields, each written "<length>:<bytes>" so that no field content
 * can make two different lists produce the same key. They are built for
 * every message; appending piece by piece to a std::string cost a capacity
 * check and a call per piece (~1,100 instructions for a transaction key).
 * KeyBuilder writes into a local buffer and assigns the target once.
 */
#pragma once

#include "core/header_parsing.h"

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace sipadvisor::core {

class KeyBuilder {
public:
    /* The key is built into `key` (its old content is replaced) by the
     * calls below and is complete after done(). */
    explicit KeyBuilder(std::string &key) : key_(key) {}
    KeyBuilder(const KeyBuilder &) = delete;
    KeyBuilder &operator=(const KeyBuilder &) = delete;

    /* Bytes without a length prefix: a leading tag, or a last field. */
    KeyBuilder &text(std::string_view value, bool lower = false)
    {
        put(value.data(), value.size(), lower);
        return *this;
    }

    /* "<length>:" and the bytes; `lower` lower-cases ASCII letters (for
     * fields that compare ignoring case). */
    KeyBuilder &field(std::string_view value, bool lower = false)
    {
        constexpr size_t kPrefixRoom = 21; /* up to 20 digits and ':' */
        if (!spilled_ && used_ + kPrefixRoom + value.size() <= sizeof buffer_) {
            /* The usual case, written in place. */
            char *out = write_length(buffer_ + used_, value.size());
            *out++ = ':';
            used_ = static_cast<size_t>(out - buffer_);
            put(value.data(), value.size(), lower);
            return *this;
        }
        char prefix[kPrefixRoom];
        char *end = write_length(prefix, value.size());
        *end++ = ':';
        put(prefix, static_cast<size_t>(end - prefix), false);
        put(value.data(), value.size(), lower);
        return *this;
    }

    KeyBuilder &field(uint64_t number)
    {
        char digits[20];
        return field(std::string_view(digits, static_cast<size_t>(write_decimal(digits, number) - digits)));
    }

    const std::string &done()
    {
        if (!spilled_)
            key_.assign(buffer_, used_);
        return key_;
    }

private:
    /* Field lengths are nearly always below 100. */
    static char *write_length(char *out, size_t length)
    {
        if (length < 10) {
            *out = static_cast<char>('0' + length);
            return out + 1;
        }
        if (length < 100) {
            out[0] = static_cast<char>('0' + length / 10);
            out[1] = static_cast<char>('0' + length % 10);
            return out + 2;
        }
        return write_decimal(out, length);
    }

    static char lower_ascii(char c)
    {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }

    void put(const char *data, size_t size, bool lower)
    {
        char *out;
        if (!spilled_ && used_ + size <= sizeof buffer_) {
            out = buffer_ + used_;
            used_ += size;
        } else {
            /* Longer than the buffer (hostile or odd values): the rest goes
             * to the string itself. */
            if (!spilled_) {
                key_.assign(buffer_, used_);
                spilled_ = true;
            }
            const size_t from = key_.size();
            key_.resize(from + size);
            out = &key_[from];
        }
        if (size)
            std::memcpy(out, data, size);
        if (lower)
            for (size_t i = 0; i < size; ++i)
                out[i] = lower_ascii(out[i]);
    }

    std::string &key_;
    char buffer_[512];
    size_t used_ = 0;
    bool spilled_ = false;
};

} // namespace sipadvisor::core
