#pragma once
// Where the bundled rule pack and sample feed live, for a build tree or an installed tree.
#include <filesystem>

namespace h2s::tools {

// The bundled default rule pack: <exe>/../rules/default, <exe>/../share/h2s/rules/default, or the
// source tree this binary was built from.
[[nodiscard]] std::filesystem::path default_rules_path();

}  // namespace h2s::tools
