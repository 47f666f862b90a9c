// The export scenario's child process: one export of a campaign's leads to
// a sink that keeps nothing, run in a freshly exec'd process so that its
// peak RSS is the export's alone (child.hpp).
#pragma once

namespace bench {

// `leadterra_bench --export-child engine|raw DB CAMPAIGN`: exports the
// campaign as CSV, through CampaignEngine::exportLeads (engine) or the
// hand-written baseline (raw), and prints "<leads> <bytes>" on stdout.
// `argv` starts at engine|raw. Returns the process exit status.
int exportChildMain(int argc, char** argv);

}  // namespace bench
