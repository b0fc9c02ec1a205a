#include "h2s/feeds/line_framer.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "h2s/feeds/decoder.hpp"

namespace h2s::feeds {

namespace {

std::unique_ptr<char[]> padded_buffer(std::size_t capacity) noexcept {
  std::unique_ptr<char[]> buffer(new (std::nothrow) char[capacity + kLinePadding]);
  if (buffer) std::memset(buffer.get() + capacity, ' ', kLinePadding);
  return buffer;
}

}  // namespace

LineFramer::LineFramer(std::size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes), initial_capacity_(std::min(max_line_bytes, kInitialCarryBytes)),
      carry_(padded_buffer(initial_capacity_)), carry_capacity_(initial_capacity_) {
  if (!carry_) throw std::bad_alloc();
}

bool LineFramer::reserve(std::size_t bytes) noexcept {
  if (bytes <= carry_capacity_) return true;
  const std::size_t capacity = std::min(max_line_bytes_, std::max(bytes, carry_capacity_ * 2));
  std::unique_ptr<char[]> grown = padded_buffer(capacity);
  if (!grown) return false;
  std::memcpy(grown.get(), carry_.get(), carry_size_);
  carry_ = std::move(grown);
  carry_capacity_ = capacity;
  return true;
}

// Back to the initial size once a long line is out; kept if memory is short (it still works).
void LineFramer::shrink() noexcept {
  if (carry_capacity_ <= initial_capacity_ || carry_size_ != 0) return;
  std::unique_ptr<char[]> small = padded_buffer(initial_capacity_);
  if (!small) return;
  carry_ = std::move(small);
  carry_capacity_ = initial_capacity_;
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
    // Over the limit, or (counted the same way, never silently) no memory to hold it.
    if (carry_size_ + piece.size() > max_line_bytes_ || (carry_size_ + piece.size() > carry_capacity_ &&
                                                          (carry_size_ != 0 || !complete) && !reserve(carry_size_ + piece.size()))) {
      carry_size_ = 0;
      ++lines_;
      on_oversized();
      skipping_ = !complete;
      shrink();
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
    shrink();
  }
}

void LineFramer::finish(OnLine on_line) noexcept {
  skipping_ = false;
  if (carry_size_ == 0) return;
  const std::size_t size = carry_size_;
  carry_size_ = 0;
  deliver({carry_.get(), size}, on_line);
  shrink();
}

}  // namespace h2s::feeds
