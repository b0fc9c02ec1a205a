#include "h2s/feeds/file_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace h2s::feeds {

void check_feed_file(const std::string& path) {
  if (path == "-") return;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open feed file '" + path + "'");
  struct stat info {};
  const bool directory = ::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode);
  unsigned char magic[2] = {0, 0};
  const bool gzip = !directory && ::pread(fd, magic, sizeof magic, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  ::close(fd);
  if (directory) throw std::runtime_error("feed file '" + path + "' is a directory");
  if (gzip) {
    throw std::runtime_error("feed file '" + path + "' is gzip-compressed: decompress it first (zcat '" + path +
                             "' | h2s replay --input -)");
  }
}

FileSource::FileSource(const std::string& path) : path_(path) {
  check_feed_file(path);
  if (path == "-") {
    fd_ = STDIN_FILENO;
    struct stat info {};
    may_block_ = ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode);
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open feed file '" + path + "'");
  owns_fd_ = true;
  struct stat info {};
  may_block_ = ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode);  // a named pipe, say
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

FileSource::~FileSource() {
  if (owns_fd_) ::close(fd_);
}

FileSource::ReadResult FileSource::read(char* buffer, std::size_t capacity, std::size_t& bytes) noexcept {
  if (may_block_) {
    pollfd ready{fd_, POLLIN, 0};
    const int n = ::poll(&ready, 1, 0);
    if (n == 0) return ReadResult::not_ready;
    if (n < 0 && errno != EINTR) {
      last_errno_ = errno;
      return ReadResult::error;
    }
  }
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n > 0) {
      bytes = static_cast<std::size_t>(n);
      return ReadResult::data;
    }
    if (n == 0) return ReadResult::end;
    if (errno == EINTR) continue;
    last_errno_ = errno;
    return ReadResult::error;
  }
}

}  // namespace h2s::feeds
