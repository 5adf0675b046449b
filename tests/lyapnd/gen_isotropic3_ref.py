#!/usr/bin/env python3
"""Reference values of Lambda for isotropic(3, lr): A = I - lr a a^T, a ~ N(0, I_3).

Lambda = E log|A e_1| (conjugation invariance, proofs/lyapnd/lyapnd.md LYAPND-ISO-1) is computed by two
nested mpmath quadratures (tanh-sinh, 40 digits) that do NOT use the closed-form angular average I_3 of
proofs/lyapnd/isotropic3.md:
  (C) Cartesian Gaussian coordinates: x = a_1 ~ N(0, 1), y = a_2^2 + a_3^2 ~ chi^2_2 (density e^{-y/2}/2),
      |A e_1|^2 = al + be y with al = (1 - lr x^2)^2, be = lr^2 x^2. The y-expectation is elementary:
      E log(al + be y) = log al + e^z E1(z), z = al/(2 be) (E log(1 + c Y) = e^{1/(2c)} E1(1/(2c)) for Y with
      density e^{-y/2}/2); then Lambda = (1/2) int_0^inf 2 phi(x) [log al + e^z E1(z)] dx, split at
      x0 = 1/sqrt(lr), at 60 digits (the two logs cancel near x0).
  (S) spherical coordinates: a = sqrt(s) (cos th, ...), s ~ chi^2_3, th the polar angle (density sin th / 2),
      |A e_1|^2 = 1 + ((lr s - 1)^2 - 1) cos^2 th = sin^2 th + (lr s - 1)^2 cos^2 th;  Lambda = (1/2) int f_3(s) int_0^{pi/2} log(...) sin th dth ds,
      the s-integral split at s0 = 1/lr and the th-integral at the angle where the argument is smallest.
A value is printed only when (C) and (S) agree to 1e-26 (S is nested and slow, so it runs at 32 digits);
32 significant digits of (C) are printed.
Run:  python3 tests/lyapnd/gen_isotropic3_ref.py   (several minutes; prints C++ table rows)
"""
import mpmath as mp

mp.mp.dps = 40
TOL = mp.mpf("1e-26")


def lam_cartesian(lr):
    with mp.workdps(60):
        lr = mp.mpf(lr)
        x0 = 1 / mp.sqrt(lr)

        def inner(x):
            al = (1 - lr * x * x) ** 2
            be = lr * lr * x * x
            z = al / (2 * be)
            return mp.log(al) + mp.exp(z) * mp.e1(z)

        phi2 = lambda x: 2 * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)
        g = lambda x: inner(x) * phi2(x)
        return +(mp.quad(g, [0, x0, x0 + 1, mp.inf]) / 2)


def lam_spherical(lr):
  with mp.workdps(32):
    lr = mp.mpf(lr)
    s0 = 1 / lr
    f3 = lambda s: mp.sqrt(s) * mp.exp(-s / 2) / mp.sqrt(2 * mp.pi)

    def inner(s):
        r2 = (lr * s - 1) ** 2  # 1 + kappa cos^2 = sin^2 + r^2 cos^2 (no cancellation near r = 0)
        h = lambda th: mp.log(mp.sin(th) ** 2 + r2 * mp.cos(th) ** 2) * mp.sin(th)
        return mp.quad(h, [0, mp.pi / 2])

    g = lambda s: inner(s) * f3(s)
    return mp.quad(g, [0, s0, 2 * s0, 2 * s0 + 40, mp.inf]) / 2


if __name__ == "__main__":
    for lr in ["1/10", "3/10", "1/2", "1", "5/2", "1/1000"]:
        p, q = (lr.split("/") + ["1"])[:2]
        v = mp.mpf(p) / mp.mpf(q)
        c = lam_cartesian(v)
        s = lam_spherical(v)
        if abs(c - s) > TOL:
            print(f"// lr = {lr}: methods disagree: {mp.nstr(c, 35)} vs {mp.nstr(s, 35)}")
        else:
            print(f'    {{"{lr}", "{mp.nstr(c, 32)}"}},')
