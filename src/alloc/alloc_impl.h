/* Helpers shared by the allocation files (not part of the public API). */
#ifndef SF_ALLOC_IMPL_H
#define SF_ALLOC_IMPL_H

/* Minimise f over [lo, hi]: the best of scan + 1 evenly spaced points, then
 * golden-section search in the bracket around it until it is 1e-13
 * (relative) wide.  f returns INFINITY where undefined.  SF_EDOMAIN when f
 * is nowhere finite. */
int sf_minimize_scan(double (*f)(void *ctx, double u), void *ctx, double lo, double hi,
                     int scan, double *umin);

#endif
