#include "output.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "lyapcert/exact/error.hpp"
#include "lyapcert/version.hpp"

namespace lyapcert::cli {

nlohmann::ordered_json common_fields(const std::string& command) {
  nlohmann::ordered_json j;
  j["schema"] = 1;
  j["lyapcert_version"] = kVersion;
  j["command"] = command;
  return j;
}

nlohmann::ordered_json certified_json(const lyap::CertifiedValue& v, int digits, lyap::DecimalEnclosure* printed) {
  const lyap::DecimalEnclosure d = lyap::to_decimal(v, digits);
  if (printed) *printed = d;
  nlohmann::ordered_json j;
  j["lower"] = d.lower;
  j["upper"] = d.upper;
  j["sign"] = lyap::to_string(v.sign);
  return j;
}

void put_law(nlohmann::ordered_json& j, const std::string& canonical_law) {
  constexpr std::size_t kMax = 64 * 1024;
  if (canonical_law.size() <= kMax) {
    j["law"] = canonical_law;
  } else {
    j["law"] = canonical_law.substr(0, kMax) + "...";
    j["law_truncated"] = true;
  }
}

std::string read_law_argument(const std::string& arg) {
  if (arg.empty() || arg[0] != '@') return arg;
  const std::string path = arg.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("cannot read law file '{}'", path));
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > (64u << 20)) throw InputError(fmt::format("law file '{}' exceeds 64 MiB", path));
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  return text;
}

}  // namespace lyapcert::cli
