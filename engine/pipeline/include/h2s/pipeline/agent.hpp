#pragma once
// Aeron's shape: a stage is an agent whose do_work() returns the work it did; a runner thread
// drives one or more agents and idles by a strategy when none had work.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace h2s::pipeline {

class Agent {
 public:
  virtual ~Agent() = default;
  // Does a bounded amount of work; returns how much (0 = idle). Never blocks.
  [[nodiscard]] virtual int do_work() noexcept = 0;
  // True once the agent will never have work again (end of a finite input).
  [[nodiscard]] virtual bool done() const noexcept = 0;
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

enum class IdleKind : std::uint8_t { busy_spin, yield, backoff };

[[nodiscard]] IdleKind parse_idle_kind(std::string_view text);  // throws std::invalid_argument

// Busy-spin burns a core for the lowest latency; yield gives it up to other threads; backoff spins,
// then yields, then parks with exponentially growing sleeps up to max_park_ns.
class IdleStrategy {
 public:
  explicit IdleStrategy(IdleKind kind, std::int64_t max_park_ns = 1'000'000) noexcept
      : kind_(kind), max_park_ns_(max_park_ns) {}
  void idle(int work_done) noexcept;
  void reset() noexcept { spins_ = 0; park_ns_ = 0; }

 private:
  IdleKind kind_;
  std::int64_t max_park_ns_;
  std::uint32_t spins_ = 0;
  std::int64_t park_ns_ = 0;
};

// Runs agents on one thread until all are done or stop() is called.
class AgentRunner {
 public:
  AgentRunner(std::string name, std::vector<Agent*> agents, IdleStrategy idle, int cpu = -1);
  ~AgentRunner();
  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;

  void start();
  void stop() noexcept { stop_.store(true, std::memory_order_release); }
  void join();
  // Runs the loop on the calling thread instead of starting one.
  void run_here() noexcept;

 private:
  std::string name_;
  std::vector<Agent*> agents_;
  IdleStrategy idle_;
  int cpu_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace h2s::pipeline
