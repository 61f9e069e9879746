#pragma once
// link-seq: options, their parsing, and the program itself.

#include "cli/Tool.hpp"
#include "midi/OutputFlags.hpp"

#include <memory>
#include <optional>
#include <string>

namespace linktools {

struct SeqCommandOptions {
  CommonOptions common;
  bool quantum_given = false; // -q on the command line overrides the file's quantum
  midi::OutputFlags output{"link-seq"};
  std::string file;
  bool loop = false;
  LengthOptions length; // --bars, --beats
  bool sync = false;
  bool dry_run = false;
  bool check = false;
  bool to_json = false;
  bool quiet = false;
  // Live editing: read the file again whenever it changes, and swap to the
  // new version on the next boundary (bar, loop or beat; "" for the
  // default: the loop's end with loop_beats, else the bar).
  bool reload = false;
  std::string swap_at;
  bool cut = false; // notes sounding at a swap end there, not at their own end
  // JSON Lines commands on standard input (commands/link-seq/SeqControl.hpp);
  // without FILE, an empty sequence that loops.
  bool control = false;
};

std::unique_ptr<CLI::App> make_seq_app(SeqCommandOptions& options);
void validate(const SeqCommandOptions& options);
ExitCode run_seq(const SeqCommandOptions& options);

} // namespace linktools
