// A time budget for tests whose outcome must not depend on the machine's speed or load.
//
// A test that asks "what does this give within 2 s" passes on an idle machine and fails on a loaded one (the suite
// run next to 13 busy processes was about 70 times slower; docs/reliability.md). Such tests bound their work by the
// library's deterministic caps instead -- digits and acc.max_bits (working precision), max_word_length (enumerate,
// cycle), max_memory_mib (the memory estimate of a level is a function of the law, not of the clock) -- and pass
// kNoWallClock as the time budget, so the same test gives the same result on any machine; only ctest's timeout
// still bounds the wall time. Tests of the budget mechanism itself keep a real (short) budget and assert only what
// holds for every speed (an honest, flagged enclosure), never a duration.
#pragma once

namespace lyapcert::test {

inline constexpr double kNoWallClock = 1e7;  // the largest budget certify_lyapnd accepts: 116 days

}  // namespace lyapcert::test
