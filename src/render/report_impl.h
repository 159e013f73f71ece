/*
 * Internals of the HTML report shared by its sections (report.c, the page
 * and the fit; report_task.c, the downstream tasks).  Every function
 * appends to the page and records a failed allocation in h->bad, so a
 * section writes without checking each call; the caller checks h->bad
 * once at the end.
 */
#ifndef SF_RENDER_REPORT_IMPL_H
#define SF_RENDER_REPORT_IMPL_H

#include "base/base.h"
#include "scalefit.h"

typedef struct sf_html {
    sf_buf b;
    int bad;
} sf_html;

/* The page's style sheet (inline in <style>). */
extern const char sf_report_css[];

/* Text as is (markup), text escaped for XML, a number with `sig`
 * significant digits (10<sup>k</sup> for exponents, a real minus sign). */
void sf_html_raw(sf_html *h, const char *s);
void sf_html_esc(sf_html *h, const char *s);
void sf_html_num(sf_html *h, double v, int sig);
/* <figure> with an SVG document and an escaped caption (may be NULL). */
void sf_html_figure(sf_html *h, const char *svg, const char *caption);

/* The "Downstream tasks" section of a page (report_task.c): SF_OK, or
 * SF_ENOMEM with err filled. */
int sf_task_report_section(sf_html *h, const sf_task_report *r, sf_error *err);
/* SF_EINVAL (err filled) when r is incomplete or inconsistent. */
int sf_task_report_check(const sf_task_report *r, sf_error *err);

#endif /* SF_RENDER_REPORT_IMPL_H */
