#include "h2s/pipeline/rule_swap.hpp"

#include <thread>

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
  rules::Matcher* next = nullptr;
  if (inbound_.peek() == nullptr) return false;
  // Only swap when the old matcher has somewhere to go (never freed on this thread).
  if (retired_.size_approx() >= kDepth + 1) return false;
  if (!inbound_.try_dequeue(next)) return false;
  (void)retired_.try_enqueue(current.release());  // capacity kDepth + 1 > offers in flight: never fails
  current.reset(next);
  swaps_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::optional<std::string> RuleReloader::reload() {
  std::unique_ptr<rules::Matcher> next;
  try {
    next = std::make_unique<rules::Matcher>(rules::CompiledPack::load(pack_, options_));
  } catch (const std::exception& e) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    return std::string(e.what());
  }
  // The processor takes offers between lines; wait (bounded) while earlier offers are queued.
  for (int attempt = 0; !swap_.offer(next); ++attempt) {
    if (attempt == 2000) {
      failed_.fetch_add(1, std::memory_order_relaxed);
      return std::string("processor did not take the previous rule packs within 2 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  succeeded_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

}  // namespace h2s::pipeline
