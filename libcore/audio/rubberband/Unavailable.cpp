// Built instead of Stretch.cpp when Rubber Band was not found at configure
// time: link-play refuses --follow-tempo before anything plays.
#include "audio/Stretch.hpp"

namespace linktools::audio {

struct Stretch::Impl {};

Stretch::Stretch(const Buffer&, double, bool) {}
Stretch::~Stretch() = default;
bool Stretch::available() noexcept { return false; }
void Stretch::restart(double) noexcept {}
void Stretch::render(double, double, float* left, float* right, std::uint32_t frames) noexcept {
  for (std::uint32_t i = 0; i < frames; ++i) left[i] = right[i] = 0.0f;
}

} // namespace linktools::audio
