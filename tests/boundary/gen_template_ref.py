#!/usr/bin/env python3
"""Reference zero of Lambda(lr) for isotropic(2, lr) (A = I - lr a a^T, a ~ N(0, I_2)), by two
independent mpmath computations; writes tests/data/isotropic2_boundary_ref.txt.

 (1) the closed form Lambda = E1(c) - e^{-2c} (Ei(2c) - Ei(c)), c = 1/(2 lr), solved by mp.findroot
     (secant) at 60 digits;
 (2) the definition Lambda = (1/2) E_s[I_2(|1 - lr s|)] = int_0^inf log((1 + |1 - lr s|)/2) e^{-s/2}/2 ds
     (docs/math.md section 4) by tanh-sinh quadrature split at the kink s = 1/lr, solved by bisection at 40 digits.
The two must agree to 35 digits; the file records (1) to 40 significant digits.

With --more: reference values for `boundary --law-template` beyond isotropic(2, lr) (BND-TEMPLATE-5..9); writes
tests/data/template_ref.txt. Every value comes from a formulation different from lyapcert's:

 isotropic(d, lr), d = 3, 4: lyapcert integrates over s = |a|^2 with the angular average I_d in closed form.
   Here the Gaussian coordinates are used instead: A e_1 = (1 - lr x1, -lr a1 rho), x1 = a1^2 ~ chi^2_1,
   rho^2 ~ chi^2_{d-1}, so Lambda = (1/2) E log((1 - lr x1)^2 + lr^2 x1 rho^2). The rho^2 expectation uses
   E log(a + b y) = log a + e^z E1(z), z = a/(2b), for y ~ chi^2_2 (exponential with mean 2); for d = 4,
   rho^2 = y + w with w ~ chi^2_1 integrated numerically (a 2-D tanh-sinh quadrature). d = 3 is also checked
   against the direct 2-D quadrature over (x1, rho^2) at one point.
   Roots by mp.findroot (secant) on these formulations.
 ginibre(d, lr): Lambda = log lr + (1/2) E log chi^2_d (first column of a Gaussian matrix), the expectation by
   numerical quadrature of log(x) times the chi^2_d density (not the digamma closed form); root where it is 0.
 sgd(lr, h) finite h: Lambda(lr) = sum_j p_j log|1 - lr h_j|, sign changes by a 4000-point scan and bisection;
 commuting families: the same for the max of the branches, the eigenvalue pairing worked out by hand.
The 1-D references are at 25-30 digits, d = 3 at mp.dps = 20 (agreement of the two d = 3 formulas is asserted to
15 digits), d = 4 (2-D) at mp.dps = 12, printed to 12 (values) and 11 (root) digits.
usage: gen_template_ref.py > tests/data/isotropic2_boundary_ref.txt
       gen_template_ref.py --more > tests/data/template_ref.txt"""
import sys

from mpmath import mp, mpf, e1, ei, exp, log, quad, inf, findroot, nstr, gamma

def f_chi(k):
    k = mpf(k)
    return lambda x: x ** (k / 2 - 1) * exp(-x / 2) / (2 ** (k / 2) * gamma(k / 2))

def elog_exp(a, b):  # E log(a + b y), y ~ chi^2_2
    z = a / (2 * b)
    return log(a) + exp(z) * e1(z)

def lam3(lr):
    fx = f_chi(1)
    return quad(lambda x: elog_exp((1 - lr * x) ** 2, lr * lr * x) * fx(x), [0, 1 / lr, inf]) / 2

def lam4(lr):
    fx, fw = f_chi(1), f_chi(1)
    def inner(x):
        a, b = (1 - lr * x) ** 2, lr * lr * x
        return quad(lambda w: elog_exp(a + b * w, b) * fw(w), [0, 1, inf])
    return quad(lambda x: inner(x) * fx(x), [0, 1 / lr, inf]) / 2

def lam3_direct(lr):  # 2-D over (x1, rho^2)
    fx, fy = f_chi(1), f_chi(2)
    def inner(x):
        a, b = (1 - lr * x) ** 2, lr * lr * x
        return quad(lambda y: log(a + b * y) * fy(y), [0, 1, inf])
    return quad(lambda x: inner(x) * fx(x), [0, 1 / lr, inf]) / 2


def more():
    mp.dps = 20
    out = []
    x = mpf("0.5")
    assert abs(lam3(x) - lam3_direct(x)) < mpf(10) ** -15
    for lr in ["1/16", "1/2", "3/4", "2", "8"]:
        v = mpf(lr.split("/")[0]) / (mpf(lr.split("/")[1]) if "/" in lr else 1)
        out.append("isotropic3_value %s %s" % (lr, nstr(lam3(v), 18)))
    r3 = findroot(lam3, mpf("0.8"))
    out.append("isotropic3_root %s" % nstr(r3, 18))
    mp.dps = 12  # d = 4: a 2-D quadrature; 12 digits (about 1e-11 accurate) keep the run short
    for lr in ["1/16", "1/2", "2"]:
        v = mpf(lr.split("/")[0]) / (mpf(lr.split("/")[1]) if "/" in lr else 1)
        out.append("isotropic4_value %s %s" % (lr, nstr(lam4(v), 12)))
    r4 = findroot(lam4, mpf("0.45"), tol=mpf(10) ** -18)
    out.append("isotropic4_root %s" % nstr(r4, 11))
    mp.dps = 30
    for d in (1, 2, 3, 4):
        # x = u^2 removes the x^(d/2 - 1) singularity at 0 (d = 1), which tanh-sinh would resolve to 15 digits only
        c = quad(lambda u: 2 * log(u) * f_chi(d)(u * u) * 2 * u, [0, 1, inf]) / 2
        out.append("ginibre%d_root %s" % (d, nstr(exp(-c), 25)))
    # sgd(lr, h) finite laws and commuting families: sign changes of sum p_j log|1 - lr h_j| (or of a max of
    # such sums) located by a scan on a grid avoiding the singular points, then bisection.
    def roots_of(f, lo, hi, n=4000):
        lo, hi = mpf(lo), mpf(hi)
        xs = [lo + (hi - lo) * k / n for k in range(n + 1)]
        out = []
        for a, b in zip(xs, xs[1:]):
            fa, fb = f(a), f(b)
            if fa * fb < 0:
                for _ in range(110):
                    m = (a + b) / 2
                    if (f(m) < 0) == (fa < 0):
                        a = m
                    else:
                        b = m
                out.append((a + b) / 2)
        return out
    def elog(vals, probs):
        return lambda l: sum(p * log(abs(1 - l * h)) for h, p in zip(vals, probs))
    h1 = elog([mpf(1) / 2, mpf(3)], [mpf(1) / 3, mpf(2) / 3])
    for k, r in enumerate(roots_of(h1, "0.001", "4.0001")):
        out.append("sgd_scalar_root %s" % nstr(r, 25))
    # triangular family matrices([[1/2, 1], [0, 3]]: 1/3, [[3, 0], [0, 1/2]]: 2/3): diagonal branches
    b1 = elog([mpf(1) / 2, mpf(3)], [mpf(1) / 3, mpf(2) / 3])
    b2 = elog([mpf(3), mpf(1) / 2], [mpf(1) / 3, mpf(2) / 3])
    for r in roots_of(lambda l: max(b1(l), b2(l)), "0.001", "4.0001"):
        out.append("sgd_triangular_root %s" % nstr(r, 25))
    # commuting, not triangular: H1 = [[2, 1], [1, 2]] (p 1/4), H2 = [[0, 1], [1, 0]] (p 3/4); common eigenvectors
    # (1, 1): (3, 1), (1, -1): (1, -1)
    c1 = elog([mpf(3), mpf(1)], [mpf(1) / 4, mpf(3) / 4])
    c2 = elog([mpf(1), mpf(-1)], [mpf(1) / 4, mpf(3) / 4])
    for r in roots_of(lambda l: max(c1(l), c2(l)), "0.001", "4.0001"):
        out.append("sgd_commuting_root %s" % nstr(r, 25))
    print("# Generated by tests/boundary/gen_template_ref.py --more (mpmath %s); see its docstring." % __import__("mpmath").__version__)
    print("\n".join(out))


def isotropic2():

    def closed(lr):
        c = 1 / (2 * lr)
        return e1(c) - exp(-2 * c) * (ei(2 * c) - ei(c))

    def by_quadrature(lr):
        f = lambda s: log((1 + abs(1 - lr * s)) / 2) * exp(-s / 2) / 2
        return quad(f, [0, 1 / lr, 4 / lr + 40, inf])

    mp.dps = 60
    r1 = findroot(closed, mpf("0.9"))
    mp.dps = 40
    lo, hi = mpf("0.5"), mpf(2)
    assert by_quadrature(lo) < 0 < by_quadrature(hi)
    for _ in range(125):
        m = (lo + hi) / 2
        if by_quadrature(m) < 0:
            lo = m
        else:
            hi = m
    r2 = (lo + hi) / 2
    assert abs(r1 - r2) < mpf(10) ** -35, (r1, r2)
    print("# Zero of Lambda(lr) for isotropic(2, lr), lr in [1/2, 2] (a sign change from negative to positive).")
    print("# Generated by tests/boundary/gen_template_ref.py (mpmath %s): mp.findroot on the closed form" % __import__("mpmath").__version__)
    print("# E1(c) - e^{-2c}(Ei(2c) - Ei(c)), c = 1/(2 lr), at 60 digits, agreeing to 35 digits with bisection on")
    print("# the tanh-sinh quadrature of (1/2) E_s[I_2(|1 - lr s|)], s ~ chi^2_2, at 40 digits.")
    mp.dps = 60
    print(nstr(r1, 40))


if __name__ == "__main__":
    more() if "--more" in sys.argv else isotropic2()
