// The compiled part of the Python module `lyapcert` (pybind11). Parsing of Python inputs and building of
// result dicts only; every number comes from the library, with the same contracts as the CLI
// (docs/cli.md): enclosures are {"lower", "upper", "sign"} with outward-rounded exact decimal strings.
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

#include "lyapcert/boundary/roots.hpp"
#include "lyapcert/exact/ball.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/laws/ast.hpp"
#include "lyapcert/laws/curvature.hpp"
#include "lyapcert/laws/matrix_law.hpp"
#include "lyapcert/laws/minibatch.hpp"
#include "lyapcert/lyap/lyap1d.hpp"
#include "lyapcert/lyapnd/lyapnd.hpp"
#include "lyapcert/models/phase_diagram.hpp"
#include "lyapcert/models/twolayer.hpp"
#include "lyapcert/stats/estimator.hpp"
#include "lyapcert/version.hpp"
#include "lyapcert/core/stop.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#ifdef LYAPCERT_HAVE_CLI_COMMANDS
#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>

#include "../commands.hpp"
#include "../output.hpp"
#endif

namespace py = pybind11;
using namespace lyapcert;
using exact::Rational;

namespace {

// A curvature law with the text it came from (canonical) for the "law" field.
struct PyCurvatureLaw {
  std::shared_ptr<const laws::CurvatureLaw> law;
  std::string text;
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

// Text form of an input number for the echo fields ("lr", "p"): exact text of the value.
std::string echo(const py::handle& obj, const Rational& v) {
  if (py::isinstance<py::str>(obj)) return obj.cast<std::string>();
  return exact::to_text(v);
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

py::dict certified(const lyap::CertifiedValue& v, int digits, lyap::DecimalEnclosure* out = nullptr) {
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, digits);
  if (out) *out = d;
  py::dict j;
  j["lower"] = d.lower;
  j["upper"] = d.upper;
  j["sign"] = lyap::to_string(v.sign);
  return j;
}

py::dict result_dict(const char* command, const lyap::CertifiedResult& r) {
  lyap::DecimalEnclosure d;
  py::dict j;
  j["command"] = command;
  j["enclosure"] = certified(r.value, r.digits_requested, &d);
  j["sign"] = lyap::to_string(r.value.sign);
  j["digits"] = r.digits_requested;
  j["digits_achieved"] = d.digits_achieved ? py::object(py::int_(*d.digits_achieved)) : py::object(py::none());
  j["converged"] = r.converged && d.meets_request;
  j["method"] = r.method;
  j["message"] = r.message;
  j["bits"] = r.bits_used;
  if (r.l2_stable) j["l2_stable"] = *r.l2_stable;
  return j;
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

py::dict py_lyap1d(const py::object& law, const py::object& lr, const py::object& digits_obj,
                   const py::object& max_bits_obj, const py::object& max_atoms_obj, const py::object& time_budget_obj) {
  const double time_budget = time_budget_arg(time_budget_obj);
  const int digits = digits_arg(digits_obj);
  const long max_bits = max_bits_arg(max_bits_obj);
  const PyCurvatureLaw l = curvature_from(law, max_atoms_arg(max_atoms_obj));
  const Rational x = to_rational(lr, "lr");
  lyap::CertifiedResult r;
  // Released GIL, Ctrl-C -> KeyboardInterrupt (run_watched).
  run_watched(std::make_shared<Watch>(), [&] {
    r = lyap::certify_lyap1d(*l.law, x, lyap::Accuracy{digits, max_bits});
  }, py::none(), time_budget);
  py::dict j = result_dict("lyap1d", r);
  j["law"] = short_text(l.text);
  j["lr"] = echo(lr, x);
  return j;
}

py::dict py_moment(const py::object& law, const py::object& lr, const py::object& p, const py::object& digits_obj,
                   const py::object& max_bits_obj, const py::object& max_atoms_obj, const py::object& time_budget_obj) {
  const double time_budget = time_budget_arg(time_budget_obj);
  const int digits = digits_arg(digits_obj);
  const long max_bits = max_bits_arg(max_bits_obj);
  const PyCurvatureLaw l = curvature_from(law, max_atoms_arg(max_atoms_obj));
  const Rational x = to_rational(lr, "lr");
  const Rational q = to_rational(p, "p");
  lyap::CertifiedResult r;
  // Released GIL, Ctrl-C -> KeyboardInterrupt (run_watched).
  run_watched(std::make_shared<Watch>(), [&] {
    r = lyap::certify_moment(*l.law, x, q, lyap::Accuracy{digits, max_bits});
  }, py::none(), time_budget);
  py::dict j = result_dict("moment", r);
  j["law"] = short_text(l.text);
  j["lr"] = echo(lr, x);
  j["p"] = echo(p, q);
  return j;
}

py::dict py_lyapnd(const py::object& law_obj, const py::object& method_obj, const py::object& digits_obj,
                   const py::object& max_bits_obj, const py::object& time_budget_obj, const py::object& max_length_obj,
                   const py::object& max_memory_obj) {
  const std::string text = to_text_arg(law_obj, "law");
  const std::string method = to_text_arg(method_obj, "method");
  const int digits = digits_arg(digits_obj);
  const long max_bits = max_bits_arg(max_bits_obj);
  const double time_budget = to_real(time_budget_obj, "time_budget");
  if (!(time_budget > 0 && time_budget <= 1e7)) {
    input_error(fmt::format("time_budget must be in (0, 1e7] seconds, got {}", time_budget));
  }
  const int max_length = static_cast<int>(to_int(max_length_obj, "max_length", 1, 64));
  const laws::Value expr = laws::parse(text);
  const std::string law_text = laws::canonical(expr);
  const laws::MatrixLaw law = laws::build_matrix_law(expr);
  lyapnd::Options opt;
  opt.acc = lyap::Accuracy{digits, max_bits};
  opt.method = lyapnd::parse_method(method);
  opt.time_budget_seconds = time_budget;
  opt.max_word_length = max_length;
  const double max_memory = to_real(max_memory_obj, "max_memory");
  if (!(max_memory > 0)) input_error(fmt::format("max_memory must be > 0 (MiB), got {}", max_memory));
  opt.max_memory_mib = max_memory;
  lyapnd::Result r;
  // Released GIL, Ctrl-C -> KeyboardInterrupt (run_watched).
  run_watched(std::make_shared<Watch>(), [&] {
    r = lyapnd::certify_lyapnd(law, opt);
  }, py::none());
  lyap::DecimalEnclosure d;
  py::dict enc = certified(r.top.value, r.top.digits_requested, &d);
  bool converged = r.top.converged && d.meets_request;
  py::object achieved = d.digits_achieved ? py::object(py::int_(*d.digits_achieved)) : py::object(py::none());
  if (r.upper_bound_only) {
    enc["lower"] = "-inf";
    converged = false;
    achieved = py::none();
  }
  py::dict j;
  j["command"] = "lyapnd";
  j["law"] = short_text(law_text);
  j["dim"] = law.dim;
  j["enclosure"] = enc;
  j["sign"] = lyap::to_string(r.top.value.sign);
  j["digits"] = r.top.digits_requested;
  j["digits_achieved"] = achieved;
  j["converged"] = converged;
  j["method"] = r.top.method;
  j["message"] = r.top.message;
  j["bits"] = std::max<long>(1, r.top.bits_used);
  j["upper_bound_only"] = r.upper_bound_only;
  if (!r.spectrum.empty()) {
    py::list s;
    for (const auto& v : r.spectrum) s.append(certified(v, r.top.digits_requested));
    j["spectrum"] = s;
  }
  if (r.word_length > 0) j["word_length"] = r.word_length;
  j["max_memory_mib"] = max_memory;
  j["memory_limited"] = r.memory_limited;
  if (r.memory_estimate_bytes > 0) j["memory_estimate_bytes"] = r.memory_estimate_bytes;
  return j;
}

py::dict interval_dict(const boundary::DecimalInterval& d) {
  py::dict j;
  j["lower"] = d.lower;
  j["upper"] = d.upper;
  return j;
}

py::dict py_boundaries(const py::object& law, const py::object& lr_min, const py::object& lr_max,
                       const py::object& digits_obj, const py::object& max_roots_obj, const py::object& max_bits_obj,
                       const py::object& max_atoms_obj, const py::object& time_budget_obj) {
  const double time_budget = time_budget_arg(time_budget_obj);
  const int digits = digits_arg(digits_obj);
  const auto max_roots = static_cast<std::size_t>(to_int(max_roots_obj, "max_roots", 1, 1'000'000'000));
  const long max_bits = max_bits_arg(max_bits_obj);
  const PyCurvatureLaw l = curvature_from(law, max_atoms_arg(max_atoms_obj));
  boundary::BoundaryOptions opt;
  if (!lr_min.is_none()) opt.lr_min = to_rational(lr_min, "lr_min");
  if (!lr_max.is_none()) opt.lr_max = to_rational(lr_max, "lr_max");
  opt.digits = digits;
  opt.max_roots = max_roots;
  opt.max_bits = max_bits;
  boundary::BoundaryResult r;
  // Released GIL, Ctrl-C -> KeyboardInterrupt (run_watched).
  run_watched(std::make_shared<Watch>(), [&] {
    r = boundary::find_boundaries(*l.law, opt);
  }, py::none(), time_budget);
  const int sig = digits + 5;
  py::list roots;
  for (const auto& root : r.roots) {
    py::dict j = interval_dict(
        boundary::to_decimal(root.lower, root.upper, sig, boundary::requested_width(digits, root.lower)));
    j["direction"] = boundary::to_string(root.direction);
    roots.append(j);
  }
  py::list sing;
  for (const auto& s : r.singular_points) sing.append(exact::to_text(s));
  py::list slivers;
  for (const auto& s : r.slivers) {
    py::dict j;
    j["singular_point"] = exact::to_text(s.singular_point);
    j["left_offset"] = s.left_offset ? py::object(interval_dict(boundary::to_decimal(*s.left_offset, sig))) : py::object(py::none());
    j["right_offset"] = s.right_offset ? py::object(interval_dict(boundary::to_decimal(*s.right_offset, sig))) : py::object(py::none());
    slivers.append(j);
  }
  py::list unresolved;
  for (const auto& c : r.unresolved) {
    unresolved.append(interval_dict(boundary::to_decimal(c.lower, c.upper, sig, c.upper - c.lower + 1)));
  }
  py::dict j;
  j["command"] = "boundary";
  j["law"] = short_text(l.text);
  j["lr_min"] = exact::to_text(r.lr_min);
  j["lr_max"] = exact::to_text(r.lr_max);
  j["default_range"] = r.default_range;
  j["digits"] = digits;
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
  return j;
}

// data: None, an (N, 2) array / sequence of (x, y) pairs, or a pair (x_array, y_array).
std::vector<std::pair<Rational, Rational>> dataset(const py::object& data) {
  std::vector<std::pair<Rational, Rational>> out;
  if (data.is_none()) return out;
  if (py::isinstance<py::array>(data)) {
    py::array a = py::reinterpret_borrow<py::array>(data);
    if (a.ndim() != 2 || a.shape(1) != 2) throw InputError("data: expected an (N, 2) array of (x, y) pairs");
    if (a.dtype().kind() == 'f') {
      auto d = py::array_t<double, py::array::forcecast>::ensure(a);
      auto r = d.unchecked<2>();
      for (py::ssize_t i = 0; i < r.shape(0); ++i) {
        if (!std::isfinite(r(i, 0)) || !std::isfinite(r(i, 1))) throw InputError(fmt::format("data[{}]: not finite", i));
        out.emplace_back(Rational(r(i, 0)), Rational(r(i, 1)));
      }
      return out;
    }
  }
  if (py::isinstance<py::tuple>(data) && py::len(data) == 2 && !py::isinstance<py::str>(data[py::int_(0)]) &&
      py::hasattr(data[py::int_(0)], "__len__") && py::len(data[py::int_(0)]) != 2) {
    const auto xs = to_rationals(data[py::int_(0)], "data x");
    const auto ys = to_rationals(data[py::int_(1)], "data y");
    if (xs.size() != ys.size()) throw InputError(fmt::format("data: {} x values but {} y values", xs.size(), ys.size()));
    for (std::size_t i = 0; i < xs.size(); ++i) out.emplace_back(xs[i], ys[i]);
    return out;
  }
  std::size_t i = 0;
  for (const py::handle row : py::iter(data)) {
    const auto xy = to_rationals(row, fmt::format("data[{}]", i).c_str());
    if (xy.size() != 2) throw InputError(fmt::format("data[{}]: expected a pair (x, y)", i));
    out.emplace_back(xy[0], xy[1]);
    ++i;
  }
  if (out.empty()) throw InputError("data: empty dataset");
  return out;
}

py::dict py_phase(const py::object& lr, const py::object& k, const py::object& sigma, const py::object& snr,
                  const py::object& gamma, const py::object& batch_obj, const py::object& replace_obj,
                  const py::object& data, const py::object& digits_obj, const py::object& max_bits_obj,
                  const py::object& max_atoms_obj, const py::object& time_budget_obj) {
  const double time_budget = time_budget_arg(time_budget_obj);
  const int digits = digits_arg(digits_obj);
  const long max_bits = max_bits_arg(max_bits_obj);
  const std::uint64_t max_atoms = max_atoms_arg(max_atoms_obj);
  const auto batch = static_cast<std::uint64_t>(to_int(batch_obj, "batch", 1, 1'000'000));
  const bool replace = to_bool(replace_obj, "replace");
  models::TwoLayerModel m;
  m.k = to_rational(k, "k");
  if (m.k == 0) input_error("k must be nonzero");
  if (!sigma.is_none() && !snr.is_none()) input_error("give sigma or snr, not both");
  if (!snr.is_none()) {
    m.sigma2 = models::sigma2_from_snr(m.k, to_rational(snr, "snr"));
  } else if (!sigma.is_none()) {
    const Rational s = to_rational(sigma, "sigma");
    if (s < 0) input_error(fmt::format("sigma must be >= 0, got {}", exact::to_text(s)));
    m.sigma2 = s * s;
  }
  m.gamma = to_rational(gamma, "gamma");
  m.batch = batch;
  m.replace = replace;
  m.data = dataset(data);
  const Rational x = to_rational(lr, "lr");
  models::PhaseResult r;
  std::optional<Rational> snr_batch;
  // Released GIL, Ctrl-C -> KeyboardInterrupt (run_watched).
  run_watched(std::make_shared<Watch>(), [&] {
    const laws::CurvatureLaw h = models::minibatch_curvature(m, max_atoms);
    r = models::phase_at(m, h, x, lyap::Accuracy{digits, max_bits});
    snr_batch = models::batch_snr(m);
  }, py::none(), time_budget);
  py::dict j;
  j["command"] = "phase";
  j["model"] = "twolayer";
  j["k"] = exact::to_text(m.k);
  j["sigma2"] = exact::to_text(m.sigma2);
  j["gamma"] = exact::to_text(m.gamma);
  j["batch"] = m.batch;
  j["replace"] = m.replace;
  j["data"] = m.data.empty() ? py::object(py::str("gaussian")) : py::object(py::int_(m.data.size()));
  j["lr"] = echo(lr, x);
  j["batch_snr"] = snr_batch ? py::object(py::str(exact::to_text(*snr_batch))) : py::object(py::none());
  j["lambda_plus"] = certified(r.lambda_plus.value, digits);
  j["lambda_minus"] = certified(r.lambda_minus.value, digits);
  j["l2_wrong_direction_stable"] = r.l2_wrong_direction_stable;
  j["phase"] = r.phase;
  j["phase_candidates"] = r.candidates;
  j["digits"] = digits;
  j["converged"] = r.lambda_plus.converged && r.lambda_minus.converged;
  j["method"] = r.lambda_plus.method;
  std::string msg = r.lambda_plus.message;
  if (!r.lambda_minus.message.empty()) msg += (msg.empty() ? "" : "; ") + r.lambda_minus.message;
  j["message"] = msg;
  return j;
}

py::object num(double x) { return std::isfinite(x) ? py::object(py::float_(x)) : py::object(py::none()); }
py::dict interval_json(const stats::Interval& i) {
  py::dict j;
  j["lower"] = num(i.lower);
  j["upper"] = num(i.upper);
  j["level"] = i.level;
  return j;
}
const char* ci_sign(const stats::Interval& ci) {
  if (!std::isfinite(ci.lower) || !std::isfinite(ci.upper)) return "undetermined";
  if (ci.upper < 0) return "negative";
  if (ci.lower > 0) return "positive";
  return "undetermined";
}

py::dict py_estimate(const py::object& law_obj, const py::object& steps_obj, const py::object& reps_obj,
                     const py::object& burn_in, const py::object& seed_obj, const py::object& level_obj,
                     const py::object& spectrum_obj, const py::object& threads_obj,
                     const py::object& time_budget_obj) {
  const double time_budget = time_budget_arg(time_budget_obj);
  const auto steps = static_cast<std::uint64_t>(to_int(steps_obj, "steps", 16, 1LL << 40));
  const auto reps = static_cast<std::uint64_t>(to_int(reps_obj, "reps", 1, (1LL << 32) - 1));
  const std::uint64_t seed = to_uint64(seed_obj, "seed");
  const double level = to_real(level_obj, "level");
  const bool spectrum = to_bool(spectrum_obj, "spectrum");
  const auto threads = static_cast<unsigned>(to_int(threads_obj, "threads", 0, 1024));
  std::string text;
  if (py::isinstance<PyCurvatureLaw>(law_obj)) {
    text = law_obj.cast<PyCurvatureLaw>().text;
  } else if (py::isinstance<py::str>(law_obj)) {
    text = law_obj.cast<std::string>();
  } else {
    throw InputError("law: expected a matrix or curvature law text (str)");
  }
  const laws::Value expr = laws::parse(text);
  const std::string law_text = laws::canonical(expr);
  const laws::MatrixLaw law = laws::build_matrix_law(expr);
  stats::EstimateOptions eo;
  eo.steps = steps;
  eo.reps = reps;
  if (!burn_in.is_none()) eo.burn_in = static_cast<std::uint64_t>(to_int(burn_in, "burn_in", 0, 1LL << 40));
  eo.seed = seed;
  eo.level = level;
  eo.spectrum = spectrum;
  eo.threads = threads;
  stats::Estimate e;
  // Released GIL, Ctrl-C -> KeyboardInterrupt (run_watched).
  run_watched(std::make_shared<Watch>(), [&] {
    e = stats::estimate(law, eo);
  }, py::none(), time_budget);
  py::dict j;
  j["command"] = "estimate";
  j["law"] = short_text(law_text);
  j["estimate"] = num(e.estimate);
  j["ci"] = interval_json(e.ci);
  j["guarantee"] = stats::to_string(e.guarantee);
  j["sign"] = ci_sign(e.ci);
  j["steps_per_rep"] = e.steps_per_rep;
  j["reps"] = e.reps;
  j["steps_total"] = e.steps_total;
  j["burn_in"] = e.burn_in;
  j["seed"] = std::to_string(seed);
  if (spectrum) {
    py::list s, sc;
    for (std::size_t i = 0; i < e.spectrum.size(); ++i) {
      s.append(num(e.spectrum[i]));
      sc.append(interval_json(e.spectrum_ci[i]));
    }
    j["spectrum"] = s;
    j["spectrum_ci"] = sc;
  }
  j["variance_method"] = e.variance_method;
  j["std_error"] = num(e.std_error);
  j["iid_increments"] = e.iid_increments;
  j["batch_size"] = e.batch_size;
  py::list ub;
  for (const auto& u : e.upper_bounds) {
    py::dict d;
    d["value"] = num(u.value);
    d["level"] = u.level;
    d["guarantee"] = stats::to_string(u.guarantee);
    d["steps"] = u.steps;
    d["method"] = u.method;
    ub.append(d);
  }
  j["upper_bounds"] = ub;
  j["assumption"] = e.assumption;
  j["message"] = e.message;
  return j;
}

// --- arrays: outward binary64 endpoints, a thread pool, the vectorised lyap1d and the phase diagram ----------

// The binary64 number below (up = false) or above (up = true) the exact decimal endpoint `dec` ("-inf" gives
// -inf): the float interval contains the decimal one, which contains the true value (DEC-1).
double outward_double(const std::string& dec, bool up) {
  if (dec == "-inf") return -std::numeric_limits<double>::infinity();
  if (dec == "inf" || dec == "+inf") return std::numeric_limits<double>::infinity();
  const Rational q = exact::parse_rational(dec);
  fmpq_t f;
  fmpq_init(f);
  exact::set_fmpq(f, q);
  exact::ArbTemp b;
  arb_set_fmpq(b.v, f, 128);
  fmpq_clear(f);
  arf_t t;
  arf_init(t);
  if (up) {
    arb_get_ubound_arf(t, b.v, 128);
  } else {
    arb_get_lbound_arf(t, b.v, 128);
  }
  const double d = arf_get_d(t, up ? ARF_RND_CEIL : ARF_RND_FLOOR);
  arf_clear(t);
  return d;
}

// Runs f(i) for i in [0, n) on `threads` threads (0: the hardware's count); the caller has released the GIL.
// f must not throw (it stores its own exceptions).
template <class F>
void parallel_for(std::size_t n, unsigned threads, F&& f) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) f(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
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
  };
  std::vector<Item> items(n);
  auto watch = std::make_shared<Watch>();
  std::atomic<std::size_t> done{0};
  run_watched(
      watch,
      [&] {
        parallel_for(n, threads, [&](std::size_t i) {
          if (core::interrupt_requested()) return;  // Ctrl-C: the remaining points are skipped
          try {
            items[i].r = lyap::certify_lyap1d(*l.law, lrs[i], lyap::Accuracy{digits, max_bits});
            items[i].e = enclosure_row(items[i].r.value, digits, &items[i].d);
          } catch (...) {
            items[i].error = std::current_exception();
          }
          watch->report("learning rates", ++done, n);
        });
      },
      progress, time_budget);
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

int phase_code(const std::string& label) {
  // The documented enum lyapcert.Phase (docs/python.md): 0 undetermined, 1 Ia, 2 Ib, 3 II, 4 III, 5 IV.
  static const char* kLabels[] = {"undetermined", "Ia", "Ib", "II", "III", "IV"};
  for (int c = 1; c < 6; ++c) {
    if (label == kLabels[c]) return c;
  }
  return 0;
}

std::pair<Rational, Rational> range_arg(const py::object& obj, const char* name) {
  if (py::isinstance<py::str>(obj) || !py::hasattr(obj, "__len__") || py::len(obj) != 2) {
    input_error(fmt::format("{}: expected a pair (low, high)", name));
  }
  const auto v = to_rationals(obj, name);
  if (!(v[0] > 0 && v[0] < v[1])) {
    input_error(fmt::format("{}: needs 0 < low < high, got ({}, {})", name, exact::to_text(v[0]), exact::to_text(v[1])));
  }
  return {v[0], v[1]};
}

py::dict py_phase_diagram(const py::object& lr_range, const py::object& snr_range, const py::object& sigma_range,
                          const py::object& grid, const py::object& k, const py::object& gamma,
                          const py::object& batch_obj, const py::object& digits_obj, const py::object& cells_obj,
                          const py::object& jobs_obj, const py::object& time_budget_obj,
                          const py::object& progress) {
  const double time_budget = time_budget_arg(time_budget_obj);
  models::DiagramSpec spec;
  spec.base.k = to_rational(k, "k");
  if (spec.base.k == 0) input_error("k must be nonzero");
  spec.base.gamma = to_rational(gamma, "gamma");
  spec.base.batch = static_cast<std::uint64_t>(to_int(batch_obj, "batch", 1, 1'000'000));
  std::tie(spec.lr_min, spec.lr_max) = range_arg(lr_range, "lr_range");
  if (!sigma_range.is_none() && !snr_range.is_none()) input_error("give snr_range or sigma_range, not both");
  if (!sigma_range.is_none()) {
    spec.y_axis = models::YAxis::sigma;
    std::tie(spec.y_min, spec.y_max) = range_arg(sigma_range, "sigma_range");
  } else {
    spec.y_axis = models::YAxis::snr;
    std::tie(spec.y_min, spec.y_max) = range_arg(snr_range, "snr_range");
    if (spec.y_max >= Rational(1, 2)) input_error("snr_range must lie in (0, 1/2)");
  }
  if (py::isinstance<py::str>(grid) || !py::hasattr(grid, "__len__") || py::len(grid) != 2) {
    input_error("grid: expected a pair (n_lr, n_y)");
  }
  spec.n_lr = static_cast<int>(to_int(grid[py::int_(0)], "grid[0] (n_lr)", 2, 100000));
  spec.n_y = static_cast<int>(to_int(grid[py::int_(1)], "grid[1] (n_y)", 1, 100000));
  if (static_cast<long>(spec.n_lr) * spec.n_y > 1'000'000) input_error("grid: at most 10^6 points");
  const int digits = static_cast<int>(to_int(digits_obj, "digits", 1, 100));
  spec.acc = lyap::Accuracy{digits, 4096};
  const std::string cells = to_text_arg(cells_obj, "cells");
  if (cells != "fast" && cells != "arb" && cells != "off") {
    input_error(fmt::format("cells must be 'fast', 'arb' or 'off', got '{}'", cells));
  }
  spec.certify_cells = cells != "off";
  spec.fast_cells_only = cells != "arb";
  spec.jobs = static_cast<int>(to_int(jobs_obj, "jobs", 0, 256));
  if (spec.jobs == 0) spec.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  models::DiagramResult r;
  struct Row {
    EnclosureRow plus, minus;
  };
  std::vector<Row> rows;
  auto watch = std::make_shared<Watch>();
  run_watched(
      watch,
      [&] {
        r = models::phase_diagram(spec, [&](std::size_t done, std::size_t total) { watch->report("grid points", done, total); });
        rows.resize(r.points.size());
        for (std::size_t i = 0; i < r.points.size(); ++i) {
          if (!r.points[i].done) continue;
          rows[i].plus = enclosure_row(r.points[i].result.lambda_plus.value, digits);
          rows[i].minus = enclosure_row(r.points[i].result.lambda_minus.value, digits);
        }
      },
      progress, time_budget);
  const auto nx = static_cast<py::ssize_t>(r.lrs.size());
  const auto ny = static_cast<py::ssize_t>(r.ys.size());
  auto axis = [](const std::vector<Rational>& v, py::list& exact_out) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    auto m = a.mutable_unchecked<1>();
    for (std::size_t i = 0; i < v.size(); ++i) {
      m(static_cast<py::ssize_t>(i)) = v[i].convert_to<double>();
      exact_out.append(exact::to_text(v[i]));
    }
    return a;
  };
  py::list lr_exact, y_exact;
  py::dict j;
  j["lr"] = axis(r.lrs, lr_exact);
  j["y"] = axis(r.ys, y_exact);
  j["lr_exact"] = lr_exact;
  j["y_exact"] = y_exact;
  j["y_axis"] = spec.y_axis == models::YAxis::sigma ? "sigma" : "snr";
  const std::vector<py::ssize_t> shape{ny, nx};
  py::array_t<double> pl(shape), pu(shape), ml(shape), mu(shape);
  py::array_t<std::int8_t> phase(shape), cell_phase(shape);
  py::array_t<bool> certified(shape), done(shape), l2(shape);
  auto apl = pl.mutable_unchecked<2>();
  auto apu = pu.mutable_unchecked<2>();
  auto aml = ml.mutable_unchecked<2>();
  auto amu = mu.mutable_unchecked<2>();
  auto aph = phase.mutable_unchecked<2>();
  auto acp = cell_phase.mutable_unchecked<2>();
  auto ace = certified.mutable_unchecked<2>();
  auto ado = done.mutable_unchecked<2>();
  auto al2 = l2.mutable_unchecked<2>();
  py::list ple, pue, mle, mue, psg, msg;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (py::ssize_t jy = 0; jy < ny; ++jy) {
    py::list r_ple, r_pue, r_mle, r_mue, r_psg, r_msg;
    for (py::ssize_t ix = 0; ix < nx; ++ix) {
      const auto idx = static_cast<std::size_t>(jy * nx + ix);
      const auto& p = r.points[idx];
      const Row& row = rows[idx];
      ado(jy, ix) = p.done;
      apl(jy, ix) = p.done ? row.plus.lower_d : nan;
      apu(jy, ix) = p.done ? row.plus.upper_d : nan;
      aml(jy, ix) = p.done ? row.minus.lower_d : nan;
      amu(jy, ix) = p.done ? row.minus.upper_d : nan;
      aph(jy, ix) = static_cast<std::int8_t>(p.done ? phase_code(p.result.phase) : 0);
      const bool cert = p.done && p.cell != "mixed" && p.cell != "unchecked";
      ace(jy, ix) = cert;
      acp(jy, ix) = static_cast<std::int8_t>(cert ? phase_code(p.cell) : 0);
      al2(jy, ix) = p.done && p.result.l2_wrong_direction_stable;
      r_ple.append(row.plus.lower);
      r_pue.append(row.plus.upper);
      r_mle.append(row.minus.lower);
      r_mue.append(row.minus.upper);
      r_psg.append(p.done ? row.plus.sign : std::string("undetermined"));
      r_msg.append(p.done ? row.minus.sign : std::string("undetermined"));
    }
    ple.append(r_ple);
    pue.append(r_pue);
    mle.append(r_mle);
    mue.append(r_mue);
    psg.append(r_psg);
    msg.append(r_msg);
  }
  j["lambda_plus_lower"] = pl;
  j["lambda_plus_upper"] = pu;
  j["lambda_minus_lower"] = ml;
  j["lambda_minus_upper"] = mu;
  j["lambda_plus_lower_exact"] = ple;
  j["lambda_plus_upper_exact"] = pue;
  j["lambda_minus_lower_exact"] = mle;
  j["lambda_minus_upper_exact"] = mue;
  j["lambda_plus_sign"] = psg;
  j["lambda_minus_sign"] = msg;
  j["phase"] = phase;
  j["cell_phase"] = cell_phase;
  j["cell_certified"] = certified;
  j["done"] = done;
  j["l2_wrong_direction_stable"] = l2;
  auto roots = [](const std::vector<models::RootBracket>& v) {
    py::list out;
    for (const auto& b : v) {
      py::dict d;
      d["y"] = exact::to_text(b.y);
      d["lower"] = exact::to_text(b.lower);
      d["upper"] = exact::to_text(b.upper);
      d["direction"] = b.direction;
      d["unique"] = b.unique;
      out.append(d);
    }
    return out;
  };
  j["lambda_plus_roots"] = roots(r.plus_roots);
  j["lambda_minus_roots"] = roots(r.minus_roots);
  py::list l2b;
  for (const auto& [y, lr] : r.l2_boundary) l2b.append(py::make_tuple(exact::to_text(y), exact::to_text(lr)));
  j["l2_boundary"] = l2b;
  j["complete"] = r.complete;
  j["digits"] = digits;
  j["k"] = exact::to_text(spec.base.k);
  j["gamma"] = exact::to_text(spec.base.gamma);
  j["batch"] = spec.base.batch;
  return j;
}


#ifdef LYAPCERT_HAVE_CLI_COMMANDS
// --- the CLI's commands, run in-process -----------------------------------------------------------------------
// The functions critical_snr, sign, simulate, check, table, recheck, verify and command() of the package run the
// CLI's own subcommand (app/registry.cpp) with --json and return its JSON: one builder of each result, shared with
// the CLI, so the Python result equals `lyapcert <command> --json` by construction. The command runs watched
// (run_watched: Ctrl-C, progress from cli::set_progress_sink).
// std::cout is redirected to a buffer while a command runs, so commands run one at a time (a mutex).
std::mutex g_command_mutex;

// Restores std::cout and removes the progress sink however the call ends.
struct CommandIoScope {
  std::streambuf* saved;
  explicit CommandIoScope(std::streambuf* buf) : saved(std::cout.rdbuf(buf)) {}
  ~CommandIoScope() {
    std::cout.rdbuf(saved);
    cli::set_progress_sink({});
  }
};

py::tuple py_run_command(const std::vector<std::string>& argv, const py::object& progress) {
  std::unique_lock<std::mutex> lock(g_command_mutex, std::defer_lock);
  {
    py::gil_scoped_release release;
    lock.lock();
  }
  CLI::App app{"lyapcert"};
  app.require_subcommand(1);
  cli::Registry commands;
  cli::register_all_commands(app, commands);
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
  CommandIoScope io(captured.rdbuf());
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
        l.text = text.size() >= 70000 ? text + ", ...)" : text + ")";  // a label only beyond 70000 bytes
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
        for (std::size_t i = 0; i < d.size() && text.size() < 70000; ++i) {
          text += fmt::format("{}{}", i ? ", " : "", exact::to_text(d[i]));
        }
        if (text.size() >= 70000) text += ", ...";  // a label only beyond 70000 bytes
        l.text = fmt::format("{}], batch={}, replace={})", text, batch, replace ? "true" : "false");
        return l;
      },
      py::arg("data"), py::arg("batch") = 1, py::arg("replace") = true, py::arg("max_atoms") = 10'000'000,
      "Law of the mean of a minibatch of `batch` draws from the data values. Guarantee: exact. Raises InputError, "
      "BudgetExceeded (more than max_atoms atoms).");

  m.def("lyap1d", &py_lyap1d, py::arg("law"), py::arg("lr"), py::arg("digits") = 16, py::arg("max_bits") = 65536,
        py::arg("max_atoms") = 10'000'000, py::arg("time_budget") = 600.0, "Certified Lambda(lr) = E log|1 - lr h| (dict as `lyapcert lyap1d --json`).");
  m.def("lyap1d_many", &py_lyap1d_many, py::arg("law"), py::arg("lr"), py::arg("digits") = 16,
        py::arg("max_bits") = 65536, py::arg("max_atoms") = 10'000'000, py::arg("threads") = 0,
        py::arg("time_budget") = 600.0, py::arg("progress") = py::none(),
        "Certified Lambda at each learning rate of a 1-D array, in parallel with the GIL released.");
  m.def("phase_diagram", &py_phase_diagram, py::arg("lr_range"), py::arg("snr_range"), py::arg("sigma_range"),
        py::arg("grid"), py::arg("k"), py::arg("gamma"), py::arg("batch"), py::arg("digits"), py::arg("cells"),
        py::arg("jobs"), py::arg("time_budget") = 600.0, py::arg("progress") = py::none(), "Certified phase diagram of the two-layer saddle (dict of numpy arrays).");
  m.def("moment", &py_moment, py::arg("law"), py::arg("lr"), py::arg("p"), py::arg("digits") = 16,
        py::arg("max_bits") = 65536, py::arg("max_atoms") = 10'000'000, py::arg("time_budget") = 600.0,
        "Certified g(p) = log E|1 - lr h|^p (dict as `lyapcert moment --json`).");
  m.def("lyapnd", &py_lyapnd, py::arg("law"), py::arg("method") = "auto", py::arg("digits") = 16,
        py::arg("max_bits") = 65536, py::arg("time_budget") = 60.0, py::arg("max_length") = 40,
        py::arg("max_memory") = 4096.0,
        "Certified top exponent of a d x d matrix law (dict as `lyapcert lyapnd --json`).");
  m.def("boundaries", &py_boundaries, py::arg("law"), py::arg("lr_min") = py::none(), py::arg("lr_max") = py::none(),
        py::arg("digits") = 16, py::arg("max_roots") = 10000, py::arg("max_bits") = 16384,
        py::arg("max_atoms") = 10'000'000, py::arg("time_budget") = 600.0, "Certified sign changes of Lambda(lr) (dict as `lyapcert boundary --json`).");
  m.def("phase", &py_phase, py::arg("lr"), py::arg("k") = 1, py::arg("sigma") = py::none(), py::arg("snr") = py::none(),
        py::arg("gamma") = 0, py::arg("batch") = 1, py::arg("replace") = true, py::arg("data") = py::none(),
        py::arg("digits") = 16, py::arg("max_bits") = 65536, py::arg("max_atoms") = 10'000'000,
        py::arg("time_budget") = 600.0, "Certified phase of the two-layer saddle model (dict as `lyapcert phase --json`).");
  m.def("estimate", &py_estimate, py::arg("law"), py::arg("steps") = 100000, py::arg("reps") = 32,
        py::arg("burn_in") = py::none(), py::arg("seed") = 0, py::arg("level") = 0.95, py::arg("spectrum") = false,
        py::arg("threads") = 0, py::arg("time_budget") = 600.0, "Monte Carlo estimate with a confidence interval (dict as `lyapcert estimate --json`).");
#ifdef LYAPCERT_HAVE_CLI_COMMANDS
  m.def("run_command", &py_run_command, py::arg("argv"), py::arg("progress") = py::none(),
        "Runs `lyapcert ARGV...` in-process (the CLI's own command) and returns (exit status, stdout); Ctrl-C "
        "stops it (KeyboardInterrupt); progress(what, done, total) receives its progress.");
  m.def("command_options", &py_command_options, py::arg("name"), "The CLI options of a command.");
  m.def("command_names", &py_command_names, "The CLI's commands.");
#endif
}
