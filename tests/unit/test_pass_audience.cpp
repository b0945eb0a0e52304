/* sipadvisor - PassAudience (core/pass_audience.h): when may the analysis
 * of a frame be skipped because nothing can ever show it?
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A wrong "unseen" loses results for good (the GUI or tshark -2 shows a
 * frame without its advice), so each frontend is replayed as it was seen
 * handing frames to sipadvisor on Wireshark 4.0.17 (a temporary print of
 * pinfo->fd, pinfo->cinfo and the tree's visibility, first pass):
 *
 *   tshark -r            one record address for all frames, columns filled
 *   tshark -r -2         one record address, no columns (first pass)
 *   tshark -r -V         one record address, no columns, tree visible
 *   Wireshark (Qt) GUI   a new record address per frame, no columns
 */
#include "core/pass_audience.h"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace sipadvisor::core;

namespace {

/* Stand-ins for frame records: only their addresses are compared. */
char scratch_record;
char kept_records[16];

struct Frontend {
    bool reuses_record;
    bool fills_columns;
    bool output_read;
};

/* The verdict for frames 1..count of one pass. */
std::vector<bool> replay(PassAudience &audience, const Frontend &frontend, uint32_t count, uint32_t first = 1)
{
    std::vector<bool> verdicts;
    for (uint32_t number = first; number < first + count; ++number) {
        FirstPassFrame frame;
        frame.number = number;
        frame.frame_record = frontend.reuses_record ? static_cast<const void *>(&scratch_record)
                                                    : static_cast<const void *>(&kept_records[number % 16]);
        frame.columns_filled = frontend.fills_columns;
        frame.output_read = frontend.output_read;
        verdicts.push_back(audience.unseen(frame));
    }
    return verdicts;
}

void tshark_summary_lines_are_unseen_from_the_second_frame(void **)
{
    PassAudience audience;
    const std::vector<bool> verdicts = replay(audience, {true, true, false}, 6);
    /* Frame 1 has no predecessor to compare with: analysed. */
    assert_false(verdicts[0]);
    for (size_t i = 1; i < verdicts.size(); ++i)
        assert_true(verdicts[i]);
    assert_int_equal(audience.first_unseen_frame(), 2);
}

void gui_first_pass_is_always_seen(void **)
{
    PassAudience audience;
    for (bool verdict : replay(audience, {false, false, false}, 10))
        assert_false(verdict);
    /* Even if a later GUI filled the columns in its first pass. */
    audience.reset();
    for (bool verdict : replay(audience, {false, true, false}, 10))
        assert_false(verdict);
    assert_int_equal(audience.first_unseen_frame(), 0);
}

void two_pass_first_pass_is_seen(void **)
{
    /* tshark -2 and sharkd dissect a scratch record and keep a copy; they
     * fill no columns on that pass. */
    PassAudience audience;
    for (bool verdict : replay(audience, {true, false, false}, 10))
        assert_false(verdict);
}

void any_reader_of_the_output_keeps_the_analysis(void **)
{
    /* -V, -Y sipadvisor, -T fields -e sipadvisor.*, -z expert, the
     * statistics tap: all in tshark's single pass. */
    PassAudience audience;
    for (bool verdict : replay(audience, {true, true, true}, 10))
        assert_false(verdict);
}

void a_record_reused_across_a_gap_is_not_trusted(void **)
{
    /* The same address for frames that are not consecutive: a kept record
     * freed and its memory reused, not a scratch record. */
    PassAudience audience;
    FirstPassFrame frame;
    frame.frame_record = &scratch_record;
    frame.columns_filled = true;
    frame.number = 5;
    assert_false(audience.unseen(frame));
    frame.number = 7;
    assert_false(audience.unseen(frame));
    frame.number = 8;
    assert_true(audience.unseen(frame));
    assert_int_equal(audience.first_unseen_frame(), 8);
}

void reset_starts_a_new_pass(void **)
{
    PassAudience audience;
    replay(audience, {true, true, false}, 3);
    assert_int_equal(audience.first_unseen_frame(), 2);
    audience.reset();
    assert_int_equal(audience.first_unseen_frame(), 0);
    /* A new file starts at frame 1 again: analysed, as the first frame of
     * any pass is. */
    const std::vector<bool> verdicts = replay(audience, {true, true, false}, 2);
    assert_false(verdicts[0]);
    assert_true(verdicts[1]);
}

} // namespace

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tshark_summary_lines_are_unseen_from_the_second_frame),
        cmocka_unit_test(gui_first_pass_is_always_seen),
        cmocka_unit_test(two_pass_first_pass_is_seen),
        cmocka_unit_test(any_reader_of_the_output_keeps_the_analysis),
        cmocka_unit_test(a_record_reused_across_a_gap_is_not_trusted),
        cmocka_unit_test(reset_starts_a_new_pass),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
