/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

/* Called by Wireshark through plugin_register(). */
void proto_register_sipadvisor(void);
void proto_reg_handoff_sipadvisor(void);
