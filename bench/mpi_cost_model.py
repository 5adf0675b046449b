#!/usr/bin/env python3
"""Cost model of the MPI phase diagram (docs/performance.md, "MPI sweeps"): predicted wall time at many ranks from
a measured per-item cost distribution (bench/mpi_efficiency.sh writes it, LYAPCERT_ITEM_COSTS), simulating the
dynamic scheduler of app/dist_mpi.cpp event by event.

Model (one thread per rank, --jobs 1):
* rank 0 computes items itself (taking them from the queue without messages) and serves the other ranks through one
  communication thread: every request costs it `service` seconds (receive, decode and journal the result that rides
  on the request, send the next index), one request at a time (a single server);
* a rank asks for its next item when it starts one (one item queued ahead), so the round trip is hidden unless the
  server is busy; a request waits at most `poll` seconds before the server notices it (the polling back-off);
* a sweep ends with the broadcast of every result (`bytes_per_item` per item, a binomial tree at `bandwidth`).
Items of a sweep are handed out in index order; sweeps run one after the other.

Usage: mpi_cost_model.py COSTS [--scale K] [--ranks 2,64,256,1024] [--service 2e-5] [--poll 2e-3]
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
    """Wall time of one sweep of `costs` (in hand-out order) on `ranks` ranks."""
    n = len(costs)
    nxt = 0
    server_free = 0.0
    # events: (time a rank is free to start its queued item, rank, time its queued item is available)
    finish = []
    for r in range(ranks):
        heapq.heappush(finish, (0.0, r))
    queued = {}  # rank -> time the prefetched index arrives
    end = 0.0
    while nxt < n or queued:
        t, r = heapq.heappop(finish)
        if r == 0:
            if nxt >= n:
                end = max(end, t)
                continue
            start, cost = t, costs[nxt]
            nxt += 1
        else:
            if r not in queued:
                if nxt >= n:
                    end = max(end, t)
                    continue
                # first request of this rank
                served = max(t + poll / 2, server_free) + service
                server_free = served
                queued[r] = (served, nxt)
                nxt += 1
            arrival, idx = queued.pop(r)
            start, cost = max(t, arrival), costs[idx]
            if nxt < n:  # ask for the next one now (it rides with this item's result on the next request)
                served = max(start + poll / 2, server_free) + service
                server_free = served
                queued[r] = (served, nxt)
                nxt += 1
        done = start + cost
        end = max(end, done)
        heapq.heappush(finish, (done, r))
    stages = math.ceil(math.log2(ranks)) if ranks > 1 else 0
    return end + stages * n * bytes_per_item / bandwidth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("costs")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--ranks", default="1,2,64,256,1024")
    ap.add_argument("--service", type=float, default=2e-5)
    ap.add_argument("--poll", type=float, default=2e-3)
    ap.add_argument("--bytes-per-item", type=float, default=600.0)
    ap.add_argument("--bandwidth", type=float, default=5e9)
    a = ap.parse_args()
    sweeps = defaultdict(dict)
    for line in open(a.costs):
        name, idx, secs = line.split()
        sweeps[name][int(idx)] = float(secs)
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
