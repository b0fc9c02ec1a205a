#include "h2s/pipeline/message_queue.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace h2s::pipeline {

// Each message is a header, its bytes and kLinePadding readable bytes, 8-byte aligned.
struct RecordHeader {
  std::uint32_t size;
  std::uint32_t oversized;
  std::int64_t recv_us;
};
static_assert(sizeof(RecordHeader) == 16);

struct QueueChunk {
  explicit QueueChunk(std::size_t bytes) : data(std::make_unique_for_overwrite<char[]>(bytes)), capacity(bytes) {}
  std::unique_ptr<char[]> data;
  std::size_t capacity;
  std::size_t used = 0;
};

namespace {
constexpr std::size_t record_bytes(std::size_t message_bytes) noexcept {
  return sizeof(RecordHeader) + ((message_bytes + feeds::kLinePadding + 7) & ~std::size_t{7});
}
}  // namespace

OverflowPolicy parse_overflow_policy(std::string_view text) {
  if (text == "backpressure") return OverflowPolicy::backpressure;
  if (text == "drop") return OverflowPolicy::drop;
  throw std::invalid_argument("overflow must be backpressure or drop, not '" + std::string(text) + "'");
}

std::string_view to_string(OverflowPolicy policy) noexcept {
  return policy == OverflowPolicy::drop ? "drop" : "backpressure";
}

MessageQueue::MessageQueue(const MessageQueueOptions& options, std::size_t max_message_bytes)
    : options_(options), free_(std::max<std::size_t>(options.depth, 1)), filled_(std::max<std::size_t>(options.depth, 1)) {
  options_.depth = std::max<std::size_t>(options.depth, 1);
  options_.chunk_bytes = std::max(options.chunk_bytes, record_bytes(max_message_bytes));
  chunks_.reserve(options_.depth);
  for (std::size_t i = 0; i < options_.depth; ++i) {
    chunks_.push_back(std::make_unique<QueueChunk>(options_.chunk_bytes));
    if (!free_.try_enqueue(chunks_.back().get())) throw std::logic_error("message queue: free list too small");
  }
}

MessageQueue::~MessageQueue() = default;

void MessageQueue::Writer::on_message(std::string_view message, std::int64_t recv_us) noexcept {
  (void)append(message, recv_us, false);
}

void MessageQueue::Writer::on_oversized() noexcept { (void)append({}, 0, true); }

bool MessageQueue::Writer::append(std::string_view message, std::int64_t recv_us, bool oversized) noexcept {
  const std::size_t need = record_bytes(message.size());
  if (need > queue_.options_.chunk_bytes) return append({}, recv_us, true);  // larger than a chunk: oversized
  if (current_ != nullptr && current_->used + need > current_->capacity) flush();
  if (current_ == nullptr && !acquire()) {
    queue_.dropped_.add();
    return false;
  }
  char* at = current_->data.get() + current_->used;
  const RecordHeader header{static_cast<std::uint32_t>(message.size()), oversized ? 1u : 0u, recv_us};
  std::memcpy(at, &header, sizeof header);
  if (!message.empty()) std::memcpy(at + sizeof header, message.data(), message.size());
  std::memset(at + sizeof header + message.size(), 0, feeds::kLinePadding);
  current_->used += need;
  return true;
}

bool MessageQueue::Writer::acquire() noexcept {
  if (queue_.free_.try_dequeue(current_)) return true;
  if (queue_.options_.overflow == OverflowPolicy::drop) return false;
  queue_.full_waits_.add();
  // Back-pressure: this thread stops reading until the pipeline frees a chunk (it always does:
  // the pipeline thread runs until this one has finished), or the wait is abandoned (shutdown
  // after a failure): the message is then dropped, and counted.
  while (!queue_.free_.try_dequeue(current_)) {
    if (abandoned_.load(std::memory_order_relaxed)) return false;
    std::this_thread::yield();
  }
  return true;
}

void MessageQueue::Writer::flush() noexcept {
  if (current_ == nullptr || current_->used == 0) return;
  const bool queued = queue_.filled_.try_enqueue(current_);  // never full: it has room for every chunk
  assert(queued);
  (void)queued;
  current_ = nullptr;
}

int MessageQueue::Reader::do_work() noexcept {
  if (done_.load(std::memory_order_relaxed)) return 0;
  // Read before draining: whatever the feeds handed over before they finished is then visible.
  const bool upstream_done = upstream_.done();
  int work = 0;
  if (const std::uint64_t dropped = queue_.dropped_.get(); dropped != dropped_seen_) {
    processor_.on_dropped(dropped - dropped_seen_);
    dropped_seen_ = dropped;
    ++work;
  }
  QueueChunk* chunk = nullptr;
  if (!queue_.filled_.try_dequeue(chunk)) {
    if (upstream_done) done_.store(true, std::memory_order_release);
    return work;
  }
  for (std::size_t at = 0; at < chunk->used;) {
    RecordHeader header;
    std::memcpy(&header, chunk->data.get() + at, sizeof header);
    if (header.oversized != 0) {
      processor_.on_oversized();
    } else {
      processor_.on_message(std::string_view(chunk->data.get() + at + sizeof header, header.size), header.recv_us);
    }
    at += record_bytes(header.size);
    ++work;
  }
  chunk->used = 0;
  (void)queue_.free_.try_enqueue(chunk);
  return work;
}

}  // namespace h2s::pipeline
