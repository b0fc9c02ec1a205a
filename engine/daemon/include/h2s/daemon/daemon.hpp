#pragma once
// `h2s run`: live feeds -> processor -> publisher -> outputs, until SIGTERM/SIGINT (or, with only
// file feeds, the end of the files). SIGHUP reloads the rule pack. Logs go to stderr from the
// main thread only; the pipeline thread never writes a log line.
#include <signal.h>

#include <cstdio>
#include <memory>

#include "h2s/daemon/daemon_config.hpp"
#include "h2s/rules/compiled_pack.hpp"

namespace h2s::daemon {

// Runs to the end; returns the process exit code (0 after a clean shutdown). Throws at start-up
// (a feed or listener that cannot be opened), never later.
int run_daemon(const DaemonConfig& config, std::shared_ptr<const rules::CompiledPack> pack, std::FILE* log);

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and the threads it starts): the daemon
// takes them with sigtimedwait. Call it first, so a signal during start-up waits for the daemon.
// Returns the set.
sigset_t block_daemon_signals() noexcept;

}  // namespace h2s::daemon
