// Built instead of Stretch.cpp when Rubber Band was not found at configure
// time: link-play refuses --follow-tempo before anything plays.
#include "audio/Stretch.hpp"

#include "cli/Errors.hpp"

namespace linktools::audio {

std::optional<Buffer> stretch(const Buffer&, double, bool, const std::function<bool()>&) {
  throw ToolError(ExitCode::failure, "--follow-tempo", "this build has no Rubber Band");
}

bool stretch_available() noexcept { return false; }

} // namespace linktools::audio
