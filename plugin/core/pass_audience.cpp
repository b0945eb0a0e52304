/* sipadvisor - SIP response advice for Wireshark
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "core/pass_audience.h"

namespace sipadvisor::core {

bool PassAudience::unseen(const FirstPassFrame &frame)
{
    /* The same record as the frame just before: the frontend reuses one
     * scratch record, so it keeps none it could show again. Consecutive
     * numbers guard against a record freed and its address reused by a
     * frontend that does keep frames. */
    const bool record_reused = previous_record_ != nullptr && frame.frame_record == previous_record_ &&
                               frame.number == previous_number_ + 1;
    previous_record_ = frame.frame_record;
    previous_number_ = frame.number;
    const bool result = record_reused && frame.columns_filled && !frame.output_read;
    if (result && first_unseen_frame_ == 0)
        first_unseen_frame_ = frame.number;
    return result;
}

void PassAudience::reset()
{
    *this = PassAudience{};
}

} // namespace sipadvisor::core
