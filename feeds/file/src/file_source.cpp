#include "h2s/feeds/file_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace h2s::feeds {
namespace {

constexpr unsigned char kGzipMagic[2] = {0x1f, 0x8b};

bool starts_gzip(const unsigned char* bytes, std::size_t n) noexcept {
  return n >= 2 && bytes[0] == kGzipMagic[0] && bytes[1] == kGzipMagic[1];
}

}  // namespace

void check_feed_file(const std::string& path) {
  if (path == "-") return;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open feed file '" + path + "'");
  struct stat info {};
  const bool directory = ::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode);
  ::close(fd);
  if (directory) throw std::runtime_error("feed file '" + path + "' is a directory");
}

FileSource::FileSource(const std::string& path) : path_(path) {
  check_feed_file(path);
  if (path == "-") {
    fd_ = STDIN_FILENO;  // a regular file redirected to stdin may still be gzip: checked below
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open feed file '" + path + "'");
    owns_fd_ = true;
  }
  struct stat info {};
  const bool regular = ::fstat(fd_, &info) == 0 && S_ISREG(info.st_mode);
  may_block_ = !regular;  // a named pipe, say
  if (!regular) return;
  size_ = static_cast<std::uint64_t>(info.st_size);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  unsigned char magic[2] = {0, 0};
  if (starts_gzip(magic, static_cast<std::size_t>(std::max<ssize_t>(0, ::pread(fd_, magic, sizeof magic, 0))))) {
    const int gz_fd = owns_fd_ ? fd_ : ::dup(fd_);  // gzclose closes what it was given
    gz_ = gz_fd >= 0 ? gzdopen(gz_fd, "rb") : nullptr;
    if (gz_ == nullptr) throw std::runtime_error("cannot read gzip feed file '" + path + "'");
    owns_fd_ = false;
    gzbuffer(gz_, 256 * 1024);
  }
}

FileSource::~FileSource() {
  if (gz_ != nullptr) gzclose(gz_);
  if (owns_fd_) ::close(fd_);
}

FileSource::ReadResult FileSource::fail(int error, std::string text) noexcept {
  last_errno_ = error;
  error_text_ = std::move(text);
  return ReadResult::error;
}

FileSource::ReadResult FileSource::read(char* buffer, std::size_t capacity, std::size_t& bytes) noexcept {
  if (gz_ != nullptr) {
    const unsigned want = static_cast<unsigned>(std::min<std::size_t>(capacity, 1u << 30));
    const int n = gzread(gz_, buffer, want);
    position_.store(static_cast<std::uint64_t>(std::max<long>(0, static_cast<long>(gzoffset(gz_)))), std::memory_order_relaxed);
    if (n > 0) {
      bytes = static_cast<std::size_t>(n);
      return ReadResult::data;
    }
    int code = Z_OK;
    const char* message = gzerror(gz_, &code);
    if (n == 0 && (code == Z_OK || code == Z_STREAM_END)) return ReadResult::end;
    if (code == Z_ERRNO) return fail(errno, std::strerror(errno));
    return fail(EBADMSG, std::string("corrupt gzip stream: ") + (message != nullptr ? message : "unknown zlib error"));
  }
  if (may_block_) {
    pollfd ready{fd_, POLLIN, 0};
    const int n = ::poll(&ready, 1, 0);
    if (n == 0) return ReadResult::not_ready;
    if (n < 0 && errno != EINTR) return fail(errno, std::strerror(errno));
  }
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n > 0) {
      bytes = static_cast<std::size_t>(n);
      position_.fetch_add(bytes, std::memory_order_relaxed);
      // Compressed bytes on a pipe cannot be sought back to decompress: said, not read as news.
      if (first_read_ && starts_gzip(reinterpret_cast<const unsigned char*>(buffer), bytes)) {
        return fail(EILSEQ, "the input is gzip-compressed; give the file with --input FILE, or pipe it through zcat");
      }
      first_read_ = false;
      return ReadResult::data;
    }
    if (n == 0) return ReadResult::end;
    if (errno == EINTR) continue;
    return fail(errno, std::strerror(errno));
  }
}

}  // namespace h2s::feeds
