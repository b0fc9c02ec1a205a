#include "h2s/perf/machine_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "h2s/perf/instruction_counter.hpp"

namespace h2s::perf {
namespace {

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    std::array<char, 256> buffer;
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out += buffer.data();
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

MachineInfo collect_machine_info() {
  MachineInfo info;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      info.cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  }
  info.cpus = static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN));
  utsname u{};
  if (::uname(&u) == 0) info.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  info.compiler = H2S_COMPILER;
  info.build_flags = H2S_BUILD_FLAGS;
  info.commit = command_output("git -C '" H2S_SOURCE_DIR "' describe --always --dirty 2>/dev/null");
  if (info.commit.empty()) info.commit = "unknown";
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  info.date = date;
  InstructionCounter probe;
  info.perf_event = probe.available() ? "available" : probe.why_unavailable();
  return info;
}

}  // namespace h2s::perf
