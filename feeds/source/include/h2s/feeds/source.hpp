#pragma once
// A live feed source: polled by the thread that runs it, never blocking, handing each complete
// message (with its receive time) to a sink. TCP and UDP sources reconnect or rebind on their own.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "h2s/model/counter.hpp"

namespace h2s::feeds {

// Where sources deliver messages: the processor. Each message is followed by kLinePadding
// readable bytes and is valid only during the call.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void on_message(std::string_view message, std::int64_t recv_us) noexcept = 0;
  // A message over the size limit was dropped: still one message, rejected as oversized.
  virtual void on_oversized() noexcept = 0;
};

struct FeedCounters {
  Counter bytes;
  Counter messages;        // handed to the sink (oversized ones included)
  Counter connects;        // tcp_client: connections made; tcp_server: accepted
  Counter disconnects;
  Counter idle_closed;     // tcp_server: senders closed for silence (idle_timeout_ms); also disconnects
  Counter errors;          // connect/read failures, refused connections, truncated datagrams
  Counter connected;       // current connections (gauge)
  Counter kernel_timestamps;  // udp: datagrams stamped by the kernel (SO_TIMESTAMPNS)
};

class Source {
 public:
  virtual ~Source() = default;
  // Reads what is ready (bounded); returns the work done, 0 when idle. Never blocks.
  [[nodiscard]] virtual int poll() noexcept = 0;
  // True once the source will never deliver again (a file at its end).
  [[nodiscard]] virtual bool finished() const noexcept { return false; }
  // Stops reading and closes sockets; what is buffered is delivered first.
  virtual void close() noexcept = 0;
  // The bound port of a listening source (0 otherwise).
  [[nodiscard]] virtual std::uint16_t local_port() const noexcept { return 0; }
  [[nodiscard]] const FeedCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 protected:
  explicit Source(std::string name) : name_(std::move(name)) {}
  FeedCounters counters_;

 private:
  std::string name_;
};

}  // namespace h2s::feeds
