// The bounded queue between the feed thread and the pipeline thread: its overflow policies
// (counted drops, back-pressure), and that every message comes out once, in order, accounted.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "h2s/pipeline/message_queue.hpp"
#include "h2s/pipeline/processor.hpp"
#include "counting_signal_sink.hpp"
#include "test_paths.hpp"

namespace {

using h2s::test::CountingSink;

// Stands for the feed thread's agent: done when the test says so.
class Upstream final : public h2s::pipeline::Agent {
 public:
  int do_work() noexcept override { return 0; }
  bool done() const noexcept override { return finished.load(std::memory_order_acquire); }
  std::string_view name() const noexcept override { return "upstream"; }
  std::atomic<bool> finished{false};
};

std::string story(int i) {
  return R"({"id":"q-)" + std::to_string(i) + R"(","headline":"Broadcom lifts AI revenue outlook )" + std::to_string(i) +
         R"(","published_at":"2025-12-02T13:30:00Z","tickers":["AVGO"]})";
}

std::shared_ptr<const h2s::rules::CompiledPack> pack() {
  static const auto p = h2s::rules::CompiledPack::load(h2s::test::default_rules(), {});
  return p;
}

}  // namespace

TEST_CASE("Queue overflow = drop: messages beyond the bound are counted and accounted as queue_full rejections") {
  h2s::pipeline::PipelineCounters counters;
  CountingSink sink;
  h2s::pipeline::Processor processor({}, pack(), sink, counters);
  h2s::pipeline::MessageQueueOptions options;
  options.depth = 2;
  options.chunk_bytes = 4096;  // a few messages a chunk
  options.overflow = h2s::pipeline::OverflowPolicy::drop;
  h2s::pipeline::MessageQueue queue(options, 1024);
  Upstream upstream;
  h2s::pipeline::MessageQueue::Reader reader(queue, processor, upstream);

  // Nobody reads while 200 messages arrive: two chunks' worth get through, the rest are dropped.
  for (int i = 0; i < 200; ++i) {
    queue.writer().on_message(story(i), 1764682200000000 + i);
    if (i % 10 == 9) queue.writer().flush();
  }
  queue.writer().on_oversized();
  queue.writer().flush();
  const std::uint64_t dropped = queue.dropped();
  CHECK(dropped > 100);
  CHECK(dropped < 200);
  CHECK(queue.depth() == 2);
  upstream.finished = true;
  for (int i = 0; i < 100 && !reader.done(); ++i) (void)reader.do_work();
  REQUIRE(reader.done());
  CHECK(counters.messages.get() == 201);  // every message accounted for: processed or rejected as queue_full
  CHECK(counters.rejected[static_cast<std::size_t>(h2s::Status::queue_full)].get() == dropped);
  CHECK(counters.balanced());
  CHECK(counters.stories.get() + counters.rejected_total() == 201);
}

TEST_CASE("Queue overflow = backpressure: the feed thread waits for the pipeline, nothing is lost, order is kept") {
  h2s::pipeline::PipelineCounters counters;
  CountingSink sink;
  h2s::pipeline::Processor processor({}, pack(), sink, counters);
  h2s::pipeline::MessageQueueOptions options;
  options.depth = 2;
  options.chunk_bytes = 4096;
  h2s::pipeline::MessageQueue queue(options, 1024);
  Upstream upstream;
  h2s::pipeline::MessageQueue::Reader reader(queue, processor, upstream);
  constexpr int kMessages = 20'000;
  std::thread feed([&] {
    for (int i = 0; i < kMessages; ++i) {
      queue.writer().on_message(story(i), 1764682200000000 + i);
      if (i % 7 == 6) queue.writer().flush();
    }
    queue.writer().flush();
    upstream.finished = true;
  });
  // The pipeline starts only once the feed thread has hit the bound and is waiting.
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (queue.full_waits() == 0 && std::chrono::steady_clock::now() < limit) std::this_thread::yield();
  REQUIRE(queue.full_waits() > 0);
  while (!reader.done() && std::chrono::steady_clock::now() < limit) {
    if (reader.do_work() == 0) std::this_thread::yield();
  }
  feed.join();
  REQUIRE(reader.done());
  CHECK(queue.dropped() == 0);
  CHECK(counters.messages.get() == kMessages);
  CHECK(counters.stories.get() == kMessages);  // each distinct: none lost, none doubled
  CHECK(counters.balanced());
}
