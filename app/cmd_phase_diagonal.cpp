// phase-diagram --model diagonal: the predicted surviving fraction of the diagonal ("lasso-like")
// model over learning rate x (sigma | batch size), CSV + JSON + PNG (docs/models.md).
// The phase-diagram subcommand itself is registered by cmd_phase.cpp; this file adds --beta to it and
// wraps its runner so that --model diagonal is handled here and everything else goes to the original.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/models/diagonal_diagram.hpp"
#include "lyapcert/version.hpp"
#include "model_flags.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

using exact::Rational;
using nlohmann::ordered_json;

// The value of an option of the wrapped subcommand: what was given, else its default text.
std::string opt_text(CLI::App* cmd, const std::string& name) {
  CLI::Option* o = cmd->get_option(name);
  return o->count() > 0 ? o->as<std::string>() : o->get_default_str();
}
bool given(CLI::App* cmd, const std::string& name) { return cmd->get_option(name)->count() > 0; }

// A filled heat map like the two-layer PNG (cmd_phase.cpp): one rectangle per grid cell (cell_edges), coloured by
// the certified lower end of the surviving fraction, points with an undetermined coordinate marked; axes end
// at the outer cell edges.
void write_diagonal_png(const std::string& out, const models::DiagonalDiagramResult& r, const std::string& y_label,
                        bool log_y, const std::string& title) {
  if (!write_plots()) return;  // the Python module wants the JSON only
  const std::string dat = out + ".plot.tmp";
  std::vector<double> xs, ys;
  for (const auto& x : r.lrs) xs.push_back(x.convert_to<double>());
  for (const auto& y : r.ys) ys.push_back(y.convert_to<double>());
  const std::vector<double> xe = cell_edges(xs, true), ye = cell_edges(ys, log_y);
  std::string text = "# lr y lr_lo lr_hi y_lo y_hi fraction_lower fraction_upper\nNaN NaN NaN NaN NaN NaN NaN NaN\n";
  for (std::size_t idx = 0; idx < r.points.size(); ++idx) {
    const auto& p = r.points[idx];
    if (!p.done) continue;
    const std::size_t i = idx % xs.size(), j = idx / xs.size();
    text += fmt::format("{} {} {} {} {} {} {} {}\n", xs[i], ys[j], xe[i], xe[i + 1], ye[j], ye[j + 1],
                        p.result.fraction_lower.convert_to<double>(), p.result.fraction_upper.convert_to<double>());
  }
  const std::string script =
      png_script_head(out, log_y, y_label) +
      fmt::format(
          "set cblabel 'predicted surviving fraction'\nset cbrange [0:1]\n"
          "set palette defined (0 '#fdae61', 0.5 '#ffffbf', 1 '#2b83ba')\n"
          "set title '{}'\n"
          "set key outside bottom center horizontal\n",
          title) +
      png_script_axes(xe, ye) +
      fmt::format(
          "plot '{}' using 1:2:3:4:5:6:7 with boxxyerror fs solid 1.0 noborder palette "
          "title 'surviving fraction (certified lower end)', "
          "'{}' using 1:($8 > $7 ? $2 : NaN) with points pt 2 ps 1.2 lc rgb 'black' title 'some coordinate "
          "undetermined'\n",
          dat, dat);
  run_gnuplot(out, dat, text, script);
}

int run_diagonal_diagram(CLI::App* cmd, const std::string& beta_text) {
  // Flags of the two-layer diagram that do not describe the diagonal model.
  for (const char* f : {"--k", "--data", "--data-sample", "--snr-range", "--cells", "--cells-arb"}) {
    if (given(cmd, f)) throw InputError(fmt::format("{} does not apply to phase-diagram --model diagonal", f));
  }
  if (opt_text(cmd, "--replace") == "false" || opt_text(cmd, "--replace") == "0") {
    throw InputError("--replace false does not apply to the diagonal model (i.i.d. Gaussian minibatches)");
  }
  if (given(cmd, "--sigma-range") && given(cmd, "--batch-range")) {
    throw InputError("give only one of --sigma-range, --batch-range");
  }
  if (beta_text.empty()) throw InputError("phase-diagram --model diagonal needs --beta b1,...,bd");
  models::DiagonalDiagramSpec spec;
  spec.base.beta = model_flags::parse_list(beta_text, "--beta");
  spec.base.gamma = exact::parse_rational(opt_text(cmd, "--gamma"));
  const std::string sigma = opt_text(cmd, "--sigma");
  const Rational sigma_v = exact::parse_rational(sigma.empty() ? std::string("1") : sigma);
  if (sigma_v < 0) throw InputError("--sigma must be >= 0");
  spec.base.sigma2 = sigma_v * sigma_v;
  spec.base.batch = std::stoull(opt_text(cmd, "--batch"));
  std::tie(spec.lr_min, spec.lr_max) = model_flags::parse_range(opt_text(cmd, "--lr-range"), "--lr-range");
  std::tie(spec.n_lr, spec.n_y) = model_flags::parse_grid(opt_text(cmd, "--grid"));
  std::string y_name, y_key;
  if (given(cmd, "--batch-range")) {
    spec.y_axis = models::YAxis::batch;
    std::tie(spec.y_min, spec.y_max) = model_flags::parse_range(opt_text(cmd, "--batch-range"), "--batch-range");
    y_name = "batch size";
    y_key = "batch";
    if (given(cmd, "--batch")) throw InputError("--batch and --batch-range exclude each other");
  } else {
    spec.y_axis = models::YAxis::sigma;
    std::tie(spec.y_min, spec.y_max) =
        model_flags::parse_range(given(cmd, "--sigma-range") ? opt_text(cmd, "--sigma-range") : std::string("1/10:10"), "--sigma-range");
    y_name = "noise sigma";
    y_key = "sigma";
    if (given(cmd, "--sigma")) throw InputError("--sigma and --sigma-range exclude each other");
  }
  const int digits = std::stoi(opt_text(cmd, "--digits"));
  spec.acc = lyap::Accuracy{digits, 4096};
  spec.jobs = std::stoi(opt_text(cmd, "--jobs"));
  const std::string out = opt_text(cmd, "--out");
  if (out.empty()) throw InputError("--out PREFIX is required");
  const double time_budget = check_time_budget(std::stod(opt_text(cmd, "--time-budget")));
  check_output_prefix(out, {".csv", ".json", ".png", ".png.tmp", ".plot.tmp", ".gp.tmp", ".gnuplot.log"});
  // SIGINT: exit 130, nothing written (main); the time budget: the points done so far are written (exit 3).
  const ProgressLine progress("grid points");
  const auto r = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(time_budget));
    auto res = models::diagonal_diagram(spec, progress);
    progress.finish();
    return res;
  }();

  const std::size_t d = spec.base.beta.size();
  std::string csv = fmt::format(
      "lr,{},surviving,undetermined,d,fraction_lower,fraction_upper,surviving_fraction,undetermined_coordinates,"
      "phases,survives\n",
      y_key);
  ordered_json points = ordered_json::array();
  std::size_t done = 0;
  for (const auto& p : r.points) {
    if (!p.done) continue;
    ++done;
    std::vector<std::size_t> und;
    for (std::size_t i : p.result.undetermined) und.push_back(i + 1);
    std::vector<std::string> phases, survives;
    ordered_json coords = ordered_json::array();
    for (std::size_t i = 0; i < d; ++i) {
      const auto& c = p.result.coordinates[i];
      phases.push_back(models::to_string(c.result.phase));
      survives.push_back(models::survival_label(c.survival));
      coords.push_back({{"coordinate", i + 1},
                        {"lambda_plus", certified_json(c.result.lambda_plus.value, digits)},
                        {"lambda_minus", certified_json(c.result.lambda_minus.value, digits)},
                        {"phase", models::to_string(c.result.phase)},
                        {"survives", models::survival_label(c.survival)}});
    }
    const std::string frac = p.result.surviving_fraction ? exact::to_text(*p.result.surviving_fraction) : "";
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", exact::to_text(p.lr), exact::to_text(p.y),
                       p.result.surviving, und.size(), d, exact::to_text(p.result.fraction_lower),
                       exact::to_text(p.result.fraction_upper), frac, fmt::join(und, ";"), fmt::join(phases, ";"),
                       fmt::join(survives, ";"));
    ordered_json jp;
    jp["lr"] = exact::to_text(p.lr);
    jp["y"] = exact::to_text(p.y);
    jp["surviving"] = p.result.surviving;
    jp["surviving_fraction"] = p.result.surviving_fraction ? ordered_json(frac) : ordered_json(nullptr);
    jp["surviving_fraction_bounds"] = {{"lower", exact::to_text(p.result.fraction_lower)},
                                       {"upper", exact::to_text(p.result.fraction_upper)}};
    jp["undetermined_coordinates"] = und;
    jp["converged"] = p.result.converged;
    jp["coordinates"] = coords;
    points.push_back(jp);
  }
  ordered_json j = common_fields("phase-diagram");
  j["model"] = "diagonal";
  j["beta"] = ordered_json::array();
  for (const auto& b : spec.base.beta) j["beta"].push_back(exact::to_text(b));
  j["gamma"] = exact::to_text(spec.base.gamma);
  if (spec.y_axis == models::YAxis::batch) {
    j["sigma2"] = exact::to_text(spec.base.sigma2);
  } else {
    j["batch"] = spec.base.batch;
  }
  j["y_axis"] = y_key;
  j["lr_grid"] = ordered_json::array();
  for (const auto& v : r.lrs) j["lr_grid"].push_back(exact::to_text(v));
  j["y_grid"] = ordered_json::array();
  for (const auto& v : r.ys) j["y_grid"].push_back(exact::to_text(v));
  j["digits"] = digits;
  j["complete"] = r.complete;
  j["points"] = points;
  j["commit"] = kGitCommit;
  write_file_atomically(out + ".csv", csv);
  write_file_atomically(out + ".json", j.dump(1) + "\n");
  std::vector<std::string> beta;
  for (const auto& b : spec.base.beta) beta.push_back(exact::to_text(b));
  const std::string title =
      fmt::format("diagonal model: beta = ({}), gamma = {}{}", fmt::join(beta, ", "), exact::to_text(spec.base.gamma),
                  spec.y_axis == models::YAxis::batch ? fmt::format(", sigma^2 = {}", exact::to_text(spec.base.sigma2))
                                                      : fmt::format(", batch = {}", spec.base.batch));
  write_diagonal_png(out, r, y_name, spec.y_axis != models::YAxis::batch, title);
  std::cout << fmt::format("diagonal phase diagram: {} of {} grid points{}\nwrote {}.csv, {}.json, {}.png\n", done, r.points.size(),
             r.complete ? "" : fmt::format(" (time budget of {:g} s exhausted: partial)", time_budget), out, out, out);
  return r.complete ? kExitOk : kExitNotConverged;
}

}  // namespace

void register_phase_diagonal_commands(CLI::App& app, Registry& reg) {
  CLI::App* cmd = nullptr;
  try {
    cmd = app.get_subcommand("phase-diagram");
  } catch (const CLI::OptionNotFound&) {
    return;
  }
  auto beta = std::make_shared<std::string>();
  cmd->add_option("--beta", *beta,
                  "diagonal model (--model diagonal): comma-separated coefficients, y = sum beta_i x_i + sigma eps");
  for (auto& c : reg) {
    if (c.sub != cmd) continue;
    auto original = c.run;
    c.run = [cmd, beta, original] {
      if (opt_text(cmd, "--model") == "diagonal") return run_diagonal_diagram(cmd, *beta);
      if (!beta->empty()) throw InputError("--beta is for the diagonal model only (--model diagonal)");
      return original();
    };
  }
}

}  // namespace lyapcert::cli
