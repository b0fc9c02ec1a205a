#pragma once
// Messages from the feed thread to the pipeline thread: a fixed pool of chunks, each packing many
// messages, passed over two bounded moodycamel SPSC queues (filled, free). No allocation after
// construction. When no chunk is free, the overflow policy decides: back-pressure (the feed thread
// waits, so the kernel's socket buffers and TCP flow control hold the excess) or drop (the message
// is counted and later accounted as rejected: queue_full). Never silent.
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "h2s/feeds/source.hpp"
#include "h2s/model/counter.hpp"
#include "h2s/pipeline/agent.hpp"
#include "h2s/pipeline/processor.hpp"

namespace h2s::pipeline {

struct QueueChunk;

enum class OverflowPolicy : std::uint8_t { backpressure, drop };
[[nodiscard]] OverflowPolicy parse_overflow_policy(std::string_view text);  // throws std::invalid_argument
[[nodiscard]] std::string_view to_string(OverflowPolicy policy) noexcept;

struct MessageQueueOptions {
  std::size_t depth = 64;                // chunks in flight (the queue's bound)
  std::size_t chunk_bytes = 256 * 1024;  // raised to fit the largest message
  OverflowPolicy overflow = OverflowPolicy::backpressure;
};

class MessageQueue {
 public:
  MessageQueue(const MessageQueueOptions& options, std::size_t max_message_bytes);
  ~MessageQueue();
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;

  // Feed thread: a MessageSink that packs messages into the current chunk.
  class Writer final : public feeds::MessageSink {
   public:
    explicit Writer(MessageQueue& queue) noexcept : queue_(queue) {}
    void on_message(std::string_view message, std::int64_t recv_us) noexcept override;
    void on_oversized() noexcept override;
    // Hands the current chunk over (at the end of every poll of the feeds): bounds the latency
    // a message waits for its chunk to fill.
    void flush() noexcept;
    // Ends back-pressure waits for good (any thread): from then on a full queue drops, counted.
    // For shutdown when the pipeline thread may no longer be draining.
    void abandon_waits() noexcept { abandoned_.store(true, std::memory_order_relaxed); }

   private:
    bool append(std::string_view message, std::int64_t recv_us, bool oversized) noexcept;
    bool acquire() noexcept;
    MessageQueue& queue_;
    QueueChunk* current_ = nullptr;
    std::atomic<bool> abandoned_{false};
  };

  // Pipeline thread: delivers one chunk's messages to the processor per do_work(); done once
  // `upstream_done` says the feeds have ended and every chunk has been delivered.
  class Reader final : public Agent {
   public:
    Reader(MessageQueue& queue, Processor& processor, const Agent& upstream) noexcept
        : queue_(queue), processor_(processor), upstream_(upstream) {}
    int do_work() noexcept override;
    bool done() const noexcept override { return done_.load(std::memory_order_acquire); }
    std::string_view name() const noexcept override { return "queue-reader"; }

   private:
    MessageQueue& queue_;
    Processor& processor_;
    const Agent& upstream_;
    std::uint64_t dropped_seen_ = 0;
    std::atomic<bool> done_{false};
  };

  [[nodiscard]] Writer& writer() noexcept { return writer_; }
  [[nodiscard]] std::size_t depth() const noexcept { return filled_.size_approx(); }  // any thread
  [[nodiscard]] std::size_t capacity() const noexcept { return chunks_.size(); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.get(); }     // any thread
  [[nodiscard]] std::uint64_t full_waits() const noexcept { return full_waits_.get(); }
  [[nodiscard]] OverflowPolicy overflow() const noexcept { return options_.overflow; }

 private:
  friend class Writer;
  friend class Reader;
  MessageQueueOptions options_;
  std::vector<std::unique_ptr<QueueChunk>> chunks_;
  moodycamel::ReaderWriterQueue<QueueChunk*> free_;
  moodycamel::ReaderWriterQueue<QueueChunk*> filled_;
  Counter dropped_;     // feed thread
  Counter full_waits_;  // feed thread: times back-pressure made it wait
  Writer writer_{*this};
};

}  // namespace h2s::pipeline
