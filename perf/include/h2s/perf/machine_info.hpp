#pragma once
// What a benchmark ran on, for its report: CPU, kernel, compiler and flags, commit.
#include <string>

namespace h2s::perf {

struct MachineInfo {
  std::string cpu_model;
  unsigned cpus = 0;  // online
  std::string kernel;
  std::string compiler;
  std::string build_flags;
  std::string commit;  // git describe of the source tree ("unknown" outside a checkout)
  std::string date;    // UTC, ISO 8601
  std::string perf_event;  // "available", or why instruction counters are not
};

[[nodiscard]] MachineInfo collect_machine_info();

}  // namespace h2s::perf
