/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Whether anything can ever show the analysis of a frame.
 *
 * `tshark -r` printing summary lines builds a hidden protocol tree for every
 * packet (sipadvisor wants the `sip` items), yet nothing reads what
 * sipadvisor would add to it, and a single pass never comes back to a frame.
 * Analysing there costs about a fifth of tshark's time for no one
 * (BENCHMARKS.md). Wireshark has no call that says "this frame will not be
 * revisited", so the answer is inferred from how the frontends hand frames
 * to the dissectors (checked on 4.0: tshark, tshark -2, the Qt GUI):
 *
 * - A frontend that can show a frame again keeps a record per frame.
 *   Wireshark's GUI dissects the kept record itself: a different record for
 *   every frame. tshark -2 (first pass) and sharkd dissect a scratch record
 *   and keep a copy, and they do so without filling the summary columns.
 * - tshark's single pass dissects the same scratch record for every frame
 *   and fills the columns when it prints summary lines.
 *
 * So a frame is unseen when the frontend fills the columns, hands over the
 * same record it used for the frame just before, and nothing in this pass
 * reads sipadvisor's output. Any other combination counts as seen: a
 * frontend this does not know costs time, never results.
 *
 * Plain C++: the Wireshark layer gathers the facts (packet-sipadvisor.cpp).
 */
#ifndef SIPADVISOR_CORE_PASS_AUDIENCE_H
#define SIPADVISOR_CORE_PASS_AUDIENCE_H

#include <cstdint>

namespace sipadvisor::core {

/* What the Wireshark layer knows about a frame on its first dissection. */
struct FirstPassFrame {
    uint32_t number = 0;
    /* Identity of the frontend's record of the frame (its address); only
     * compared, never read. */
    const void *frame_record = nullptr;
    /* The frontend fills the summary columns of this frame in this pass. */
    bool columns_filled = false;
    /* Something in this pass reads sipadvisor's output: the packet details
     * are shown, a filter, column or colouring rule reads a sipadvisor or an
     * Expert Info field, or the expert or statistics tap listens. */
    bool output_read = false;
};

class PassAudience {
public:
    /* True when nothing can show this frame's analysis, now or later (see
     * the file comment). Call once per first-pass frame, in order. */
    bool unseen(const FirstPassFrame &frame);

    /* The first frame found unseen since the last reset, 0 if none. */
    uint32_t first_unseen_frame() const { return first_unseen_frame_; }

    /* A new capture file (or a new pass over it). */
    void reset();

private:
    const void *previous_record_ = nullptr;
    uint32_t previous_number_ = 0;
    uint32_t first_unseen_frame_ = 0;
};

} // namespace sipadvisor::core

#endif
