// Proves the hot path (frame -> decode -> match -> score -> publish) never allocates: global
// operator new (and, outside sanitizer builds, malloc) are counted while the sample feed runs.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "h2s/pipeline/processor.hpp"
#include "h2s/pipeline/publisher.hpp"
#include "h2s/rules/compiled_pack.hpp"
#include "test_paths.hpp"

#if !defined(H2S_SANITIZER_BUILD)  // sanitizer runtimes own the allocator: nothing to count there

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};
void note_allocation() noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

void* operator new(std::size_t n) {
  note_allocation();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  note_allocation();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  note_allocation();
  if (void* p = std::aligned_alloc(static_cast<std::size_t>(a), (n + static_cast<std::size_t>(a) - 1) & ~(static_cast<std::size_t>(a) - 1))) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// C allocations too (simdjson and Hyperscan could call malloc directly): glibc lets a program
// interpose malloc and reach the real one through __libc_malloc.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
  note_allocation();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  note_allocation();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  note_allocation();
  return __libc_realloc(p, n);
}
}

TEST_CASE("The hot path does not allocate, from the first message on") {
  std::ifstream in(h2s::test::sample_feed(), std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  std::string feed = contents.str();
  const std::size_t feed_size = feed.size();
  feed.append(h2s::feeds::kLinePadding, ' ');

  auto pack = h2s::rules::CompiledPack::load(h2s::test::default_rules());
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  REQUIRE(devnull >= 0);
  h2s::publish::NdjsonWriter writer(devnull, 4096);  // small: flushes (write syscalls) happen during the run
  h2s::pipeline::PipelineCounters counters;
  h2s::pipeline::Publisher publisher(writer, h2s::pipeline::ClockMode::live, counters);
  h2s::pipeline::ProcessorConfig config;
  config.clock = h2s::pipeline::ClockMode::live;
  config.scoring.throttle_max_signals = 1000;  // the whole feed runs within one live second
  h2s::pipeline::Processor processor(config, pack, publisher, counters);

  g_allocations = 0;
  g_counting = true;
  // Odd-sized chunks so lines also cross chunk boundaries (the carry path).
  for (std::size_t at = 0; at < feed_size; at += 777) {
    const std::size_t n = at + 777 < feed_size ? 777 : feed_size - at;
    processor.on_stream_bytes({feed.data() + at, n});
  }
  processor.on_end_of_stream();
  publisher.flush();
  g_counting = false;
  ::close(devnull);

  CHECK(g_allocations.load() == 0);
  CHECK(counters.messages.get() > 200);
  CHECK(counters.published.get() > 50);
  CHECK(counters.balanced());
}

#endif  // !H2S_SANITIZER_BUILD
