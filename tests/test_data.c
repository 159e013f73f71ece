/* CSV reading, column roles, filters, and every kind of bad input. */
#include <string.h>

#include "common.h"

static sf_data_options nd_opts(void)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    return o;
}

Test(table, quoting_crlf_bom_and_line_numbers)
{
    /* BOM, CRLF line ends, a quoted field with a comma, one with a doubled
     * quote and one spanning two lines: the row after it is on line 5. */
    const char *csv = "\xEF\xBB\xBFname,N,D,loss\r\n"
                      "\"a,b\",2.385e8,4.77e9,3.25\r\n"
                      "\"say \"\"hi\"\"\",3e8,5e9,3.1\r\n"
                      "\"two\nlines\",4e8,6e9,3.0\r\n"
                      "plain,5e8,7e9,2.9\r\n";
    sf_table *t;
    sf_error err;
    cr_assert_eq(sf_table_read_buffer(csv, strlen(csv), "x.csv", &t, &err), SF_OK);
    cr_assert_eq(sf_table_cols(t), 4);
    cr_assert_eq(sf_table_rows(t), 4);
    cr_assert_str_eq(sf_table_header(t, 0), "name", "BOM must not stick to the first name");
    cr_assert_str_eq(sf_table_cell(t, 0, 0), "a,b");
    cr_assert_str_eq(sf_table_cell(t, 1, 0), "say \"hi\"");
    cr_assert_str_eq(sf_table_cell(t, 2, 0), "two\nlines");
    cr_assert_str_eq(sf_table_cell(t, 3, 3), "2.9");
    cr_assert_eq(sf_table_line(t, 0), 2);
    cr_assert_eq(sf_table_line(t, 2), 4);
    cr_assert_eq(sf_table_line(t, 3), 6);
    cr_assert_eq(sf_table_find(t, "loss"), 3);
    cr_assert_eq(sf_table_find(t, "nope"), -1);
    sf_table_free(t);
}

Test(table, unnamed_index_column_is_allowed)
{
    /* pandas writes its index as a column with an empty name. */
    const char *csv = ",N,D,loss\n0,2.385e8,4.77e9,3.25\n1,3e8,5e9,3.1\n";
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_data *d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    assert_rel(d->N[1], 3e8, 0, "N");
    sf_data_free(d);
}

Test(table, blank_lines_are_skipped_but_counted)
{
    const char *csv = "N,D,loss\n\n2.385e8,4.77e9,3.25\n\n\n3e8,5e9,3.1\n";
    sf_table *t;
    sf_error err;
    cr_assert_eq(sf_table_read_buffer(csv, strlen(csv), "x.csv", &t, &err), SF_OK);
    cr_assert_eq(sf_table_rows(t), 2);
    cr_assert_eq(sf_table_line(t, 0), 3);
    cr_assert_eq(sf_table_line(t, 1), 6);
    sf_table_free(t);
}

Test(data, epoch_header_names_and_derived_tokens)
{
    /* Epoch's header: "Model Size", "Training FLOP", "loss"; D = C/(6N). */
    const char *csv = "x,y,color,Model Size,Training FLOP,hex_color,loss\n"
                      "1,2,#fff,6795600349.289497,9.993852799709755e+18,#fff,5.005581996196243\n"
                      "1,2,#fff,2.385e8,1e19,#fff,3.2\n";
    sf_data_options o = nd_opts();
    sf_data *d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    cr_assert_str_eq(d->column[SF_ROLE_N], "Model Size");
    cr_assert_str_eq(d->column[SF_ROLE_C], "Training FLOP");
    cr_assert(d->derived & SF_ROLE_BIT(SF_ROLE_D));
    assert_rel(d->D[0], 9.993852799709755e+18 / (6 * 6795600349.289497), 1e-15, "D = C/(6N)");
    assert_rel(d->loss[1], 3.2, 0, "loss");
    cr_assert_eq(d->line[1], 3);
    sf_data_free(d);
}

Test(data, explicit_columns_override_aliases)
{
    const char *csv = "params,tokens,val_loss,train_loss\n2.385e8,4.77e9,3.25,3.0\n3e8,5e9,3.1,2.9\n";
    sf_data_options o = nd_opts();
    sf_data *d = data_from_text(csv, &o);
    cr_assert_str_eq(d->column[SF_ROLE_LOSS], "val_loss", "validation loss is preferred");
    sf_data_free(d);
    o.column[SF_ROLE_LOSS] = "train_loss";
    d = data_from_text(csv, &o);
    assert_rel(d->loss[0], 3.0, 0, "train loss");
    sf_data_free(d);
    /* Case-insensitive fallback for --col. */
    o.column[SF_ROLE_LOSS] = "TRAIN_LOSS";
    d = data_from_text(csv, &o);
    assert_rel(d->loss[1], 2.9, 0, "train loss");
    sf_data_free(d);
}

Test(data, derived_compute_and_groups)
{
    const char *csv = "run,N,D,loss\nr1,2e8,4e9,3.2\nr2,3e8,5e9,3.1\nr1,2e8,8e9,3.0\n";
    sf_data_options o = nd_opts();
    o.required |= SF_ROLE_BIT(SF_ROLE_C);
    sf_data *d = data_from_text(csv, &o);
    assert_rel(d->C[0], 6 * 2e8 * 4e9, 1e-15, "C = 6ND");
    cr_assert(d->group != NULL);
    cr_assert_eq(d->n_groups, 2);
    cr_assert_eq(d->group[0], d->group[2]);
    cr_assert_neq(d->group[0], d->group[1]);
    cr_assert_str_eq(d->group_names[d->group[1]], "r2");
    sf_data_free(d);
}

/* sf_data_csv quotes run ids and doubles their quotes (RFC 4180), so a
 * run named a,"b" reads back as itself. */
Test(data, csv_writes_run_ids_that_read_back)
{
    const char *csv = "run,N,D,loss\n\"a,\"\"b\"\"\",2e8,4e9,3.2\n\"\"\"\",3e8,5e9,3.1\n"
                      "plain,2e8,8e9,3.0\n";
    sf_data_options o = nd_opts();
    sf_data *d = data_from_text(csv, &o);
    cr_assert_str_eq(d->group_names[d->group[0]], "a,\"b\"");
    cr_assert_str_eq(d->group_names[d->group[1]], "\"");
    char *out = NULL;
    cr_assert_eq(sf_data_csv(d, &out, NULL), SF_OK);
    cr_assert(out);
    cr_assert(strstr(out, "\"a,\"\"b\"\"\""), "%s", out);
    cr_assert(strstr(out, "\"\"\"\""), "%s", out);
    cr_assert(strstr(out, "\"plain\""), "%s", out);
    sf_data *back = data_from_text(out, &o);
    cr_assert_eq(back->n, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(back->group_names[back->group[i]], d->group_names[d->group[i]]);
    sf_data_free(back);
    free(out);
    sf_data_free(d);
}

Test(data, filters_and_together)
{
    const char *csv = "N,D,loss,family\n"
                      "1e8,1e9,4.6,a\n1e8,2e10,3.5,a\n7e7,3e10,3.4,b\n2e8,5e10,3.0,a\n";
    sf_data_options o = nd_opts();
    o.filters[0] = "loss<4.5";
    o.filters[1] = "D>=2e10";
    o.filters[2] = "N!=7e7";
    o.n_filters = 3;
    sf_data *d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    assert_rel(d->N[1], 2e8, 0, "N");
    cr_assert_eq(d->rows_read, 4);
    cr_assert_eq(d->n_filters, 3);
    cr_assert_str_eq(d->filters[1], "D>=2e10");
    sf_data_free(d);

    sf_data_options_init(&o);
    o.filters[0] = "family==b";
    o.n_filters = 1;
    d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 1);
    assert_rel(d->loss[0], 3.4, 0, "text filter");
    sf_data_free(d);
    o.filters[0] = "family != b";
    d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 3);
    sf_data_free(d);
    o.filters[0] = "loss <= 3.4";
    d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    sf_data_free(d);
    o.filters[0] = "loss>3.4";
    d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    sf_data_free(d);
    o.filters[0] = "N=1e8";
    d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    sf_data_free(d);
}

Test(data, filter_mistakes)
{
    const char *csv = "N,D,loss\n1e8,1e9,4.6\n";
    sf_data_options o = nd_opts();
    sf_error err;
    o.n_filters = 1;
    o.filters[0] = "loss";
    cr_assert_eq(data_error(csv, &o, &err), SF_EINVAL);
    o.filters[0] = "nope<3";
    cr_assert_eq(data_error(csv, &o, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "nope"));
    o.filters[0] = "loss<abc";
    cr_assert_eq(data_error(csv, &o, &err), SF_EINVAL);
    o.filters[0] = "loss<";
    cr_assert_eq(data_error(csv, &o, &err), SF_EINVAL);
    o.filters[0] = "loss>100";
    cr_assert_eq(data_error(csv, &o, &err), SF_ENODATA);
    cr_assert(strstr(err.message, "filtered out"));
}

Test(data, drop_missing)
{
    const char *csv = "N,D,loss\n1e8,1e9,4.6\n2e8,2e9,\n3e8,3e9,3.9\n";
    sf_data_options o = nd_opts();
    sf_error err;
    cr_assert_eq(data_error(csv, &o, &err), SF_EPARSE);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.column, 3);
    cr_assert(strstr(err.message, "empty cell"));
    o.drop_missing = 1;
    sf_data *d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    sf_data_free(d);
}

/* Every bad input: the status, and the line and field it names. */
typedef struct bad_case {
    const char *what, *csv;
    int status;
    long line, col;
    const char *needle;
} bad_case;

static const bad_case bad[] = {
    {"empty file", "", SF_EPARSE, 0, 0, "empty file"},
    {"only blank lines", "\n\n", SF_EPARSE, 0, 0, "empty file"},
    {"header only", "N,D,loss\n", SF_ENODATA, 0, 0, "no data rows"},
    {"missing loss column", "N,D,acc\n1e8,1e9,0.5\n", SF_ENOCOLUMN, 0, 0, "no column for loss"},
    {"missing N column", "D,loss\n1e9,3\n", SF_ENOCOLUMN, 0, 0, "no column for N"},
    {"non-numeric cell", "N,D,loss\n1e8,1e9,3.2\n2e8,abc,3.1\n", SF_EPARSE, 3, 2, "'abc' is not a number"},
    {"N zero", "N,D,loss\n0,1e9,3.2\n", SF_EDOMAIN, 2, 1, "must be > 0"},
    {"N negative", "N,D,loss\n1e8,1e9,3.2\n-5,1e9,3.2\n", SF_EDOMAIN, 3, 1, "must be > 0"},
    {"loss NaN", "N,D,loss\n1e8,1e9,nan\n", SF_ENONFINITE, 2, 3, "not finite"},
    {"D inf", "N,D,loss\n1e8,inf,3.2\n", SF_ENONFINITE, 2, 2, "not finite"},
    {"loss -inf", "N,D,loss\n1e8,1e9,-Infinity\n", SF_ENONFINITE, 2, 3, "not finite"},
    {"duplicate header", "N,D,loss,N\n1,2,3,4\n", SF_EPARSE, 1, 4, "duplicate column name 'N'"},
    {"ragged short row", "N,D,loss\n1e8,1e9,3.2\n2e8,2e9\n", SF_EPARSE, 3, 3, "row has 2 fields"},
    {"ragged long row", "N,D,loss\n1e8,1e9,3.2,7\n", SF_EPARSE, 2, 4, "row has 4 fields"},
    {"unclosed quote", "N,D,loss\n1e8,1e9,\"3.2\n", SF_EPARSE, 2, 3, "not closed"},
    {"stray quote", "N,D,loss\n1e8,1e\"9,3.2\n", SF_EPARSE, 2, 2, "malformed CSV"},
    {"hex number", "N,D,loss\n0x10,1e9,3.2\n", SF_EPARSE, 2, 1, "not a number"},
    {"decimal comma", "N,D,loss\n1e8,1e9,\"3,2\"\n", SF_EPARSE, 2, 3, "not a number"},
    {"ambiguous alias", "loss,Loss,N,D\n1,2,3,4\n", SF_ENOCOLUMN, 1, 2, "could both be loss"},
    {"negative weight", "N,D,loss,weight\n1e8,1e9,3.2,-1\n", SF_EDOMAIN, 2, 4, "must be >= 0"},
};

Test(data, every_bad_input_names_file_line_and_field)
{
    sf_data_options o = nd_opts();
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        sf_error err;
        int rc = data_error(bad[k].csv, &o, &err);
        cr_assert_eq(rc, bad[k].status, "%s: status %d, expected %d (%s)", bad[k].what, rc,
                     bad[k].status, err.message);
        cr_assert_str_eq(err.file, "test.csv", "%s: file", bad[k].what);
        cr_assert_eq(err.line, bad[k].line, "%s: line %ld, expected %ld", bad[k].what, err.line,
                     bad[k].line);
        cr_assert_eq(err.column, bad[k].col, "%s: column %ld, expected %ld", bad[k].what,
                     err.column, bad[k].col);
        cr_assert(strstr(err.message, bad[k].needle), "%s: message '%s' lacks '%s'", bad[k].what,
                  err.message, bad[k].needle);
    }
}

Test(data, nul_byte_is_not_text)
{
    const char csv[] = "N,D,loss\n1e8,1e9,3.2\n\0\n";
    sf_table *t = NULL;
    sf_error err;
    cr_assert_eq(sf_table_read_buffer(csv, sizeof csv - 1, "bin.csv", &t, &err), SF_EPARSE);
    cr_assert_eq(err.line, 3);
    cr_assert(t == NULL);
}

Test(data, missing_file)
{
    sf_table *t = NULL;
    sf_error err;
    cr_assert_eq(sf_table_read("/nonexistent/x.csv", &t, &err), SF_EIO);
    cr_assert_str_eq(err.file, "/nonexistent/x.csv");
    cr_assert(strstr(err.message, "cannot open"));
}

Test(data, subset_copies_rows_and_metadata)
{
    const char *csv = "run,N,D,loss\nr1,2e8,4e9,3.2\nr2,3e8,5e9,3.1\nr1,2e8,8e9,3.0\n";
    sf_data_options o = nd_opts();
    sf_data *d = data_from_text(csv, &o);
    size_t idx[4] = {2, 2, 0, 1};
    sf_data *s;
    cr_assert_eq(sf_data_subset(d, idx, 4, &s), SF_OK);
    cr_assert_eq(s->n, 4);
    assert_rel(s->D[0], 8e9, 0, "D");
    assert_rel(s->D[1], 8e9, 0, "D");
    cr_assert_eq(s->line[3], 3);
    cr_assert_str_eq(s->group_names[s->group[3]], "r2");
    cr_assert_str_eq(s->source, "test.csv");
    sf_data_free(s);
    sf_data_free(d);
}

Test(numbers, strict_locale_free_parsing)
{
    double x;
    cr_assert_eq(sf_parse_double("2.385", &x), SF_OK);
    assert_rel(x, 2.385, 0, "2.385");
    cr_assert_eq(sf_parse_double("  -1.5e-3\t", &x), SF_OK);
    assert_rel(x, -1.5e-3, 0, "blanks");
    cr_assert_eq(sf_parse_double("1e400", &x), SF_ENONFINITE);
    cr_assert_eq(sf_parse_double("NaN", &x), SF_ENONFINITE);
    cr_assert_eq(sf_parse_double("", &x), SF_EPARSE);
    cr_assert_eq(sf_parse_double("1.5x", &x), SF_EPARSE);
    cr_assert_eq(sf_parse_double("0x1p3", &x), SF_EPARSE);
    cr_assert_eq(sf_parse_double("2,385", &x), SF_EPARSE);
    cr_assert_eq(sf_parse_double("1.5 2", &x), SF_EPARSE);
}

Test(numbers, roles_parse)
{
    sf_role r;
    cr_assert_eq(sf_role_parse("loss", &r), SF_OK);
    cr_assert_eq(r, SF_ROLE_LOSS);
    cr_assert_eq(sf_role_parse("L", &r), SF_OK);
    cr_assert_eq(r, SF_ROLE_LOSS);
    cr_assert_eq(sf_role_parse("n", &r), SF_OK);
    cr_assert_eq(r, SF_ROLE_N);
    cr_assert_eq(sf_role_parse("tokens", &r), SF_EINVAL);
    cr_assert_str_eq(sf_role_name(SF_ROLE_U), "U");
}

/* --col ROLE=fn(COLUMN): loss from perplexity, D from log10 tokens. */
Test(data, column_transforms)
{
    sf_data_options o = nd_opts();
    o.column[SF_ROLE_LOSS] = "log(ppl)";
    o.column[SF_ROLE_D] = "exp10(log10_tokens)";
    o.column[SF_ROLE_N] = "exp(ln_params)";
    sf_data *d = data_from_text("ln_params,log10_tokens,ppl\n18.42,9.5,24.5\n19.1,10,20.1\n", &o);
    cr_assert_eq(d->n, 2);
    assert_rel(d->loss[0], log(24.5), 1e-15, "log(ppl)");
    assert_rel(d->D[1], 1e10, 1e-15, "exp10");
    assert_rel(d->N[0], exp(18.42), 1e-15, "exp");
    cr_assert_str_eq(d->column[SF_ROLE_LOSS], "log(ppl)", "provenance names the expression");
    cr_assert_str_eq(d->column[SF_ROLE_D], "exp10(log10_tokens)");
    sf_data_free(d);

    /* A header that looks like an expression is read as it is. */
    sf_data_options p = nd_opts();
    p.column[SF_ROLE_LOSS] = "log(x)";
    d = data_from_text("N,D,log(x),x\n1e8,1e9,3.5,9\n", &p);
    cr_assert_eq(d->loss[0], 3.5);
    sf_data_free(d);

    /* Errors name the cell and the expression. */
    sf_error err;
    cr_assert_eq(data_error("N,D,ppl\n1e8,1e9,24\n1e8,2e9,0.5\n", &o, &err), SF_ENOCOLUMN);
    o.column[SF_ROLE_D] = NULL;
    o.column[SF_ROLE_N] = NULL;
    cr_assert_eq(data_error("N,D,ppl\n1e8,1e9,24\n1e8,2e9,0.5\n", &o, &err), SF_EDOMAIN);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.column, 3);
    cr_assert(strstr(err.message, "column 'log(ppl)' (loss, loss): must be > 0, got -0.693147 "
                                  "(from 0.5)"), "%s", err.message);
    cr_assert_eq(data_error("N,D,ppl\n1e8,1e9,-2\n", &o, &err), SF_EDOMAIN);
    cr_assert(strstr(err.message, "not finite for -2"), "%s", err.message);
    o.column[SF_ROLE_LOSS] = "log(nope)";
    cr_assert_eq(data_error("N,D,ppl\n1e8,1e9,24\n", &o, &err), SF_ENOCOLUMN);
    cr_assert(strstr(err.message, "no column named 'nope' for loss"), "%s", err.message);
    o.column[SF_ROLE_LOSS] = "ppl";
    o.column[SF_ROLE_D] = "exp(D)";
    cr_assert_eq(data_error("N,D,ppl\n1e8,800,24\n", &o, &err), SF_EDOMAIN);
    cr_assert(strstr(err.message, "exp(D)"), "%s", err.message);
    sf_data_options g = nd_opts();
    g.column[SF_ROLE_GROUP] = "log(run)";
    cr_assert_eq(data_error("N,D,loss,run\n1e8,1e9,3,a\n", &g, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "a run id is text"), "%s", err.message);
}

/* Learning curves log step 0 with D = 0: skip_zero drops such rows. */
Test(data, skip_zero_drops_rows_with_a_zero)
{
    const char *csv = "run,N,D,loss\na,1e8,0,10.8\na,1e8,1e9,3.5\nb,2e8,0,10.8\nb,2e8,1e9,3.3\n";
    sf_data_options o = nd_opts();
    sf_error err;
    cr_assert_eq(data_error(csv, &o, &err), SF_EDOMAIN, "a zero is an error by default");
    cr_assert_eq(err.line, 2);
    o.skip_zero = SF_ROLE_BIT(SF_ROLE_D);
    sf_data *d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    cr_assert_eq(d->line[0], 3);
    cr_assert_eq(d->line[1], 5);
    cr_assert_eq(d->rows_read, 4);
    sf_data_free(d);
    /* Negative values stay errors; a filter on D sees the row skipped. */
    cr_assert_eq(data_error("N,D,loss\n1e8,-1,3\n", &o, &err), SF_EDOMAIN);
    o.filters[0] = "D>0";
    o.n_filters = 1;
    d = data_from_text(csv, &o);
    cr_assert_eq(d->n, 2);
    sf_data_free(d);
    cr_assert_eq(data_error("N,D,loss\n1e8,0,3\n", &o, &err), SF_ENODATA);
    cr_assert(strstr(err.message, "skipped for a zero value"), "%s", err.message);
}
