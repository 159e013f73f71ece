"""Long work releases the GIL and stops on Ctrl-C: SIGINT to a process in
a long bootstrap ends it promptly with KeyboardInterrupt, and an
interrupted fit leaves the package usable."""
import _thread
import signal
import subprocess
import sys
import threading
import time
import unittest

from common import PYDIR

import pyscalefit as sf

N = [2.385e7, 1e8, 4.2e8, 1.7e9] * 4
D = [d for d in (5e8, 2.385e9, 1e10, 4e10) for _ in range(4)]
L = [1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28 + 0.001 * (i % 3) for i, (n, d) in
     enumerate(zip(N, D))]

SCRIPT = f"""
import sys
sys.path.insert(0, {PYDIR!r})
import pyscalefit as sf
print("ready", flush=True)
try:
    sf.fit(N={N!r}, D={D!r}, L={L!r}, law="kaplan", bootstrap=10000000)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    raise
print("finished", flush=True)
"""


class Interrupt(unittest.TestCase):
    def test_sigint_stops_a_long_bootstrap(self):
        p = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(p.stdout.readline().strip(), "ready")
            time.sleep(0.5)           # inside sf_fit_bootstrap by now
            self.assertIsNone(p.poll(), "the bootstrap ended before the signal")
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=60)   # a hang fails here, not forever
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertIn("interrupted", out)
        self.assertNotIn("finished", out)
        self.assertIn("KeyboardInterrupt", err)
        self.assertNotEqual(p.returncode, 0)

    def test_the_gil_is_released_and_a_cancelled_fit_can_go_on(self):
        fit = sf.fit(N=N, D=D, L=L, law="kaplan")
        ticks = []
        stop = threading.Event()

        def tick():             # runs only if the C call released the GIL
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.01)
        t = threading.Thread(target=tick)
        t.start()
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        try:
            with self.assertRaises(KeyboardInterrupt):
                fit._bootstrap(10000000, "rows", False, (0.95,))
        finally:
            stop.set()
            t.join()
            timer.cancel()
        self.assertGreater(len(ticks), 10)
        fit._bootstrap(5, "rows", False, (0.95,))   # the cancel flag was reset
        self.assertEqual(len(fit.draws), 5)

    def test_isoflop_and_envelope_stop_and_go_on(self):
        # A million resamples on one thread take seconds; Ctrl-C after
        # 0.2 s raises the library's cancel flag, the call returns
        # (SF_ECANCELED: tests/test_approach.c), and no worker is left
        # running.  Then the same call runs to its end.
        from test_approach import envelope_rows, isoflop_rows
        iso = list(zip(*isoflop_rows()))
        env = list(zip(*envelope_rows()))
        runs = (lambda K: sf.isoflop(N=list(iso[0]), C=list(iso[1]), L=list(iso[2]),
                                     bootstrap=K, threads=1),
                lambda K: sf.envelope(N=list(env[1]), D=list(env[2]), L=list(env[4]),
                                      group=list(env[0]), bootstrap=K, threads=1))
        for run in runs:
            timer = threading.Timer(0.2, _thread.interrupt_main)
            timer.start()
            try:
                with self.assertRaises(KeyboardInterrupt):
                    run(1000000)
            finally:
                timer.cancel()
            self.assertFalse([t for t in threading.enumerate()
                              if t.name == "pyscalefit" and t.is_alive()])
            self.assertIn("a", run(20).to_dict())

if __name__ == "__main__":
    unittest.main()
