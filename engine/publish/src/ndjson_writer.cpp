#include "h2s/publish/ndjson_writer.hpp"

#include <cstring>

#include "h2s/model/write_all.hpp"
#include "h2s/publish/signal_json.hpp"

namespace h2s::publish {

NdjsonWriter::NdjsonWriter(int fd, std::size_t buffer_bytes)
    : fd_(fd),
      buffer_(std::make_unique<char[]>(buffer_bytes + kMaxSignalJsonBytes)),
      capacity_(buffer_bytes) {}

NdjsonWriter::~NdjsonWriter() { (void)flush(); }

bool NdjsonWriter::write_line(std::string_view line) noexcept {
  if (errno_ != 0 || line.size() > kMaxSignalJsonBytes) return false;  // the buffer keeps room for one such line
  std::memcpy(buffer_.get() + used_, line.data(), line.size());
  used_ += line.size();
  ++lines_;
  return used_ < capacity_ || flush();
}

bool NdjsonWriter::flush() noexcept {
  if (errno_ == 0 && used_ > 0) {
    errno_ = write_all(fd_, buffer_.get(), used_);
    if (errno_ == 0) bytes_ += used_;
  }
  used_ = 0;
  return errno_ == 0;
}

}  // namespace h2s::publish
