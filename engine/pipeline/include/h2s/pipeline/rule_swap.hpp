#pragma once
// Live rule reload. A reloader (background_reloader.hpp) compiles a pack off the hot path into a
// ready Matcher (database plus scratch) and offers it through a lock-free SPSC mailbox; the
// processor takes it between lines, so no message is ever scanned by a half-swapped state, and
// hands the old matcher back to be freed off the hot path.
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "h2s/rules/matcher.hpp"

namespace h2s::pipeline {

class RuleSwap {
 public:
  static constexpr std::size_t kDepth = 4;

  RuleSwap() : inbound_(kDepth), retired_(kDepth + 1) {}
  ~RuleSwap();
  RuleSwap(const RuleSwap&) = delete;
  RuleSwap& operator=(const RuleSwap&) = delete;

  // Reloader side. Frees matchers the processor retired, then offers `next`; false (and `next`
  // is kept by the caller) when kDepth offers are still waiting to be taken.
  [[nodiscard]] bool offer(std::unique_ptr<rules::Matcher>& next);
  // Reloader side: frees retired matchers now.
  void collect();

  // Processor side, between lines: swaps in the newest offered matcher (older offers are retired
  // unused). No allocation, no lock.
  bool take(std::unique_ptr<rules::Matcher>& current) noexcept;

  [[nodiscard]] std::uint64_t swaps() const noexcept { return swaps_.load(std::memory_order_relaxed); }

 private:
  moodycamel::ReaderWriterQueue<rules::Matcher*> inbound_;  // reloader -> processor
  moodycamel::ReaderWriterQueue<rules::Matcher*> retired_;  // processor -> reloader
  std::atomic<std::uint64_t> swaps_{0};
};

}  // namespace h2s::pipeline
