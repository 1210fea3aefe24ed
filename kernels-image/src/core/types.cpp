#include "types.h"

namespace gv {

const char* toString(Profile profile) { return profile == Profile::Quick ? "quick" : "full"; }

const char* toString(SharingMode mode) {
  switch (mode) {
    case SharingMode::Exclusive: return "exclusive";
    case SharingMode::TimeSlicing: return "time-slicing";
    case SharingMode::Mig: return "mig";
  }
  return "?";
}

const char* toString(Status status) {
  switch (status) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::Skip: return "skip";
    case Status::Error: return "error";
  }
  return "?";
}

std::optional<Profile> parseProfile(const std::string& text) {
  if (text == "quick") return Profile::Quick;
  if (text == "full") return Profile::Full;
  return std::nullopt;
}

std::optional<SharingMode> parseSharingMode(const std::string& text) {
  if (text == "exclusive") return SharingMode::Exclusive;
  if (text == "time-slicing") return SharingMode::TimeSlicing;
  if (text == "mig") return SharingMode::Mig;
  return std::nullopt;
}

}  // namespace gv
