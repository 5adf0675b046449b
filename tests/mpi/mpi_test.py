#!/usr/bin/env python3
"""Sweeps across MPI ranks and resumable journals (docs/cluster.md).

* Bit-identical: the outputs of `mpirun -np 1, 2, 3` (with --jobs 1 and 2) equal, byte for byte, those of one
  process with one thread and no MPI, on small sweeps of phase-diagram, table, recheck, verify, critical-snr,
  estimate, sign, simulate and check.
* Resumable: a run killed with SIGKILL after its journal has K records (several K, a worker rank too) and resumed
  with --resume gives the same outputs as an uninterrupted run; a torn last line is dropped; a journal damaged
  elsewhere, a foreign one, or an existing one without --resume is refused with exit 2.

Without MPI (--mpirun '' : lyapcert built with LYAPCERT_WITH_MPI=OFF) the MPI cases are skipped with a message
and only the journal cases run.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None

# Open MPI in a container as root on a 2-core machine: allowed as root, more ranks than cores, and no CMA/ptrace
# single-copy (refused inside many containers).
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
}


def plain_env():
    # One process: no launcher variables leak in from an outer mpirun.
    return {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMI", "PMIX_"))}


def run(args, cwd, np=None, timeout=300):
    env = plain_env()
    cmd = [ARGS.cli] + args
    if np is not None:
        env.update(MPI_ENV)
        cmd = [ARGS.mpirun, "-np", str(np), "--oversubscribe", "--mca", "btl", "self,vader,tcp"] + cmd
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def masked(data):
    # A table's provenance records when it was made (run-dependent, docs/tables.md): the only bytes allowed to differ.
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"<time>", data)


PHASE = ["phase-diagram", "--grid", "8x3", "--lr-range", "1/10:4", "--snr-range", "1/20:2/5", "--digits", "8"]

SPEC = """{
  "title": "mpi test",
  "defaults": {"digits": "12"},
  "rows": [
    {"id": "two-atoms", "quantity": "exponent", "law": "atoms(-1:1/3, 1/2:2/3)", "lr": "{lr}",
     "grid": {"lr": ["1/4", "1/2", "1", "3/2", "2"]}},
    {"id": "gauss", "quantity": "exponent", "law": "normal(1, {s})", "lr": "1", "grid": {"s": ["1/2", "1"]}},
    {"id": "L2", "quantity": "moment", "law": "atoms(2.1, 1.3, -0.4, 0.9)", "lr": "0.9", "p": "2"}
  ]
}
"""

VERIFY_CSV = "law,lr,value\n" + "".join(
    f"\"atoms(-1:1/3, 1/2:2/3)\",{lr},{v}\n"
    for lr, v in [("1/4", "0.01"), ("1/2", "0"), ("1", "-0.05"), ("3/2", "0.1"), ("2", "0.2"), ("3", "0.3")])


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lyapcert-mpi-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def ok(self, rc, err, want=0):
        self.assertEqual(rc, want, err)


def needs_mpi(test):
    def wrapper(self):
        if not ARGS.mpirun:
            self.skipTest("MPI not built (LYAPCERT_WITH_MPI off): MPI cases skipped")
        return test(self)
    wrapper.__name__ = test.__name__
    return wrapper


class BitIdentical(Base):
    @needs_mpi
    def test_phase_diagram(self):
        rc, _, err = run(PHASE + ["--jobs", "1", "--out", "ref"], self.dir)
        self.ok(rc, err)
        for np, jobs in [(1, 1), (2, 1), (3, 2)]:
            rc, _, err = run(PHASE + ["--jobs", str(jobs), "--out", f"np{np}"], self.dir, np=np)
            self.ok(rc, err)
            for ext in ("csv", "json", "png"):
                self.assertEqual(read(os.path.join(self.dir, f"ref.{ext}")),
                                 read(os.path.join(self.dir, f"np{np}.{ext}")), f"-np {np} --jobs {jobs}: {ext}")

    @needs_mpi
    def test_table_and_recheck(self):
        spec = self.write("spec.json", SPEC)
        rc, out, err = run(["table", "--spec", spec, "--out", "ref", "--jobs", "1", "--quiet"], self.dir)
        self.ok(rc, err)
        rc, ref_recheck, err = run(["recheck", "ref.json", "--jobs", "1", "--json"], self.dir)
        self.ok(rc, err)
        for np in (2, 3):
            rc, _, err = run(["table", "--spec", spec, "--out", f"np{np}", "--jobs", "1", "--quiet"], self.dir, np=np)
            self.ok(rc, err)
            for ext in ("json", "csv", "md", "tex"):
                self.assertEqual(masked(read(os.path.join(self.dir, f"ref.{ext}"))),
                                 masked(read(os.path.join(self.dir, f"np{np}.{ext}"))), f"table -np {np}: {ext}")
            self.assertFalse(os.path.exists(os.path.join(self.dir, f"np{np}.partial.jsonl")))
            rc, out, err = run(["recheck", "ref.json", "--jobs", "2", "--json"], self.dir, np=np)
            self.ok(rc, err)
            self.assertEqual(ref_recheck, out, f"recheck -np {np}")

    @needs_mpi
    def test_verify(self):
        csv = self.write("claims.csv", VERIFY_CSV)
        for fmt in ([], ["--json"]):
            rc_ref, ref, err = run(["verify", "--against", csv, "--digits", "12"] + fmt, self.dir)
            self.assertIn(rc_ref, (0, 4), err)
            for np in (2, 3):
                rc, out, err = run(["verify", "--against", csv, "--digits", "12", "--jobs", "2"] + fmt, self.dir, np=np)
                self.assertEqual(rc, rc_ref, err)
                self.assertEqual(ref, out, f"verify -np {np} {fmt}")

    @needs_mpi
    def test_critical_snr(self):
        args = ["critical-snr", "--batch", "1", "--digits", "1", "--json"]
        rc, ref, err = run(args + ["--jobs", "1"], self.dir)
        self.ok(rc, err)
        rc, out, err = run(args + ["--jobs", "1"], self.dir, np=2)
        self.ok(rc, err)
        self.assertEqual(ref, out)

    @needs_mpi
    def test_estimate_sign_simulate(self):
        cases = [
            ["estimate", "--law", "ginibre(2, 1)", "--steps", "20000", "--reps", "8", "--json"],  # replicate chains
            ["estimate", "--law", "normal(1, 1)", "--steps", "300000", "--reps", "4", "--json"],  # stateless blocks
            ["sign", "--law", "ginibre(2, 1)", "--json"],
            ["simulate", "--lr", "1/2", "--runs", "20", "--steps", "2000", "--json"],
            ["check", "--lr", "1/2", "--runs", "30", "--json"],
        ]
        for args in cases:
            rc, ref, err = run(args + ["--threads", "1"], self.dir)
            self.ok(rc, err)
            for np, threads in [(2, 1), (3, 2)]:
                rc, out, err = run(args + ["--threads", str(threads)], self.dir, np=np)
                self.ok(rc, err)
                self.assertEqual(ref, out, f"{args[0]} -np {np} --threads {threads}")

    @needs_mpi
    def test_bad_input_exits_2_on_every_rank(self):
        rc, out, err = run(["phase-diagram", "--grid", "1x1", "--out", "x"], self.dir, np=2)
        self.assertEqual(rc, 2, err)
        self.assertEqual(err.count("lyapcert: error:"), 1, err)  # rank 0 speaks for the job


def journal_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


class Journal(Base):
    def kill_after(self, args, journal, k, np=None, victim_rank=0, sig=signal.SIGKILL):
        """Starts the run, SIGKILLs it (or one rank) once the journal has k lines, waits for the end."""
        env = plain_env()
        cmd = [ARGS.cli] + args
        if np is not None:
            env.update(MPI_ENV)
            cmd = [ARGS.mpirun, "-np", str(np), "--oversubscribe"] + cmd
        p = subprocess.Popen(cmd, cwd=self.dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        deadline = time.time() + 240
        while journal_lines(journal) < k and p.poll() is None and time.time() < deadline:
            time.sleep(0.005)
        if p.poll() is None:
            if np is None:
                p.send_signal(sig)
            elif sig == signal.SIGINT:
                p.send_signal(sig)  # mpirun forwards it to every rank
            else:
                os.kill(rank_pid(p.pid, victim_rank), sig)
        p.wait(timeout=120)
        return p.returncode

    def reference(self):
        rc, _, err = run(PHASE + ["--jobs", "1", "--out", "ref"], self.dir)
        self.ok(rc, err)
        return {ext: read(os.path.join(self.dir, f"ref.{ext}")) for ext in ("csv", "json")}

    def same(self, ref, prefix):
        for ext in ("csv", "json"):
            self.assertEqual(ref[ext], read(os.path.join(self.dir, f"{prefix}.{ext}")), f"{prefix}.{ext}")

    def test_sigkill_at_fixed_points_then_resume(self):
        ref = self.reference()
        for k in (1, 5, 17):  # header only, a few points, most points
            j = os.path.join(self.dir, f"k{k}.journal")
            args = PHASE + ["--jobs", "2", "--out", f"k{k}", "--journal", j]
            rc = self.kill_after(args, j, k)
            if rc == 0:
                continue  # the run ended before the kill: nothing to resume (still compared below)
            self.assertEqual(rc, -signal.SIGKILL)
            rc, _, err = run(args + ["--resume"], self.dir)
            self.ok(rc, err)
            self.same(ref, f"k{k}")

    def test_sigint_then_resume(self):
        # An item that ends while the interrupt is pending may be cut short (a cell left unchecked): it must not
        # reach the journal, or the resumed diagram would differ from an uninterrupted one.
        ref = self.reference()
        for np in ([None, 2] if ARGS.mpirun else [None]):
            j = os.path.join(self.dir, f"i{np}.journal")
            args = PHASE + ["--jobs", "2", "--out", f"i{np}", "--journal", j]
            rc = self.kill_after(args, j, 6, np=np, sig=signal.SIGINT)
            if rc == 0:
                continue
            csv = os.path.join(self.dir, f"i{np}.csv")
            if rc == 130:  # stopped by the interrupt: nothing written (mpirun reports its own status, and the
                self.assertFalse(os.path.exists(csv))  # signal may come after rank 0 wrote the outputs)
            if os.path.exists(csv):
                os.remove(csv)
            rc, _, err = run(args + ["--resume"], self.dir)
            self.ok(rc, err)
            self.same(ref, f"i{np}")

    @needs_mpi
    def test_sigkill_of_a_worker_rank_then_resume_with_other_ranks(self):
        ref = self.reference()
        j = os.path.join(self.dir, "w.journal")
        args = PHASE + ["--jobs", "1", "--out", "w", "--journal", j]
        rc = self.kill_after(args, j, 8, np=3, victim_rank=1)
        self.assertNotEqual(rc, 0)
        rc, _, err = run(args + ["--resume"], self.dir, np=2)
        self.ok(rc, err)
        self.same(ref, "w")

    def test_torn_last_line_is_dropped(self):
        ref = self.reference()
        j = os.path.join(self.dir, "t.journal")
        args = PHASE + ["--jobs", "1", "--out", "t", "--journal", j]
        self.ok(*run(args, self.dir)[::2])
        with open(j, "rb") as f:
            lines = f.read().split(b"\n")
        with open(j, "wb") as f:  # keep 6 records and half of the 7th, as a kill mid-write leaves it
            f.write(b"\n".join(lines[:7]) + b"\n" + lines[7][: len(lines[7]) // 2])
        os.remove(os.path.join(self.dir, "t.csv"))
        rc, _, err = run(args + ["--resume"], self.dir)
        self.ok(rc, err)
        self.same(ref, "t")

    def test_damaged_foreign_or_existing_journal_is_refused(self):
        j = os.path.join(self.dir, "d.journal")
        args = PHASE + ["--jobs", "1", "--out", "d", "--journal", j]
        self.ok(*run(args, self.dir)[::2])
        rc, _, err = run(args, self.dir)  # exists, no --resume
        self.assertEqual(rc, 2)
        self.assertIn("pass --resume", err)
        rc, _, err = run(["phase-diagram", "--grid", "8x2", "--out", "d", "--journal", j, "--resume"], self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("belongs to another job", err)
        with open(j, "rb") as f:
            data = bytearray(f.read())
        second = data.index(b"\n") + 1
        pos = data.index(b" ", data.index(b"\n", second) + 1 + 30) + 5  # a hex digit inside the second record
        data[pos] = ord("0") if data[pos] != ord("0") else ord("1")
        with open(j, "wb") as f:
            f.write(bytes(data))
        rc, _, err = run(args + ["--resume"], self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("damaged at line 3", err)
        with open(j, "w") as f:
            f.write("not a journal\n")
        rc, _, err = run(args + ["--resume"], self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("not a lyapcert journal", err)
        rc, _, err = run(PHASE + ["--out", "d", "--resume"], self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("--resume needs --journal", err)


def rank_pid(mpirun_pid, rank):
    """The pid of MPI rank `rank` among the descendants of mpirun (read from /proc)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/environ", "rb") as f:
                    env = f.read().split(b"\0")
                with open(f"/proc/{d}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env and "lyapcert" in stat and \
                    f"OMPI_MCA_orte_hnp_pid={mpirun_pid}".encode() in env:
                return int(d)
            if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env and "lyapcert" in stat and \
                    is_descendant(int(d), mpirun_pid):
                return int(d)
        time.sleep(0.01)
    raise RuntimeError(f"rank {rank} of mpirun {mpirun_pid} not found")


def is_descendant(pid, ancestor):
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--mpirun", default="")
    ARGS, rest = ap.parse_known_args()
    ARGS.cli = os.path.abspath(ARGS.cli)
    if not ARGS.mpirun:
        print("note: lyapcert was built without MPI: the MPI cases are skipped (journal cases run)")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
