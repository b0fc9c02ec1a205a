#include "h2s/pipeline/agent.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <stdexcept>

namespace h2s::pipeline {

IdleKind parse_idle_kind(std::string_view text) {
  if (text == "busy-spin" || text == "busy_spin") return IdleKind::busy_spin;
  if (text == "yield") return IdleKind::yield;
  if (text == "backoff") return IdleKind::backoff;
  throw std::invalid_argument("idle strategy must be busy-spin, yield or backoff, not '" + std::string(text) + "'");
}

void IdleStrategy::idle(int work_done) noexcept {
  if (work_done > 0) {
    reset();
    return;
  }
  switch (kind_) {
    case IdleKind::busy_spin:
      __builtin_ia32_pause();
      return;
    case IdleKind::yield:
      sched_yield();
      return;
    case IdleKind::backoff:
      if (spins_ < 100) {
        ++spins_;
        __builtin_ia32_pause();
      } else if (spins_ < 110) {
        ++spins_;
        sched_yield();
      } else {
        park_ns_ = park_ns_ == 0 ? 1000 : (park_ns_ * 2 < max_park_ns_ ? park_ns_ * 2 : max_park_ns_);
        const timespec ts{0, static_cast<long>(park_ns_)};
        nanosleep(&ts, nullptr);
      }
      return;
  }
}

AgentRunner::AgentRunner(std::string name, std::vector<Agent*> agents, IdleStrategy idle, int cpu)
    : name_(std::move(name)), agents_(std::move(agents)), idle_(idle), cpu_(cpu) {}

AgentRunner::~AgentRunner() {
  stop();
  join();
}

void AgentRunner::start() {
  thread_ = std::thread([this] { run_here(); });
  pthread_setname_np(thread_.native_handle(), name_.substr(0, 15).c_str());
  if (cpu_ >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu_, &set);
    if (pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set) != 0) {
      throw std::runtime_error("cannot pin thread '" + name_ + "' to CPU " + std::to_string(cpu_));
    }
  }
}

void AgentRunner::join() {
  if (thread_.joinable()) thread_.join();
}

void AgentRunner::run_here() noexcept {
  while (!stop_.load(std::memory_order_acquire)) {
    int work = 0;
    bool all_done = true;
    for (Agent* agent : agents_) {
      work += agent->do_work();
      all_done = all_done && agent->done();
    }
    if (all_done) return;
    idle_.idle(work);
  }
}

}  // namespace h2s::pipeline
