// SPDX-License-Identifier: GPL-2.0-only
/* Mann-Whitney U: ranks with ties averaged, exact small-sample distribution or normal approximation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "mann_whitney.h"

struct tagged {
	double v;
	int from_x;
};

static int cmp_tagged(const void *a, const void *b)
{
	double x = ((const struct tagged *)a)->v, y = ((const struct tagged *)b)->v;

	return (x > y) - (x < y);
}

/*
 * Number of arrangements of m x's and n y's with U = u, for all u, by the recurrence
 * c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u). Returns the probability mass array.
 */
double *pb_mw_exact_pmf(size_t m, size_t n)
{
	size_t umax = m * n, i, j, u;
	double *prev = calloc((m + 1) * (umax + 1), sizeof(double));
	double *cur = calloc((m + 1) * (umax + 1), sizeof(double));
	double *pmf, total = 0;

	if (!prev || !cur)
		abort();
	/* Row j = number of y's; table[i][u] for i x's. Start with n = 0: U is always 0. */
	for (i = 0; i <= m; i++)
		prev[i * (umax + 1)] = 1;
	for (j = 1; j <= n; j++) {
		memset(cur, 0, (m + 1) * (umax + 1) * sizeof(double));
		cur[0] = 1;	/* no x's: U = 0 */
		for (i = 1; i <= m; i++)
			for (u = 0; u <= i * j; u++) {
				double c = prev[i * (umax + 1) + u];	/* last is a y */

				if (u >= j)
					c += cur[(i - 1) * (umax + 1) + u - j];	/* last is an x */
				cur[i * (umax + 1) + u] = c;
			}
		memcpy(prev, cur, (m + 1) * (umax + 1) * sizeof(double));
	}
	pmf = malloc((umax + 1) * sizeof(double));
	if (!pmf)
		abort();
	for (u = 0; u <= umax; u++)
		total += prev[m * (umax + 1) + u];
	for (u = 0; u <= umax; u++)
		pmf[u] = prev[m * (umax + 1) + u] / total;
	free(prev);
	free(cur);
	return pmf;
}

void pb_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, int method,
		     struct pb_mwu *out)
{
	size_t n = nx + ny, i, j;
	struct tagged *t = malloc(n * sizeof(*t));
	double r1 = 0, tie_term = 0, u1, u2, mu, sigma, z;
	bool ties = false;

	if (!t)
		abort();
	for (i = 0; i < nx; i++)
		t[i] = (struct tagged){ x[i], 1 };
	for (i = 0; i < ny; i++)
		t[nx + i] = (struct tagged){ y[i], 0 };
	qsort(t, n, sizeof(*t), cmp_tagged);
	for (i = 0; i < n; i = j) {
		double rank;

		for (j = i + 1; j < n && t[j].v == t[i].v; j++)
			;
		rank = ((double)i + 1 + (double)j) / 2.0;	/* average of ranks i+1..j */
		if (j - i > 1) {
			double k = (double)(j - i);

			ties = true;
			tie_term += k * k * k - k;
		}
		for (size_t k = i; k < j; k++)
			if (t[k].from_x)
				r1 += rank;
	}
	free(t);
	u1 = r1 - (double)nx * ((double)nx + 1) / 2.0;
	u2 = (double)nx * (double)ny - u1;
	out->u = u1;

	out->exact = method == 1 || (method == 0 && !ties && (nx <= 8 || ny <= 8));
	if (out->exact) {
		double *pmf = pb_mw_exact_pmf(nx, ny), sf = 0;
		size_t umax = nx * ny, ubig = (size_t)llround(u1 > u2 ? u1 : u2);

		/* P(U >= max(U1, U2)), doubled: the distribution is symmetric. */
		for (size_t u = ubig; u <= umax; u++)
			sf += pmf[u];
		free(pmf);
		out->p = fmin(1.0, 2.0 * sf);
		return;
	}
	mu = (double)nx * (double)ny / 2.0;
	sigma = sqrt((double)nx * (double)ny / 12.0 *
		     (((double)n + 1) - tie_term / ((double)n * ((double)n - 1))));
	if (sigma == 0) {
		out->p = 1.0;
		return;
	}
	z = (fmax(u1, u2) - mu - 0.5) / sigma;	/* continuity correction toward the mean */
	out->p = fmin(1.0, 2.0 * 0.5 * erfc(z / sqrt(2.0)));
}
