#include "h2s/pipeline/rule_swap.hpp"

namespace h2s::pipeline {

RuleSwap::~RuleSwap() {
  collect();
  rules::Matcher* pending = nullptr;
  while (inbound_.try_dequeue(pending)) delete pending;
}

void RuleSwap::collect() {
  rules::Matcher* old = nullptr;
  while (retired_.try_dequeue(old)) delete old;
}

bool RuleSwap::offer(std::unique_ptr<rules::Matcher>& next) {
  collect();
  if (!inbound_.try_enqueue(next.get())) return false;
  (void)next.release();
  return true;
}

bool RuleSwap::take(std::unique_ptr<rules::Matcher>& current) noexcept {
  // Only the newest offer goes live; older ones queued behind it are retired unused. Every
  // matcher leaves through the retired queue (never freed on this thread), whose capacity
  // exceeds the offers that can be in flight.
  bool swapped = false;
  rules::Matcher* next = nullptr;
  while (inbound_.try_dequeue(next)) {
    if (!retired_.try_enqueue(current.release())) {  // cannot happen; keep serving rather than leak
      current.reset(next);
      break;
    }
    current.reset(next);
    swapped = true;
  }
  if (swapped) swaps_.fetch_add(1, std::memory_order_relaxed);
  return swapped;
}

}  // namespace h2s::pipeline
