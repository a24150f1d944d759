/*
 * smooth.c - TensorBoard's debiased EMA over a stored series (see smooth.h).
 *
 * It mirrors static/smoothing.js line for line, so that the page can use
 * either and draw the same line: acc = acc·w + (1−w)·y; n += 1;
 * smoothed = acc / (1 − wⁿ), the divisor 1 when w == 1.
 */
#include "smooth.h"

#include <math.h>

static double value_at(const tb_series *se, size_t i)
{
	tb_scalar v = tb_series_scalar(se, i);
	return v.type == TB_NUM_F32 || v.type == TB_NUM_F64 ? v.f : (double)v.i;
}

void tb_series_smooth(const tb_series *se, size_t from, size_t to, double w, double *out)
{
	if (to <= from)
		return;
	double first = value_at(se, from);
	bool constant = true;
	for (size_t i = from; i < to; i++) {
		out[i - from] = value_at(se, i);
		constant &= out[i - from] == first; /* NaN != NaN, as in JavaScript */
	}
	if (constant)
		return;
	double acc = 0, wn = 1; /* wn = wⁿ */
	for (size_t k = 0; k < to - from; k++) {
		double y = out[k];
		if (!isfinite(y))
			continue;
		acc = acc * w + (1 - w) * y;
		wn *= w;
		out[k] = acc / (w == 1 ? 1 : 1 - wn);
	}
}
