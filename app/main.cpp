// lyapcert command-line tool. Parsing and printing only; every number comes from lib/.
// Exit statuses: 0 ok (honest "undetermined" included), 1 internal error, 2 bad input or usage,
// 3 certified result printed but requested digits/completeness not reached, 130 interrupted.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "dist.hpp"
#include "lyapcert/core/stop.hpp"
#include "lyapcert/exact/error.hpp"
#include "lyapcert/exact/input.hpp"  // printable(): user text in messages
#include "lyapcert/version.hpp"
#include "output.hpp"

int main(int argc, char** argv) {
  using namespace lyapcert;
  // MPI (when started by mpirun / srun): rank 0 prints and writes, the other ranks compute (app/dist.hpp).
  const cli::dist::Session mpi_session(argc, argv);
  CLI::App app{"lyapcert: certified Lyapunov exponents of SGD near saddle points"};
  app.require_subcommand(1);
  app.set_version_flag("--version", lyapcert::kVersion);
  cli::install_interrupt_handler();
  cli::Registry commands;
  cli::register_all_commands(app, commands);  // app/registry.cpp

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "lyapcert: usage error: " << lyapcert::printable(e.what()) << "\n(run 'lyapcert --help')\n";
    return cli::kExitBadInput;
  }

  try {
    for (const cli::Command& c : commands) {
      if (c.sub->parsed()) return c.run();
    }
  } catch (const cli::dist::JobOver&) {
    return cli::kExitOk;  // an MPI rank whose part ended with rank 0's command (rank 0 gives the job's status)
  } catch (const lyapcert::InputError& e) {
    std::cerr << "lyapcert: error: " << lyapcert::printable(e.what()) << "\n";
    return cli::kExitBadInput;
  } catch (const core::Interrupted& e) {
    std::cerr << "lyapcert: " << e.what() << "\n";  // "interrupted ..." (SIGINT/SIGTERM; docs/cli.md)
    return cli::kExitInterrupted;
  } catch (const core::BudgetExhausted& e) {
    std::cerr << "lyapcert: time budget exhausted: " << e.what() << "\n";
    return cli::kExitNotConverged;
  } catch (const std::bad_alloc&) {
    std::cerr << "lyapcert: internal error: out of memory\n";
    return cli::kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "lyapcert: internal error: " << lyapcert::printable(e.what()) << "\n";
    return cli::kExitInternal;
  }
  return cli::kExitInternal;
}
