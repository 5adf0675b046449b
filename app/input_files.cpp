// Reading the files a user names on the command line: `--law @FILE` here, and (through the same
// lyapcert::read_input_file) --data (model_flags.cpp), table --spec and recheck (cmd_table.cpp), verify --against
// (lyapcert::oracle::read_csv_file). Regular files and pipes are read up to a size cap, everything else is
// refused with a message naming it (docs/cli.md, "Input limits").
#include <string>

#include "lyapcert/exact/input.hpp"
#include "output.hpp"

namespace lyapcert::cli {

std::string read_law_argument(const std::string& arg) {
  if (arg.empty() || arg[0] != '@') return arg;
  return read_input_file(arg.substr(1), "law file", kMaxInputFileBytes);
}

}  // namespace lyapcert::cli
