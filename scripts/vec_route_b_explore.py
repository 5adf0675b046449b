"""The quadrature route to the vector model's Poisson bound (binary64 and mpmath; NOT a certificate).

For q = 1, d = 2, S = 1, gamma = 0 and a direction v, h(v) = (1 - p)/2 E log|A v|^2 + (p/2) E log Q(A v) - (p/2) log Q(v)
(LYAPND-VEC-9, unit v). Given x, A v = a0 + a1 eps (LYAPND-VEC-15), so E[log G(A v) | x] = log alpha + F(m, s) with
the closed form F(m, s) = Re H(zeta) - pi Im erfc(zeta/sqrt 2), zeta = m + i sqrt(s) (LYAPND-VEC-14; mpmath here, with the
series sandwich of LYAPND-VEC-14 (c) for m^2 + s >= 400). This script integrates that inner closed form over x by
tensor Gauss-Hermite quadrature of increasing order and compares with a seeded Monte Carlo over (x, eps): it measures
how smooth the outer integrand is (how few nodes a certified outer rule would need).

    /usr/bin/python3 scripts/vec_route_b_explore.py --lr 0.01 --snr 0.4 --params 0.03,1.125e-4,2 --dir 0,0

--dir t,f: v = cos t e_b + sin t (cos f e + sin f e3) as in scripts/vec_quotient_explore.py; --params a,b,p: Q = e e^T
+ a e3 e3^T + b I and the power p. Results: docs/lyapnd.md, vector section.
"""
import argparse
import math
import time

import mpmath as mp
import numpy as np
from numpy.polynomial.hermite_e import hermegauss


def F(m, s):
    """E log((eps - m)^2 + s), eps ~ N(0, 1) (binary64 result)."""
    mu = m * m + s
    if mu >= 400:
        mom = lambda n: 0.0 if n % 2 else float(np.prod(np.arange(n - 1, 0, -2))) if n else 1.0
        acc = 0.0
        for j in range(1, 12):
            ey = sum(math.comb(j, i) * (-2 * m) ** (j - i) * mom(j + i) for i in range(j + 1))
            acc += (-1) ** (j + 1) * ey / mu ** j / j
        return math.log(mu) + acc
    with mp.workdps(20 + int(mu / 3)):
        z = mp.mpc(m, mp.sqrt(s))
        H = z ** 2 * mp.hyp2f2(1, 1, 1.5, 2, -z ** 2 / 2) - mp.euler - mp.log(2)
        return float(mp.re(H) - mp.pi * mp.im(mp.erfc(z / mp.sqrt(2))))


def conditional(G, v, x, lr, k, sig):
    u, w = v[0], v[1:]
    s = w @ x
    y0 = k * x[0]
    a0 = np.concatenate([[u + lr * s * y0], w + lr * u * y0 * x])
    a1 = np.concatenate([[lr * s * sig], lr * u * sig * x])
    al, be, ga = a1 @ G @ a1, a0 @ G @ a1, a0 @ G @ a0
    m = -be / al
    return math.log(al) + F(m, max(ga / al - m * m, 0.0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lr', type=float, required=True)
    ap.add_argument('--snr', type=float, required=True, help='per-sample SNR; sigma^2 = 1/snr - 2 (k = 1)')
    ap.add_argument('--params', required=True, help='a,b,p')
    ap.add_argument('--dir', default='0,0', help='t,f')
    ap.add_argument('--orders', default='8,16,24')
    ap.add_argument('--mc', type=int, default=1000000)
    a = ap.parse_args()
    k, sig = 1.0, math.sqrt(1 / a.snr - 2)
    qa, qb, p = [float(t) for t in a.params.split(',')]
    t, f = [float(z) for z in a.dir.split(',')]
    e = np.array([1, 1, 0]) / math.sqrt(2)
    eb = np.array([1, -1, 0]) / math.sqrt(2)
    e3 = np.array([0, 0, 1.0])
    Q = np.outer(e, e) + qa * np.outer(e3, e3) + qb * np.eye(3)
    v = math.cos(t) * eb + math.sin(t) * (math.cos(f) * e + math.sin(f) * e3)
    lqv = math.log(v @ Q @ v)
    rng = np.random.default_rng(1)
    z = rng.standard_normal((a.mc, 3))
    x = z[:, :2]
    y = k * x[:, 0] + sig * z[:, 2]
    s = x @ v[1:]
    Av = np.stack([v[0] + a.lr * s * y, v[1] + a.lr * v[0] * y * x[:, 0], v[2] + a.lr * v[0] * y * x[:, 1]], 1)
    lq = np.log(np.einsum('ni,ij,nj->n', Av, Q, Av))
    ln = np.log(np.einsum('ni,ni->n', Av, Av))
    hs = (1 - p) / 2 * ln + p / 2 * (lq - lqv)
    print(f"v = {v.round(4).tolist()}, Q(v) = {math.exp(lqv):.4g}, sigma = {sig:.4g}")
    print(f"Monte Carlo ({a.mc}, seed 1): E log Q(Av)/Q(v) = {lq.mean() - lqv:.6g} +- {lq.std() / math.sqrt(a.mc):.2g}, "
          f"E log|Av|^2 = {ln.mean():.6g} +- {ln.std() / math.sqrt(a.mc):.2g}, h = {hs.mean():.6g} +- "
          f"{hs.std() / math.sqrt(a.mc):.2g}")
    for order in [int(o) for o in a.orders.split(',')]:
        tt, ww = hermegauss(order)
        ww = ww / ww.sum()
        t0 = time.time()
        eq = en = 0.0
        for i in range(order):
            for j in range(order):
                xx = np.array([tt[i], tt[j]])
                eq += ww[i] * ww[j] * conditional(Q, v, xx, a.lr, k, sig)
                en += ww[i] * ww[j] * conditional(np.eye(3), v, xx, a.lr, k, sig)
        h = (1 - p) / 2 * en + p / 2 * (eq - lqv)
        print(f"outer Gauss-Hermite {order}x{order}: E log Q(Av)/Q(v) = {eq - lqv:.10g}, E log|Av|^2 = {en:.10g}, "
              f"h = {h:.10g} ({time.time() - t0:.1f} s)")


if __name__ == '__main__':
    main()
