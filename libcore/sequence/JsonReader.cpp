#include "sequence/JsonReader.hpp"

#include <fmt/core.h>

#include <charconv>
#include <system_error>
#include <vector>

namespace linktools::json {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class Parser {
public:
  Parser(std::string_view text, Handler& handler, SyntaxError& error)
      : begin_(text.data()), end_(text.data() + text.size()), p_(begin_), handler_(handler),
        error_(error) {}

  bool run() {
    bool need_value = true;
    for (;;) {
      skip_space();
      if (need_value) {
        if (p_ == end_) return fail("expected a value, got " + shown());
        if (*p_ == '{') {
          ++p_;
          handler_.start_object();
          skip_space();
          if (p_ < end_ && *p_ == '}') {
            ++p_;
            handler_.end_object();
            need_value = false;
            continue;
          }
          stack_.push_back('{');
          if (!member_name("a member name in double quotes or '}'")) return false;
          continue;
        }
        if (*p_ == '[') {
          ++p_;
          handler_.start_array();
          skip_space();
          if (p_ < end_ && *p_ == ']') {
            ++p_;
            handler_.end_array();
            need_value = false;
            continue;
          }
          stack_.push_back('[');
          continue;
        }
        if (!scalar()) return false;
        need_value = false;
        continue;
      }
      // After a value.
      if (stack_.empty()) {
        if (p_ != end_) return fail("expected the end of the text after the document, got " + shown());
        return true;
      }
      const bool object = stack_.back() == '{';
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        if (object) {
          skip_space();
          if (!member_name("a member name in double quotes")) return false;
        }
        need_value = true;
        continue;
      }
      if (p_ < end_ && *p_ == (object ? '}' : ']')) {
        ++p_;
        stack_.pop_back();
        if (object)
          handler_.end_object();
        else
          handler_.end_array();
        continue;
      }
      return fail(object ? "expected ',' or '}' after an object member, got " + shown()
                         : "expected ',' or ']' after an array element, got " + shown());
    }
  }

private:
  void skip_space() noexcept {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool fail(std::string message) {
    error_.offset = static_cast<std::size_t>(p_ - begin_);
    error_.message = std::move(message);
    return false;
  }

  // What stands at p_, for messages.
  std::string shown() const {
    if (p_ == end_) return "the end of the text";
    const auto c = static_cast<unsigned char>(*p_);
    if (c >= 0x20 && c < 0x7F) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02X}", c);
  }

  bool member_name(const char* expected) {
    if (p_ == end_ || *p_ != '"') return fail(fmt::format("expected {}, got {}", expected, shown()));
    std::string_view name;
    if (!string_token(name)) return false;
    handler_.key(name);
    skip_space();
    if (p_ == end_ || *p_ != ':') return fail("expected ':' after the member name, got " + shown());
    ++p_;
    return true;
  }

  bool scalar() {
    switch (*p_) {
    case '"': {
      std::string_view value;
      if (!string_token(value)) return false;
      handler_.string(value);
      return true;
    }
    case 't':
      if (!literal("true")) return false;
      handler_.boolean(true);
      return true;
    case 'f':
      if (!literal("false")) return false;
      handler_.boolean(false);
      return true;
    case 'n':
      if (!literal("null")) return false;
      handler_.null();
      return true;
    default:
      if (*p_ == '-' || is_digit(*p_)) return number();
      return fail("expected a value, got " + shown());
    }
  }

  bool literal(std::string_view word) {
    for (std::size_t i = 0; i < word.size(); ++i, ++p_)
      if (p_ == end_ || *p_ != word[i]) return fail(fmt::format("expected {}, got {}", word, shown()));
    return true;
  }

  bool digits() {
    if (p_ == end_ || !is_digit(*p_)) return fail("expected a digit, got " + shown());
    while (p_ < end_ && is_digit(*p_)) ++p_;
    return true;
  }

  bool number() {
    const char* start = p_;
    bool integer = true;
    if (*p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0')
      ++p_;
    else if (!digits())
      return false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      integer = false;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      integer = false;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    Number n;
    n.literal = std::string_view(start, static_cast<std::size_t>(p_ - start));
    if (integer) {
      const auto r = std::from_chars(start, p_, n.as_integer);
      n.integer = r.ec == std::errc{};
    }
    const auto r = std::from_chars(start, p_, n.value);
    if (r.ec != std::errc{}) {
      p_ = start;
      return fail(fmt::format("expected a number a double can hold, got {}", n.literal));
    }
    handler_.number(n);
    return true;
  }

  // A string at p_ (on its opening quote). Without escapes the result points
  // into the text; with them, into scratch_.
  bool string_token(std::string_view& out) {
    ++p_;
    const char* start = p_;
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p_;
    }
    if (p_ < end_ && *p_ == '"') {
      out = std::string_view(start, static_cast<std::size_t>(p_ - start));
      ++p_;
      return true;
    }
    scratch_.assign(start, p_);
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        out = scratch_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail(fmt::format("expected a character of the string, got control byte 0x{:02X} "
                                "(write it as \\u{:04X})",
                                c, c));
      } else if (c < 0x80) {
        scratch_ += static_cast<char>(c);
        ++p_;
      } else {
        const auto n = utf8_length(reinterpret_cast<const unsigned char*>(p_),
                                   reinterpret_cast<const unsigned char*>(end_));
        if (n == 0) return fail(fmt::format("expected UTF-8 text, got byte 0x{:02X}", c));
        scratch_.append(p_, n);
        p_ += n;
      }
    }
    return fail("expected the closing '\"' of the string, got the end of the text");
  }

  bool hex4(std::uint32_t& code) {
    code = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      const int v = p_ < end_ ? hex_value(*p_) : -1;
      if (v < 0) return fail("expected four hex digits after \\u, got " + shown());
      code = code * 16 + static_cast<std::uint32_t>(v);
    }
    return true;
  }

  bool escape() {
    ++p_; // the backslash
    if (p_ == end_) return fail("expected an escape after '\\', got the end of the text");
    const char c = *p_;
    const char* simple = "\"\\/bfnrt";
    const char* meaning = "\"\\/\b\f\n\r\t";
    for (int i = 0; simple[i]; ++i) {
      if (c == simple[i]) {
        scratch_ += meaning[i];
        ++p_;
        return true;
      }
    }
    if (c != 'u') return fail("expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), got " + shown());
    ++p_;
    std::uint32_t code = 0;
    if (!hex4(code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF)
      return fail(fmt::format("expected a high surrogate before \\u{:04X}, got none", code));
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
        return fail(fmt::format("expected a low surrogate after \\u{:04X}, got {}", code, shown()));
      p_ += 2;
      std::uint32_t low = 0;
      if (!hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF)
        return fail(fmt::format("expected a low surrogate after \\u{:04X}, got \\u{:04X}", code, low));
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(scratch_, code);
    return true;
  }

  const char* begin_;
  const char* end_;
  const char* p_;
  Handler& handler_;
  SyntaxError& error_;
  std::vector<char> stack_; // '{' or '[' for each open container
  std::string scratch_;
};

} // namespace

std::size_t utf8_length(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char lead = p[0];
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF; // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

bool is_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const std::size_t n = *p < 0x80 ? 1 : utf8_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

bool read(std::string_view text, Handler& handler, SyntaxError& error) {
  return Parser(text, handler, error).run();
}

} // namespace linktools::json
