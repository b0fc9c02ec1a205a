#pragma once
// `h2s replay`: a recorded feed through the full pipeline, signals to stdout, counts to stderr.
#include <CLI/CLI.hpp>

namespace h2s::tools {

void add_replay_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
