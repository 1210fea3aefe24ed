// Small shared vocabulary: profiles, sharing modes, check status.
#pragma once

#include <optional>
#include <string>

namespace gv {

inline constexpr int kReportSchemaVersion = 1;

enum class Profile { Quick, Full };
enum class SharingMode { Exclusive, TimeSlicing, Mig };
enum class Status { Pass, Fail, Skip, Error };

const char* toString(Profile profile);
const char* toString(SharingMode mode);
const char* toString(Status status);

std::optional<Profile> parseProfile(const std::string& text);
std::optional<SharingMode> parseSharingMode(const std::string& text);

// Bit set of profiles a check belongs to.
enum ProfileMask : unsigned { kQuickProfile = 1u, kFullProfile = 2u, kBothProfiles = 3u };
inline bool inProfile(unsigned mask, Profile profile) {
  return (mask & (profile == Profile::Quick ? kQuickProfile : kFullProfile)) != 0;
}

}  // namespace gv
