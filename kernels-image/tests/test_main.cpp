#include <cstdio>
#include <exception>

#include "test_framework.h"

namespace gvtest {

namespace {
int currentFailures = 0;
}

std::vector<TestCase>& registry() {
  static std::vector<TestCase> cases;
  return cases;
}

void recordFailure(const char* file, int line, const std::string& message) {
  ++currentFailures;
  std::fprintf(stderr, "  %s:%d: %s\n", file, line, message.c_str());
}

}  // namespace gvtest

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int failedCases = 0, ran = 0;
  for (const auto& test : gvtest::registry()) {
    if (filter && std::string(test.name).find(filter) == std::string::npos) continue;
    ++ran;
    gvtest::currentFailures = 0;
    try {
      test.body();
    } catch (const gvtest::Abort&) {
    } catch (const std::exception& e) {
      gvtest::recordFailure(__FILE__, __LINE__, std::string("unexpected exception: ") + e.what());
    }
    std::printf("[%s] %s\n", gvtest::currentFailures ? "FAIL" : " OK ", test.name);
    if (gvtest::currentFailures) ++failedCases;
  }
  std::printf("%d of %d test case(s) failed\n", failedCases, ran);
  return failedCases || ran == 0 ? 1 : 0;
}
