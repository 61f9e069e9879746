#include <doctest/doctest.h>

#include "jack/CycleClock.hpp"

#include <cstdint>

using linktools::jack_client::CycleClock;
using linktools::jack_client::CycleReading;

namespace {
constexpr std::uint32_t kFrames = 256;
constexpr double kRate = 48000.0;
constexpr double kPeriod = 256 * 1e6 / 48000; // 5333.3 us
} // namespace

TEST_CASE("cycle clock: an ordinary cycle is JACK's pair as it is") {
  CycleClock clock;
  const auto s = clock.span({1000, 50'000'000, 50'005'334, 5333.3f}, kFrames, kRate);
  CHECK(s.start_usecs == 50'000'000.0);
  CHECK(s.us_per_frame == doctest::Approx(5334.0 / 256));
  CHECK(clock.repaired() == 0);
}

TEST_CASE("cycle clock: after an xrun notice moved the current time past the next, the cycle goes on from the last") {
  // JACK 2's xrun notice sets the current time to a late wake-up (40 ms
  // late here) and leaves the next one: taken as unsigned, next - current
  // is about 2^64 us, and a frame would last 7e16 us.
  CycleClock clock;
  clock.span({1000, 50'000'000, 50'005'333, 5333.3f}, kFrames, kRate);
  const CycleReading after_xrun{1000 + kFrames, 50'045'000, 50'010'700, 5333.5f};
  const auto s = clock.span(after_xrun, kFrames, kRate);
  CHECK(s.start_usecs == 50'005'333.0); // where the last cycle said this one starts
  CHECK(s.us_per_frame == doctest::Approx(5367.0 / 256));
  CHECK(clock.repaired() == 1);
  // The next cycle is ordinary again and follows on.
  const auto t = clock.span({1000 + 2 * kFrames, 50'010'700, 50'016'000, 5333.5f}, kFrames, kRate);
  CHECK(t.start_usecs == 50'010'700.0);
  CHECK(clock.repaired() == 1);
}

TEST_CASE("cycle clock: the same reading in a client's first cycle falls back on JACK's period") {
  CycleClock clock;
  const auto s = clock.span({77, 9'000'000, 8'990'000, 5340.0f}, kFrames, kRate);
  CHECK(s.start_usecs == doctest::Approx(8'990'000.0 - 5340.0));
  CHECK(s.us_per_frame == doctest::Approx(5340.0 / 256));
  // A period estimate off by more than half: the nominal period.
  CycleClock other;
  const auto n = other.span({77, 9'000'000, 9'000'000, 0.0f}, kFrames, kRate);
  CHECK(n.start_usecs == doctest::Approx(9'000'000.0 - kPeriod));
  CHECK(n.us_per_frame == doctest::Approx(kPeriod / 256));
  CHECK(other.repaired() == 1);
}

TEST_CASE("cycle clock: frames that do not follow on (a skipped cycle) do not borrow the last cycle's time") {
  CycleClock clock;
  clock.span({1000, 50'000'000, 50'005'333, 5333.3f}, kFrames, kRate);
  const auto s = clock.span({1000 + 3 * kFrames, 50'030'000, 50'021'000, 5333.3f}, kFrames, kRate);
  CHECK(s.start_usecs == doctest::Approx(50'021'000.0 - 5333.3));
  // Every repaired span lasts a plausible cycle, never a negative or huge one.
  CHECK(s.us_per_frame > 0.0);
  CHECK(s.us_per_frame * kFrames < 2 * kPeriod);
}

TEST_CASE("cycle clock: frame counts wrap after a day at 48 kHz") {
  CycleClock clock;
  const std::uint32_t near_end = 0xFFFFFFFFu - 100;
  clock.span({near_end, 50'000'000, 50'005'333, 5333.3f}, kFrames, kRate);
  const auto s = clock.span({near_end + kFrames, 50'040'000, 50'010'666, 5333.3f}, kFrames, kRate);
  CHECK(s.start_usecs == 50'005'333.0);
}
