#include "h2s/pipeline/replay_pipeline.hpp"

#include <readerwriterqueue/readerwriterqueue.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <pthread.h>
#include <time.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "h2s/feeds/file_source.hpp"
#include "h2s/pipeline/publisher.hpp"
#include "h2s/model/clock.hpp"
#include "h2s/pipeline/background_reloader.hpp"

namespace h2s::pipeline {

Layout parse_layout(std::string_view text) {
  if (text == "fused") return Layout::fused;
  if (text == "split") return Layout::split;
  if (text == "staged") return Layout::staged;
  throw std::invalid_argument("layout must be fused, split or staged, not '" + std::string(text) + "'");
}

namespace {

struct Chunk {
  std::unique_ptr<char[]> bytes;
  std::size_t size = 0;
  bool end_of_stream = false;
  bool cut = false;  // the end came from an interrupt, not from the input
};

using ChunkQueue = moodycamel::ReaderWriterQueue<Chunk*>;

// Reads the file into free chunks and hands them on; never blocks on a full pipeline.
class SourceAgent final : public Agent {
 public:
  SourceAgent(feeds::FileSource& file, ChunkQueue& free, ChunkQueue& filled, std::size_t chunk_bytes,
              PipelineCounters& counters, const std::atomic<bool>& interrupted)
      : file_(file), free_(free), filled_(filled), chunk_bytes_(chunk_bytes), counters_(counters), interrupted_(interrupted) {}

  int do_work() noexcept override {
    if (done_) return 0;
    Chunk* chunk = nullptr;
    if (free_.peek() == nullptr) return 0;
    std::size_t bytes = 0;
    // Interrupted: the input ends here; what was read before is still processed.
    const bool cut = interrupted_.load(std::memory_order_acquire);
    const auto result = cut ? feeds::FileSource::ReadResult::end : file_.read((*free_.peek())->bytes.get(), chunk_bytes_, bytes);
    if (result == feeds::FileSource::ReadResult::not_ready) return 0;  // keep the chunk; nothing yet
    (void)free_.try_dequeue(chunk);
    chunk->cut = cut;
    if (result == feeds::FileSource::ReadResult::data) {
      chunk->size = bytes;
      chunk->end_of_stream = false;
      counters_.bytes_read.add(bytes);
    } else {
      if (result == feeds::FileSource::ReadResult::error) {
        counters_.read_errors.add();
        read_errno_ = file_.last_error();
      }
      chunk->size = 0;
      chunk->end_of_stream = true;
      done_ = true;
    }
    // Padding after the data must be readable: keep it, it is part of the allocation.
    (void)filled_.enqueue(chunk);
    return 1;
  }
  bool done() const noexcept override { return done_; }
  std::string_view name() const noexcept override { return "source"; }
  int read_errno() const noexcept { return read_errno_; }

 private:
  feeds::FileSource& file_;
  ChunkQueue& free_;
  ChunkQueue& filled_;
  std::size_t chunk_bytes_;
  PipelineCounters& counters_;
  const std::atomic<bool>& interrupted_;
  bool done_ = false;
  int read_errno_ = 0;
};

// What crosses to the publisher thread, by value: a signal, or a deleted story to withdraw.
struct PublishRequest {
  bool story_deleted = false;  // then only signal.story_id, vendor and ts_score_us are meaningful
  Signal signal;
};
using PublishQueue = moodycamel::ReaderWriterQueue<PublishRequest>;

// The staged layout's sink: a bounded SPSC queue to the publisher thread.
class QueueSignalSink final : public SignalSink {
 public:
  QueueSignalSink(PublishQueue& queue, PipelineCounters& counters) : queue_(queue), counters_(counters) {}
  void on_signal(Signal& signal) noexcept override {
    request_.story_deleted = false;
    request_.signal = signal;
    push();
  }
  void on_story_deleted(std::string_view story_id, Vendor vendor, std::int64_t ts_us) noexcept override {
    request_.story_deleted = true;
    request_.signal = Signal{};
    (void)request_.signal.story_id.assign(story_id);
    request_.signal.vendor = vendor;
    request_.signal.ts_score_us = ts_us;
    push();
  }

 private:
  void push() noexcept {
    // Back-pressure, never loss: replay input is finite and the publisher is draining.
    while (!queue_.try_enqueue(request_)) {
      counters_.backpressure_waits.add();
      __builtin_ia32_pause();
    }
  }
  PublishQueue& queue_;
  PipelineCounters& counters_;
  PublishRequest request_;
};

class ProcessorAgent final : public Agent {
 public:
  ProcessorAgent(Processor& processor, ChunkQueue& filled, ChunkQueue& free, Publisher* direct_publisher,
                 std::atomic<bool>& finished, bool flush_each_chunk)
      : processor_(processor), filled_(filled), free_(free), direct_publisher_(direct_publisher), finished_(finished),
        flush_each_chunk_(flush_each_chunk) {}

  int do_work() noexcept override {
    Chunk* chunk = nullptr;
    if (done_ || !filled_.try_dequeue(chunk)) return 0;
    if (chunk->end_of_stream) {
      if (chunk->cut) {
        cut_partial_bytes_ = processor_.on_stream_cut();
      } else {
        processor_.on_end_of_stream();
      }
      if (direct_publisher_ != nullptr) direct_publisher_->flush();
      done_ = true;
      finished_.store(true, std::memory_order_release);
    } else {
      processor_.on_stream_bytes({chunk->bytes.get(), chunk->size});
      if (flush_each_chunk_ && direct_publisher_ != nullptr) direct_publisher_->flush();
    }
    (void)free_.enqueue(chunk);
    return 1;
  }
  bool done() const noexcept override { return done_; }
  std::string_view name() const noexcept override { return "processor"; }
  [[nodiscard]] std::size_t cut_partial_bytes() const noexcept { return cut_partial_bytes_; }

 private:
  Processor& processor_;
  ChunkQueue& filled_;
  ChunkQueue& free_;
  Publisher* direct_publisher_;
  std::atomic<bool>& finished_;
  bool flush_each_chunk_;
  bool done_ = false;
  std::size_t cut_partial_bytes_ = 0;
};

class PublisherAgent final : public Agent {
 public:
  PublisherAgent(PublishQueue& queue, Publisher& publisher, std::atomic<bool>& upstream_finished, bool flush_as_it_goes)
      : queue_(queue), publisher_(publisher), upstream_finished_(upstream_finished), flush_as_it_goes_(flush_as_it_goes) {}

  int do_work() noexcept override {
    int work = 0;
    while (work < 256 && queue_.try_dequeue(request_)) {
      if (request_.story_deleted) {
        publisher_.on_story_deleted(request_.signal.story_id.view(), request_.signal.vendor, request_.signal.ts_score_us);
      } else {
        publisher_.on_signal(request_.signal);
      }
      ++work;
    }
    if (work > 0 && flush_as_it_goes_ && queue_.peek() == nullptr) publisher_.flush();  // caught up: out it goes
    if (work == 0) {
      // Finished only when upstream is done and, seen after that, the queue is empty.
      if (upstream_finished_.load(std::memory_order_acquire) && queue_.peek() == nullptr && !done_) {
        publisher_.flush();
        done_ = true;
      }
    }
    return work;
  }
  bool done() const noexcept override { return done_; }
  std::string_view name() const noexcept override { return "publisher"; }

 private:
  PublishQueue& queue_;
  Publisher& publisher_;
  std::atomic<bool>& upstream_finished_;
  bool flush_as_it_goes_;
  PublishRequest request_;
  bool done_ = false;
};

// A paced wait on the processing thread: what is due goes out first, then the thread serves its
// network outputs (logins, heartbeats, retransmissions) on their event loop until the story is due.
// An interrupt ends every wait at once.
class ServingPaceWait final : public PaceWait {
 public:
  ServingPaceWait(Publisher* publisher, publish::SignalFeeds* feed, const std::atomic<bool>& interrupted)
      : publisher_(publisher), feed_(feed), interrupted_(interrupted) {}

  void wait_until(std::int64_t due_steady_ns) noexcept override {
    if (publisher_ != nullptr) publisher_->flush();
    for (;;) {
      const std::int64_t now = steady_clock_ns();
      if (now >= due_steady_ns || interrupted_.load(std::memory_order_acquire)) return;
      // In slices, so that an interrupt is seen within one.
      const std::int64_t slice_ns = std::min<std::int64_t>(due_steady_ns - now, 50'000'000);
      if (feed_ != nullptr) {
        feed_->serve_until(std::chrono::steady_clock::now() + std::chrono::nanoseconds(slice_ns));
      } else {
        const timespec ts{0, static_cast<long>(slice_ns)};
        nanosleep(&ts, nullptr);
      }
    }
  }

 private:
  Publisher* publisher_;
  publish::SignalFeeds* feed_;
  const std::atomic<bool>& interrupted_;
};

// Polls the binary feed's sockets on the thread that publishes to it; never holds a runner open.
class FeedAgent final : public Agent {
 public:
  explicit FeedAgent(publish::SignalFeeds* feed) : feed_(feed) {}
  int do_work() noexcept override { return feed_ != nullptr ? static_cast<int>(feed_->poll()) : 0; }
  bool done() const noexcept override { return true; }
  std::string_view name() const noexcept override { return "feed"; }

 private:
  publish::SignalFeeds* feed_;
};

}  // namespace

ReplayReport run_replay(const ReplayConfig& config, std::shared_ptr<const rules::CompiledPack> pack,
                        publish::NdjsonWriter& output, PipelineCounters& counters) {
  if (config.chunk_count < 2) throw std::invalid_argument("chunk_count must be at least 2");
  feeds::FileSource file(config.input);

  std::vector<Chunk> chunks(config.chunk_count);
  ChunkQueue free(config.chunk_count), filled(config.chunk_count);
  for (Chunk& chunk : chunks) {
    chunk.bytes = std::make_unique<char[]>(config.chunk_bytes + feeds::kLinePadding);
    std::memset(chunk.bytes.get() + config.chunk_bytes, ' ', feeds::kLinePadding);
    (void)free.enqueue(&chunk);
  }

  std::unique_ptr<publish::SignalFeeds> feed;
  if (config.feed) {
    feed = std::make_unique<publish::SignalFeeds>(*config.feed);
    if (config.on_feed_ready) config.on_feed_ready(*feed);
  }
  FeedAgent feeding(feed.get());
  Publisher publisher(&output, config.processor.clock, counters, feed.get(),
                      PublisherOptions{config.processor.scoring.story_capacity / 4, config.processor.scoring.story_window_us});
  PublishQueue signal_queue(config.layout == Layout::staged ? config.signal_queue_depth : 1);
  QueueSignalSink queue_sink(signal_queue, counters);
  SignalSink& processor_sink = config.layout == Layout::staged ? static_cast<SignalSink&>(queue_sink) : publisher;
  std::atomic<bool> interrupted{false};
  // Staged: the outputs are another thread's; this one only sleeps (in slices, for interrupts).
  const bool outputs_here = config.layout != Layout::staged;
  ServingPaceWait pace_wait(outputs_here && config.flush_as_it_goes ? &publisher : nullptr, outputs_here ? feed.get() : nullptr,
                            interrupted);
  ProcessorConfig processor_config = config.processor;
  processor_config.pace_wait = &pace_wait;
  Processor processor(processor_config, std::move(pack), processor_sink, counters);

  std::atomic<bool> processor_finished{false};
  SourceAgent source(file, free, filled, config.chunk_bytes, counters, interrupted);
  ProcessorAgent processing(processor, filled, free, config.layout == Layout::staged ? nullptr : &publisher,
                            processor_finished, config.flush_as_it_goes);
  PublisherAgent publishing(signal_queue, publisher, processor_finished, config.flush_as_it_goes);

  // A control thread takes the signals (blocked in every other thread): SIGHUP asks the background
  // reloader for a compile, SIGINT/SIGTERM end the input; it also reports progress.
  std::unique_ptr<BackgroundReloader> reloader;
  if (!config.reload_rules_on_sighup.empty()) {
    rules::CompileOptions options;
    options.cache_dir = config.rules_cache;
    reloader = std::make_unique<BackgroundReloader>(config.reload_rules_on_sighup, options, processor.rule_swap());
  }
  sigset_t taken;
  sigemptyset(&taken);
  if (reloader) sigaddset(&taken, SIGHUP);
  if (config.stop_on_interrupt) {
    sigaddset(&taken, SIGINT);
    sigaddset(&taken, SIGTERM);
  }
  std::atomic<int> interrupt_signal{0};
  const auto report_reloads = [&] {
    while (reloader) {
      const auto result = reloader->take_result();
      if (!result) return;
      if (result->swapped) {
        std::fprintf(stderr, "h2s: rules reloaded from %s\n", config.reload_rules_on_sighup.c_str());
      } else {
        std::fprintf(stderr, "h2s: rule reload failed, keeping the current pack:\n%s\n", result->error.c_str());
      }
    }
  };
  const auto take_signal = [&](int sig) {
    if (sig == SIGHUP && reloader) reloader->request();
    if ((sig == SIGINT || sig == SIGTERM) && interrupt_signal.load() == 0) {
      interrupt_signal = sig;
      interrupted.store(true, std::memory_order_release);
    }
  };
  const auto started = std::chrono::steady_clock::now();
  const auto progress = [&] {
    ReplayProgress now;
    now.messages = counters.messages.get();
    now.signals = counters.published.get();
    now.input_position = file.position();
    now.input_size = file.size();
    now.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    config.on_progress(now);
  };
  std::atomic<bool> controlling{!sigisemptyset(&taken) || static_cast<bool>(config.on_progress)};
  std::thread control;
  struct StopControl {  // joins the control thread on every exit path, exceptions included
    std::atomic<bool>& controlling;
    std::thread& thread;
    ~StopControl() {
      controlling = false;
      if (thread.joinable()) thread.join();
    }
  } stop_control{controlling, control};
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &taken, &previous);  // inherited by the pipeline threads started below
  if (controlling) {
    control = std::thread([&] {
      const timespec tick{0, 50'000'000};
      auto next_progress = std::chrono::steady_clock::now() + config.progress_interval;
      while (controlling.load()) {
        const int sig = sigisemptyset(&taken) ? (nanosleep(&tick, nullptr), -1) : sigtimedwait(&taken, nullptr, &tick);
        take_signal(sig);
        report_reloads();
        if (config.on_progress && std::chrono::steady_clock::now() >= next_progress) {
          next_progress += config.progress_interval;
          progress();
        }
      }
    });
  }

  if (feed && config.wait_subscribers > 0) {
    if (config.on_waiting) config.on_waiting(feed->subscribers(), true);
    while (feed->subscribers() < config.wait_subscribers && !interrupted.load(std::memory_order_acquire)) {
      feed->serve_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
    }
    if (config.on_waiting) config.on_waiting(feed->subscribers(), false);
  }
  const IdleStrategy idle(config.idle);
  switch (config.layout) {
    case Layout::fused: {
      // The outputs first: a subscriber that connected before input arrived is taken before any publish.
      AgentRunner all("h2s-fused", {&feeding, &source, &processing}, idle);
      all.run_here();
      break;
    }
    case Layout::split: {
      AgentRunner io("h2s-source", {&source}, idle);
      io.start();
      AgentRunner hot("h2s-process", {&feeding, &processing}, idle);
      hot.run_here();
      io.join();
      break;
    }
    case Layout::staged: {
      AgentRunner io("h2s-source", {&source}, idle);
      AgentRunner hot("h2s-process", {&processing}, idle);
      io.start();
      hot.start();
      AgentRunner out("h2s-publish", {&publishing, &feeding}, idle);
      out.run_here();
      hot.join();
      io.join();
      break;
    }
  }
  // Lingering serves subscribers; an interrupt cuts it short.
  if (feed) feed->finish(config.linger, std::chrono::seconds(2), &interrupted);  // the runners are joined: this thread owns the feed
  if (control.joinable()) {
    controlling = false;
    control.join();
    report_reloads();
    // A signal that arrived after the control thread stopped is taken here, not by the default action.
    const timespec now{0, 0};
    for (int sig = 0; !sigisemptyset(&taken) && (sig = sigtimedwait(&taken, nullptr, &now)) > 0;) take_signal(sig);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ReplayReport report;
  if (reloader) {
    report.reloads_ok = reloader->succeeded();
    report.reloads_failed = reloader->failed();
  }
  report.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.interrupted_by = interrupt_signal.load();
  report.cut_partial_bytes = processing.cut_partial_bytes();
  report.samples = processor.sample_count();
  report.rejection_samples = processor.samples();
  report.read_errno = source.read_errno();
  report.read_error = file.last_error_text();
  report.output_errno = output.error();
  if (feed) {
    report.journal_errno = feed->journal().error();
    report.journal_halted = feed->halted();
    report.journal_unjournaled = feed->journal().unjournaled();
  }
  return report;
}

}  // namespace h2s::pipeline
