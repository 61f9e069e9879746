#pragma once
// A strict JSON (RFC 8259) reader that streams what it reads to a handler,
// building nothing. It exists because sequence files can hold millions of
// events: it reads about three times faster than nlohmann's SAX parser,
// since strings without escapes reach the handler as views into the text
// and numbers are converted with std::from_chars.
//
// Strict: no comments, no trailing commas, no NaN, UTF-8 checked, one
// value per text (whitespace around it allowed). Nesting is kept on a
// heap-allocated stack, so deep nesting cannot overflow the call stack.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace linktools::json {

struct Number {
  double value = 0.0;
  std::string_view literal; // as written in the text
  bool integer = false;     // written without fraction or exponent, and fits int64
  std::int64_t as_integer = 0;
};

class Handler {
public:
  virtual void null() = 0;
  virtual void boolean(bool value) = 0;
  virtual void number(const Number& number) = 0;
  // The decoded contents; valid only during the call.
  virtual void string(std::string_view value) = 0;
  virtual void start_object() = 0;
  virtual void key(std::string_view key) = 0;
  virtual void end_object() = 0;
  virtual void start_array() = 0;
  virtual void end_array() = 0;

protected:
  ~Handler() = default;
};

struct SyntaxError {
  std::size_t offset = 0; // byte offset of the offending character (text size: at the end)
  std::string message;    // "expected ',' or '}' after a member, got 'x'"
};

// Reads `text`, calling `handler` for each part in document order. Returns
// false and fills `error` at the first syntax error (the handler has then
// seen a prefix of the document).
bool read(std::string_view text, Handler& handler, SyntaxError& error);

// The length of the well-formed UTF-8 sequence at [p, end), 0 if there is
// none (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
// p < end.
std::size_t utf8_length(const unsigned char* p, const unsigned char* end) noexcept;
// The whole text is well-formed UTF-8 in that sense: what the reader takes.
bool is_utf8(std::string_view text) noexcept;

} // namespace linktools::json
