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
  // Instructions counted so far (a read() system call); 0 when unavailable. Counting runs from
  // construction: callers take differences.
  [[nodiscard]] std::uint64_t read() const noexcept;

 private:
  int fd_ = -1;
  std::string why_;
};

}  // namespace h2s::perf
