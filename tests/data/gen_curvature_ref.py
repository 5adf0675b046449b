#!/usr/bin/env python3
"""Reference values of Lambda(lr) = E log|1 - lr h| for composite curvature laws (tests/lyap/curvature_test.cpp).

Each value is computed with mpmath at 50 digits by direct numerical integration of log|1 - lr h| against the
density of h, with the integration interval split at the singular point h = 1/lr (and at 0 for the z-integral of
sqnormal), and written only if a second evaluation at 60 digits with a different splitting (extra midpoints)
agrees to 1e-40. Finite components are summed exactly term by term. Run: python3 gen_curvature_ref.py > curvature_ref.txt
"""
from mpmath import mp, mpf, quad, log, exp, sqrt, pi, inf, fabs

def normal_part(mu, s, lr, extra):
    f = lambda h: log(fabs(1 - lr*h)) * exp(-(h-mu)**2/(2*s*s)) / (s*sqrt(2*pi))
    pts = sorted(set([-inf, mu, 1/lr, inf] + ([mu - 3*s, mu + 3*s] if extra else [])))
    return quad(f, pts)

def uniform_part(a, b, lr, extra):
    f = lambda h: log(fabs(1 - lr*h)) / (b - a)
    pts = [a, b]
    if a < 1/lr < b: pts.insert(1, 1/lr)
    if extra: pts = sorted(set(pts + [(a+b)/2]))
    return quad(f, pts)

def sqnormal_part(mu, s, lr, shift, extra):
    # h = z^2 + shift, z ~ N(mu, s^2)
    f = lambda z: log(fabs(1 - lr*(z*z + shift))) * exp(-(z-mu)**2/(2*s*s)) / (s*sqrt(2*pi))
    pts = [-inf, mu, inf, 0]
    c = (1/lr - shift)
    if c > 0: pts += [sqrt(c), -sqrt(c)]
    if extra: pts += [mu - 2*s, mu + 2*s]
    return quad(f, sorted(set(pts)))

def atoms_part(vals, lr):
    return sum(log(fabs(1 - lr*v)) for v in vals) / len(vals)

CASES = [
    ("sqnormal(0, 1)", (1, 2), lambda lr, e: sqnormal_part(0, 1, lr, 0, e)),
    ("shift(-1, sqnormal(0, 1))", (1, 2), lambda lr, e: sqnormal_part(0, 1, lr, -1, e)),
    ("scale(3, sqnormal(1/2, 2))", (1, 10), lambda lr, e: sqnormal_part(mpf(1)/2, 2, 3*lr, 0, e)),
    ("mix(normal(1, 1):1/3, uniform(-1, 2):2/3)", (3, 4),
     lambda lr, e: normal_part(1, 1, lr, e)/3 + 2*uniform_part(-1, 2, lr, e)/3),
    ("scale(-2, uniform(0, 1))", (3, 10), lambda lr, e: uniform_part(-2, 0, lr, e)),
    ("normal(1/2, 2)", (1, 10), lambda lr, e: normal_part(mpf(1)/2, 2, lr, e)),
    ("mix(normal(1, 1):1/2, atoms(1/2, 3):1/2)", (1, 1),
     lambda lr, e: normal_part(1, 1, lr, e)/2 + atoms_part([mpf(1)/2, 3], lr)/2),
    ("shift(1/2, scale(-1, normal(0, 3)))", (2, 3), lambda lr, e: normal_part(mpf(1)/2, 3, lr, e)),
]

print("# law | lr | Lambda (mpmath quad, 50 digits, checked against a second split at 60 digits to 1e-40)")
for law, (lp, lq), fn in CASES:
    mp.dps = 50
    v1 = fn(mpf(lp)/lq, False)
    mp.dps = 60
    v2 = fn(mpf(lp)/lq, True)
    assert fabs(v1 - v2) < mpf(10)**-40, (law, v1, v2)
    mp.dps = 50
    print(f"{law} | {lp}/{lq} | {mp.nstr(v1, 45)}")
