#include <doctest/doctest.h>

#include <cmath>

#include "timeline/TimelineMath.hpp"

#include <cstdint>

using linktools::timeline::beat_in_bar;
using linktools::timeline::beat_of_tick;
using linktools::timeline::next_quantum_boundary;
using linktools::timeline::phase_of;
using linktools::timeline::ticks_between;
using linktools::timeline::TickRange;

namespace {
constexpr double kTicksPerBeat = 24.0; // MIDI clock
} // namespace

// --- next_quantum_boundary ------------------------------------------------

TEST_CASE("next_quantum_boundary: a beat on a boundary gives the next boundary") {
  CHECK(next_quantum_boundary(0.0, 4.0) == 4.0);
  CHECK(next_quantum_boundary(4.0, 4.0) == 8.0);
  CHECK(next_quantum_boundary(8.0, 4.0) == 12.0);
}

TEST_CASE("next_quantum_boundary: a beat inside a bar gives the end of that bar") {
  CHECK(next_quantum_boundary(0.5, 4.0) == 4.0);
  CHECK(next_quantum_boundary(3.99, 4.0) == 4.0);
  CHECK(next_quantum_boundary(5.0, 4.0) == 8.0);
}

TEST_CASE("next_quantum_boundary: negative beats") {
  CHECK(next_quantum_boundary(-1.0, 4.0) == 0.0);
  CHECK(next_quantum_boundary(-0.001, 4.0) == 0.0);
  CHECK(next_quantum_boundary(-4.0, 4.0) == 0.0);
  CHECK(next_quantum_boundary(-5.0, 4.0) == -4.0);
  CHECK(next_quantum_boundary(-8.0, 4.0) == -4.0);
}

TEST_CASE("next_quantum_boundary: quantum 3") {
  CHECK(next_quantum_boundary(0.0, 3.0) == 3.0);
  CHECK(next_quantum_boundary(2.9, 3.0) == 3.0);
  CHECK(next_quantum_boundary(3.0, 3.0) == 6.0);
  CHECK(next_quantum_boundary(4.0, 3.0) == 6.0);
  CHECK(next_quantum_boundary(-2.0, 3.0) == 0.0);
}

TEST_CASE("next_quantum_boundary: fractional quantum 1.5") {
  CHECK(next_quantum_boundary(0.0, 1.5) == 1.5);
  CHECK(next_quantum_boundary(1.0, 1.5) == 1.5);
  CHECK(next_quantum_boundary(1.5, 1.5) == 3.0);
  CHECK(next_quantum_boundary(2.0, 1.5) == 3.0);
  CHECK(next_quantum_boundary(4.5, 1.5) == 6.0);
  CHECK(next_quantum_boundary(-1.0, 1.5) == 0.0);
}

TEST_CASE("next_quantum_boundary: a beat a hair off a boundary counts as on it") {
  // Floating-point noise around beat 4 must not schedule a change for "now".
  CHECK(next_quantum_boundary(3.9999999999, 4.0) == 8.0);
  CHECK(next_quantum_boundary(4.0000000001, 4.0) == 8.0);
  // A computed beat: 0.1 * 3 * 10 is 3.0000000000000004.
  CHECK(next_quantum_boundary(0.1 * 3.0 * 10.0, 3.0) == 6.0);
  CHECK(next_quantum_boundary(2.9999999999, 3.0) == 6.0);
  // Farther than the tolerance it is a beat of its own.
  CHECK(next_quantum_boundary(3.9999, 4.0) == 4.0);
}

// --- phase_of ---------------------------------------------------------------

TEST_CASE("phase_of: positive beats") {
  CHECK(phase_of(0.0, 4.0) == 0.0);
  CHECK(phase_of(1.5, 4.0) == 1.5);
  CHECK(phase_of(4.0, 4.0) == 0.0);
  CHECK(phase_of(5.5, 4.0) == 1.5);
  CHECK(phase_of(7.0, 3.0) == 1.0);
  CHECK(phase_of(2.25, 1.5) == 0.75);
}

TEST_CASE("phase_of: negative beats wrap into [0, quantum)") {
  CHECK(phase_of(-1.0, 4.0) == 3.0);
  CHECK(phase_of(-0.5, 4.0) == 3.5);
  CHECK(phase_of(-4.0, 4.0) == 0.0);
  CHECK(phase_of(-5.0, 4.0) == 3.0);
  CHECK(phase_of(-1.0, 3.0) == 2.0);
  CHECK(phase_of(-0.5, 1.5) == 1.0);
}

TEST_CASE("phase_of: a tiny negative beat does not round up to the quantum") {
  const double phase = phase_of(-1e-20, 4.0);
  CHECK(phase >= 0.0);
  CHECK(phase < 4.0);
  CHECK(phase == 0.0);
}

// --- ticks_between ----------------------------------------------------------

TEST_CASE("ticks_between: one whole beat holds 24 ticks, 0 to 23") {
  const TickRange range = ticks_between(0.0, 1.0, kTicksPerBeat);
  CHECK(range.first == 0);
  CHECK(range.last == 24);
  CHECK(range.size() == 24);
}

TEST_CASE("ticks_between: the second half of a beat") {
  const TickRange range = ticks_between(0.5, 1.0, kTicksPerBeat);
  CHECK(range.first == 12);
  CHECK(range.last == 24);
  CHECK(range.size() == 12);
}

TEST_CASE("ticks_between: a range between ticks") {
  // Tick 1 is at beat 1/24 = 0.041666..., tick 2 at 0.08333...
  SUBCASE("holding one tick") {
    const TickRange range = ticks_between(0.02, 0.06, kTicksPerBeat);
    CHECK(range.first == 1);
    CHECK(range.last == 2);
    CHECK(range.size() == 1);
  }
  SUBCASE("holding none") {
    const TickRange range = ticks_between(0.045, 0.08, kTicksPerBeat);
    CHECK(range.size() == 0);
  }
}

TEST_CASE("ticks_between: negative ranges") {
  SUBCASE("the beat before zero") {
    const TickRange range = ticks_between(-1.0, 0.0, kTicksPerBeat);
    CHECK(range.first == -24);
    CHECK(range.last == 0);
    CHECK(range.size() == 24);
  }
  SUBCASE("a range across zero") {
    const TickRange range = ticks_between(-0.5, 0.5, kTicksPerBeat);
    CHECK(range.first == -12);
    CHECK(range.last == 12);
    CHECK(range.size() == 24);
  }
  SUBCASE("a negative range off the grid") {
    const TickRange range = ticks_between(-0.51, -0.24, kTicksPerBeat);
    // Ticks -12 (beat -0.5) .. -6 (beat -0.25) lie inside.
    CHECK(range.first == -12);
    CHECK(range.last == -5);
    CHECK(range.size() == 7);
  }
}

TEST_CASE("ticks_between: empty and reversed ranges hold no ticks") {
  SUBCASE("empty on a tick") {
    const TickRange range = ticks_between(0.5, 0.5, kTicksPerBeat);
    CHECK(range.size() == 0);
    CHECK(range.first == range.last);
  }
  SUBCASE("empty between ticks") {
    CHECK(ticks_between(0.51, 0.51, kTicksPerBeat).size() == 0);
  }
  SUBCASE("reversed") {
    const TickRange range = ticks_between(1.0, 0.5, kTicksPerBeat);
    CHECK(range.size() == 0);
    CHECK(range.last >= range.first);
  }
  SUBCASE("reversed negative") {
    CHECK(ticks_between(-0.25, -1.0, kTicksPerBeat).size() == 0);
  }
}

TEST_CASE("ticks_between: a tick on the start is included, a tick on the end excluded") {
  // Tick 12 sits exactly at beat 0.5.
  SUBCASE("starts on a tick") {
    const TickRange range = ticks_between(0.5, 0.52, kTicksPerBeat);
    CHECK(range.first == 12);
    CHECK(range.last == 13);
  }
  SUBCASE("ends on a tick") {
    const TickRange range = ticks_between(0.48, 0.5, kTicksPerBeat);
    CHECK(range.first == 12);
    CHECK(range.last == 12);
    CHECK(range.size() == 0);
  }
  SUBCASE("starts just after a tick") {
    CHECK(ticks_between(0.501, 0.52, kTicksPerBeat).size() == 0);
  }
}

TEST_CASE("ticks_between: back-to-back ranges neither drop nor repeat a tick") {
  // Beats accumulated as a scheduler would, with floating-point drift: ten
  // steps of 0.1 end at 0.9999999999999999, not 1.
  std::int64_t expected_first = 0;
  std::int64_t total = 0;
  double from = 0.0;
  for (int i = 0; i < 40; ++i) {
    const double to = from + 0.1;
    const TickRange range = ticks_between(from, to, kTicksPerBeat);
    CHECK(range.first == expected_first);
    expected_first = range.last;
    total += range.size();
    from = to;
  }
  CHECK(total == 96); // 4 beats of 24 ticks
  CHECK(expected_first == 96);
}

// --- beat_of_tick -----------------------------------------------------------

TEST_CASE("beat_of_tick") {
  CHECK(beat_of_tick(0, kTicksPerBeat) == 0.0);
  CHECK(beat_of_tick(12, kTicksPerBeat) == 0.5);
  CHECK(beat_of_tick(24, kTicksPerBeat) == 1.0);
  CHECK(beat_of_tick(36, kTicksPerBeat) == 1.5);
  CHECK(beat_of_tick(-6, kTicksPerBeat) == -0.25);
  CHECK(beat_of_tick(3, 4.0) == 0.75);
}

TEST_CASE("beat_of_tick is the inverse of the tick grid of ticks_between") {
  for (std::int64_t tick = -50; tick <= 50; ++tick) {
    const TickRange range = ticks_between(beat_of_tick(tick, kTicksPerBeat),
                                          beat_of_tick(tick + 1, kTicksPerBeat), kTicksPerBeat);
    CHECK(range.first == tick);
    CHECK(range.last == tick + 1);
  }
}

// --- beat_in_bar ------------------------------------------------------------

TEST_CASE("beat_in_bar: the 0-based beat a phase falls in") {
  CHECK(beat_in_bar(0.0, 4.0) == 0);
  CHECK(beat_in_bar(0.99, 4.0) == 0);
  CHECK(beat_in_bar(1.0, 4.0) == 1);
  CHECK(beat_in_bar(2.7, 4.0) == 2);
  CHECK(beat_in_bar(3.99, 4.0) == 3);
}

TEST_CASE("beat_in_bar: other quanta") {
  CHECK(beat_in_bar(2.5, 3.0) == 2);
  CHECK(beat_in_bar(1.2, 1.5) == 1);
  CHECK(beat_in_bar(0.4, 1.0) == 0);
  CHECK(beat_in_bar(0.4, 0.5) == 0);
}

TEST_CASE("beat_in_bar: a phase a hair below a beat counts as that beat") {
  CHECK(beat_in_bar(0.9999999999, 4.0) == 1);
  CHECK(beat_in_bar(1.9999999999, 4.0) == 2);
}

TEST_CASE("beat_in_bar: stays inside the bar for out-of-range phases") {
  CHECK(beat_in_bar(4.0, 4.0) == 3);
  CHECK(beat_in_bar(3.9999999999, 4.0) == 3);
  CHECK(beat_in_bar(-0.5, 4.0) == 0);
  CHECK(beat_in_bar(1.49, 1.5) == 1);
}

TEST_CASE("phase_of: a whole bar below zero is +0, not -0") {
  CHECK_FALSE(std::signbit(linktools::timeline::phase_of(-4.0, 4.0)));
  CHECK_FALSE(std::signbit(linktools::timeline::phase_of(-0.0, 4.0)));
}
