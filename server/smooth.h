/*
 * smooth.h - TensorBoard's scalar smoothing over a stored series.
 *
 * The same debiased exponential moving average as the page's smoothing.js
 * (reference §6.1), computed over every stored point so that a chart that
 * gets only a few points per pixel (scalars_multirun?buckets=) still draws
 * the smoothed line of the whole series, the same at any zoom. The caller
 * owns `out`; nothing is allocated.
 */
#ifndef TB_SMOOTH_H
#define TB_SMOOTH_H

#include <stddef.h>

#include "store.h"

/* out[k] = the smoothed value of point from + k, for k < to - from.
 * Weight w in [0, 1]; non-finite values pass through and do not advance the
 * average; a series whose values are all equal comes back unsmoothed.
 * Run read lock held. */
void tb_series_smooth(const tb_series *se, size_t from, size_t to, double w, double *out);

#endif
