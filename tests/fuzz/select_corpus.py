#!/usr/bin/env python3
"""Picks a small corpus from a libFuzzer merge control file (docs/fuzzing.md, "Minimise the corpus").

libFuzzer's -merge=1 keeps every input that adds a coverage *feature* (edge hit-count buckets, comparisons),
which can be many hundreds of files. This keeps, smallest first, every input that adds a new coverage *edge*,
then fills up to --max files with inputs that add new features, smallest first. It prints the chosen paths.

    build-fuzz/tests/fuzz/T_fuzz -merge=1 -merge_control_file=ctl EMPTY_DIR CORPUS_DIR
    python3 tests/fuzz/select_corpus.py ctl --max 300 | xargs cp -t tests/fuzz/corpus/C/
"""
import argparse
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("control_file")
    ap.add_argument("--max", type=int, default=300)
    args = ap.parse_args()
    with open(args.control_file) as f:
        lines = f.read().splitlines()
    n = int(lines[0])
    files = lines[2:2 + n]
    ft, cov = {}, {}
    for line in lines[2 + n:]:
        parts = line.split()
        if parts and parts[0] in ("FT", "COV"):
            (ft if parts[0] == "FT" else cov)[int(parts[1])] = set(map(int, parts[2:]))
    order = sorted((i for i in range(n) if i in ft), key=lambda i: (os.path.getsize(files[i]), files[i]))
    chosen, edges, features = [], set(), set()
    for i in order:
        if cov.get(i, set()) - edges:
            chosen.append(i)
            edges |= cov.get(i, set())
            features |= ft[i]
    edge_files = len(chosen)
    for i in order:
        if len(chosen) >= args.max:
            break
        if i not in chosen and ft[i] - features:
            chosen.append(i)
            features |= ft[i]
    chosen = chosen[:max(args.max, 0)]
    print(f"{n} inputs, {len(edges)} edges, {len(features)} features from the chosen; {edge_files} inputs add an edge; "
          f"chose {len(chosen)}", file=sys.stderr)
    for i in chosen:
        print(files[i])


if __name__ == "__main__":
    main()
