// Model flags shared by the model commands (phase, phase-diagram, simulate, check): one parser of
// --model --k --sigma/--snr --gamma --batch --replace --data --data-sample --seed/--data-seed --out
// --beta (plus the simulator's --width --dim --out-dim), one reader of x,y CSV files, and the diagrams'
// --*-range and --grid parsers, all in app/model_flags.cpp. Parsing only: the numbers are exact rationals
// handed to lib/ (the --data-sample datasets are models::gaussian_xy_dataset).
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lyapcert/exact/rational.hpp"
#include "lyapcert/models/diagonal.hpp"
#include "lyapcert/models/twolayer.hpp"

namespace lyapcert::cli::model_flags {

using exact::Rational;

struct ModelFlags {
  std::string model = "twolayer";
  std::string k = "1", sigma, snr, gamma = "0";
  bool k_given = false;  // --k appeared on the command line (the diagonal model rejects it)
  std::uint64_t batch = 1;
  bool replace = true;
  std::string data_file;
  std::uint64_t data_sample = 0;
  std::uint64_t data_seed = 1;
  std::string out = "lyapcert";
  std::size_t width = 1;
  std::string beta;  // diagonal: comma-separated exact coefficients
  std::size_t dim = 1, out_dim = 1;
};

// Which command the flags are added to: the flag set and the help texts differ, the meaning does not.
//   phase:    --model twolayer|diagonal|vector, --beta, --dim --out-dim, the two-layer data flags, --seed
//   diagram:  --model twolayer, the two-layer data flags without --snr (the second axis replaces it),
//             --seed, --out defaulting to lyapcert-phase
//   simulate: --model twolayer|diagonal|vector|tanh, --beta --width --dim --out-dim, --data-seed
enum class FlagSet { phase, diagram, simulate };

void add(CLI::App* cmd, ModelFlags& f, FlagSet which);

// Leading and trailing blanks (space, tab, CR) removed.
std::string trim(const std::string& s);

// CSV with columns x,y (optional header line "x,y", '#' comments), exact decimals or fractions.
// InputError naming the file and line of a bad row, or for an empty dataset.
std::vector<std::pair<Rational, Rational>> read_xy_csv(const std::string& path);

// Writes the data as exact fractions to PREFIX-data.csv (atomically) and returns the path.
std::string write_xy_csv(const std::string& prefix, const std::vector<std::pair<Rational, Rational>>& data);

// The two-layer data model of the flags (k, sigma^2 from --sigma or --snr, gamma, batch, replace,
// data from --data or --data-sample, the latter drawn by models::gaussian_xy_dataset). Writes PREFIX-data.csv for --data-sample and returns its path
// in `data_written`. InputError for bad values.
models::TwoLayerModel twolayer_model(const ModelFlags& f, std::string& data_written);

// The diagonal model of the flags (--beta, --sigma, --gamma, --batch); InputError for --k, --snr,
// --data, --data-sample, --replace false, or an invalid model (models::validate).
models::DiagonalModel diagonal_model(const ModelFlags& f);

// Comma-separated exact rationals; InputError for an empty entry.
std::vector<Rational> parse_list(const std::string& text, const char* flag);

// LOW:HIGH with exact 0 < LOW < HIGH (the diagrams' --lr-range, --snr-range, ...); InputError naming `flag`.
std::pair<Rational, Rational> parse_range(const std::string& text, const char* flag);

// The diagrams' --grid NLRxNY: NLR >= 2, NY >= 1, at most 10^6 points; InputError otherwise. Returns (NLR, NY).
std::pair<int, int> parse_grid(const std::string& text);

}  // namespace lyapcert::cli::model_flags
