// phase subcommand: certified exponents and phase label of the two-layer saddle model.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "commands.hpp"
#include "dist.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/models/diagonal.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "model_flags.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

using exact::Rational;
using nlohmann::ordered_json;

namespace mf = model_flags;

// A certified phase result's JSON fields, in the order every phase output prints them (phase, the diagonal model's
// coordinates, the vector diagram's points).
void put_phase_result(ordered_json& j, const models::PhaseResult& r, int digits) {
  j["lambda_plus"] = certified_json(r.lambda_plus.value, digits);
  j["lambda_minus"] = certified_json(r.lambda_minus.value, digits);
  j["l2_wrong_direction_stable"] = r.l2_wrong_direction_stable;
  j["phase"] = models::to_string(r.phase);
  j["phase_candidates"] = models::to_strings(r.candidates);
}

struct PhaseOptions {
  mf::ModelFlags model;
  std::string lr;
  int digits = 16;
  long max_bits = 65536;
  std::uint64_t max_atoms = 10'000'000;
  bool json = false;
  double time_budget = kDefaultTimeBudget;
};

// phase --model diagonal: one certified pair per coordinate and the surviving fraction.
int run_diagonal(const PhaseOptions& o) {
  const models::DiagonalModel m = mf::diagonal_model(o.model);
  const Rational lr = exact::parse_rational(o.lr);
  const models::DiagonalResult r = models::diagonal_phase(m, lr, lyap::Accuracy{o.digits, o.max_bits});
  const std::size_t d = m.beta.size();
  std::vector<std::size_t> undetermined;  // 1-based, as printed
  for (std::size_t i : r.undetermined) undetermined.push_back(i + 1);
  if (o.json) {
    ordered_json j = common_fields("phase");
    j["model"] = "diagonal";
    j["beta"] = ordered_json::array();
    for (const auto& b : m.beta) j["beta"].push_back(exact::to_text(b));
    j["sigma2"] = exact::to_text(m.sigma2);
    j["gamma"] = exact::to_text(m.gamma);
    j["batch"] = m.batch;
    j["data"] = "gaussian";
    j["lr"] = o.lr;
    ordered_json coords = ordered_json::array();
    std::string msg;
    for (std::size_t i = 0; i < d; ++i) {
      const auto& c = r.coordinates[i];
      ordered_json jc;
      jc["coordinate"] = i + 1;
      jc["k"] = exact::to_text(c.k);
      jc["sigma2"] = exact::to_text(c.sigma2);
      put_phase_result(jc, c.result, o.digits);
      jc["survives"] = models::survival_label(c.survival);
      coords.push_back(jc);
      for (const auto* e : {&c.result.lambda_plus, &c.result.lambda_minus}) {
        if (!e->message.empty()) msg += fmt::format("{}coordinate {}: {}", msg.empty() ? "" : "; ", i + 1, e->message);
      }
    }
    j["coordinates"] = coords;
    j["surviving"] = r.surviving;
    j["undetermined_coordinates"] = undetermined;
    j["surviving_fraction"] =
        r.surviving_fraction ? ordered_json(exact::to_text(*r.surviving_fraction)) : ordered_json(nullptr);
    j["surviving_fraction_bounds"] = {{"lower", exact::to_text(r.fraction_lower)},
                                      {"upper", exact::to_text(r.fraction_upper)}};
    j["digits"] = o.digits;
    j["converged"] = r.converged;
    j["method"] = r.coordinates.front().result.lambda_plus.method;
    j["message"] = msg;
    std::cout << j.dump(2) << "\n";
  } else {
    std::vector<std::string> beta;
    for (const auto& b : m.beta) beta.push_back(exact::to_text(b));
    fmt::print("diagonal saddle: beta = ({}), sigma^2 = {}, gamma = {}, batch = {}, data = Gaussian model\n",
               fmt::join(beta, ", "), exact::to_text(m.sigma2), exact::to_text(m.gamma), m.batch);
    fmt::print("lr = {}\n", o.lr);
    for (std::size_t i = 0; i < d; ++i) {
      const auto& c = r.coordinates[i];
      const auto dp = lyap::to_decimal(c.result.lambda_plus.value, o.digits);
      const auto dm = lyap::to_decimal(c.result.lambda_minus.value, o.digits);
      fmt::print("coordinate {}: xy(k = {}, sigma^2 = {})\n", i + 1, exact::to_text(c.k), exact::to_text(c.sigma2));
      fmt::print("  Lambda_+ in [{}, {}]   sign: {}\n", dp.lower, dp.upper,
                 lyap::to_string(c.result.lambda_plus.value.sign));
      fmt::print("  Lambda_- in [{}, {}]   sign: {}\n", dm.lower, dm.upper,
                 lyap::to_string(c.result.lambda_minus.value.sign));
      fmt::print("  wrong direction L2-stable: {}; phase: {}{}; survives: {}\n",
                 c.result.l2_wrong_direction_stable ? "yes" : "no", models::to_string(c.result.phase),
                 c.result.candidates.size() > 1
                     ? fmt::format(" (candidates: {})", fmt::join(models::to_strings(c.result.candidates), ", "))
                                                : std::string(),
                 models::survival_label(c.survival));
    }
    if (r.surviving_fraction) {
      fmt::print("surviving fraction: {}/{} = {}\n", r.surviving, d, exact::to_text(*r.surviving_fraction));
    } else {
      fmt::print("surviving fraction: in [{}, {}]; undetermined coordinates: {}\n", exact::to_text(r.fraction_lower),
                 exact::to_text(r.fraction_upper), fmt::join(undetermined, ", "));
    }
  }
  return r.converged ? kExitOk : kExitNotConverged;
}

// phase --model vector: the certified top exponent of the vector saddle's linearisation through lyapnd's law
// vector(q, d, lr, k, sigma, batch=S, gamma=G) (docs/models.md, proofs/lyapnd/vector.md). The label is collapse
// (Lambda_top < 0) or escape (> 0) when the sign is certified, undetermined otherwise (exit 3).
// The vector law of the model flags at learning rate lr (k, sigma^2 from --sigma or --snr, batch, gamma); shared by
// phase and phase-diagram --model vector. InputError for flags that do not apply or bad dimensions.
laws::VectorSaddle vector_saddle(const mf::ModelFlags& f, const Rational& lr) {
  if (!f.beta.empty() || !f.data_file.empty() || f.data_sample > 0 || !f.replace)
    throw InputError("--beta, --data, --data-sample and --replace false do not apply to --model vector");
  std::string ignored;
  mf::ModelFlags scalar = f;
  scalar.model = "twolayer";
  const models::TwoLayerModel base = mf::twolayer_model(scalar, ignored);  // k, sigma^2 (from --sigma or --snr)
  laws::VectorSaddle v;
  if (f.out_dim < 1 || f.dim < 1 || f.out_dim + f.dim > static_cast<std::size_t>(laws::kMaxMatrixDim))
    throw InputError(fmt::format("--out-dim {} and --dim {}: need q, d >= 1 and q + d <= {}", f.out_dim, f.dim,
                                 laws::kMaxMatrixDim));
  v.q = static_cast<int>(f.out_dim);
  v.d = static_cast<int>(f.dim);
  v.lr = lr;
  if (v.lr <= 0) throw InputError(fmt::format("learning rate must be > 0, got {}", exact::to_text(lr)));
  v.k = base.k;
  v.sigma2 = base.sigma2;
  v.batch = base.batch;
  v.gamma = base.gamma;
  return v;
}

// phase --model vector: the certified top exponent of the vector saddle's linearisation through lyapnd's law
// vector(q, d, lr, k, sigma, batch=S, gamma=G) (docs/models.md, proofs/lyapnd/vector.md). The label is collapse
// (Lambda_top < 0) or escape (> 0) when the sign is certified, undetermined otherwise (exit 3).
int run_vector_phase(const PhaseOptions& o) {
  const laws::VectorSaddle v = vector_saddle(o.model, exact::parse_rational(o.lr));
  const laws::MatrixLaw law{v.q + v.d, v};
  lyapnd::Options opt;
  opt.acc = lyap::Accuracy{o.digits, o.max_bits};
  opt.time_budget_seconds = o.time_budget;
  const lyapnd::Result r = lyapnd::certify_lyapnd(law, opt);
  core::throw_if_interrupted();
  const lyap::Sign s = r.top.value.sign;
  const char* label = models::to_string(models::vector_phase(s));
  lyap::DecimalEnclosure dec;
  ordered_json top = certified_json(r.top.value, o.digits, &dec);
  if (r.upper_bound_only) {
    top["lower"] = "-inf";
    dec.lower = "-inf";
  }
  if (o.json) {
    ordered_json j = common_fields("phase");
    j["model"] = "vector";
    j["out_dim"] = v.q;
    j["dim"] = v.d;
    j["k"] = exact::to_text(v.k);
    j["sigma2"] = exact::to_text(v.sigma2);
    j["gamma"] = exact::to_text(v.gamma);
    j["batch"] = v.batch;
    j["data"] = "gaussian";
    j["lr"] = exact::to_text(v.lr);
    j["lambda_top"] = top;
    j["phase"] = label;
    j["guarantee"] = "certified";
    j["method"] = r.top.method;
    j["upper_bound_only"] = r.upper_bound_only;
    j["digits"] = o.digits;
    j["converged"] = r.top.converged;
    j["message"] = r.top.message;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("vector saddle: q = {}, d = {}, k = {}, sigma^2 = {}, gamma = {}, batch = {}\n", v.q, v.d,
               exact::to_text(v.k), exact::to_text(v.sigma2), exact::to_text(v.gamma), v.batch);
    fmt::print("lr = {}\n", exact::to_text(v.lr));
    fmt::print("Lambda_top in [{}, {}]   sign: {}\n", dec.lower, dec.upper, lyap::to_string(s));
    fmt::print("phase: {}\n", label);
    if (!r.top.message.empty()) fmt::print("  note: {}\n", r.top.message);
  }
  return s == lyap::Sign::undetermined ? kExitNotConverged : kExitOk;
}

int run_phase(const PhaseOptions& o) {
  check_time_budget(o.time_budget);
  const core::StopScope budget(core::StopToken::after_seconds(o.time_budget));
  if (o.model.model == "diagonal") return run_diagonal(o);
  if (o.model.model == "vector") return run_vector_phase(o);
  if (o.model.model != "twolayer") {
    throw InputError(fmt::format("unknown model '{}' (phase supports: twolayer, diagonal, vector)", o.model.model));
  }
  if (o.model.dim != 1 || o.model.out_dim != 1) throw InputError("--dim and --out-dim are for --model vector");
  if (!o.model.beta.empty()) throw InputError("--beta is for the diagonal model only (--model diagonal)");
  std::string data_written;
  const models::TwoLayerModel m = mf::twolayer_model(o.model, data_written);
  const Rational lr = exact::parse_rational(o.lr);
  const laws::CurvatureLaw h = models::minibatch_curvature(m, o.max_atoms);
  const models::PhaseResult r = models::phase_at(m, h, lr, lyap::Accuracy{o.digits, o.max_bits});
  const auto snr = models::batch_snr(m);
  const bool converged = r.lambda_plus.converged && r.lambda_minus.converged;

  if (o.json) {
    ordered_json j = common_fields("phase");
    j["model"] = "twolayer";
    j["k"] = exact::to_text(m.k);
    j["sigma2"] = exact::to_text(m.sigma2);
    j["gamma"] = exact::to_text(m.gamma);
    j["batch"] = m.batch;
    j["replace"] = m.replace;
    j["data"] = m.data.empty() ? ordered_json("gaussian") : ordered_json(m.data.size());
    if (!data_written.empty()) j["data_file"] = data_written;
    j["lr"] = o.lr;
    j["batch_snr"] = snr ? ordered_json(exact::to_text(*snr)) : ordered_json(nullptr);
    put_phase_result(j, r, o.digits);
    j["digits"] = o.digits;
    j["converged"] = converged;
    j["method"] = r.lambda_plus.method;
    std::string msg = r.lambda_plus.message;
    if (!r.lambda_minus.message.empty()) msg += (msg.empty() ? "" : "; ") + r.lambda_minus.message;
    j["message"] = msg;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("two-layer saddle: k = {}, sigma^2 = {}, gamma = {}, batch = {}{}, data = {}\n", exact::to_text(m.k),
               exact::to_text(m.sigma2), exact::to_text(m.gamma), m.batch, m.replace ? "" : " (without replacement)",
               m.data.empty() ? std::string("Gaussian model") : fmt::format("{} points", m.data.size()));
    if (!data_written.empty()) fmt::print("sampled data written to {}\n", data_written);
    if (snr) fmt::print("batch SNR = {} (~{:.6g})\n", exact::to_text(*snr), snr->convert_to<double>());
    fmt::print("lr = {}\n", o.lr);
    const auto show = [&](const char* name, const lyap::CertifiedResult& c) {
      const auto d = lyap::to_decimal(c.value, o.digits);
      if (c.value.minus_infinity) {
        fmt::print("{} = -inf (exactly)   sign: negative\n", name);
      } else {
        fmt::print("{} in [{}, {}]   sign: {}\n", name, d.lower, d.upper, lyap::to_string(c.value.sign));
      }
    };
    show("Lambda_+ (correct direction)", r.lambda_plus);
    show("Lambda_- (wrong direction)  ", r.lambda_minus);
    fmt::print("wrong direction L2-stable: {}\n", r.l2_wrong_direction_stable ? "yes" : "no");
    fmt::print("phase: {}", models::to_string(r.phase));
    if (r.candidates.size() > 1) fmt::print(" (candidates: {})", fmt::join(models::to_strings(r.candidates), ", "));
    fmt::print("\n");
  }
  return converged ? kExitOk : kExitNotConverged;
}

}  // namespace

void register_phase_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<PhaseOptions>();
  auto* cmd = app.add_subcommand("phase", "certified phase of the two-layer saddle model at one learning rate");
  mf::add(cmd, o->model, mf::FlagSet::phase);
  cmd->add_option("--lr", o->lr, "learning rate > 0 (exact)")->required();
  cmd->add_option("--digits", o->digits, "requested digits (1..10000)")->default_val(16);
  cmd->add_option("--max-bits", o->max_bits, "cap on the working precision in bits")->default_val(65536);
  cmd->add_option("--max-atoms", o->max_atoms, "refuse finite laws with more atoms")->default_val(10'000'000);
  cmd->add_flag("--json", o->json, "print JSON");
  add_time_budget(cmd, o->time_budget);
  reg.push_back({cmd, [o] { return run_phase(*o); }});
}

}  // namespace lyapcert::cli

// ---------------------------------------------------------------------------------------------
// phase-diagram

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <cstdlib>

#include "lyapcert/models/phase_diagram.hpp"
#include "lyapcert/version.hpp"

namespace lyapcert::cli {
namespace {

namespace mf = model_flags;

struct DiagramOptions {
  mf::ModelFlags m;  // --model --k --sigma --gamma --batch --replace --data --data-sample --seed --out
  std::string lr_range = "1/100:10";
  std::string sigma_range, snr_range, batch_range;
  std::string grid = "40x20";
  int digits = 10;
  int jobs = 2;
  bool cells = false;     // --cells given explicitly (cells are certified by default for the Gaussian model)
  bool no_cells = false;  // --no-cells
  bool cells_arb = false; // --cells-arb: retry cells the binary64 kernel leaves undecided with Arb (slow)
  bool cells_on = false;  // resolved: cells certified in this run
  double time_budget = kDefaultTimeBudget;
  double point_budget = 60;         // --model vector: seconds per grid point (capped by what --time-budget leaves)
  bool point_budget_given = false;
  dist::Flags dist;  // --journal, --resume (MPI ranks: app/dist.hpp)
};

std::string dec(const Rational& x) { return exact::to_text(x); }

std::string phase_color(models::Phase p) {
  switch (p) {
    case models::Phase::Ia: return "0x2b83ba";
    case models::Phase::Ib: return "0xabdda4";
    case models::Phase::II: return "0xd7191c";
    case models::Phase::III: return "0xfdae61";
    case models::Phase::IV: return "0x7b3294";
    case models::Phase::undetermined:
    case models::Phase::collapse:
    case models::Phase::escape: break;  // not drawn in the two-layer diagram
  }
  return "0xbbbbbb";
}

std::vector<double> as_doubles(const std::vector<Rational>& v) {
  std::vector<double> out;
  for (const auto& x : v) out.push_back(x.convert_to<double>());
  return out;
}

// Grid cells of both PNGs here (two-layer and vector diagram) are rectangles (boxxyerror, so they work on log
// axes) whose data lines are cell_box and whose plot entries are filled_cells; the script around them is built
// and run by the shared driver of output.hpp (png_script_head, png_script_axes, run_gnuplot).

// Data line of grid cell (i, j) around its point (lr, y): x and y extent from the cell edges xe, ye.
std::string cell_box(const Rational& lr, const Rational& y, const std::vector<double>& xe,
                     const std::vector<double>& ye, std::size_t i, std::size_t j) {
  return fmt::format("{} {} {} {} {} {}\n", lr.convert_to<double>(), y.convert_to<double>(), xe[i], xe[i + 1], ye[j],
                     ye[j + 1]);
}

// Plot entry of the cell rectangles in data block `index`, filled with colour rgb (hex digits); an absent phase
// gets no key entry (gnuplot would still list an empty block).
std::string filled_cells(const std::string& dat, int index, const std::string& rgb, bool present, models::Phase phase) {
  return fmt::format("'{}' index {} using 1:2:3:4:5:6 with boxxyerror fs solid 1.0 noborder lc rgb '#{}' {}, ", dat,
                     index, rgb, present ? fmt::format("title '{}'", models::to_string(phase)) : "notitle");
}

// The PNG: a filled heat map (gnuplot boxxyerror rectangles, one per grid cell, so it works on log axes), one
// colour per phase, cells whose phase is not certified on the whole cell hatched, the certified root brackets
// of Lambda_+ = 0 / Lambda_- = 0 as curves through their midpoints, the exact L2 boundary, finite-data spikes;
// axes end at the outer cell edges (no empty margin) and the key sits below the plot.
void write_png(const DiagramOptions& o, const models::DiagramResult& r, const std::string& y_label, bool log_y,
               std::size_t n_data) {
  if (!dist::is_root() || !write_plots()) return;  // under MPI rank 0 draws the plot; Python: JSON only
  // Data blocks for gnuplot, one temporary file, removed afterwards. Every block starts with a NaN
  // point so that empty blocks keep their index.
  const std::string dat = o.m.out + ".plot.tmp";
  std::string text;
  const auto block_end = [&] { text += "\n\n"; };
  const models::Phase phases[] = {models::Phase::Ia, models::Phase::Ib, models::Phase::II, models::Phase::III,
                                  models::Phase::IV, models::Phase::undetermined};
  const std::vector<double> xe = cell_edges(as_doubles(r.lrs), true), ye = cell_edges(as_doubles(r.ys), log_y);
  const std::size_t nx = r.lrs.size();
  // A cell is filled with the phase proved on the whole cell, else with the phase certified at its grid point.
  const auto cell_phase = [](const models::GridPoint& p) { return p.cell.certified() ? p.cell.phase : p.result.phase; };
  const auto box = [&](std::size_t idx) {
    return cell_box(r.points[idx].lr, r.points[idx].y, xe, ye, idx % nx, idx / nx);
  };
  for (const models::Phase ph : phases) {  // blocks 0-5
    text += fmt::format("# {}\nNaN NaN NaN NaN NaN NaN\n", models::to_string(ph));
    for (std::size_t idx = 0; idx < r.points.size(); ++idx) {
      const auto& p = r.points[idx];
      if (p.done && cell_phase(p) == ph) text += box(idx);
    }
    block_end();
  }
  text += "# cells not certified\nNaN NaN NaN NaN NaN NaN\n";  // block 6
  for (std::size_t idx = 0; idx < r.points.size(); ++idx) {
    if (r.points[idx].done && r.points[idx].cell.status == models::CellPhase::Status::mixed) text += box(idx);
  }
  block_end();
  // Root curves (blocks 7, 8): the k-th root of each row forms branch k; a branch is drawn through the rows it
  // exists in (branches separated by single blank lines).
  for (const auto* roots : {&r.plus_roots, &r.minus_roots}) {
    text += "NaN NaN\n";
    std::map<std::string, std::vector<double>> by_row;  // y -> root midpoints, in lr order
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& b : *roots) {
      const std::string key = exact::to_text(b.y);
      if (!by_row.count(key)) rows.emplace_back(b.y.convert_to<double>(), key);
      by_row[key].push_back(((b.lower + b.upper) / 2).convert_to<double>());
    }
    std::sort(rows.begin(), rows.end());
    std::size_t branches = 0;
    for (const auto& [y, key] : rows) branches = std::max(branches, by_row[key].size());
    for (std::size_t k = 0; k < branches; ++k) {
      for (const auto& [y, key] : rows) {
        if (by_row[key].size() > k) text += fmt::format("{} {}\n", by_row[key][k], y);
      }
      text += "\n";
    }
    block_end();
  }
  text += "NaN NaN\n";  // block 9
  for (const auto& [y, lr] : r.l2_boundary) text += fmt::format("{} {}\n", lr.convert_to<double>(), y.convert_to<double>());
  block_end();
  // Finite data: the exact spikes (Lambda = -inf at lr = 1/(gamma -+ s h_j), MODEL-SPIKE-1), blocks 10 and 11.
  for (const auto* spikes : {&r.plus_spikes, &r.minus_spikes}) {
    text += "NaN NaN\n";
    for (const auto& sp : *spikes) text += fmt::format("{} {}\n", sp.lr.convert_to<double>(), sp.y.convert_to<double>());
    block_end();
  }
  std::string script =
      png_script_head(o.m.out, log_y, y_label) +
      fmt::format(
          "set title 'two-layer saddle: {}, gamma = {}{}: certified phases (hatched: not certified on the whole "
          "cell)'\n"
          "set key outside center bottom horizontal maxrows 3 samplen 2 spacing 1.1\n",
          n_data > 0 ? fmt::format("{} data points", n_data) : fmt::format("k = {}", o.m.k), o.m.gamma,
          o.batch_range.empty() && n_data == 0 ? fmt::format(", batch = {}", o.m.batch) : std::string()) +
      png_script_axes(xe, ye) + "set lmargin 10\nset rmargin 3\nset tmargin 3\n";
  std::string plot = "plot ";
  for (int i = 0; i < 6; ++i) {
    bool present = false;
    for (const auto& p : r.points) present = present || (p.done && cell_phase(p) == phases[i]);
    plot += filled_cells(dat, i, phase_color(phases[i]).substr(2), present, phases[i]);
  }
  if (o.cells_on) {
    plot += fmt::format("'{}' index 6 using 1:2:3:4:5:6 with boxxyerror lc rgb '#333333' fs transparent pattern 4 "
                        "border lc rgb '#333333' title 'cell not certified', ",
                        dat);
  }
  plot += fmt::format("'{}' index 7 using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc rgb 'black' title 'Λ_+ = 0', ", dat);
  plot += fmt::format("'{}' index 8 using 1:2 with linespoints lw 2 dt 2 pt 6 ps 0.6 lc rgb 'black' title 'Λ_- = 0', ", dat);
  plot += fmt::format("'{}' index 9 using 1:2 with lines lw 3 dt 3 lc rgb '#222222' title 'L2 boundary (wrong dir.)', ", dat);
  if (!r.plus_spikes.empty()) {
    plot += fmt::format("'{}' index 10 using 1:2 with points pt 2 ps 1.2 lc rgb '#e66101' title 'spike of Λ_+ (= -∞)', ",
                        dat);
  }
  if (!r.minus_spikes.empty()) {
    plot += fmt::format("'{}' index 11 using 1:2 with points pt 3 ps 1.2 lc rgb '#5e3c99' title 'spike of Λ_- (= -∞)', ",
                        dat);
  }
  plot.resize(plot.size() - 2);  // drop the trailing ", "
  plot += "\n";
  script += plot;
  run_gnuplot(o.m.out, dat, text, script);
}

// phase-diagram --model vector: at each grid point (learning rate x per-sample SNR, sigma or batch size) the
// certified top exponent of the vector law, as `phase --model vector` computes it (lyapnd's method "vector":
// proofs/lyapnd/vector.md), labelled collapse (certified < 0), escape (certified > 0) or undetermined. Each point
// gets --point-time-budget seconds (capped by what is left of --time-budget, the whole command's budget); points
// run in parallel (--jobs) and the results do not depend on the thread count except through the per-point
// wall-clock budget, exactly as for a single `phase --model vector` call.
struct VectorPoint {
  Rational lr, y, sigma2;
  std::uint64_t batch = 1;
  lyapnd::Result result;
  bool done = false;
};

void write_vector_png(const DiagramOptions& o, const laws::VectorSaddle& base, const std::vector<Rational>& lrs,
                      const std::vector<Rational>& ys, const std::vector<VectorPoint>& pts, const std::string& y_label,
                      bool log_y) {
  if (!dist::is_root() || !write_plots()) return;  // Python: JSON only
  const std::string dat = o.m.out + ".plot.tmp";
  const std::vector<double> xe = cell_edges(as_doubles(lrs), true), ye = cell_edges(as_doubles(ys), log_y);
  const models::Phase labels[] = {models::Phase::collapse, models::Phase::escape, models::Phase::undetermined};
  const char* colours[] = {"2b83ba", "d7191c", "bbbbbb"};
  std::string text;
  bool present[3] = {false, false, false};
  for (int b = 0; b < 3; ++b) {  // one block per label; a NaN point keeps empty blocks indexed
    text += fmt::format("# {}\nNaN NaN NaN NaN NaN NaN\n", models::to_string(labels[b]));
    for (std::size_t idx = 0; idx < pts.size(); ++idx) {
      const auto& p = pts[idx];
      if (!p.done || models::vector_phase(p.result.top.value.sign) != labels[b]) continue;
      present[b] = true;
      text += cell_box(p.lr, p.y, xe, ye, idx % lrs.size(), idx / lrs.size());
    }
    text += "\n\n";
  }
  const std::string script =
      png_script_head(o.m.out, log_y, y_label) +
      fmt::format(
          "set title 'vector saddle q = {}, d = {}: k = {}, gamma = {}: certified sign of the top exponent'\n"
          "set key outside center bottom horizontal samplen 2\n",
          base.q, base.d, exact::to_text(base.k), exact::to_text(base.gamma)) +
      png_script_axes(xe, ye);
  std::string plot = "plot ";
  for (int b = 0; b < 3; ++b) plot += filled_cells(dat, b, colours[b], present[b], labels[b]);
  plot.resize(plot.size() - 2);
  run_gnuplot(o.m.out, dat, text, script + plot + "\n");
}

int run_vector_diagram(const DiagramOptions& o) {
  if (o.m.out.empty()) throw InputError("--out PREFIX is required");
  if (o.cells || o.cells_arb) throw InputError("--cells and --cells-arb are for --model twolayer (no cell certificate for the vector law)");
  if (!o.dist.journal.empty() || o.dist.resume) throw InputError("--journal and --resume are for --model twolayer");
  if (dist::size() > 1) throw InputError("phase-diagram --model vector runs on one process (no MPI distribution)");
  const int given = !o.sigma_range.empty() + !o.snr_range.empty() + !o.batch_range.empty();
  if (given > 1) throw InputError("give only one of --sigma-range, --snr-range, --batch-range");
  if (o.batch_range.empty() && (!o.m.sigma.empty() || !o.m.snr.empty()))
    throw InputError("--sigma / --snr fix the noise for --batch-range only (the second axis is the noise here)");
  if (!(o.point_budget > 0) || o.point_budget > 1e7)
    throw InputError(fmt::format("--point-time-budget must be in (0, 1e7] seconds, got {}", o.point_budget));
  check_time_budget(o.time_budget);
  check_output_prefix(o.m.out, {".csv", ".json", ".png", ".png.tmp", ".plot.tmp", ".gp.tmp", ".gnuplot.log"});
  const std::string snr_range = given == 0 ? std::string("1/100:2/5") : o.snr_range;
  models::DiagramSpec spec;  // the axes and the y -> (sigma^2, batch) map shared with the two-layer diagram
  std::tie(spec.lr_min, spec.lr_max) = mf::parse_range(o.lr_range, "--lr-range");
  const laws::VectorSaddle base = vector_saddle(o.m, spec.lr_min);
  if (o.m.width < 1) throw InputError("--width must be >= 1");
  spec.base.k = base.k;
  spec.base.sigma2 = base.sigma2;
  spec.base.gamma = base.gamma;
  spec.base.batch = base.batch;
  std::tie(spec.n_lr, spec.n_y) = mf::parse_grid(o.grid);
  std::string y_name, y_key;
  if (!o.sigma_range.empty()) {
    spec.y_axis = models::YAxis::sigma;
    std::tie(spec.y_min, spec.y_max) = mf::parse_range(o.sigma_range, "--sigma-range");
    y_name = "sigma";
    y_key = "sigma";
  } else if (!snr_range.empty()) {
    spec.y_axis = models::YAxis::snr;
    std::tie(spec.y_min, spec.y_max) = mf::parse_range(snr_range, "--snr-range");
    if (spec.y_max >= Rational(1, 2)) throw InputError("--snr-range must lie in (0, 1/2)");
    y_name = "per-sample SNR";
    y_key = "snr";
  } else {
    spec.y_axis = models::YAxis::batch;
    std::tie(spec.y_min, spec.y_max) = mf::parse_range(o.batch_range, "--batch-range");
    y_name = "batch size";
    y_key = "batch";
  }
  const std::vector<Rational> lrs = models::log_grid(spec.lr_min, spec.lr_max, spec.n_lr);
  const std::vector<Rational> ys = spec.y_axis == models::YAxis::batch ? models::power2_grid(spec.y_min, spec.y_max)
                                                                       : models::log_grid(spec.y_min, spec.y_max, spec.n_y);
  std::vector<VectorPoint> pts(lrs.size() * ys.size());
  for (std::size_t j = 0; j < ys.size(); ++j) {
    const models::TwoLayerModel m = models::model_at(spec, ys[j]);
    for (std::size_t i = 0; i < lrs.size(); ++i) {
      VectorPoint& p = pts[j * lrs.size() + i];
      p.lr = lrs[i];
      p.y = ys[j];
      p.sigma2 = m.sigma2;
      p.batch = m.batch;
    }
  }
  const ProgressLine progress("grid points");
  core::ParallelOptions po;
  po.jobs = static_cast<unsigned>(o.jobs);
  po.on_done = [&progress](std::size_t done, std::size_t total) { progress(done, total); };
  bool complete = false;
  {
    const core::StopScope budget(core::StopToken::after_seconds(o.time_budget));
    const core::ParallelResult pr = core::parallel_for(pts.size(), po, [&](std::size_t idx, unsigned) {
      VectorPoint& p = pts[idx];
      laws::VectorSaddle v = base;
      v.lr = p.lr;
      v.sigma2 = p.sigma2;
      v.batch = p.batch;
      lyapnd::Options opt;
      opt.acc = lyap::Accuracy{o.digits, 4096};
      opt.method = lyapnd::Method::vector;
      opt.time_budget_seconds = std::max(1e-3, std::min(o.point_budget, core::scope_seconds_left()));
      p.result = lyapnd::certify_lyapnd(laws::MatrixLaw{v.q + v.d, v}, opt);
      p.done = true;
    });
    progress.finish();
    core::throw_if_interrupted(fmt::format("interrupted after {} of {} grid points", pr.done, pts.size()));
    complete = !pr.stopped && pr.done == pts.size();
  }

  std::string csv = fmt::format("lr,{},sigma2,batch,lambda_lower,lambda_upper,sign,phase,upper_bound_only\n", y_key);
  ordered_json points = ordered_json::array();
  std::size_t done = 0, n_collapse = 0, n_escape = 0, n_undetermined = 0;
  for (const auto& p : pts) {
    if (!p.done) continue;
    ++done;
    const lyap::Sign s = p.result.top.value.sign;
    const models::Phase ph = models::vector_phase(s);
    const char* label = models::to_string(ph);
    n_collapse += ph == models::Phase::collapse;
    n_escape += ph == models::Phase::escape;
    n_undetermined += ph == models::Phase::undetermined;
    lyap::DecimalEnclosure d;
    ordered_json top = certified_json(p.result.top.value, o.digits, &d);
    if (p.result.upper_bound_only) {
      top["lower"] = "-inf";
      d.lower = "-inf";
    }
    csv += fmt::format("{},{},{},{},{},{},{},{},{}\n", dec(p.lr), dec(p.y), dec(p.sigma2), p.batch, d.lower, d.upper,
                       lyap::to_string(s), label, p.result.upper_bound_only ? "true" : "false");
    ordered_json jp;
    jp["lr"] = dec(p.lr);
    jp["y"] = dec(p.y);
    jp["sigma2"] = dec(p.sigma2);
    jp["batch"] = p.batch;
    jp["lambda_top"] = top;
    jp["phase"] = label;
    jp["upper_bound_only"] = p.result.upper_bound_only;
    jp["converged"] = p.result.top.converged;
    jp["message"] = p.result.top.message;
    points.push_back(jp);
  }
  ordered_json j = common_fields("phase-diagram");
  j["model"] = "vector";
  j["out_dim"] = base.q;
  j["dim"] = base.d;
  j["width"] = o.m.width;
  j["k"] = exact::to_text(base.k);
  j["gamma"] = exact::to_text(base.gamma);
  if (spec.y_axis == models::YAxis::batch) {
    j["sigma2"] = exact::to_text(base.sigma2);
  } else {
    j["batch"] = base.batch;
  }
  j["data"] = "gaussian";
  j["y_axis"] = y_key;
  j["lr_grid"] = ordered_json::array();
  for (const auto& v : lrs) j["lr_grid"].push_back(dec(v));
  j["y_grid"] = ordered_json::array();
  for (const auto& v : ys) j["y_grid"].push_back(dec(v));
  j["digits"] = o.digits;
  j["point_time_budget"] = o.point_budget;
  j["guarantee"] = "certified";
  j["complete"] = complete;
  j["points"] = points;
  j["counts"] = {{"collapse", n_collapse}, {"escape", n_escape}, {"undetermined", n_undetermined}};
  j["commit"] = kGitCommit;
  write_file_atomically(o.m.out + ".csv", csv);
  write_file_atomically(o.m.out + ".json", j.dump(1) + "\n");
  write_vector_png(o, base, lrs, ys, pts, y_name, spec.y_axis != models::YAxis::batch);
  // On std::cout (not stdout) so that the Python module captures it like the other diagrams' summaries.
  std::cout << fmt::format(
      "vector phase diagram (q = {}, d = {}): {} of {} grid points{}: {} collapse, {} escape, {} undetermined\n"
      "wrote {}.csv, {}.json, {}.png\n",
      base.q, base.d, done, pts.size(), complete ? "" : " (stopped: partial)", n_collapse, n_escape, n_undetermined,
      o.m.out, o.m.out, o.m.out);
  if (!complete) {
    fmt::print(stderr, "lyapcert: time budget of {:g} s exhausted after {} of {} grid points: partial diagram written "
               "(\"complete\": false)\n", o.time_budget, done, pts.size());
    return kExitNotConverged;
  }
  // Like phase --model vector: an undetermined point is an honest result of the diagram, not a failure of the run.
  return kExitOk;
}

int run_diagram(DiagramOptions o) {
  if (o.m.model == "vector") return run_vector_diagram(o);
  if (o.m.model != "twolayer") {
    throw InputError(fmt::format("unknown model '{}' (phase-diagram supports: twolayer, diagonal, vector)", o.m.model));
  }
  if (o.m.dim != 1 || o.m.out_dim != 1 || o.m.width != 1) throw InputError("--dim, --out-dim and --width are for --model vector");
  if (!o.m.snr.empty()) throw InputError("--snr is for --model vector (the two-layer diagram's axis is --snr-range)");
  if (o.point_budget_given) throw InputError("--point-time-budget is for --model vector");
  if (o.m.out.empty()) throw InputError("--out PREFIX is required");
  const int given = !o.sigma_range.empty() + !o.snr_range.empty() + !o.batch_range.empty();
  if (given > 1) throw InputError("give only one of --sigma-range, --snr-range, --batch-range");
  const bool finite_data = !o.m.data_file.empty() || o.m.data_sample > 0;
  if (finite_data && (!o.sigma_range.empty() || !o.snr_range.empty())) {
    throw InputError(
        "phase-diagram with --data / --data-sample: the data fix the noise, so --sigma-range and --snr-range do "
        "not apply; the second axis is the batch size (--batch-range C:D, default 1:4)");
  }
  if (!o.m.data_file.empty() && (!o.m.sigma.empty() || o.m.k_given)) {
    throw InputError("--k and --sigma describe the Gaussian model (for --data-sample); they do not apply to --data FILE");
  }
  if (finite_data && (o.cells || o.cells_arb)) {
    throw InputError("--cells certifies cells of the Gaussian data model only (not with --data)");
  }
  if (o.no_cells && (o.cells || o.cells_arb)) throw InputError("--no-cells contradicts --cells / --cells-arb");
  o.cells_on = !finite_data && !o.no_cells;
  check_time_budget(o.time_budget);
  // Every output (and the plot's temporary files) can be written: checked before anything is computed.
  check_output_prefix(o.m.out, {".csv", ".json", ".png", ".png.tmp", ".plot.tmp", ".gp.tmp", ".gnuplot.log"});
  // Built-in default axes: SNR for the Gaussian model, batch sizes 1..4 for finite data.
  const std::string snr_range = given == 0 && !finite_data ? std::string("1/100:2/5") : o.snr_range;
  const std::string batch_range = finite_data && o.batch_range.empty() ? std::string("1:4") : o.batch_range;
  models::DiagramSpec spec;
  std::string data_written;
  spec.base = mf::twolayer_model(o.m, data_written);
  std::tie(spec.lr_min, spec.lr_max) = mf::parse_range(o.lr_range, "--lr-range");
  std::tie(spec.n_lr, spec.n_y) = mf::parse_grid(o.grid);
  std::string y_name;
  if (!o.sigma_range.empty()) {
    spec.y_axis = models::YAxis::sigma;
    std::tie(spec.y_min, spec.y_max) = mf::parse_range(o.sigma_range, "--sigma-range");
    y_name = "sigma";
  } else if (!snr_range.empty()) {
    spec.y_axis = models::YAxis::snr;
    std::tie(spec.y_min, spec.y_max) = mf::parse_range(snr_range, "--snr-range");
    if (spec.y_max >= Rational(1, 2)) throw InputError("--snr-range must lie in (0, 1/2)");
    y_name = "per-sample SNR";
  } else {
    spec.y_axis = models::YAxis::batch;
    std::tie(spec.y_min, spec.y_max) = mf::parse_range(batch_range, "--batch-range");
    y_name = "batch size";
  }
  spec.acc = lyap::Accuracy{o.digits, 4096};
  spec.jobs = o.jobs;
  spec.certify_cells = o.cells_on;
  spec.fast_cells_only = !o.cells_arb;
  // SIGINT stops the sweep with exit 130 and writes nothing (main: core::Interrupted, "interrupted after N of M
  // grid points"); the time budget stops it too, and the points done so far are written (complete: false, exit 3).
  const ProgressLine progress("grid points");
  const dist::Job job(o.dist);
  const auto result = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(dist::budget_seconds(o.time_budget)));
    auto r = models::phase_diagram(spec, progress);
    progress.finish();
    return r;
  }();

  // CSV
  std::string csv = fmt::format("lr,{},lambda_plus_lower,lambda_plus_upper,lambda_plus_sign,lambda_minus_lower,"
                                "lambda_minus_upper,lambda_minus_sign,l2_wrong_direction_stable,phase,cell\n",
                                spec.y_axis == models::YAxis::sigma ? "sigma" : spec.y_axis == models::YAxis::snr ? "snr" : "batch");
  ordered_json points = ordered_json::array();
  std::size_t certified_cells = 0, done = 0;
  for (const auto& p : result.points) {
    if (!p.done) continue;
    ++done;
    certified_cells += p.cell.certified();
    const auto dp = lyap::to_decimal(p.result.lambda_plus.value, o.digits);
    const auto dm = lyap::to_decimal(p.result.lambda_minus.value, o.digits);
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", dec(p.lr), dec(p.y), dp.lower, dp.upper,
                       lyap::to_string(p.result.lambda_plus.value.sign), dm.lower, dm.upper,
                       lyap::to_string(p.result.lambda_minus.value.sign),
                       p.result.l2_wrong_direction_stable ? "true" : "false", models::to_string(p.result.phase),
                       models::to_string(p.cell));
    ordered_json jp;
    jp["lr"] = dec(p.lr);
    jp["y"] = dec(p.y);
    put_phase_result(jp, p.result, o.digits);
    jp["cell"] = models::to_string(p.cell);
    points.push_back(jp);
  }
  auto roots_json = [](const std::vector<models::RootBracket>& v) {
    ordered_json a = ordered_json::array();
    for (const auto& b : v) {
      a.push_back({{"y", dec(b.y)}, {"lower", dec(b.lower)}, {"upper", dec(b.upper)}, {"direction", b.direction},
                   {"unique", b.unique}});
    }
    return a;
  };
  ordered_json j = common_fields("phase-diagram");
  j["model"] = "twolayer";
  j["k"] = o.m.k;
  j["gamma"] = o.m.gamma;
  j["batch"] = o.m.batch;
  j["y_axis"] = spec.y_axis == models::YAxis::sigma ? "sigma" : spec.y_axis == models::YAxis::snr ? "snr" : "batch";
  j["lr_grid"] = ordered_json::array();
  for (const auto& v : result.lrs) j["lr_grid"].push_back(dec(v));
  j["y_grid"] = ordered_json::array();
  for (const auto& v : result.ys) j["y_grid"].push_back(dec(v));
  if (finite_data) {
    j["data"] = spec.base.data.size();
    if (!data_written.empty()) j["data_file"] = data_written;
    j["replace"] = spec.base.replace;
  }
  j["digits"] = o.digits;
  j["complete"] = result.complete;
  j["points"] = points;
  j["certified_cells"] = certified_cells;
  j["boundaries"] = {{"lambda_plus", roots_json(result.plus_roots)},
                     {"lambda_minus", roots_json(result.minus_roots)},
                     {"l2_wrong_direction", ordered_json::array()}};
  for (const auto& [y, lr] : result.l2_boundary) j["boundaries"]["l2_wrong_direction"].push_back({{"y", dec(y)}, {"lr", dec(lr)}});
  if (finite_data) {
    auto spikes_json = [](const std::vector<models::Spike>& v) {
      ordered_json a = ordered_json::array();
      for (const auto& sp : v) a.push_back({{"y", dec(sp.y)}, {"lr", dec(sp.lr)}});
      return a;
    };
    j["spikes"] = {{"lambda_plus", spikes_json(result.plus_spikes)},
                   {"lambda_minus", spikes_json(result.minus_spikes)},
                   {"truncated", result.spikes_truncated}};
  }
  j["boundary_note"] =
      "Lambda roots are brackets [lower, upper] with certified opposite endpoint signs (at least one root inside); "
      "\"unique\": true when Lambda is also certified strictly monotone on the bracket (exactly one root, refined to "
      "the requested digits); the L2 boundary is exact.";
  j["commit"] = kGitCommit;
  write_file_atomically(o.m.out + ".csv", csv);
  write_file_atomically(o.m.out + ".json", j.dump(1) + "\n");
  write_png(o, result, y_name, spec.y_axis != models::YAxis::batch, spec.base.data.size());
  // std::cout (not C stdout): the Python module captures it while it runs the command in-process.
  if (!data_written.empty()) std::cout << fmt::format("sampled data written to {}\n", data_written);
  std::cout << fmt::format("phase diagram: {} of {} grid points{}, {}\nwrote {}.csv, {}.json, {}.png\n", done, result.points.size(),
             result.complete ? "" : " (interrupted: partial)",
             o.cells_on ? fmt::format("{} cells certified", certified_cells)
                        : std::string(finite_data ? "cells not checked (finite data)" : "cells not checked (--no-cells)"),
             o.m.out, o.m.out, o.m.out);
  if (!result.complete) {
    fmt::print(stderr, "lyapcert: time budget of {:g} s exhausted after {} of {} grid points: partial diagram written "
               "(\"complete\": false)\n", o.time_budget, done, result.points.size());
  }
  return result.complete ? kExitOk : kExitNotConverged;
}

}  // namespace

void register_phase_diagram_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<DiagramOptions>();
  auto* cmd = app.add_subcommand("phase-diagram", "certified phase diagram of the two-layer saddle (CSV, JSON, PNG)");
  mf::add(cmd, o->m, mf::FlagSet::diagram);
  cmd->add_option("--lr-range", o->lr_range, "learning rates A:B, log-spaced")->default_val("1/100:10");
  cmd->add_option("--sigma-range", o->sigma_range, "second axis: sigma C:D (log-spaced)");
  cmd->add_option("--snr-range", o->snr_range, "second axis: per-sample SNR C:D in (0, 1/2), log-spaced (default 1/100:2/5)");
  cmd->add_option("--batch-range", o->batch_range, "second axis: batch sizes C:D (powers of 2)");
  cmd->add_option("--grid", o->grid, "NLRxNY grid points")->default_val("40x20");
  cmd->add_option("--digits", o->digits, "digits of each certified exponent")->default_val(10)->check(CLI::Range(1, 100));
  cmd->add_option("--jobs", o->jobs, "threads")->default_val(2)->check(CLI::Range(1, 256));
  cmd->add_flag("--cells", o->cells, "certify each grid cell by interval evaluation (the default for the Gaussian model)");
  cmd->add_flag("--no-cells", o->no_cells, "do not certify the cells (they are reported as unchecked)");
  cmd->add_flag("--cells-arb", o->cells_arb,
                "retry cells the binary64 kernel leaves undecided with the Arb quadrature on wide balls (slow)");
  add_time_budget(cmd, o->time_budget);
  // --model vector (the linearisation of f(x) = U W x, lyapnd's law vector(...)): its dimensions, the width the
  // simulator uses (the exponent does not depend on it), a fixed SNR for --batch-range, and the per-point budget.
  cmd->add_option("--dim", o->m.dim, "vector: input dimension d")->default_val(1);
  cmd->add_option("--out-dim", o->m.out_dim, "vector: output dimension q")->default_val(1);
  cmd->add_option("--width", o->m.width, "vector: hidden width m (the exponent does not depend on it)")->default_val(1);
  cmd->add_option("--snr", o->m.snr, "vector with --batch-range: per-sample SNR in (0, 1/2), instead of --sigma");
  cmd->add_option_function<double>(
         "--point-time-budget",
         [o](double s) {
           o->point_budget = s;
           o->point_budget_given = true;
         },
         "vector: seconds per grid point (default 60; capped by what --time-budget leaves)");
  dist::add_flags(cmd, o->dist);
  reg.push_back({cmd, [o] { return run_diagram(*o); }});
}

}  // namespace lyapcert::cli
