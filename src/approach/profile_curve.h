/*
 * The fitted IsoFLOP profile of a budget as points to draw (the IsoFLOP
 * plot and anything else that shows the profiles), computed here where
 * the profiles are fitted, and tested in tests/test_profile_curve.c.
 * Internal to the library (not part of the public API).
 */
#ifndef SF_PROFILE_CURVE_H
#define SF_PROFILE_CURVE_H

#include <stddef.h>

#include "scalefit.h"

/* m points (m >= 2) of budget b's fitted profile, evenly spaced in ln N
 * from `pad` (in ln N) below the smallest size sampled to `pad` above the
 * largest, widened to reach `pad` beyond a minimum outside them (an edge
 * budget's parabola, so the reader sees it is extrapolated): N into x,
 * sf_isoflop_profile_eval into y (NaN where the profile is not defined,
 * such as outside an Akima spline's knots).  Returns m, or 0 when the
 * budget has fewer than 3 sizes (no profile was fitted). */
size_t sf_isoflop_profile_curve(const sf_isoflop *r, size_t b, size_t m, double pad, double *x,
                                double *y);

#endif
