// A small JSON value with a writer and a parser.
// Objects keep insertion order so reports diff cleanly between runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gv {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool value) : type_(Type::Bool), bool_(value) {}
  Json(double value) : type_(Type::Number), number_(value) {}
  Json(int value) : type_(Type::Number), number_(value) {}
  Json(unsigned value) : type_(Type::Number), number_(value) {}
  Json(long value) : type_(Type::Number), number_(static_cast<double>(value)) {}
  Json(unsigned long value) : type_(Type::Number), number_(static_cast<double>(value)) {}
  Json(long long value) : type_(Type::Number), number_(static_cast<double>(value)) {}
  Json(unsigned long long value) : type_(Type::Number), number_(static_cast<double>(value)) {}
  Json(const char* value) : type_(Type::String), string_(value) {}
  Json(std::string value) : type_(Type::String), string_(std::move(value)) {}
  template <typename T>
  Json(const std::optional<T>& value) {
    if (value) *this = Json(*value);
  }

  static Json array() { Json j; j.type_ = Type::Array; return j; }
  static Json object() { Json j; j.type_ = Type::Object; return j; }

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  bool asBool() const;
  double asNumber() const;
  const std::string& asString() const;
  const Array& asArray() const;
  const Object& asObject() const;

  // Array building and access.
  Json& push(Json value);
  std::size_t size() const;
  const Json& operator[](std::size_t index) const;

  // Object building and access. set() replaces an existing key in place.
  Json& set(const std::string& key, Json value);
  bool has(const std::string& key) const;
  const Json* find(const std::string& key) const;
  const Json& at(const std::string& key) const;  // throws JsonError when absent

  // Compact when indent < 0, pretty-printed otherwise. NaN and infinities
  // are written as null: JSON has no spelling for them.
  std::string dump(int indent = -1) const;

  static Json parse(const std::string& text);  // throws JsonError

 private:
  void write(std::string& out, int indent, int depth) const;

  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  Array array_;
  Object object_;
};

struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Escapes a string body per RFC 8259 (quotes not included).
std::string jsonEscape(const std::string& text);

}  // namespace gv
