#!/usr/bin/env python3
"""Cost model of the MPI phase diagram (docs/performance.md, "MPI sweeps"): predicted wall time at many ranks from
a measured per-item cost distribution (bench/mpi_efficiency.sh writes it, LYAPCERT_ITEM_COSTS), simulating the
dynamic scheduler of app/dist_mpi.cpp event by event.

Model (one thread per rank, --jobs 1):
* items go, in index order, to the first rank that is free (the queue; a rank keeps one item queued ahead, so the
  round trip is hidden while rank 0 keeps up); every item costs its rank `service` more (the request);
* rank 0 serves requests one at a time (receive, decode and journal the result riding on the request, send the
  next index), `service` seconds each: a sweep of n items takes at least n x service (the queue bound), plus at most
  `poll` before the last request is noticed (the polling back-off);
* a sweep ends with the broadcast of every result (`bytes_per_item` per item, a binomial tree at `bandwidth`).
Sweeps run one after the other (points, then boundary brackets).

Usage: mpi_cost_model.py COSTS [--scale K] [--ranks 2,64,256,1024] [--service 2e-5] [--poll 2e-3] [--time-scale F]
  --scale K: K times as many items drawn with replacement from the measured costs (a K times finer diagram has
  about K times the items; near a boundary the expensive items keep their share). Also prints the same with the
  costliest items last (the worst order for the tail).
"""
import argparse
import heapq
import math
import random
from collections import defaultdict


def simulate(costs, ranks, service, poll, bytes_per_item, bandwidth):
    """Wall time of one sweep of `costs` (in hand-out order) on `ranks` ranks.

    Greedy list scheduling in index order (the next item goes to the first rank that is free: what the queue does
    when its round trip is hidden by the item queued ahead), each item costing a rank `service` more when it comes
    through rank 0's communication thread; the sweep cannot end before rank 0 has served every request one at a
    time (n x service) nor before the last item was handed out; then the broadcast of every result."""
    free = [0.0] * ranks
    heapq.heapify(free)
    end = 0.0
    for c in costs:
        t = heapq.heappop(free)
        done = t + c + (service if ranks > 1 else 0.0)
        end = max(end, done)
        heapq.heappush(free, done)
    served = len(costs) * service if ranks > 1 else 0.0
    stages = math.ceil(math.log2(ranks)) if ranks > 1 else 0
    return max(end, served + poll) + stages * len(costs) * bytes_per_item / bandwidth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("costs")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--ranks", default="1,2,64,256,1024")
    ap.add_argument("--service", type=float, default=2e-5)
    ap.add_argument("--poll", type=float, default=2e-3)
    ap.add_argument("--bytes-per-item", type=float, default=600.0)
    ap.add_argument("--bandwidth", type=float, default=5e9)
    ap.add_argument("--time-scale", type=float, default=1.0,
                    help="multiply every measured cost (e.g. to undo a loaded machine's slowdown)")
    a = ap.parse_args()
    sweeps = defaultdict(dict)
    for line in open(a.costs):
        name, idx, secs = line.split()
        sweeps[name][int(idx)] = float(secs) * a.time_scale
    rng = random.Random(12345)
    orders = {}
    for name, d in sweeps.items():
        base = [d[i] for i in sorted(d)]
        items = base if a.scale == 1 else [rng.choice(base) for _ in range(len(base) * a.scale)]
        orders[name] = items
    total = sum(sum(v) for v in orders.values())
    n_items = sum(len(v) for v in orders.values())
    allc = sorted(c for v in orders.values() for c in v)
    print(f"items: {n_items} in {len(orders)} sweeps, work {total:.1f} s; per item: median {allc[len(allc) // 2] * 1e3:.2f} ms, "
          f"p99 {allc[int(0.99 * (len(allc) - 1))] * 1e3:.1f} ms, max {allc[-1] * 1e3:.1f} ms, "
          f"max/median {allc[-1] / max(allc[len(allc) // 2], 1e-9):.0f}")
    print(f"model: service {a.service * 1e6:.0f} us per request, poll <= {a.poll * 1e3:.1f} ms, "
          f"{a.bytes_per_item:.0f} B per item broadcast at {a.bandwidth / 1e9:.0f} GB/s")
    print("ranks  wall (index order)  efficiency  wall (costliest last)  efficiency  bound by rank 0's queue")
    for p in (int(x) for x in a.ranks.split(",")):
        w = sum(simulate(v, p, a.service, a.poll, a.bytes_per_item, a.bandwidth) for v in orders.values())
        worst = sum(simulate(sorted(v), p, a.service, a.poll, a.bytes_per_item, a.bandwidth) for v in orders.values())
        queue_bound = n_items * a.service
        print(f"{p:5d}  {w:18.2f}  {total / (p * w):10.2f}  {worst:21.2f}  {total / (p * worst):10.2f}  "
              f"{queue_bound:.2f} s")


if __name__ == "__main__":
    main()
