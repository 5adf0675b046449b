// The one implementation of the model flags, the x,y CSV reader and writer and the diagrams' range and grid
// parsers (app/model_flags.hpp); the datasets of --data-sample are models::gaussian_xy_dataset.
#include "model_flags.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"
#include "lyapcert/models/dataset.hpp"
#include "output.hpp"

namespace lyapcert::cli::model_flags {

void add(CLI::App* cmd, ModelFlags& f, FlagSet which) {
  const bool sim = which == FlagSet::simulate;
  const char* model_help = sim                          ? "model: twolayer | diagonal | vector | tanh"
                           : which == FlagSet::phase   ? "model: twolayer | diagonal | vector"
                                                        : "model: twolayer | diagonal | vector";
  cmd->add_option("--model", f.model, model_help)->default_val("twolayer");
  cmd->add_option_function<std::string>(
         "--k",
         [&f](const std::string& v) {
           f.k = v;
           f.k_given = true;
         },
         sim ? "signal: y = k x + sigma eps, k != 0 (vector: y = k P x + sigma eps)"
             : "signal: y = k x + sigma eps, k != 0")
      ->default_str("1");
  cmd->add_option("--sigma", f.sigma,
                  which == FlagSet::diagram ? "noise sigma (for --batch-range; default 1)"
                                            : "noise standard deviation >= 0 (default 1)");
  if (which != FlagSet::diagram) {
    cmd->add_option("--snr", f.snr, "per-sample SNR k^2/(2k^2 + sigma^2) in (0, 1/2), instead of --sigma");
  }
  cmd->add_option("--gamma", f.gamma, "weight decay")->default_val("0");
  cmd->add_option("--batch", f.batch,
                  which == FlagSet::diagram ? "batch size (for --sigma-range / --snr-range)" : "batch size S >= 1")
      ->default_val(1)
      ->check(CLI::Range(std::uint64_t{1}, models::kMaxBatch));
  cmd->add_option("--replace", f.replace, "minibatches with replacement (true|false)")->default_val(true);
  cmd->add_option("--data", f.data_file, "CSV file with columns x,y (exact decimals): finite data");
  cmd->add_option("--data-sample", f.data_sample, "draw N pairs from the Gaussian model (binary64; exact data)");
  if (sim) {
    cmd->add_option("--data-seed", f.data_seed, "seed of --data-sample (phase's --seed)")->default_val(1);
  } else {
    cmd->add_option("--seed", f.data_seed, "seed of --data-sample")->default_val(1);
  }
  if (which == FlagSet::diagram) {
    cmd->add_option("--out", f.out, "output prefix: PREFIX.csv, PREFIX.json, PREFIX.png (and PREFIX-data.csv)")
        ->default_val("lyapcert-phase");
  } else {
    cmd->add_option("--out", f.out, "prefix of written files (PREFIX-data.csv)")->default_val("lyapcert");
  }
  if (which == FlagSet::phase) {
    cmd->add_option("--beta", f.beta, "diagonal: comma-separated coefficients, y = sum beta_i x_i + sigma eps");
    cmd->add_option("--dim", f.dim, "vector: input dimension d")->default_val(1);
    cmd->add_option("--out-dim", f.out_dim, "vector: output dimension q")->default_val(1);
  }
  if (sim) {
    cmd->add_option("--width", f.width, "hidden width m (twolayer, tanh, vector)")->default_val(1);
    cmd->add_option("--beta", f.beta, "diagonal: comma-separated nonzero coefficients, y = sum beta_i x_i + sigma eps");
    cmd->add_option("--dim", f.dim, "vector: input dimension d")->default_val(1);
    cmd->add_option("--out-dim", f.out_dim, "vector: output dimension q")->default_val(1);
  }
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::pair<Rational, Rational>> read_xy_csv(const std::string& path) {
  // At most 64 MiB, regular files and pipes only (lyapcert::read_input_file): /dev/zero is refused, not read.
  const std::string text = read_input_file(path, "data file", kMaxInputFileBytes);
  std::vector<std::pair<Rational, Rational>> out;
  std::string line;
  std::size_t lineno = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = text.find('\n', start);
    line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
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

std::string write_xy_csv(const std::string& prefix, const std::vector<std::pair<Rational, Rational>>& data) {
  std::string csv = "x,y\n";
  for (const auto& [x, y] : data) csv += exact::to_text(x) + "," + exact::to_text(y) + "\n";
  const std::string path = prefix + "-data.csv";
  write_file_atomically(path, csv);
  return path;
}

models::TwoLayerModel twolayer_model(const ModelFlags& f, std::string& data_written) {
  models::TwoLayerModel m;
  m.k = exact::parse_rational(f.k);
  if (m.k == 0) throw InputError("--k must be nonzero");
  if (!f.sigma.empty() && !f.snr.empty()) throw InputError("give --sigma or --snr, not both");
  if (!f.snr.empty()) {
    m.sigma2 = models::sigma2_from_snr(m.k, exact::parse_rational(f.snr));
  } else if (!f.sigma.empty()) {
    const Rational s = exact::parse_rational(f.sigma);
    if (s < 0) throw InputError(fmt::format("--sigma must be >= 0, got {}", f.sigma));
    m.sigma2 = s * s;
  }
  m.gamma = exact::parse_rational(f.gamma);
  m.batch = f.batch;
  m.replace = f.replace;
  if (!f.data_file.empty() && f.data_sample > 0) throw InputError("give --data or --data-sample, not both");
  if (!f.data_file.empty()) m.data = read_xy_csv(f.data_file);
  if (f.data_sample > 0) {
    if (f.data_sample > 100'000'000) throw InputError("--data-sample must be at most 10^8");
    check_output_prefix(f.out, {"-data.csv"});  // before sampling and before the command computes anything
    m.data = models::gaussian_xy_dataset(f.data_sample, f.data_seed, m.k, m.sigma2);
    data_written = write_xy_csv(f.out, m.data);
  }
  return m;
}

models::DiagonalModel diagonal_model(const ModelFlags& f) {
  if (f.beta.empty()) throw InputError("the diagonal model needs --beta b1,b2,...");
  if (f.k_given) throw InputError("the diagonal model takes --beta, not --k");
  if (!f.snr.empty()) throw InputError("the diagonal model takes --sigma, not --snr");
  if (!f.data_file.empty() || f.data_sample > 0) {
    throw InputError("the diagonal model supports the Gaussian data model only (no --data / --data-sample)");
  }
  if (!f.replace) throw InputError("the diagonal model has i.i.d. Gaussian minibatches (no --replace false)");
  models::DiagonalModel m;
  m.beta = parse_list(f.beta, "--beta");
  if (!f.sigma.empty()) {
    const Rational s = exact::parse_rational(f.sigma);
    if (s < 0) throw InputError(fmt::format("--sigma must be >= 0, got {}", f.sigma));
    m.sigma2 = s * s;
  }
  m.gamma = exact::parse_rational(f.gamma);
  m.batch = f.batch;
  models::validate(m);
  return m;
}

std::vector<Rational> parse_list(const std::string& text, const char* flag) {
  std::vector<Rational> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) throw InputError(fmt::format("{}: empty entry in '{}'", flag, text));
    out.push_back(exact::parse_rational(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::pair<Rational, Rational> parse_range(const std::string& text, const char* flag) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw InputError(fmt::format("{} takes LOW:HIGH, got '{}'", flag, text));
  Rational lo = exact::parse_rational(text.substr(0, colon)), hi = exact::parse_rational(text.substr(colon + 1));
  if (!(lo > 0 && lo < hi)) throw InputError(fmt::format("{} needs 0 < LOW < HIGH, got '{}'", flag, text));
  return {lo, hi};
}

std::pair<int, int> parse_grid(const std::string& text) {
  const auto x = text.find('x');
  int n_lr = 0, n_y = 0;
  try {
    if (x == std::string::npos) throw std::invalid_argument("grid");
    n_lr = std::stoi(text.substr(0, x));
    n_y = std::stoi(text.substr(x + 1));
  } catch (const std::exception&) {
    throw InputError(fmt::format("--grid takes NLRxNY, got '{}'", text));
  }
  if (n_lr < 2 || n_y < 1 || n_lr * static_cast<long>(n_y) > 1'000'000) {
    throw InputError("--grid needs NLR >= 2, NY >= 1 and at most 10^6 points");
  }
  return {n_lr, n_y};
}

}  // namespace lyapcert::cli::model_flags
