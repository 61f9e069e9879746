#include "audio/TempoFollower.hpp"

#include "audio/Stretch.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

#include <sys/resource.h>
#include <unistd.h>

namespace linktools::audio {

namespace {

// How often the worker looks at the wanted tempo.
constexpr auto kPoll = std::chrono::milliseconds(5);
// The worker's niceness (Linux: per thread).
constexpr int kNice = 10;

Rendering at_tempo(Buffer audio, double tempo, std::uint64_t generation) {
  Rendering r;
  r.frames_per_beat = 60.0 * audio.rate / tempo;
  r.audio = std::move(audio);
  r.tempo = tempo;
  r.generation = generation;
  return r;
}

// The clip as it plays one pass: cut or padded with silence to the pass
// length at its own tempo; the whole clip when it does not loop.
Buffer pass_of(const FollowSource& s) {
  Buffer b = *s.audio;
  if (s.loop) {
    const auto frames = static_cast<std::size_t>(std::llround(s.pass_beats * 60.0 / s.bpm * b.rate));
    b.left.resize(frames, 0.0f);
    b.right.resize(frames, 0.0f);
  }
  return b;
}

} // namespace

TempoFollower::TempoFollower(const std::vector<FollowSource>& sources, bool background) {
  clips_.reserve(sources.size());
  for (const FollowSource& s : sources) {
    Clip c;
    c.source = s;
    c.unstretched = std::make_unique<Rendering>(at_tempo(pass_of(s), s.bpm, 0));
    c.pending = std::make_unique<std::atomic<const Rendering*>>(nullptr);
    c.in_use = std::make_unique<std::atomic<std::uint64_t>>(0);
    clips_.push_back(std::move(c));
  }
  // The shortest first: a loop of a bar is ready long before a long stem.
  order_.resize(clips_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
    return clips_[a].unstretched->audio.frames() < clips_[b].unstretched->audio.frames();
  });
  if (background) worker_ = std::thread([this] { run(); });
}

TempoFollower::~TempoFollower() {
  quit_.store(true);
  if (worker_.joinable()) worker_.join();
}

void TempoFollower::run() {
  // Below the rest of the process: stretching must never take the CPU from
  // the audio (a real-time thread anyway) or from the Link threads.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice);
  while (!quit_.load()) {
    try {
      work();
    } catch (const std::exception&) {
      // Out of memory for a stretch: the clips play on, read at the
      // session's speed; the next tempo change tries again.
      const double tempo = wanted_.load(std::memory_order_relaxed);
      for (Clip& c : clips_) c.done_tempo = tempo;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

void TempoFollower::work() {
  const double tempo = wanted_.load(std::memory_order_relaxed);
  const auto changed = [&] { return quit_.load() || wanted_.load(std::memory_order_relaxed) != tempo; };
  for (const std::size_t i : order_) {
    Clip& c = clips_[i];
    // Free what the audio thread let go of (and offers it never took).
    const std::uint64_t in_use = c.in_use->load(std::memory_order_acquire);
    std::erase_if(c.owned, [&](const auto& r) { return r->generation < in_use; });
    if (tempo <= 0.0 || c.done_tempo == tempo) continue;
    const Buffer& pass = c.unstretched->audio;
    auto audio = tempo == c.source.bpm ? std::optional<Buffer>(pass)
                                       : stretch(pass, c.source.bpm / tempo, c.source.loop, changed);
    if (!audio) return; // the tempo changed meanwhile: start over with it
    c.owned.push_back(std::make_unique<Rendering>(at_tempo(std::move(*audio), tempo, c.next_generation++)));
    c.pending->store(c.owned.back().get(), std::memory_order_release);
    c.done_tempo = tempo;
    stretches_.fetch_add(1, std::memory_order_relaxed);
  }
}

} // namespace linktools::audio
