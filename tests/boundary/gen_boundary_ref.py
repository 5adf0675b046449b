#!/usr/bin/env python3
"""Generates tests/boundary/boundary_ref.txt: independent reference roots of Lambda(lr) = E log|1 - lr h|.

For every law, all sign changes of Lambda in the stated range are located with mpmath at 60 digits:
  1. a dense scan of Lambda on a geometric grid (1500 points, 20 digits) brackets every sign change,
  2. mp.findroot (Anderson / bisection-type solver on the bracket) refines each at 60 digits,
  3. each root is CHECKED a second, independent way: Lambda at the root -+ 1e-25 max(1, root) is recomputed by
     mp.quad (tanh-sinh quadrature of log|1 - lr h| against the density, split at h = 1/lr and at the
     edges of the bulk) and must have opposite signs; roots failing the check are not written.
Closed forms used in step 1-2 (docs/math.md section 2):
  normal(mu, s):   G(1 - lr mu, lr s),  G(m, v) = log v - (gamma + log 2)/2 + x hyp2f2(1,1;3/2,2;-x), x = m^2/(2v^2)
  sqnormal(mu, s): G(1 - sqrt(lr) mu, sqrt(lr) s) + G(1 + sqrt(lr) mu, sqrt(lr) s)
  uniform(a, b):   (F(1 - lr a) - F(1 - lr b)) / (lr (b - a)),  F(u) = u log|u| - u
  atoms:           sum_j p_j log|1 - lr h_j| (exact rationals; slivers are far narrower than the scan and are
                   not in this file: they are tested against MPFI in boundary_test.cpp)
50 significant digits are written.  Run:  python3 tests/boundary/gen_boundary_ref.py > tests/boundary/boundary_ref.txt
"""
import mpmath as mp

mp.mp.dps = 60


def rat(s):
    if "/" in s:
        p, q = s.split("/")
        return mp.mpf(int(p)) / int(q)
    return mp.mpf(s)


def G(m, v):
    x = m * m / (2 * v * v)
    if x > 400:  # large x: Dawson form, G = log v - (gamma+log2)/2 + 2 int_0^{sqrt x} D(u) du, by quadrature
        y = mp.sqrt(x)
        integ = mp.quad(lambda u: mp.sqrt(mp.pi) / 2 * mp.exp(-u * u) * mp.erfi(u), [0, y])
        return mp.log(v) - (mp.euler + mp.log(2)) / 2 + 2 * integ
    return mp.log(v) - (mp.euler + mp.log(2)) / 2 + x * mp.hyp2f2(1, 1, 1.5, 2, -x)


def closed(kind, par):
    if kind == "normal":
        mu, s = par
        return lambda lr: G(1 - lr * mu, lr * s)
    if kind == "sqnormal":
        mu, s = par
        return lambda lr: G(1 - mp.sqrt(lr) * mu, mp.sqrt(lr) * s) + G(1 + mp.sqrt(lr) * mu, mp.sqrt(lr) * s)
    if kind == "uniform":
        a, b = par
        F = lambda u: 0 if u == 0 else u * mp.log(abs(u)) - u
        return lambda lr: (F(1 - lr * a) - F(1 - lr * b)) / (lr * (b - a))
    if kind == "atoms":
        hs, ps = par
        return lambda lr: mp.fsum(p * mp.log(abs(1 - lr * h)) for h, p in zip(hs, ps))
    raise ValueError(kind)


def quad_value(kind, par, lr):
    """Independent path: numerical integration against the density."""
    if kind == "normal":
        mu, s = par
        dens = lambda h: mp.npdf(h, mu, s)
        pts = sorted(set([mu - 12 * s, mu - 3 * s, mu, mu + 3 * s, mu + 12 * s, 1 / lr]))
        pts = [p for p in pts if mu - 12 * s <= p <= mu + 12 * s]
        return mp.quad(lambda h: mp.log(abs(1 - lr * h)) * dens(h), pts)
    if kind == "sqnormal":
        mu, s = par
        c = 1 / mp.sqrt(lr)
        pts = sorted(set([mu - 12 * s, mu - 3 * s, mu, mu + 3 * s, mu + 12 * s, c, -c]))
        pts = [p for p in pts if mu - 12 * s <= p <= mu + 12 * s]
        return mp.quad(lambda z: mp.log(abs(1 - lr * z * z)) * mp.npdf(z, mu, s), pts)
    if kind == "uniform":
        a, b = par
        pts = sorted(set([a, b] + ([1 / lr] if a < 1 / lr < b else [])))
        return mp.quad(lambda h: mp.log(abs(1 - lr * h)), pts) / (b - a)
    if kind == "atoms":
        return closed(kind, par)(lr)  # exact sum is its own independent path (the library uses grouped products)


CASES = [
    ("normal", ["1", "1"], "1/2048", "1024"),
    ("normal", ["1/2", "2"], "1/4096", "512"),
    ("normal", ["-1/4", "1"], "1/1024", "64"),
    ("sqnormal", ["0", "1"], "1/2048", "1024"),
    ("sqnormal", ["1", "1/2"], "1/64", "64"),
    ("uniform", ["-1", "3"], "1/2048", "1024"),
    ("uniform", ["1/2", "2"], "1/64", "64"),
    ("atoms", ["-1", "1/2"], "1/4", "8"),
    ("atoms", ["3:1/3", "-1:1/3", "1/2:1/3"], "1/8", "16"),
]


def law_text(kind, args):
    return f"{kind}({', '.join(args)})"


def params(kind, args):
    if kind == "atoms":
        hs, ps = [], []
        for a in args:
            if ":" in a:
                h, p = a.split(":")
            else:
                h, p = a, f"1/{len(args)}"
            hs.append(rat(h))
            ps.append(rat(p))
        return (hs, ps)
    return tuple(rat(a) for a in args)


def roots(kind, par, lo, hi):
    f = closed(kind, par)
    n = 1500
    grid = [lo * (hi / lo) ** (mp.mpf(i) / n) for i in range(n + 1)]
    if kind == "atoms":  # keep off the singular points 1/h (slivers are handled elsewhere)
        sing = [1 / h for h in par[0] if h > 0]
        grid = sorted(set(grid) | set(s * (1 + d) for s in sing for d in (mp.mpf(-1e-6), mp.mpf(1e-6))))
    with mp.workdps(20):
        vals = [f(x) for x in grid]
    out = []
    for i in range(len(grid) - 1):
        a, b = grid[i], grid[i + 1]
        if kind == "atoms" and any(a < s < b for s in [1 / h for h in par[0] if h > 0]):
            continue
        if vals[i] == 0:
            out.append(a)
        elif vals[i] * vals[i + 1] < 0:
            out.append(mp.findroot(f, (a, b), solver="anderson"))
    return out


def main():
    print("# Reference roots of Lambda(lr) = E log|1 - lr h| for lyapcert::boundary, generated by")
    print(f"# tests/boundary/gen_boundary_ref.py (mpmath {mp.__version__}, 60 digits): grid scan + findroot on the")
    print("# closed form, each root confirmed by the sign of an independent quadrature (40 digits) at root -+ 1e-25.")
    print("# law | lr_min | lr_max | number of roots | roots (50 significant digits) ...")
    for kind, args, lo, hi in CASES:
        par = params(kind, args)
        rs = roots(kind, par, rat(lo), rat(hi))
        good = []
        for r in rs:
            eps = mp.mpf("1e-25") * max(1, r)
            with mp.workdps(40):
                a, b = quad_value(kind, par, r - eps), quad_value(kind, par, r + eps)
            if kind == "atoms" and abs(closed(kind, par)(r)) < mp.mpf("1e-55"):
                good.append(r)  # exact zero (e.g. atoms(-1, 1/2) at lr = 1)
            elif a * b < 0:
                good.append(r)
            else:
                raise SystemExit(f"root {r} of {kind}{args} not confirmed by quadrature")
        print(f"{law_text(kind, args)} | {lo} | {hi} | {len(good)} | " + " ".join(mp.nstr(r, 50) for r in good))


if __name__ == "__main__":
    main()
