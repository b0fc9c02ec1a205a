#include "h2s/feeds/stream_reader.hpp"

#include <cstring>

#include "h2s/feeds/decoder.hpp"

namespace h2s::feeds {

StreamReader::StreamReader(std::size_t max_message_bytes, std::size_t read_bytes)
    : read_bytes_(read_bytes), owned_(std::make_unique<char[]>(read_bytes + kLinePadding)), buffer_(owned_.get()),
      framer_(max_message_bytes) {
  std::memset(buffer_ + read_bytes_, ' ', kLinePadding);
}

StreamReader::StreamReader(std::size_t max_message_bytes, char* shared, std::size_t read_bytes)
    : read_bytes_(read_bytes), buffer_(shared), framer_(max_message_bytes) {}

void StreamReader::on_read(std::size_t n, std::int64_t recv_us, MessageSink& sink, FeedCounters& counters) noexcept {
  counters.bytes.add(n);
  framer_.feed(
      {buffer_, n},
      [&](std::string_view line) {
        counters.messages.add();
        sink.on_message(line, recv_us);
      },
      [&] {
        counters.messages.add();
        sink.on_oversized();
      });
}

void StreamReader::on_end(std::int64_t recv_us, MessageSink& sink, FeedCounters& counters) noexcept {
  framer_.finish([&](std::string_view line) {
    counters.messages.add();
    sink.on_message(line, recv_us);
  });
}

}  // namespace h2s::feeds
