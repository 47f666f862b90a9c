// Running a program as a child process and measuring its wall time and peak
// resident memory.
//
// Linux reports a child's peak RSS (ru_maxrss from wait4) as the largest of
// every memory image the process had, including the image it had between
// fork() and exec(): a copy of the benchmark with all its test data. So the
// program is started through a freshly exec'd copy of this benchmark in a
// small "spawner" mode, whose own footprint (a few MB, reported) is the only
// thing that can mix into the figure. Not thread-safe (fork).
#pragma once

#include <string>
#include <vector>

namespace bench {

struct ChildRun {
  int exitStatus = -1;     // exit code, or 128 + signal number
  double seconds = 0;      // wall time from fork to reaping
  double cpuSeconds = 0;   // user + system time of the program
  long maxRssKiB = 0;      // ru_maxrss of the program
  long spawnerRssKiB = 0;  // peak RSS of the spawner when it forked: a floor under maxRssKiB
};

// Runs args[0] (a path) with args, its stdout and stderr written to the files.
// Throws std::runtime_error when it cannot be started or measured.
[[nodiscard]] ChildRun measureChild(const std::vector<std::string>& args, const std::string& stdoutPath,
                                    const std::string& stderrPath);

// The spawner mode, `leadterra_bench --spawn-measure RESULT OUT ERR PROGRAM [ARGS...]`:
// runs PROGRAM and writes the measurement to RESULT. `argv` starts at RESULT.
// Returns the process exit status.
int spawnMain(int argc, char** argv);

}  // namespace bench
