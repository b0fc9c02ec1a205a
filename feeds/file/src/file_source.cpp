#include "h2s/feeds/file_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace h2s::feeds {

FileSource::FileSource(const std::string& path) : path_(path) {
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
