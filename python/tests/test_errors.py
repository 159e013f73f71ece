"""Library errors arrive as Python exceptions that say where (must-show 4:
bad CSV input names the file, line and column)."""
import os
import tempfile
import unittest

from common import need

import pyscalefit as sf


class CsvErrors(unittest.TestCase):
    def test_bad_csv_names_file_line_and_column(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "runs.csv")
            with open(path, "w") as f:
                f.write("N,D,loss\n1e8,2e9,3.5\n2e8,4e9,3.2\n4e8,8e9,oops\n")
            with self.assertRaises(sf.InputError) as cm:
                sf.fit(path)
        e = cm.exception
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.file, path)
        self.assertEqual(e.line, 4)
        self.assertEqual(e.column, 3)
        self.assertTrue(str(e).startswith(f"{path}:4:3: "), str(e))
        self.assertIn("oops", e.message)

    def test_ragged_csv_names_the_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "runs.csv")
            with open(path, "w") as f:
                f.write("N,D,loss\n1e8,2e9,3.5\n2e8,4e9\n")
            with self.assertRaises(sf.ScalefitError) as cm:
                sf.fit(path)
        self.assertEqual((cm.exception.file, cm.exception.line), (path, 3))

    def test_missing_file(self):
        with self.assertRaises(sf.InputError) as cm:
            sf.fit("/nonexistent/runs.csv")
        self.assertEqual(cm.exception.file, "/nonexistent/runs.csv")

    def test_bad_formula_names_the_column(self):
        with self.assertRaises(sf.ScalefitError) as cm:
            sf.fit(N=[1e8, 2e8, 4e8], D=[1e9, 2e9, 4e9], L=[3, 2.9, 2.8], law="E + A/N^")
        self.assertEqual(cm.exception.file, "formula")
        self.assertEqual(cm.exception.column, 9)


class FrameErrors(unittest.TestCase):
    def frame(self, loss):
        pd = need("pandas")
        return pd.DataFrame({"params": [1e8, 2e8, 4e8, 8e8, 1.6e9, 3e9],
                             "tokens": [2e9, 4e9, 8e9, 1.6e10, 3e10, 6e10], "loss": loss},
                            index=list("abcdef"))

    def test_nan_names_row_and_column(self):
        with self.assertRaises(sf.InputError) as cm:
            sf.fit(self.frame([3.5, 3.2, float("nan"), 2.8, 2.6, 2.5]))
        e = cm.exception
        self.assertEqual((e.row, e.column_name), ("c", "loss"))
        self.assertIn("row c", str(e))
        self.assertIn("'loss'", str(e))
        self.assertIsNone(e.file)

    def test_non_positive_names_row_and_column(self):
        with self.assertRaises(sf.InputError) as cm:
            sf.fit(self.frame([3.5, 3.2, 3.0, 2.8, -2.6, 2.5]))
        self.assertEqual((cm.exception.row, cm.exception.column_name), ("e", "loss"))

    def test_nan_rows_dropped_on_request(self):
        fit = sf.fit(self.frame([3.5, 3.2, float("nan"), 2.8, 2.6, 2.5]), law="kaplan",
                     drop_missing=True)
        self.assertEqual(fit.n_points, 5)

    def test_missing_column_names_the_role(self):
        with self.assertRaises(sf.InputError) as cm:
            sf.fit(self.frame([3.5, 3.2, 3.0, 2.8, 2.6, 2.5]).drop(columns="loss"))
        self.assertIn("loss", str(cm.exception))
        self.assertIn('cols={"loss"', str(cm.exception))

    def test_arrays_of_unequal_length(self):
        with self.assertRaises(ValueError):
            sf.fit(N=[1e8, 2e8], D=[1e9], L=[3, 2])


if __name__ == "__main__":
    unittest.main()
