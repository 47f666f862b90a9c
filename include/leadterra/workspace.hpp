// leadterra/workspace.hpp: the tenant. A workspace owns campaigns and one
// suppression list. Plain values; safe to copy between threads.
#pragma once

#include <string>

#include "leadterra/clock.hpp"

namespace leadterra {

struct WorkspaceSpec {
  std::string id;    // ^[A-Za-z0-9_-]{1,64}$, or empty to generate "ws_" + ULID
  std::string name;  // free text, may be empty
};

struct Workspace {
  std::string id;
  std::string name;
  Timestamp createdAt{};
};

}  // namespace leadterra
