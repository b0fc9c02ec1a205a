#pragma once
// `h2s tap`: subscribes to a running binary feed and prints one JSON signal per line.
#include <CLI/CLI.hpp>

namespace h2s::tools {

void add_tap_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
