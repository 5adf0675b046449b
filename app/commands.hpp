// Command registry of the CLI: each family of subcommands lives in its own app/cmd_*.cpp and adds
// itself to the CLI11 app with a runner. Runners throw lyapcert::InputError for bad input (exit 2)
// and return the exit status otherwise (docs/cli.md).
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace lyapcert::cli {

struct Command {
  CLI::App* sub;
  std::function<int()> run;
};
using Registry = std::vector<Command>;

// app/registry.cpp: every command family below that was built (the CLI and the Python module call this).
void register_all_commands(CLI::App& app, Registry& reg);
// app/registry.cpp: only the family that defines command `name` (all of them for an unknown name). The Python
// module runs one command per call; registering every family costs about a millisecond per call.
void register_command_family(const std::string& name, CLI::App& app, Registry& reg);

// app/registry.cpp: whether the commands that draw a PNG (phase-diagram) run gnuplot. Always true in the CLI;
// the Python module's phase_diagram turns it off while it runs the command for its JSON only (no gnuplot
// needed, no image nobody asked for). Process-wide: the module runs one command at a time.
void set_write_plots(bool on);
bool write_plots();

// app/cmd_lyap1d.cpp: lyap1d, moment, demo.
void register_lyap1d_commands(CLI::App& app, Registry& reg);
// app/cmd_stats.cpp: estimate, sign (Monte Carlo with confidence statements).
void register_stats_commands(CLI::App& app, Registry& reg);
// app/cmd_boundary.cpp: boundary (sign changes of Lambda over a learning-rate range).
void register_boundary_commands(CLI::App& app, Registry& reg);
// app/cmd_lyapnd.cpp: lyapnd (certified exponents of d x d matrix products).
void register_lyapnd_commands(CLI::App& app, Registry& reg);

// app/cmd_phase.cpp: phase (two-layer saddle model at one learning rate).
void register_phase_commands(CLI::App& app, Registry& reg);
// app/cmd_phase.cpp: phase-diagram (grid over lr x sigma / SNR / batch).
void register_phase_diagram_commands(CLI::App& app, Registry& reg);

// app/cmd_critical.cpp: critical-snr (certified critical SNR of collapse; docs/claims.md).
void register_critical_commands(CLI::App& app, Registry& reg);
// app/cmd_phase_diagonal.cpp: adds --beta to phase-diagram and runs it for --model diagonal (call
// after register_phase_diagram_commands; the twolayer model still goes to cmd_phase.cpp).
void register_phase_diagonal_commands(CLI::App& app, Registry& reg);

// app/cmd_sim.cpp: simulate, check (simulated SGD against the phase prediction).
void register_sim_commands(CLI::App& app, Registry& reg);
// app/cmd_table.cpp: table, recheck (certified tables with provenance).
void register_table_commands(CLI::App& app, Registry& reg);
// app/cmd_verify.cpp: verify (lyapcert as an oracle for other implementations).
void register_verify_commands(CLI::App& app, Registry& reg);

}  // namespace lyapcert::cli
