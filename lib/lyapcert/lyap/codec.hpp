// Exact bytes of certified results, for sweeps whose items are computed on another rank or read back from a
// journal (core/distribute.hpp): decode(encode(x)) == x field by field, the ball bit for bit (Arb's exact
// dump of midpoint and radius), so the printed output does not depend on where an item was computed.
#pragma once
#include "lyapcert/core/distribute.hpp"
#include "lyapcert/exact/rational.hpp"
#include "lyapcert/lyap/lyap1d.hpp"

namespace lyapcert::lyap {

void encode(core::ItemWriter& w, const exact::Ball& b);
void decode(core::ItemReader& r, exact::Ball& b);
void encode(core::ItemWriter& w, const exact::Rational& x);
void decode(core::ItemReader& r, exact::Rational& x);
void encode(core::ItemWriter& w, const CertifiedValue& v);
void decode(core::ItemReader& r, CertifiedValue& v);
void encode(core::ItemWriter& w, const CertifiedResult& c);
void decode(core::ItemReader& r, CertifiedResult& c);

}  // namespace lyapcert::lyap
