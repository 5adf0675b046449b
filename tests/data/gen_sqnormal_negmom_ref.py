#!/usr/bin/env python3
"""Generates tests/data/sqnormal_negmom_ref.txt: independent reference values of negative absolute moments of
squared normals (CONT-SQN-NEG-1 .. 3; checked by SqnormalAbsMoment.NegativeOrdersMpmath and by
tests/cli/sqnormal_moment_test.py).

The quantity is E|al + be a^2|^p, a ~ N(mu, s^2), p < 0 (the kernel E|1 - lr a^2|^p is al = 1, be = -lr). Every
value is computed TWICE with mpmath's tanh-sinh quadrature at 50 digits, in two different variables, and written
with an error column 8 |V1 - V2| + 1e-38 |value| (the 40-digit rounding included):
  (A) in a. The zeros a = +-r, r = sqrt(-al/be) (when al be < 0) or a = 0 (al = 0) are breakpoints; on the
      half-intervals next to a zero the integrand is d^q G(d) (d the distance to the zero, q = p, or 2p at a = 0)
      with G smooth, integrated after the substitution u = d^(q + 1) (du = (q + 1) d^q dd), which removes the
      singularity (a direct quadrature through it loses digits near the finiteness limit).
  (H) in h = a^2 with the density f(h) = (phi((sqrt h - mu)/s) + phi((-sqrt h - mu)/s)) / (2 s sqrt h): the zero
      h0 = -al/be (when positive) by the same substitution on [h0/2, h0] and [h0, 2 h0]; the edge h = 0 (where f
      blows up like h^(-1/2)) through h = v^2 on [0, h1], and when al = 0 the remaining pole v^(2p) through
      u = v^(2p + 1).
For mu = 0 a third value is checked (not written): the closed forms of CONT-SQN-2 (be < 0 < al, 1F1 and U) and
E(1 + c a^2)^p = y^(1/2) U(1/2, 3/2 + p, y), y = 1/(2 c s^2) (al, be > 0 after scaling), mpmath's hyp1f1/hyperu.
Rows:
  sqn lr mu s p value err          E|1 - lr a^2|^p (kernel; lr of either sign)
  law LAW lr p g err               g = log E|1 - lr h|^p for the curvature law LAW (spaces removed), a
                                   mixture's moment the weighted sum of its components' (LYAP1D-MOM-NEG-2)
40 significant digits are written.
Run:  /usr/bin/python3 tests/data/gen_sqnormal_negmom_ref.py > tests/data/sqnormal_negmom_ref.txt
"""
import sys

import mpmath as mp

mp.mp.dps = 50


def rat(x):
    if "/" in x:
        n, d = x.split("/")
        return mp.mpf(int(n)) / int(d)
    return mp.mpf(int(x))


def sing(G, w, q):
    """int_0^w d^q G(d) dd through u = d^(q + 1)."""
    q1 = q + 1
    return mp.quad(lambda u: G(u ** (1 / q1)), [0, w ** q1]) / q1


def method_a(al, be, mu, s, p):
    phi = lambda a: mp.exp(-(a - mu) ** 2 / (2 * s * s)) / (s * mp.sqrt(2 * mp.pi))
    F = lambda a: abs(al + be * a * a) ** p * phi(a)

    def smooth(lo, hi):
        pts = [lo] + [x for x in (mu - 10 * s, mu - 3 * s, mu, mu + 3 * s, mu + 10 * s) if lo < x < hi] + [hi]
        return mp.quad(F, pts)

    if al == 0:  # |be|^p |a|^(2p) phi(a)
        G = lambda d, sg: abs(be) ** p * phi(sg * d)
        return (sing(lambda d: G(d, 1), 1, 2 * p) + sing(lambda d: G(d, -1), 1, 2 * p) + smooth(-mp.inf, -1)
                + smooth(1, mp.inf))
    if al * be > 0:
        return smooth(-mp.inf, mp.inf)
    r = mp.sqrt(-al / be)
    w = r / 2
    # near +r: |al + be a^2| = |be| |a - r| |a + r|; near -r likewise with |a - r|
    Gp = lambda a: (abs(be) * abs(a + r)) ** p * phi(a)
    Gm = lambda a: (abs(be) * abs(a - r)) ** p * phi(a)
    total = smooth(-mp.inf, -r - w) + smooth(-r + w, r - w) + smooth(r + w, mp.inf)
    total += sing(lambda d: Gm(-r - d), w, p) + sing(lambda d: Gm(-r + d), w, p)
    total += sing(lambda d: Gp(r - d), w, p) + sing(lambda d: Gp(r + d), w, p)
    return total


def method_h(al, be, mu, s, p):
    phi = lambda z: mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)
    f = lambda h: (phi((mp.sqrt(h) - mu) / s) + phi((-mp.sqrt(h) - mu) / s)) / (2 * s * mp.sqrt(h))
    # f(v^2) 2 v dv = (phi((v - mu)/s) + phi((-v - mu)/s)) / s dv
    fv = lambda v: (phi((v - mu) / s) + phi((-v - mu) / s)) / s
    M = lambda h: abs(al + be * h) ** p

    def tail(lo):
        pts = [lo] + [x for x in (mu * mu + s * s, (abs(mu) + 4 * s) ** 2, (abs(mu) + 10 * s) ** 2) if x > lo]
        return mp.quad(lambda h: M(h) * f(h), pts + [mp.inf])

    if al == 0:  # |be|^p v^(2p) fv(v) on [0, 1], then h >= 1
        return sing(lambda v: abs(be) ** p * fv(v), 1, 2 * p) + tail(1)
    h0 = -al / be
    if h0 <= 0:
        return mp.quad(lambda v: M(v * v) * fv(v), [0, 1]) + tail(1)
    # |al + be h| = |be| |h - h0|
    head = mp.quad(lambda v: M(v * v) * fv(v), [0, mp.sqrt(h0) / 2])
    mid = mp.quad(lambda h: M(h) * f(h), [h0 / 4, h0 / 2])
    near = sing(lambda d: abs(be) ** p * f(h0 - d), h0 / 2, p) + sing(lambda d: abs(be) ** p * f(h0 + d), h0, p)
    return head + mid + near + tail(2 * h0)


def closed_mu0(al, be, s, p):
    """E|al + be a^2|^p for a ~ N(0, s^2), al != 0: CONT-SQN-2 (1F1 + U) or y^(1/2) U(1/2, 3/2 + p, y)."""
    c = -be / al  # |al|^p E|1 - c a^2|^p
    k = mp.mpf(1) / 2
    if c > 0:
        y = 1 / (2 * c * s * s)
        v = y ** k / mp.gamma(k) * (mp.beta(k, p + 1) * mp.hyp1f1(k, k + p + 1, -y)
                                     + mp.exp(-y) * mp.gamma(p + 1) * mp.hyperu(p + 1, p + k + 1, y))
    else:
        y = 1 / (2 * (-c) * s * s)
        v = mp.sqrt(y) * mp.hyperu(k, k + p + 1, y)
    return abs(al) ** p * v


def both(al, be, mu, s, p):
    v1, v2 = method_a(al, be, mu, s, p), method_h(al, be, mu, s, p)
    err = 8 * abs(v1 - v2) + mp.mpf("1e-38") * abs(v1)
    if mu == 0 and al != 0:
        v3 = closed_mu0(al, be, s, p)
        assert abs(v3 - v1) < err + mp.mpf("1e-38") * abs(v1), (al, be, s, p, v1, v3)
    assert err < mp.mpf("1e-30") * abs(v1), (al, be, mu, s, p, v1, v2)
    return v1, err


def law_moment(parts, lr, p):
    """parts: [(weight, kind, args)]; kind 'sqn' (shift c, scale k, mu, s): h = c + k a^2; 'normal' (mu, s)."""
    total, err = mp.mpf(0), mp.mpf(0)
    for w, kind, args in parts:
        if kind == "sqn":
            c, k, mu, s = args
            v, e = both(1 - lr * c, -lr * k, mu, s, p)
        else:  # normal(mu, s): 1 - lr h ~ N(1 - lr mu, (lr s)^2), E|N(m, v^2)|^p by the 1F1 closed form
            mu, s = args
            m, v = 1 - lr * mu, lr * s
            x = m * m / (2 * v * v)
            v = v ** p * 2 ** (p / 2) * mp.gamma((p + 1) / 2) / mp.sqrt(mp.pi) * mp.hyp1f1(-p / 2, k_half, -x)
            e = mp.mpf("1e-45") * abs(v)
        total += w * v
        err += w * e
    g = mp.log(total)
    return g, err / total + mp.mpf("1e-38")


k_half = mp.mpf(1) / 2

KERNEL = [  # lr, mu, s, p: zeros inside the mass, far from it, the mass on a zero, p near -1 and near 0; lr < 0
    ("1/2", "0", "1", "-1/2"), ("1/3", "1/2", "2", "-9/10"), ("1", "1", "1/2", "-1/4"), ("1/4", "3", "1", "-99/100"),
    ("2", "0", "1/3", "-3/4"), ("1", "1", "1/10", "-1/2"), ("1/10", "5", "1/2", "-1/2"), ("1", "0", "1", "-1/100"),
    ("3", "-2", "3/2", "-999/1000"),
    ("-1", "0", "1", "-1/2"), ("-1", "0", "1", "-3"), ("-1/2", "2", "1", "-1"), ("-3", "1/2", "1/3", "-7/2"),
    ("-1", "0", "2", "-10"), ("-1/5", "-1", "1/2", "-1/1000"),
]

LAWS = [  # (law text, parts, lr, p)
    ("sqnormal(1/2,2)", [(1, "sqn", ("0", "1", "1/2", "2"))], "1/3", "-9/10"),
    ("sqnormal(0,1)", [(1, "sqn", ("0", "1", "0", "1"))], "1/2", "-99/100"),
    # the zero of 1 - lr h at the edge h = 2 of the support: finite for p > -1/2
    ("shift(2,sqnormal(1,1))", [(1, "sqn", ("2", "1", "1", "1"))], "1/2", "-2/5"),
    ("shift(2,sqnormal(1,1))", [(1, "sqn", ("2", "1", "1", "1"))], "1/2", "-49/100"),
    ("shift(1,scale(3,sqnormal(0,1/2)))", [(1, "sqn", ("1", "3", "0", "1/2"))], "1", "-1/4"),
    # 1 - lr h of one sign: every p < 0
    ("scale(-1,sqnormal(0,1))", [(1, "sqn", ("0", "-1", "0", "1"))], "1", "-3"),
    ("shift(3,sqnormal(1,1/2))", [(1, "sqn", ("3", "1", "1", "1/2"))], "1/2", "-5/2"),
    ("mix(normal(0,1):1/2,sqnormal(0,1):1/2)", [(mp.mpf(1) / 2, "normal", ("0", "1")),
                                                (mp.mpf(1) / 2, "sqn", ("0", "1", "0", "1"))], "1/2", "-1/2"),
]


def main():
    out = sys.stdout
    out.write("# sqnormal negative moments (gen_sqnormal_negmom_ref.py): two mpmath quadratures, in a and in h = a^2\n")
    out.write("# sqn lr mu s p value err: E|1 - lr a^2|^p, a ~ N(mu, s^2)\n")
    for lr, mu, s, p in KERNEL:
        v, e = both(mp.mpf(1), -rat(lr), rat(mu), rat(s), rat(p))
        out.write(f"sqn {lr} {mu} {s} {p} {mp.nstr(v, 40)} {mp.nstr(e, 3)}\n")
    out.write("# law LAW lr p g err: g = log E|1 - lr h|^p\n")
    for text, parts, lr, p in LAWS:
        conv = [(w, kind, tuple(rat(a) for a in args)) for w, kind, args in parts]
        g, e = law_moment(conv, rat(lr), rat(p))
        out.write(f"law {text} {lr} {p} {mp.nstr(g, 40)} {mp.nstr(e, 3)}\n")


if __name__ == "__main__":
    main()
