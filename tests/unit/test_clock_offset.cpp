#include <doctest/doctest.h>

#include "session/ClockOffset.hpp"

#include <cmath>
#include <cstdint>

using linktools::ClockOffset;

TEST_CASE("clock offset: the first clean sample sets it, from the midpoint of the bracket") {
  ClockOffset o;
  CHECK(!o.valid());
  o.add(1000, 400, 1004); // Link read at 1000 and 1004, other clock said 400
  REQUIRE(o.valid());
  CHECK(o.offset() == doctest::Approx(602.0));
}

TEST_CASE("clock offset: interrupted readings are dropped") {
  ClockOffset o;
  o.add(1000, 400, 1000 + ClockOffset::kMaxBracketUs + 1);
  CHECK(!o.valid());
  o.add(2000, 1400, 2002);
  REQUIRE(o.valid());
  const double before = o.offset();
  o.add(3000, 2000, 3500); // 500 us apart: preempted in between
  CHECK(o.offset() == before);
  o.add(3000, 2400, 2990); // Link's clock going back: not a reading
  CHECK(o.offset() == before);
}

TEST_CASE("clock offset: follows a slow drift between the clocks, smoothing the noise") {
  ClockOffset o;
  // The other clock runs 20 ppm slow; readings carry +-1 us of noise.
  double other = 0.0;
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t link = 1'000'000 + i * 21'333;
    other = static_cast<double>(i) * 21'333 * (1.0 - 20e-6);
    const int noise = (i % 3) - 1;
    o.add(link, static_cast<std::int64_t>(other) + noise, link + 2);
  }
  const double truth = (1'000'000 + 1999.0 * 21'333 + 1.0) - other;
  CHECK(std::abs(o.offset() - truth) < 1.5);
  CHECK(o.drift_ppm() == doctest::Approx(20.0).epsilon(0.1));
}

TEST_CASE("clock offset: a step of more than a millisecond is taken at once") {
  ClockOffset o;
  o.add(1000, 0, 1002);
  o.add(1000 + 20'000, 20'000, 1002 + 20'000);
  o.add(1000 + 45'000, 40'000, 1002 + 45'000);
  CHECK(o.offset() == doctest::Approx(6001.0));
  CHECK(o.drift_ppm() == 0.0);
}
