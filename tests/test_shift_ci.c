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

/* Two processes 20% apart on each side: repetitions alone would call the change certain. */
Test(shift_ci, process_spread_widens_the_hierarchical_interval)
{
	double old[8] = { 100, 101, 99, 100, 120, 121, 119, 120 }, new_[8];
	unsigned proc[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	struct pb_shift hl, hier, flat;

	for (int i = 0; i < 8; i++)
		new_[i] = old[i] * 1.05;
	cr_assert_eq(pb_shift_ratio(old, 8, new_, 8, 0.95, &hl), 0);
	cr_assert_eq(pb_shift_hier(old, proc, 8, new_, proc, 8, 0.95, 2000, 1, &hier), 0);
	cr_assert_eq(pb_shift_hier(old, NULL, 8, new_, NULL, 8, 0.95, 2000, 1, &flat), 0);
	cr_expect_float_eq(hier.ratio, 1.05, 1e-9);
	cr_expect_lt(hier.lo, 1.0, "the processes' spread reaches below no change: %g", hier.lo);
	cr_expect_gt(hier.hi, 1.10, "%g", hier.hi);
	cr_expect_gt(hier.hi / hier.lo, flat.hi / flat.lo, "wider than one process would give");
	cr_expect_gt(hier.hi / hier.lo, hl.hi / hl.lo);
}

/* The geometric mean of several pairs: their agreement narrows it, disagreement widens it. */
Test(shift_ci, geomean_of_pairs)
{
	double old[9] = { 100, 101, 99, 102, 98, 100.5, 99.5, 101.5, 98.5 };
	double same[9], moved[9];
	struct pb_shift one, agree, disagree;
	struct pb_shift_pair p[4];

	for (int i = 0; i < 9; i++) {
		same[i] = old[i] * 1.10;
		moved[i] = old[i] * 1.88;
	}
	for (int k = 0; k < 4; k++)
		p[k] = (struct pb_shift_pair){ old, NULL, 9, same, NULL, 9 };
	cr_assert_eq(pb_shift_geomean_hier(p, 1, 0.95, 2000, 1, &one), 0);
	cr_assert_eq(pb_shift_geomean_hier(p, 4, 0.95, 2000, 1, &agree), 0);
	cr_expect_float_eq(agree.ratio, 1.10, 1e-9);
	cr_expect_lt(agree.hi / agree.lo, one.hi / one.lo, "four agreeing baselines narrow it");
	cr_expect_lt(agree.hi / agree.lo - 1, 0.03);
	p[2].new_ = moved;
	cr_assert_eq(pb_shift_geomean_hier(p, 4, 0.95, 2000, 1, &disagree), 0);
	cr_expect_float_eq(disagree.ratio, exp((3 * log(1.10) + log(1.88)) / 4), 1e-9);
	cr_expect_lt(disagree.lo, 1.12, "%g", disagree.lo);
	cr_expect_gt(disagree.hi, 1.40, "%g", disagree.hi);
	cr_expect_eq(pb_shift_geomean_hier(p, 0, 0.95, 2000, 1, &one), -1);
}
