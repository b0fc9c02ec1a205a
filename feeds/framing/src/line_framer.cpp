#include "h2s/feeds/line_framer.hpp"

#include <cstring>

#include "h2s/feeds/decoder.hpp"

namespace h2s::feeds {

LineFramer::LineFramer(std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes), carry_(std::make_unique<char[]>(max_line_bytes + kLinePadding)) {
  std::memset(carry_.get(), ' ', max_line_bytes + kLinePadding);
}

void LineFramer::deliver(std::string_view line, OnLine on_line) noexcept {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++lines_;
  if (line.find_first_not_of(" \t") == std::string_view::npos) {
    ++blank_lines_;
    return;
  }
  on_line(line);
}

void LineFramer::feed(std::string_view chunk, OnLine on_line, OnOversized on_oversized) noexcept {
  while (!chunk.empty()) {
    const std::size_t newline = chunk.find('\n');
    const bool complete = newline != std::string_view::npos;
    const std::string_view piece = chunk.substr(0, complete ? newline : chunk.size());
    chunk.remove_prefix(complete ? newline + 1 : chunk.size());

    if (skipping_) {
      if (complete) skipping_ = false;
      continue;
    }
    if (carry_size_ + piece.size() > max_line_bytes_) {
      carry_size_ = 0;
      ++lines_;
      on_oversized();
      skipping_ = !complete;
      continue;
    }
    if (!complete) {  // keep the partial line for the next chunk
      std::memcpy(carry_.get() + carry_size_, piece.data(), piece.size());
      carry_size_ += piece.size();
      continue;
    }
    if (carry_size_ == 0) {
      deliver(piece, on_line);  // in place: the chunk's remainder and padding follow it
      continue;
    }
    std::memcpy(carry_.get() + carry_size_, piece.data(), piece.size());
    const std::size_t size = carry_size_ + piece.size();
    carry_size_ = 0;
    deliver({carry_.get(), size}, on_line);
  }
}

void LineFramer::finish(OnLine on_line) noexcept {
  skipping_ = false;
  if (carry_size_ == 0) return;
  const std::size_t size = carry_size_;
  carry_size_ = 0;
  deliver({carry_.get(), size}, on_line);
}

}  // namespace h2s::feeds
