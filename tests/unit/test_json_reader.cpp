// The strict streaming JSON reader under the sequence format.
#include "sequence/JsonReader.hpp"

#include <doctest/doctest.h>

#include <fmt/core.h>

#include <string>

namespace json = linktools::json;

namespace {

// Writes what the reader reports as a compact trace.
struct Trace final : json::Handler {
  std::string out;
  void null() override { out += "null "; }
  void boolean(bool b) override { out += b ? "true " : "false "; }
  void number(const json::Number& n) override {
    out += n.integer ? fmt::format("i{} ", n.as_integer) : fmt::format("d{}({}) ", n.value, n.literal);
  }
  void string(std::string_view s) override { out += "\"" + std::string(s) + "\" "; }
  void start_object() override { out += "{ "; }
  void key(std::string_view k) override { out += "k:" + std::string(k) + " "; }
  void end_object() override { out += "} "; }
  void start_array() override { out += "[ "; }
  void end_array() override { out += "] "; }
};

std::string trace(std::string_view text) {
  Trace t;
  json::SyntaxError e;
  if (!json::read(text, t, e)) return fmt::format("error at {}: {}", e.offset, e.message);
  return t.out;
}

} // namespace

TEST_CASE("values, in document order") {
  CHECK(trace(R"( {"a": [1, -2, 0.5, 1e3, true, false, null, "x"], "b": {}} )") ==
        "{ k:a [ i1 i-2 d0.5(0.5) d1000(1e3) true false null \"x\" ] k:b { } } ");
  CHECK(trace("[]") == "[ ] ");
  CHECK(trace("\"alone\"") == "\"alone\" ");
  CHECK(trace("-0") == "i0 ");
  // Too big for an int64: a double, with the literal kept.
  CHECK(trace("99999999999999999999") == "d1e+20(99999999999999999999) ");
}

TEST_CASE("string escapes and UTF-8") {
  CHECK(trace(R"(["a\"b\\c\/d\b\f\n\r\t"])") == "[ \"a\"b\\c/d\b\f\n\r\t\" ] ");
  CHECK(trace(R"(["\u00e9\u20ac"])") == "[ \"\xC3\xA9\xE2\x82\xAC\" ] ");
  CHECK(trace(R"(["\ud83c\udfb9"])") == "[ \"\xF0\x9F\x8E\xB9\" ] "); // a surrogate pair
  CHECK(trace("[\"caf\xC3\xA9\"]") == "[ \"caf\xC3\xA9\" ] ");
}

TEST_CASE("syntax errors say where and what") {
  CHECK(trace("") == "error at 0: expected a value, got the end of the text");
  CHECK(trace("[1,]") == "error at 3: expected a value, got ']'");
  CHECK(trace(R"({"a": 1,})") == "error at 8: expected a member name in double quotes, got '}'");
  CHECK(trace(R"({"a" 1})") == "error at 5: expected ':' after the member name, got '1'");
  CHECK(trace(R"({"a": 1 "b": 2})") ==
        "error at 8: expected ',' or '}' after an object member, got '\"'");
  CHECK(trace("[1 2]") == "error at 3: expected ',' or ']' after an array element, got '2'");
  CHECK(trace("{} x") == "error at 3: expected the end of the text after the document, got 'x'");
  CHECK(trace("[tru]") == "error at 4: expected true, got ']'");
  CHECK(trace("[01]") == "error at 2: expected ',' or ']' after an array element, got '1'");
  CHECK(trace("[1.]") == "error at 3: expected a digit, got ']'");
  CHECK(trace("[-]") == "error at 2: expected a digit, got ']'");
  CHECK(trace("[1e400]") == "error at 1: expected a number a double can hold, got 1e400");
  CHECK(trace("[NaN]") == "error at 1: expected a value, got 'N'");
  CHECK(trace("[\"abc") == "error at 5: expected the closing '\"' of the string, got the end of the text");
  CHECK(trace("[\"a\tb\"]") ==
        "error at 3: expected a character of the string, got control byte 0x09 (write it as \\u0009)");
  CHECK(trace(R"(["\x"])") ==
        R"(error at 3: expected an escape (\" \\ \/ \b \f \n \r \t \uXXXX), got 'x')");
  CHECK(trace(R"(["\u12G4"])") == "error at 6: expected four hex digits after \\u, got 'G'");
  CHECK(trace(R"(["\udc00"])") == "error at 8: expected a high surrogate before \\uDC00, got none");
  CHECK(trace(R"(["\ud800x"])") == "error at 8: expected a low surrogate after \\uD800, got 'x'");
  CHECK(trace("[\"\xC3\"]") == "error at 2: expected UTF-8 text, got byte 0xC3");
  CHECK(trace("[\"\xC0\xAF\"]") == "error at 2: expected UTF-8 text, got byte 0xC0");      // overlong
  CHECK(trace("[\"\xED\xA0\x80\"]") == "error at 2: expected UTF-8 text, got byte 0xED");  // a surrogate
  CHECK(trace("[\"\xF4\x90\x80\x80\"]") == "error at 2: expected UTF-8 text, got byte 0xF4"); // > U+10FFFF
  CHECK(trace("// comment\n{}") == "error at 0: expected a value, got '/'");
  CHECK(trace("\xEF\xBB\xBF{}") == "error at 0: expected a value, got byte 0xEF");
}

TEST_CASE("deep nesting needs no call stack") {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK(trace(deep).size() == 200000 * 4);
  const std::string open = std::string(200000, '[');
  CHECK(trace(open) == "error at 200000: expected a value, got the end of the text");
}
