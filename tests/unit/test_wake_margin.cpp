#include <doctest/doctest.h>

#include "midi/WakeMargin.hpp"

using namespace linktools;
using namespace linktools::midi;
using std::chrono::microseconds;

TEST_CASE("wake margin: starts at its least and stays there while the timer is punctual") {
  WakeMargin m;
  CHECK(m.margin() == WakeMargin::kMin);
  for (int i = 0; i < 1000; ++i) m.record(microseconds(20 + i % 30));
  CHECK(m.margin() == WakeMargin::kMin);
}

TEST_CASE("wake margin: follows a machine whose wake-ups come late, to about their 99th percentile and a little more") {
  WakeMargin m;
  // 1 in 64 wake-ups 300 us late (4 of the 256 kept), the rest 50 us.
  for (int i = 0; i < 1000; ++i) m.record(microseconds(i % 64 == 0 ? 300 : 50));
  CHECK(m.margin() == microseconds(300) + WakeMargin::kHeadroom);
  // Every wake-up 200 us late: the margin covers them all.
  for (std::size_t i = 0; i < WakeMargin::kKept; ++i) m.record(microseconds(200));
  CHECK(m.margin() == microseconds(200) + WakeMargin::kHeadroom);
}

TEST_CASE("wake margin: one or two stalls do not move it, and it never exceeds its most") {
  WakeMargin m;
  for (int i = 0; i < 300; ++i) m.record(microseconds(40));
  m.record(microseconds(8000));
  m.record(microseconds(5000));
  CHECK(m.margin() == WakeMargin::kMin);
  m.record(microseconds(3000)); // a third: now a minute of stalls, as far as it knows
  CHECK(m.margin() == WakeMargin::kMax);
}

TEST_CASE("wake margin: comes back down once the late wake-ups have left its memory") {
  WakeMargin m;
  for (std::size_t i = 0; i < WakeMargin::kKept; ++i) m.record(microseconds(400));
  CHECK(m.margin() == microseconds(430));
  for (std::size_t i = 0; i < WakeMargin::kKept - 3; ++i) m.record(microseconds(60));
  CHECK(m.margin() == microseconds(430)); // three of the late ones are still kept
  m.record(microseconds(60));
  CHECK(m.margin() == WakeMargin::kMin);
}

TEST_CASE("wake margin: a sleep that returned early counts as on time") {
  WakeMargin m;
  for (int i = 0; i < 300; ++i) m.record(microseconds(-500));
  CHECK(m.margin() == WakeMargin::kMin);
}
