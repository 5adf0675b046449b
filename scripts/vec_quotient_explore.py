"""Exploration for the small-learning-rate part of the vector grid (binary64 quadrature, NOT a certificate).

For the vector model A = I + lr J(M), S = 1, gamma = 0, it evaluates the Poisson-type lower bound
(LYAPND-VEC-1 (b)) with the non-quadratic function g(v) = (p/2) log(Q(v)/|v|^2):

    h(v) = E[log(|A v|/|v|) + g(A v) - g(v)] = (1 - p) E log(|A v|/|v|) + (p/2) E log(Q(A v)/Q(v)),

on a grid of directions of the quotient (LYAPND-VEC-1 (c)), refined near the bottom eigenspace of E[J], and
maximises inf_v h over the parameters of Q and p. Q is invariant under the symmetry group, as (b) needs:
  q = 1, d = 2:  Q = e e^T + c1 lr e3 e3^T + c2 lr^2 I, e = (1, 1, 0)/sqrt 2, e3 = (0, 0, 1);
  q = d = 2:    Q = P_+ + c lr I, P_+ the projector on the top eigenspace {(u, u)} of E[J].
Expectations over (x, eps) by tensor Gauss-Hermite quadrature (order --order per variable); --mc N instead uses
N seeded Monte Carlo samples (common to all directions) as an independent check of the quadrature.

    /usr/bin/python3 scripts/vec_quotient_explore.py --q 1 --lr 0.01 --snr 0.05 [--params c1,c2,p] [--fine]

The minimising direction is printed in the grid's coordinates: q = 1, d = 2: (t, f) with
v = cos t e_b + sin t (cos f e + sin f e3), e_b = (1, -1, 0)/sqrt 2; q = d = 2: (al, be) with u = (cos al, 0),
w = sin al (cos be, sin be). The infimum over a finite grid overestimates the true infimum; d = 2 only.
Results and what they mean: docs/claims.md section 6.
"""
import argparse, itertools, sys
import numpy as np
from numpy.polynomial.hermite_e import hermegauss


def nodes(order, dim, mc, seed=1):
    if mc:
        z = np.random.default_rng(seed).standard_normal((mc, dim))
        return z, np.full(mc, 1.0 / mc)
    t, w = hermegauss(order)
    w = w / w.sum()
    z = np.array(list(itertools.product(t, repeat=dim)))
    W = np.prod(np.array(list(itertools.product(w, repeat=dim))), axis=1)
    return z, W


def directions(q, fine):
    """Unit vectors covering the quotient; returns (V, labels)."""
    m = 2 if fine else 1
    if q == 1:
        e = np.array([1, 1, 0]) / np.sqrt(2); eb = np.array([1, -1, 0]) / np.sqrt(2); e3 = np.array([0, 0, 1.0])
        th = np.concatenate([[0], np.geomspace(1e-4, np.pi / 2, 20 * m)])
        ph = np.concatenate([np.linspace(0, np.pi, 13 * m), np.pi / 2 + np.linspace(-0.3, 0.3, 11 * m)])
        T, P = [a.ravel() for a in np.meshgrid(th, ph, indexing='ij')]
        V = np.cos(T)[:, None] * eb + np.sin(T)[:, None] * (np.cos(P)[:, None] * e + np.sin(P)[:, None] * e3)
        return V, np.stack([T, P], 1)
    # q = d = 2: u = (cos al, 0), w = sin al (cos be, sin be) covers every orbit; the bottom eigenspace is
    # al = pi/4, be = pi.
    d = np.geomspace(1e-3, 0.5, 6 * m)
    al = np.unique(np.concatenate([np.linspace(0, np.pi / 2, 9 * m), np.pi / 4 + d, np.pi / 4 - d]))
    be = np.unique(np.concatenate([np.linspace(0, np.pi, 9 * m), np.pi - d]))
    A, B = [a.ravel() for a in np.meshgrid(al, be, indexing='ij')]
    V = np.stack([np.cos(A), 0 * A, np.sin(A) * np.cos(B), np.sin(A) * np.sin(B)], 1)
    return V, np.stack([A, B], 1)


def images(q, d, lr, k, sig, V, Z):
    """A v for every direction and node: (m, N, n)."""
    x = Z[:, :d]; eps = Z[:, d:]
    y = k * x[:, :q] + sig * eps
    u = V[:, :q]; w = V[:, q:]
    s = w @ x.T; t = u @ y.T
    Au = u[:, None, :] + lr * s[:, :, None] * y[None]
    Aw = w[:, None, :] + lr * t[:, :, None] * x[None]
    return np.concatenate([Au, Aw], axis=-1)


def qmat(q, lr, par):
    if q == 1:
        c1, c2 = par[0], par[1]
        e = np.array([1, 1, 0]) / np.sqrt(2); e3 = np.array([0, 0, 1.0])
        return np.outer(e, e) + c1 * lr * np.outer(e3, e3) + c2 * lr * lr * np.eye(3)
    P = np.zeros((4, 4)); P[:2, :2] = P[2:, 2:] = P[:2, 2:] = P[2:, :2] = 0.5 * np.eye(2)
    return P + par[0] * lr * np.eye(4)


class Bound:
    """Keeps the images A v (memory ~ directions x nodes x n x 8 bytes) so that many parameters are cheap;
    with stream=True it recomputes them per chunk instead (one parameter set, any size)."""
    def __init__(self, q, lr, k, sig, Z, W, V, chunk=32, stream=False):
        self.q, self.lr, self.V, self.W = q, lr, V, W
        mk = lambda i: images(q, 2, lr, k, sig, V[i:i + chunk], Z)
        self.chunks = [(lambda i=i: mk(i)) for i in range(0, len(V), chunk)]
        if not stream:
            cache = [f() for f in self.chunks]
            self.chunks = [(lambda a=a: a) for a in cache]
        self.lognorm = np.concatenate([0.5 * np.log(np.einsum('mni,mni->mn', a, a)) @ W
                                       for a in (f() for f in self.chunks)])

    def h(self, par):
        p = par[-1]
        Q = qmat(self.q, self.lr, par)
        lq = np.concatenate([np.log(np.einsum('mni,ij,mnj->mn', a, Q, a)) @ self.W
                             for a in (f() for f in self.chunks)])
        den = np.einsum('mi,ij,mj->m', self.V, Q, self.V)
        return (1 - p) * self.lognorm + p * 0.5 * (lq - np.log(den))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--q', type=int, choices=[1, 2], required=True)
    ap.add_argument('--lr', type=float, required=True)
    ap.add_argument('--snr', type=float, required=True, help='per-sample SNR; sigma^2 = 1/snr - 2 (k = 1)')
    ap.add_argument('--order', type=int, default=0)
    ap.add_argument('--mc', type=int, default=0)
    ap.add_argument('--params', default='', help='fixed parameters (c1,c2,p or c,p); default: optimise')
    ap.add_argument('--fine', action='store_true')
    ap.add_argument('--start', default='', help='start of the optimisation instead of the coarse scan')
    ap.add_argument('--steps', type=int, default=40, help='Nelder-Mead evaluations')
    a = ap.parse_args()
    k = 1.0; sig = np.sqrt(1 / a.snr - 2)
    dim = 3 if a.q == 1 else 4
    Z, W = nodes(a.order or (20 if a.q == 1 else 9), dim, a.mc)
    V, lab = directions(a.q, a.fine)
    B = Bound(a.q, a.lr, k, sig, Z, W, V, stream=bool(a.params))
    if a.params:
        best = [float(t) for t in a.params.split(',')]
    else:
        # coarse scan, then Nelder-Mead on (log c.., p)
        from scipy.optimize import minimize
        if a.q == 1:
            cands = [(c1, c1 * p * (1 + sig * sig) / (4 * m), p)
                     for c1, m, p in itertools.product([0.3, 1, 3, 10], [1, 2, 4], [2, 3, 5])]
        else:
            cands = [(c, p) for c, p in itertools.product(np.geomspace(0.03, 30, 9), [1, 1.5, 2, 3])]
        best = ([float(t) for t in a.start.split(',')] if a.start
                else max(cands, key=lambda par: B.h(par).min()))
        f = lambda z: -B.h(list(np.exp(z[:-1])) + [z[-1]]).min()
        r = minimize(f, list(np.log(best[:-1])) + [best[-1]], method='Nelder-Mead',
                     options=dict(maxfev=a.steps, xatol=1e-2, fatol=1e-4 * a.lr))
        best = list(np.exp(r.x[:-1])) + [r.x[-1]]
    h = B.h(best)
    i = np.argmin(h)
    print(f"q={a.q} lr={a.lr:.4g} snr={a.snr:.4g} sigma={sig:.4g} params={','.join(f'{t:.4g}' for t in best)} "
          f"inf/lr={h[i] / a.lr:.4f} at {lab[i].round(4).tolist()} (g=0: {B.lognorm.min() / a.lr:.4f}) "
          f"[{len(V)} directions, {'mc %d' % a.mc if a.mc else 'GH order %d' % (a.order or (20 if a.q == 1 else 9))}]",
          flush=True)


if __name__ == '__main__':
    main()
