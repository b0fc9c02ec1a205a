#include "h2s/feeds/recording_sink.hpp"

#include "h2s/model/write_all.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

namespace h2s::feeds {
namespace {
constexpr std::size_t kBufferBytes = 1 << 20;
constexpr std::size_t kEnvelopeBytes = 64;  // {"h2s_recv_us":-9223372036854775808 and "}\n"
}  // namespace

RecordingSink::RecordingSink(const std::filesystem::path& file, std::string feed, std::size_t max_message_bytes,
                             MessageSink& next)
    : next_(next), capacity_(kBufferBytes + max_message_bytes) {
  std::string escaped;
  for (const char c : feed) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  prefix_ = ",\"feed\":\"" + escaped + "\",\"msg\":";
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open recording " + file.string());
  buffer_ = std::make_unique<char[]>(capacity_ + prefix_.size() + kEnvelopeBytes);
}

RecordingSink::~RecordingSink() {
  (void)flush();
  if (fd_ >= 0) ::close(fd_);
}

void RecordingSink::on_message(std::string_view message, std::int64_t recv_us) noexcept {
  constexpr std::string_view kOpen = "{\"h2s_recv_us\":";
  if (errno_ == 0 && (used_ + message.size() <= capacity_ || flush())) {
    char* out = buffer_.get() + used_;
    if (message.substr(0, kOpen.size()) == kOpen) {  // already a recording (a relayed one): kept as it is
      std::memcpy(out, message.data(), message.size());
      out[message.size()] = '\n';
      used_ += message.size() + 1;
      ++buffered_;
      next_.on_message(message, recv_us);
      return;
    }
    std::memcpy(out, kOpen.data(), kOpen.size());
    out += kOpen.size();
    out = std::to_chars(out, out + 24, recv_us).ptr;
    std::memcpy(out, prefix_.data(), prefix_.size());
    out += prefix_.size();
    std::memcpy(out, message.data(), message.size());
    out += message.size();
    *out++ = '}';
    *out++ = '\n';
    used_ = static_cast<std::size_t>(out - buffer_.get());
    ++buffered_;
  } else {
    not_recorded_.add();
  }
  next_.on_message(message, recv_us);
}

void RecordingSink::on_oversized() noexcept {
  not_recorded_.add();  // the message was dropped before it was whole: nothing to record
  next_.on_oversized();
}

bool RecordingSink::flush() noexcept {
  if (errno_ == 0 && used_ > 0) errno_ = write_all(fd_, buffer_.get(), used_);
  // Counted once their fate is known: written, or lost with the file (a full disk, say).
  if (errno_ == 0) {
    recorded_.add(buffered_);
  } else {
    not_recorded_.add(buffered_);
  }
  buffered_ = 0;
  used_ = 0;
  return errno_ == 0;
}

}  // namespace h2s::feeds
