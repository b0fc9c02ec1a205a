#include "alloc_counter.hpp"

#include <cstddef>

namespace {
thread_local std::uint64_t t_allocations = 0;
}

namespace h2s::perf {
std::uint64_t thread_allocations() noexcept { return t_allocations; }
}  // namespace h2s::perf

// glibc lets a program interpose its allocator and reach the real one through __libc_*.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t n) {
  ++t_allocations;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  ++t_allocations;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  ++t_allocations;
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  ++t_allocations;
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  ++t_allocations;
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}
