/* Python bindings support (issue 21): the version and struct sizes the
 * library reports are those of the header the caller compiled against. */
#include <criterion/criterion.h>
#include <string.h>

#include "scalefit.h"

Test(abi, version_is_the_headers)
{
    cr_assert_str_eq(sf_version(), SF_VERSION);
}

Test(abi, struct_sizes_match_the_header)
{
    cr_assert_eq(sf_struct_size("sf_error"), sizeof(sf_error));
    cr_assert_eq(sf_struct_size("sf_fit_options"), sizeof(sf_fit_options));
    cr_assert_eq(sf_struct_size("sf_data"), sizeof(sf_data));
    cr_assert_eq(sf_struct_size("sf_data_options"), sizeof(sf_data_options));
    cr_assert_eq(sf_struct_size("sf_bootstrap_options"), sizeof(sf_bootstrap_options));
    cr_assert_eq(sf_struct_size("sf_plot_options"), sizeof(sf_plot_options));
    cr_assert_eq(sf_struct_size("sf_validate_options"), sizeof(sf_validate_options));
}

Test(abi, unknown_names_are_zero)
{
    cr_assert_eq(sf_struct_size("sf_no_such_struct"), 0);
    cr_assert_eq(sf_struct_size(""), 0);
    cr_assert_eq(sf_struct_size(NULL), 0);
}
