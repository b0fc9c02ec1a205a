#pragma once
// Record mode: every message a feed delivers is also appended to a file as an h2s recording line
// {"h2s_recv_us":N,"feed":"NAME","msg":<the message as received>}, which `h2s replay` (or a file
// feed) reads back with the original receive times. Buffered: written when the buffer fills or
// on flush(), never one write per message.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "h2s/feeds/source.hpp"

namespace h2s::feeds {

class RecordingSink final : public MessageSink {
 public:
  // Opens (appends to) the file; throws std::system_error when it cannot.
  RecordingSink(const std::filesystem::path& file, std::string feed, std::size_t max_message_bytes, MessageSink& next);
  ~RecordingSink() override;
  RecordingSink(const RecordingSink&) = delete;
  RecordingSink& operator=(const RecordingSink&) = delete;

  void on_message(std::string_view message, std::int64_t recv_us) noexcept override;
  void on_oversized() noexcept override;
  // Writes what is buffered; false once the file has failed (recording stops, the feed goes on).
  bool flush() noexcept;

  [[nodiscard]] std::uint64_t recorded() const noexcept { return recorded_.get(); }  // written to the file
  [[nodiscard]] std::uint64_t not_recorded() const noexcept { return not_recorded_.get(); }  // oversized, or after a failure
  [[nodiscard]] int error() const noexcept { return errno_; }

 private:
  MessageSink& next_;
  std::string prefix_;  // ,"feed":"NAME","msg":
  int fd_ = -1;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::uint64_t buffered_ = 0;  // messages in buffer_, not yet written
  int errno_ = 0;
  Counter recorded_;
  Counter not_recorded_;
};

}  // namespace h2s::feeds
