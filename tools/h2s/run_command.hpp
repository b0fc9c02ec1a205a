#pragma once
// `h2s run --config FILE`: the daemon.
#include <CLI/CLI.hpp>

namespace h2s::tools {

void add_run_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
