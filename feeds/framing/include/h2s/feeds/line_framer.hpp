#pragma once
// Splits a byte stream (file or TCP reads) into NDJSON lines, in place where it can.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <string_view>

#include "h2s/model/function_ref.hpp"

namespace h2s::feeds {

class LineFramer {
 public:
  using OnLine = FunctionRef<void(std::string_view)>;
  using OnOversized = FunctionRef<void()>;

  // The buffer for lines split across chunks starts at kInitialCarryBytes (or max_line_bytes, if
  // less), grows on demand up to max_line_bytes and shrinks back once such a line is delivered:
  // a thousand idle connections hold kilobytes each, not max_line_bytes.
  static constexpr std::size_t kInitialCarryBytes = 16 * 1024;
  explicit LineFramer(std::size_t max_line_bytes);

  // `chunk` must be followed by kLinePadding readable bytes. Each line handed to on_line is
  // followed by kLinePadding readable bytes and stays valid until the callback returns.
  // Blank lines are skipped and counted; a line over the limit is skipped and reported once.
  void feed(std::string_view chunk, OnLine on_line, OnOversized on_oversized) noexcept;
  // End of stream: a final line without a newline is still a line.
  void finish(OnLine on_line) noexcept;
  // Forgets any partial line (a new stream begins); counts are kept.
  void reset() noexcept {
    carry_size_ = 0;
    skipping_ = false;
    shrink();
  }

  // Bytes of a line begun but not yet ended (held, or being skipped as oversized: then at least 1).
  [[nodiscard]] std::size_t partial_bytes() const noexcept { return skipping_ ? std::max<std::size_t>(carry_size_, 1) : carry_size_; }
  [[nodiscard]] std::size_t blank_lines() const noexcept { return blank_lines_; }
  // The carry buffer's capacity now (for tests and memory accounting).
  [[nodiscard]] std::size_t carry_capacity() const noexcept { return carry_capacity_; }
  [[nodiscard]] std::size_t lines() const noexcept { return lines_; }

 private:
  void deliver(std::string_view line, OnLine on_line) noexcept;
  [[nodiscard]] bool reserve(std::size_t bytes) noexcept;  // false when memory ran out
  void shrink() noexcept;

  std::size_t max_line_bytes_;
  std::size_t initial_capacity_;
  std::unique_ptr<char[]> carry_;  // a line split across chunks, plus padding
  std::size_t carry_capacity_ = 0;
  std::size_t carry_size_ = 0;
  bool skipping_ = false;  // inside an oversized line, discarding until its newline
  std::size_t blank_lines_ = 0;
  std::size_t lines_ = 0;
};

}  // namespace h2s::feeds
