// boundary subcommand: certified learning rates where Lambda(lr) changes sign. Parsing and printing
// only; the search is lyapcert::boundary::find_boundaries.
#include <algorithm>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "commands.hpp"
#include "lyapcert/boundary/law_template.hpp"
#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "output.hpp"

namespace {

using namespace lyapcert;
using nlohmann::ordered_json;

struct BoundaryCliOptions {
  std::string law;
  std::string law_template;
  std::string lr_min, lr_max;
  int digits = 16;
  std::size_t max_roots = 10000;
  long max_bits = 16384;
  std::uint64_t max_atoms = 10'000'000;
  bool json = false;
  bool no_box_deadlines = false;
  double time_budget = cli::kDefaultTimeBudget;
};

ordered_json interval_json(const boundary::DecimalInterval& d) {
  ordered_json j;
  j["lower"] = d.lower;
  j["upper"] = d.upper;
  return j;
}

int run_boundary(const BoundaryCliOptions& o) {
  if (o.law.empty() == o.law_template.empty())
    throw InputError("boundary: give exactly one of --law (curvature law) and --law-template (matrix law in lr)");
  const bool templ = !o.law_template.empty();
  const std::string text = cli::read_law_argument(templ ? o.law_template : o.law);
  laws::ParseLimits limits;
  limits.max_atoms = o.max_atoms;  // counted while parsing
  laws::Value expr = laws::parse(text, limits);
  const std::string law_text = laws::canonical(expr);
  std::optional<laws::CurvatureLaw> law;
  std::optional<boundary::LawTemplate> law_template;
  if (templ) {
    law_template = boundary::parse_law_template(expr, o.max_atoms);  // evaluated on lr-balls, no text substitution
  } else {
    laws::BuildOptions bo;
    bo.max_atoms = o.max_atoms;
    law = laws::build_curvature_law(expr, bo);
  }

  boundary::BoundaryOptions opt;
  if (!o.lr_min.empty()) opt.lr_min = exact::parse_rational(o.lr_min);
  if (!o.lr_max.empty()) opt.lr_max = exact::parse_rational(o.lr_max);
  opt.digits = o.digits;
  opt.max_roots = o.max_roots;
  opt.max_bits = o.max_bits;
  opt.box_deadlines = !o.no_box_deadlines;
  const boundary::BoundaryResult r = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(cli::check_time_budget(o.time_budget)));
    return templ ? boundary::find_template_boundaries(*law_template, opt) : boundary::find_boundaries(*law, opt);
  }();
  core::throw_if_interrupted(fmt::format("interrupted after {} cells and {} roots", r.cells, r.roots.size()));

  const int sig = o.digits + 5;
  ordered_json roots = ordered_json::array();
  for (const auto& root : r.roots) {
    ordered_json j = interval_json(
        boundary::to_decimal(root.lower, root.upper, sig, boundary::requested_width(o.digits, root.lower)));
    j["direction"] = boundary::to_string(root.direction);
    if (!root.unique) j["unique"] = false;  // a bracket: at least one zero, uniqueness not proved
    roots.push_back(j);
  }
  ordered_json sing = ordered_json::array();
  for (const auto& s : r.singular_points) sing.push_back(exact::to_text(s));
  ordered_json slivers = ordered_json::array();
  for (const auto& s : r.slivers) {
    ordered_json j;
    j["singular_point"] = exact::to_text(s.singular_point);
    j["left_offset"] = s.left_offset ? interval_json(boundary::to_decimal(*s.left_offset, sig)) : ordered_json(nullptr);
    j["right_offset"] =
        s.right_offset ? interval_json(boundary::to_decimal(*s.right_offset, sig)) : ordered_json(nullptr);
    slivers.push_back(j);
  }
  ordered_json unresolved = ordered_json::array();
  for (const auto& c : r.unresolved) {
    unresolved.push_back(interval_json(boundary::to_decimal(c.lower, c.upper, sig, c.upper - c.lower + 1)));
  }
  // A bracket without a uniqueness proof is an honest but partial answer: exit 3 like an unmet width.
  const bool ok = r.complete && r.widths_met &&
                  std::all_of(r.roots.begin(), r.roots.end(), [](const auto& x) { return x.unique; });
  if (o.json) {
    ordered_json j = cli::common_fields("boundary");
    cli::put_law(j, law_text);
    if (templ) j["law_template"] = true;
    j["lr_min"] = exact::to_text(r.lr_min);
    j["lr_max"] = exact::to_text(r.lr_max);
    j["default_range"] = r.default_range;
    j["digits"] = o.digits;
    j["roots"] = roots;
    j["singular_points"] = sing;
    j["slivers"] = slivers;
    j["complete"] = r.complete;
    j["truncated"] = r.truncated;
    j["unresolved"] = unresolved;
    j["widths_met"] = r.widths_met;
    j["cells"] = r.cells;
    j["bits"] = r.bits;
    j["message"] = r.message;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("law: {}\n", law_text.size() > 200 ? law_text.substr(0, 200) + "..." : law_text);
    fmt::print("range: [{}, {}]{}\n", exact::to_text(r.lr_min), exact::to_text(r.lr_max),
               !r.default_range ? ""
               : templ          ? " (default range of the template, docs/boundary.md, outward to powers of 2)"
                                : " (default: [1e-3, 1e3] / sqrt(E h^2), outward to powers of 2)");
    fmt::print("roots ({}):\n", r.roots.size());
    for (const auto& j : roots) {
      fmt::print("  [{}, {}]  {}{}\n", j["lower"].get<std::string>(), j["upper"].get<std::string>(),
                 j["direction"].get<std::string>(), j.contains("unique") ? "  (at least one zero; not proved unique)" : "");
    }
    if (!r.singular_points.empty()) {
      fmt::print("singular points ({}): Lambda = -inf exactly at lr = 1/h_j\n", r.singular_points.size());
      for (std::size_t i = 0; i < r.singular_points.size() && i < 50; ++i) {
        fmt::print("  {}\n", exact::to_text(r.singular_points[i]));
      }
      if (r.singular_points.size() > 50) fmt::print("  ... ({} more)\n", r.singular_points.size() - 50);
    }
    for (const auto& j : slivers) {
      const auto side = [](const ordered_json& x) {
        return x.is_null() ? std::string("none")
                           : fmt::format("[{}, {}]", x["lower"].get<std::string>(), x["upper"].get<std::string>());
      };
      fmt::print("sliver at {}: left offset {}, right offset {}\n", j["singular_point"].get<std::string>(),
                 side(j["left_offset"]), side(j["right_offset"]));
    }
    fmt::print("complete: {}{}\n", r.complete ? "yes" : "no", r.truncated ? " (truncated by --max-roots)" : "");
    for (const auto& j : unresolved) {
      fmt::print("  unresolved: [{}, {}]\n", j["lower"].get<std::string>(), j["upper"].get<std::string>());
    }
    if (!r.message.empty()) fmt::print("note: {}\n", r.message);
  }
  return ok ? cli::kExitOk : cli::kExitNotConverged;
}

}  // namespace

namespace lyapcert::cli {

void register_boundary_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<BoundaryCliOptions>();
  auto* cmd = app.add_subcommand("boundary", "certified learning rates where Lambda(lr) changes sign");
  cmd->add_option("--law", o->law, "curvature law (docs/law-language.md), or @FILE");
  cmd->add_option("--law-template", o->law_template,
                  "matrix law with the identifier lr, evaluated on lr-intervals: isotropic(d, lr) (d = 2..4), "
                  "ginibre(d, lr), sgd(lr, H) (docs/boundary.md)");
  cmd->add_option("--lr-min", o->lr_min, "range start A > 0 (exact; default [1e-3, 1e3] / sqrt(E h^2))");
  cmd->add_option("--lr-max", o->lr_max, "range end B > A (exact)");
  cmd->add_option("--digits", o->digits, "root width <= 10^-N * max(1, lr); offsets to relative 10^-N (1..10000)")
      ->default_val(16);
  cmd->add_option("--max-roots", o->max_roots, "stop after this many roots (\"truncated\")")->default_val(10000);
  cmd->add_option("--max-bits", o->max_bits, "cap on the working precision in bits")->default_val(16384);
  cmd->add_option("--max-atoms", o->max_atoms, "refuse finite laws with more atoms")->default_val(10'000'000);
  cmd->add_flag("--json", o->json, "print JSON (docs/schema/boundary.schema.json)");
  cmd->add_flag("--no-box-deadlines", o->no_box_deadlines,
                "sgd(lr, matrices(...)) templates: no per-box wall-clock deadlines (2 s / 20 s) in the Poisson "
                "certificate, only its node and round caps: the result depends on the input, not on the load "
                "(--time-budget still ends the command)");
  add_time_budget(cmd, o->time_budget);
  reg.push_back({cmd, [o] { return run_boundary(*o); }});
}

}  // namespace lyapcert::cli
