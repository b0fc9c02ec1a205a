#include "h2s/publish/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace h2s::publish {
namespace {

constexpr char kMagic[8] = {'H', '2', 'S', 'J', 'R', 'N', 'L', '1'};
constexpr std::size_t kSessionBytes = 10;
constexpr std::size_t kBufferBytes = 1 << 16;

std::string padded_session(const std::string& session) {
  if (session.empty() || session.size() > kSessionBytes) {
    throw JournalError("journal session must be 1 to 10 characters, not '" + session + "'");
  }
  return session + std::string(kSessionBytes - session.size(), ' ');
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Journal::Journal(const JournalOptions& options)
    : ring_(options.ring_capacity < 1 ? 1 : options.ring_capacity),
      session_(options.session),
      buffer_(std::make_unique<std::uint8_t[]>(kBufferBytes)) {
  const std::string session = padded_session(options.session);
  if (options.file.empty()) return;
  fd_ = ::open(options.file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open journal " + options.file.string());
  const auto fail = [&](const std::string& why) {
    ::close(fd_);
    fd_ = -1;
    throw JournalError("journal " + options.file.string() + ": " + why);
  };

  // Stream the file once: header, then records of [u16 big-endian length][payload].
  std::uint8_t header[kHeaderBytes];
  std::size_t header_size = 0;
  while (header_size < kHeaderBytes) {
    const ssize_t n = ::read(fd_, header + header_size, kHeaderBytes - header_size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(std::strerror(errno));
    if (n == 0) break;
    header_size += static_cast<std::size_t>(n);
  }
  if (header_size == 0) {  // a new journal
    std::memset(header, 0, sizeof header);
    std::memcpy(header, kMagic, sizeof kMagic);
    std::memcpy(header + sizeof kMagic, session.data(), kSessionBytes);
    if (!write_all(fd_, header, sizeof header)) fail(std::strerror(errno));
    return;
  }
  if (header_size < kHeaderBytes || std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    fail("not an h2s journal (bad header)");
  }
  const std::string file_session(reinterpret_cast<const char*>(header) + sizeof kMagic, kSessionBytes);
  if (file_session != session) {
    fail("belongs to session '" + file_session + "', not '" + session + "': start a new file for a new session");
  }
  std::vector<std::uint8_t> chunk(1 << 16);
  std::vector<std::uint8_t> record;  // a record split across reads
  off_t good_end = static_cast<off_t>(kHeaderBytes);  // end of the last complete record
  off_t file_end = good_end;
  bool garbled = false;
  for (;;) {
    const ssize_t n = ::read(fd_, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(std::strerror(errno));
    if (n == 0) break;
    file_end += n;
    for (ssize_t i = 0; i < n && !garbled; ++i) {
      record.push_back(chunk[static_cast<std::size_t>(i)]);
      if (record.size() < 2) continue;
      const std::size_t length = (static_cast<std::size_t>(record[0]) << 8) | record[1];
      if (length == 0 || length > kMaxPayload) {
        garbled = true;  // nothing after this point can be trusted
        break;
      }
      if (record.size() == 2 + length) {
        remember(next_++, {record.data() + 2, length});
        ++recovered_;
        good_end += static_cast<off_t>(record.size());
        record.clear();
      }
    }
  }
  if (good_end != file_end) {  // a torn or garbled tail: cut it off so appends continue cleanly
    truncated_ = static_cast<std::uint64_t>(file_end - good_end);
    if (::ftruncate(fd_, good_end) != 0) fail(std::strerror(errno));
  }
  if (::lseek(fd_, 0, SEEK_END) < 0) fail(std::strerror(errno));
}

Journal::~Journal() {
  if (fd_ >= 0) {
    (void)flush();
    ::close(fd_);
  }
}

void Journal::remember(std::uint64_t sequence, std::span<const std::uint8_t> payload) noexcept {
  Slot& slot = ring_[sequence % ring_.size()];
  slot.sequence = sequence;
  slot.length = static_cast<std::uint16_t>(payload.size());
  std::memcpy(slot.bytes, payload.data(), payload.size());
}

std::uint64_t Journal::append(std::span<const std::uint8_t> payload) noexcept {
  if (payload.empty() || payload.size() > kMaxPayload) return 0;
  const std::uint64_t sequence = next_++;
  remember(sequence, payload);
  if (fd_ >= 0 && errno_ == 0) {
    if (buffered_ + 2 + payload.size() > kBufferBytes && !flush()) return sequence;
    buffer_[buffered_++] = static_cast<std::uint8_t>(payload.size() >> 8);
    buffer_[buffered_++] = static_cast<std::uint8_t>(payload.size() & 0xFF);
    std::memcpy(buffer_.get() + buffered_, payload.data(), payload.size());
    buffered_ += payload.size();
  }
  return sequence;
}

bool Journal::flush() noexcept {
  if (fd_ < 0) return true;
  if (errno_ != 0) return false;
  if (buffered_ == 0) return true;
  // Whole records only: on failure the file is cut back to its last complete record.
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (!write_all(fd_, buffer_.get(), buffered_)) {
    errno_ = errno;
    if (before >= 0) (void)::ftruncate(fd_, before);
    return false;
  }
  buffered_ = 0;
  return true;
}

std::uint64_t Journal::first_retained() const noexcept {
  return next_ > ring_.size() ? next_ - ring_.size() : 1;
}

std::size_t Journal::read(std::uint64_t sequence, std::uint8_t* out) const noexcept {
  if (sequence == 0 || sequence >= next_ || sequence < first_retained()) return 0;
  const Slot& slot = ring_[sequence % ring_.size()];
  if (slot.sequence != sequence) return 0;
  std::memcpy(out, slot.bytes, slot.length);
  return slot.length;
}

}  // namespace h2s::publish
