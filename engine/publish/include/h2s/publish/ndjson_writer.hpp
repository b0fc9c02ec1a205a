#pragma once
// Buffered output of JSON lines (signals and cancels) to a file descriptor (stdout for replay).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>


namespace h2s::publish {

class NdjsonWriter {
 public:
  explicit NdjsonWriter(int fd, std::size_t buffer_bytes = 1 << 16);
  ~NdjsonWriter();
  NdjsonWriter(const NdjsonWriter&) = delete;
  NdjsonWriter& operator=(const NdjsonWriter&) = delete;

  // Appends one formatted line (signal_json.hpp: at most kMaxSignalJsonBytes); writes the buffer
  // out when it is nearly full. False once the fd has failed.
  [[nodiscard]] bool write_line(std::string_view line) noexcept;
  // Writes whatever is buffered. False once the fd has failed.
  [[nodiscard]] bool flush() noexcept;

  [[nodiscard]] std::uint64_t lines() const noexcept { return lines_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] int error() const noexcept { return errno_; }

 private:
  int fd_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::uint64_t lines_ = 0;
  std::uint64_t bytes_ = 0;
  int errno_ = 0;
};

}  // namespace h2s::publish
