// libFuzzer: an `h2s run` configuration file through the loader. Bad files must be refused with
// a ConfigError (file:line messages), never a crash.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "h2s/daemon/daemon_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("h2s-fuzz-config-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    h2s::daemon::ConfigLoadOptions options;
    options.check_environment = false;  // the reader under test, not this machine's ports and DNS
    (void)h2s::daemon::load_daemon_config(file, "rules/default", options);
  } catch (const h2s::daemon::ConfigError&) {
  }
  return 0;
}
