/*
 * Reading linear in the input and one-line errors (issue 18).
 *
 * sf_data_read streams the file into typed columns; sf_data_from_table
 * reads a whole table.  Both must give the same rows and the same errors
 * (file, line, column, message), also where a line is longer than the
 * reader's 64 kB pieces.  The former quadratic cases (100,000 columns,
 * 100,000 run ids) are checked for their answers here; their times are
 * measured by `make bench` (section read), not asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "common.h"

/* Read csv both ways; assert they agree; return the status. */
static int both_ways(const char *csv, const sf_data_options *o, sf_error *err)
{
    const char *path = tmp_file("stream.csv");
    write_text(path, csv);
    sf_data *d1 = NULL, *d2 = NULL;
    sf_table *t = NULL;
    sf_error e1, e2;
    sf_error_clear(&e1);
    sf_error_clear(&e2);
    int r1 = sf_data_read(path, o, &d1, &e1);
    int r2 = sf_table_read(path, &t, &e2);
    if (r2 == SF_OK) r2 = sf_data_from_table(t, o, &d2, &e2);
    cr_assert_eq(r1, r2, "streamed %d, table %d (%s | %s)", r1, r2, e1.message, e2.message);
    if (r1 != SF_OK) {
        cr_assert_str_eq(e1.message, e2.message);
        cr_assert_eq(e1.line, e2.line, "%s", e1.message);
        cr_assert_eq(e1.column, e2.column, "%s", e1.message);
        cr_assert_str_eq(e1.file, e2.file);
    } else {
        cr_assert_eq(d1->n, d2->n);
        cr_assert_eq(d1->rows_read, d2->rows_read);
        cr_assert_eq(d1->roles, d2->roles);
        cr_assert_eq(d1->n_groups, d2->n_groups);
        for (size_t i = 0; i < d1->n; i++) {
            cr_assert_eq(d1->line[i], d2->line[i]);
            cr_assert(d1->loss[i] == d2->loss[i]);
            if (d1->N) cr_assert(d1->N[i] == d2->N[i]);
            if (d1->D) cr_assert(d1->D[i] == d2->D[i]);
            if (d1->group) cr_assert_eq(d1->group[i], d2->group[i]);
        }
        for (size_t g = 0; g < d1->n_groups; g++)
            cr_assert_str_eq(d1->group_names[g], d2->group_names[g]);
    }
    if (err) *err = e1;
    sf_table_free(t);
    sf_data_free(d1);
    sf_data_free(d2);
    return r1;
}

Test(stream, agrees_with_the_table_reader)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required |= SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    static const char *const cases[] = {
        "N,D,loss\n1e8,2e9,3.1\n2e8,2e9,3.0\n",
        "\xEF\xBB\xBFN,D,loss\r\n1e8,2e9,3.1\r\n2e8,2e9,3.0\r\n",
        "N,D,loss,note\n1e8,2e9,3.1,\"two\nlines\"\n\n2e8,2e9,3.0,x\n",
        "N,D,loss\n1e8,2e9,3.1\n2e8,2e9\n",
        "N,D,loss\n1e8,2e9,3.1,9\n",
        "N,D,loss\n1e8,2e9,abc\n",
        "N,D,loss\n1e8,2e9,\"3.1\n",
        "N,D,loss\n1e8,2e9,3\"1\n",
        "N,D,N\n1,2,3\n",
        "N,D,loss\n",
        "",
        "N,D,loss\n1e8,2e9,3.1\n1e8,\0,3\n",
        "run,N,D,loss\na,1e8,2e9,3.1\nb,2e8,2e9,3.0\na,3e8,2e9,2.9\n",
        "N,D,loss\n-1,2e9,3.1\n",
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) both_ways(cases[k], &o, NULL);
}

Test(stream, lines_longer_than_a_read_piece)
{
    /* A 200 kB quoted field with newlines, then a bad cell: the line
     * count survives the 64 kB pieces. */
    size_t big = 200000;
    char *csv = malloc(big + 200);
    cr_assert(csv);
    strcpy(csv, "N,D,loss,note\n1e8,2e9,3.1,\"");
    size_t k = strlen(csv);
    for (size_t i = 0; i < big; i++) csv[k++] = i % 50000 == 49999 ? '\n' : 'x';
    strcpy(csv + k, "\"\n2e8,2e9,3.0,a\n3e8,2e9,oops,b\n");
    sf_data_options o;
    sf_data_options_init(&o);
    sf_error err;
    cr_assert_eq(both_ways(csv, &o, &err), SF_EPARSE);
    /* Line 1 the header; the field starts on line 2 and holds 4 newlines,
     * so its row ends on line 6, the next row is line 7, the bad one 8. */
    cr_assert_eq(err.line, 8, "%ld", err.line);
    cr_assert_eq(err.column, 3);
    free(csv);
}

Test(stream, many_columns_and_many_run_ids)
{
    /* 100,000 columns, the last repeating column 6 (quadratic before). */
    size_t nc = 100000;
    char *csv = malloc(nc * 8 + 64);
    cr_assert(csv);
    size_t k = 0;
    for (size_t j = 0; j < nc; j++) k += (size_t)sprintf(csv + k, "c%zu,", j);
    k += (size_t)sprintf(csv + k, "c5\n");
    sf_error err;
    cr_assert_eq(both_ways(csv, NULL, &err), SF_EPARSE);
    cr_assert_eq(err.column, 100001);
    cr_assert(strstr(err.message, "duplicate column name 'c5' (also column 6)"), "%s",
              err.message);
    free(csv);

    /* 100,000 distinct run ids, each twice (quadratic lookup before). */
    size_t nr = 100000;
    csv = malloc(2 * nr * 48 + 64);
    cr_assert(csv);
    k = (size_t)sprintf(csv, "run,N,D,loss\n");
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nr; i++)
            k += (size_t)sprintf(csv + k, "r%zu,%zu,2e9,3.%zu\n", i, 100000000 + i, i % 10);
    sf_data_options o;
    sf_data_options_init(&o);
    o.required |= SF_ROLE_BIT(SF_ROLE_GROUP);
    const char *path = tmp_file("ids.csv");
    write_text(path, csv);
    sf_data *d;
    cr_assert_eq(sf_data_read(path, &o, &d, &err), SF_OK, "%s", err.message);
    cr_assert_eq(d->n, 2 * nr);
    cr_assert_eq(d->n_groups, nr);
    cr_assert_eq(d->group[nr + 12345], d->group[12345]);
    cr_assert_str_eq(d->group_names[d->group[12345]], "r12345");
    sf_data_free(d);
    free(csv);
}

Test(stream, a_field_of_megabytes)
{
    /* libcsv's field buffer grew 128 bytes at a time: 57 s under ASan for
     * 4 MB; geometric now. */
    size_t big = 4 << 20;
    char *csv = malloc(big + 100);
    cr_assert(csv);
    strcpy(csv, "N,D,loss,note\n1e8,2e9,3.1,\"");
    size_t k = strlen(csv);
    memset(csv + k, 'y', big);
    strcpy(csv + k + big, "\"\n");
    sf_data_options o;
    sf_data_options_init(&o);
    const char *path = tmp_file("field.csv");
    write_text(path, csv);
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_data_read(path, &o, &d, &err), SF_OK, "%s", err.message);
    cr_assert_eq(d->n, 1);
    sf_data_free(d);
    free(csv);
}

/* ---- one-line errors ----------------------------------------------------- */

Test(errors, control_characters_are_escaped)
{
    sf_error err;
    cr_assert_eq(both_ways("N,D,loss\n1e8,2e9,\"3\r\n\x01\tx\"\n", NULL, &err), SF_EPARSE);
    char buf[2048];
    sf_error_format(&err, buf, sizeof buf);
    cr_assert(strchr(buf, '\n') == NULL && strchr(buf, '\r') == NULL, "%s", buf);
    cr_assert(strstr(buf, "'3\\r\\n\\x01\\tx' is not a number"), "%s", buf);
}

Test(errors, a_long_message_is_cut_with_an_ellipsis)
{
    size_t big = 100000;
    char *csv = malloc(big + 64);
    cr_assert(csv);
    strcpy(csv, "N,D,loss\n1e8,2e9,");
    size_t k = strlen(csv);
    memset(csv + k, '7', big);
    strcpy(csv + k + big, "z\n");
    sf_error err;
    cr_assert_eq(both_ways(csv, NULL, &err), SF_EPARSE);
    char buf[2048];
    sf_error_format(&err, buf, sizeof buf);
    size_t n = strlen(buf);
    cr_assert(n < 600, "%zu bytes", n);
    cr_assert(strcmp(buf + n - 3, "...") == 0, "%s", buf);
    cr_assert(strstr(buf, "stream.csv:2:3: column 'loss': '7777"), "%s", buf);
    free(csv);

    /* Cut on a character boundary: no half UTF-8 sequence before "...". */
    sf_error e;
    sf_error_clear(&e);
    char msg[1200] = "";
    for (int i = 0; i < 500; i++) strcat(msg, "\xC3\xA9");   /* e-acute */
    sf_fail(&e, SF_EPARSE, "f.csv", 1, 1, "%s", msg);
    sf_error_format(&e, buf, sizeof buf);
    n = strlen(buf);
    cr_assert(strcmp(buf + n - 3, "...") == 0);
    cr_assert(((unsigned char)buf[n - 4] & 0xC0) == 0x80 && (unsigned char)buf[n - 5] == 0xC3,
              "ends on a whole character");
}

Test(errors, the_cli_prints_one_line)
{
    const char *path = tmp_file("cli-nl.csv");
    write_text(path, "N,D,loss\n1e8,2e9,\"3\nx\"\n2e8,2e9,3\n3e8,2e9,3\n");
    cli_run r = run_cli(NULL, (const char *const[]){"fit", path, NULL});
    cr_assert_eq(r.status, 1);
    cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
    cr_assert(strstr(r.err, "'3\\nx' is not a number"), "%s", r.err);
    cli_run_free(&r);
}
