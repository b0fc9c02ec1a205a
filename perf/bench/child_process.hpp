#pragma once
// A child process started from an argv (no shell, so no quoting), its stdout and stderr in a log
// file, on every CPU but `reserved_cpu` (not only the bench's pinned one); killed if still running
// when destroyed.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace h2s::perf {

class ChildProcess {
 public:
  // `environment`: NAME=VALUE entries added to this process's environment. Throws when it cannot start.
  // `reserved_cpu` >= 0: kept for a thread the child pins there itself (the daemon's pipeline),
  // so that none of its other threads lands on it.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const std::vector<std::string>& environment = {}, int reserved_cpu = -1);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool running();
  // Waits for the exit status at most `limit`; then kills it and returns -1.
  int wait(std::chrono::milliseconds limit);
  // SIGTERM, then SIGKILL after `grace`; the exit status (-1: killed or signalled).
  int stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace h2s::perf
