#pragma once
// Retired user-space instructions of this thread, from perf_event_open, where the kernel and the
// machine (many VMs do not expose PMU counters) allow it.
#include <cstdint>
#include <string>

namespace h2s::perf {

class InstructionCounter {
 public:
  InstructionCounter();
  ~InstructionCounter();
  InstructionCounter(const InstructionCounter&) = delete;
  InstructionCounter& operator=(const InstructionCounter&) = delete;

  [[nodiscard]] bool available() const noexcept { return fd_ >= 0; }
  [[nodiscard]] const std::string& why_unavailable() const noexcept { return why_; }
  void start() noexcept;
  // Stops and resumes counting without losing the count (for work inside a loop that is not measured).
  void pause() noexcept;
  void resume() noexcept;
  // Instructions since start(); 0 when unavailable.
  [[nodiscard]] std::uint64_t stop() noexcept;

 private:
  int fd_ = -1;
  std::string why_;
};

}  // namespace h2s::perf
