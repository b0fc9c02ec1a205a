#pragma once
// An io_context running on its own thread, for testing components that live on one: the test
// hands work to that thread and waits for it, every wait bounded.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

namespace h2s::test {

class IoThread {
 public:
  IoThread() : thread_([this] { io_.run(); }) {}
  ~IoThread() { stop(); }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Runs f on the io thread and waits up to `limit`. The promise is shared, so a completion that
  // comes after a timeout never touches a dead one.
  template <class F>
  bool run_for(F f, std::chrono::seconds limit) {
    auto done = std::make_shared<std::promise<void>>();
    auto ready = done->get_future();
    boost::asio::post(io_, [f, done] {
      f();
      done->set_value();
    });
    return ready.wait_for(limit) == std::future_status::ready;
  }
  template <class F>
  void run(F f) {
    REQUIRE(run_for(f, std::chrono::seconds(10)));
  }
  void stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    io_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::thread thread_;
};

}  // namespace h2s::test
