#!/usr/bin/env python3
"""Reference zeros of Lambda(lr) = E log|1 - lr h| for sqnormal under a shift or a negative scale
(h = a1' + b1' z^2, z ~ N(mu, s^2)), for tests/boundary/sqnormal_shift_test.cpp (BND-SQS-*).

Each zero is computed two independent ways and both are written; the test requires them to agree:
  (1) direct: mpmath.quad of log|alpha + beta z^2| phi(z) in z (tanh-sinh), split at the real zeros
      +-sqrt(-alpha/beta) of the integrand and at mu, then mpmath.findroot (secant);
  (2) other: alpha, beta of opposite sign -> closed form log|alpha| + G(1 - t mu, t s) + G(1 + t mu, t s),
      t = sqrt(-beta/alpha), G(m, v) = log v - (gamma + log 2)/2 + x 2F2(1,1;3/2,2;-x), x = m^2/(2v^2);
      same sign -> log|alpha| + int_0^c K(u) du with c = beta/alpha and K(u) = E[1/(1 + u z^2)] by quadrature
      of the resolvent (no logarithm), then findroot (Anderson/Illinois bracketing) from a bracket.
Law text, (scale, shift) with h = scale * z^2 + shift, mu, s, bracket.
Run: python3 gen_sqnormal_shift_roots_ref.py > sqnormal_shift_roots_ref.txt
"""
import mpmath as mp

mp.mp.dps = 50

CASES = [
    # law text, scale, shift, mu, s, bracket
    ("shift(1/2, sqnormal(0, 1))", 1, mp.mpf(1) / 2, 0, 1, (2.1, 2.3)),
    ("shift(-1, sqnormal(0, 1))", 1, -1, 0, 1, (0.5, 0.6)),
    ("scale(-1, shift(-1, sqnormal(0, 1)))", -1, 1, 0, 1, (2.1, 2.3)),
    ("shift(1/4, scale(2, sqnormal(1, 1/2)))", 2, mp.mpf(1) / 4, 1, mp.mpf(1) / 2, (0.55, 0.9)),
]


def phi(z, mu, s):
    return mp.exp(-((z - mu) ** 2) / (2 * s * s)) / (s * mp.sqrt(2 * mp.pi))


def direct(lr, sc, sh, mu, s):
    al, be = 1 - lr * sh, -lr * sc
    f = lambda z: mp.log(abs(al + be * z * z)) * phi(z, mu, s)
    pts = [mu - 40 * s, mu, mu + 40 * s]
    if al * be < 0:
        r = mp.sqrt(-al / be)
        pts += [-r, r]
    pts = sorted(set(p for p in pts if mu - 40 * s <= p <= mu + 40 * s))
    return mp.quad(f, pts)


def G(m, v):
    x = m * m / (2 * v * v)
    return mp.log(v) - (mp.euler + mp.log(2)) / 2 + x * mp.hyp2f2(1, 1, mp.mpf(3) / 2, 2, -x)


def K(u, mu, s):
    return mp.quad(lambda z: phi(z, mu, s) / (1 + u * z * z), [mu - 40 * s, mu, mu + 40 * s])


def other(lr, sc, sh, mu, s):
    al, be = 1 - lr * sh, -lr * sc
    if al * be < 0:
        t = mp.sqrt(-be / al)
        return mp.log(abs(al)) + G(1 - t * mu, t * s) + G(1 + t * mu, t * s)
    c = be / al
    # E log(1 + c z^2) = int_0^c d/du E log(1 + u z^2) du = int_0^c (1 - K(u))/u du
    return mp.log(abs(al)) + mp.quad(lambda u: (1 - K(u, mu, s)) / u, [0, c])


def main():
    print("# law | zero (direct quad + secant) | zero (closed form / resolvent + bracketing) ; mpmath dps 50")
    for text, sc, sh, mu, s, (a, b) in CASES:
        sc, sh, mu, s = mp.mpf(sc), mp.mpf(sh), mp.mpf(mu), mp.mpf(s)
        r1 = mp.findroot(lambda x: direct(x, sc, sh, mu, s), (mp.mpf(a), mp.mpf(b)), solver="secant")
        r2 = mp.findroot(lambda x: other(x, sc, sh, mu, s), (mp.mpf(a), mp.mpf(b)), solver="anderson")
        assert abs(r1 - r2) < mp.mpf(10) ** -40, (text, r1, r2)
        print(f"{text} | {mp.nstr(r1, 45)} | {mp.nstr(r2, 45)}")


if __name__ == "__main__":
    main()
