// The compiled part of the Python module `lyapcert` (pybind11): runs the CLI's commands in-process (their JSON is
// every scalar function's result, one builder: run_command), the laws built from arrays (atoms, minibatch), the
// vectorised lyap1d (numpy arrays, many learning rates in parallel) and outward binary64 rounding of exact
// decimals. Every number comes from the library, with the same contracts as the CLI (docs/cli.md): enclosures
// are {"lower", "upper", "sign"} with outward-rounded exact decimal strings.
// lyapcert::InputError becomes lyapcert.InputError (a ValueError) with the CLI's message; long
// computations release the GIL. docs/python.md.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "lyapcert/exact/arb_raii.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/minibatch.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/version.hpp"
#include "lyapcert/core/parallel.hpp"
#include "lyapcert/core/stop.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#ifdef LYAPCERT_HAVE_CLI_COMMANDS
#include <CLI/CLI.hpp>
#include <flint/flint.h>

#include <iostream>
#include <sstream>

#include "../commands.hpp"
#include "../output.hpp"
#endif

namespace py = pybind11;
using namespace lyapcert;
using exact::Rational;

namespace {

// A curvature law with the text it came from (canonical) for the "law" field. `text` is a label shortened to
// about 70000 bytes for laws built from large arrays (`shortened`); cli_text() is then the complete text the
// CLI's commands read (the functions pass it as --law).
struct PyCurvatureLaw {
  std::shared_ptr<const laws::CurvatureLaw> law;
  std::string text;
  bool shortened = false;
  std::string full;  // the complete text when shortened (minibatch: its data); empty: written from the atoms

  std::string cli_text() const {
    if (!shortened) return text;
    if (!full.empty()) return full;
    // atoms(...) from large arrays: every atom exactly, as the finite law holds it (the same distribution).
    const laws::FiniteLaw& f = law->finite();
    std::string out = "atoms(";
    for (std::size_t j = 0; j < f.size(); ++j) {
      out += fmt::format("{}{}:{}", j ? ", " : "", exact::to_text(f.value(j)), exact::to_text(f.prob(j)));
    }
    return out + ")";
  }
};

// --- errors ------------------------------------------------------------------------------------------------
// lyapcert.InputError (bad input: names the Python argument) and lyapcert.BudgetExceeded (a user-set cap such
// as max_atoms was exceeded), both under lyapcert.Error. Library messages name CLI flags (`--max-bits`); the
// translator rewrites them to the Python argument names (`max_bits`), which the bindings use for their own
// checks too.
PyObject* g_error = nullptr;
PyObject* g_input_error = nullptr;
PyObject* g_budget_exceeded = nullptr;

std::string python_names(const std::string& msg) {
  static const std::regex flag(R"(--([a-z][a-z0-9]*(?:-[a-z0-9]+)*))");
  std::string out;
  auto it = std::sregex_iterator(msg.begin(), msg.end(), flag);
  std::size_t last = 0;
  for (; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += msg.substr(last, static_cast<std::size_t>(m.position(0)) - last);
    std::string name = m[1].str();
    if (name == "law-template") name = "law";
    std::replace(name.begin(), name.end(), '-', '_');
    out += name;
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  return out + msg.substr(last);
}

// A user-set cap (max_atoms, max_steps) was too small for the input: the library reports it as an InputError
// whose message names the cap.
bool is_budget_message(const std::string& msg) {
  return msg.find("max_atoms") != std::string::npos || msg.find("max-atoms") != std::string::npos ||
         msg.find("max_steps") != std::string::npos;
}

// The bindings' own argument checks: always lyapcert.InputError (already in Python names).
struct ArgumentError : InputError {
  using InputError::InputError;
};
[[noreturn]] void input_error(const std::string& msg) { throw ArgumentError(msg); }

// --- Python integers, floats and bools, range-checked (never a pybind11 TypeError for a user mistake) ----

std::string type_name(const py::handle& obj) { return py::str(py::type::of(obj).attr("__name__")).cast<std::string>(); }

bool is_integral(const py::handle& obj) {
  if (py::isinstance<py::bool_>(obj)) return false;
  if (py::isinstance<py::int_>(obj)) return true;
  // numpy integers (not floats, not numpy.bool_) have __index__
  return !py::isinstance<py::float_>(obj) && py::hasattr(obj, "__index__") &&
         type_name(obj).find("bool") == std::string::npos;
}

// Text of a Python int for a message, shortened (Python refuses to print ints above 4300 digits).
std::string int_text(const py::handle& v) {
  const long long bits = static_cast<long long>(_PyLong_NumBits(v.ptr()));
  if (bits < 0 || bits > 200) {
    PyErr_Clear();
    return fmt::format("an integer of about {} digits", static_cast<long long>(static_cast<double>(bits) * 0.30103) + 1);
  }
  return py::repr(v).cast<std::string>();
}

long long to_int(const py::handle& obj, const char* name, long long lo, long long hi) {
  if (!is_integral(obj)) {
    input_error(fmt::format("{}: expected an integer, got {}", name, type_name(obj)));
  }
  const py::int_ v = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
  if (!v) throw py::error_already_set();
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow != 0 || x < lo || x > hi) {
    input_error(fmt::format("{} must be in [{}, {}], got {}", name, lo, hi, int_text(v)));
  }
  return x;
}

std::uint64_t to_uint64(const py::handle& obj, const char* name) {
  if (!is_integral(obj)) input_error(fmt::format("{}: expected an integer, got {}", name, type_name(obj)));
  const py::int_ v = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
  if (!v) throw py::error_already_set();
  const unsigned long long x = PyLong_AsUnsignedLongLong(v.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    input_error(fmt::format("{} must be in [0, 2^64 - 1], got {}", name, int_text(v)));
  }
  return x;
}

double to_real(const py::handle& obj, const char* name) {
  const bool integral = is_integral(obj);
  if (py::isinstance<py::bool_>(obj) || py::isinstance<py::str>(obj) || (!integral && !py::hasattr(obj, "__float__"))) {
    input_error(fmt::format("{}: expected a number, got {}", name, type_name(obj)));
  }
  const double x = PyFloat_AsDouble(obj.ptr());
  if (x == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    input_error(fmt::format("{}: the value does not fit a binary64 number", name));
  }
  if (!std::isfinite(x)) input_error(fmt::format("{}: {} is not a finite number", name, x));
  return x;
}

bool to_bool(const py::handle& obj, const char* name) {
  if (py::isinstance<py::bool_>(obj) || type_name(obj) == "bool_") {  // bool or numpy.bool_
    return PyObject_IsTrue(obj.ptr()) == 1;
  }
  input_error(fmt::format("{}: expected True or False, got {}", name, type_name(obj)));
}

std::string to_text_arg(const py::handle& obj, const char* name) {
  if (!py::isinstance<py::str>(obj)) input_error(fmt::format("{}: expected a str, got {}", name, type_name(obj)));
  return obj.cast<std::string>();
}

// The precision arguments shared by the certified functions (the library's ranges, Python names).
int digits_arg(const py::handle& obj) { return static_cast<int>(to_int(obj, "digits", 1, 10000)); }
long max_bits_arg(const py::handle& obj) { return static_cast<long>(to_int(obj, "max_bits", 64, 1L << 26)); }
std::uint64_t max_atoms_arg(const py::handle& obj) {
  return static_cast<std::uint64_t>(to_int(obj, "max_atoms", 1, 1LL << 62));
}

// The CLI's --time-budget range (app/output.hpp: (0, 10^6] seconds).
double time_budget_arg(const py::handle& obj) {
  const double t = to_real(obj, "time_budget");
  if (!(t > 0 && t <= 1e6)) input_error(fmt::format("time_budget must be in (0, 1e6] seconds, got {}", t));
  return t;
}

// --- exact conversion of Python numbers -----------------------------------------------------------------

// int, float (its exact binary value), str (the law language's number syntax, exact), fractions.Fraction
// (or anything with integer numerator/denominator), numpy scalars. NaN / inf are refused.
Rational to_rational(const py::handle& obj, const char* what) {
  if (py::isinstance<py::str>(obj)) return exact::parse_rational(obj.cast<std::string>());
  if (py::isinstance<py::bool_>(obj)) throw InputError(fmt::format("{}: expected a number, got a bool", what));
  if (py::isinstance<py::int_>(obj)) return exact::parse_rational(py::str(obj).cast<std::string>());
  if (py::isinstance<py::float_>(obj)) {
    const double d = obj.cast<double>();
    if (!std::isfinite(d)) throw InputError(fmt::format("{}: {} is not a finite number", what, d));
    return Rational(d);
  }
  if (py::hasattr(obj, "numerator") && py::hasattr(obj, "denominator")) {
    const std::string n = py::str(obj.attr("numerator")).cast<std::string>();
    const std::string d = py::str(obj.attr("denominator")).cast<std::string>();
    return exact::parse_rational(n + "/" + d);
  }
  if (py::hasattr(obj, "__index__")) return exact::parse_rational(py::str(obj.attr("__index__")()).cast<std::string>());
  if (py::hasattr(obj, "__float__")) return to_rational(py::float_(obj.attr("__float__")()), what);
  throw InputError(fmt::format("{}: expected a number (int, float, str or Fraction), got {}", what,
                               py::str(py::type::of(obj)).cast<std::string>()));
}

// A 1-D sequence of numbers: numpy float / integer arrays take a fast path (each float64 exactly).
std::vector<Rational> to_rationals(const py::handle& obj, const char* what) {
  std::vector<Rational> out;
  if (py::isinstance<py::array>(obj)) {
    py::array a = py::reinterpret_borrow<py::array>(obj);
    if (a.ndim() != 1) throw InputError(fmt::format("{}: expected a 1-D array, got {} dimensions", what, a.ndim()));
    const char kind = a.dtype().kind();
    if (kind == 'f') {
      auto d = py::array_t<double, py::array::forcecast>::ensure(a);
      auto r = d.unchecked<1>();
      out.reserve(static_cast<std::size_t>(r.shape(0)));
      for (py::ssize_t i = 0; i < r.shape(0); ++i) {
        if (!std::isfinite(r(i))) throw InputError(fmt::format("{}[{}]: {} is not a finite number", what, i, r(i)));
        out.emplace_back(r(i));
      }
      return out;
    }
    if (kind == 'i' || kind == 'u') {
      auto d = py::array_t<long long, py::array::forcecast>::ensure(a);
      auto r = d.unchecked<1>();
      for (py::ssize_t i = 0; i < r.shape(0); ++i) out.emplace_back(r(i));
      return out;
    }
  }
  if (py::isinstance<py::str>(obj)) throw InputError(fmt::format("{}: expected a sequence of numbers, got a str", what));
  std::size_t i = 0;
  for (const py::handle item : py::iter(obj)) {
    out.push_back(to_rational(item, fmt::format("{}[{}]", what, i).c_str()));
    ++i;
  }
  return out;
}

PyCurvatureLaw curvature_from(const py::handle& obj, std::uint64_t max_atoms) {
  if (py::isinstance<PyCurvatureLaw>(obj)) return obj.cast<PyCurvatureLaw>();
  if (!py::isinstance<py::str>(obj)) {
    throw InputError("law: expected a law text (str) or a lyapcert.CurvatureLaw (lyapcert.atoms, lyapcert.minibatch)");
  }
  const std::string text = obj.cast<std::string>();
  laws::BuildOptions bo;
  bo.max_atoms = max_atoms;
  const laws::Value expr = laws::parse(text);
  PyCurvatureLaw l;
  l.text = laws::canonical(expr);
  l.law = std::make_shared<const laws::CurvatureLaw>(laws::build_curvature_law(expr, bo));
  return l;
}

std::string short_text(const std::string& s) {
  constexpr std::size_t kMax = 64 * 1024;
  return s.size() <= kMax ? s : s.substr(0, kMax) + "...";
}

// --- long calls: a worker thread, Ctrl-C and progress ----------------------------------------------------------
// A long computation runs on a worker thread with the GIL released while the calling thread waits, taking the
// GIL every 50 ms to
// * call PyErr_CheckSignals(): on Ctrl-C (KeyboardInterrupt, or any exception a Python signal handler raises)
//   it sets the library's interrupt flag (lyapcert/core/stop.hpp); the computation stops at its next check,
//   the flag is cleared once the worker has ended and the Python exception is raised;
// * pass the latest progress report to `progress(what, done, total)` (the package's tqdm bar; None: nothing).
// The worker's exceptions are rethrown in the calling thread (the translators make them InputError, ...).
struct Watch {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::exception_ptr error;
  std::string what;  // the latest progress report
  std::size_t done = 0, total = 0;
  bool changed = false;
  void report(const std::string& w, std::size_t d, std::size_t t) {
    const std::lock_guard<std::mutex> l(mu);
    what = w;
    done = d;
    total = t;
    changed = true;
  }
};

// time_budget (seconds, +inf: none) is the CLI's --time-budget: a StopScope around the work, so the library
// returns what it certified so far (converged / complete false) or throws BudgetExhausted (BudgetExceeded here).
void run_watched(const std::shared_ptr<Watch>& w, const std::function<void()>& work, const py::object& progress,
                 double time_budget = HUGE_VAL) {
  core::clear_interrupt();
  std::thread worker([w, &work, time_budget] {
    std::exception_ptr error;
    try {
      const core::StopScope budget(core::StopToken::after_seconds(time_budget));
      work();
    } catch (...) {
      error = std::current_exception();
    }
    flint_cleanup();  // this thread's FLINT/Arb caches (the rule of core::parallel_for for every thread it starts)
    const std::lock_guard<std::mutex> l(w->mu);
    w->error = error;
    w->finished = true;
    w->cv.notify_all();
  });
  PyObject *etype = nullptr, *evalue = nullptr, *etb = nullptr;  // a Python exception raised meanwhile
  const auto forward = [&](bool final) {
    std::string what;
    std::size_t done = 0, total = 0;
    {
      const std::lock_guard<std::mutex> l(w->mu);
      if (!w->changed && !final) return;
      w->changed = false;
      what = w->what;
      done = w->done;
      total = w->total;
    }
    if (progress.is_none() || etype != nullptr || total == 0) return;
    try {
      progress(what, done, total);
    } catch (py::error_already_set& e) {
      e.restore();
      PyErr_Fetch(&etype, &evalue, &etb);
      core::request_interrupt();
    }
  };
  for (bool finished = false; !finished;) {
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> l(w->mu);
      finished = w->cv.wait_for(l, std::chrono::milliseconds(50), [&] { return w->finished; });
    }
    if (etype == nullptr && PyErr_CheckSignals() != 0) {
      PyErr_Fetch(&etype, &evalue, &etb);
      core::request_interrupt();
    }
    if (!finished) forward(false);
  }
  {
    py::gil_scoped_release release;
    worker.join();
  }
  core::clear_interrupt();
  if (etype != nullptr) {
    PyErr_Restore(etype, evalue, etb);
    throw py::error_already_set();
  }
  forward(true);
  if (w->error) {
    try {
      std::rethrow_exception(w->error);
    } catch (const core::Interrupted&) {
      // An interrupt that did not come through PyErr_CheckSignals (request_interrupt from elsewhere).
      PyErr_SetNone(PyExc_KeyboardInterrupt);
      throw py::error_already_set();
    } catch (const core::BudgetExhausted& e) {
      PyErr_SetString(g_budget_exceeded, fmt::format("time budget exhausted: {}", e.what()).c_str());
      throw py::error_already_set();
    }
  }
}

// --- arrays: outward binary64 endpoints, a thread pool, the vectorised lyap1d and the phase diagram ----------

// The binary64 number below (up = false) or above (up = true) the exact decimal endpoint `dec` ("-inf" gives
// -inf): the float interval contains the decimal one, which contains the true value (DEC-1).
double outward_double(const std::string& dec, bool up) {
  if (dec == "-inf") return -std::numeric_limits<double>::infinity();
  if (dec == "inf" || dec == "+inf") return std::numeric_limits<double>::infinity();
  const Rational q = exact::parse_rational(dec);
  exact::Fmpq f;
  exact::set_fmpq(f, q);
  exact::Ball b;
  arb_set_fmpq(b, f, 128);
  exact::Arf t;
  if (up) {
    arb_get_ubound_arf(t, b, 128);
  } else {
    arb_get_lbound_arf(t, b, 128);
  }
  return arf_get_d(t, up ? ARF_RND_CEIL : ARF_RND_FLOOR);
}

struct EnclosureRow {
  std::string lower, upper;
  double lower_d = 0, upper_d = 0;
  std::string sign;
};

EnclosureRow enclosure_row(const lyap::CertifiedValue& v, int digits, lyap::DecimalEnclosure* out = nullptr) {
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, digits);
  if (out) *out = d;
  return EnclosureRow{d.lower, d.upper, outward_double(d.lower, false), outward_double(d.upper, true),
                      lyap::to_string(v.sign)};
}

py::dict py_lyap1d_many(const py::object& law, const py::object& lrs_obj, const py::object& digits_obj,
                        const py::object& max_bits_obj, const py::object& max_atoms_obj, const py::object& threads_obj,
                        const py::object& time_budget_obj, const py::object& progress) {
  const double time_budget = time_budget_arg(time_budget_obj);
  const int digits = digits_arg(digits_obj);
  const long max_bits = max_bits_arg(max_bits_obj);
  const auto threads = static_cast<unsigned>(to_int(threads_obj, "threads", 0, 1024));
  const PyCurvatureLaw l = curvature_from(law, max_atoms_arg(max_atoms_obj));
  const std::vector<Rational> lrs = to_rationals(lrs_obj, "lr");
  const std::size_t n = lrs.size();
  struct Item {
    EnclosureRow e;
    lyap::CertifiedResult r;
    lyap::DecimalEnclosure d;
    std::exception_ptr error;
    bool computed = false;
  };
  std::vector<Item> items(n);
  auto watch = std::make_shared<Watch>();
  std::atomic<std::size_t> done{0};
  // The library's thread pool (core::parallel_for): every worker runs under the call's time budget (the StopScope
  // of run_watched) and calls flint_cleanup() when it ends; no point starts after Ctrl-C or the end of the budget.
  run_watched(
      watch,
      [&] {
        core::parallel_for(n, threads, [&](std::size_t i) {
          try {
            items[i].r = lyap::certify_lyap1d(*l.law, lrs[i], lyap::Accuracy{digits, max_bits});
            items[i].e = enclosure_row(items[i].r.value, digits, &items[i].d);
            items[i].computed = true;
          } catch (const core::BudgetExhausted& e) {
            items[i].r.message = e.what();  // nothing certified in time: the whole line below, as for a point not started
          } catch (...) {
            items[i].error = std::current_exception();
          }
          watch->report("learning rates", ++done, n);
        });
      },
      progress, time_budget);
  // A point the budget ended before its first enclosure, or left unstarted, has nothing certified: the whole line,
  // sign undetermined, converged false (the call returns what is certified so far, docs/python.md).
  for (Item& it : items) {
    if (it.computed || it.error) continue;
    arb_indeterminate(it.r.value.ball.get());
    it.r.digits_requested = digits;
    if (it.r.message.empty()) it.r.message = "not computed: the time budget ended first";
    it.e = enclosure_row(it.r.value, digits, &it.d);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!items[i].error) continue;
    try {
      std::rethrow_exception(items[i].error);
    } catch (const InputError& e) {
      input_error(fmt::format("lr[{}] = {}: {}", i, exact::to_text(lrs[i]), e.what()));
    }
  }
  py::array_t<double> lower(static_cast<py::ssize_t>(n)), upper(static_cast<py::ssize_t>(n)),
      lr_d(static_cast<py::ssize_t>(n));
  py::array_t<bool> converged(static_cast<py::ssize_t>(n));
  py::array_t<long long> bits(static_cast<py::ssize_t>(n));
  auto lo = lower.mutable_unchecked<1>();
  auto hi = upper.mutable_unchecked<1>();
  auto lrv = lr_d.mutable_unchecked<1>();
  auto cv = converged.mutable_unchecked<1>();
  auto bv = bits.mutable_unchecked<1>();
  py::list lower_exact, upper_exact, sign, method, message, achieved, lr_exact;
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<py::ssize_t>(i);
    const Item& it = items[i];
    lo(k) = it.e.lower_d;
    hi(k) = it.e.upper_d;
    lrv(k) = lrs[i].convert_to<double>();
    cv(k) = it.r.converged && it.d.meets_request;
    bv(k) = it.r.bits_used;
    lower_exact.append(it.e.lower);
    upper_exact.append(it.e.upper);
    sign.append(it.e.sign);
    method.append(it.r.method);
    message.append(it.r.message);
    achieved.append(it.d.digits_achieved ? py::object(py::int_(*it.d.digits_achieved)) : py::object(py::none()));
    lr_exact.append(exact::to_text(lrs[i]));
  }
  py::dict j;
  j["law"] = short_text(l.text);
  j["lr"] = lr_d;
  j["lr_exact"] = lr_exact;
  j["lower"] = lower;
  j["upper"] = upper;
  j["lower_exact"] = lower_exact;
  j["upper_exact"] = upper_exact;
  j["sign"] = sign;
  j["converged"] = converged;
  j["digits"] = digits;
  j["digits_achieved"] = achieved;
  j["method"] = method;
  j["message"] = message;
  j["bits"] = bits;
  return j;
}

// Binary64 endpoints rounded outward from exact decimal endpoints (the CLI's JSON text): lower ends rounded down
// (up = false), upper ends up, so the float interval still encloses the value (DEC-1); None gives NaN (a grid
// point not computed). The PhaseDiagram of the package uses it on the CLI's phase-diagram JSON.
py::array_t<double> py_outward_doubles(const py::list& texts, bool up) {
  const auto n = static_cast<py::ssize_t>(py::len(texts));
  py::array_t<double> out(n);
  auto m = out.mutable_unchecked<1>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const py::handle t = texts[static_cast<std::size_t>(i)];
    m(i) = t.is_none() ? std::numeric_limits<double>::quiet_NaN() : outward_double(t.cast<std::string>(), up);
  }
  return out;
}


#ifdef LYAPCERT_HAVE_CLI_COMMANDS
// --- the CLI's commands, run in-process -----------------------------------------------------------------------
// The functions critical_snr, sign, simulate, check, table, recheck, verify and command() of the package run the
// CLI's own subcommand (app/registry.cpp) with --json and return its JSON: one builder of each result, shared with
// the CLI, so the Python result equals `lyapcert <command> --json` by construction. The command runs watched
// (run_watched: Ctrl-C, progress from cli::set_progress_sink).
// std::cout is redirected to a buffer while a command runs, so commands run one at a time (a mutex).
std::mutex g_command_mutex;

// Restores std::cout, removes the progress sink and turns the plots back on however the call ends.
struct CommandIoScope {
  std::streambuf* saved;
  CommandIoScope(std::streambuf* buf, bool plots) : saved(std::cout.rdbuf(buf)) { cli::set_write_plots(plots); }
  ~CommandIoScope() {
    std::cout.rdbuf(saved);
    cli::set_progress_sink({});
    cli::set_write_plots(true);
  }
};

// plots = false: phase-diagram writes its CSV and JSON but draws no PNG (cli::write_plots).
py::tuple py_run_command(const std::vector<std::string>& argv, const py::object& progress, bool plots) {
  std::unique_lock<std::mutex> lock(g_command_mutex, std::defer_lock);
  {
    py::gil_scoped_release release;
    lock.lock();
  }
  CLI::App app{"lyapcert"};
  app.require_subcommand(1);
  cli::Registry commands;
  if (argv.empty()) throw ArgumentError("no command given");
  cli::register_command_family(argv.front(), app, commands);
  std::vector<std::string> args{"lyapcert"};
  args.insert(args.end(), argv.begin(), argv.end());
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargs.size()), cargs.data());
  } catch (const CLI::ParseError& e) {
    throw InputError(e.what());  // the translator writes the flags as Python arguments
  }
  const cli::Command* cmd = nullptr;
  for (const auto& c : commands) {
    if (c.sub->parsed()) cmd = &c;
  }
  if (cmd == nullptr) throw ArgumentError("no command given");

  auto watch = std::make_shared<Watch>();
  std::ostringstream captured;
  CommandIoScope io(captured.rdbuf(), plots);
  if (!progress.is_none()) {
    cli::set_progress_sink([watch](const std::string& what, std::size_t done, std::size_t total) {
      watch->report(what, done, total);
    });
  }
  int status = 0;
  run_watched(watch, [&] { status = cmd->run(); }, progress);
  return py::make_tuple(status, captured.str());
}

// The options of a command as the CLI declares them: (name, default text, required, is_flag, description) per
// option, for the test that the Python functions have the CLI's names and defaults.
py::list py_command_options(const std::string& name) {
  CLI::App app{"lyapcert"};
  cli::Registry commands;
  cli::register_all_commands(app, commands);
  py::list out;
  const CLI::App* sub = nullptr;
  for (const auto& c : commands) {
    if (c.sub->get_name() == name) sub = c.sub;
  }
  if (sub == nullptr) throw ArgumentError(fmt::format("no command '{}'", name));
  for (const CLI::Option* o : sub->get_options()) {
    std::string n = o->get_name(false, false);
    if (n == "--help" || n == "-h") continue;
    if (n.rfind("--", 0) == 0) n = n.substr(2);
    out.append(py::make_tuple(n, o->get_default_str(), o->get_required(), o->get_type_size() == 0,
                              o->get_description()));
  }
  return out;
}

py::list py_command_names() {
  CLI::App app{"lyapcert"};
  cli::Registry commands;
  cli::register_all_commands(app, commands);
  py::list out;
  for (const auto& c : commands) out.append(c.sub->get_name());
  return out;
}
#endif

}  // namespace

PYBIND11_MODULE(_lyapcert, m) {
  m.doc() = "lyapcert: certified Lyapunov exponents of SGD near saddle points (compiled core; see docs/python.md)";
  m.attr("__version__") = std::string(lyapcert::kVersion);
  // lyapcert.Error <- InputError (also a ValueError), BudgetExceeded (also a RuntimeError). The library's
  // InputError becomes one of them with its message in Python argument names (python_names).
  g_error = PyErr_NewExceptionWithDoc("lyapcert.Error", "Base class of the errors lyapcert raises.", PyExc_Exception,
                                      nullptr);
  py::tuple input_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_input_error = PyErr_NewExceptionWithDoc("lyapcert.InputError",
                                            "Bad input: the message names the Python argument and the problem.",
                                            input_bases.ptr(), nullptr);
  py::tuple budget_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_RuntimeError));
  g_budget_exceeded = PyErr_NewExceptionWithDoc(
      "lyapcert.BudgetExceeded",
      "A computation would exceed a cap the caller set (max_atoms, max_steps); raise the cap or shrink the input.",
      budget_bases.ptr(), nullptr);
  if (!g_error || !g_input_error || !g_budget_exceeded) throw py::error_already_set();
  m.add_object("Error", py::handle(g_error));
  m.add_object("InputError", py::handle(g_input_error));
  m.add_object("BudgetExceeded", py::handle(g_budget_exceeded));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ArgumentError& e) {
      PyErr_SetString(g_input_error, e.what());
    } catch (const InputError& e) {
      const std::string msg = python_names(e.what());
      PyErr_SetString(is_budget_message(msg) ? g_budget_exceeded : g_input_error, msg.c_str());
    }
  });

  py::class_<PyCurvatureLaw>(m, "CurvatureLaw",
                             "A curvature law (the law of h), built from text or from arrays. Guarantee: exact "
                             "(the law language reads numbers exactly).")
      .def(py::init([](const py::object& text) {
             to_text_arg(text, "text");
             return curvature_from(text, 10'000'000);
           }),
           py::arg("text"))
      .def_property_readonly("text", [](const PyCurvatureLaw& l) { return l.text; },
                             "canonical law text (docs/law-language.md)")
      .def_property_readonly("is_finite", [](const PyCurvatureLaw& l) { return l.law->is_finite(); })
      .def_property_readonly("size", [](const PyCurvatureLaw& l) -> py::object {
        return l.law->is_finite() ? py::object(py::int_(l.law->finite().size())) : py::object(py::none());
      })
      .def("_cli_text", &PyCurvatureLaw::cli_text, "the complete law text (also when `text` is shortened)")
      .def("mean", [](const PyCurvatureLaw& l) { return exact::to_text(l.law->mean()); }, "E[h], exact text")
      .def("second_moment", [](const PyCurvatureLaw& l) { return exact::to_text(l.law->second_moment()); },
           "E[h^2], exact text")
      .def("__repr__", [](const PyCurvatureLaw& l) {
        return fmt::format("lyapcert.CurvatureLaw('{}')", l.text.size() > 80 ? l.text.substr(0, 77) + "..." : l.text);
      });

  m.def(
      "atoms",
      [](const py::object& values, const py::object& weights) {
        const std::vector<Rational> v = to_rationals(values, "values");
        if (v.empty()) throw InputError("atoms(...): empty law");
        std::vector<Rational> p;
        if (weights.is_none()) {
          p.assign(v.size(), Rational(1, static_cast<long>(v.size())));
        } else {
          p = to_rationals(weights, "weights");
          if (p.size() != v.size()) {
            throw InputError(fmt::format("atoms(...): {} values but {} weights", v.size(), p.size()));
          }
          Rational total = 0;
          for (std::size_t i = 0; i < p.size(); ++i) {
            if (p[i] < 0) throw InputError(fmt::format("atoms(...): negative weight {} for atom {}", exact::to_text(p[i]), i));
            total += p[i];
          }
          if (total == 0) throw InputError("atoms(...): the weights sum to 0");
          for (auto& w : p) w /= total;
        }
        PyCurvatureLaw l;
        l.law = std::make_shared<const laws::CurvatureLaw>(laws::FiniteLaw::from_rationals(v, p));
        std::string text = "atoms(";
        for (std::size_t i = 0; i < v.size() && text.size() < 70000; ++i) {
          text += fmt::format("{}{}:{}", i ? ", " : "", exact::to_text(v[i]), exact::to_text(p[i]));
        }
        l.shortened = text.size() >= 70000;
        l.text = l.shortened ? text + ", ...)" : text + ")";  // a label only beyond 70000 bytes
        return l;
      },
      py::arg("values"), py::arg("weights") = py::none(),
      "Finite law h = values[j] with probability weights[j] / sum(weights) (equal when None). Guarantee: exact "
      "(floats are taken as their binary value; pass str or Fraction for exact decimals). Raises InputError.");
  m.def(
      "minibatch",
      [](const py::object& data, const py::object& batch_obj, const py::object& replace_obj,
         const py::object& max_atoms_obj) {
        const std::uint64_t batch = to_uint64(batch_obj, "batch");
        const bool replace = to_bool(replace_obj, "replace");
        const std::uint64_t max_atoms = max_atoms_arg(max_atoms_obj);
        const std::vector<Rational> d = to_rationals(data, "data");
        laws::MinibatchLimits lim;
        lim.max_atoms = max_atoms;
        PyCurvatureLaw l;
        {
          py::gil_scoped_release release;
          l.law = std::make_shared<const laws::CurvatureLaw>(laws::minibatch_law(d, batch, replace, lim));
        }
        std::string text = "minibatch(data=[";
        std::size_t shown = 0;
        for (; shown < d.size() && text.size() < 70000; ++shown) {
          text += fmt::format("{}{}", shown ? ", " : "", exact::to_text(d[shown]));
        }
        const std::string tail = fmt::format("], batch={}, replace={})", batch, replace ? "true" : "false");
        l.shortened = shown < d.size();  // a label only beyond 70000 bytes; the complete text for the commands
        if (l.shortened) {
          l.full = text;
          for (std::size_t i = shown; i < d.size(); ++i) l.full += ", " + exact::to_text(d[i]);
          l.full += tail;
          text += ", ...";
        }
        l.text = text + tail;
        return l;
      },
      py::arg("data"), py::arg("batch") = 1, py::arg("replace") = true, py::arg("max_atoms") = 10'000'000,
      "Law of the mean of a minibatch of `batch` draws from the data values. Guarantee: exact. Raises InputError, "
      "BudgetExceeded (more than max_atoms atoms).");

  m.def("lyap1d_many", &py_lyap1d_many, py::arg("law"), py::arg("lr"), py::arg("digits") = 16,
        py::arg("max_bits") = 65536, py::arg("max_atoms") = 10'000'000, py::arg("threads") = 0,
        py::arg("time_budget") = 600.0, py::arg("progress") = py::none(),
        "Certified Lambda at each learning rate of a 1-D array, in parallel with the GIL released.");
  m.def("outward_doubles", &py_outward_doubles, py::arg("texts"), py::arg("up"),
        "Binary64 values rounded outward (down, or up when `up`) from exact decimal strings; None gives NaN.");
#ifdef LYAPCERT_HAVE_CLI_COMMANDS
  m.def("run_command", &py_run_command, py::arg("argv"), py::arg("progress") = py::none(), py::arg("plots") = true,
        "Runs `lyapcert ARGV...` in-process (the CLI's own command) and returns (exit status, stdout); Ctrl-C "
        "stops it (KeyboardInterrupt); progress(what, done, total) receives its progress.");
  m.def("command_options", &py_command_options, py::arg("name"), "The CLI options of a command.");
  m.def("command_names", &py_command_names, "The CLI's commands.");
#endif
}
