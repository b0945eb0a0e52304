/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Site overrides: a user's own words for a response code ("503 from our SBC
 * means the trunk is down: call the carrier"), layered over the built-in
 * knowledge base. Rows come from a Wireshark UAT table as text; each row is
 * checked here, and a bad row is reported and skipped, never fatal.
 */
#pragma once

#include "core/knowledge_base.h"
#include "core/response_advisor.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sipadvisor::core {

/* What a user may type in a row; empty text keeps the built-in value. */
struct SiteOverrideRow {
    std::string code;
    std::string severity; /* "", "chat", "note", "warn", "error" */
    std::string meaning;
    std::string cause;
    std::string fix;
};

struct SiteOverride {
    unsigned code = 0;
    std::optional<Severity> severity;
    std::string meaning;
    std::string cause;
    std::string fix;
};

std::optional<Severity> parse_severity(const std::string &text);

class SiteOverrides {
public:
    /* Longest text kept from a row; the rest is cut (a profile file is user
     * data: it may hold anything). */
    static constexpr size_t kMaxTextLength = 1024;

    /* Replaces the table with the good rows; returns one message per bad
     * row ("row 3: code 'abc' is not a number between 100 and 699; row
     * skipped"). A later row for the same code wins. */
    std::vector<std::string> load(const std::vector<SiteOverrideRow> &rows);

    const SiteOverride *find(unsigned code) const;
    bool empty() const { return by_code_.empty(); }
    void clear() { by_code_.clear(); }

private:
    std::unordered_map<unsigned, SiteOverride> by_code_;
};

/* The advice as shown: built-in text with the site's override on top.
 * Cheap to make (no copies): it runs for every response. */
struct EffectiveAdvice {
    Severity severity;
    const char *cause;
    const char *fix;
    const SiteOverride *site = nullptr;
    bool severity_overridden = false;
};

EffectiveAdvice effective_advice(const ResponseAdvice &advice, const SiteOverride *site);
/* The meaning as shown (built only when someone reads it). */
std::string effective_meaning(const ResponseAdvice &advice, const SiteOverride *site);

} // namespace sipadvisor::core
