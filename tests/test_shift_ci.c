// SPDX-License-Identifier: GPL-2.0-only
/* The reachable significance of the U test and the Hodges-Lehmann ratio with its interval. */
#include <criterion/criterion.h>
#include <math.h>
#include "shift_ci.h"

Test(shift_ci, three_against_three_can_never_reach_005)
{
	/* 2 of the 20 equally likely arrangements are this extreme: p = 0.1, never below. */
	cr_expect_float_eq(pb_mw_min_p(3, 3), 0.1, 1e-12);
	cr_expect_float_eq(pb_mw_min_p(4, 4), 2.0 / 70, 1e-12);
	cr_expect_eq(pb_mw_samples_needed(0.05), 4);
	cr_expect_eq(pb_mw_samples_needed(0.01), 5);	/* 2/252 = 0.0079 */
	cr_expect_float_eq(pb_mw_min_p(1, 1), 1.0, 1e-12);
}

Test(shift_ci, large_samples_reach_tiny_p)
{
	cr_expect_lt(pb_mw_min_p(27, 27), 1e-6);
}

Test(shift_ci, doubling_is_a_ratio_of_two)
{
	double old[5] = { 100, 101, 99, 102, 98 }, new_[5];
	struct pb_shift s;

	for (int i = 0; i < 5; i++)
		new_[i] = 2 * old[i];
	cr_assert_eq(pb_shift_ratio(old, 5, new_, 5, 0.95, &s), 0);
	cr_expect_float_eq(s.ratio, 2.0, 1e-12);
	cr_expect_leq(s.lo, 2.0);
	cr_expect_geq(s.hi, 2.0);
	cr_expect_gt(s.lo, 1.9);	/* the spread of old alone is +-2% */
	cr_expect_lt(s.hi, 2.1);
	/* 5 x 5: P(U <= 2) = 4/252, P(U <= 3) = 7/252 > 0.025: rank 3, coverage 1 - 8/252. */
	cr_expect_float_eq(s.level, 1 - 8.0 / 252, 1e-12);
}

Test(shift_ci, too_few_samples_give_the_widest_interval_and_say_its_coverage)
{
	double old[3] = { 10, 11, 12 }, new_[3] = { 20, 21, 22 };
	struct pb_shift s;

	cr_assert_eq(pb_shift_ratio(old, 3, new_, 3, 0.95, &s), 0);
	cr_expect_float_eq(s.lo, 20.0 / 12, 1e-12);	/* the smallest pairwise ratio */
	cr_expect_float_eq(s.hi, 22.0 / 10, 1e-12);	/* the largest */
	cr_expect_float_eq(s.level, 0.9, 1e-12);	/* not the 0.95 asked for */
	cr_expect_float_eq(s.ratio, 21.0 / 11, 0.02);
}

Test(shift_ci, asymptotic_interval_matches_the_exact_one_closely)
{
	/* 60 x 60 pairs take the normal approximation; a pure shift still lands on its ratio. */
	double old[60], new_[60];
	struct pb_shift s;

	for (int i = 0; i < 60; i++) {
		old[i] = 100 + (i % 10);
		new_[i] = 1.05 * old[i];
	}
	cr_assert_eq(pb_shift_ratio(old, 60, new_, 60, 0.95, &s), 0);
	cr_expect_float_eq(s.ratio, 1.05, 1e-9);
	cr_expect_lt(s.lo, 1.05);
	cr_expect_gt(s.hi, 1.05);
	cr_expect_float_eq(s.level, 0.95, 0.01);
}

Test(shift_ci, refuses_empty_and_non_positive_samples)
{
	double ok[2] = { 1, 2 }, zero[2] = { 0, 1 };
	struct pb_shift s;

	cr_expect_eq(pb_shift_ratio(ok, 0, ok, 2, 0.95, &s), -1);
	cr_expect_eq(pb_shift_ratio(ok, 2, zero, 2, 0.95, &s), -1);
	cr_expect_eq(pb_shift_ratio(zero, 2, ok, 2, 0.95, &s), -1);
}
