/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The site overrides table (Preferences > Protocols > sipadvisor > Site
 * overrides, saved in the profile as sipadvisor_site_overrides, or
 * -o uat:sipadvisor_site_overrides:...): Wireshark's UAT plumbing around
 * core::SiteOverrides, which checks the rows.
 */
#pragma once

#include "core/site_overrides.h"

#include <epan/uat.h>

namespace sipadvisor::ws {

/* Registers the UAT; the caller hands it to prefs_register_uat_preference(). */
uat_t *register_site_overrides_uat();

/* Reads the table again if it changed since the last call, reporting each
 * bad row (with its number) once and skipping it. Call before dissection. */
void reload_site_overrides();

/* The rows in force. */
const core::SiteOverrides &site_overrides();

} // namespace sipadvisor::ws
