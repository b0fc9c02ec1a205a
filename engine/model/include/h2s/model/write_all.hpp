#pragma once
// The one loop that writes a buffer out to a file descriptor (outputs, recordings).
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace h2s {

// Writes all `size` bytes, retrying EINTR and waiting (1 s at a time) while a non-blocking fd is
// full. Returns 0, or the errno that stopped it (EIO for a write that took nothing).
[[nodiscard]] inline int write_all(int fd, const char* data, std::size_t size) noexcept {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      pollfd ready{fd, POLLOUT, 0};
      (void)::poll(&ready, 1, 1000);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n == 0 ? EIO : errno;  // write() returning 0 for a non-empty buffer would spin forever
    }
  }
  return 0;
}

}  // namespace h2s
