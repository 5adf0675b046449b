#!/usr/bin/env python3
"""Generates tests/data/negmom_ref.txt: independent reference values of negative absolute moments, -1 < p < 0,
for the laws added by CONT-XY-NEG-3, CONT-BIV-NEG-1 and LYAP1D-MOM-NEG-2 (checked by
XyAbsMoment.SigmaZeroAtZeroMpmath, BivariateAbsMoment.NegativeOrdersMpmath and
MixtureMoment.NegativeOrdersAreWeightedSums).

Every value is computed TWICE with mpmath, and written with an error column 8 |V1 - V2| + 1e-30 |value|:
  xy0 (xy law, sigma = 0, a = 0: E|b h_B|^p, h_B = k q/S, q ~ chi^2_S):
    (Q) tanh-sinh quadrature of |c|^p q^p against the chi-square density, c = b k/S, with the substitution
        u = q^(S/2 + p) on [0, 1] that removes the singular factor q^(S/2 + p - 1);
    (G) the Gamma-function closed form |c|^p 2^p Gamma(S/2 + p)/Gamma(S/2) (mpmath's gamma; the C++ code uses
        Arb's lgamma, so the quadrature is the independent check).
  bivneg (E|a + b x y|^p, (x, y) bivariate normal):
    (Y) conditioned on y: a + b x y | y ~ N(a + b y mux(y), (|b| |y| sx sqrt(1 - rho^2))^2),
        mux(y) = mx + rho sx (y - my)/sy, with M_p(m, v) = E|N(m, v^2)|^p = v^p 2^{p/2} Gamma((p+1)/2)/sqrt(pi)
        1F1(-p/2; 1/2; -m^2/(2 v^2)) (mpmath hyp1f1), split at y = 0;
    (X) the same conditioned on x.
  mixneg (E|1 - lr h|^p for the mixture h ~ mix(normal(2, 1):1/4, uniform(-1, 4):1/4,
          bivariate(1, 0, 1, 2, 1/2):1/4, atoms(1, 3):1/4) at lr = 1/2): the weighted sum of the components'
    moments, each computed on its own: normal in closed form ((1/2)^p E|z|^p: 1 - h/2 ~ N(0, 1/4)), uniform by
    tanh-sinh quadrature of |1 - h/2|^p / 5 split at h = 2 (with the substitution removing |h - 2|^p), the atoms
    exactly (|1/2|^p, |-1/2|^p), the bivariate by (Y); the second value uses (X) for the bivariate and the
    antiderivative (CONT-UNIF-4's formula) for the uniform.
32 significant digits are written.
Run:  /usr/bin/python3 tests/data/gen_negmom_ref.py > tests/data/negmom_ref.txt
"""
import sys

import mpmath as mp

mp.mp.dps = 40
TOL = mp.mpf("1e-6")


def rat(s):
    if "/" in s:
        p, q = s.split("/")
        return mp.mpf(int(p)) / int(q)
    return mp.mpf(int(s))


def chi2_pdf(q, S):
    return q ** (mp.mpf(S) / 2 - 1) * mp.exp(-q / 2) / (2 ** (mp.mpf(S) / 2) * mp.gamma(mp.mpf(S) / 2))


def Mp(m, v, p):
    x = m * m / (2 * v * v)
    return v ** p * 2 ** (p / 2) * mp.gamma((p + 1) / 2) / mp.sqrt(mp.pi) * mp.hyp1f1(-p / 2, mp.mpf(1) / 2, -x)


def xy0_Q(b, k, S, p):
    c = b * k / S
    al = mp.mpf(S) / 2 + p
    # on [0, 1]: q^(al - 1) g(q) dq with g(q) = |c|^p e^{-q/2}/(2^{S/2} Gamma(S/2)); u = q^al gives int_0^1 g(u^(1/al)) du/al
    g = lambda q: abs(c) ** p * mp.exp(-q / 2) / (2 ** (mp.mpf(S) / 2) * mp.gamma(mp.mpf(S) / 2))
    head = mp.quad(lambda u: g(u ** (1 / al)), [0, 1]) / al
    tail = mp.quad(lambda q: abs(c) ** p * q ** p * chi2_pdf(q, S), [1, S + 10, S + 60, mp.inf])
    return head + tail


def xy0_G(b, k, S, p):
    c = b * k / S
    return abs(c) ** p * 2 ** p * mp.gamma(mp.mpf(S) / 2 + p) / mp.gamma(mp.mpf(S) / 2)


def biv_cond(a, b, mx, my, sx, sy, rho, p):
    """E|a + b x y|^p conditioned on y (swap the roles of (mx, sx) and (my, sy) to condition on x)."""
    s = sx * mp.sqrt(1 - rho ** 2)
    mux = lambda y: mx + rho * sx * (y - my) / sy
    phi = lambda y: mp.exp(-(y - my) ** 2 / (2 * sy ** 2)) / (sy * mp.sqrt(2 * mp.pi))
    f = lambda y: Mp(a + b * y * mux(y), abs(b) * abs(y) * s, p) * phi(y)
    pts = sorted(set([mp.mpf(0), my - 3 * sy, my + 3 * sy, my - 8 * sy, my + 8 * sy]))
    return mp.quad(f, [-mp.inf] + pts + [mp.inf])


def uniform_Q(lr, lo, hi, p):
    h0 = 1 / lr
    dens = 1 / (hi - lo)
    total = mp.mpf(0)
    # |1 - lr h|^p = lr^p |h - h0|^p; with d = |h - h0|, int_0^D d^p dd through u = d^(1+p)
    for D in (h0 - lo, hi - h0):
        total += mp.quad(lambda u: 1, [0, D ** (1 + p)]) / (1 + p)
    return lr ** p * dens * total


def uniform_K(lr, lo, hi, p):
    K = lambda u: mp.sign(u) * abs(u) ** (p + 1) / (p + 1)
    return (K(1 - lr * lo) - K(1 - lr * hi)) / (lr * (hi - lo))


BIV = [  # a b mx my sx sy rho p
    ("1", "-1/2", "1", "0", "1", "2", "1/2", "-1/2"),
    ("1", "-1/2", "0", "0", "1", "1", "0", "-3/4"),
    ("1", "1/3", "1/2", "-1", "3/2", "1", "-3/10", "-1/4"),
    ("1", "-2", "1", "1", "1/2", "1/4", "9/10", "-9/10"),
    ("-1/2", "1", "0", "2", "1", "1/2", "0", "-1/8"),
]
XY0 = [  # b k S p
    ("-1/10", "100", 2, "-1/2"),
    ("-1/2", "7/10", 1, "-1/4"),
    ("1/3", "7/10", 3, "-7/8"),
    ("-1", "-2", 7, "-1/2"),
    ("1/2", "1", 2, "3/2"),
    ("-1/2", "7/10", 1, "1/2"),
]


def emit(tag, fields, v1, v2):
    err = 8 * abs(v1 - v2) + mp.mpf("1e-30") * abs(v1)
    if err > TOL * abs(v1):
        print(f"# skipped {tag} {' '.join(fields)}: methods differ {mp.nstr(v1, 30)} {mp.nstr(v2, 30)}", file=sys.stderr)
        return
    print(f"{tag} {' '.join(fields)} {mp.nstr(v1, 32)} {mp.nstr(err, 3)}")


print("# negative moments (gen_negmom_ref.py): value err, the value good to +- err (two mpmath methods)")
print("# xy0 b k S p value err: E|b h_B|^p, h_B ~ xy(k, 0, batch=S)")
for (sb, sk, S, sp) in XY0:
    b, k, p = rat(sb), rat(sk), rat(sp)
    emit("xy0", [sb, sk, str(S), sp], xy0_Q(b, k, S, p), xy0_G(b, k, S, p))
print("# bivneg a b mx my sx sy rho p value err: E|a + b x y|^p")
for case in BIV:
    a, b, mx, my, sx, sy, rho, p = map(rat, case)
    emit("bivneg", list(case), biv_cond(a, b, mx, my, sx, sy, rho, p), biv_cond(a, b, my, mx, sy, sx, rho, p))
print("# mixneg lr p value err: E|1 - lr h|^p, h ~ mix(normal(2, 1):1/4, uniform(-1, 4):1/4, "
      "bivariate(1, 0, 1, 2, 1/2):1/4, atoms(1, 3):1/4)")
for sp in ("-1/2", "-1/8", "-9/10"):
    lr, p = mp.mpf(1) / 2, rat(sp)
    normal = lr ** p * 2 ** (p / 2) * mp.gamma((p + 1) / 2) / mp.sqrt(mp.pi)
    atoms = (abs(1 - lr * 1) ** p + abs(1 - lr * 3) ** p) / 2
    # bivariate(mx=1, my=0, sx=1, sy=2, rho=1/2); 1 - lr x y: a = 1, b = -lr
    by = biv_cond(mp.mpf(1), -lr, mp.mpf(1), mp.mpf(0), mp.mpf(1), mp.mpf(2), mp.mpf(1) / 2, p)
    bx = biv_cond(mp.mpf(1), -lr, mp.mpf(0), mp.mpf(1), mp.mpf(2), mp.mpf(1), mp.mpf(1) / 2, p)
    v1 = (normal + uniform_Q(lr, mp.mpf(-1), mp.mpf(4), p) + by + atoms) / 4
    v2 = (normal + uniform_K(lr, mp.mpf(-1), mp.mpf(4), p) + bx + atoms) / 4
    emit("mixneg", ["1/2", sp], v1, v2)
