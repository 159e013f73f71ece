/*
 * SVG primitives for the plots: see svg.h.
 *
 * The output is SVG 1.1 with presentation attributes only (no CSS, no
 * scripts, no external references) so that it displays the same in a
 * browser, an image viewer and a print, and can be inlined in HTML.
 */
#include "render/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INK "#222222"    /* text and frame */
#define GRID "#e4e4e4"   /* grid lines */
#define SUBTLE "#555555" /* subtitles, notes */

/* ---- document ------------------------------------------------------------ */

/* fmt with only %s conversions (all that most calls use), appended piece
 * by piece: printf was a fifth of a plot's time. */
static int strings_only(sf_svg_doc *s, const char *fmt, va_list ap)
{
    for (const char *p = fmt; (p = strchr(p, '%')) != NULL; p += 2)
        if (p[1] != 's') return 0;
    for (const char *p = fmt; *p && !s->bad;) {
        const char *q = strchr(p, '%');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n && sf_buf_append(&s->b, p, n) != 0) s->bad = 1;
        if (!q) break;
        const char *arg = va_arg(ap, const char *);
        if (arg && sf_buf_append(&s->b, arg, strlen(arg)) != 0) s->bad = 1;
        p = q + 2;
    }
    return 1;
}

void sf_svg_printf(sf_svg_doc *s, const char *fmt, ...)
{
    if (s->bad) return;
    va_list ap;
    va_start(ap, fmt);
    int done = strings_only(s, fmt, ap);
    va_end(ap);
    if (done) return;
    char small[512];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    /* Every format used here prints strings and integers only (numbers go
     * through sf_svg_num), so vsnprintf needs no locale care. */
    if (n < 0) {
        s->bad = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        if (sf_buf_append(&s->b, small, (size_t)n) != 0) s->bad = 1;
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        s->bad = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (sf_buf_append(&s->b, big, (size_t)n) != 0) s->bad = 1;
    free(big);
}

void sf_svg_escape(sf_svg_doc *s, const char *text)
{
    if (sf_buf_escape_xml(&s->b, text) != 0) s->bad = 1;
}

void sf_svg_num(sf_svg_doc *s, double v)
{
    if (!isfinite(v)) v = v > 0 ? 1e5 : -1e5;
    if (v > 1e5) v = 1e5;
    if (v < -1e5) v = -1e5;
    /* Digits by hand: a plot writes thousands of numbers, and printf was
     * most of the time it took. */
    long long q = llround(v * 100.0);
    char buf[32], *e = buf + sizeof buf, *p = e;
    int neg = q < 0;
    if (neg) q = -q;
    long long ip = q / 100, fp = q % 100;
    if (fp) {
        if (fp % 10) *--p = (char)('0' + fp % 10);
        *--p = (char)('0' + fp / 10);
        *--p = '.';
    }
    do *--p = (char)('0' + ip % 10);
    while ((ip /= 10) > 0);
    if (neg) *--p = '-';
    if (!s->bad && sf_buf_append(&s->b, p, (size_t)(e - p)) != 0) s->bad = 1;
}

void sf_svg_begin(sf_svg_doc *s, double w, double h, const char *id, const char *title)
{
    memset(s, 0, sizeof *s);
    s->w = w;
    s->h = h;
    sf_strlcpy(s->id, id && *id ? id : "sf", sizeof s->id);
    sf_svg_printf(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"");
    sf_svg_num(s, w);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, h);
    sf_svg_printf(s, "\" viewBox=\"0 0 ");
    sf_svg_num(s, w);
    sf_svg_printf(s, " ");
    sf_svg_num(s, h);
    /* DejaVu Sans first: the layout measures text with its metrics. */
    sf_svg_printf(s, "\" font-family=\"DejaVu Sans, Verdana, Arial, Helvetica, sans-serif\">\n");
    if (title) {
        sf_svg_printf(s, "<title>");
        sf_svg_escape(s, title);
        sf_svg_printf(s, "</title>\n");
    }
    sf_svg_printf(s, "<rect x=\"0\" y=\"0\" width=\"");
    sf_svg_num(s, w);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, h);
    sf_svg_printf(s, "\" fill=\"#ffffff\"/>\n");
}

char *sf_svg_finish(sf_svg_doc *s)
{
    sf_svg_printf(s, "</svg>\n");
    if (s->bad) {
        sf_buf_free(&s->b);
        return NULL;
    }
    char *out = s->b.data;
    s->b.data = NULL;
    s->b.len = s->b.cap = 0;
    return out;
}

/* Advance widths of DejaVu Sans in em for printable ASCII (32..126). */
static const unsigned short ascii_w[95] = {
    318, 401, 460, 838, 636, 950, 780,  275, 390, 390, 500, 838, 318, 361, 318, 337, /* ' '../ */
    636, 636, 636, 636, 636, 636, 636,  636, 636, 636,                               /* 0..9 */
    337, 337, 838, 838, 838, 531, 1000,                                              /* :..@ */
    684, 686, 698, 770, 632, 575, 775,  752, 295, 295, 656, 557, 863, 748, 787, 603, /* A..P */
    787, 695, 635, 611, 732, 684, 989,  685, 611, 685,                               /* Q..Z */
    390, 337, 390, 838, 500, 500,                                                    /* [..` */
    613, 635, 550, 635, 615, 352, 635,  634, 278, 278, 579, 278, 974, 634, 612, 635, /* a..p */
    635, 411, 521, 392, 634, 592, 818,  592, 592, 525,                               /* q..z */
    636, 337, 636, 838};                                                             /* {..~ */

double sf_svg_text_width(const char *text, double fs)
{
    double w = 0.0;
    for (const unsigned char *c = (const unsigned char *)text; c && *c; c++) {
        if (*c >= 32 && *c < 127) w += ascii_w[*c - 32];
        else if (*c == 0xC3 && c[1] == 0x97) w += 838;                 /* × */
        else if (*c == 0xE2 && c[1] == 0x88 && c[2] == 0x92) w += 838; /* − */
        else if (*c >= 0xC0) w += 680; /* another character: Greek, accents */
        /* continuation bytes (0x80..0xBF) add nothing */
        if (*c == 0xC3 && c[1] == 0x97) c++;
        else if (*c == 0xE2 && c[1] == 0x88 && c[2] == 0x92) c += 2;
    }
    return w / 1000.0 * fs;
}

/* "<text" with position, size, colour and anchor; the caller closes the
 * start tag. */
static void text_open(sf_svg_doc *s, double x, double y, double fs, const char *anchor,
                      const char *fill)
{
    sf_svg_printf(s, "<text x=\"");
    sf_svg_num(s, x);
    sf_svg_printf(s, "\" y=\"");
    sf_svg_num(s, y);
    sf_svg_printf(s, "\" font-size=\"");
    sf_svg_num(s, fs);
    sf_svg_printf(s, "\" fill=\"%s\"", fill ? fill : INK);
    if (anchor && strcmp(anchor, "start") != 0) sf_svg_printf(s, " text-anchor=\"%s\"", anchor);
}

void sf_svg_text(sf_svg_doc *s, double x, double y, double fs, const char *anchor, double rotate,
                 const char *weight, const char *fill, const char *text)
{
    text_open(s, x, y, fs, anchor, fill);
    if (weight) sf_svg_printf(s, " font-weight=\"%s\"", weight);
    if (rotate != 0.0) {
        sf_svg_printf(s, " transform=\"rotate(");
        sf_svg_num(s, rotate);
        sf_svg_printf(s, " ");
        sf_svg_num(s, x);
        sf_svg_printf(s, " ");
        sf_svg_num(s, y);
        sf_svg_printf(s, ")\"");
    }
    sf_svg_printf(s, ">");
    sf_svg_escape(s, text);
    sf_svg_printf(s, "</text>\n");
}

void sf_svg_text_halo(sf_svg_doc *s, double x, double y, double fs, const char *anchor,
                      const char *fill, const char *text)
{
    double w = sf_svg_text_width(text, fs);
    double a = anchor && strcmp(anchor, "middle") == 0 ? 0.5
               : anchor && strcmp(anchor, "end") == 0  ? 1.0
                                                       : 0.0;
    sf_svg_printf(s, "<rect x=\"");
    sf_svg_num(s, x - a * w - 2.0);
    sf_svg_printf(s, "\" y=\"");
    sf_svg_num(s, y - 0.8 * fs - 1.0);
    sf_svg_printf(s, "\" width=\"");
    sf_svg_num(s, w + 4.0);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, fs + 2.0);
    sf_svg_printf(s, "\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>\n");
    sf_svg_text(s, x, y, fs, anchor, 0.0, NULL, fill, text);
}

/* ---- numbers as labels ----------------------------------------------------- */

void sf_svg_fixed(char *buf, size_t size, double v, int d, const char *minus)
{
    if (d < 0) d = 0;
    if (d > 9) d = 9;
    double scale = pow(10.0, d);
    double a = fabs(v) * scale;
    if (!(a < 9e18)) {
        /* Beyond long long: no caller needs decimals there. */
        snprintf(buf, size, "%s%.0f", v < 0 ? minus : "", fabs(v));
        return;
    }
    long long q = llround(a);
    long long p10 = llround(scale);
    const char *sign = v < 0 && q != 0 ? minus : "";
    if (d == 0) snprintf(buf, size, "%s%lld", sign, q);
    else snprintf(buf, size, "%s%lld.%0*lld", sign, q / p10, d, q % p10);
}

static void fixed(char *buf, size_t size, double v, int d)
{
    sf_svg_fixed(buf, size, v, d, "\xE2\x88\x92");
}

/* Fewest decimals (0..max) that write v exactly to 1e-10 relative. */
static int shortest_decimals(double v, int max)
{
    for (int d = 0; d < max; d++) {
        double scale = pow(10.0, d);
        if (fabs(round(v * scale) / scale - v) <= 1e-10 * fabs(v)) return d;
    }
    return max;
}

/* v as m×10^k: "10" with sup "9" for 1e9, "2.5×10" with "−4" for 2.5e-4. */
static void label_sci(double v, sf_svg_label *out)
{
    memset(out, 0, sizeof *out);
    if (v == 0.0) {
        sf_strlcpy(out->text, "0", sizeof out->text);
        return;
    }
    int k = (int)floor(log10(fabs(v)) + 1e-12);
    double m = v / pow(10.0, k);
    /* As many mantissa digits as the value has (ticks 1.2345×10^6 apart
     * from 1.2346×10^6 need them), at most 8. */
    int md = shortest_decimals(m, 8);
    if (round(fabs(m) * pow(10.0, md)) / pow(10.0, md) >= 10.0) {
        k++;
        m /= 10.0;
    }
    char mant[24];
    fixed(mant, sizeof mant, m, md);
    if (strcmp(mant, "1") == 0) snprintf(out->text, sizeof out->text, "10");
    else if (strcmp(mant, "\xE2\x88\x92"
                          "1") == 0)
        snprintf(out->text, sizeof out->text,
                 "\xE2\x88\x92"
                 "10");
    else
        snprintf(out->text, sizeof out->text,
                 "%s\xC3\x97"
                 "10",
                 mant);
    if (k < 0) snprintf(out->sup, sizeof out->sup, "\xE2\x88\x92%d", -k);
    else snprintf(out->sup, sizeof out->sup, "%d", k);
}

void sf_svg_format(double v, int decimals, sf_svg_label *out)
{
    double av = fabs(v);
    if (av == 0.0 || (av >= 1e-3 && av < 1e5)) {
        memset(out, 0, sizeof *out);
        fixed(out->text, sizeof out->text, v, decimals >= 0 ? decimals : shortest_decimals(v, 6));
    } else {
        label_sci(v, out);
    }
}

double sf_svg_label_width(const sf_svg_label *l, double fs)
{
    return sf_svg_text_width(l->text, fs) + sf_svg_text_width(l->sup, 0.75 * fs);
}

void sf_svg_label_draw(sf_svg_doc *s, double x, double y, double fs, const char *anchor,
                       const sf_svg_label *l)
{
    text_open(s, x, y, fs, anchor, NULL);
    sf_svg_printf(s, ">");
    sf_svg_escape(s, l->text);
    if (l->sup[0]) {
        /* A raised, smaller exponent; dy in user units, not em, so every
         * renderer shifts it the same. */
        sf_svg_printf(s, "<tspan dy=\"");
        sf_svg_num(s, -0.4 * fs);
        sf_svg_printf(s, "\" font-size=\"");
        sf_svg_num(s, 0.75 * fs);
        sf_svg_printf(s, "\">");
        sf_svg_escape(s, l->sup);
        sf_svg_printf(s, "</tspan>");
    }
    sf_svg_printf(s, "</text>\n");
}

/* ---- axes -------------------------------------------------------------------- */

void sf_svg_axis_prepare(sf_svg_axis *a)
{
    double t1 = a->log ? log10(a->hi) : a->hi;
    a->t0 = a->log ? log10(a->lo) : a->lo;
    a->k = (a->p1 - a->p0) / (t1 - a->t0);
    if (!isfinite(a->k)) a->k = 0.0;
}

double sf_svg_map(const sf_svg_axis *a, double v)
{
    if (a->k != 0.0) return a->p0 + ((a->log ? log10(v) : v) - a->t0) * a->k;
    double t;
    if (a->log) t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    else t = (v - a->lo) / (a->hi - a->lo);
    return a->p0 + t * (a->p1 - a->p0);
}

static double label_half(const sf_svg_label *l, int vertical, double fs)
{
    if (vertical) return l->sup[0] ? 0.8 * fs : 0.6 * fs;
    return 0.5 * sf_svg_label_width(l, fs);
}

/* Do the labelled ticks leave a gap between neighbours?  Ticks are in value
 * order, so pixels are monotonic. */
static int labels_fit(const sf_svg_axis *a, int vertical, double fs, const sf_svg_ticks *t)
{
    double gap = vertical ? 0.25 * fs : 0.5 * fs;
    int have = 0;
    double prev = 0.0, prev_half = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->t[i].labelled) continue;
        double pos = sf_svg_map(a, t->t[i].v);
        double half = label_half(&t->t[i].label, vertical, fs);
        if (have && fabs(pos - prev) < prev_half + half + gap) return 0;
        have = 1;
        prev = pos;
        prev_half = half;
    }
    return 1;
}

static size_t count_labels(const sf_svg_ticks *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) k += t->t[i].labelled != 0;
    return k;
}

static void add_tick(sf_svg_ticks *t, double v, int major, int labelled)
{
    if (t->n >= SF_SVG_MAX_TICKS) return;
    sf_svg_tick *k = &t->t[t->n++];
    memset(k, 0, sizeof *k);
    k->v = v;
    k->major = major;
    k->labelled = labelled;
}

/* v in [lo, hi] up to 1e-9 of the span (of the log span for log axes). */
static int inside(double v, double lo, double hi)
{
    double tol = 1e-9 * (hi - lo);
    return v >= lo - tol && v <= hi + tol;
}

static int inside_log(double v, double lo, double hi)
{
    double tol = 1e-9 * log(hi / lo);
    return v > 0 && log(v / lo) >= -tol && log(hi / v) >= -tol;
}

/* Label every labelled tick; plain numbers when all of them are between
 * 1e-3 and 1e5, else m×10^k for all, so an axis never mixes styles. */
static void label_all(sf_svg_ticks *t, int decimals)
{
    int sci = 0;
    for (size_t i = 0; i < t->n; i++) {
        double av = fabs(t->t[i].v);
        if (t->t[i].labelled && av != 0.0 && (av < 1e-3 || av >= 1e5)) sci = 1;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (!t->t[i].labelled) continue;
        if (sci) label_sci(t->t[i].v, &t->t[i].label);
        else sf_svg_format(t->t[i].v, decimals, &t->t[i].label);
    }
}

static double nice_step(double x)
{
    double e = floor(log10(x));
    double f = x / pow(10.0, e);
    double n = f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0;
    return n * pow(10.0, e);
}

/* Evenly spaced ticks k*step in [lo, hi] (of a log axis when log), those
 * with k a multiple of `every` labelled and major, the others minor; 0
 * when there are more than SF_SVG_MAX_TICKS. */
static int even_ticks(sf_svg_ticks *t, double lo, double hi, double step, int every, int log)
{
    t->n = 0;
    double k0 = ceil(lo / step - 1e-9), k1 = floor(hi / step + 1e-9);
    /* Beyond 2^53 consecutive multiples are not distinct doubles: a step
     * that small next to the values cannot label them anyway. */
    if (!(k1 - k0 < SF_SVG_MAX_TICKS - 1) || !(fabs(k0) < 1e15 && fabs(k1) < 1e15)) return 0;
    for (int i = 0; i <= (int)(k1 - k0); i++) {
        double v = (k0 + i) * step;
        if (fabs(v) < 1e-12 * step) v = 0.0;
        int lab = fmod(k0 + i, every) == 0.0;
        if (log ? inside_log(v, lo, hi) : inside(v, lo, hi)) add_tick(t, v, lab, lab);
    }
    return 1;
}

static int step_decimals(double step)
{
    int d = -(int)floor(log10(step) + 1e-9);
    return d < 0 ? 0 : d;
}

/* Evenly spaced ticks, steps of 1, 2 or 5 times a power of ten: the most
 * labels that fit, up to about one per 55 px (4 to 8) along a horizontal
 * axis, one per 32 px (3 to 10) along a vertical one.  Returns the labels
 * placed (0: nothing fits; *out is then empty). */
static size_t even_best(const sf_svg_axis *a, int vertical, double fs, sf_svg_ticks *out)
{
    double lo = fmin(a->lo, a->hi), hi = fmax(a->lo, a->hi);
    double len = fabs(a->p1 - a->p0);
    size_t cap = (size_t)(len / (vertical ? 32.0 : 55.0));
    size_t cmin = vertical ? 3 : 4, cmax = vertical ? 10 : 8;
    if (cap > cmax) cap = cmax;
    if (cap < cmin) cap = cmin;
    size_t best = 0;
    out->n = 0;
    sf_svg_ticks t;
    for (int tg = 1; tg <= 16; tg++) {
        double step = nice_step((hi - lo) / tg);
        /* Every tick labelled, or every 2nd or 5th when they would touch
         * (the unlabelled ones stay as minor ticks). */
        static const int every[3] = {1, 2, 5};
        for (int e = 0; e < 3; e++) {
            if (!even_ticks(&t, lo, hi, step, every[e], a->log)) continue;
            label_all(&t, step_decimals(step * every[e]));
            size_t k = count_labels(&t);
            if (k > best && k <= cap && labels_fit(a, vertical, fs, &t)) {
                best = k;
                *out = t;
            }
        }
    }
    return best;
}

static void linear_ticks(const sf_svg_axis *a, int vertical, double fs, sf_svg_ticks *out)
{
    if (even_best(a, vertical, fs, out) > 0) return;
    /* Nothing fits (a tiny axis): ticks at the ends, the lower labelled. */
    out->n = 0;
    add_tick(out, fmin(a->lo, a->hi), 1, 1);
    add_tick(out, fmax(a->lo, a->hi), 1, 0);
    label_all(out, -1);
}

/* Three decades or more: label 10^k; every s-th decade when they would
 * touch.  With very many decades only the labelled ones get ticks, so the
 * list stays within SF_SVG_MAX_TICKS. */
static void log_ticks_decades(const sf_svg_axis *a, int vertical, double fs, double lo, double hi,
                              sf_svg_ticks *out)
{
    double l0 = log10(lo), l1 = log10(hi);
    double ppd = fabs(a->p1 - a->p0) / (l1 - l0); /* pixels per decade */
    int k0 = (int)floor(l0), k1 = (int)ceil(l1);
    static const int strides[] = {1, 2, 3, 4, 5, 10, 20, 50, 100, 200};
    int ndec = k1 - k0 + 1;
    int minors = ppd >= 30.0 && ndec * 9 < SF_SVG_MAX_TICKS;
    for (size_t si = 0; si < sizeof strides / sizeof strides[0]; si++) {
        int st = strides[si];
        int every = ndec > SF_SVG_MAX_TICKS / 2 ? st : 1;
        if (ndec / every >= SF_SVG_MAX_TICKS) continue;
        out->n = 0;
        for (int k = k0; k <= k1; k++) {
            double v = pow(10.0, k);
            if (inside_log(v, lo, hi) && ((k % every) + every) % every == 0)
                add_tick(out, v, 1, ((k % st) + st) % st == 0);
            if (!minors) continue;
            for (int m = 2; m <= 9; m++)
                if (inside_log(m * v, lo, hi)) add_tick(out, m * v, 0, 0);
        }
        label_all(out, -1);
        if (count_labels(out) > 0 && labels_fit(a, vertical, fs, out)) return;
    }
    /* Even the sparsest labels touch (a very short axis): label the
     * lowest decade only. */
    int first = 1;
    for (size_t i = 0; i < out->n; i++) {
        out->t[i].labelled = first && out->t[i].major;
        if (out->t[i].labelled) first = 0;
    }
    label_all(out, -1);
}

/* Under three decades (or fewer than three powers of ten inside). */
static void log_ticks_mantissas(const sf_svg_axis *a, int vertical, double fs, double lo,
                                double hi, sf_svg_ticks *out)
{
    double l0 = log10(lo), l1 = log10(hi);
    int k0 = (int)floor(l0), k1 = (int)ceil(l1);
    /* Under three decades: label mantissas too, from the finest set that
     * fits; sets[i] lists the mantissas labelled.  Over more than one
     * decade 1, 2, 5 at most, which reads better than a crowd of 3s. */
    static const int sets[][10] = {
        {1, 2, 3, 4, 5, 6, 7, 8, 9, 0}, {1, 2, 3, 5, 0}, {1, 2, 5, 0}, {1, 3, 0}, {1, 0}};
    sf_svg_ticks best;
    best.n = 0;
    size_t best_labels = 0;
    for (size_t si = l1 - l0 > 1.0 ? 2 : 0; si < sizeof sets / sizeof sets[0]; si++) {
        out->n = 0;
        for (int k = k0; k <= k1; k++) {
            double v = pow(10.0, k);
            for (int m = 1; m <= 9; m++) {
                if (!inside_log(m * v, lo, hi)) continue;
                int lab = 0;
                for (const int *q = sets[si]; *q; q++) lab |= *q == m;
                add_tick(out, m * v, m == 1, lab);
            }
        }
        label_all(out, -1);
        if (labels_fit(a, vertical, fs, out)) {
            best = *out;
            best_labels = count_labels(out);
            break;
        }
    }
    if (best_labels >= 3 && l1 - l0 >= 1.0) {
        *out = best;
        return;
    }
    /* A narrow range (loss from 2.1 to 3.4): evenly spaced values may label
     * it better; they go at their true places on the log scale. */
    sf_svg_ticks even;
    if (even_best(a, vertical, fs, &even) > best_labels) {
        *out = even;
        return;
    }
    *out = best;
    if (best_labels == 0) {
        /* Nothing at all fits: one label at the lower end. */
        out->n = 0;
        add_tick(out, lo, 1, 1);
        label_all(out, -1);
    }
}

static void log_ticks(const sf_svg_axis *a, int vertical, double fs, sf_svg_ticks *out)
{
    double lo = fmin(a->lo, a->hi), hi = fmax(a->lo, a->hi);
    double l0 = log10(lo), l1 = log10(hi);
    int k0 = (int)floor(l0), k1 = (int)ceil(l1);
    int decades = 0;
    for (int k = k0; k <= k1; k++) decades += inside_log(pow(10.0, k), lo, hi);
    if (l1 - l0 >= 3.0 && decades >= 3) log_ticks_decades(a, vertical, fs, lo, hi, out);
    else log_ticks_mantissas(a, vertical, fs, lo, hi, out);
}

void sf_svg_axis_ticks(const sf_svg_axis *a, int vertical, double fs, sf_svg_ticks *out)
{
    out->n = 0;
    if (!(a->hi != a->lo) || !isfinite(a->lo) || !isfinite(a->hi)) return;
    if (a->log) log_ticks(a, vertical, fs, out);
    else linear_ticks(a, vertical, fs, out);
}

void sf_svg_range_init(sf_svg_range *r)
{
    r->lo = INFINITY;
    r->hi = -INFINITY;
    r->n = 0;
}

void sf_svg_range_add(sf_svg_range *r, double v, int log)
{
    if (!isfinite(v) || (log && !(v > 0))) return;
    if (v < r->lo) r->lo = v;
    if (v > r->hi) r->hi = v;
    r->n++;
}

void sf_svg_range_add_all(sf_svg_range *r, const double *v, size_t n, int log)
{
    for (size_t i = 0; v && i < n; i++) sf_svg_range_add(r, v[i], log);
}

void sf_svg_range_get(const sf_svg_range *r, int log, double pad, double *lo, double *hi)
{
    if (r->n == 0) {
        *lo = log ? 1.0 : 0.0;
        *hi = log ? 10.0 : 1.0;
        return;
    }
    if (log) {
        double a = log10(r->lo), b = log10(r->hi);
        if (b - a < 1e-9 * (1.0 + fabs(a))) {
            a -= 0.15;
            b += 0.15;
        }
        double d = (b - a) * pad;
        *lo = pow(10.0, a - d);
        *hi = pow(10.0, b + d);
    } else {
        double a = r->lo, b = r->hi;
        if (b - a <= 1e-12 * (fabs(a) + fabs(b))) {
            double d = a == 0.0 ? 1.0 : 0.1 * fabs(a);
            a -= d;
            b += d;
        }
        double d = (b - a) * pad;
        *lo = a - d;
        *hi = b + d;
    }
}

/* ---- panels ------------------------------------------------------------------ */

#define TICK_MAJOR 5.0
#define TICK_MINOR 3.0
#define CELL 8.0

static double max_label_width(const sf_svg_ticks *t, double fs)
{
    double w = 0.0;
    for (size_t i = 0; i < t->n; i++)
        if (t->t[i].labelled) w = fmax(w, sf_svg_label_width(&t->t[i].label, fs));
    return w;
}

double sf_svg_y_margin(double lo, double hi, int log, double y0, double y1)
{
    sf_svg_axis a = {.lo = lo, .hi = hi, .log = log, .p0 = y1, .p1 = y0};
    sf_svg_ticks t;
    sf_svg_axis_ticks(&a, 1, SF_SVG_FS_TICK, &t);
    return TICK_MAJOR + 3.0 + max_label_width(&t, SF_SVG_FS_TICK) + 8.0 + SF_SVG_FS_AXIS + 6.0;
}

double sf_svg_x_margin(void)
{
    return TICK_MAJOR + 3.0 + SF_SVG_FS_TICK + 8.0 + SF_SVG_FS_AXIS + 6.0;
}

void sf_svg_panel_init(sf_svg_doc *s, sf_svg_panel *p, double x0, double y0, double x1, double y1,
                       double xlo, double xhi, int xlog, double ylo, double yhi, int ylog)
{
    memset(p, 0, sizeof *p);
    p->x0 = x0;
    p->y0 = y0;
    p->x1 = x1;
    p->y1 = y1;
    p->x = (sf_svg_axis){.lo = xlo, .hi = xhi, .log = xlog, .p0 = x0, .p1 = x1};
    p->y = (sf_svg_axis){.lo = ylo, .hi = yhi, .log = ylog, .p0 = y1, .p1 = y0};
    sf_svg_axis_prepare(&p->x);
    sf_svg_axis_prepare(&p->y);
    snprintf(p->clip, sizeof p->clip, "%s-clip%d", s->id, s->next_id++);
    sf_svg_printf(s, "<defs><clipPath id=\"%s\"><rect x=\"", p->clip);
    sf_svg_num(s, x0);
    sf_svg_printf(s, "\" y=\"");
    sf_svg_num(s, y0);
    sf_svg_printf(s, "\" width=\"");
    sf_svg_num(s, x1 - x0);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, y1 - y0);
    sf_svg_printf(s, "\"/></clipPath></defs>\n");
    p->ocols = (int)ceil((x1 - x0) / CELL);
    p->orows = (int)ceil((y1 - y0) / CELL);
    if (p->ocols < 1) p->ocols = 1;
    if (p->orows < 1) p->orows = 1;
    p->occ = calloc((size_t)p->ocols * (size_t)p->orows, 1);
    if (!p->occ) s->bad = 1;
}

void sf_svg_panel_free(sf_svg_panel *p)
{
    free(p->occ);
    p->occ = NULL;
}

double sf_svg_px(const sf_svg_panel *p, double x) { return sf_svg_map(&p->x, x); }
double sf_svg_py(const sf_svg_panel *p, double y) { return sf_svg_map(&p->y, y); }

static int shown(const sf_svg_axis *a, double v) { return isfinite(v) && (!a->log || v > 0); }

void sf_svg_occupy(sf_svg_panel *p, double x0, double y0, double x1, double y1)
{
    if (!p->occ) return;
    int c0 = (int)floor((fmin(x0, x1) - p->x0) / CELL),
        c1 = (int)floor((fmax(x0, x1) - p->x0) / CELL);
    int r0 = (int)floor((fmin(y0, y1) - p->y0) / CELL),
        r1 = (int)floor((fmax(y0, y1) - p->y0) / CELL);
    if (c1 < 0 || r1 < 0 || c0 >= p->ocols || r0 >= p->orows) return;
    if (c0 < 0) c0 = 0;
    if (r0 < 0) r0 = 0;
    if (c1 >= p->ocols) c1 = p->ocols - 1;
    if (r1 >= p->orows) r1 = p->orows - 1;
    for (int r = r0; r <= r1; r++)
        for (int c = c0; c <= c1; c++) p->occ[(size_t)r * (size_t)p->ocols + (size_t)c] = 1;
}

static void occupy_segment(sf_svg_panel *p, double xa, double ya, double xb, double yb)
{
    if (!p->occ) return;
    double len = fabs(xb - xa) + fabs(yb - ya);
    if (!(len < 1e5)) return;
    int steps = (int)(len / (CELL / 2)) + 1;
    for (int k = 0; k <= steps; k++) {
        double t = (double)k / steps;
        int c = (int)floor((xa + t * (xb - xa) - p->x0) / CELL);
        int r = (int)floor((ya + t * (yb - ya) - p->y0) / CELL);
        if (c >= 0 && r >= 0 && c < p->ocols && r < p->orows)
            p->occ[(size_t)r * (size_t)p->ocols + (size_t)c] = 1;
    }
}

void sf_svg_clip_begin(sf_svg_doc *s, const sf_svg_panel *p)
{
    sf_svg_printf(s, "<g clip-path=\"url(#%s)\">\n", p->clip);
}

void sf_svg_clip_end(sf_svg_doc *s) { sf_svg_printf(s, "</g>\n"); }

/* "<line x1 y1 x2 y2" with the attributes `more` (may be NULL) and "/>". */
static void line_px(sf_svg_doc *s, double x1, double y1, double x2, double y2, const char *more)
{
    sf_svg_printf(s, "<line x1=\"");
    sf_svg_num(s, x1);
    sf_svg_printf(s, "\" y1=\"");
    sf_svg_num(s, y1);
    sf_svg_printf(s, "\" x2=\"");
    sf_svg_num(s, x2);
    sf_svg_printf(s, "\" y2=\"");
    sf_svg_num(s, y2);
    sf_svg_printf(s, "\"%s/>\n", more ? more : "");
}

void sf_svg_panel_axes(sf_svg_doc *s, sf_svg_panel *p, const char *xtitle, const char *ytitle,
                       int xlabels)
{
    sf_svg_ticks tx, ty;
    sf_svg_axis_ticks(&p->x, 0, SF_SVG_FS_TICK, &tx);
    sf_svg_axis_ticks(&p->y, 1, SF_SVG_FS_TICK, &ty);
    /* Grid lines at major ticks, under everything. */
    sf_svg_printf(s, "<g stroke=\"%s\" stroke-width=\"1\">\n", GRID);
    for (size_t i = 0; i < tx.n; i++)
        if (tx.t[i].major) {
            double x = sf_svg_px(p, tx.t[i].v);
            line_px(s, x, p->y0, x, p->y1, NULL);
        }
    for (size_t i = 0; i < ty.n; i++)
        if (ty.t[i].major) {
            double y = sf_svg_py(p, ty.t[i].v);
            line_px(s, p->x0, y, p->x1, y, NULL);
        }
    sf_svg_printf(s, "</g>\n");
    /* Ticks outside the frame, so they never hide data. */
    sf_svg_printf(s, "<g stroke=\"%s\" stroke-width=\"1\">\n", INK);
    for (size_t i = 0; i < tx.n; i++) {
        double x = sf_svg_px(p, tx.t[i].v);
        line_px(s, x, p->y1, x, p->y1 + (tx.t[i].major ? TICK_MAJOR : TICK_MINOR), NULL);
    }
    for (size_t i = 0; i < ty.n; i++) {
        double y = sf_svg_py(p, ty.t[i].v);
        line_px(s, p->x0 - (ty.t[i].major ? TICK_MAJOR : TICK_MINOR), y, p->x0, y, NULL);
    }
    sf_svg_printf(s, "</g>\n<rect x=\"");
    sf_svg_num(s, p->x0);
    sf_svg_printf(s, "\" y=\"");
    sf_svg_num(s, p->y0);
    sf_svg_printf(s, "\" width=\"");
    sf_svg_num(s, p->x1 - p->x0);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, p->y1 - p->y0);
    sf_svg_printf(s, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1\"/>\n", INK);
    if (xlabels) {
        double base = p->y1 + TICK_MAJOR + 3.0 + SF_SVG_FS_TICK;
        for (size_t i = 0; i < tx.n; i++)
            if (tx.t[i].labelled)
                sf_svg_label_draw(s, sf_svg_px(p, tx.t[i].v), base, SF_SVG_FS_TICK, "middle",
                                  &tx.t[i].label);
        if (xtitle)
            sf_svg_text(s, 0.5 * (p->x0 + p->x1), base + 8.0 + SF_SVG_FS_AXIS, SF_SVG_FS_AXIS,
                        "middle", 0.0, NULL, NULL, xtitle);
    }
    double lx = p->x0 - TICK_MAJOR - 3.0;
    for (size_t i = 0; i < ty.n; i++)
        if (ty.t[i].labelled)
            sf_svg_label_draw(s, lx, sf_svg_py(p, ty.t[i].v) + 0.36 * SF_SVG_FS_TICK,
                              SF_SVG_FS_TICK, "end", &ty.t[i].label);
    if (ytitle) {
        double x = lx - max_label_width(&ty, SF_SVG_FS_TICK) - 8.0;
        sf_svg_text(s, x, 0.5 * (p->y0 + p->y1), SF_SVG_FS_AXIS, "middle", -90.0, NULL, NULL,
                    ytitle);
    }
}

/* ---- data marks ---------------------------------------------------------------- */

static void attr_num(sf_svg_doc *s, const char *name, double v)
{
    sf_svg_printf(s, " %s=\"", name);
    sf_svg_num(s, v);
    sf_svg_printf(s, "\"");
}

/* One path command and its point: "M x y", " L x y". */
static void path_to(sf_svg_doc *s, const char *cmd, double x, double y)
{
    sf_svg_printf(s, "%s", cmd);
    sf_svg_num(s, x);
    sf_svg_printf(s, " ");
    sf_svg_num(s, y);
}

void sf_svg_line(sf_svg_doc *s, sf_svg_panel *p, const double *x, const double *y, size_t n,
                 const char *color, double width, const char *dash, double opacity)
{
    int open = 0, pen = 0;
    double lx = 0.0, ly = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!shown(&p->x, x[i]) || !shown(&p->y, y[i])) {
            pen = 0;
            continue;
        }
        double px = sf_svg_px(p, x[i]), py = sf_svg_py(p, y[i]);
        if (!open) {
            sf_svg_printf(s, "<path fill=\"none\" stroke=\"%s\"", color);
            attr_num(s, "stroke-width", width);
            if (dash) sf_svg_printf(s, " stroke-dasharray=\"%s\"", dash);
            if (opacity < 1.0) attr_num(s, "stroke-opacity", opacity);
            sf_svg_printf(s, " stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"");
            open = 1;
        }
        path_to(s, pen ? " L" : " M", px, py);
        if (pen) occupy_segment(p, lx, ly, px, py);
        pen = 1;
        lx = px;
        ly = py;
    }
    if (open) sf_svg_printf(s, "\"/>\n");
}

/* A marker centred on pixel (px, py). */
static void marker_px(sf_svg_doc *s, double px, double py, sf_svg_shape shape, double r,
                      const char *fill, const char *stroke, double stroke_width, double opacity)
{
    switch (shape) {
    case SF_SVG_NONE: return;
    case SF_SVG_CIRCLE:
        sf_svg_printf(s, "<circle");
        attr_num(s, "cx", px);
        attr_num(s, "cy", py);
        attr_num(s, "r", r);
        break;
    case SF_SVG_SQUARE:
        sf_svg_printf(s, "<rect");
        attr_num(s, "x", px - 0.886 * r);
        attr_num(s, "y", py - 0.886 * r);
        attr_num(s, "width", 1.772 * r);
        attr_num(s, "height", 1.772 * r);
        break;
    default: {
        /* Diamond, triangle and cross as paths around (px, py). */
        sf_svg_printf(s, "<path d=\"");
        if (shape == SF_SVG_DIAMOND) {
            double q = 1.25 * r;
            path_to(s, "M", px, py - q);
            path_to(s, " L", px + q, py);
            path_to(s, " L", px, py + q);
            path_to(s, " L", px - q, py);
            sf_svg_printf(s, " Z");
        } else if (shape == SF_SVG_TRIANGLE) {
            double q = 1.3 * r;
            path_to(s, "M", px, py - q);
            path_to(s, " L", px + 0.866 * q, py + 0.5 * q);
            path_to(s, " L", px - 0.866 * q, py + 0.5 * q);
            sf_svg_printf(s, " Z");
        } else {
            double q = 1.1 * r;
            path_to(s, "M", px - q, py - q);
            path_to(s, " L", px + q, py + q);
            path_to(s, " M", px - q, py + q);
            path_to(s, " L", px + q, py - q);
            /* A cross has no inside: its colour is the stroke. */
            sf_svg_printf(s, "\" fill=\"none\" stroke=\"%s\"", fill);
            attr_num(s, "stroke-width", stroke_width > 0 ? stroke_width : 2.0);
            if (opacity < 1.0) attr_num(s, "opacity", opacity);
            sf_svg_printf(s, "/>\n");
            return;
        }
        sf_svg_printf(s, "\"");
        break;
    }
    }
    sf_svg_printf(s, " fill=\"%s\"", fill);
    if (stroke) {
        sf_svg_printf(s, " stroke=\"%s\"", stroke);
        attr_num(s, "stroke-width", stroke_width);
    }
    if (opacity < 1.0) attr_num(s, "opacity", opacity);
    sf_svg_printf(s, "/>\n");
}

void sf_svg_marker(sf_svg_doc *s, sf_svg_panel *p, double x, double y, sf_svg_shape shape, double r,
                   const char *fill, const char *stroke, double stroke_width, double opacity)
{
    if (!shown(&p->x, x) || !shown(&p->y, y) || shape == SF_SVG_NONE) return;
    double px = sf_svg_px(p, x), py = sf_svg_py(p, y);
    if (px < -1e4 || px > 1e4 || py < -1e4 || py > 1e4) return;
    sf_svg_occupy(p, px - r, py - r, px + r, py + r);
    marker_px(s, px, py, shape, r, fill, stroke, stroke_width, opacity);
}

void sf_svg_band(sf_svg_doc *s, sf_svg_panel *p, const double *x, const double *lo,
                 const double *hi, size_t n, const char *color, double opacity)
{
    /* One polygon per run of points where both edges can be drawn. */
    size_t i = 0;
    while (i < n) {
        while (i < n && !(shown(&p->x, x[i]) && shown(&p->y, lo[i]) && shown(&p->y, hi[i]))) i++;
        size_t j = i;
        while (j < n && shown(&p->x, x[j]) && shown(&p->y, lo[j]) && shown(&p->y, hi[j])) j++;
        if (j - i >= 2) {
            sf_svg_printf(s, "<path fill=\"%s\"", color);
            attr_num(s, "fill-opacity", opacity);
            sf_svg_printf(s, " stroke=\"none\" d=\"");
            for (size_t k = i; k < j; k++) {
                path_to(s, k == i ? "M" : " L", sf_svg_px(p, x[k]), sf_svg_py(p, hi[k]));
            }
            for (size_t k = j; k-- > i;) {
                path_to(s, " L", sf_svg_px(p, x[k]), sf_svg_py(p, lo[k]));
            }
            sf_svg_printf(s, " Z\"/>\n");
            for (size_t k = i; k + 1 < j; k++) {
                occupy_segment(p, sf_svg_px(p, x[k]), sf_svg_py(p, hi[k]), sf_svg_px(p, x[k + 1]),
                               sf_svg_py(p, hi[k + 1]));
                occupy_segment(p, sf_svg_px(p, x[k]), sf_svg_py(p, lo[k]), sf_svg_px(p, x[k + 1]),
                               sf_svg_py(p, lo[k + 1]));
            }
        }
        i = j;
    }
}

void sf_svg_errbar(sf_svg_doc *s, sf_svg_panel *p, double x, double y, double lo, double hi,
                   int horizontal, const char *color)
{
    double xs[2], ys[2];
    if (horizontal) {
        xs[0] = lo;
        xs[1] = hi;
        ys[0] = ys[1] = y;
    } else {
        xs[0] = xs[1] = x;
        ys[0] = lo;
        ys[1] = hi;
    }
    sf_svg_line(s, p, xs, ys, 2, color, 1.3, NULL, 1.0);
}

void sf_svg_rule(sf_svg_doc *s, sf_svg_panel *p, double v, int vertical, const char *color,
                 const char *dash)
{
    if (vertical) {
        double xs[2] = {v, v}, ys[2] = {p->y.lo, p->y.hi};
        sf_svg_line(s, p, xs, ys, 2, color, 1.0, dash, 1.0);
    } else {
        double xs[2] = {p->x.lo, p->x.hi}, ys[2] = {v, v};
        sf_svg_line(s, p, xs, ys, 2, color, 1.0, dash, 1.0);
    }
}

/* ---- legend, colour bar, title -------------------------------------------------- */

#define LEG_ROW 18.0
#define LEG_SAMPLE 26.0

static size_t covered(const sf_svg_panel *p, double x0, double y0, double x1, double y1)
{
    if (!p->occ) return 0;
    size_t k = 0;
    int c0 = (int)floor((x0 - p->x0) / CELL), c1 = (int)floor((x1 - p->x0) / CELL);
    int r0 = (int)floor((y0 - p->y0) / CELL), r1 = (int)floor((y1 - p->y0) / CELL);
    for (int r = r0 < 0 ? 0 : r0; r <= r1 && r < p->orows; r++)
        for (int c = c0 < 0 ? 0 : c0; c <= c1 && c < p->ocols; c++)
            k += p->occ[(size_t)r * (size_t)p->ocols + (size_t)c];
    return k;
}

void sf_svg_legend_size(const sf_svg_legend_item *items, size_t n, double *w, double *h)
{
    double tw = 0.0;
    for (size_t i = 0; i < n; i++) tw = fmax(tw, sf_svg_text_width(items[i].text, SF_SVG_FS_NOTE));
    *w = 8.0 + LEG_SAMPLE + 8.0 + tw + 8.0;
    *h = 6.0 + LEG_ROW * (double)n + 4.0;
}

void sf_svg_corner(const sf_svg_panel *p, double w, double h, double *x, double *y)
{
    /* Corners: top right, top left, bottom right, bottom left. */
    double inset = 6.0;
    double cx[4] = {p->x1 - inset - w, p->x0 + inset, p->x1 - inset - w, p->x0 + inset};
    double cy[4] = {p->y0 + inset, p->y0 + inset, p->y1 - inset - h, p->y1 - inset - h};
    size_t best = 0, best_cover = (size_t)-1;
    for (size_t k = 0; k < 4; k++) {
        size_t c = covered(p, cx[k], cy[k], cx[k] + w, cy[k] + h);
        if (c < best_cover) {
            best_cover = c;
            best = k;
        }
    }
    *x = cx[best];
    *y = cy[best];
}

void sf_svg_legend(sf_svg_doc *s, sf_svg_panel *p, const sf_svg_legend_item *items, size_t n)
{
    if (n == 0) return;
    double w, h, x, y;
    sf_svg_legend_size(items, n, &w, &h);
    sf_svg_corner(p, w, h, &x, &y);
    sf_svg_legend_at(s, x, y, items, n);
}

/* One legend entry: its sample from sx, centred on ry, then its text. */
static void legend_entry(sf_svg_doc *s, double sx, double ry, const sf_svg_legend_item *it)
{
    if (it->band_opacity > 0) {
        sf_svg_printf(s, "<rect");
        attr_num(s, "x", sx);
        attr_num(s, "y", ry - 6.0);
        attr_num(s, "width", LEG_SAMPLE);
        attr_num(s, "height", 12.0);
        sf_svg_printf(s, " fill=\"%s\"", it->color);
        attr_num(s, "fill-opacity", it->band_opacity);
        sf_svg_printf(s, "/>\n");
    }
    if (it->line_width > 0) {
        char more[160], lw[16];
        sf_svg_fixed(lw, sizeof lw, it->line_width, 1, "-");
        snprintf(more, sizeof more, " stroke=\"%s\" stroke-width=\"%s\"%s%s%s", it->color, lw,
                 it->dash ? " stroke-dasharray=\"" : "", it->dash ? it->dash : "",
                 it->dash ? "\"" : "");
        line_px(s, sx, ry, sx + LEG_SAMPLE, ry, more);
    }
    if (it->shape != SF_SVG_NONE) {
        marker_px(s, sx + 0.5 * LEG_SAMPLE, ry, it->shape, 4.0,
                  it->hollow ? "#ffffff" : it->color, it->hollow ? it->color : "#ffffff",
                  it->hollow ? 1.5 : 0.6, 1.0);
    }
    sf_svg_text(s, sx + LEG_SAMPLE + 8.0, ry + 0.36 * SF_SVG_FS_NOTE, SF_SVG_FS_NOTE, "start", 0.0,
                NULL, NULL, it->text);
}

void sf_svg_legend_at(sf_svg_doc *s, double x, double y, const sf_svg_legend_item *items, size_t n)
{
    if (n == 0) return;
    double w, h;
    sf_svg_legend_size(items, n, &w, &h);
    sf_svg_printf(s, "<g>\n<rect");
    attr_num(s, "x", x);
    attr_num(s, "y", y);
    attr_num(s, "width", w);
    attr_num(s, "height", h);
    sf_svg_printf(s, " rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#bbbbbb\"/>\n");
    for (size_t i = 0; i < n; i++)
        legend_entry(s, x + 8.0, y + 6.0 + LEG_ROW * ((double)i + 0.5), &items[i]);
    sf_svg_printf(s, "</g>\n");
}

/* Entries of a legend row are this far apart. */
#define LEG_GAP 18.0

double sf_svg_legend_row_width(const sf_svg_legend_item *items, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++)
        w += (i ? LEG_GAP : 0.0) + LEG_SAMPLE + 8.0 +
             sf_svg_text_width(items[i].text, SF_SVG_FS_NOTE);
    return w;
}

void sf_svg_legend_row(sf_svg_doc *s, double x, double y, const sf_svg_legend_item *items,
                       size_t n)
{
    sf_svg_printf(s, "<g>\n");
    for (size_t i = 0; i < n; i++) {
        legend_entry(s, x, y, &items[i]);
        x += LEG_SAMPLE + 8.0 + sf_svg_text_width(items[i].text, SF_SVG_FS_NOTE) + LEG_GAP;
    }
    sf_svg_printf(s, "</g>\n");
}

#define BAR_W 14.0

static void colorbar_ticks(double lo, double hi, int log, double y0, double y1, sf_svg_ticks *t)
{
    sf_svg_axis a = {.lo = lo, .hi = hi, .log = log, .p0 = y1, .p1 = y0};
    sf_svg_axis_ticks(&a, 1, SF_SVG_FS_TICK, t);
}

double sf_svg_colorbar_width(double lo, double hi, int log, double y0, double y1)
{
    sf_svg_ticks t;
    colorbar_ticks(lo, hi, log, y0, y1, &t);
    return BAR_W + TICK_MAJOR + 3.0 + max_label_width(&t, SF_SVG_FS_TICK) + 8.0 + SF_SVG_FS_AXIS;
}

double sf_svg_colorbar(sf_svg_doc *s, double x, double y0, double y1, double lo, double hi, int log,
                       const char *title)
{
    const int steps = 48;
    sf_svg_printf(s, "<g stroke=\"none\">\n");
    for (int k = 0; k < steps; k++) {
        double t = (k + 0.5) / steps;
        sf_svg_color c = sf_svg_seq(t);
        double ya = y1 - (y1 - y0) * k / steps, yb = y1 - (y1 - y0) * (k + 1) / steps;
        sf_svg_printf(s, "<rect");
        attr_num(s, "x", x);
        /* Overlap neighbours by half a pixel so no white seams show. */
        attr_num(s, "y", yb - 0.5);
        attr_num(s, "width", BAR_W);
        attr_num(s, "height", ya - yb + 1.0);
        sf_svg_printf(s, " fill=\"%s\"/>\n", c.hex);
    }
    sf_svg_printf(s, "</g>\n<rect");
    attr_num(s, "x", x);
    attr_num(s, "y", y0);
    attr_num(s, "width", BAR_W);
    attr_num(s, "height", y1 - y0);
    sf_svg_printf(s, " fill=\"none\" stroke=\"%s\" stroke-width=\"1\"/>\n", INK);
    sf_svg_ticks t;
    colorbar_ticks(lo, hi, log, y0, y1, &t);
    sf_svg_axis a = {.lo = lo, .hi = hi, .log = log, .p0 = y1, .p1 = y0};
    sf_svg_printf(s, "<g stroke=\"%s\" stroke-width=\"1\">\n", INK);
    for (size_t i = 0; i < t.n; i++) {
        double y = sf_svg_map(&a, t.t[i].v);
        line_px(s, x + BAR_W, y, x + BAR_W + (t.t[i].major ? TICK_MAJOR : TICK_MINOR), y, NULL);
    }
    sf_svg_printf(s, "</g>\n");
    double lx = x + BAR_W + TICK_MAJOR + 3.0;
    for (size_t i = 0; i < t.n; i++)
        if (t.t[i].labelled)
            sf_svg_label_draw(s, lx, sf_svg_map(&a, t.t[i].v) + 0.36 * SF_SVG_FS_TICK,
                              SF_SVG_FS_TICK, "start", &t.t[i].label);
    double w = sf_svg_colorbar_width(lo, hi, log, y0, y1);
    if (title)
        sf_svg_text(s, x + w - 3.0, 0.5 * (y0 + y1), SF_SVG_FS_AXIS, "middle", -90.0, NULL, NULL,
                    title);
    return w;
}

/* Copy of text cut to fit width, with an ellipsis. */
static void fit_text(char *out, size_t size, const char *text, double fs, double width)
{
    sf_strlcpy(out, text ? text : "", size);
    size_t len = strlen(out);
    if (sf_svg_text_width(out, fs) <= width) return;
    while (len > 0) {
        /* Step back over one UTF-8 character. */
        do len--;
        while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80);
        if (len + 4 > size) continue;
        memcpy(out + len, "\xE2\x80\xA6", 4);
        if (sf_svg_text_width(out, fs) <= width) return;
    }
}

void sf_svg_title(sf_svg_doc *s, const char *title, const char *subtitle)
{
    char buf[512];
    if (title) {
        fit_text(buf, sizeof buf, title, SF_SVG_FS_TITLE, s->w - 24.0);
        sf_svg_text(s, 12.0, 21.0, SF_SVG_FS_TITLE, "start", 0.0, "bold", NULL, buf);
    }
    if (subtitle) {
        fit_text(buf, sizeof buf, subtitle, SF_SVG_FS_NOTE, s->w - 24.0);
        sf_svg_text(s, 12.0, 39.0, SF_SVG_FS_NOTE, "start", 0.0, NULL, SUBTLE, buf);
    }
}

/* ---- palettes ------------------------------------------------------------------ */

const char *sf_svg_okabe(size_t k)
{
    /* Okabe & Ito (2008), "Color Universal Design": blue, vermillion,
     * bluish green, reddish purple, orange, sky blue, black.  Yellow is
     * left out: it vanishes on white. */
    static const char *const c[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000"};
    return c[k % (sizeof c / sizeof c[0])];
}

sf_svg_color sf_svg_seq(double t)
{
    /* viridis sampled at 0, 1/8, ..., 1 (matplotlib's colormap, CC0),
     * interpolated linearly in sRGB; t is mapped onto [0, 0.88] so the
     * palest yellow is never used. */
    static const unsigned char v[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                          {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                          {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    double u = 0.88 * t * 8.0;
    int i = (int)floor(u);
    if (i > 7) i = 7;
    double f = u - i;
    sf_svg_color c;
    int rgb[3];
    for (int k = 0; k < 3; k++) rgb[k] = (int)lround((1.0 - f) * v[i][k] + f * v[i + 1][k]);
    snprintf(c.hex, sizeof c.hex, "#%02X%02X%02X", rgb[0], rgb[1], rgb[2]);
    return c;
}

double sf_svg_frac(double v, double lo, double hi, int log)
{
    double t;
    if (log) {
        if (!(v > 0 && lo > 0 && hi > 0) || hi == lo) return 0.5;
        t = (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
    } else {
        if (hi == lo) return 0.5;
        t = (v - lo) / (hi - lo);
    }
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    return t;
}
