// libFuzzer: a rule-pack file through the loader (TOML, schema, references) and, when it loads,
// the Hyperscan compiler. Bad packs must be refused with a RulePackError, never a crash.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "h2s/rules/compiled_pack.hpp"
#include "h2s/rules/rule_pack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("h2s-fuzz-pack-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    auto pack = h2s::rules::load_rule_pack(file);
    (void)h2s::rules::CompiledPack::compile(std::move(pack));
  } catch (const h2s::rules::RulePackError&) {
  }
  return 0;
}
