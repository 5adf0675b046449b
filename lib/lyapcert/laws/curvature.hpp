// lyapcert::laws::CurvatureLaw -- the law of the curvature h in Lambda(lr) = E log|1 - lr h|,
// built from a parsed law expression (docs/law-language.md).
#pragma once
#include <cstdint>
#include <string>
#include <variant>

#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/finite_law.hpp"

namespace lyapcert::laws {

struct BuildOptions {
  std::uint64_t max_atoms = 10'000'000;  // refuse finite laws with more atoms (--max-atoms)
};

class CurvatureLaw {
 public:
  using Node = std::variant<FiniteLaw>;
  explicit CurvatureLaw(Node node) : node_(std::move(node)) {}

  const Node& node() const { return node_; }
  bool is_finite() const { return std::holds_alternative<FiniteLaw>(node_); }
  const FiniteLaw& finite() const { return std::get<FiniteLaw>(node_); }

 private:
  Node node_;
};

// Gives the meaning of a parsed law expression as a curvature law. Throws InputError naming the
// problem (unknown law or argument, wrong argument type, probabilities not summing to 1, ...).
CurvatureLaw build_curvature_law(const Value& expr, const BuildOptions& options = {});

// parse + build.
CurvatureLaw parse_curvature_law(std::string_view text, const BuildOptions& options = {},
                                 const ParseLimits& limits = {});

}  // namespace lyapcert::laws
