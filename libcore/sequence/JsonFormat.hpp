#pragma once
// The link-seq/1 JSON format (docs/link-seq-format.md, man 5 link-seq):
// reading with every problem found, and writing.
//
// Reading streams the text through a SAX parser straight into the compact
// Sequence: no JSON tree is built, so a file of a million events needs
// little more memory than its Sequence (32 bytes an event) and the text.

#include "sequence/Sequence.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace linktools::sequence {

struct Problem {
  std::string pointer; // RFC 6901 JSON pointer ("" = the document); or "line L, column C"
  std::string message; // "expected ..., got ..."
};

struct ParseResult {
  Sequence sequence;              // meaningful only when problems is empty
  std::vector<Problem> problems;  // in the order found, at most kMaxProblems
  std::size_t problems_dropped = 0; // found beyond kMaxProblems
  bool ok() const noexcept { return problems.empty(); }
};

// A file with a million typos should not print a million lines.
inline constexpr std::size_t kMaxProblems = 100;

ParseResult parse_json_sequence(std::string_view text);

// The sequence as a link-seq/1 document: one event per line, notes as
// numbers, tracks and events in file order. parse_json_sequence reads it back
// to an equal Sequence.
std::string to_json(const Sequence& sequence);

} // namespace linktools::sequence
