// The one list of subcommands: the CLI (main.cpp) and the Python module (app/python/bindings.cpp, which runs the
// same commands in-process) both register them here, so both have the same options, defaults and outputs.
#include "commands.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace lyapcert::cli {

namespace {

std::atomic<bool> g_write_plots{true};

// The command families in registration order. A family is registered as a whole: phase-diagram's diagonal model
// (cmd_phase_diagonal.cpp) wraps the subcommand cmd_phase.cpp adds, so those go together.
using Family = void (*)(CLI::App&, Registry&);
const std::vector<std::vector<Family>>& families() {
  static const std::vector<std::vector<Family>> all = [] {
    std::vector<std::vector<Family>> f;
    f.push_back({register_lyap1d_commands});
#ifdef LYAPCERT_HAVE_STATS_COMMANDS
    f.push_back({register_stats_commands});
#endif
#ifdef LYAPCERT_HAVE_BOUNDARY_COMMANDS
    f.push_back({register_boundary_commands});
#endif
#ifdef LYAPCERT_HAVE_LYAPND_COMMANDS
    f.push_back({register_lyapnd_commands});
#endif
    std::vector<Family> phase;
#ifdef LYAPCERT_HAVE_PHASE_COMMANDS
    phase.push_back(register_phase_commands);
    phase.push_back(register_phase_diagram_commands);
#endif
#ifdef LYAPCERT_HAVE_CRITICAL_COMMANDS
    phase.push_back(register_critical_commands);
    phase.push_back(register_phase_diagonal_commands);
#endif
    if (!phase.empty()) f.push_back(phase);
#ifdef LYAPCERT_HAVE_SIM_COMMANDS
    f.push_back({register_sim_commands});
#endif
#ifdef LYAPCERT_HAVE_TABLE_COMMANDS
    f.push_back({register_table_commands});
#endif
#ifdef LYAPCERT_HAVE_VERIFY_COMMANDS
    f.push_back({register_verify_commands});
#endif
    return f;
  }();
  return all;
}

void register_family(const std::vector<Family>& family, CLI::App& app, Registry& commands) {
  for (Family add : family) add(app, commands);
}

}  // namespace

void set_write_plots(bool on) { g_write_plots.store(on); }
bool write_plots() { return g_write_plots.load(); }

void register_all_commands(CLI::App& app, Registry& commands) {
  for (const auto& family : families()) register_family(family, app, commands);
}

void register_command_family(const std::string& name, CLI::App& app, Registry& commands) {
  // Which family defines which command, found once by registering each family into a scratch app (so the
  // names are never listed twice).
  static std::once_flag once;
  static std::map<std::string, std::size_t> family_of;
  std::call_once(once, [] {
    for (std::size_t i = 0; i < families().size(); ++i) {
      CLI::App scratch;
      Registry reg;
      register_family(families()[i], scratch, reg);
      for (const auto& c : reg) family_of.emplace(c.sub->get_name(), i);
    }
  });
  const auto it = family_of.find(name);
  if (it == family_of.end()) {
    register_all_commands(app, commands);  // an unknown name: the parser reports it as the CLI does
    return;
  }
  register_family(families()[it->second], app, commands);
}

}  // namespace lyapcert::cli
