#pragma once
#include <CLI/CLI.hpp>

namespace h2s::tools {

// `h2s eval`: a rule pack's recall, wrong side, false alarms, duplicates and revisions on a labelled corpus.
void add_eval_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
