// The one list of subcommands: the CLI (main.cpp) and the Python module (app/python/bindings.cpp, which runs the
// same commands in-process) both register them here, so both have the same options, defaults and outputs.
#include "commands.hpp"

#include <atomic>

namespace lyapcert::cli {

namespace {
std::atomic<bool> g_write_plots{true};
}  // namespace

void set_write_plots(bool on) { g_write_plots.store(on); }
bool write_plots() { return g_write_plots.load(); }

void register_all_commands(CLI::App& app, Registry& commands) {
  register_lyap1d_commands(app, commands);
#ifdef LYAPCERT_HAVE_STATS_COMMANDS
  register_stats_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_BOUNDARY_COMMANDS
  register_boundary_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_LYAPND_COMMANDS
  register_lyapnd_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_PHASE_COMMANDS
  register_phase_commands(app, commands);
  register_phase_diagram_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_CRITICAL_COMMANDS
  register_critical_commands(app, commands);
  register_phase_diagonal_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_SIM_COMMANDS
  register_sim_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_TABLE_COMMANDS
  register_table_commands(app, commands);
#endif
#ifdef LYAPCERT_HAVE_VERIFY_COMMANDS
  register_verify_commands(app, commands);
#endif
}

}  // namespace lyapcert::cli
