// The moment form of the Poisson bound LYAPND-VEC-9 for the vector law (LYAPND-VEC-10 .. -13,
// lyapnd/internal/vector_moments): exploration entry point.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/lyapnd/internal/vector_moments.hpp"
#include "support/seed.hpp"

namespace laws = lyapcert::laws;
namespace in = lyapcert::lyapnd::internal;

TEST(VectorMoments, DISABLED_Explore) {
  const char* law = std::getenv("VLAW");
  const laws::MatrixLaw m = laws::parse_matrix_law(law ? law : "vector(1, 2, 1/100, 1, 3)");
  const auto& v = std::get<laws::VectorSaddle>(m.node);
  const double budget = std::getenv("VBUDGET") ? std::atof(std::getenv("VBUDGET")) : 60;
  const auto t0 = std::chrono::steady_clock::now();
  double inf = 0;
  const in::VecPoissonParams par =
      in::vec_poisson_search(v, t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(budget / 4)), &inf);
  const double ts = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("search: a=%g b=%g p=%g inf=%g (%.2f s)\n", par.a, par.b, par.p, inf, ts);
  const auto r = in::vec_poisson_lower(
      v, t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(budget)));
  const double tt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("a=%g b=%g p=%g certified=%d lower=%g boxes=%zu note=%s (%.2f s)\n", r.params.a, r.params.b, r.params.p, r.certified, r.lower, r.boxes, r.note.c_str(), tt);
}

TEST(VectorMoments, DISABLED_Probe) {
  const char* law = std::getenv("VLAW");
  const laws::MatrixLaw m = laws::parse_matrix_law(law ? law : "vector(1, 2, 1/100, 1, 3)");
  const auto& v = std::get<laws::VectorSaddle>(m.node);
  in::VecPoissonParams par{std::atof(std::getenv("PA")), std::atof(std::getenv("PB")), std::atof(std::getenv("PP"))};
  const double a1 = std::atof(std::getenv("A1")), a2 = std::atof(std::getenv("A2"));
  for (double da : {0.0, 1e-3, -1e-3, 1e-2, -1e-2})
    for (double db : {0.0, 1e-3, -1e-3, 1e-2, -1e-2}) {
      const double p = in::vec_poisson_bound_at(v, par, in::vec_direction(v.q, a1 + da, a2 + db));
      std::printf("%g %g point %g\n", a1 + da, a2 + db, p);
    }
  for (double w : {1e-2, 1e-3, 1e-4, 1e-5, 1e-6})
    std::printf("box w=%g: %g\n", w, in::vec_poisson_box_lower(v, par, a1, a1 + w, a2, a2 + w));
}
