#include "child_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace h2s::perf {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
                           const std::vector<std::string>& environment, int reserved_cpu) {
  std::vector<std::string> args = argv, env(environment);
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  std::vector<char*> arg_pointers, env_pointers;
  for (std::string& a : args) arg_pointers.push_back(a.data());
  for (std::string& e : env) env_pointers.push_back(e.data());
  arg_pointers.push_back(nullptr);
  env_pointers.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The bench thread is pinned; the child should not inherit that (it pins what it wants itself).
  cpu_set_t pinned, child;
  const bool have_mask = sched_getaffinity(0, sizeof pinned, &pinned) == 0;
  CPU_ZERO(&child);
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  for (int cpu = 0; cpu < cpus && cpu < CPU_SETSIZE; ++cpu) {
    if (cpu != reserved_cpu || cpus == 1) CPU_SET(cpu, &child);
  }
  (void)sched_setaffinity(0, sizeof child, &child);
  const int rc = ::posix_spawnp(&pid_, args[0].c_str(), &actions, nullptr, arg_pointers.data(), env_pointers.data());
  if (have_mask) (void)sched_setaffinity(0, sizeof pinned, &pinned);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }
}

ChildProcess::~ChildProcess() { (void)stop(std::chrono::milliseconds(0)); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  pid_ = -1;
  return false;
}

int ChildProcess::wait(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return status_ = -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  return wait(grace);
}

}  // namespace h2s::perf
