#pragma once
// `h2s record --config FILE --output FILE`: capture live feeds to a replayable recording.
#include <CLI/CLI.hpp>

namespace h2s::tools {

void add_record_command(CLI::App& app, int& exit_code);

}  // namespace h2s::tools
