#!/usr/bin/env python3
"""Generates tests/data/xy_negmoment_ref.txt: independent reference values of negative absolute moments
E|a + b h_B|^p, -1 < p < 0, of the xy law h_B = (1/S) sum_j x_j y_j, y_j = k x_j + sigma eps_j
(CONT-XY-NEG-1, CONT-XY-NEG-2; checked by XyAbsMoment.NegativeOrdersMpmath).

Every value is computed TWICE with mpmath (tanh-sinh quadrature; next to the pole the substitution
u = |x - x0|^(1+p) removes the factor |x - x0|^p, see quad_pts) by methods that share no formula beyond the
definition of the law:
  sigma > 0:
    (V) int |a + b h|^p f_VG(h) dh against the variance-gamma density of h_B (mpmath besselk), split at h = 0
        and at the pole h0 = -a/b;
    (Q) int_0^inf M_p(a + b k t^2/S, |b| sigma t/S) chi_S(t) dt, M_p(m, v) = E|N(m, v^2)|^p =
        v^p 2^{p/2} Gamma((p+1)/2)/sqrt(pi) 1F1(-p/2; 1/2; -m^2/(2 v^2)).
  sigma = 0:
    (Q) int |a + b k t^2/S|^p chi_S(t) dt split at the root;  (C) the same in q = t^2 against the chi-square
        density, split at q0 = -a S/(b k).
Each value is written with an error column 8 |V - Q| + 1e-30 |value| (the tests use value +- err); a case whose
methods differ by more than 1e-4 relative is skipped. 32 significant digits are written.
Run:  /usr/bin/python3 tests/data/gen_xy_negmoment_ref.py > tests/data/xy_negmoment_ref.txt
"""
import mpmath as mp

mp.mp.dps = 36
TOL = mp.mpf("1e-4")  # written with its error column; skipped only when the methods disagree more


def rat(s):
    if "/" in s:
        p, q = s.split("/")
        return mp.mpf(int(p)) / int(q)
    return mp.mpf(int(s))


def chi_pdf(t, S):
    return 2 ** (1 - mp.mpf(S) / 2) / mp.gamma(mp.mpf(S) / 2) * t ** (S - 1) * mp.exp(-t * t / 2)


def chi2_pdf(q, S):
    return q ** (mp.mpf(S) / 2 - 1) * mp.exp(-q / 2) / (2 ** (mp.mpf(S) / 2) * mp.gamma(mp.mpf(S) / 2))


def Mp(m, v, p):
    x = m * m / (2 * v * v)
    return v ** p * 2 ** (p / 2) * mp.gamma((p + 1) / 2) / mp.sqrt(mp.pi) * mp.hyp1f1(-p / 2, mp.mpf(1) / 2, -x)


def quad_pts(G, pts, s, p):
    """int |x - s|^p G(x) dx over the breakpoints pts (s = None: int G). On the intervals next to the singular
    point s the substitution u = |x - s|^(1+p) removes the factor: int_0^D d^p G(s + d) dd
    = (1/(1+p)) int_0^(D^(1+p)) G(s + u^(1/(1+p))) du, so tanh-sinh sees no singular factor (on |d|^p itself it
    loses about half the working digits: its nodes cannot come closer to the endpoint than the working precision)."""
    total = mp.mpf(0)
    for l, r in zip(pts[:-1], pts[1:]):
        if s is not None and l == s:
            total += mp.quad(lambda u: G(s + u ** (1 / (1 + p))), [0, (r - s) ** (1 + p)]) / (1 + p)
        elif s is not None and r == s:
            total += mp.quad(lambda u: G(s - u ** (1 / (1 + p))), [0, (s - l) ** (1 + p)]) / (1 + p)
        elif s is not None:
            total += mp.quad(lambda x: abs(x - s) ** p * G(x), [l, r])
        else:
            total += mp.quad(G, [l, r])
    return total


def xy_V(a, b, k, s, S, p):
    l = mp.mpf(S) / 2
    th = 2 * s ** 2 / mp.mpf(S) ** 2
    be = k * S / s ** 2
    al = S * mp.sqrt(k ** 2 + s ** 2) / s ** 2
    C = 2 / (mp.sqrt(2 * mp.pi) * mp.gamma(l) * th ** l)
    f = lambda h: C * mp.exp(be * h) * (abs(h) / al) ** (l - mp.mpf(1) / 2) * mp.besselk(l - mp.mpf(1) / 2, al * abs(h))
    h0 = -a / b
    sd = mp.sqrt(k * k + (2 * k * k + s * s) / S)
    pts = sorted(set([mp.mpf(0), h0, k - 4 * sd, k + 4 * sd, k - 12 * sd, k + 12 * sd]))
    # a + b h = b (h - h0)
    return quad_pts(lambda h: abs(b) ** p * f(h), [-mp.inf] + pts + [mp.inf], h0, p)


def xy_Q(a, b, k, s, S, p):
    c, e = b * k / S, abs(b) * s / S
    mid = mp.sqrt(S)
    pts = [0, mp.mpf(1) / 8, mp.mpf(1) / 2, 1, 2, mid, mid + 3, mid + 8, mid + 16]
    u0 = mp.sqrt(-a / c) if -a / c > 0 else None
    if u0 is not None:
        pts.append(u0)
    pts = sorted(set(pts)) + [mp.inf]
    if s == 0:
        # a + c t^2 = c (t - u0)(t + u0)
        if u0 is None:
            return quad_pts(lambda t: abs(a + c * t * t) ** p * chi_pdf(t, S), pts, None, p)
        return quad_pts(lambda t: abs(c) ** p * (t + u0) ** p * chi_pdf(t, S), pts, u0, p)
    return quad_pts(lambda t: Mp(a + c * t * t, e * t, p) * chi_pdf(t, S), pts, None, p)


def xy_C(a, b, k, S, p):
    c = b * k / S
    pts = [0, 1, S, S + 20, S + 80]
    q0 = -a / c if -a / c > 0 else None
    if q0 is not None:
        pts.append(q0)
        pts = sorted(set(pts)) + [mp.inf]
        return quad_pts(lambda q: abs(c) ** p * chi2_pdf(q, S), pts, q0, p)
    pts = sorted(set(pts)) + [mp.inf]
    return quad_pts(lambda q: abs(a + c * q) ** p * chi2_pdf(q, S), pts, None, p)


CASES = [  # a b k sigma S p
    ("1", "-1/2", "7/10", "13/10", 1, "-1/2"),
    ("1", "-1/2", "7/10", "13/10", 2, "-1/4"),
    ("1", "1/2", "7/10", "13/10", 3, "-3/4"),
    ("9/10", "-3/2", "1", "1", 3, "-1/2"),
    ("1/2", "-4/5", "1", "1/2", 32, "-1/8"),
    ("1", "-1/2", "1", "1/10", 4, "-1/2"),
    ("0", "-1/2", "7/10", "13/10", 1, "-1/2"),
    ("0", "-1/2", "7/10", "13/10", 2, "-7/8"),
    ("1", "-1/2", "7/10", "0", 3, "-1/2"),
    ("1", "1/2", "7/10", "0", 1, "-1/2"),
    ("3/4", "-2", "1/2", "0", 32, "-3/4"),
    ("1", "-2", "1", "0", 2, "-1/2"),  # closed form e^{-1/2} (sqrt(pi/2) + 1F1(1/2; 3/2; 1/2)), checked below
]

# The closed form of the last case (sigma = 0, S = 2: q ~ Exp(1/2), E|1 - q|^{-1/2}) must match both methods.
_cf = mp.exp(-mp.mpf(1) / 2) * (mp.sqrt(mp.pi / 2) + mp.hyp1f1(mp.mpf(1) / 2, mp.mpf(3) / 2, mp.mpf(1) / 2))
assert abs(xy_C(mp.mpf(1), mp.mpf(-2), mp.mpf(1), 2, mp.mpf(-1) / 2) - _cf) < mp.mpf("1e-30"), "closed form"

print("# a b k sigma S p value err: E|a + b h_B|^p in value +- err, h_B ~ xy(k, sigma, batch=S); err = 8 |V - Q| + 1e-30 |value|")
print("# (two mpmath methods, gen_xy_negmoment_ref.py)")
for (sa, sb, sk, ss, S, sp) in CASES:
    a, b, k, s, p = rat(sa), rat(sb), rat(sk), rat(ss), rat(sp)
    if s == 0:
        v1, v2 = xy_Q(a, b, k, s, S, p), xy_C(a, b, k, S, p)
    else:
        v1, v2 = xy_V(a, b, k, s, S, p), xy_Q(a, b, k, s, S, p)
    err = 8 * abs(v1 - v2) + mp.mpf("1e-30") * abs(v1)
    if err > TOL * abs(v1):
        import sys
        print(f"# skipped {sa} {sb} {sk} {ss} {S} {sp}: methods differ {mp.nstr(v1, 30)} {mp.nstr(v2, 30)}", file=sys.stderr)
        continue
    print(f"xyneg {sa} {sb} {sk} {ss} {S} {sp} {mp.nstr(v1, 32)} {mp.nstr(err, 3)}")
