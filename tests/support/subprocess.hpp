#pragma once
// Runs a command with stdout/stderr captured to files, with a hard deadline.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_paths.hpp"

extern char** environ;

namespace h2s::test {

struct ProcessResult {
  int exit_code = -1;  // -1: killed at the deadline
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The sample feed's non-blank lines, each with its newline.
inline std::vector<std::string> sample_lines() {
  std::stringstream in(read_file(sample_feed()));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line + "\n");
  }
  return lines;
}

// A child process with stdout/stderr captured to files; killed if still running when destroyed.
class Process {
 public:
  // With `piped_stdin`, the test writes the child's standard input with write_stdin().
  explicit Process(const std::vector<std::string>& argv, bool piped_stdin = false) {
    out_path_ = (dir_.path() / "out").string();
    err_path_ = (dir_.path() / "err").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    if (piped_stdin) {
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
      stdin_fd_ = pipe_fds[1];
    } else {
      posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    if (rc != 0) throw std::runtime_error("cannot spawn " + argv[0]);
  }

  void write_stdin(const std::string& text) const {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
      if (n <= 0) throw std::runtime_error("write to child failed");
      done += static_cast<std::size_t>(n);
    }
  }
  void close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  ~Process() {
    close_stdin();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void signal(int sig) const { kill(pid_, sig); }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // Resident set size in KiB (VmRSS), 0 when it cannot be read.
  [[nodiscard]] std::size_t rss_kib() const {
    const std::string status = read_file("/proc/" + std::to_string(pid_) + "/status");
    const auto at = status.find("VmRSS:");
    return at == std::string::npos ? 0 : std::stoul(status.substr(at + 6));
  }
  [[nodiscard]] std::string err_so_far() const { return read_file(err_path_); }
  [[nodiscard]] std::string out_so_far() const { return read_file(out_path_); }

  // Waits (bounded) until the child's stderr holds `text`.
  bool wait_for_err(const std::string& text, std::chrono::seconds limit = std::chrono::seconds(30)) const {
    return wait_for(err_path_, text, limit);
  }
  // Waits (bounded) until the child's stdout holds `text`.
  bool wait_for_out(const std::string& text, std::chrono::seconds limit = std::chrono::seconds(30)) const {
    return wait_for(out_path_, text, limit);
  }
  // Waits (bounded) for "<prefix><digits>" followed by another character on stderr; 0 on timeout.
  std::uint16_t announced_port(const std::string& prefix, std::chrono::seconds limit = std::chrono::seconds(30)) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    do {
      const std::string err = err_so_far();
      const auto at = err.find(prefix);
      if (at != std::string::npos) {
        std::size_t end = at + prefix.size();
        while (end < err.size() && err[end] >= '0' && err[end] <= '9') ++end;
        if (end < err.size() && end > at + prefix.size()) {
          return static_cast<std::uint16_t>(std::stoi(err.substr(at + prefix.size(), end - at - prefix.size())));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < until);
    return 0;
  }

  // Waits up to `deadline`; a process still running then is killed (exit_code -1). Its standard
  // input is closed first (end of input), unless `close_input` is false: a test that ended the
  // child another way (a signal) must not race it with an end of input too.
  ProcessResult wait(std::chrono::seconds deadline = std::chrono::seconds(60), bool close_input = true) {
    if (close_input) close_stdin();
    ProcessResult result;
    const auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    for (;;) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > until) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    close_stdin();
    result.out = read_file(out_path_);
    result.err = read_file(err_path_);
    return result;
  }

 private:
  static bool wait_for(const std::string& path, const std::string& text, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (read_file(path).find(text) == std::string::npos && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return read_file(path).find(text) != std::string::npos;
  }

  TempDir dir_;
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
};

inline ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::seconds deadline = std::chrono::seconds(60)) {
  Process process(argv);
  return process.wait(deadline);
}

}  // namespace h2s::test
