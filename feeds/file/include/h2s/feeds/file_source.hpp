#pragma once
// A recorded feed read from a file (or standard input) in large blocks. A gzip-compressed file
// is decompressed as it is read (zlib).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

struct gzFile_s;  // zlib's stream, kept out of this header

namespace h2s::feeds {

// Throws std::runtime_error (std::system_error when it cannot be opened) for a path that is not a
// readable feed file: missing or a directory. "-" (standard input) passes.
void check_feed_file(const std::string& path);

class FileSource {
 public:
  // "-" reads standard input. Throws as check_feed_file does.
  explicit FileSource(const std::string& path);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  enum class ReadResult { data, end, error, not_ready };
  // Reads up to `capacity` bytes; `bytes` is set for ReadResult::data. Retries EINTR. Never
  // blocks: a pipe, socket or terminal with nothing to read yet gives not_ready, so the thread
  // driving this source can go on with other agents (such as the network feed).
  [[nodiscard]] ReadResult read(char* buffer, std::size_t capacity, std::size_t& bytes) noexcept;
  [[nodiscard]] int last_error() const noexcept { return last_errno_; }
  // Why the last read failed, in words (a corrupt gzip stream says so, not just an errno).
  [[nodiscard]] const std::string& last_error_text() const noexcept { return error_text_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] bool compressed() const noexcept { return gz_ != nullptr; }
  // Bytes of the file consumed so far (compressed bytes for gzip); readable from any thread.
  [[nodiscard]] std::uint64_t position() const noexcept { return position_.load(std::memory_order_relaxed); }
  // The file's size in bytes; 0 when unknown (standard input, a pipe).
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

 private:
  ReadResult fail(int error, std::string text) noexcept;

  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool may_block_ = false;  // not a regular file
  bool first_read_ = true;
  gzFile_s* gz_ = nullptr;  // set for a gzip file; owns fd_ then
  std::atomic<std::uint64_t> position_{0};
  std::uint64_t size_ = 0;
  int last_errno_ = 0;
  std::string error_text_;
};

}  // namespace h2s::feeds
