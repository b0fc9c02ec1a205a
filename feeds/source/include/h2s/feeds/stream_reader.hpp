#pragma once
// One byte stream (a TCP connection, a file) read into a padded buffer and split into NDJSON
// lines for a MessageSink. Allocates its read buffer once, at construction (or shares one).
#include <cstdint>
#include <memory>

#include "h2s/feeds/line_framer.hpp"
#include "h2s/feeds/source.hpp"

namespace h2s::feeds {

class StreamReader {
 public:
  StreamReader(std::size_t max_message_bytes, std::size_t read_bytes = 64 * 1024);
  // Reads into `shared` (read_bytes + kLinePadding bytes, padding set, owned by the caller), which
  // many readers on one thread may share: a line split across reads is kept in this reader's own
  // (on-demand) carry, so a connection costs kilobytes, not a read buffer.
  StreamReader(std::size_t max_message_bytes, char* shared, std::size_t read_bytes);

  // Where the next read goes, and how much it may take.
  [[nodiscard]] char* buffer() noexcept { return buffer_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return read_bytes_; }
  // Frames the `n` bytes just read into buffer(), delivering each complete line.
  void on_read(std::size_t n, std::int64_t recv_us, MessageSink& sink, FeedCounters& counters) noexcept;
  // End of the stream: an unterminated last line is still delivered (the decoder judges it).
  void on_end(std::int64_t recv_us, MessageSink& sink, FeedCounters& counters) noexcept;
  // Ready for a new stream (a reconnect), keeping the buffers.
  void reset() noexcept { framer_.reset(); }

 private:
  std::size_t read_bytes_;
  std::unique_ptr<char[]> owned_;  // empty when the buffer is shared
  char* buffer_;
  LineFramer framer_;
};

}  // namespace h2s::feeds
