// simulate, check: simulated SGD on the nonlinear saddle models against the certified phase
// prediction (docs/simulation.md). Parsing and printing only; numerics in lib/lyapcert/sim.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <mutex>
#include <optional>

#include "commands.hpp"
#include "dist.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/sim.hpp"
#include "model_flags.hpp"
#include "output.hpp"

namespace lyapcert::cli {
namespace {

using exact::Rational;
using nlohmann::ordered_json;
namespace mf = model_flags;

struct SimFlags {
  mf::ModelFlags model;
  std::string lr;
  std::uint64_t steps = 1000, runs = 100;
  double init_scale = 1e-3, collapse_below = 1e-6, escape_above = 0.1, rank_threshold = 1e-2;
  std::uint64_t seed = 1;
  int threads = 2;
  bool linearised = false;
  std::string init = "sphere";
  bool per_run = false;
  bool json = false;
  dist::Flags dist;  // --journal, --resume (runs across MPI ranks: app/dist.hpp)
  double time_budget = kDefaultTimeBudget;
};

struct CheckFlags {
  mf::ModelFlags model;
  std::string lr;
  std::uint64_t seed = 1, runs = 200, max_steps = 20'000'000;
  double delta = 1e-3;
  double escape_above = 0.1, collapse_below = 1e-6;
  double init_scale = 0;
  std::uint64_t steps = 0;
  int digits = 4;
  long max_bits = 4096;
  int threads = 2;
  std::uint64_t predict_steps = 20'000, predict_reps = 32;
  double predict_level = 1 - 1e-6;
  double certify_budget = 60;  // vector model: seconds for lyapnd's certified exponent (within --time-budget)
  double alpha = 1e-6;
  bool linearised = false;
  bool json = false;
  dist::Flags dist;  // --journal, --resume
  double time_budget = kDefaultTimeBudget;
};

struct Built {
  sim::SimModel model;
  std::string data_written;
};

Built build_model(const mf::ModelFlags& f) {
  Built b;
  b.model.kind = sim::parse_model_kind(f.model);
  if (b.model.kind == sim::ModelKind::diagonal) {
    if (f.beta.empty()) throw InputError("the diagonal model needs --beta b1,b2,...");
    if (!f.snr.empty()) throw InputError("the diagonal model takes --sigma, not --snr");
    b.model.beta = mf::parse_list(f.beta, "--beta");
  } else if (!f.beta.empty()) {
    throw InputError("--beta is for the diagonal model only");
  }
  if (b.model.kind != sim::ModelKind::diagonal && b.model.kind != sim::ModelKind::vector) {
    b.model.base = mf::twolayer_model(f, b.data_written);
  } else {
    if (!f.data_file.empty() || f.data_sample > 0) {
      throw InputError(fmt::format("the {} model supports the Gaussian data model only (no --data)", f.model));
    }
    mf::ModelFlags g = f;
    if (b.model.kind == sim::ModelKind::diagonal) g.k = "1";
    b.model.base = mf::twolayer_model(g, b.data_written);
  }
  b.model.width = f.width;
  b.model.dim = f.dim;
  b.model.out_dim = f.out_dim;
  sim::validate(b.model);
  return b;
}

// The diagonal model's beta as exact texts.
std::vector<std::string> beta_text(const sim::SimModel& m) {
  std::vector<std::string> beta;
  for (const auto& x : m.beta) beta.push_back(exact::to_text(x));
  return beta;
}

ordered_json model_json(const Built& b) {
  const auto& m = b.model;
  ordered_json j;
  j["name"] = sim::to_string(m.kind);
  if (m.kind == sim::ModelKind::diagonal) {
    j["beta"] = beta_text(m);
  } else {
    j["k"] = exact::to_text(m.base.k);
  }
  j["sigma2"] = exact::to_text(m.base.sigma2);
  j["gamma"] = exact::to_text(m.base.gamma);
  j["batch"] = m.base.batch;
  j["replace"] = m.base.replace;
  j["data"] = m.base.data.empty() ? ordered_json("gaussian") : ordered_json(m.base.data.size());
  if (!b.data_written.empty()) j["data_file"] = b.data_written;
  if (m.kind != sim::ModelKind::diagonal) j["width"] = m.width;
  if (m.kind == sim::ModelKind::vector) {
    j["dim"] = m.dim;
    j["out_dim"] = m.out_dim;
  }
  return j;
}

std::string model_text(const Built& b) {
  const auto& m = b.model;
  std::string data = m.base.data.empty() ? "Gaussian model" : fmt::format("{} points", m.base.data.size());
  std::string head;
  switch (m.kind) {
    case sim::ModelKind::diagonal:
      head = fmt::format("diagonal model: beta = ({})", fmt::join(beta_text(m), ", "));
      break;
    case sim::ModelKind::vector:
      head = fmt::format("vector model: d = {}, q = {}, width = {}, k = {}", m.dim, m.out_dim, m.width,
                         exact::to_text(m.base.k));
      break;
    default:
      head = fmt::format("{} model: width = {}, k = {}", sim::to_string(m.kind), m.width, exact::to_text(m.base.k));
  }
  return fmt::format("{}, sigma^2 = {}, gamma = {}, batch = {}{}, data = {}", head, exact::to_text(m.base.sigma2),
                     exact::to_text(m.base.gamma), m.base.batch, m.base.replace ? "" : " (without replacement)", data);
}

ordered_json interval_json(const sim::EstimateInterval& i) {
  return ordered_json{
      {"estimate", finite_or_null(i.estimate)}, {"lower", finite_or_null(i.lower)}, {"upper", finite_or_null(i.upper)}};
}

ordered_json summary_json(const sim::SimSummary& s) {
  ordered_json j;
  j["runs"] = s.runs;
  j["complete"] = s.complete;
  j["level"] = s.level;
  j["collapsed"] = s.collapsed;
  j["escaped"] = s.escaped;
  j["diverged"] = s.diverged;
  j["undecided"] = s.undecided;
  j["reached_escape"] = s.reached_escape;
  j["collapsed_fraction"] = interval_json(s.collapsed_fraction);
  j["escaped_fraction"] = interval_json(s.escaped_fraction);
  j["correct_sign"] = s.correct_sign;
  j["incorrect_sign"] = s.incorrect_sign;
  j["correct_sign_fraction"] = interval_json(s.correct_sign_fraction);
  j["growth_rate"] = interval_json(s.growth_rate);
  j["final_distance"] = ordered_json{
      {"median", s.final_distance_median}, {"q1", s.final_distance_q1}, {"q3", s.final_distance_q3}};
  j["rank_histogram"] = s.rank_histogram;
  return j;
}

ordered_json run_json(const sim::RunResult& r) {
  ordered_json j;
  j["run"] = r.run_index;
  j["outcome"] = sim::to_string(r.outcome);
  j["reached_escape"] = r.reached_escape;
  j["exit_step"] = r.exit_step;
  j["growth_rate"] =
      r.exit_step > 0 ? finite_or_null(r.log_ratio_at_exit / static_cast<double>(r.exit_step)) : ordered_json(nullptr);
  j["steps_run"] = r.steps_run;
  j["final_distance"] = finite_or_null(r.final_distance);
  j["product_at_escape"] = r.reached_escape ? finite_or_null(r.product_at_escape) : ordered_json(nullptr);
  j["final_product"] = finite_or_null(r.final_product);
  j["learned_rank"] = r.learned_rank;
  std::vector<std::size_t> surv;
  for (std::size_t i = 0; i < r.surviving.size(); ++i) {
    if (r.surviving[i]) surv.push_back(i);
  }
  j["surviving"] = surv;
  return j;
}

// Progress on stderr when it is a terminal, at most 5 updates per second.
class Progress {
 public:
  explicit Progress(const char* what) : what_(what), tty_(dist::stderr_is_terminal()) {}
  std::function<void(std::uint64_t, std::uint64_t)> callback() {
    if (has_progress_sink()) {  // an in-process host (the Python module) shows the progress
      return [w = std::string(what_) + " runs"](std::uint64_t done, std::uint64_t total) { report_progress(w, done, total); };
    }
    if (!tty_) return {};
    return [this](std::uint64_t done, std::uint64_t total) {
      const auto now = std::chrono::steady_clock::now();
      if (done < total && now - last_ < std::chrono::milliseconds(200)) return;
      last_ = now;
      std::cerr << fmt::format("\r{}: {}/{} runs", what_, done, total) << std::flush;
      shown_ = true;
    };
  }
  ~Progress() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  const char* what_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

sim::InitDirection parse_init(const std::string& s) {
  if (s == "sphere") return sim::InitDirection::sphere;
  if (s == "plus") return sim::InitDirection::plus;
  if (s == "minus") return sim::InitDirection::minus;
  throw InputError(fmt::format("--init must be sphere, plus or minus, got '{}'", s));
}

Rational parse_lr(const std::string& text) {
  const Rational lr = exact::parse_rational(text);
  if (lr <= 0) throw InputError(fmt::format("--lr must be > 0, got {}", text));
  return lr;
}

std::string fmt_interval(const sim::EstimateInterval& i) {
  return fmt::format("{:.6g} [{:.6g}, {:.6g}]", i.estimate, i.lower, i.upper);
}

int run_simulate(const SimFlags& f) {
  const Built b = build_model(f.model);
  sim::SimOptions o;
  o.lr = parse_lr(f.lr).convert_to<double>();
  o.steps = f.steps;
  o.runs = f.runs;
  o.init_scale = f.init_scale;
  o.collapse_below = f.collapse_below;
  o.escape_above = f.escape_above;
  o.rank_threshold = f.rank_threshold;
  o.seed = f.seed;
  o.threads = f.threads;
  o.linearised = f.linearised;
  o.init = parse_init(f.init);
  check_time_budget(f.time_budget);
  Progress progress("simulate");
  o.progress = progress.callback();
  const dist::Job job(f.dist);
  // --time-budget (docs/cli.md): the scope's deadline stops the runs in flight; the summary is of the runs
  // 0..K-1 finished before it (sim::simulate), "converged": false, exit 3. SIGINT: exit 130, nothing printed.
  const sim::SimResult r = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(f.time_budget));
    return sim::simulate(b.model, o);
  }();
  const sim::SimSummary& s = r.summary;
  if (!s.complete) {
    fmt::print(stderr, "lyapcert: time budget of {:g} s exhausted after {} of {} runs: summary of runs 0..{} "
               "printed (\"converged\": false)\n", f.time_budget, s.runs, f.runs,
               s.runs == 0 ? std::string("-") : std::to_string(s.runs - 1));
  }
  if (f.json) {
    ordered_json j = common_fields("simulate");
    j["model"] = model_json(b);
    j["lr"] = f.lr;
    j["steps"] = f.steps;
    j["runs"] = f.runs;
    j["init_scale"] = f.init_scale;
    j["init"] = f.init;
    j["collapse_below"] = f.collapse_below;
    j["escape_above"] = f.escape_above;
    j["rank_threshold"] = f.rank_threshold;
    j["seed"] = f.seed;
    j["linearised"] = f.linearised;
    j["guarantee"] = "monte-carlo";
    j["time_budget"] = f.time_budget;
    j["converged"] = s.complete;
    j["runs_done"] = s.runs;
    j["summary"] = summary_json(s);
    if (f.per_run) {
      ordered_json runs = ordered_json::array();
      for (const auto& run : r.runs) runs.push_back(run_json(run));
      j["per_run"] = runs;
    }
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("{}\n", model_text(b));
    fmt::print("SGD{}: lr = {}, {} runs x {} steps, start |theta_0| = {:g} ({}), seed {}\n",
               f.linearised ? " (linearised at the saddle)" : "", f.lr, f.runs, f.steps, f.init_scale, f.init, f.seed);
    fmt::print("collapsed (|theta| <= {:g} |theta_0|): {} of {}   fraction {}\n", f.collapse_below, s.collapsed,
               s.runs, fmt_interval(s.collapsed_fraction));
    fmt::print("escaped (|theta| >= {:g}):            {} of {}   fraction {}\n", f.escape_above, s.reached_escape,
               s.runs, fmt_interval(s.escaped_fraction));
    if (s.diverged > 0) fmt::print("diverged: {}\n", s.diverged);
    if (s.undecided > 0) fmt::print("undecided after {} steps: {}\n", f.steps, s.undecided);
    if (s.correct_sign + s.incorrect_sign > 0) {
      fmt::print("learned sign at escape: {} correct, {} incorrect   correct fraction {}\n", s.correct_sign,
                 s.incorrect_sign, fmt_interval(s.correct_sign_fraction));
    }
    fmt::print("growth rate over the linear regime (1/t) log(|theta_t|/|theta_0|): {}\n", fmt_interval(s.growth_rate));
    fmt::print("final distance to the saddle: median {:.4g} (quartiles {:.4g}, {:.4g})\n", s.final_distance_median,
               s.final_distance_q1, s.final_distance_q3);
    std::vector<std::string> ranks;
    for (std::size_t i = 0; i < s.rank_histogram.size(); ++i) {
      if (s.rank_histogram[i] > 0) ranks.push_back(fmt::format("{}: {}", i, s.rank_histogram[i]));
    }
    fmt::print("learned rank{} (runs): {}\n",
               b.model.kind == sim::ModelKind::diagonal ? " / surviving coordinates" : "",
               fmt::join(ranks, ", "));
    fmt::print("(Monte Carlo estimates; intervals at level {})\n", s.level);
    if (!s.complete) {
      fmt::print("time budget of {:g} s exhausted: {} of {} runs done (runs 0..{}); converged: no\n", f.time_budget,
                 s.runs, f.runs, s.runs == 0 ? std::string("-") : std::to_string(s.runs - 1));
    }
  }
  return s.complete ? kExitOk : kExitNotConverged;
}

ordered_json direction_json(const sim::DirectionPrediction& d, int digits) {
  ordered_json j = certified_json(d.lambda.value, digits);
  if (d.lundberg_p > 0) {
    j["lundberg_p"] = d.lundberg_p;
    j["chernoff_p"] = d.chernoff_p;
    j["chernoff_g_upper"] = d.chernoff_g;
  }
  return j;
}

// The vector model's certified top exponent of the linearisation: lyapnd's law vector(q, d, lr, k, sigma,
// batch=S, gamma=G) (proofs/lyapnd/vector.md), the same computation as `phase --model vector`.
lyapnd::Result certify_vector(const sim::SimModel& m, const Rational& lr, int digits, long max_bits, double seconds) {
  laws::VectorSaddle v;
  v.q = static_cast<int>(m.out_dim);
  v.d = static_cast<int>(m.dim);
  v.lr = lr;
  v.k = m.base.k;
  v.sigma2 = m.base.sigma2;
  v.batch = m.base.batch;
  v.gamma = m.base.gamma;
  lyapnd::Options opt;
  opt.acc = lyap::Accuracy{digits, max_bits};
  opt.method = lyapnd::Method::vector;
  opt.time_budget_seconds = seconds;
  return lyapnd::certify_lyapnd(laws::MatrixLaw{v.q + v.d, v}, opt);
}

int run_check(const CheckFlags& f) {
  const Built b = build_model(f.model);
  const Rational lr = parse_lr(f.lr);
  sim::CheckOptions o;
  o.delta = f.delta;
  o.runs = f.runs;
  o.max_steps = f.max_steps;
  o.escape_above = f.escape_above;
  o.collapse_below = f.collapse_below;
  if (f.init_scale > 0) o.init_scale = f.init_scale;
  if (f.steps > 0) o.steps = f.steps;
  o.seed = f.seed;
  o.threads = f.threads;
  o.alpha = f.alpha;
  o.linearised = f.linearised;
  if (!(o.alpha > 0 && o.alpha < 1)) throw InputError("--alpha must be in (0, 1)");
  o.statistical.seed = f.seed;
  o.statistical.threads = f.threads;
  o.statistical.steps = f.predict_steps;
  o.statistical.reps = f.predict_reps;
  o.statistical.level = f.predict_level;
  if (b.model.kind != sim::ModelKind::vector &&
      (f.predict_steps != 20'000 || f.predict_reps != 32 || f.predict_level != 1 - 1e-6)) {
    throw InputError("--predict-steps, --predict-reps and --predict-level are for the vector model only");
  }
  if (!(o.delta > 0 && o.delta < 1)) throw InputError("--delta must be in (0, 1)");
  if (o.runs < 1 || o.runs > 10'000'000) throw InputError("--runs must be in [1, 10^7]");
  if (!(o.escape_above > 0) || !(o.collapse_below > 0 && o.collapse_below < 1)) {
    throw InputError("--escape-above must be > 0 and --collapse-below in (0, 1)");
  }
  check_time_budget(f.time_budget);
  Progress progress("check");
  o.progress = progress.callback();
  const dist::Job job(f.dist);
  // --time-budget (docs/cli.md): one deadline for the prediction and the runs. Incomplete runs cannot show
  // agreement (the binomial test is sized for --runs runs): the verdict is then "undetermined", exit 3.
  bool budget_expired = false;  // also when the budget ended the prediction (then undetermined or no plan)
  const bool vector = b.model.kind == sim::ModelKind::vector;
  if (!vector && f.certify_budget != 60) throw InputError("--certify-time-budget is for the vector model only");
  if (!(f.certify_budget > 0)) throw InputError("--certify-time-budget must be > 0");
  std::optional<lyapnd::Result> certified;   // vector model: lyapnd's enclosure
  std::optional<sim::StatisticalExponent> mc;  // vector model: the Monte Carlo estimate as computed
  bool use_certified = false;
  const sim::CheckResult r = [&] {
    const core::StopScope budget(core::StopToken::after_seconds(f.time_budget));
    const lyap::Accuracy acc{f.digits, f.max_bits};
    if (!vector) {
      sim::CheckResult res = sim::check(b.model, lr, acc, o);
      budget_expired = core::scope_expired();
      return res;
    }
    certified = certify_vector(b.model, lr, f.digits, f.max_bits,
                               std::max(1e-3, std::min(f.certify_budget, core::scope_seconds_left())));
    core::throw_if_interrupted();
    sim::Prediction pred = sim::predict(b.model, lr, acc, true, o.statistical);
    mc = pred.statistical;
    use_certified = sim::apply_certified_sign(pred, certified->top.value, certified->upper_bound_only);
    sim::CheckResult res = sim::check(b.model, lr, pred, o);
    budget_expired = core::scope_expired();
    return res;
  }();
  const sim::Prediction& p = r.prediction;
  const std::string guarantee = vector && !use_certified ? "statistical" : "certified";
  const bool verdict = p.determined && r.plan.feasible && r.simulation.summary.complete;
  // The budget matters only where it kept a verdict from being reached.
  const bool budget_hit = !verdict && (budget_expired || (r.plan.feasible && !r.simulation.summary.complete));
  if (budget_hit) {
    fmt::print(stderr, "lyapcert: time budget of {:g} s exhausted after {} of {} runs: verdict undetermined\n",
               f.time_budget, r.simulation.summary.runs, r.plan.feasible ? r.plan.runs : 0);
  }
  const std::string verdict_text = !verdict ? "undetermined" : (r.agree ? "agree" : "disagree");
  if (f.json) {
    ordered_json j = common_fields("check");
    j["model"] = model_json(b);
    j["lr"] = f.lr;
    ordered_json pred;
    pred["phase"] = sim::phase_label(p);
    pred["guarantee"] = guarantee;
    if (certified) {
      lyap::DecimalEnclosure dc;
      ordered_json cj = certified_json(certified->top.value, f.digits, &dc);
      if (certified->upper_bound_only) cj["lower"] = "-inf";
      pred["certified_lambda_top"] = cj;
      pred["certified_method"] = certified->top.method;
      pred["certified_message"] = certified->top.message;
    }
    if (p.statistical) {
      const sim::StatisticalExponent& e = *mc;  // the Monte Carlo estimate as computed (not the sizing interval)
      pred["lambda_top"] = ordered_json{{"estimate", finite_or_null(e.estimate)},
                                        {"lower", finite_or_null(e.lower)},
                                        {"upper", finite_or_null(e.upper)},
                                        {"std_error", finite_or_null(e.std_error)},
                                        {"sign", lyap::to_string(e.sign)}};
      pred["level"] = e.level;
      pred["seed"] = e.seed;
      pred["steps"] = e.steps;
      pred["burn_in"] = e.burn_in;
      pred["replicates"] = e.reps;
      pred["variance"] = finite_or_null(e.variance);
      pred["method"] = e.method;
      pred["assumption"] = e.assumption;
    } else if (p.units.size() == 1) {
      pred["lambda_plus"] = direction_json(p.units[0].plus, f.digits);
      pred["lambda_minus"] = direction_json(p.units[0].minus, f.digits);
    } else {
      ordered_json lp = ordered_json::array(), lm = ordered_json::array();
      for (const auto& u : p.units) {
        lp.push_back(direction_json(u.plus, f.digits));
        lm.push_back(direction_json(u.minus, f.digits));
      }
      pred["lambda_plus"] = lp;
      pred["lambda_minus"] = lm;
    }
    if (!p.statistical) {
      std::vector<models::Phase> phases;
      std::vector<bool> plus_correct, l2;
      for (const auto& u : p.units) {
        phases.push_back(u.phase);
        plus_correct.push_back(u.plus_is_correct);
        l2.push_back(u.l2_wrong_direction_stable);
      }
      pred["unit_phases"] = models::to_strings(phases);
      pred["plus_is_correct"] = plus_correct;
      pred["l2_wrong_direction_stable"] = l2;
    }
    pred["outcome"] = !p.determined ? "undetermined" : (p.predicts_collapse ? "collapse" : "escape");
    j["predicted"] = pred;
    ordered_json plan;
    plan["feasible"] = r.plan.feasible;
    plan["init_scale"] = r.plan.init_scale;
    plan["steps"] = r.plan.steps;
    plan["runs"] = r.plan.runs;
    plan["delta"] = f.delta;
    plan["alpha"] = o.alpha;
    plan["rigorous_failure_bound"] = r.plan.rigorous_bound;
    plan["time_bound_rigorous"] = r.plan.time_bound_rigorous;
    plan["sizing"] = r.plan.sizing;
    plan["why"] = r.plan.why;
    j["plan"] = plan;
    ordered_json simj = summary_json(r.simulation.summary);
    simj["failures"] = r.failures;
    simj["failure_examples"] = r.failure_examples;
    j["simulated"] = simj;
    j["critical_failures"] = r.critical;
    j["detectable_failure_rate"] = r.detectable_rate;
    j["p_value"] = r.p_value;
    j["agree"] = r.agree;
    j["verdict"] = verdict_text;
    j["time_budget"] = f.time_budget;
    j["converged"] = verdict;
    j["time_budget_exhausted"] = budget_hit;
    j["seed"] = f.seed;
    j["linearised"] = f.linearised;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("{}\nlr = {}{}\n", model_text(b), f.lr, f.linearised ? "   (simulating the linearisation)" : "");
    if (certified) {
      lyap::DecimalEnclosure dc;
      certified_json(certified->top.value, f.digits, &dc);
      if (certified->upper_bound_only) dc.lower = "-inf";
      fmt::print("certified top exponent of the linearisation (lyapnd, method vector): [{}, {}] {}{}\n", dc.lower,
                 dc.upper, lyap::to_string(certified->top.value.sign),
                 use_certified ? "" : "   (sign not decided: the statistical prediction is used)");
    }
    if (use_certified) {
      fmt::print("predicted (certified): phase {}\n", sim::phase_label(p));
    }
    if (p.statistical) {
      const sim::StatisticalExponent& e = *mc;
      if (use_certified) {
        fmt::print("Monte Carlo estimate (statistical; only sizes the runs): {:.6g} [{:.6g}, {:.6g}] {}\n", e.estimate,
                   e.lower, e.upper, lyap::to_string(e.sign));
      } else {
        fmt::print("predicted (statistical, not certified): phase {}   top exponent of the linearisation {:.6g} "
                   "[{:.6g}, {:.6g}] {}\n",
                   sim::phase_label(p), e.estimate, e.lower, e.upper, lyap::to_string(e.sign));
      }
      fmt::print("  Monte Carlo: {} replicates x {} steps (burn-in {}), seed {}, Student-t level {:.10g}\n", e.reps,
                 e.steps, e.burn_in, e.seed, e.level);
    }
    for (std::size_t i = 0; i < p.units.size(); ++i) {
      const auto& u = p.units[i];
      auto show = [&](const sim::DirectionPrediction& d) {
        const auto dec = lyap::to_decimal(d.lambda.value, f.digits);
        return fmt::format("[{}, {}] {}", dec.lower, dec.upper, lyap::to_string(d.lambda.value.sign));
      };
      fmt::print("predicted{}: phase {}   Lambda(u=w) in {}   Lambda(u=-w) in {}{}\n",
                 p.units.size() > 1 ? fmt::format(" (coordinate {})", i) : "", models::to_string(u.phase),
                 show(u.plus), show(u.minus), u.plus_is_correct ? "" : "   (E h < 0: u = -w is the correct sign)");
    }
    fmt::print("predicted outcome: {}\n",
               !p.determined ? "undetermined" : (p.predicts_collapse ? "collapse to the saddle" : "escape"));
    if (!r.plan.feasible) {
      fmt::print("no check: {}\n", r.plan.why);
    } else {
      if (p.statistical) {
        fmt::print("plan: {} runs x {} steps from |theta_0| = {:.4g}; sizing heuristic (diffusion approximation), "
                   "target delta = {:g}\n",
                   r.plan.runs, r.plan.steps, r.plan.init_scale, f.delta);
      } else {
        fmt::print("plan: {} runs x {} steps from |theta_0| = {:.4g}; per-run failure bound (linearisation) {:.3g}{}, "
                   "target delta = {:g}\n",
                   r.plan.runs, r.plan.steps, r.plan.init_scale, r.plan.rigorous_bound,
                   r.plan.time_bound_rigorous ? "" : " + escape-time part (heuristic)", f.delta);
      }
      const auto& s = r.simulation.summary;
      fmt::print("simulated: {} collapsed, {} escaped, {} diverged, {} undecided; sign at escape {} correct / {} "
                 "incorrect\n",
                 s.collapsed, s.reached_escape, s.diverged, s.undecided, s.correct_sign, s.incorrect_sign);
      fmt::print("growth rate over the linear regime: {}\n", fmt_interval(s.growth_rate));
      fmt::print("runs disagreeing with the prediction: {} (rejects at >= {}; detects a failure rate >= {:.3g} with "
                 "probability 0.99)\n",
                 r.failures, r.critical, r.detectable_rate);
      for (const auto& e : r.failure_examples) fmt::print("  {}\n", e);
      fmt::print("p-value P(Bin({}, {:g}) >= {}) = {:.3g}\n", s.runs, f.delta, r.failures, r.p_value);
      if (budget_hit) {
        fmt::print("time budget of {:g} s exhausted after {} of {} runs: no verdict from incomplete runs\n",
                   f.time_budget, s.runs, r.plan.runs);
      }
    }
    fmt::print("verdict: {}\n", verdict_text);
  }
  return verdict ? kExitOk : kExitNotConverged;
}

}  // namespace

void register_sim_commands(CLI::App& app, Registry& reg) {
  {
    auto f = std::make_shared<SimFlags>();
    auto* cmd = app.add_subcommand("simulate", "simulated SGD on a saddle model from a small start (Monte Carlo)");
    mf::add(cmd, f->model, mf::FlagSet::simulate);
    cmd->add_option("--lr", f->lr, "learning rate > 0")->required();
    cmd->add_option("--steps", f->steps, "steps per run")->default_val(1000);
    cmd->add_option("--runs", f->runs, "independent runs")->default_val(100);
    cmd->add_option("--init-scale", f->init_scale, "|theta_0| (distance of the start to the saddle)")
        ->default_val(1e-3);
    cmd->add_option("--init", f->init, "start direction: sphere (uniform) | plus (u = w) | minus (u = -w)")
        ->default_val("sphere");
    cmd->add_option("--collapse-below", f->collapse_below, "collapsed when |theta| <= C |theta_0|")->default_val(1e-6);
    cmd->add_option("--escape-above", f->escape_above, "escaped when |theta| >= X (absolute)")->default_val(0.1);
    cmd->add_option("--rank-threshold", f->rank_threshold, "learned rank: |u w| or singular values of U W above")
        ->default_val(1e-2);
    cmd->add_option("--seed", f->seed, "seed of the SGD runs (Philox)")->default_val(1);
    cmd->add_option("--threads", f->threads, "worker threads (results do not depend on it)")->default_val(2);
    cmd->add_flag("--linearised", f->linearised, "simulate the linearisation at the saddle instead");
    cmd->add_flag("--per-run", f->per_run, "JSON: include every run");
    cmd->add_flag("--json", f->json, "print JSON");
    dist::add_flags(cmd, f->dist);
    add_time_budget(cmd, f->time_budget);
    reg.push_back({cmd, [f] { return run_simulate(*f); }});
  }
  {
    auto f = std::make_shared<CheckFlags>();
    auto* cmd = app.add_subcommand("check", "certified phase prediction next to simulated SGD, with a binomial test");
    mf::add(cmd, f->model, mf::FlagSet::simulate);
    cmd->add_option("--lr", f->lr, "learning rate > 0 (exact)")->required();
    cmd->add_option("--seed", f->seed, "seed of the SGD runs (Philox)")->default_val(1);
    cmd->add_option("--runs", f->runs, "runs (default 200)")->default_val(200);
    cmd->add_option("--delta", f->delta, "per-run failure probability the sizing aims at")->default_val(1e-3);
    cmd->add_option("--init-scale", f->init_scale, "override the chosen |theta_0|");
    cmd->add_option("--steps", f->steps, "override the chosen number of steps");
    cmd->add_option("--max-steps", f->max_steps, "refuse plans with more steps per run")->default_val(20'000'000);
    cmd->add_option("--collapse-below", f->collapse_below, "collapsed when |theta| <= C |theta_0|")->default_val(1e-6);
    cmd->add_option("--escape-above", f->escape_above, "escaped when |theta| >= X (absolute)")->default_val(0.1);
    cmd->add_option("--digits", f->digits, "digits of the certified exponents")->default_val(4);
    cmd->add_option("--max-bits", f->max_bits, "cap on the working precision in bits")->default_val(4096);
    cmd->add_option("--threads", f->threads, "worker threads (results do not depend on it)")->default_val(2);
    cmd->add_option("--alpha", f->alpha, "false-rejection probability of the binomial test")->default_val(1e-6);
    cmd->add_flag("--linearised", f->linearised, "simulate the linearisation at the saddle instead");
    cmd->add_option("--predict-steps", f->predict_steps,
                    "vector model: steps per replicate of the statistical prediction")
        ->default_val(20'000);
    cmd->add_option("--predict-reps", f->predict_reps, "vector model: replicates of the statistical prediction")
        ->default_val(32);
    cmd->add_option("--predict-level", f->predict_level,
                    "vector model: level of the prediction's interval and sign decision")
        ->default_val(1 - 1e-6);
    cmd->add_option("--certify-time-budget", f->certify_budget,
                    "vector model: seconds for the certified exponent (lyapnd; within --time-budget)")
        ->default_val(60);
    cmd->add_flag("--json", f->json, "print JSON");
    dist::add_flags(cmd, f->dist);
    add_time_budget(cmd, f->time_budget);
    reg.push_back({cmd, [f] { return run_check(*f); }});
  }
}

}  // namespace lyapcert::cli
