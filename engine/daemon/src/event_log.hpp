#pragma once
// The daemon's structured log (logfmt or JSON lines). Only the main thread writes it: the hot
// path never logs, it counts; every interval the log compares the watched counters with what it
// last saw and writes one line per counter that moved (how much, and the total). So a burst of a
// million rejections is one line a second, never a million, and never a write on the hot path.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "h2s/daemon/daemon_config.hpp"

namespace h2s::daemon {

enum class LogLevel : std::uint8_t { info, warn, error };

class EventLog {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  EventLog(std::FILE* out, LogFormat format) : out_(out), format_(format) {}

  // One line now: ts, level, event, then the fields in order.
  void write(LogLevel level, std::string_view event, const Fields& fields = {});
  // Logs `event` with `fields`, count (the increase) and total whenever `value` has grown.
  void watch(LogLevel level, std::string event, Fields fields, std::function<std::uint64_t()> value);
  // Compares every watched counter with its last value (the main thread, every interval).
  void check();

 private:
  struct Watch {
    LogLevel level;
    std::string event;
    Fields fields;
    std::function<std::uint64_t()> value;
    std::uint64_t last = 0;
  };
  std::FILE* out_;
  LogFormat format_;
  std::vector<Watch> watches_;
};

}  // namespace h2s::daemon
