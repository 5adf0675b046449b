#!/usr/bin/env python3
"""Evaluates the constants of proofs/fast/log.md (FAST-LOG-2..6).

Rational arithmetic (fractions) for every error term; mpmath at 300 bits only to check the decimal
upper bounds used for the transcendental quantities (each check is an assert). Run:
    python3 proofs/fast/log_constants.py
"""
from fractions import Fraction as F
import mpmath as mp

mp.mp.prec = 300


def mpf(q):
    return mp.mpf(q.numerator) / q.denominator


u = F(1, 2**53)
T = F(float.fromhex('0x1.6a09e667f3bcdp-1'))
assert T * T > F(1, 2) and F(float.fromhex('0x1.6a09e667f3bccp-1'))**2 < F(1, 2)
fmin, fmax = T - 1, 2 * T - 1                      # f in [fmin, fmax)
S = F(1715729, 10**7)                              # |s| <= S
assert S >= max(abs(fmin / (2 + fmin)), abs(fmax / (2 + fmax)))
Z = S * S
N, K = 10, 13                                      # terms, roundings per term (Estrin)


def gamma(k):
    return k * u / (1 - k * u)


e1 = 2 * u / (1 - u)                               # s
e2 = (1 + e1)**2 * (1 + u) - 1                     # z = s^2
e3 = (1 + e2)**N * (1 + gamma(K)) - 1              # R_c vs P_N(z)
tau = 3 * Z**N / ((2 * N + 3) * (1 - Z))           # truncation, relative to P_N(z)
rho_pos = 2 * fmax / (3 * (2 + fmax)**2 * (1 - Z))
rho_neg = 2 * abs(fmin) / (3 * (2 + fmin)**2 * (1 - Z))
kR = F(646, 10**4)
assert kR >= rho_pos / (1 - rho_pos) and kR >= rho_neg / (1 + rho_neg)
e5 = (1 + (e3 + tau) * kR) * (1 + u) - 1           # g = f - R
e6 = (1 + e1) * (1 + e5) * (1 + u) - 1             # c = s g


def kc(f):
    f = mpf(f)
    return abs(f - mp.log1p(f)) / abs(mp.log1p(f))


kC = F(1953, 10**4)
assert mpf(kC) >= kc(fmax) and mpf(kC) >= kc(fmin)
alpha = (1 + e6 * kC) * (1 + u) - 1                # FAST-LOG-4

H = F(float.fromhex('0x1.62e42fee00000p-1'))
Lo = F(float.fromhex('0x1.a39ef35793c76p-33'))
eps0 = F(1, 2**86)
assert abs(mp.log(2) - mpf(H) - mpf(Lo)) <= mpf(eps0)
Lmax = F(34657359027997273, 10**17)
assert mpf(Lmax) >= max(abs(mp.log(mpf(2 * T))), abs(mp.log(mpf(T))))
ln2_low = F(693147180559945, 10**15)
assert mpf(ln2_low) <= mp.log(2)
Ka = 1 / (ln2_low - Lmax)                          # |k| <= Ka |y|
KL = Lmax / (ln2_low - Lmax)                       # |L| <= KL |y|
D = alpha * KL + u * Ka * Lo + u * (KL * (1 + alpha) + Ka * Lo * (1 + u)) + Ka * eps0
eps_k = D * (1 + u) + u                            # FAST-LOG-5, k != 0
eps = max(alpha, eps_k)
G = F(4.6) * u                                     # kG in log.cpp: the double nearest 4.6, times 2^-53
bound = F(4.59) * u                                # kLogRelError in log.hpp
assert eps <= bound and G >= eps / (1 - eps)

for name, v in [('e1', e1), ('e2', e2), ('gamma_13', gamma(K)), ('e3', e3), ('tau', tau),
                ('e5', e5), ('e6', e6), ('alpha', alpha), ('eps_k', eps_k), ('eps', eps),
                ('eps/(1-eps)', eps / (1 - eps)), ('G', G), ('kLogRelError', bound)]:
    print(f'{name:12s} = {float(v / u):.17f} u')
print(f'kappa_R(+) = {float(rho_pos / (1 - rho_pos)):.6f}, kappa_R(-) = {float(rho_neg / (1 + rho_neg)):.6f}')
print(f'kappa_c(+) = {mp.nstr(kc(fmax), 8)}, kappa_c(-) = {mp.nstr(kc(fmin), 8)}')
print(f'Ka = {float(Ka):.6f}, KL = {float(KL):.17f}')
