"""The documented snippet of docs/python.md (must-show 1) runs as printed
and gives the CLI's parameters to 1e-12 relative."""
import ast
import json
import os
import re
import subprocess
import sys
import unittest

from common import EPOCH, PYDIR, ROOT, cli, rel_close, shared_file


def snippet(name):
    with open(os.path.join(ROOT, "docs", "python.md")) as f:
        text = f.read()
    m = re.search(r"<!-- snippet: %s -->\n```python\n(.*?)```" % name, text, re.S)
    if not m:
        raise AssertionError(f"docs/python.md has no snippet '{name}'")
    return m.group(1)


class Docs(unittest.TestCase):
    def test_epoch_snippet_reproduces_the_cli(self):
        path = shared_file(EPOCH)
        code = snippet("epoch").replace("../shared/data/" + EPOCH, path)
        env = dict(os.environ, PYTHONPATH=PYDIR)
        r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        n, params = r.stdout.split(" ", 1)
        self.assertEqual(int(n), 240)
        got = ast.literal_eval(params.strip())
        want = json.loads(cli("fit", path, "--filter", "loss<3.44", "--json").stdout)["params"]
        self.assertEqual(set(got), set(want))
        for k in want:
            rel_close(self, got[k], want[k], 1e-12, k)


if __name__ == "__main__":
    unittest.main()
