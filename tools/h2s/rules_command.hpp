#pragma once
// `h2s rules check|test|explain`: validate a pack, run its examples, explain a headline.
#include <CLI/CLI.hpp>

namespace h2s::tools {

void add_rules_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
