#include "h2s/perf/instruction_counter.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace h2s::perf {

InstructionCounter::InstructionCounter() {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_HARDWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_HW_INSTRUCTIONS;
  attr.disabled = 0;  // counts from here on: readers take differences
  attr.exclude_kernel = 1;  // allowed at perf_event_paranoid 2, and the hot path is user code
  attr.exclude_hv = 1;
  fd_ = static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
  if (fd_ < 0) {
    why_ = std::string("perf_event_open: ") + std::strerror(errno) +
           (errno == ENOENT || errno == EOPNOTSUPP ? " (no hardware counters: a VM without a virtual PMU?)" : "");
  }
}

InstructionCounter::~InstructionCounter() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t InstructionCounter::read() const noexcept {
  std::uint64_t count = 0;
  return fd_ >= 0 && ::read(fd_, &count, sizeof count) == static_cast<ssize_t>(sizeof count) ? count : 0;
}

}  // namespace h2s::perf
