#pragma once
// A recorded feed read from a file (or standard input) in large blocks.
#include <cstddef>
#include <string>

namespace h2s::feeds {

// Throws std::runtime_error (std::system_error when it cannot be opened) for a path that is not a
// readable feed file: missing, a directory, or gzip-compressed. "-" (standard input) passes.
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
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool may_block_ = false;  // not a regular file
  int last_errno_ = 0;
};

}  // namespace h2s::feeds
