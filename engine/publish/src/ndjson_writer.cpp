#include "h2s/publish/ndjson_writer.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "h2s/publish/signal_json.hpp"

namespace h2s::publish {

NdjsonWriter::NdjsonWriter(int fd, std::size_t buffer_bytes)
    : fd_(fd),
      buffer_(std::make_unique<char[]>(buffer_bytes + kMaxSignalJsonBytes)),
      capacity_(buffer_bytes) {}

NdjsonWriter::~NdjsonWriter() { (void)flush(); }

bool NdjsonWriter::write(const Signal& signal) noexcept {
  if (errno_ != 0) return false;
  used_ += format_signal_json(signal, buffer_.get() + used_);
  ++lines_;
  return used_ < capacity_ || flush();
}

bool NdjsonWriter::write(const Cancel& cancel) noexcept {
  if (errno_ != 0) return false;
  used_ += format_cancel_json(cancel, buffer_.get() + used_);
  ++lines_;
  return used_ < capacity_ || flush();
}

bool NdjsonWriter::flush() noexcept {
  std::size_t done = 0;
  while (done < used_ && errno_ == 0) {
    const ssize_t n = ::write(fd_, buffer_.get() + done, used_ - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      pollfd ready{fd_, POLLOUT, 0};  // a non-blocking output: wait until it drains
      (void)::poll(&ready, 1, 1000);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      errno_ = n == 0 ? EIO : errno;  // write() returning 0 for a non-empty buffer would spin forever
    }
  }
  bytes_ += done;
  used_ = 0;
  return errno_ == 0;
}

}  // namespace h2s::publish
