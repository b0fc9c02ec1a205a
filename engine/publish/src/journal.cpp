#include "h2s/publish/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <system_error>

namespace h2s::publish {
namespace {

// Format 2: a 32-byte header (magic, session, reserved, CRC32C of the first 28 bytes), then
// records of [u16 big-endian length][u32 big-endian CRC32C of length and payload][payload].
constexpr char kMagic[8] = {'H', '2', 'S', 'J', 'R', 'N', 'L', '2'};
constexpr char kFirstFormatMagic[8] = {'H', '2', 'S', 'J', 'R', 'N', 'L', '1'};
constexpr std::size_t kSessionBytes = 10;
constexpr std::size_t kHeaderCrcOffset = 28;
constexpr std::size_t kBufferBytes = 1 << 16;

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

std::uint32_t crc32c(const std::uint8_t* data, std::size_t size) noexcept {
  Crc32c crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

// The checksum of a record: its length field and its payload.
std::uint32_t record_crc(const std::uint8_t* length_field, const std::uint8_t* payload, std::size_t size) noexcept {
  Crc32c crc;
  crc.process_bytes(length_field, 2);
  crc.process_bytes(payload, size);
  return crc.checksum();
}

void put_u32(std::uint8_t* out, std::uint32_t v) noexcept {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get_u32(const std::uint8_t* in) noexcept {
  return (static_cast<std::uint32_t>(in[0]) << 24) | (static_cast<std::uint32_t>(in[1]) << 16) |
         (static_cast<std::uint32_t>(in[2]) << 8) | in[3];
}

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

// Reads a file through a window, so records can be checked without a syscall each.
class WindowReader {
 public:
  WindowReader(int fd, off_t size) : fd_(fd), size_(size), window_(std::make_unique<std::uint8_t[]>(kWindow)) {}

  // n bytes at `offset`, or nullptr when fewer than n remain in the file.
  const std::uint8_t* at(off_t offset, std::size_t n) {
    if (offset < 0 || offset + static_cast<off_t>(n) > size_) return nullptr;
    if (offset < start_ || offset + static_cast<off_t>(n) > start_ + static_cast<off_t>(filled_)) {
      start_ = offset;
      filled_ = 0;
      const std::size_t want = static_cast<std::size_t>(std::min<off_t>(static_cast<off_t>(kWindow), size_ - offset));
      while (filled_ < want) {
        const ssize_t got = ::pread(fd_, window_.get() + filled_, want - filled_, start_ + static_cast<off_t>(filled_));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw JournalError(std::string("read failed: ") + std::strerror(errno));
        if (got == 0) break;
        filled_ += static_cast<std::size_t>(got);
      }
      if (filled_ < n) throw JournalError("the file changed while it was read");
    }
    return window_.get() + (offset - start_);
  }
  // Whether every byte from `offset` to the end is zero (what a torn append leaves behind).
  bool zeros_from(off_t offset) {
    while (offset < size_) {
      const std::size_t n = static_cast<std::size_t>(std::min<off_t>(4096, size_ - offset));
      const std::uint8_t* p = at(offset, n);
      for (std::size_t i = 0; i < n; ++i) {
        if (p[i] != 0) return false;
      }
      offset += static_cast<off_t>(n);
    }
    return true;
  }

 private:
  static constexpr std::size_t kWindow = 1 << 20;
  int fd_;
  off_t size_;
  std::unique_ptr<std::uint8_t[]> window_;
  off_t start_ = 0;
  std::size_t filled_ = 0;
};

// Checks the header (of `session`, when not empty) and every record, calling on_record for each
// good one in order. Throws JournalError for a file that is not a format-2 journal.
JournalScan scan_file(int fd, const std::string& session,
                      const std::function<void(std::span<const std::uint8_t>)>& on_record) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw JournalError(std::string("cannot stat: ") + std::strerror(errno));
  JournalScan scan;
  scan.file_end = st.st_size;
  WindowReader reader(fd, st.st_size);
  const std::uint8_t* header = reader.at(0, Journal::kHeaderBytes);
  if (header == nullptr) throw JournalError("not an h2s journal (a header of " + std::to_string(st.st_size) + " bytes)");
  if (std::memcmp(header, kFirstFormatMagic, sizeof kFirstFormatMagic) == 0) {
    throw JournalError("journal format 1 (no checksums): move it aside and start a new file");
  }
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) throw JournalError("not an h2s journal (bad header)");
  if (get_u32(header + kHeaderCrcOffset) != crc32c(header, kHeaderCrcOffset)) {
    throw JournalError("the header's checksum does not match (a damaged file)");
  }
  const std::string file_session(reinterpret_cast<const char*>(header) + sizeof kMagic, kSessionBytes);
  if (!session.empty() && file_session != session) {
    throw JournalError("belongs to session '" + file_session + "', not '" + session + "': start a new file for a new session");
  }
  off_t offset = static_cast<off_t>(Journal::kHeaderBytes);
  while (offset < st.st_size) {
    const std::uint8_t* head = reader.at(offset, Journal::kRecordHeaderBytes);
    std::string problem;
    bool incomplete = false;
    std::size_t length = 0;
    if (head == nullptr) {
      problem = "a record header cut short";
      incomplete = true;
    } else {
      length = (static_cast<std::size_t>(head[0]) << 8) | head[1];
      if (length == 0 || length > Journal::kMaxPayload) {
        problem = "a record length of " + std::to_string(length);
      } else if (offset + static_cast<off_t>(Journal::kRecordHeaderBytes + length) > st.st_size) {
        problem = "a record cut short";
        incomplete = true;
      } else {
        std::uint8_t length_field[2] = {head[0], head[1]};
        const std::uint32_t stored = get_u32(head + 2);
        const std::uint8_t* payload = reader.at(offset + static_cast<off_t>(Journal::kRecordHeaderBytes), length);
        if (record_crc(length_field, payload, length) != stored) {
          problem = "a record whose checksum does not match";
        } else {
          on_record({payload, length});
          ++scan.records;
          offset += static_cast<off_t>(Journal::kRecordHeaderBytes + length);
          continue;
        }
      }
    }
    scan.bad_offset = offset;
    scan.problem = problem;
    const bool last = !incomplete && length > 0 && length <= Journal::kMaxPayload &&
                      offset + static_cast<off_t>(Journal::kRecordHeaderBytes + length) == st.st_size;
    // A crash mid-append leaves a short record, zeros, or a last record not wholly written.
    if (incomplete || last || reader.zeros_from(offset)) {
      scan.torn_tail = true;
    } else {
      scan.corrupt = true;
    }
    break;
  }
  scan.good_end = offset;
  return scan;
}

}  // namespace

bool parse_fsync_policy(std::string_view text, FsyncPolicy& out) noexcept {
  if (text == "none") out = FsyncPolicy::none;
  else if (text == "batch") out = FsyncPolicy::batch;
  else if (text == "interval") out = FsyncPolicy::interval;
  else return false;
  return true;
}

bool parse_journal_error_policy(std::string_view text, JournalErrorPolicy& out) noexcept {
  if (text == "halt") out = JournalErrorPolicy::halt;
  else if (text == "memory") out = JournalErrorPolicy::memory;
  else return false;
  return true;
}

Journal::Journal(const JournalOptions& options)
    : ring_(options.ring_capacity < 1 ? 1 : options.ring_capacity),
      session_(options.session),
      path_(options.file),
      fsync_(options.fsync),
      fsync_interval_(options.fsync_interval),
      on_error_(options.on_error),
      buffer_(std::make_unique<std::uint8_t[]>(kBufferBytes)) {
  const std::string session = padded_session(options.session);
  if (options.file.empty()) return;
  fd_ = ::open(options.file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open journal " + options.file.string());
  const auto refuse = [&](const std::string& why) {
    ::close(fd_);
    fd_ = -1;
    throw JournalError("journal " + options.file.string() + ": " + why);
  };
  struct stat st {};
  if (::fstat(fd_, &st) != 0) refuse(std::strerror(errno));
  device_ = st.st_dev;
  inode_ = st.st_ino;
  if (st.st_size == 0) {  // a new journal
    std::uint8_t header[kHeaderBytes] = {};
    std::memcpy(header, kMagic, sizeof kMagic);
    std::memcpy(header + sizeof kMagic, session.data(), kSessionBytes);
    put_u32(header + kHeaderCrcOffset, crc32c(header, kHeaderCrcOffset));
    if (!write_all(fd_, header, sizeof header) || ::fdatasync(fd_) != 0) refuse(std::strerror(errno));
    return;
  }
  JournalScan scan;
  try {
    scan = scan_file(fd_, session, [this](std::span<const std::uint8_t> payload) { remember(next_++, payload); });
  } catch (const JournalError& e) {
    refuse(e.what());
  }
  if (scan.corrupt) {
    refuse("corrupt at byte " + std::to_string(scan.bad_offset) + " (" + scan.problem + ") after sequence " +
           std::to_string(scan.records) + " (sequences 1-" + std::to_string(scan.records) + " are good; " +
           std::to_string(scan.file_end - scan.bad_offset) +
           " bytes from there on are not read): check it with `h2s journal check`, cut it with `h2s journal repair`");
  }
  recovered_ = scan.records;
  if (scan.torn_tail) {  // a crash mid-write: cut it off so appends continue cleanly (the owner logs it)
    truncated_ = static_cast<std::uint64_t>(scan.file_end - scan.good_end);
    if (::ftruncate(fd_, scan.good_end) != 0) refuse(std::strerror(errno));
  }
  if (::lseek(fd_, 0, SEEK_END) < 0) refuse(std::strerror(errno));
  released_ = next_;
}

Journal::~Journal() {
  if (fd_ >= 0) {
    (void)commit();
    ::close(fd_);
  }
}

JournalScan Journal::scan(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw JournalError("cannot open " + file.string() + ": " + std::strerror(errno));
  try {
    JournalScan result = scan_file(fd, "", [](std::span<const std::uint8_t>) {});
    ::close(fd);
    return result;
  } catch (const JournalError& e) {
    ::close(fd);
    throw JournalError(file.string() + ": " + e.what());
  }
}

JournalScan Journal::repair(const std::filesystem::path& file) {
  JournalScan result = scan(file);
  if ((result.torn_tail || result.corrupt) && ::truncate(file.c_str(), result.good_end) != 0) {
    throw JournalError("cannot cut " + file.string() + ": " + std::strerror(errno));
  }
  return result;
}

void Journal::remember(std::uint64_t sequence, std::span<const std::uint8_t> payload) noexcept {
  Slot& slot = ring_[sequence % ring_.size()];
  slot.sequence = sequence;
  slot.length = static_cast<std::uint16_t>(payload.size());
  std::memcpy(slot.bytes, payload.data(), payload.size());
}

bool Journal::has_room(std::size_t size) const noexcept {
  // The ring holds every staged record until it is released.
  return buffered_ + kRecordHeaderBytes + size <= kBufferBytes && next_ - released_ < ring_.size();
}

std::uint64_t Journal::append(std::span<const std::uint8_t> payload) noexcept {
  if (payload.empty() || payload.size() > kMaxPayload || !has_room(payload.size())) return 0;
  const std::uint64_t sequence = next_++;
  remember(sequence, payload);
  std::uint8_t* record = buffer_.get() + buffered_;
  record[0] = static_cast<std::uint8_t>(payload.size() >> 8);
  record[1] = static_cast<std::uint8_t>(payload.size() & 0xFF);
  put_u32(record + 2, record_crc(record, payload.data(), payload.size()));
  std::memcpy(record + kRecordHeaderBytes, payload.data(), payload.size());
  buffered_ += kRecordHeaderBytes + payload.size();
  return sequence;
}

void Journal::fail(int error) noexcept { errno_ = error != 0 ? error : EIO; }

bool Journal::commit() noexcept {
  const auto release = [this] {
    if (errno_ != 0) unjournaled_ += next_ - released_;
    buffered_ = 0;
    released_ = next_;
  };
  if (fd_ < 0) {  // memory only: nothing to wait for
    release();
    return true;
  }
  if (errno_ != 0) {
    if (on_error_ == JournalErrorPolicy::memory) release();
    return false;
  }
  if (buffered_ > 0) {
    // Whole records only: on failure the file is cut back to its last complete record.
    const off_t before = ::lseek(fd_, 0, SEEK_END);
    if (!write_all(fd_, buffer_.get(), buffered_)) {
      fail(errno);
      if (before >= 0) (void)::ftruncate(fd_, before);
      if (on_error_ == JournalErrorPolicy::memory) release();
      return false;
    }
    ++commits_;
    unsynced_ = true;
  }
  const auto now = std::chrono::steady_clock::now();
  // syncs_ == 0: the first commit syncs even when the clock's epoch (boot) is under an interval ago.
  const bool sync = unsynced_ && (fsync_ == FsyncPolicy::batch ||
                                  (fsync_ == FsyncPolicy::interval && (syncs_ == 0 || now - last_sync_ >= fsync_interval_)));
  if (sync) {
    if (::fdatasync(fd_) != 0) {
      fail(errno);
      if (on_error_ == JournalErrorPolicy::memory) release();
      return false;
    }
    ++syncs_;
    last_sync_ = now;
    unsynced_ = false;
  }
  if (fsync_ == FsyncPolicy::none) unsynced_ = false;
  release();
  return true;
}

bool Journal::check_file() noexcept {
  if (fd_ < 0 || errno_ != 0) return errno_ == 0;
  struct stat open_file {}, named {};
  if (::fstat(fd_, &open_file) != 0) {
    fail(errno);
  } else if (open_file.st_nlink == 0) {
    fail(ENOENT);  // unlinked: every write would go to a file no restart will find
  } else if (::stat(path_.c_str(), &named) != 0 || named.st_ino != inode_ || named.st_dev != device_) {
    fail(ESTALE);  // replaced: the name now points at another file
  }
  if (errno_ != 0 && on_error_ == JournalErrorPolicy::memory) {
    unjournaled_ += next_ - released_;
    buffered_ = 0;
    released_ = next_;
  }
  return errno_ == 0;
}

std::uint64_t Journal::first_retained() const noexcept {
  return next_ > ring_.size() ? next_ - ring_.size() : 1;
}

std::size_t Journal::read(std::uint64_t sequence, std::uint8_t* out) const noexcept {
  if (sequence == 0 || sequence >= released_ || sequence < first_retained()) return 0;
  const Slot& slot = ring_[sequence % ring_.size()];
  if (slot.sequence != sequence) return 0;
  std::memcpy(out, slot.bytes, slot.length);
  return slot.length;
}

}  // namespace h2s::publish
