#pragma once
// A fixed-size ring buffer for exactly one producer thread and one consumer
// thread: JACK's process callback pushes, the main thread pops (link-jack-
// transport's transport events, bench/clock-receiver's observations). No locks and
// no allocation after construction, so the realtime side never waits; when
// the ring is full, push() fails and the caller counts the loss instead.

#include <array>
#include <atomic>
#include <cstddef>
#include <type_traits>

namespace linktools::jack_client {

template <typename T, std::size_t Capacity>
class SpscRing {
  static_assert(Capacity > 0 && (Capacity & (Capacity - 1)) == 0,
                "a power of two, so the free-running indices wrap cleanly");
  static_assert(std::is_trivially_copyable_v<T>, "slots are plain copies");

public:
  // Producer only. Realtime-safe: yes.
  bool push(const T& value) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) == Capacity) return false;
    slots_[head & kMask] = value;
    head_.store(head + 1, std::memory_order_release); // publishes the slot
    return true;
  }

  // Consumer only. Realtime-safe: yes.
  bool pop(T& out) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    out = slots_[tail & kMask];
    tail_.store(tail + 1, std::memory_order_release); // hands the slot back
    return true;
  }

private:
  static constexpr std::size_t kMask = Capacity - 1;
  static_assert(std::atomic<std::size_t>::is_always_lock_free);
  // Apart, so the two threads do not fight over one cache line.
  alignas(64) std::atomic<std::size_t> head_{0};
  alignas(64) std::atomic<std::size_t> tail_{0};
  std::array<T, Capacity> slots_{};
};

} // namespace linktools::jack_client
