// phase subcommand: certified exponents and phase label of the two-layer saddle model (issue 4).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

using exact::Rational;
using nlohmann::ordered_json;

struct PhaseOptions {
  std::string model = "twolayer";
  std::string k = "1", sigma, snr, gamma = "0", lr;
  std::uint64_t batch = 1;
  bool replace = true;
  std::string data_file;
  std::uint64_t data_sample = 0;
  std::uint64_t seed = 1;
  std::string out = "lyapcert";
  int digits = 16;
  long max_bits = 65536;
  std::uint64_t max_atoms = 10'000'000;
  bool json = false;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// CSV with columns x,y (optional header line "x,y"), exact decimals or fractions.
std::vector<std::pair<Rational, Rational>> read_xy_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("cannot read data file '{}'", path));
  std::vector<std::pair<Rational, Rational>> out;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto comma = line.find(',');
    if (comma == std::string::npos || line.find(',', comma + 1) != std::string::npos) {
      throw InputError(fmt::format("{}:{}: expected two columns x,y", path, lineno));
    }
    const std::string a = trim(line.substr(0, comma)), b = trim(line.substr(comma + 1));
    if (out.empty() && a == "x" && b == "y") continue;  // header
    try {
      out.emplace_back(exact::parse_rational(a), exact::parse_rational(b));
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}:{}: {}", path, lineno, e.what()));
    }
  }
  if (out.empty()) throw InputError(fmt::format("data file '{}' has no data rows (empty dataset)", path));
  return out;
}

// N pairs from the Gaussian model in binary64 (splitmix64 + Box-Muller, fixed by the seed); those
// doubles are the exact data.
std::vector<std::pair<Rational, Rational>> sample_xy(std::uint64_t n, std::uint64_t seed, const Rational& k,
                                                     const Rational& sigma2) {
  std::uint64_t state = seed;
  auto next = [&] {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  auto uniform01 = [&] { return (static_cast<double>(next() >> 11) + 0.5) * 0x1p-53; };  // in (0, 1)
  auto normal = [&] {
    const double u = uniform01(), v = uniform01();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
  };
  const double kd = k.convert_to<double>(), sd = std::sqrt(sigma2.convert_to<double>());
  std::vector<std::pair<Rational, Rational>> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const double x = normal();
    const double y = kd * x + sd * normal();
    out.emplace_back(Rational(x), Rational(y));  // exact binary64 values
  }
  return out;
}

int run_phase(const PhaseOptions& o) {
  if (o.model != "twolayer") {
    throw InputError(fmt::format("unknown model '{}' (phase supports: twolayer)", o.model));
  }
  models::TwoLayerModel m;
  m.k = exact::parse_rational(o.k);
  if (m.k == 0) throw InputError("--k must be nonzero");
  if (!o.sigma.empty() && !o.snr.empty()) throw InputError("give --sigma or --snr, not both");
  if (!o.snr.empty()) {
    m.sigma2 = models::sigma2_from_snr(m.k, exact::parse_rational(o.snr));
  } else if (!o.sigma.empty()) {
    const Rational s = exact::parse_rational(o.sigma);
    if (s < 0) throw InputError(fmt::format("--sigma must be >= 0, got {}", o.sigma));
    m.sigma2 = s * s;
  }
  m.gamma = exact::parse_rational(o.gamma);
  m.batch = o.batch;
  m.replace = o.replace;
  std::string data_written;
  if (!o.data_file.empty() && o.data_sample > 0) throw InputError("give --data or --data-sample, not both");
  if (!o.data_file.empty()) m.data = read_xy_csv(o.data_file);
  if (o.data_sample > 0) {
    if (o.data_sample > 100'000'000) throw InputError("--data-sample must be at most 10^8");
    m.data = sample_xy(o.data_sample, o.seed, m.k, m.sigma2);
    std::string csv = "x,y\n";
    for (const auto& [x, y] : m.data) csv += exact::to_text(x) + "," + exact::to_text(y) + "\n";
    data_written = o.out + "-data.csv";
    write_file_atomically(data_written, csv);
  }
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
    j["lambda_plus"] = certified_json(r.lambda_plus.value, o.digits);
    j["lambda_minus"] = certified_json(r.lambda_minus.value, o.digits);
    j["l2_wrong_direction_stable"] = r.l2_wrong_direction_stable;
    j["phase"] = r.phase;
    j["phase_candidates"] = r.candidates;
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
    fmt::print("phase: {}", r.phase);
    if (r.candidates.size() > 1) fmt::print(" (candidates: {})", fmt::join(r.candidates, ", "));
    fmt::print("\n");
  }
  return converged ? kExitOk : kExitNotConverged;
}

}  // namespace

void register_phase_commands(CLI::App& app, Registry& reg) {
  auto o = std::make_shared<PhaseOptions>();
  auto* cmd = app.add_subcommand("phase", "certified phase of the two-layer saddle model at one learning rate");
  cmd->add_option("--model", o->model, "model: twolayer")->default_val("twolayer");
  cmd->add_option("--lr", o->lr, "learning rate > 0 (exact)")->required();
  cmd->add_option("--k", o->k, "signal: y = k x + sigma eps, k != 0")->default_val("1");
  cmd->add_option("--sigma", o->sigma, "noise standard deviation >= 0 (default 1)");
  cmd->add_option("--snr", o->snr, "per-sample SNR k^2/(2k^2 + sigma^2) in (0, 1/2), instead of --sigma");
  cmd->add_option("--gamma", o->gamma, "weight decay")->default_val("0");
  cmd->add_option("--batch", o->batch, "batch size S >= 1")->default_val(1)->check(CLI::Range(1, 1000000));
  cmd->add_option("--replace", o->replace, "minibatches with replacement (true|false)")->default_val(true);
  cmd->add_option("--data", o->data_file, "CSV file with columns x,y (exact decimals): finite data");
  cmd->add_option("--data-sample", o->data_sample, "draw N pairs from the Gaussian model (binary64; exact data)");
  cmd->add_option("--seed", o->seed, "seed of --data-sample")->default_val(1);
  cmd->add_option("--out", o->out, "prefix of written files (PREFIX-data.csv)")->default_val("lyapcert");
  cmd->add_option("--digits", o->digits, "requested digits (1..10000)")->default_val(16);
  cmd->add_option("--max-bits", o->max_bits, "cap on the working precision in bits")->default_val(65536);
  cmd->add_option("--max-atoms", o->max_atoms, "refuse finite laws with more atoms")->default_val(10'000'000);
  cmd->add_flag("--json", o->json, "print JSON");
  reg.push_back({cmd, [o] { return run_phase(*o); }});
}

}  // namespace lyapcert::cli
