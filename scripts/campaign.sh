#!/usr/bin/env bash
# Randomized enclosure campaign: runs the RapidCheck properties that compare a certified quantity with an
# independent computation (MPFI on exact rational sums, closed forms vs quadrature, the variance-gamma second
# path, exact rational reciprocals for negative moments, exact decimal and interval arithmetic, enumeration
# bounds vs the Poisson certificate, Perron roots vs the cycle expansion, brute-force sign scans vs `boundary`,
# MPFI diagonal exponents vs the reducible and commuting lyapnd methods, the Poisson certificate and elementary
# bounds vs multicone, exact exponents of scaled-orthogonal and block-diagonal d = 3, 4 families vs the Poisson
# certificate, brute-force minibatch laws summed by MPFI vs the phase exponents Lambda_+-, round trips and
# refusals of the matrix-law reader) with many more
# cases than CI, under one seed, and reports the total number of cases and any miss.
#
#   scripts/campaign.sh [--cases N] [--seed S] [--build DIR] [--list]
#
# --cases N   total number of random cases, split over the properties by the weights below (cheap properties get
#             more; every property gets at least one case). Default 10000.
# --seed S    RapidCheck seed (one seed for every property; the run is reproducible). Default: random (printed).
# --build DIR the build tree holding the test executables. Default build.
# A miss prints the property, its RapidCheck replay line and the seed, and the script exits 1. CI runs a short
# version (ctest test campaign_short); docs/reliability.md records the long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=10000
seed=""
build=build
list=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --list) list=1; shift ;;
    *) echo "campaign.sh: unknown argument '$1' (usage: --cases N --seed S --build DIR --list)" >&2; exit 2 ;;
  esac
done
[[ "$cases" =~ ^[0-9]+$ ]] && [ "$cases" -ge 1 ] || { echo "campaign.sh: --cases must be a positive integer" >&2; exit 2; }
if [ -z "$seed" ]; then seed=$(( (RANDOM << 30) ^ (RANDOM << 15) ^ RANDOM )); fi
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "campaign.sh: --seed must be a nonnegative integer" >&2; exit 2; }

# executable (under tests/) | property | relative weight (cases are split in proportion) | what it checks against
props=(
  "lyap/lyap_finite_test|FiniteExponent.ContainsMpfiReferee|2000|finite Lambda vs MPFI log of exact products"
  "lyap/lyap_finite_test|FiniteExponent.CertifiedSignMatchesReferee|1000|finite sign vs exact referee"
  "lyap/lyap_finite_test|FiniteExponent.ConstructedZerosAreExactlyZero|500|constructed exact zeros"
  "lyap/lyap_finite_test|FiniteExponent.FastPathContainsMpfiReferee|1000|binary64 fast path vs MPFI"
  "lyap/lyap_finite_test|FiniteMoment.IntegerMomentsContainExactReferee|1000|g(k) vs exact rational sum"
  "lyap/lyap_finite_test|FiniteMoment.NegativeOrdersMatchExactRationalSums|1000|g(-k) vs exact reciprocal sum"
  "exact/exact_decimal_test|Decimal.OutwardAndTight|1000|outward decimal printing vs exact rationals"
  "exact/exact_decimal_test|Decimal.ArfToRationalIsExact|500|binary -> rational exactness"
  "fast/fast_interval_prop|FastIntervalProp.ArithmeticContainsExactRational|500|binary64 intervals vs exact rationals"
  "fast/fast_interval_prop|FastIntervalProp.IntervalSumContainsExactRationalSum|300|interval sums vs exact sums"
  "tables/tables_test|CertifiedDigits.ShownDigitsAreTrueAndMaximal|300|table digits vs MPFR"
  "tables/tables_test|RoundDecimal.OutwardAndFaithful|300|table rounding"
  "laws/laws_parser_test|NumberParsing.GeneratedNumbersAreExact|300|decimal input is the exact rational"
  "continuous/continuous_prop|ContinuousProp.GaussClosedVsQuadrature|100|normal: closed form vs quadrature"
  "continuous/continuous_prop|ContinuousProp.SqnormalClosedVsQuadrature|100|sqnormal: closed form vs quadrature"
  "continuous/continuous_prop|ContinuousProp.UniformClosedVsQuadrature|100|uniform: closed form vs quadrature"
  "continuous/continuous_prop|ContinuousProp.MomentClosedVsQuadrature|100|moments: closed form vs quadrature"
  "continuous/continuous_prop|ContinuousProp.XyNegativeMomentsObeyPowerMeans|20|xy negative moments vs log mean and E|Y| (power means)"
  "continuous/continuous_prop|ContinuousProp.SqnormalNegativeMomentsVsOtherPaths|100|sqnormal negative moments vs closed forms and power means"
  "lyapnd/cycle_test|CycleProperty.SingleMatrixEnclosesLogPerronRoot|20|cycle expansion vs Perron root"
  "continuous/continuous_variance_gamma_test|VarianceGammaProp.AgreesWithChiSquareMixture|2|xy: two quadratures"
  "continuous/continuous_variance_gamma_test|VarianceGammaProp.MomentAgreesWithMixture|2|xy moments: two paths"
  "boundary/boundary_prop|BoundaryProperty.CompleteNeverMissesAZero|20|boundary roots vs sign scans"
  "lyapnd/lyapnd_poisson_test|PoissonProperty.BracketsAgainstEnumerationAndDeterminant|10|Poisson vs enumeration"
  "lyapnd/lyapnd_campaign_prop|LyapndCampaign.ReducibleMatchesMaxOfDiagonalExponents|30|reducible vs MPFI block exponents"
  "lyapnd/lyapnd_campaign_prop|LyapndCampaign.CommutingMatchesDiagonalisedLaws|30|commuting vs MPFI diagonalised laws"
  "lyapnd/lyapnd_campaign_prop|LyapndCampaign.MulticoneMeetsPoissonAndElementaryBounds|10|multicone vs Poisson + elementary"
  "lyapnd/lyapnd_campaign_prop|LyapndCampaign.PoissonNdMatchesScaledOrthogonalAndBlockDiagonal|10|Poisson d = 3, 4 vs exact scaled-orthogonal / block exponents"
  "lyapnd/lyapnd_campaign_prop|PhaseCampaign.ExponentsMatchBruteForceMinibatchLaw|50|phase Lambda+- vs brute-force MPFI"
  "laws/laws_matrix_law_prop|MatrixLawParsing.RoundTripsGeneratedFamilies|300|matrix-law reader: printed family read back exactly"
  "laws/laws_matrix_law_prop|MatrixLawParsing.RefusesBrokenFamilies|300|matrix-law reader: broken families are InputErrors"
)
total_w=0
for p in "${props[@]}"; do IFS='|' read -r _ _ w _ <<<"$p"; total_w=$((total_w + w)); done
if [ "$list" = 1 ]; then
  for p in "${props[@]}"; do IFS='|' read -r exe name w what <<<"$p"; echo "$name ($exe, weight $w): $what"; done
  exit 0
fi
echo "campaign: $cases cases, seed $seed, build $build"
done_cases=0
misses=0
start=$(date +%s)
# Cases per property: proportional to the weight (at least 1), the rounding remainder to the first property, so
# the total is at least --cases.
counts=()
sum=0
for p in "${props[@]}"; do
  IFS='|' read -r _ _ w _ <<<"$p"
  n=$(( cases * w / total_w ))
  [ "$n" -ge 1 ] || n=1
  counts+=("$n")
  sum=$((sum + n))
done
[ "$sum" -ge "$cases" ] || counts[0]=$(( counts[0] + cases - sum ))
i=0
for p in "${props[@]}"; do
  IFS='|' read -r exe name w what <<<"$p"
  n=${counts[$i]}
  i=$((i + 1))
  bin="$build/tests/$exe"
  if [ ! -x "$bin" ]; then echo "campaign: $bin is not built" >&2; exit 2; fi
  t0=$(date +%s)
  set +e
  out=$(RC_PARAMS="seed=$seed max_success=$n" LYAPCERT_RANDOM_SEEDS=0 "$bin" --gtest_filter="$name" 2>&1)
  rc=$?
  set -e
  # A passing property ran exactly max_success cases (RapidCheck gives up, and the test fails, when too many are
  # discarded); properties run through check_prop print their count, RC_GTEST_PROP prints nothing on success.
  passed=$(grep -oE 'OK, passed [0-9]+ tests' <<<"$out" | grep -oE '[0-9]+' | tail -1 || true)
  if [ -z "$passed" ] && grep -q '\[  PASSED  \] 1 test' <<<"$out"; then passed=$n; fi
  if [ "$rc" -ne 0 ] || [ -z "$passed" ]; then
    misses=$((misses + 1))
    echo "MISS  $name ($what): exit $rc"
    grep -E 'Falsifiable|Using configuration|replay|Failure|Expected|Which is' <<<"$out" | head -20
    echo "      replay: RC_PARAMS=\"seed=$seed max_success=$n\" $bin --gtest_filter=$name"
    continue
  fi
  done_cases=$((done_cases + passed))
  printf '  %-62s %8d cases %5ds  %s\n' "$name" "$passed" "$(( $(date +%s) - t0 ))" "$what"
done
echo "$done_cases cases checked, $misses misses, seed $seed, $(( $(date +%s) - start )) s"
[ "$misses" -eq 0 ]
