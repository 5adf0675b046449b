#!/usr/bin/env python3
"""Monte Carlo scan of the vector saddle's top exponent (statistical, never certified): for each (q, d, batch,
gamma, lr, sigma) the statistical prediction of `lyapcert check --model vector` (independent replicates,
Student t at level 1 - 1e-6, seed 1; proofs/sim/vector.md, SIM-VEC-MC-1), printed as CSV. The simulated runs
are cut to 1 run of 10 steps: only the prediction is read.
usage: vector_mc_scan.py --cli PATH/TO/lyapcert [--dims 1x1,1x2,2x2] [--batches 1] [--gammas 0]
                         [--lrs ...] [--sigmas ...] [--k 1] [--predict-steps 20000]
"""
import argparse, json, subprocess, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--dims", default="1x1,1x2,2x1,2x2,1x3")
    ap.add_argument("--batches", default="1")
    ap.add_argument("--gammas", default="0")
    ap.add_argument("--lrs", default="0.001,0.003,0.01,0.03,0.1,0.3,1,3")
    ap.add_argument("--sigmas", default="0.5,2,10,30,100")
    ap.add_argument("--k", default="1")
    ap.add_argument("--predict-steps", default="20000")
    a = ap.parse_args()
    print("q,d,batch,gamma,lr,sigma,estimate,lower,upper,sign")
    for qd in a.dims.split(","):
        q, d = qd.split("x")
        for S in a.batches.split(","):
            for g in a.gammas.split(","):
                for lr in a.lrs.split(","):
                    for s in a.sigmas.split(","):
                        p = subprocess.run([a.cli, "check", "--model", "vector", "--out-dim", q, "--dim", d,
                                            "--batch", S, "--gamma", g, "--k", a.k, "--lr", lr, "--sigma", s,
                                            "--runs", "1", "--steps", "10", "--seed", "1", "--json",
                                            "--predict-steps", a.predict_steps],
                                           capture_output=True, text=True)
                        try:
                            t = json.loads(p.stdout)["predicted"]["lambda_top"]
                        except (ValueError, KeyError):
                            print(f"{q},{d},{S},{g},{lr},{s},error,,,{p.stderr.strip()[:80]}", flush=True)
                            continue
                        print(f"{q},{d},{S},{g},{lr},{s},{t['estimate']:.5g},{t['lower']:.5g},{t['upper']:.5g},"
                              f"{t['sign']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
