#!/usr/bin/env python3
"""Generates tests/data/bivariate_derivative_ref.txt: reference values for
lyapcert::continuous::bivariate_log_abs_mean_dlr (proofs/continuous/bivariate_derivative.md, CONT-BIVD-*),
xy_log_abs_mean_dlr with sigma = 0 across the pole (CONT-XYD-5), and zeros of a bivariate exponent
(for `boundary`).

The C++ code conditions on x (bivariate) or integrates in t = sqrt(q) with a Taylor window (sigma = 0).
Here everything is computed differently, with mpmath at 30 digits:
  bivariate dlr:  (Y) the derivative formula (1 - int G_m(m(y), v(y)) phi(y) dy)/lr conditioned on Y
     (x | y ~ N(mx + rho sx (y - my)/sy, sx^2 (1 - rho^2))), G_m = (m/v^2) 1F1(1;3/2;-m^2/(2v^2));
     (X) the same formula conditioned on X (a different integrand unless the law is symmetric), as a check
     of the mpmath quadrature. (Numerical differentiation of the value is too slow here: the value needs
     2F2 at large arguments; the C++ test instead checks the mean value theorem against the certified value
     kernel.)
  xy sigma = 0 dlr:  in q ~ chi^2_S (density f), with q0 = -(1 + lr a1) S/(lr b1 k) the pole,
     (D) mp.diff (numerical differentiation) of the value int log|1 + lr a1 + lr b1 k q/S| f(q) dq (split at q0);
     (F) (1 - PV E[1/(A + C q)])/lr by pole subtraction in q:
         PV int f/(q - q0) = int_0^{2q0} (f(q) - f(q0))/(q - q0) dq + int_{2q0}^inf f/(q - q0) dq
         (at 30 extra digits: the subtraction cancels near the pole).
  zeros: Newton (mp.findroot) on the value conditioned on Y,
         G(m, v) = log v - (gamma + log 2)/2 + x 2F2(1,1;3/2,2;-x), x = m^2/(2 v^2), with the derivative (Y);
         the value conditioned on X at that zero must be below 1e-22.
A line is written only when the two methods agree to 1e-24; 30 significant digits are written
(zeros: 25 digits).
Format:
  dlr_biv | lr | a1 | b1 | mx | my | sx | sy | rho | value
  dlr_xy0 | lr | a1 | b1 | k | S | value
  zero_biv | mx | my | sx | sy | rho | lo | hi | zeros (space separated)     (Lambda = E log|1 - lr x y|)
Run:  python3 tests/data/gen_bivariate_derivative_ref.py > tests/data/bivariate_derivative_ref.txt
"""
import mpmath as mp

mp.mp.dps = 30


def rat(s):
    if "/" in s:
        p, q = s.split("/")
        return mp.mpf(int(p)) / int(q)
    return mp.mpf(int(s))


def G(m, v):
    x = m * m / (2 * v * v)
    return mp.log(v) - (mp.euler + mp.log(2)) / 2 + x * mp.hyp2f2(1, 1, mp.mpf(3) / 2, 2, -x)


def Gm(m, v):
    return m / (v * v) * mp.hyp1f1(1, mp.mpf(3) / 2, -m * m / (2 * v * v))


def cond(lr, a1, b1, mx, my, sx, sy, rho, on_y=True):
    """(m(z), v(z), centre, scale) of 1 + lr (a1 + b1 x y) given z = y (on_y) or z = x."""
    if not on_y:
        mx, my, sx, sy = my, mx, sy, sx
    s = sx * mp.sqrt(1 - rho * rho)

    def m(z):
        return 1 + lr * a1 + lr * b1 * z * (mx + rho * sx * (z - my) / sy)

    def v(z):
        return lr * abs(b1) * abs(z) * s

    return m, v, my, sy


def pts(c, s):
    return sorted({-mp.inf, c - 8 * s, c - 2 * s, mp.mpf(0), c + 2 * s, c + 8 * s, mp.inf})


def biv_value(lr, a1, b1, mx, my, sx, sy, rho, on_y=True):
    m, v, c, s = cond(lr, a1, b1, mx, my, sx, sy, rho, on_y)
    return mp.quad(lambda z: G(m(z), v(z)) * mp.npdf(z, c, s), pts(c, s))


def biv_dlr_formula(lr, a1, b1, mx, my, sx, sy, rho, on_y=True):
    m, v, c, s = cond(lr, a1, b1, mx, my, sx, sy, rho, on_y)
    I = mp.quad(lambda z: Gm(m(z), v(z)) * mp.npdf(z, c, s), pts(c, s))
    return (1 - I) / lr


def chi2_pdf(q, S):
    h = mp.mpf(S) / 2
    return q ** (h - 1) * mp.exp(-q / 2) / (2 ** h * mp.gamma(h))


def xy0_value(lr, a1, b1, k, S):
    A, C = 1 + lr * a1, lr * b1 * k / S
    q0 = -A / C
    return mp.quad(lambda q: mp.log(abs(A + C * q)) * chi2_pdf(q, S), [0, q0 / 2, q0, 2 * q0, mp.inf])


def xy0_dlr_formula(lr, a1, b1, k, S):
    with mp.workdps(mp.mp.dps + 30):  # f(q) - f(q0) cancels near the pole (tanh-sinh nodes cluster there)
        return _xy0_dlr_formula(lr, a1, b1, k, S)


def _xy0_dlr_formula(lr, a1, b1, k, S):
    A, C = 1 + lr * a1, lr * b1 * k / S
    q0 = -A / C
    f0 = chi2_pdf(q0, S)
    near = mp.quad(lambda q: (chi2_pdf(q, S) - f0) / (q - q0), [0, q0 / 2, q0, 3 * q0 / 2, 2 * q0])
    far = mp.quad(lambda q: chi2_pdf(q, S) / (q - q0), [2 * q0, 4 * q0, mp.inf])
    pv = (near + far) / C  # PV E[1/(A + C q)] = PV E[1/(C (q - q0))]
    return (1 - pv) / lr


BIV = [
    # lr, a1, b1, mx, my, sx, sy, rho
    ("1", "0", "-1", "0", "0", "1", "1", "-1/5"),
    ("1/4", "0", "-1", "0", "0", "1", "1", "-1/5"),
    ("7/2", "0", "-1", "0", "0", "1", "1", "-1/5"),
    ("1/2", "0", "-1", "1", "-1/2", "2", "1/2", "3/5"),
    ("2", "1/4", "1", "1", "1", "1", "3", "0"),
    ("3/4", "-1/2", "-2", "-1", "1/2", "1/3", "1", "-9/10"),
]
XY0 = [
    # lr, a1, b1, k, S   (pole inside the support: (1 + lr a1) and lr b1 k of opposite signs)
    ("2", "0", "-1", "1", 1),
    ("2", "0", "-1", "1", 2),
    ("1/2", "0", "-1", "3", 5),
    ("3", "-1/9", "1", "-1", 8),
    ("1/4", "0", "-1", "1", 32),
]
ZEROS = [
    # mx, my, sx, sy, rho, lo, hi, approximate zeros
    ("0", "0", "1", "1", "-1/5", "2/5", "1", ["0.45", "0.9"]),
]


def main():
    print("# Reference values for bivariate_log_abs_mean_dlr, xy_log_abs_mean_dlr (sigma = 0, principal value)")
    print("# and zeros of E log|1 - lr x y| (x, y) bivariate normal.")
    print("# Generated by tests/data/gen_bivariate_derivative_ref.py (mpmath, 30 digits, two methods each:")
    print("# see its docstring; conditioning on y and on x, numerical differentiation, pole subtraction in q).")
    for c in BIV:
        p = [rat(x) for x in c]
        f = biv_dlr_formula(*p)
        fx = biv_dlr_formula(*p, on_y=False)
        assert abs(fx - f) < mp.mpf(10) ** -24, (c, fx, f)
        print("dlr_biv | " + " | ".join(c) + " | " + mp.nstr(f, 30), flush=True)
    for c in XY0:
        p = [rat(x) for x in c[:4]]
        S = c[4]
        d = mp.diff(lambda l: xy0_value(l, p[1], p[2], p[3], S), p[0])
        f = xy0_dlr_formula(p[0], p[1], p[2], p[3], S)
        assert abs(d - f) < mp.mpf(10) ** -24, (c, d, f)
        print("dlr_xy0 | " + " | ".join(c[:4]) + " | %d | " % S + mp.nstr(f, 30), flush=True)
    for c in ZEROS:
        p = [rat(x) for x in c[:5]]
        zs = []
        for z0 in c[7]:
            z = mp.findroot(lambda l: biv_value(l, 0, -1, *p), mp.mpf(z0), solver="newton",
                            df=lambda l: biv_dlr_formula(l, 0, -1, *p))
            assert abs(biv_value(z, 0, -1, *p, on_y=False)) < mp.mpf(10) ** -22, (c, z)
            zs.append(mp.nstr(z, 25))
        print("zero_biv | " + " | ".join(c[:7]) + " | " + " ".join(zs))


if __name__ == "__main__":
    main()
