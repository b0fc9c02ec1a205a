#include "h2s/pipeline/background_reloader.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace h2s::pipeline {

struct BackgroundReloader::State {
  std::filesystem::path pack;
  rules::CompileOptions options;
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable finished;
  RuleSwap* swap = nullptr;  // null once abandoned: nothing is offered after that
  bool requested = false;
  bool compiling = false;
  std::deque<Result> results;
  std::atomic<std::uint64_t> succeeded{0};
  std::atomic<std::uint64_t> failed{0};

  void finish(Result result) {
    (result.swapped ? succeeded : failed).fetch_add(1, std::memory_order_relaxed);
    results.push_back(std::move(result));
    compiling = false;
    finished.notify_all();
  }

  // The worker: compiles off every other thread, offers under the lock (so never after abandonment).
  static void run(const std::shared_ptr<State>& self) {
    std::unique_lock lock(self->mutex);
    for (;;) {
      self->wake.wait(lock, [&] { return self->requested || self->swap == nullptr; });
      if (self->swap == nullptr) return;
      self->requested = false;
      self->compiling = true;
      const std::filesystem::path pack = self->pack;
      lock.unlock();
      std::unique_ptr<rules::Matcher> next;
      Result result;
      try {
        next = std::make_unique<rules::Matcher>(rules::CompiledPack::load(pack, self->options));
      } catch (const std::exception& e) {
        result.error = e.what();
      }
      lock.lock();
      if (self->swap == nullptr) return;  // abandoned while compiling
      if (next) {
        // The processor takes offers between lines; wait (bounded) while earlier offers are queued.
        for (int attempt = 0; self->swap != nullptr && !self->swap->offer(next); ++attempt) {
          if (attempt == 2000) break;
          lock.unlock();
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          lock.lock();
        }
        if (self->swap == nullptr) return;
        result.swapped = next == nullptr;
        if (!result.swapped) result.error = "the processor did not take the previous rule packs within 2 s";
      }
      self->finish(std::move(result));
    }
  }
};

BackgroundReloader::BackgroundReloader(std::filesystem::path pack, rules::CompileOptions options, RuleSwap& swap)
    : state_(std::make_shared<State>()) {
  state_->pack = std::move(pack);
  state_->options = std::move(options);
  state_->swap = &swap;
  std::thread([state = state_] { State::run(state); }).detach();  // holds the state; ends when abandoned
}

BackgroundReloader::~BackgroundReloader() {
  const std::lock_guard lock(state_->mutex);
  state_->swap = nullptr;
  state_->wake.notify_one();
}

void BackgroundReloader::request() {
  const std::lock_guard lock(state_->mutex);
  state_->requested = true;
  state_->wake.notify_one();
}

void BackgroundReloader::set_pack(std::filesystem::path pack) {
  const std::lock_guard lock(state_->mutex);
  state_->pack = std::move(pack);
}

std::optional<BackgroundReloader::Result> BackgroundReloader::take_result() { return wait_result(std::chrono::milliseconds(0)); }

std::optional<BackgroundReloader::Result> BackgroundReloader::wait_result(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  if (!state_->finished.wait_for(lock, timeout, [&] { return !state_->results.empty(); })) return std::nullopt;
  Result result = std::move(state_->results.front());
  state_->results.pop_front();
  return result;
}

bool BackgroundReloader::busy() const {
  const std::lock_guard lock(state_->mutex);
  return state_->requested || state_->compiling;
}

std::uint64_t BackgroundReloader::succeeded() const noexcept { return state_->succeeded.load(std::memory_order_relaxed); }
std::uint64_t BackgroundReloader::failed() const noexcept { return state_->failed.load(std::memory_order_relaxed); }

}  // namespace h2s::pipeline
