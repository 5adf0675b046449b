#!/usr/bin/env python3
"""Generates tests/data/critical_lambda_plus.txt: Lambda_+ = E log|1 + u g| of the two-layer saddle
(k = 1, gamma = 0), g = h_B = (1/S) sum_j x_j (x_j + rho eps_j), computed two independent ways in mpmath:
  (1) chi-square mixture: conditional on q = sum x_j^2 ~ chi^2_S, 1 + u g ~ N(1 + u q/S, (u rho sqrt(q)/S)^2), and
      E log|mu + tau Z| = log tau + E log|Z + c| (c = mu/tau) with E log|Z + c| = (log 2 + sum_j Pois(j; c^2/2)
      psi(1/2 + j))/2 (noncentral chi-square log moment; asymptotic series log c - sum (2n-1)!!/(2n c^{2n}) for c > 12);
  (2) the variance-gamma density of S h: |z|^nu K_nu(alpha |z|) e^{beta z}, nu = (S-1)/2, alpha = sqrt(1+rho^2)/rho^2,
      beta = 1/rho^2, normalised by quadrature, integrated against log|1 + u z/S| split at z = -S/u.
A row is written only when the two agree to 1e-15. Columns: S rho2 u lambda_plus (17 significant digits).
usage: python3 critical_lambda_plus_gen.py > critical_lambda_plus.txt   (about 30 minutes; or one block per
       process: python3 critical_lambda_plus_gen.py S RHO2, e.g. 1 4/3, and concatenate in the order S, rho2)
"""
import sys

import mpmath as mp

mp.mp.dps = 25


def elog_shift(c):
    c = abs(c)
    if c > 12:
        s, df, n = mp.log(c), mp.mpf(1), 1
        while n <= 60:
            df *= 2 * n - 1
            term = df / (2 * n) / c ** (2 * n)
            if term < mp.mpf(10) ** (-mp.mp.dps):
                break
            s -= term
            n += 1
        return s
    lam = c * c / 2
    s, w, j = mp.mpf(0), mp.exp(-lam), 0
    while True:
        s += w * mp.digamma(mp.mpf(1) / 2 + j)
        j += 1
        w = w * lam / j
        if j > lam and w < mp.mpf(10) ** (-mp.mp.dps - 3):
            break
    return (mp.log(2) + s) / 2


def lam_q(S, rho2, u):
    rho, S = mp.sqrt(rho2), mp.mpf(S)
    dens = lambda q: q ** (S / 2 - 1) * mp.exp(-q / 2) / (2 ** (S / 2) * mp.gamma(S / 2))

    def f(q):
        mu, tau = 1 + u * q / S, u * rho * mp.sqrt(q) / S
        return dens(q) * (mp.log(tau) + elog_shift(mu / tau))

    return mp.quad(f, [0, mp.mpf(1) / 100, 1, S, 4 * S, 10 * S + 20, mp.inf])


def lam_vg(S, rho2, u):
    alpha, beta, nu = mp.sqrt(1 + rho2) / rho2, 1 / rho2, mp.mpf(S - 1) / 2
    dens = lambda z: abs(z) ** nu * mp.besselk(nu, alpha * abs(z)) * mp.exp(beta * z)
    Z = mp.quad(dens, [-mp.inf, 0, mp.inf])
    z0 = -S / u
    d = min(1, abs(z0) / 2)
    f = lambda z: mp.log(abs(1 + u * z / S)) * dens(z)
    return mp.quad(f, [-mp.inf, z0 - d, z0, z0 + d, 0, mp.inf]) / Z


def main():
    only = sys.argv[1:]  # optional "S rho2" to compute one block (the file is the blocks concatenated)
    if not only:
        print("# Lambda_+ = E log|1 + u g| (k = 1, gamma = 0), mpmath, two methods (see critical_lambda_plus_gen.py)")
        print("# S rho2 u lambda_plus")
    for S in (1, 4):
        for rho2 in ("4/3", "8"):
            if only and (str(S), rho2) != tuple(only):
                continue
            for u in ("1/1000", "1/100", "1/5", "1", "20"):
                r, uu = mp.mpf(mp.fraction(*map(int, (rho2 + "/1").split("/")[:2]))), mp.mpf(mp.fraction(*map(int, (u + "/1").split("/")[:2])))
                a, b = lam_q(S, r, uu), lam_vg(S, r, uu)
                if abs(a - b) > mp.mpf("1e-15") * max(1, abs(a)):
                    raise SystemExit(f"methods disagree at S={S} rho2={rho2} u={u}: {a} vs {b}")
                print(f"{S} {rho2} {u} {mp.nstr(a, 17)}", flush=True)


if __name__ == "__main__":
    main()
