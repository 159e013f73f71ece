/* Internals of the data layer shared with the layers above it. */
#ifndef SF_DATA_IMPL_H
#define SF_DATA_IMPL_H

#include "scalefit.h"

/* Give dst (m rows) the extra columns of src, values 0, names copied:
 * for data made row by row from another (bootstrap resamples).  SF_OK or
 * SF_ENOMEM. */
int sf_data_extras_like(sf_data *dst, const sf_data *src, size_t m);

#endif /* SF_DATA_IMPL_H */
