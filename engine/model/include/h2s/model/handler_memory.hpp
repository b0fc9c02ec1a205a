#pragma once
// Fixed memory for asynchronous operations' state (Asio allocates it through the completion
// handler's associated allocator). Asio's own recycling cache holds too few blocks for a
// composed operation such as a WebSocket read over TLS, and only works inside run()/poll(), so
// an I/O path that must not allocate brings its own slots. No Asio types needed: Asio finds the
// allocator through the handler's nested allocator_type.
#include <array>
#include <cstddef>
#include <new>
#include <utility>

namespace h2s {

class HandlerMemory {
 public:
  static constexpr std::size_t kSlots = 4;
  static constexpr std::size_t kSlotBytes = 2048;

  void* allocate(std::size_t size) {
    if (size <= kSlotBytes) {
      for (std::size_t i = 0; i < kSlots; ++i) {
        if (!in_use_[i]) {
          in_use_[i] = true;
          return slots_[i].bytes;
        }
      }
    }
    return ::operator new(size);  // more or larger operations at once: not the steady state
  }
  void deallocate(void* pointer) noexcept {
    for (std::size_t i = 0; i < kSlots; ++i) {
      if (pointer == slots_[i].bytes) {
        in_use_[i] = false;
        return;
      }
    }
    ::operator delete(pointer);
  }

 private:
  struct Slot {
    alignas(std::max_align_t) unsigned char bytes[kSlotBytes];
  };
  std::array<Slot, kSlots> slots_;
  std::array<bool, kSlots> in_use_{};
};

template <class T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& memory) noexcept : memory_(&memory) {}
  template <class U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}  // NOLINT: rebinding
  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* pointer, std::size_t) noexcept { memory_->deallocate(pointer); }
  template <class U>
  bool operator==(const HandlerAllocator<U>& other) const noexcept { return memory_ == other.memory_; }
  template <class U>
  bool operator!=(const HandlerAllocator<U>& other) const noexcept { return memory_ != other.memory_; }

 private:
  template <class>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

// A completion handler whose operation state lives in a HandlerMemory.
template <class Handler>
class HandlerWithMemory {
 public:
  using allocator_type = HandlerAllocator<Handler>;
  HandlerWithMemory(HandlerMemory& memory, Handler handler) : memory_(&memory), handler_(std::move(handler)) {}
  [[nodiscard]] allocator_type get_allocator() const noexcept { return allocator_type(*memory_); }
  template <class... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory* memory_;
  Handler handler_;
};

}  // namespace h2s
