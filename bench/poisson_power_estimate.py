#!/usr/bin/env python3
"""Binary64 estimate (no certificate) of how fast the spread of P^J h falls with J on families of the seeded
random class (bench/lyapnd_random_class.cpp, --laws-only prints them), for the Poisson certificate of
proofs/lyapnd/poisson.md: for ANY bounded g, inf P^J h <= Lambda <= sup P^J h with h = phi + P g - g
(integrate against a stationary measure: P preserves it), and P^J h = phi + P g' - g' for
g' = g + sum_{i<J} P^i h, so evaluating h through J steps is a Poisson certificate whose g carries the cusps of
the true solution. g here is the piecewise-linear value-iteration solution on N uniform nodes; the spread of
P^J h is sampled at random points and cell midpoints (a lower estimate of sup - inf). Usage:
    /usr/bin/python3 bench/poisson_power_estimate.py 74 10 42 0
Recorded in docs/performance.md ("P^J h on the random class").
"""
import sys

import numpy as np
fams = {
 0: ([[[1,3],[3,-1]],[[3,2],[1,-2]],[[-3,-2],[-2,2]]],[2/14,9/14,3/14]),
 1: ([[[1,0],[-3,3]],[[3,3],[-3,-2]]],[1/3,2/3]),
 10:([[[1,2],[2,-3]],[[-2,1],[-1,-2]]],[8/11,3/11]),
 19:([[[1,1],[2,-3]],[[1,-3],[1,0]]],[5/6,1/6]),
 42:([[[2,1],[2,2]],[[-3,3],[-2,-3]]],[9/11,2/11]),
 74:([[[0,3],[3,-3]],[[-2,2],[0,1]]],[7/11,4/11]),
}
def act(A, t):
    c, s = np.cos(np.pi*t), np.sin(np.pi*t)
    x = A[0][0]*c + A[0][1]*s; y = A[1][0]*c + A[1][1]*s
    return np.mod(np.arctan2(y, x)/np.pi, 1.0), 0.5*np.log(x*x+y*y)
def run(fid, N=4096, Jmax=10, M=3000):
    As, ps = fams[fid]; k = len(As)
    x = np.arange(N)/N
    imgs = [act(A, x) for A in As]
    phi = sum(p*l for p,(t,l) in zip(ps, imgs))
    def interp(g, t):
        u = t*N; i = np.floor(u).astype(int) % N; f = u - np.floor(u)
        return g[i]*(1-f) + g[(i+1) % N]*f
    g = np.zeros(N)
    for it in range(20000):
        gn = phi + sum(p*interp(g, t) for p,(t,l) in zip(ps, imgs))
        gn -= gn[0]
        if np.max(np.abs(gn-g)) < 1e-13: g = gn; break
        g = gn
    def h(t):
        out = -interp(g, t)
        for A,p in zip(As, ps):
            tt, l = act(A, t); out += p*(l + interp(g, tt))
        return out
    rng = np.random.default_rng(1)
    T = np.concatenate([rng.random(M), (np.arange(2*N)+0.5)/(2*N)])
    res = []
    # P^J h(t) = sum_w p_w h(w.t): carry points and weights
    pts = T.copy(); w = np.ones_like(T); owner = np.arange(len(T))
    for J in range(Jmax+1):
        val = np.bincount(owner, weights=w*h(pts), minlength=len(T))
        res.append((J, val.max()-val.min(), 0.5*(val.max()+val.min())))
        if J == Jmax: break
        npts=[]; nw=[]; no=[]
        for A,p in zip(As, ps):
            tt,_ = act(A, pts); npts.append(tt); nw.append(w*p); no.append(owner)
        pts=np.concatenate(npts); w=np.concatenate(nw); owner=np.concatenate(no)
        if len(pts) > 3e7: break
    return res, it
for fid in [int(a) for a in sys.argv[1:]]:
    res, it = run(fid, Jmax=10 if len(fams[fid][0])==2 else 7)
    print(fid, 'iters', it, ' '.join(f"J{J}:{s:.2e}" for J,s,m in res), 'mid', f"{res[-1][2]:.8f}", flush=True)
