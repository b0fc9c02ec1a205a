#pragma once
// Rule reloads compiled on their own thread, so the thread that takes signals never waits for a
// compile (a large pack takes seconds): SIGTERM is honoured while a reload compiles. Requests
// made while a compile runs coalesce into one more compile. A compile still running when this
// is destroyed is abandoned: its thread is detached and its result dropped, never offered.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "h2s/pipeline/rule_swap.hpp"
#include "h2s/rules/compiled_pack.hpp"

namespace h2s::pipeline {

class BackgroundReloader {
 public:
  struct Result {
    bool swapped = false;  // offered to the processor; false: refused, `error` says why
    std::string error;
  };

  BackgroundReloader(std::filesystem::path pack, rules::CompileOptions options, RuleSwap& swap);
  ~BackgroundReloader();
  BackgroundReloader(const BackgroundReloader&) = delete;
  BackgroundReloader& operator=(const BackgroundReloader&) = delete;

  // Asks for a reload and returns at once.
  void request();
  // The pack the next requested compile loads.
  void set_pack(std::filesystem::path pack);
  // The oldest finished reload not yet taken, for the caller to log.
  [[nodiscard]] std::optional<Result> take_result();
  // The same, waiting up to `timeout` for one to finish.
  [[nodiscard]] std::optional<Result> wait_result(std::chrono::milliseconds timeout);
  // A compile is running or requested.
  [[nodiscard]] bool busy() const;

  [[nodiscard]] std::uint64_t succeeded() const noexcept;
  [[nodiscard]] std::uint64_t failed() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the worker thread, which may outlive this object
};

}  // namespace h2s::pipeline
