/*
 * The calibration of the extrapolation part of an interval (issue 23):
 * k(level) in log loss per decade beyond the data, at the levels the
 * calibration was built for.  src/validate/calibration_data.c is written
 * by bench/extrap_calibration.py from data/extrap_points.csv (it also
 * writes data/extrap_calibration.csv); do not edit it by hand.
 */
#ifndef SF_VALIDATE_CALIBRATION_H
#define SF_VALIDATE_CALIBRATION_H

#include <stddef.h>

extern const size_t sf_extrap_cal_n;
extern const double sf_extrap_cal_level[];
extern const double sf_extrap_cal_k[];

#endif /* SF_VALIDATE_CALIBRATION_H */
