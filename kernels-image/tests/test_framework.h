// A minimal test framework: TEST(name) registers a case, CHECK records a
// failure and continues, REQUIRE stops the case. Each test executable runs
// all its cases (or those whose name contains argv[1]).
#pragma once

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace gvtest {

struct TestCase {
  const char* name;
  void (*body)();
};

std::vector<TestCase>& registry();
void recordFailure(const char* file, int line, const std::string& message);
struct Abort {};

struct Registrar {
  Registrar(const char* name, void (*body)()) { registry().push_back({name, body}); }
};

template <typename A, typename B>
std::string describe(const A& a, const B& b) {
  std::ostringstream out;
  out << "[" << a << "] vs [" << b << "]";
  return out.str();
}

}  // namespace gvtest

#define TEST(name)                                                   \
  static void name();                                                \
  static const gvtest::Registrar name##_registrar(#name, &name);     \
  static void name()

#define CHECK(condition)                                                          \
  do {                                                                            \
    if (!(condition)) gvtest::recordFailure(__FILE__, __LINE__, "CHECK(" #condition ")"); \
  } while (0)

#define CHECK_EQ(actual, expected)                                                                  \
  do {                                                                                              \
    const auto gv_a = (actual);                                                                     \
    const auto gv_e = (expected);                                                                   \
    if (!(gv_a == gv_e))                                                                            \
      gvtest::recordFailure(__FILE__, __LINE__,                                                     \
                            "CHECK_EQ(" #actual ", " #expected ") " + gvtest::describe(gv_a, gv_e)); \
  } while (0)

#define CHECK_NEAR(actual, expected, tolerance)                                                       \
  do {                                                                                                \
    double gv_a = (actual), gv_e = (expected);                                                        \
    if (!(std::fabs(gv_a - gv_e) <= (tolerance)))                                                     \
      gvtest::recordFailure(__FILE__, __LINE__,                                                       \
                            "CHECK_NEAR(" #actual ", " #expected ") " + gvtest::describe(gv_a, gv_e)); \
  } while (0)

#define CHECK_CONTAINS(text, part)                                                                      \
  do {                                                                                                  \
    const std::string gv_t = (text);                                                                    \
    const std::string gv_p = (part);                                                                    \
    if (gv_t.find(gv_p) == std::string::npos)                                                           \
      gvtest::recordFailure(__FILE__, __LINE__, "CHECK_CONTAINS: [" + gv_p + "] not in [" + gv_t + "]"); \
  } while (0)

#define REQUIRE(condition)                                                            \
  do {                                                                                \
    if (!(condition)) {                                                               \
      gvtest::recordFailure(__FILE__, __LINE__, "REQUIRE(" #condition ")");          \
      throw gvtest::Abort{};                                                          \
    }                                                                                 \
  } while (0)

#define CHECK_THROWS(statement)                                                                \
  do {                                                                                         \
    bool gv_threw = false;                                                                     \
    try {                                                                                      \
      statement;                                                                               \
    } catch (...) {                                                                            \
      gv_threw = true;                                                                         \
    }                                                                                          \
    if (!gv_threw) gvtest::recordFailure(__FILE__, __LINE__, "CHECK_THROWS(" #statement ")"); \
  } while (0)
